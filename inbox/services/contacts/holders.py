"""What conversations and tickets keep of their contact (name and picture to draw lists, the
contact's words to find them), brought up to date when the contact changes or is merged."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

from inbox.events import SYSTEM, EventType, emit_in_conversation
from inbox.models.conversations import ConversationOut
from inbox.runtime import Runtime


def summary(contact: dict[str, Any]) -> dict[str, Any]:
    return {"name": contact["name"], "avatar_url": contact.get("avatar_url")}


async def refresh(
    rt: Runtime,
    contact: dict[str, Any],
    old_terms: list[str],
    new_terms: list[str],
) -> None:
    """Bring the contact's conversations and tickets up to date (a conversation's own words
    stay)."""
    owner = {"contact_id": contact["_id"]}
    dropped = sorted(set(old_terms) - set(new_terms))
    shown = summary(contact)
    conversations = rt.store["conversations"]
    async for conversation in conversations.find(owner, sort=[("last_message_at", -1)]):
        if dropped:
            await conversations.update_one(
                {"_id": conversation["_id"]}, {"$pullAll": {"search_terms": dropped}}
            )
        updated = await conversations.find_one_and_update(
            {"_id": conversation["_id"]},
            {
                "$set": {"contact": shown},
                "$addToSet": {"search_terms": {"$each": new_terms}},
                "$inc": {"revision": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        changes = {"contact": {"from": conversation["contact"], "to": shown}}
        view = ConversationOut.of(updated)
        await emit_in_conversation(
            rt, EventType.CONVERSATION_UPDATED, updated, view, updated, SYSTEM, changes
        )
    await rt.store["tickets"].update_many(owner, {"$set": {"contact": shown}})
