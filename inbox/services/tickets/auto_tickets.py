"""Channels set to `auto_ticket` (email by default) open a ticket for each new conversation."""

from __future__ import annotations

from typing import Any

from inbox.errors import NotFound
from inbox.events import SYSTEM, EventType
from inbox.runtime import Runtime
from inbox.services import channels, conversations
from inbox.services.tickets import followup as ticket_followup
from inbox.services.tickets import lifecycle as tickets


async def on_event(rt: Runtime, event: dict[str, Any]) -> None:
    """An event handler: a new conversation on an auto-ticket channel becomes a ticket."""
    if event["type"] != EventType.CONVERSATION_CREATED:
        return
    try:
        conversation = await conversations.get(rt, event["subject"]["id"])
        channel = await channels.get_doc(rt, conversation["channel_id"])
    except NotFound:
        return
    if (
        conversation.get("ticket_id") is not None
        or not channels.settings_of(channel)["auto_ticket"]
    ):
        return
    if await ticket_followup.join_recent_ticket(rt, conversation) is None:
        await tickets.create_for_conversation(rt, conversation, SYSTEM)
