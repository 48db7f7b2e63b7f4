"""A ticket's thread: the messages of its conversations and its own notes, and writing to it."""

from __future__ import annotations

from typing import Any

from inbox.auth import Principal
from inbox.errors import Conflict, Invalid
from inbox.ids import parse_id
from inbox.models.tickets import TicketMessageCreate
from inbox.pagination import Position
from inbox.runtime import Runtime
from inbox.services import files, messages, notifications, replies
from inbox.services.tickets import lifecycle as tickets
from inbox.services.tickets import outreach


async def page(
    rt: Runtime, ticket: dict[str, Any], position: Position | None, limit: int, descending: bool
) -> list[dict[str, Any]]:
    """Up to limit+1 messages of the ticket (and of tickets merged into it)."""
    ticket_ids = [ticket["_id"], *ticket.get("merged_ids", [])]
    return await messages.list_for_ticket(
        rt, ticket.get("conversation_ids", []), ticket_ids, position, limit, descending
    )


async def post(
    rt: Runtime, ticket: dict[str, Any], body: TicketMessageCreate, principal: Principal
) -> dict[str, Any]:
    """A reply to the customer on the ticket's latest conversation (or on a conversation it
    starts on `channel_id`), or an internal note."""
    if ticket.get("merged_into"):
        raise Conflict(
            "This ticket was merged into another and is read only.", code="ticket_merged"
        )
    scope = tickets.scope(ticket)
    if body.channel_id is not None:
        conversation = await outreach.start(rt, ticket, body.channel_id, principal)
    else:
        conversation = await tickets.latest_conversation(rt, ticket)
    if conversation is not None:
        return await replies.post_in(rt, conversation, body, principal, scope)
    if not body.private:
        raise Invalid(
            "This ticket has no conversation with the customer to reply on: choose a channel "
            "to start one (channel_id), or add a note.",
            code="no_conversation",
        )
    actor = principal.actor
    mentioned = await notifications.mentioned_agents(rt, body.mentions, scope)
    stored = await files.attach(
        rt,
        [parse_id(f, "file") for f in body.attachment_ids],
        principal.id,
        ticket_id=ticket["_id"],
    )
    note = await messages.insert_ticket_note(
        rt,
        ticket["_id"],
        scope,
        body.text,
        actor,
        [files.attachment_of(doc) for doc in stored],
        [a["_id"] for a in mentioned],
    )
    await notifications.mentioned(rt, mentioned, note, actor, ticket["_id"])
    return note
