"""Escalation: functional (to another team) or hierarchical (to a support level, L0 to L3).

Each escalation moves the ticket or conversation to the target team, gives it to one of that
team's agents of at least the target level, records an entry with the summary (to be closed
within 30 days), notifies the team and emits `ticket.escalated` or `conversation.escalated`,
on which the customer is told that a specialist now has their request.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bson import ObjectId

from automations.routing import assignment
from inbox import clock
from inbox.errors import Invalid
from inbox.events import Actor, EventType, Scope, emit
from inbox.ids import new_id
from inbox.models.conversations import ConversationPatch
from inbox.models.tickets import ticket_number
from inbox.runtime import Runtime
from inbox.services import conversations, notifications, teams
from inbox.services.tickets import lifecycle as tickets

MAX_LEVEL = 3
CLOSE_WITHIN = timedelta(days=30)


async def target_team(rt: Runtime, team_id: ObjectId | None, level: int | None) -> dict[str, Any]:
    """The named team, or the first team (by name) working at `level`."""
    if team_id is not None:
        return await teams.get(rt, team_id)
    if level is None or not 0 <= level <= MAX_LEVEL:
        raise Invalid(f"Escalate to a team or to a level from 0 to {MAX_LEVEL}.")
    found = await rt.store["teams"].find_one({"level": level}, sort=[("name", 1)])
    if found is None:
        raise Invalid(
            f"No team works at level L{level}; set a team's level in Admin → Teams.",
            code="no_team_at_level",
        )
    return found


async def escalate(
    rt: Runtime,
    *,
    actor: Actor,
    summary: str,
    ticket: dict[str, Any] | None = None,
    conversation: dict[str, Any] | None = None,
    team_id: ObjectId | None = None,
    level: int | None = None,
) -> dict[str, Any]:
    """Escalate the ticket (or, without one, the conversation); returns the escalation entry."""
    if not summary.strip():
        raise Invalid("An escalation needs a summary for the team that takes it over.")
    holder = ticket or conversation
    if holder is None:
        raise Invalid("Nothing to escalate: no ticket and no conversation.")
    team = await target_team(rt, team_id, level)
    from_level = holder.get("escalation_level", 0)
    to_level = level if level is not None else max(from_level, team.get("level", 0))
    entry = {
        "_id": new_id(),
        "ticket_id": ticket["_id"] if ticket else None,
        "conversation_id": conversation["_id"] if conversation else None,
        "from_team_id": holder.get("team_id"),
        "to_team_id": team["_id"],
        "from_level": from_level,
        "to_level": to_level,
        "summary": summary.strip(),
        "actor": actor.model_dump(),
        "at": clock.now(),
        "close_by": clock.now() + CLOSE_WITHIN,
        "closed_at": None,
    }
    await rt.store["escalations"].insert_one(entry)
    if ticket is not None:
        await _move_ticket(rt, ticket, team, to_level, actor)
    else:
        await _move_conversation(rt, conversation, team, actor)
    await _tell_team(rt, team, entry, holder, actor)
    return entry


async def _move_ticket(
    rt: Runtime, ticket: dict[str, Any], team: dict[str, Any], level: int, actor: Actor
) -> None:
    moved = await tickets.apply_changes(
        rt, ticket, {"team_id": team["_id"], "escalation_level": level}, actor
    )
    agent = await assignment.assign_ticket(rt, moved, actor, team["_id"], min_level=level)
    await _bring_conversations(rt, moved, team, agent, actor)


async def _bring_conversations(
    rt: Runtime,
    ticket: dict[str, Any],
    team: dict[str, Any],
    agent: dict[str, Any] | None,
    actor: Actor,
) -> None:
    """The ticket's open conversations follow it, so the new team has them in its inbox."""
    patch = ConversationPatch(
        team_id=str(team["_id"]), assignee_id=str(agent["_id"]) if agent else None
    )
    cursor = rt.store["conversations"].find(
        {"_id": {"$in": ticket.get("conversation_ids", [])}, "status": {"$ne": "resolved"}}
    )
    async for conversation in cursor:
        await conversations.update(rt, conversation, patch, actor)


async def _move_conversation(
    rt: Runtime, conversation: dict[str, Any], team: dict[str, Any], actor: Actor
) -> None:
    moved = await conversations.update(
        rt, conversation, ConversationPatch(team_id=str(team["_id"]), assignee_id=None), actor
    )
    await assignment.assign_conversation(rt, moved, actor, team["_id"])


async def _tell_team(
    rt: Runtime,
    team: dict[str, Any],
    entry: dict[str, Any],
    holder: dict[str, Any],
    actor: Actor,
) -> None:
    members = rt.store["agents"].find({"team_ids": team["_id"], "active": True})
    agent_ids = [agent["_id"] async for agent in members]
    label = ticket_number(holder["seq"]) if "seq" in holder else f"C-{holder.get('number', 0):06d}"
    await notifications.notify(
        rt,
        agent_ids,
        "escalated",
        f"{label} → {team['name']} (L{entry['to_level']}): {entry['summary']}",
        actor,
        conversation_id=entry["conversation_id"],
        ticket_id=entry["ticket_id"],
    )
    kind = EventType.TICKET_ESCALATED if entry["ticket_id"] else EventType.CONVERSATION_ESCALATED
    await emit(
        rt,
        kind,
        subject_type="ticket" if entry["ticket_id"] else "conversation",
        subject_id=holder["_id"],
        data=escalation_view(entry),
        scope=Scope(team_id=str(team["_id"]), agent_ids=[str(a) for a in agent_ids]),
        actor=actor,
    )


def escalation_view(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(entry["_id"]),
        "ticket_id": str(entry["ticket_id"]) if entry["ticket_id"] else None,
        "conversation_id": str(entry["conversation_id"]) if entry["conversation_id"] else None,
        "from_team_id": str(entry["from_team_id"]) if entry["from_team_id"] else None,
        "to_team_id": str(entry["to_team_id"]),
        "from_level": entry["from_level"],
        "to_level": entry["to_level"],
        "summary": entry["summary"],
        "actor": entry["actor"],
        "at": clock.iso(entry["at"]),
        "close_by": clock.iso(entry["close_by"]),
    }


async def of(rt: Runtime, ticket_id: ObjectId) -> list[dict[str, Any]]:
    """A ticket's escalations, oldest first."""
    cursor = rt.store["escalations"].find({"ticket_id": ticket_id}, sort=[("at", 1)])
    return [escalation_view(entry) async for entry in cursor]
