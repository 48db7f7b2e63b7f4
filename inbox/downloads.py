"""Sending a stored file to a browser: chunk by chunk, images inline, anything else as a
download (so no uploaded HTML ever renders on this site)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from inbox.runtime import Runtime
from inbox.services import files


async def stream(request: web.Request, rt: Runtime, doc: dict[str, Any]) -> web.StreamResponse:
    """A stored file, chunk by chunk."""
    response = web.StreamResponse(headers=headers(doc["name"], doc["mime_type"], doc["size"]))
    await response.prepare(request)
    async for chunk in files.chunks(rt, doc):
        await response.write(chunk)
    await response.write_eof()
    return response


def headers(name: str, mime: str, size: int) -> dict[str, str]:
    disposition = "inline" if mime in files.INLINE_TYPES else "attachment"
    return {
        "Content-Type": mime if mime in files.INLINE_TYPES else "application/octet-stream",
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
        "Content-Length": str(size),
        "Cache-Control": "private, max-age=3600",
    }
