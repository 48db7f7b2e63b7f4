"""What a shortcut would write to the customer, shown before the agent runs it: the replies
it sends (with their variables filled in) and the customer updates its changes call for.

Each action is previewed against the ticket and conversation as they are now; a change that
needs a ticket the shortcut has not made yet (a status after *promote*) is not previewed.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from automations.rules import templates
from automations.rules.actions import (
    AssignAgent,
    Escalate,
    PromoteToTicket,
    Resolve,
    SendReply,
    SetStatus,
    parse,
)
from automations.rules.fields import Context
from automations.shortcuts import macros
from inbox.auth import Principal
from inbox.models.tickets import TicketStatus
from inbox.runtime import Runtime
from inbox.services import replies
from inbox.services.tickets import customer_updates
from inbox.services.tickets import lifecycle as tickets


async def preview(
    rt: Runtime, macro: dict[str, Any], body: macros.MacroRun, principal: Principal
) -> list[dict[str, Any]]:
    """The messages the customer would get if the agent ran this shortcut now, in order."""
    context = await macros.context_of(rt, macro, body, principal, complete=False)
    found = []
    for index, stored in enumerate(macro["actions"]):
        params = {k: v for k, v in stored.items() if k != "secret_sealed"}
        message = await _what_it_tells(rt, parse(params), context)
        if message is not None:
            found.append({"action": index, "type": stored["type"], **message})
    return found


async def _what_it_tells(rt: Runtime, action: Any, context: Context) -> dict[str, Any] | None:
    if isinstance(action, SendReply):
        return await _reply(rt, action, context)
    ticket = context.ticket
    update: dict[str, Any] | None = None
    if isinstance(action, Escalate):
        update = await _escalation(rt, action, context)
    elif isinstance(action, PromoteToTicket) and context.conversation and ticket is None:
        update = await customer_updates.preview_promotion(rt, context.conversation)
    elif ticket is not None and _aims_at_ticket(action, context):
        update = await _ticket_change(rt, action, ticket)
    if update is None or update["update"] is None:
        return None
    return {**update, "follows_choice": True}


def _aims_at_ticket(action: Any, context: Context) -> bool:
    wanted = getattr(action, "target", None)
    return wanted == "ticket" or (wanted is None and context.subject_type == "ticket")


async def _ticket_change(rt: Runtime, action: Any, ticket: dict[str, Any]) -> dict[str, Any] | None:
    """The update a status or owner change on the ticket calls for."""
    if isinstance(action, Resolve):
        return await customer_updates.preview_change(rt, ticket, "resolved", None)
    if isinstance(action, SetStatus) and action.status in set(TicketStatus):
        return await customer_updates.preview_change(rt, ticket, action.status, None)
    if isinstance(action, AssignAgent) and action.method == "named":
        owner = ObjectId(action.agent_id)
        return await customer_updates.preview_change(rt, ticket, None, owner)
    return None  # an agent picked by the team's rotation is only known when it runs


async def _escalation(rt: Runtime, action: Escalate, context: Context) -> dict[str, Any] | None:
    conversation = await _conversation_of(rt, context)
    if conversation is None:
        return None
    team_id = action.team_id or context.inputs.get("team_id")
    team = ObjectId(team_id) if team_id else None
    return await customer_updates.preview_escalation(rt, context.ticket, conversation, team)


async def _reply(rt: Runtime, action: SendReply, context: Context) -> dict[str, Any] | None:
    conversation = await _conversation_of(rt, context)
    if conversation is None:
        return None
    text = await templates.fill(rt, action.template, context)
    window = await replies.reply_window(rt, conversation)
    return {
        "update": None,
        "sends": window.open,
        "text": text,
        "channel": dict(conversation["channel"]),
        "reason_code": None if window.open else "window_closed",
        "reason": None if window.open else window.note,
        "follows_choice": False,
    }


async def _conversation_of(rt: Runtime, context: Context) -> dict[str, Any] | None:
    """The conversation the shortcut would write on (a ticket's latest), if there is one."""
    if context.conversation is not None:
        return context.conversation
    if context.ticket is not None:
        return await tickets.latest_conversation(rt, context.ticket)
    return None
