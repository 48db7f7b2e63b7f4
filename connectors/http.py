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
