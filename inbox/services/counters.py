"""Sequential numbers (conversation C-000123, ticket T-000123), safe under concurrency."""

from __future__ import annotations

from pymongo import ReturnDocument

from inbox.runtime import Runtime


async def next_value(rt: Runtime, name: str) -> int:
    counter = await rt.store["counters"].find_one_and_update(
        {"_id": name}, {"$inc": {"value": 1}}, upsert=True, return_document=ReturnDocument.AFTER
    )
    return counter["value"]
