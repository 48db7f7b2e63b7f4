"""Running the catalogue's actions: each one through the same services as an agent's click,
so it records history and emits events like any other change (those events carry the rule's
run as their cause). An action that cannot apply (no ticket yet, nobody available) reports
why, as a sentence the run log can translate, instead of failing the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bson import ObjectId

from automations.routing import assignment, escalation
from automations.rules import templates
from automations.rules.actions import (
    AddNote,
    AddTag,
    AssignAgent,
    AssignTeam,
    CallWebhook,
    Escalate,
    HandOff,
    Notify,
    PromoteToTicket,
    Resolve,
    SendReply,
    SetPriority,
    SetStatus,
    Snooze,
    parse,
)
from automations.rules.fields import Context
from inbox import clock
from inbox.errors import AppError
from inbox.events import Actor
from inbox.models.conversations import ConversationPatch, ConversationStatus
from inbox.models.tickets import TicketFields, TicketPromote, TicketStatus
from inbox.queue import CALL_WEBHOOK
from inbox.runtime import Runtime
from inbox.services import agents, conversations, messages, notifications, replies, teams
from inbox.services.tickets import lifecycle as tickets

log = logging.getLogger(__name__)


def N_(text: str) -> str:
    """Mark a sentence for translation where it is written; the run log translates it."""
    return text


@dataclass(frozen=True)
class Said:
    """What an action did, or why it did not: a sentence with named values, so the run log
    can word it in the reader's language (`str()` gives the English)."""

    text: str
    values: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text.format(**self.values)

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "values": self.values}


def said(text: str, **values: Any) -> Said:
    return Said(text, values)


@dataclass
class Outcome:
    type: str
    ok: bool
    detail: str
    words: Said | None = None
    """The detail as a sentence and values; None for an error's own message."""
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        shown = {"type": self.type, "ok": self.ok, "detail": self.detail}
        if self.words is not None:
            shown |= {"words": self.words.as_dict(), "skipped": self.skipped}
        return shown


class Skip(Exception):
    """The action does not apply to this event; the reason (a `Said`) goes into the log."""

    def __init__(self, reason: Said) -> None:
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True)
class Step:
    """Which rule run and which of its actions this is (none for a shortcut's actions)."""

    run_id: Any = None
    index: int = 0

    @property
    def key(self) -> str | None:
        """Names a message this step sends, so a repeated run never sends it twice."""
        return f"{self.run_id}:{self.index}" if self.run_id is not None else None


async def run(
    rt: Runtime, stored: dict[str, Any], context: Context, actor: Actor, step: Step = Step()
) -> Outcome:
    """Do one action; never raises (a failure becomes the outcome)."""
    params = {k: v for k, v in stored.items() if k != "secret_sealed"}
    try:
        action = parse(params)
        done = await RUNNERS[action.type](rt, action, context, actor, step)
        return Outcome(stored["type"], True, str(done), done)
    except Skip as skip:
        return Outcome(stored["type"], False, f"skipped: {skip}", skip.reason, skipped=True)
    except AppError as error:
        return Outcome(stored["type"], False, error.message)
    except Exception as error:  # a bug or an outage must not stop the other actions
        log.exception("action %s failed", stored.get("type"))
        return Outcome(stored["type"], False, f"failed: {type(error).__name__}: {error}")


def _target(action: Any, context: Context) -> str:
    wanted = getattr(action, "target", None)
    if wanted is None:
        wanted = "ticket" if context.subject_type == "ticket" else "conversation"
    if wanted == "ticket" and context.ticket is None:
        raise Skip(said(N_("there is no ticket")))
    if wanted == "conversation" and context.conversation is None:
        raise Skip(said(N_("there is no conversation")))
    return wanted


async def _fresh(rt: Runtime, context: Context, target: str) -> dict[str, Any]:
    """The target as it is now (earlier actions may have changed it)."""
    if target == "ticket":
        context.ticket = await tickets.get(rt, context.ticket["_id"])
        return context.ticket
    context.conversation = await conversations.get(rt, context.conversation["_id"])
    return context.conversation


async def _change(rt: Runtime, context: Context, target: str, actor: Actor, **fields: Any) -> None:
    doc = await _fresh(rt, context, target)
    if target == "ticket":
        await tickets.update(rt, doc, TicketFields(**fields), actor)
    else:
        await conversations.update(rt, doc, ConversationPatch(**fields), actor)


async def _assign_team(
    rt: Runtime, action: AssignTeam, context: Context, actor: Actor, _: Any
) -> Said:
    target = _target(action, context)
    team = await teams.get(rt, ObjectId(action.team_id))
    await _change(rt, context, target, actor, team_id=action.team_id)
    return said(N_("{target} moved to team {team}"), target=target, team=team["name"])


async def _assign_agent(
    rt: Runtime, action: AssignAgent, context: Context, actor: Actor, _: Any
) -> Said:
    target = _target(action, context)
    doc = await _fresh(rt, context, target)
    if action.method == "named":
        agent = await agents.get(rt, ObjectId(action.agent_id))
        fields = (
            {"assignee_ids": [action.agent_id], "owner_id": action.agent_id}
            if target == "ticket"
            else {"assignee_id": action.agent_id}
        )
        await _change(rt, context, target, actor, **fields)
        return said(N_("assigned to {agent}"), agent=agent["name"])
    if doc.get("team_id") is None:
        raise Skip(said(N_("the {target} has no team to pick an agent from"), target=target))
    method = None if action.method == "team_default" else action.method
    assign = assignment.assign_ticket if target == "ticket" else assignment.assign_conversation
    agent = await assign(rt, doc, actor, None, method)
    if agent is None:
        raise Skip(said(N_("no agent of the team is online with room for more work")))
    return said(N_("assigned to {agent}"), agent=agent["name"])


async def _set_priority(
    rt: Runtime, action: SetPriority, context: Context, actor: Actor, _: Any
) -> Said:
    target = _target(action, context)
    await _change(rt, context, target, actor, priority=str(action.priority))
    return said(N_("{target} priority {priority}"), target=target, priority=str(action.priority))


async def _set_status(
    rt: Runtime, action: SetStatus, context: Context, actor: Actor, _: Any
) -> Said:
    target = _target(action, context)
    valid = TicketStatus if target == "ticket" else ConversationStatus
    if action.status not in set(valid):
        raise Skip(
            said(N_("{status} is not a {target} status"), status=action.status, target=target)
        )
    await _change(rt, context, target, actor, status=action.status)
    return said(N_("{target} status {status}"), target=target, status=action.status)


async def _tag(rt: Runtime, action: AddTag, context: Context, actor: Actor, _: Any) -> Said:
    target = _target(action, context)
    doc = await _fresh(rt, context, target)
    tags = [t for t in doc.get("tags", []) if t != action.tag]
    if action.type == "add_tag":
        tags.append(action.tag)
    await _change(rt, context, target, actor, tags=tags)
    done = N_("added tag {tag}") if action.type == "add_tag" else N_("removed tag {tag}")
    return said(done, tag=action.tag)


async def _conversation(rt: Runtime, context: Context) -> dict[str, Any]:
    """Where a reply or a note goes: the event's conversation, else the ticket's latest (a
    ticket is not a conversation: writing to it as one lost the message)."""
    if context.conversation is None and context.ticket is not None:
        context.conversation = await tickets.latest_conversation(rt, context.ticket)
    if context.conversation is None:
        raise Skip(said(N_("there is no conversation to write in")))
    return await _fresh(rt, context, "conversation")


async def _send_reply(
    rt: Runtime, action: SendReply, context: Context, actor: Actor, step: Step
) -> Said:
    conversation = await _conversation(rt, context)
    text = await templates.fill(rt, action.template, context)
    sent = await replies.send_automatic(rt, conversation, text, actor, step.key)
    if sent is None:
        raise Skip(said(N_("the channel's messaging window is closed")))
    return said(N_("reply queued"))


async def _add_note(rt: Runtime, action: AddNote, context: Context, actor: Actor, _: Any) -> Said:
    conversation = await _conversation(rt, context)
    text = await templates.fill(rt, action.template, context)
    mentioned = [await agents.get(rt, ObjectId(a)) for a in action.mentions]
    note = await messages.insert_note(
        rt, conversation, text, actor, [], [a["_id"] for a in mentioned]
    )
    await notifications.mentioned(rt, mentioned, note, actor, conversation.get("ticket_id"))
    return said(N_("note added"))


async def _promote(
    rt: Runtime, action: PromoteToTicket, context: Context, actor: Actor, _: Any
) -> Said:
    conversation = await _fresh(rt, context, "conversation") if context.conversation else None
    if conversation is None:
        raise Skip(said(N_("there is no conversation")))
    if conversation.get("ticket_id"):
        raise Skip(said(N_("the conversation is already a ticket")))
    title = (await templates.fill(rt, action.title, context))[:200] or "?"
    fields = TicketPromote(
        title=title, **({"priority": action.priority} if action.priority else {})
    )
    ticket = await tickets.create_for_conversation(rt, conversation, actor, fields)
    if ticket is None:
        raise Skip(said(N_("another ticket took the conversation first")))
    context.ticket = ticket
    return said(N_("ticket {number} opened"), number=f"T-{ticket['seq']:06d}")


async def _escalate(rt: Runtime, action: Escalate, context: Context, actor: Actor, _: Any) -> Said:
    team_id = action.team_id or context.inputs.get("team_id")
    level = action.level if action.level is not None else context.inputs.get("level")
    summary = await templates.fill(rt, action.summary, context)
    ticket = await tickets.get(rt, context.ticket["_id"]) if context.ticket else None
    conversation = await _fresh(rt, context, "conversation") if context.conversation else None
    if action.next_level:
        current = (ticket or conversation or {}).get("escalation_level", 0)
        if current >= escalation.MAX_LEVEL:
            raise Skip(said(N_("already at the top level L{level}"), level=escalation.MAX_LEVEL))
        level = current + 1
    entry = await escalation.escalate(
        rt,
        actor=actor,
        summary=summary,
        ticket=ticket,
        conversation=None if ticket else conversation,
        team_id=ObjectId(team_id) if team_id else None,
        level=int(level) if level is not None else None,
    )
    return said(N_("escalated to level L{level}"), level=entry["to_level"])


async def _notify(rt: Runtime, action: Notify, context: Context, actor: Actor, _: Any) -> Said:
    agent_ids = [ObjectId(a) for a in action.agent_ids]
    if action.team_id:
        members = rt.store["agents"].find({"team_ids": ObjectId(action.team_id), "active": True})
        agent_ids += [agent["_id"] async for agent in members]
    if action.team_lead:
        agent_ids += await _team_lead(rt, context)
    if not agent_ids:
        raise Skip(said(N_("nobody to notify (the team has no lead?)")))
    text = await templates.fill(rt, action.text, context)
    await notifications.notify(
        rt,
        agent_ids,
        "rule",
        text,
        actor,
        conversation_id=context.conversation["_id"] if context.conversation else None,
        ticket_id=context.ticket["_id"] if context.ticket else None,
    )
    return said(N_("notified {count} agents"), count=len(set(agent_ids)))


async def _team_lead(rt: Runtime, context: Context) -> list[ObjectId]:
    holder = await _fresh(rt, context, "ticket" if context.ticket else "conversation")
    team = await rt.store["teams"].find_one({"_id": holder.get("team_id")})
    return [team["lead_id"]] if team and team.get("lead_id") else []


async def _snooze(rt: Runtime, action: Snooze, context: Context, actor: Actor, _: Any) -> Said:
    until = clock.now() + timedelta(hours=action.hours)
    await _change(
        rt, context, _target_conversation(context), actor, status="snoozed", snoozed_until=until
    )
    return said(N_("snoozed until {time}"), time=clock.iso(until))


def _target_conversation(context: Context) -> str:
    if context.conversation is None:
        raise Skip(said(N_("there is no conversation")))
    return "conversation"


async def _resolve(rt: Runtime, action: Resolve, context: Context, actor: Actor, _: Any) -> Said:
    target = _target(action, context)
    await _change(rt, context, target, actor, status="resolved")
    return said(N_("{target} resolved"), target=target)


async def _call_webhook(
    rt: Runtime, action: CallWebhook, context: Context, actor: Actor, step: Step
) -> Said:
    if step.run_id is None:
        raise Skip(said(N_("webhooks are called from rule runs only")))
    await rt.queue.enqueue(CALL_WEBHOOK, str(step.run_id), str(action.url))
    return said(N_("webhook call queued"))


async def _hand_off(rt: Runtime, action: HandOff, context: Context, actor: Actor, _: Any) -> Said:
    conversation = await _fresh(rt, context, _target_conversation(context))
    status = ConversationStatus.OPEN if action.type == "hand_off" else ConversationStatus.BOT
    if conversation["status"] == status:
        raise Skip(said(N_("the conversation is already {status}"), status=str(status)))
    await conversations.update(rt, conversation, ConversationPatch(status=status), actor)
    if (
        action.type == "hand_off"
        and conversation.get("team_id")
        and not conversation.get("assignee_id")
    ):
        await assignment.assign_conversation(rt, await _fresh(rt, context, "conversation"), actor)
    return said(N_("conversation {status}"), status=str(status))


RUNNERS: dict[str, Any] = {
    "assign_team": _assign_team,
    "assign_agent": _assign_agent,
    "set_priority": _set_priority,
    "set_status": _set_status,
    "add_tag": _tag,
    "remove_tag": _tag,
    "send_reply": _send_reply,
    "add_note": _add_note,
    "promote_to_ticket": _promote,
    "escalate": _escalate,
    "notify": _notify,
    "snooze": _snooze,
    "resolve": _resolve,
    "call_webhook": _call_webhook,
    "hand_off": _hand_off,
    "start_bot": _hand_off,
}
