"""Finding contacts: search and filters, what an agent may see, and merge suggestions.

Agents see the contacts of the conversations and tickets they may see; admins see all. A page
for an agent is read in batches and the contacts they may not see are left out, so a page is
full unless the list has ended.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from inbox import search
from inbox.auth import Principal
from inbox.errors import Invalid, NotFound
from inbox.ids import parse_id
from inbox.models.contacts import ContactFilter
from inbox.pagination import Position, after
from inbox.runtime import Runtime
from inbox.services.contacts import records
from inbox.visibility import conversation_filter, ticket_filter

BATCHES = 5


def conditions(query: ContactFilter) -> dict[str, Any]:
    """The store filter for the list's filters (a 422 for a malformed one)."""
    found: dict[str, Any] = {"merged_into": None}
    words = search.query_terms(query.q or "")
    if words:
        found["search_terms"] = {"$all": words}
    if query.tag:
        found["tags"] = query.tag
    if query.channel:
        found["identities.channel_id"] = parse_id(query.channel, "channel")
    if query.attribute:
        key, sep, value = query.attribute.partition(":")
        if not sep or not key:
            raise Invalid("attribute is key:value, e.g. plan:gold.")
        found["attribute_pairs"] = records.attribute_pair(key, value)
    seen = {
        op: moment
        for op, moment in (("$gte", query.seen_after), ("$lt", query.seen_before))
        if moment is not None
    }
    if seen:
        found["last_seen_at"] = seen
    return found


async def list_page(
    rt: Runtime, principal: Principal, query: ContactFilter, position: Position | None, limit: int
) -> list[dict[str, Any]]:
    """Up to limit+1 contacts the principal may see, newest first."""
    found: list[dict[str, Any]] = []
    wanted = conditions(query)
    size = limit + 1 if principal.is_admin else 2 * limit + 1  # agents may not see some
    for _ in range(BATCHES):
        clause = after("created_at", position, True)
        cursor = rt.store["contacts"].find(
            {**wanted, **({"$and": [clause]} if clause else {})},
            sort=[("created_at", -1), ("_id", -1)],
            limit=size,
        )
        batch = await cursor.to_list(None)
        seen = await visible_ids(rt, principal, [c["_id"] for c in batch])
        found += [c for c in batch if c["_id"] in seen]
        if len(found) > limit or len(batch) < size:
            break
        position = Position(batch[-1]["created_at"], batch[-1]["_id"])
    return found[: limit + 1]


async def visible_ids(
    rt: Runtime, principal: Principal, contact_ids: list[ObjectId]
) -> set[ObjectId]:
    """Which of these contacts the principal may see."""
    if principal.is_admin or not contact_ids:
        return set(contact_ids)
    seen: set[ObjectId] = set()
    for collection, visible in (
        ("conversations", conversation_filter(principal)),
        ("tickets", ticket_filter(principal)),
    ):
        wanted = [c for c in contact_ids if c not in seen]
        if not wanted:
            break
        cursor = rt.store[collection].find(
            {"contact_id": {"$in": wanted}, **visible}, projection={"contact_id": 1}
        )
        seen |= {doc["contact_id"] async for doc in cursor}
    return seen | await _unattached(rt, [c for c in contact_ids if c not in seen])


async def _unattached(rt: Runtime, contact_ids: list[ObjectId]) -> set[ObjectId]:
    """Contacts with no conversation and no ticket yet (entered by hand, imported): like the
    shared queue, every agent may see them."""
    attached: set[ObjectId] = set()
    for collection in ("conversations", "tickets"):
        cursor = rt.store[collection].find(
            {"contact_id": {"$in": contact_ids}}, projection={"contact_id": 1}
        )
        attached |= {doc["contact_id"] async for doc in cursor}
    return set(contact_ids) - attached


async def get_visible(rt: Runtime, contact_id: str, principal: Principal) -> dict[str, Any]:
    contact = await records.get(rt, parse_id(contact_id, "contact"))
    if contact["_id"] not in await visible_ids(rt, principal, [contact["_id"]]):
        raise NotFound("No such contact.")
    return contact


async def suggestions(
    rt: Runtime, principal: Principal, contact: dict[str, Any]
) -> list[tuple[dict[str, Any], list[str]]]:
    """Other contacts sharing a phone number or an email address: likely the same person.
    Only suggested: merging is always an agent's decision."""
    reasons: dict[ObjectId, list[str]] = {}
    others: dict[ObjectId, dict[str, Any]] = {}
    for field, label in (("phones", "phone"), ("emails", "email")):
        values = contact.get(field, [])
        if not values:
            continue
        cursor = rt.store["contacts"].find(
            {field: {"$in": values}, "merged_into": None, "_id": {"$ne": contact["_id"]}},
            limit=20,
        )
        async for other in cursor:
            others[other["_id"]] = other
            shared = sorted(set(values) & set(other.get(field, [])))
            reasons.setdefault(other["_id"], []).extend(f"{label} {v}" for v in shared)
    seen = await visible_ids(rt, principal, list(others))
    return [(others[i], reasons[i]) for i in others if i in seen]
