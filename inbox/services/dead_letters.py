"""Webhooks that passed verification but could not be read, kept for an admin to inspect.

A platform that signed a body we cannot parse has sent something we do not understand yet
(a new event shape, a bug on either side); the body is stored instead of being lost.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from inbox import clock
from inbox.runtime import Runtime

MAX_BODY = 64 * 1024


async def record(rt: Runtime, channel_id: str, error: str, body: bytes) -> None:
    await rt.store["dead_letters"].insert_one(
        {
            "channel_id": ObjectId(channel_id),
            "error": error,
            "body": body[:MAX_BODY].decode("utf-8", errors="replace"),
            "truncated": len(body) > MAX_BODY,
            "received_at": clock.now(),
        }
    )


async def recent(rt: Runtime, channel_id: ObjectId, limit: int = 50) -> list[dict[str, Any]]:
    cursor = rt.store["dead_letters"].find(
        {"channel_id": channel_id}, sort=[("received_at", -1)], limit=limit
    )
    return await cursor.to_list(None)
