"""Keeping tickets in step with their conversations (a worker event handler).

Every message of a ticket's conversations becomes searchable on the ticket; a customer
writing again reopens a pending, resolved or closed ticket. A customer who writes shortly
after their ticket was resolved starts a new conversation in the same thread: it joins the
ticket rather than starting unticketed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from inbox import clock, search
from inbox.errors import NotFound
from inbox.events import Actor, EventType
from inbox.models.conversations import MessageKind
from inbox.models.tickets import TicketStatus
from inbox.runtime import Runtime
from inbox.services import conversations, messages
from inbox.services.tickets import lifecycle as tickets

FOLLOW_UP_DAYS = 14
"""A customer writing again within this many days of the ticket's last change joins it."""


async def on_event(rt: Runtime, event: dict[str, Any]) -> None:
    """An event handler: a new message in a conversation that is (or joins) a ticket."""
    if event["type"] != EventType.MESSAGE_CREATED or event["subject"]["type"] != "message":
        return
    try:
        message = await messages.get(rt, event["subject"]["id"])
        if message.get("conversation_id") is None or message["kind"] == MessageKind.ACTIVITY:
            return
        conversation = await conversations.get(rt, message["conversation_id"])
    except NotFound:
        return
    ticket = await _ticket_of(rt, conversation, message)
    if ticket is None:
        return
    terms = search.terms(message.get("text"))
    if terms:
        await rt.store["tickets"].update_one(
            {"_id": ticket["_id"]}, {"$addToSet": {"search_terms": {"$each": terms}}}
        )
    if _reopens(message, ticket):
        contact = Actor(
            type="contact", id=str(ticket["contact_id"]), name=ticket["contact"]["name"]
        )
        await tickets.apply_changes(rt, ticket, {"status": str(TicketStatus.OPEN)}, contact)


async def _ticket_of(
    rt: Runtime, conversation: dict[str, Any], message: dict[str, Any]
) -> dict[str, Any] | None:
    if conversation.get("ticket_id"):
        ticket = await rt.store["tickets"].find_one({"_id": conversation["ticket_id"]})
        return await tickets.survivor(rt, ticket)
    if message["direction"] != "in":
        return None
    return await join_recent_ticket(rt, conversation)


async def join_recent_ticket(rt: Runtime, conversation: dict[str, Any]) -> dict[str, Any] | None:
    """The thread's ticket, if it changed within FOLLOW_UP_DAYS: the conversation joins it."""
    key = conversations.open_key(conversation["channel_id"], conversation["thread_id"])
    found = await (
        rt.store["tickets"]
        .find({"thread_keys": key, "merged_into": None}, sort=[("updated_at", -1)], limit=1)
        .to_list(None)
    )
    if not found or found[0]["updated_at"] < clock.now() - timedelta(days=FOLLOW_UP_DAYS):
        return None
    return await tickets.add_conversation(rt, found[0], conversation)


def _reopens(message: dict[str, Any], ticket: dict[str, Any]) -> bool:
    """A customer's message written after the ticket was set aside (not one handled late)."""
    set_aside_at = ticket.get("status_changed_at") or ticket["created_at"]
    return (
        message["direction"] == "in"
        and ticket["status"] in tickets.REOPENED_BY_CUSTOMER
        and message["created_at"] > set_aside_at
    )
