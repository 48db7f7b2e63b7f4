"""Each ticket's history: who changed which field, when, from what to what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId

from inbox import clock
from inbox.events import Actor
from inbox.runtime import Runtime


def json_value(value: Any) -> Any:
    """A value as the API and events show it."""
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime):
        return clock.iso(value)
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value


def describe(changes: dict[str, tuple[Any, Any]]) -> dict[str, dict[str, Any]]:
    return {
        field: {"from": json_value(a), "to": json_value(b)} for field, (a, b) in changes.items()
    }


async def record(
    rt: Runtime, ticket_id: ObjectId, actor: Actor, changes: dict[str, tuple[Any, Any]]
) -> None:
    now = clock.now()
    entries = [
        {
            "ticket_id": ticket_id,
            "at": now,
            "actor": actor.model_dump(),
            "field": field,
            "from": json_value(before),
            "to": json_value(after),
        }
        for field, (before, after) in changes.items()
    ]
    if entries:
        await rt.store["ticket_history"].insert_many(entries)


async def of(rt: Runtime, ticket_ids: list[ObjectId]) -> list[dict[str, Any]]:
    """The history of these tickets (a survivor with those merged into it), oldest first."""
    cursor = rt.store["ticket_history"].find({"ticket_id": {"$in": ticket_ids}}, sort=[("at", 1)])
    return await cursor.to_list(None)
