"""Choosing an agent within a team: round robin or least loaded, among the agents who are
online, active and under their capacity. Rules, the inbox's "auto-assign" and the API all
assign through here; a team set to manual assignment is never auto-assigned.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bson import ObjectId

from inbox import clock
from inbox.events import Actor
from inbox.models.agents import AssignmentMethod, Availability
from inbox.models.conversations import ConversationPatch
from inbox.models.tickets import OPEN_TICKET_STATUSES, TicketFields
from inbox.runtime import Runtime
from inbox.services import conversations, counters, teams
from inbox.services.tickets import lifecycle as tickets

WORKING_CONVERSATION_STATUSES = ("open", "pending")


async def load_of(rt: Runtime, agent_id: ObjectId) -> int:
    """Open conversations and open tickets the agent holds."""
    held_conversations = await rt.store["conversations"].count_documents(
        {"assignee_id": agent_id, "status": {"$in": list(WORKING_CONVERSATION_STATUSES)}}
    )
    held_tickets = await rt.store["tickets"].count_documents(
        {"assignee_ids": agent_id, "status": {"$in": list(OPEN_TICKET_STATUSES)}}
    )
    return held_conversations + held_tickets


async def candidates(
    rt: Runtime, team_id: ObjectId, min_level: int = 0, exclude: ObjectId | None = None
) -> list[tuple[dict[str, Any], int]]:
    """The team's agents who can take more work now, with their load, in a stable order."""
    cursor = rt.store["agents"].find(
        {"team_ids": team_id, "active": True, "availability": str(Availability.ONLINE)},
        sort=[("_id", 1)],
    )
    found = []
    async for agent in cursor:
        if agent["_id"] == exclude or agent.get("level", 0) < min_level:
            continue
        load = await load_of(rt, agent["_id"])
        if load < agent.get("capacity", 10):
            found.append((agent, load))
    return found


async def pick(
    rt: Runtime,
    team: dict[str, Any],
    method: str | None = None,
    min_level: int = 0,
    exclude: ObjectId | None = None,
) -> dict[str, Any] | None:
    """The agent who should take the next piece of the team's work, or None if nobody can."""
    method = method or team.get("assignment", AssignmentMethod.MANUAL)
    if method == AssignmentMethod.MANUAL:
        return None
    available = await candidates(rt, team["_id"], min_level, exclude)
    if not available:
        return None
    if method == AssignmentMethod.LEAST_LOADED:
        return min(available, key=lambda pair: pair[1])[0]
    turn = await counters.next_value(rt, f"round_robin:{team['_id']}")
    return available[(turn - 1) % len(available)][0]


async def assign_conversation(
    rt: Runtime,
    conversation: dict[str, Any],
    actor: Actor,
    team_id: ObjectId | None = None,
    method: str | None = None,
) -> dict[str, Any] | None:
    """Give the conversation to the team (if named) and to one of its agents; the agent or None."""
    team_id = team_id or conversation.get("team_id")
    if team_id is None:
        return None
    team = await teams.get(rt, team_id)
    agent = await pick(rt, team, method)
    patch: dict[str, Any] = {"team_id": str(team_id)}
    if agent is not None:
        patch["assignee_id"] = str(agent["_id"])
    await conversations.update(rt, conversation, ConversationPatch(**patch), actor)
    return agent


async def assign_ticket(
    rt: Runtime,
    ticket: dict[str, Any],
    actor: Actor,
    team_id: ObjectId | None = None,
    method: str | None = None,
    min_level: int = 0,
) -> dict[str, Any] | None:
    """Give the ticket to the team (if named) and make one of its agents the owner."""
    team_id = team_id or ticket.get("team_id")
    if team_id is None:
        return None
    team = await teams.get(rt, team_id)
    agent = await pick(rt, team, method, min_level)
    fields: dict[str, Any] = {"team_id": str(team_id)}
    if agent is not None:
        fields.update(assignee_ids=[str(agent["_id"])], owner_id=str(agent["_id"]))
    await tickets.update(rt, ticket, TicketFields(**fields), actor)
    return agent


# ---- agents who went offline ---------------------------------------------------------------


async def hand_over_from_offline(rt: Runtime, grace: timedelta) -> int:
    """Reassign the open work of agents offline for longer than `grace`; returns how many."""
    cutoff = clock.now() - grace
    moved = 0
    cursor = rt.store["agents"].find(
        {"availability": str(Availability.OFFLINE), "availability_changed_at": {"$lte": cutoff}}
    )
    async for agent in cursor:
        handed_over = agent.get("handed_over_at")
        if handed_over is not None and handed_over >= agent["availability_changed_at"]:
            continue  # done for this absence already
        moved += await _hand_over(rt, agent)
        await rt.store["agents"].update_one(
            {"_id": agent["_id"]}, {"$set": {"handed_over_at": clock.now()}}
        )
    return moved


async def _hand_over(rt: Runtime, agent: dict[str, Any]) -> int:
    actor = Actor(type="system", name="Reassignment (agent offline)")
    moved = 0
    held = rt.store["conversations"].find(
        {"assignee_id": agent["_id"], "status": {"$in": list(WORKING_CONVERSATION_STATUSES)}}
    )
    async for conversation in held:
        team = await _team_or_none(rt, conversation.get("team_id"))
        successor = team and await pick(rt, team, exclude=agent["_id"])
        patch = ConversationPatch(assignee_id=str(successor["_id"]) if successor else None)
        await conversations.update(rt, conversation, patch, actor)
        moved += 1
    held_tickets = rt.store["tickets"].find(
        {"assignee_ids": agent["_id"], "status": {"$in": list(OPEN_TICKET_STATUSES)}}
    )
    async for ticket in held_tickets:
        team = await _team_or_none(rt, ticket.get("team_id"))
        successor = team and await pick(rt, team, exclude=agent["_id"])
        others = [str(a) for a in ticket["assignee_ids"] if a != agent["_id"]]
        if successor is not None:
            others.append(str(successor["_id"]))
        await tickets.update(rt, ticket, TicketFields(assignee_ids=others), actor)
        moved += 1
    return moved


async def _team_or_none(rt: Runtime, team_id: ObjectId | None) -> dict[str, Any] | None:
    if team_id is None:
        return None
    return await rt.store["teams"].find_one({"_id": team_id})
