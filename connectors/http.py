"""One aiohttp client session per event loop, shared by the connectors that speak HTTP."""

from __future__ import annotations

import asyncio

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=20)
_sessions: dict[int, aiohttp.ClientSession] = {}


def session() -> aiohttp.ClientSession:
    """The running loop's session (a session cannot move between loops)."""
    loop = asyncio.get_running_loop()
    for key in [k for k, s in _sessions.items() if s.closed or s._loop.is_closed()]:
        del _sessions[key]
    current = _sessions.get(id(loop))
    if current is None:
        current = _sessions[id(loop)] = aiohttp.ClientSession(timeout=TIMEOUT)
    return current


async def close() -> None:
    """Close the running loop's session (at shutdown)."""
    current = _sessions.pop(id(asyncio.get_running_loop()), None)
    if current is not None:
        await current.close()


class DownloadFailed(Exception):
    """A file could not be fetched; `permanent` when trying again cannot help."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


GONE_STATUSES = frozenset({401, 403, 404, 410})
"""What platforms' CDNs answer once a link expired or the file was removed."""


async def download(url: str, limit: int) -> tuple[bytes, str | None]:
    """The bytes at `url` and their MIME type, read no further than `limit` bytes."""
    if not url.startswith(("https://", "http://")):
        raise DownloadFailed("The platform gave no web address for the file.", permanent=True)
    try:
        async with session().get(url) as response:
            if response.status in GONE_STATUSES:
                raise DownloadFailed(
                    f"The platform no longer has the file (HTTP {response.status}).",
                    permanent=True,
                )
            if response.status >= 400:
                reason = f"The platform answered HTTP {response.status}."
                raise DownloadFailed(reason, permanent=False)
            if (response.content_length or 0) > limit:
                raise too_large(limit)
            data = bytearray()
            async for chunk in response.content.iter_chunked(256 * 1024):
                data.extend(chunk)
                if len(data) > limit:
                    raise too_large(limit)
            return bytes(data), response.content_type
    except (aiohttp.ClientError, TimeoutError) as error:
        raise DownloadFailed(
            f"The platform could not be reached: {error or type(error).__name__}.", permanent=False
        ) from None


def too_large(limit: int) -> DownloadFailed:
    return DownloadFailed(
        f"The file is larger than the {limit // (1024 * 1024)} MB limit.", permanent=True
    )
