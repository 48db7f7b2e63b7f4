"""Erasing a person's data on request (GDPR's right to erasure, Vietnam's Decree 13).

Everything that held it is replaced: the contact's fields and the records merged into it,
their channel identities, the text, HTML and files of every message in their conversations
and tickets, the conversations' and tickets' summaries and search words, and the copies in
the event log. The contact stays as a tombstone, and one line in the audit log says who erased
whom and when (with counts, never the erased values).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from bson import ObjectId

from inbox import clock, search
from inbox.errors import Conflict
from inbox.events import Actor
from inbox.models.tickets import ticket_number
from inbox.runtime import Runtime
from inbox.services import files
from inbox.services.contacts import records

ERASED_NAME = "Erased contact"
BATCH = 500


async def erase(rt: Runtime, contact: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """Erase the contact and every record merged into it; returns the tombstone."""
    if contact.get("merged_into") is not None:
        raise Conflict(
            "This record was merged into another one: erase that one.",
            {"merged_into": str(contact["merged_into"])},
        )
    people = [contact["_id"]] + [
        m["_id"]
        async for m in rt.store["contacts"].find(
            {"merged_into": contact["_id"]}, projection={"_id": 1}
        )
    ]
    counts = {
        "identities": await _forget_identities(rt, people),
        "portal": await _forget_portal(rt, people),
        **await _erase_threads(rt, contact["_id"]),
    }
    now = clock.now()
    for person in people:
        await rt.store["contacts"].update_one({"_id": person}, {"$set": _tombstone(actor, now)})
    await rt.store["audit_log"].insert_one(
        {
            "action": "contact.erased",
            "subject_id": contact["_id"],
            "merged_records": len(people) - 1,
            "counts": counts,
            "by": actor.model_dump(),
            "at": now,
        }
    )
    return await records.get(rt, contact["_id"])


def _tombstone(actor: Actor, now: Any) -> dict[str, Any]:
    return {
        **copy.deepcopy(records.BLANK),
        "name": ERASED_NAME,
        "attribute_pairs": [],
        "search_terms": [],
        "merges": [],
        "erased": {"at": now, "by": actor.name or actor.type},
    }


async def _forget_identities(rt: Runtime, people: list[ObjectId]) -> int:
    """Their channel identities go: a new message from one of them starts a new contact."""
    result = await rt.store["contact_identities"].delete_many({"contact_id": {"$in": people}})
    return result.deleted_count


async def _forget_portal(rt: Runtime, people: list[ObjectId]) -> int:
    """Their portal sessions and links end; the notices sent them keep no address or text."""
    query = {"contact_id": {"$in": people}}
    await rt.store["portal_sessions"].delete_many(query)
    await rt.store["portal_links"].delete_many(query)
    result = await rt.store["portal_notices"].update_many(
        query, {"$set": {"to": "", "subject": ""}, "$unset": {"body_sealed": ""}}
    )
    return result.modified_count


async def _erase_threads(rt: Runtime, contact_id: ObjectId) -> dict[str, int]:
    conversation_ids = [
        c["_id"]
        async for c in rt.store["conversations"].find(
            {"contact_id": contact_id}, projection={"_id": 1}
        )
    ]
    tickets = (
        await rt.store["tickets"]
        .find({"contact_id": contact_id}, projection={"seq": 1, "title": 1})
        .to_list(None)
    )
    ticket_ids = [t["_id"] for t in tickets]
    message_ids = [
        m["_id"]
        for owner, ids in (("conversation_id", conversation_ids), ("ticket_id", ticket_ids))
        for m in await rt.store["messages"]
        .find({owner: {"$in": ids}}, projection={"_id": 1})
        .to_list(None)
    ]
    for batch in _batches(message_ids):
        await rt.store["messages"].update_many(
            {"_id": {"$in": batch}},
            {
                "$set": {
                    "text": "",
                    "html": None,
                    "html_original": None,
                    "quoted": None,
                    "subject": None,
                    "payload": None,
                    "attachments": [],
                    "copy_due_at": None,
                    "edits": [],
                    "erased": True,
                }
            },
        )
        await rt.store["messages"].update_many(
            {"_id": {"$in": batch}, "sender.type": "contact"},
            {"$set": {"sender.name": ERASED_NAME}},
        )
    erased_files = await _erase_files(rt, conversation_ids, ticket_ids)
    await _scrub_events(rt, [contact_id, *conversation_ids, *ticket_ids, *message_ids])
    summary = {"name": ERASED_NAME, "avatar_url": None}
    await rt.store["conversations"].update_many(
        {"contact_id": contact_id},
        {
            "$set": {
                "contact": summary,
                "search_terms": [],
                "last_message.text": "",
                "subject": None,
                "recipient_id": None,
                "thread_refs": [],
                "customer_message_ref": None,
                "open_key": None,
                "status": "resolved",
            }
        },
    )
    for ticket in tickets:
        terms = search.terms(ticket_number(ticket["seq"]), ticket["title"])
        await rt.store["tickets"].update_one(
            {"_id": ticket["_id"]}, {"$set": {"contact": summary, "search_terms": terms}}
        )
    return {
        "conversations": len(conversation_ids),
        "tickets": len(ticket_ids),
        "messages": len(message_ids),
        "files": erased_files,
    }


async def _erase_files(
    rt: Runtime, conversation_ids: list[ObjectId], ticket_ids: list[ObjectId]
) -> int:
    file_ids = [
        f["_id"]
        for owner, ids in (("conversation_id", conversation_ids), ("ticket_id", ticket_ids))
        for f in await rt.store["files"]
        .find({owner: {"$in": ids}}, projection={"_id": 1})
        .to_list(None)
    ]
    for batch in _batches(file_ids):
        await files.remove(rt, batch)
    return len(file_ids)


async def _scrub_events(rt: Runtime, subject_ids: list[ObjectId]) -> None:
    """The event log keeps a copy of each change's data: empty those about this person (once
    handled: a handler still to run needs its event whole)."""
    for batch in _batches(subject_ids):
        handled = {"subject.id": {"$in": batch}, "processed_at": {"$ne": None}}
        await rt.store["events"].update_many(handled, {"$set": {"data": {}, "changes": None}})
        await rt.store["events"].update_many(
            {"subject.id": {"$in": batch}, "actor.type": "contact"},
            {"$set": {"actor.name": ERASED_NAME}},
        )


def _batches(ids: list[ObjectId]) -> Iterator[list[ObjectId]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]
