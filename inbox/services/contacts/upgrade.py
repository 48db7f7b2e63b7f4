"""Bringing contacts and conversations stored before contacts had search words up to date,
once, when the app starts: each contact gets its search words and its identities' channel
kinds, and each of its conversations the contact's words and those of its messages."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from pymongo.errors import DuplicateKeyError

from inbox import clock, search
from inbox.runtime import Runtime
from inbox.services.contacts import records

log = logging.getLogger(__name__)
MARKER = "upgrade:contact-search-words"
MESSAGES_PER_CONVERSATION = 500


async def ensure(rt: Runtime) -> None:
    """Run the upgrade unless it ran before (a marker in `counters` says so)."""
    if await rt.store["counters"].find_one({"_id": MARKER}) is not None:
        return
    channels = {c["_id"]: c async for c in rt.store["channels"].find({})}
    count = 0
    async for contact in rt.store["contacts"].find({"search_terms": {"$exists": False}}):
        await _upgrade(rt, contact, channels)
        count += 1
    with contextlib.suppress(DuplicateKeyError):  # another web process finished it too
        await rt.store["counters"].insert_one({"_id": MARKER, "at": clock.now()})
    if count:
        log.info("gave %d contacts and their conversations search words", count)


async def _upgrade(rt: Runtime, contact: dict[str, Any], channels: dict[Any, Any]) -> None:
    for identity in contact.get("identities", []):
        channel = channels.get(identity["channel_id"], {})
        identity.setdefault("kind", channel.get("kind", ""))
        identity.setdefault("channel_name", channel.get("name"))
    contact.setdefault("attributes", {})
    extras = records.derived(rt, contact)
    await rt.store["contacts"].update_one(
        {"_id": contact["_id"]},
        {"$set": {"identities": contact.get("identities", []), **extras}},
    )
    async for conversation in rt.store["conversations"].find(
        {"contact_id": contact["_id"]}, sort=[("last_message_at", -1)]
    ):
        texts = [
            m.get("text")
            async for m in rt.store["messages"].find(
                {"conversation_id": conversation["_id"]},
                projection={"text": 1},
                sort=[("created_at", -1)],
                limit=MESSAGES_PER_CONVERSATION,
            )
        ]
        words = [*extras["search_terms"], *search.terms(*texts)]
        await rt.store["conversations"].update_one(
            {"_id": conversation["_id"]}, {"$addToSet": {"search_terms": {"$each": words}}}
        )
