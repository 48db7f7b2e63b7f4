"""Contact records: found from a channel identity, created by agents, edited, completed from
the platforms' profiles.

An identity document's `_id` is "<channel id>:<external id>", so the primary key alone makes
"one contact per channel identity" hold under concurrent webhooks, on any MongoDB. After a
merge the identity points to the survivor, and a record merged away points there too.
"""

from __future__ import annotations

import copy
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from connectors.base import ChannelRef, Sender
from inbox import clock, search
from inbox.errors import Conflict, Invalid
from inbox.events import Actor, EventType, Scope, emit
from inbox.ids import new_id
from inbox.models.contacts import ContactCreate, ContactFields, ContactOut
from inbox.runtime import Runtime
from inbox.services.contacts import attributes, holders, normalise

MAX_POINTER_HOPS = 10
BLANK: dict[str, Any] = {
    "avatar_url": None,
    "emails": [],
    "phones": [],
    "identities": [],
    "language": None,
    "timezone": None,
    "attributes": {},
    "tags": [],
    "notes": "",
}
"""The details of a contact nobody has told us anything about (copied, never shared)."""


def search_terms(rt: Runtime, contact: dict[str, Any]) -> list[str]:
    """What finds the contact: beginnings of the words of the name and email addresses, the
    phone numbers as typed nationally and internationally, the channel ids, and the names of
    the records merged into it."""
    region = rt.settings.phone_region
    phones = [form for p in contact.get("phones", []) for form in normalise.phone_forms(p, region)]
    return normalise.prefixes(
        contact.get("name"),
        *contact.get("emails", []),
        *phones,
        *(i["external_id"] for i in contact.get("identities", [])),
        *(m["name"] for m in contact.get("merges", [])),
    )


def attribute_pair(key: str, value: Any) -> str:
    """How one attribute value is kept for filtering (`attribute_pairs`, indexed)."""
    return f"{key}={search.fold(str(value))}"


def derived(rt: Runtime, contact: dict[str, Any]) -> dict[str, Any]:
    """The indexed values computed from a contact's fields, stored beside them."""
    return {
        "search_terms": search_terms(rt, contact),
        "attribute_pairs": [attribute_pair(k, v) for k, v in contact["attributes"].items()],
    }


# ---- from the channels -----------------------------------------------------------------------


async def resolve(rt: Runtime, channel: ChannelRef, sender: Sender) -> dict[str, Any]:
    """The contact behind a channel identity (created on first contact, or the record it was
    merged into)."""
    identity_id = f"{channel.id}:{sender.external_id}"
    identities = rt.store["contact_identities"]
    identity = await identities.find_one({"_id": identity_id})
    if identity is None:
        identity = {
            "_id": identity_id,
            "contact_id": new_id(),
            "channel_id": ObjectId(channel.id),
            "external_id": sender.external_id,
            "created_at": clock.now(),
        }
        try:
            await identities.insert_one(identity)
        except DuplicateKeyError:
            identity = await identities.find_one({"_id": identity_id})
    contact = await _ensure_contact(rt, identity, channel, sender)
    return await current(rt, contact)


async def _ensure_contact(
    rt: Runtime, identity: dict[str, Any], channel: ChannelRef, sender: Sender
) -> dict[str, Any]:
    """Create the identity's contact if it does not exist yet (first time, or after a crash)."""
    region = rt.settings.phone_region
    email = normalise.email(sender.email) if sender.email else None
    phone = normalise.phone(sender.phone, region) if sender.phone else None
    contact = {
        "_id": identity["contact_id"],
        "name": sender.name or f"{channel.kind.title()} user {sender.external_id}",
        "avatar_url": sender.avatar_url,
        "emails": [email] if email else [],
        "phones": [phone] if phone else [],
        "identities": [_identity(channel, sender.external_id)],
        "language": sender.language,
        "timezone": None,
        "attributes": {},
        "tags": [],
        "notes": "",
        "edited_fields": [],
        "profile_pending": sender.name is None,
        "merged_into": None,
        "created_at": clock.now(),
    }
    contact.update(derived(rt, contact))
    contacts = rt.store["contacts"]
    result = await contacts.update_one(
        {"_id": contact["_id"]}, {"$setOnInsert": contact}, upsert=True
    )
    if result.upserted_id is None:
        return await get(rt, contact["_id"])
    await emit_contact(rt, EventType.CONTACT_CREATED, contact, _as_contact(contact))
    return contact


def _identity(channel: ChannelRef, external_id: str) -> dict[str, Any]:
    return {
        "channel_id": ObjectId(channel.id),
        "kind": channel.kind,
        "channel_name": channel.name,
        "external_id": external_id,
    }


def _as_contact(contact: dict[str, Any]) -> Actor:
    return Actor(type="contact", id=str(contact["_id"]), name=contact["name"])


async def emit_contact(rt: Runtime, type: EventType, contact: dict[str, Any], actor: Actor) -> None:
    await emit(
        rt,
        type,
        subject_type="contact",
        subject_id=contact["_id"],
        data=ContactOut.of(contact).model_dump(),
        scope=Scope(),
        actor=actor,
    )


async def mark_seen(rt: Runtime, contact: dict[str, Any]) -> dict[str, Any]:
    """The customer wrote just now."""
    now = clock.now()
    await rt.store["contacts"].update_one({"_id": contact["_id"]}, {"$max": {"last_seen_at": now}})
    return {**contact, "last_seen_at": max(contact.get("last_seen_at") or now, now)}


async def complete_profile(rt: Runtime, contact: dict[str, Any], profile: Sender | None) -> None:
    """Fill in what the platform gave after the first message (name, picture, phone), only
    where the record has nothing and no agent has edited it."""
    await rt.store["contacts"].update_one(
        {"_id": contact["_id"]}, {"$set": {"profile_pending": False}}
    )
    if profile is None:
        return
    region = rt.settings.phone_region
    phone = normalise.phone(profile.phone, region) if profile.phone else None
    offered: dict[str, Any] = {
        "name": profile.name if contact.get("profile_pending") else None,
        "avatar_url": profile.avatar_url if not contact.get("avatar_url") else None,
        "phones": [phone] if phone and not contact.get("phones") else None,
    }
    updated = contact
    for field, value in offered.items():
        if not value:
            continue
        found = await rt.store["contacts"].find_one_and_update(
            {"_id": contact["_id"], "edited_fields": {"$ne": field}, "merged_into": None},
            {"$set": {field: value}},
            return_document=ReturnDocument.AFTER,
        )
        updated = found or updated
    if updated is not contact:
        updated = await rt.store["contacts"].find_one_and_update(
            {"_id": contact["_id"]},
            {"$set": {"search_terms": search_terms(rt, updated)}},
            return_document=ReturnDocument.AFTER,
        )
        await _reindex(rt, contact, updated)


# ---- agents' side ----------------------------------------------------------------------------


async def get(rt: Runtime, contact_id: ObjectId) -> dict[str, Any]:
    return await rt.store.get("contacts", contact_id, "contact")


async def current(rt: Runtime, contact: dict[str, Any]) -> dict[str, Any]:
    """The record that speaks for this person now: the contact itself, or the one it was
    merged into (following the chain of pointers)."""
    for _ in range(MAX_POINTER_HOPS):
        if contact.get("merged_into") is None:
            return contact
        contact = await get(rt, contact["merged_into"])
    raise Conflict("This contact's merge pointers go round in circles.")


def editable(contact: dict[str, Any]) -> dict[str, Any]:
    """The contact, if it may still be changed: merged and erased records are read only."""
    if contact.get("merged_into") is not None:
        raise Conflict(
            "This contact was merged into another one and is read only.",
            {"merged_into": str(contact["merged_into"])},
        )
    if contact.get("erased"):
        raise Conflict("This contact's data was erased.")
    return contact


async def create(rt: Runtime, body: ContactCreate, actor: Actor) -> dict[str, Any]:
    """A contact an agent enters by hand (a caller, a visitor) or an import brings."""
    values = await clean(rt, body, None)
    contact = {
        "_id": new_id(),
        **copy.deepcopy(BLANK),
        **values,
        "edited_fields": sorted(values),
        "profile_pending": False,
        "merged_into": None,
        "created_at": clock.now(),
    }
    contact.update(derived(rt, contact))
    await rt.store["contacts"].insert_one(contact)
    await emit_contact(rt, EventType.CONTACT_CREATED, contact, actor)
    return contact


async def update(
    rt: Runtime, contact: dict[str, Any], body: ContactFields, actor: Actor
) -> dict[str, Any]:
    """Change what the agent sent; those fields are then the agent's, not the platform's."""
    editable(contact)
    values = await clean(rt, body, contact)
    if not values:
        return contact
    sets = {**values, **derived(rt, {**contact, **values})}
    updated = await rt.store["contacts"].find_one_and_update(
        {"_id": contact["_id"], "merged_into": None},
        {"$set": sets, "$addToSet": {"edited_fields": {"$each": sorted(values)}}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        editable(await get(rt, contact["_id"]))
        raise Conflict("The contact changed while it was being edited; try again.")
    await _reindex(rt, contact, updated)
    await emit_contact(rt, EventType.CONTACT_UPDATED, updated, actor)
    return updated


async def clean(rt: Runtime, body: ContactFields, contact: dict[str, Any] | None) -> dict[str, Any]:
    """The fields given, in their stored form: addresses and numbers normalised (an invalid
    one is a 422 naming it), tags trimmed, attributes checked against their definitions."""
    values = body.model_dump(exclude_unset=True)
    errors: list[dict[str, str]] = []
    if "emails" in values:
        values["emails"] = _normalised(values["emails"], normalise.email, "emails", errors)
    if "phones" in values:
        region = rt.settings.phone_region
        values["phones"] = _normalised(
            values["phones"], lambda p: normalise.phone(p, region), "phones", errors
        )
    if "tags" in values:
        values["tags"] = list(dict.fromkeys(t.strip() for t in values["tags"] if t.strip()))
    if values.get("timezone") and not clock.is_time_zone(values["timezone"]):
        errors.append({"field": "timezone", "message": "not an IANA time zone"})
    if errors:
        raise Invalid("Some contact details are not valid.", errors)
    if "attributes" in values:
        changed = await attributes.definitions.clean(rt, values["attributes"], creating=False)
        merged = {**(contact or {}).get("attributes", {}), **changed}
        values["attributes"] = {k: v for k, v in merged.items() if v is not None}
    return values


def _normalised(raw: list[str], form: Any, field: str, errors: list[dict[str, str]]) -> list[str]:
    values = []
    for index, value in enumerate(raw):
        cleaned = form(value)
        if cleaned is None:
            errors.append({"field": f"{field}.{index}", "message": f"{value!r} is not valid"})
        else:
            values.append(cleaned)
    return list(dict.fromkeys(values))


async def _reindex(rt: Runtime, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Carry a changed name, picture or searchable detail to conversations and tickets."""
    old_terms, new_terms = search_terms(rt, before), search_terms(rt, after)
    if holders.summary(before) != holders.summary(after) or old_terms != new_terms:
        await holders.refresh(rt, after, old_terms, new_terms)
