"""Tickets that belong together: merging duplicates into one, linking related ones."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from inbox import clock
from inbox.auth import Principal
from inbox.errors import Conflict, Invalid
from inbox.events import EventType
from inbox.models.tickets import TicketStatus, ticket_number
from inbox.runtime import Runtime
from inbox.services.tickets import history as ticket_history
from inbox.services.tickets import lifecycle as tickets


def _number(ticket: dict[str, Any]) -> str:
    return ticket_number(ticket["seq"])


def _refuse_merged(*found: dict[str, Any]) -> None:
    for ticket in found:
        if ticket.get("merged_into"):
            raise Conflict(
                f"{_number(ticket)} was already merged into another ticket.", code="ticket_merged"
            )


async def merge(
    rt: Runtime, source: dict[str, Any], target: dict[str, Any], principal: Principal
) -> dict[str, Any]:
    """Join `source` into `target`: its conversations, notes and history now show on `target`,
    and `source` is closed, read only, pointing to `target`."""
    if source["_id"] == target["_id"]:
        raise Invalid("A ticket cannot be merged into itself.")
    _refuse_merged(source, target)
    actor = principal.actor
    now = clock.now()
    closed = await rt.store["tickets"].find_one_and_update(
        {"_id": source["_id"], "merged_into": None},
        {
            "$set": {
                "merged_into": target["_id"],
                "status": str(TicketStatus.CLOSED),
                "status_changed_at": now,
                "closed_at": now,
                "updated_at": now,
            },
            "$inc": {"revision": 1},
        },
        return_document=ReturnDocument.AFTER,
    )
    if closed is None:
        raise Conflict(f"{_number(source)} was merged meanwhile.", code="ticket_merged")
    joined = [source["_id"], *source.get("merged_ids", [])]
    survivor = await rt.store["tickets"].find_one_and_update(
        {"_id": target["_id"]},
        {
            "$addToSet": {
                "conversation_ids": {"$each": source.get("conversation_ids", [])},
                "thread_keys": {"$each": source.get("thread_keys", [])},
                "merged_ids": {"$each": joined},
                "search_terms": {"$each": source.get("search_terms", [])},
                "tags": {"$each": source.get("tags", [])},
            },
            "$push": {"attachments": {"$each": source.get("attachments", [])}},
            "$set": {"updated_at": now},
            "$inc": {"revision": 1},
        },
        return_document=ReturnDocument.AFTER,
    )
    await rt.store["conversations"].update_many(
        {"ticket_id": {"$in": joined}},
        {"$set": {"ticket_id": target["_id"]}, "$inc": {"revision": 1}},
    )
    await ticket_history.record(
        rt,
        source["_id"],
        actor,
        {"merged_into": (None, _number(target)), "status": (source["status"], "closed")},
    )
    await ticket_history.record(rt, target["_id"], actor, {"merged": (None, _number(source))})
    changes = {"merged_into": {"from": None, "to": str(target["_id"])}}
    await tickets.emit_ticket(rt, EventType.TICKET_UPDATED, closed, actor, changes)
    changes = {"merged": {"from": None, "to": str(source["_id"])}}
    await tickets.emit_ticket(rt, EventType.TICKET_UPDATED, survivor, actor, changes)
    return survivor


async def link(
    rt: Runtime, ticket: dict[str, Any], other: dict[str, Any], principal: Principal, on: bool
) -> dict[str, Any]:
    """Link (or unlink, `on` false) two related tickets; the link shows on both."""
    if ticket["_id"] == other["_id"]:
        raise Invalid("A ticket cannot be linked to itself.")
    _refuse_merged(ticket, other)
    actor = principal.actor
    updated = ticket
    for one, two in ((ticket, other), (other, ticket)):
        result = await _set_link(rt, one, two["_id"], on)
        if result is None:
            continue
        before, after = (None, _number(two)) if on else (_number(two), None)
        await ticket_history.record(rt, one["_id"], actor, {"link": (before, after)})
        changes = {
            "links": {"from": None, "to": str(two["_id"])}
            if on
            else {"from": str(two["_id"]), "to": None}
        }
        await tickets.emit_ticket(rt, EventType.TICKET_UPDATED, result, actor, changes)
        if one is ticket:
            updated = result
    return updated


async def _set_link(
    rt: Runtime, ticket: dict[str, Any], other_id: ObjectId, on: bool
) -> dict[str, Any] | None:
    """The ticket after adding or removing the link; None if there was nothing to change."""
    if (other_id in ticket.get("links", [])) == on:
        return None
    operation = {"$addToSet" if on else "$pull": {"links": other_id}}
    return await rt.store["tickets"].find_one_and_update(
        {"_id": ticket["_id"]},
        {**operation, "$set": {"updated_at": clock.now()}, "$inc": {"revision": 1}},
        return_document=ReturnDocument.AFTER,
    )
