"""Merging two records of one person: the other's identities, conversations, tickets, tags,
attributes and notes move to the survivor; the other then points to it and is read only.

Both records are leased for the merge (oldest id first, so two merges of the same pair cannot
each hold one), so concurrent merges of a pair or a chain wait their turn or are refused,
never interleaved. Every step is idempotent: a merge cut short (a crash) is finished by asking
for it again, and the pointer is set first so a message arriving meanwhile already follows it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bson import ObjectId

from inbox import clock
from inbox.errors import Conflict, Invalid
from inbox.events import Actor, EventType
from inbox.ids import new_id
from inbox.runtime import Runtime
from inbox.services.contacts import holders, records

LEASE = timedelta(minutes=2)
NOTES_SEPARATOR = "\n\n---\n"


async def merge(
    rt: Runtime, survivor: dict[str, Any], other: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    """Merge `other` into `survivor`; returns the survivor as it is afterwards."""
    if survivor["_id"] == other["_id"]:
        raise Invalid("A contact cannot be merged into itself.")
    records.editable(survivor)
    if other.get("merged_into") not in (None, survivor["_id"]):
        raise Conflict(
            "That contact was already merged into another one.",
            {"merged_into": str(other["merged_into"])},
        )
    if other.get("erased"):
        raise Conflict("That contact's data was erased.")
    lease = new_id()
    held = await _lease(rt, sorted([survivor["_id"], other["_id"]]), lease)
    try:
        survivor = records.editable(await records.get(rt, survivor["_id"]))
        other = await records.get(rt, other["_id"])
        if other.get("merged_into") not in (None, survivor["_id"]):
            raise Conflict("That contact was merged into another one meanwhile.")
        await _point(rt, other, survivor, actor)
        merged = await _absorb(rt, survivor, other, actor)
        await _move(rt, other, merged)
    finally:
        await _release(rt, held, lease)
    await records.emit_contact(rt, EventType.CONTACT_UPDATED, merged, actor)
    return merged


async def _lease(rt: Runtime, contact_ids: list[ObjectId], lease: ObjectId) -> list[ObjectId]:
    """Hold both records for this merge; refuse if another merge holds one."""
    held: list[ObjectId] = []
    now = clock.now()
    for contact_id in contact_ids:
        result = await rt.store["contacts"].update_one(
            {
                "_id": contact_id,
                "$or": [{"merge_lease": None}, {"merge_lease.until": {"$lt": now}}],
            },
            {"$set": {"merge_lease": {"id": lease, "until": now + LEASE}}},
        )
        if result.modified_count == 0:
            await _release(rt, held, lease)
            raise Conflict("Another merge of this contact is in progress; try again shortly.")
        held.append(contact_id)
    return held


async def _release(rt: Runtime, contact_ids: list[ObjectId], lease: ObjectId) -> None:
    for contact_id in contact_ids:
        await rt.store["contacts"].update_one(
            {"_id": contact_id, "merge_lease.id": lease}, {"$set": {"merge_lease": None}}
        )


async def _point(
    rt: Runtime, other: dict[str, Any], survivor: dict[str, Any], actor: Actor
) -> None:
    """Make `other` a pointer first: from now on its identities' messages reach the survivor."""
    await rt.store["contacts"].update_one(
        {"_id": other["_id"], "merged_into": None},
        {
            "$set": {
                "merged_into": survivor["_id"],
                "merged": {"at": clock.now(), "by": actor.model_dump()},
            }
        },
    )


async def _absorb(
    rt: Runtime, survivor: dict[str, Any], other: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    """The survivor with the other's details added (its own values win where both have one)."""
    if any(m["contact_id"] == other["_id"] for m in survivor.get("merges", [])):
        return survivor  # absorbed already, by an earlier run of this merge
    combined = {
        **survivor,
        "emails": _union(survivor, other, "emails"),
        "phones": _union(survivor, other, "phones"),
        "tags": _union(survivor, other, "tags"),
        "identities": _union(survivor, other, "identities"),
        "attributes": {**other.get("attributes", {}), **survivor.get("attributes", {})},
        "notes": NOTES_SEPARATOR.join(n for n in (survivor.get("notes"), other.get("notes")) if n),
        "avatar_url": survivor.get("avatar_url") or other.get("avatar_url"),
        "language": survivor.get("language") or other.get("language"),
        "timezone": survivor.get("timezone") or other.get("timezone"),
        "created_at": min(survivor["created_at"], other["created_at"]),
    }
    seen = [c["last_seen_at"] for c in (survivor, other) if c.get("last_seen_at")]
    record = {
        "contact_id": other["_id"],
        "name": other["name"],
        "at": clock.now(),
        "by": actor.name or actor.type,
    }
    combined["merges"] = [*survivor.get("merges", []), record]
    fields = {k: combined[k] for k in (*_MERGED_FIELDS, "created_at")}
    update: dict[str, Any] = {
        "$set": {**fields, **records.derived(rt, combined)},
        "$push": {"merges": record},
    }
    if seen:
        update["$max"] = {"last_seen_at": max(seen)}
    await rt.store["contacts"].update_one({"_id": survivor["_id"]}, update)
    return await records.get(rt, survivor["_id"])


_MERGED_FIELDS = (
    "emails",
    "phones",
    "tags",
    "identities",
    "attributes",
    "notes",
    "avatar_url",
    "language",
    "timezone",
)


def _union(survivor: dict[str, Any], other: dict[str, Any], field: str) -> list[Any]:
    values = list(survivor.get(field, []))
    return values + [v for v in other.get(field, []) if v not in values]


async def _move(rt: Runtime, other: dict[str, Any], survivor: dict[str, Any]) -> None:
    """Identities, conversations and tickets of the other now belong to the survivor."""
    await rt.store["contact_identities"].update_many(
        {"contact_id": other["_id"]}, {"$set": {"contact_id": survivor["_id"]}}
    )
    for collection in ("conversations", "tickets"):
        await rt.store[collection].update_many(
            {"contact_id": other["_id"]}, {"$set": {"contact_id": survivor["_id"]}}
        )
    await holders.refresh(rt, survivor, [], records.search_terms(rt, survivor))
