"""Contacts: the customers, with one identity per channel they wrote from.

An identity document's `_id` is "<channel id>:<external id>", so the primary key alone makes
"one contact per channel identity" hold under concurrent webhooks, on any MongoDB.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from connectors.base import ChannelRef, Sender
from inbox import clock
from inbox.events import Actor, EventType, Scope, emit
from inbox.ids import new_id
from inbox.models.contacts import ContactOut
from inbox.runtime import Runtime
from inbox.services import conversations


async def resolve(rt: Runtime, channel: ChannelRef, sender: Sender) -> dict[str, Any]:
    """The contact behind a channel identity, created on first contact."""
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
    return await _ensure_contact(rt, identity, channel, sender)


async def _ensure_contact(
    rt: Runtime, identity: dict[str, Any], channel: ChannelRef, sender: Sender
) -> dict[str, Any]:
    """Create the identity's contact if it does not exist yet (first time, or after a crash)."""
    contact = {
        "_id": identity["contact_id"],
        "name": sender.name or f"{channel.kind.title()} user {sender.external_id}",
        "avatar_url": sender.avatar_url,
        "emails": [sender.email] if sender.email else [],
        "phones": [sender.phone] if sender.phone else [],
        "identities": [{"channel_id": ObjectId(channel.id), "external_id": sender.external_id}],
        "language": sender.language,
        "attributes": {},
        "tags": [],
        "profile_pending": sender.name is None,
        "created_at": clock.now(),
    }
    contacts = rt.store["contacts"]
    result = await contacts.update_one(
        {"_id": contact["_id"]}, {"$setOnInsert": contact}, upsert=True
    )
    if result.upserted_id is None:
        return await get(rt, contact["_id"])
    await emit(
        rt,
        EventType.CONTACT_CREATED,
        subject_type="contact",
        subject_id=contact["_id"],
        data=ContactOut.of(contact).model_dump(),
        scope=Scope(),
        actor=Actor(type="contact", id=str(contact["_id"]), name=contact["name"]),
    )
    return contact


async def get(rt: Runtime, contact_id: ObjectId) -> dict[str, Any]:
    return await rt.store.get("contacts", contact_id, "contact")


async def complete_profile(rt: Runtime, contact: dict[str, Any], profile: Sender | None) -> None:
    """Fill in the name and picture the platform gave after the first message."""
    updates: dict[str, Any] = {"profile_pending": False}
    if profile is not None and profile.name:
        updates["name"] = profile.name
    if profile is not None and profile.avatar_url:
        updates["avatar_url"] = profile.avatar_url
    await rt.store["contacts"].update_one({"_id": contact["_id"]}, {"$set": updates})
    if len(updates) > 1:
        await conversations.refresh_contact(rt, {**contact, **updates})
