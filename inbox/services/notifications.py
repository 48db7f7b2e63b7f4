"""Agents' notifications: mentions in notes, tickets given to them; live and kept unread."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from inbox import clock
from inbox.auth import Principal
from inbox.errors import Invalid
from inbox.events import Actor, EventType, Scope, emit
from inbox.ids import new_id, parse_id
from inbox.models.notifications import NotificationOut
from inbox.runtime import Runtime
from inbox.services import agents
from inbox.visibility import can_see

PREVIEW_CHARS = 140
MAX_LISTED = 100


async def mentioned_agents(rt: Runtime, agent_ids: list[str], scope: Scope) -> list[dict[str, Any]]:
    """The agents a note mentions; each must be active and able to see where the note is."""
    found = []
    for agent_id in dict.fromkeys(agent_ids):
        agent = await agents.get(rt, parse_id(agent_id, "agent"))
        if not agent.get("active", True):
            raise Invalid(f"{agent['name']} is deactivated; they would never see the mention.")
        if not can_see(Principal.of(agent, via="mention"), scope):
            raise Invalid(
                f"{agent['name']} cannot see this conversation (another team); "
                "assign it to their team or to them first.",
                code="mention_not_visible",
            )
        found.append(agent)
    return found


async def notify(
    rt: Runtime,
    agent_ids: list[ObjectId],
    kind: str,
    text: str,
    actor: Actor,
    *,
    conversation_id: ObjectId | None = None,
    ticket_id: ObjectId | None = None,
    message_id: ObjectId | None = None,
) -> None:
    """One unread notification per agent (never for the agent who caused it), pushed live."""
    for agent_id in dict.fromkeys(agent_ids):
        if actor.type == "agent" and actor.id == str(agent_id):
            continue
        doc = {
            "_id": new_id(),
            "agent_id": agent_id,
            "kind": kind,
            "text": text[:PREVIEW_CHARS],
            "conversation_id": conversation_id,
            "ticket_id": ticket_id,
            "message_id": message_id,
            "actor": actor.model_dump(),
            "created_at": clock.now(),
            "read_at": None,
        }
        await rt.store["notifications"].insert_one(doc)
        await emit(
            rt,
            EventType.NOTIFICATION_CREATED,
            subject_type="notification",
            subject_id=doc["_id"],
            data=NotificationOut.of(doc).model_dump(),
            scope=Scope(agent_ids=[str(agent_id)], private=True),
            actor=actor,
        )


async def mentioned(
    rt: Runtime,
    agents_mentioned: list[dict[str, Any]],
    note: dict[str, Any],
    actor: Actor,
    ticket_id: ObjectId | None,
) -> None:
    """Tell each agent a note mentions them, with the note's start."""
    await notify(
        rt,
        [a["_id"] for a in agents_mentioned],
        "mention",
        note.get("text") or "",
        actor,
        conversation_id=note.get("conversation_id"),
        ticket_id=note.get("ticket_id") or ticket_id,
        message_id=note["_id"],
    )


async def of_agent(rt: Runtime, principal: Principal, unread_only: bool) -> list[dict[str, Any]]:
    """The agent's latest notifications, newest first (unread ones only if asked)."""
    query: dict[str, Any] = {"agent_id": principal.id}
    if unread_only:
        query["read_at"] = None
    cursor = rt.store["notifications"].find(query, sort=[("created_at", -1)], limit=MAX_LISTED)
    return await cursor.to_list(None)


async def unread_count(rt: Runtime, principal: Principal) -> int:
    return await rt.store["notifications"].count_documents(
        {"agent_id": principal.id, "read_at": None}
    )


async def mark_read(rt: Runtime, principal: Principal, notification_id: str) -> dict[str, Any]:
    oid = parse_id(notification_id, "notification")
    doc = await rt.store.get("notifications", oid, "notification", {"agent_id": principal.id})
    if doc["read_at"] is None:
        doc["read_at"] = clock.now()
        await rt.store["notifications"].update_one(
            {"_id": oid}, {"$set": {"read_at": doc["read_at"]}}
        )
    return doc


async def mark_all_read(rt: Runtime, principal: Principal) -> int:
    result = await rt.store["notifications"].update_many(
        {"agent_id": principal.id, "read_at": None}, {"$set": {"read_at": clock.now()}}
    )
    return result.modified_count
