"""Conversations: one per customer thread on a channel while it is not resolved.

`open_key` ("<channel id>:<thread id>") is set while a conversation is unresolved and is
unique, so concurrent first messages of a thread share one conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from connectors.base import ChannelRef, Inbound, InboundKind
from inbox import clock, search
from inbox.auth import Principal
from inbox.errors import Conflict, Invalid
from inbox.events import SYSTEM, Actor, EventType, emit_in_conversation
from inbox.ids import new_id, parse_id, str_id
from inbox.models.conversations import (
    ConversationOut,
    ConversationPatch,
    ConversationQuery,
    ConversationStatus,
    SenderType,
    conversation_reference,
)
from inbox.pagination import Position, after
from inbox.runtime import Runtime
from inbox.services import agents, counters, messages, teams
from inbox.services.contacts import holders
from inbox.visibility import conversation_filter

Status = ConversationStatus
PREVIEW_LENGTH = 140


def open_key(channel_id: str | ObjectId, thread_id: str) -> str:
    return f"{channel_id}:{thread_id}"


def reference(conversation: dict[str, Any]) -> str | None:
    return conversation_reference(conversation.get("number"))


def preview(message: dict[str, Any]) -> dict[str, Any]:
    text = message.get("text")
    if not text and message.get("attachments"):
        text = f"[{message['attachments'][0]['type']}]"
    return {
        "text": (text or "")[:PREVIEW_LENGTH],
        "direction": message["direction"],
        "kind": message["kind"],
        "created_at": message["created_at"],
    }


async def _emit(
    rt: Runtime,
    type: EventType,
    conversation: dict[str, Any],
    actor: Actor,
    changes: dict[str, Any] | None = None,
) -> None:
    view = ConversationOut.of(conversation)
    await emit_in_conversation(rt, type, conversation, view, conversation, actor, changes)


# ---- customers' side ------------------------------------------------------------------------


@dataclass(frozen=True)
class Thread:
    """Where a conversation happens on its channel, and to whom its replies go."""

    thread_id: str
    kind: str
    recipient_id: str
    subject: str | None = None
    last_customer_at: datetime | None = None
    """When the customer last wrote on this channel (windows count from it), if known."""


async def open_for_thread(
    rt: Runtime, channel: ChannelRef, item: Inbound, contact: dict[str, Any]
) -> dict[str, Any]:
    """The unresolved conversation of this thread, opened if there is none."""
    thread = Thread(
        item.thread_id,
        "comment" if item.kind == InboundKind.COMMENT else "message",
        item.sender.external_id,
        item.subject,
    )
    opener = Actor(type="contact", id=str(contact["_id"]), name=contact["name"])
    return await open_thread(rt, channel, thread, contact, opener)


async def open_thread(
    rt: Runtime, channel: ChannelRef, thread: Thread, contact: dict[str, Any], opener: Actor
) -> dict[str, Any]:
    """The unresolved conversation of this thread, opened (by `opener`) if there is none."""
    key = open_key(channel.id, thread.thread_id)
    now = clock.now()
    fresh = {
        "_id": new_id(),
        "channel_id": ObjectId(channel.id),
        "channel": {"kind": channel.kind, "name": channel.name},
        "contact_id": contact["_id"],
        "contact": holders.summary(contact),
        "search_terms": contact.get("search_terms", []),
        "thread_id": thread.thread_id,
        "kind": thread.kind,
        "subject": thread.subject,
        "recipient_id": thread.recipient_id,
        "open_key": key,
        "status": str(Status.OPEN),
        "assignee_id": None,
        "team_id": None,
        "priority": None,
        "tags": [],
        "unread_count": 0,
        "last_message": None,
        "last_message_at": now,
        "last_customer_message_at": thread.last_customer_at,
        "waiting_since": None,
        "first_reply_at": None,
        "snoozed_until": None,
        "revision": 0,
        "created_at": now,
    }
    conversations = rt.store["conversations"]
    try:
        conversation = await conversations.find_one_and_update(
            {"open_key": key},
            {"$setOnInsert": fresh},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:  # a concurrent first message created it a moment ago
        conversation = await conversations.find_one({"open_key": key})
    if conversation["_id"] == fresh["_id"]:
        number = await counters.next_value(rt, "conversation")
        conversation = await conversations.find_one_and_update(
            {"_id": fresh["_id"]},
            {"$set": {"number": number, **await _contact_now(rt, contact)}},
            return_document=ReturnDocument.AFTER,
        )
        await _emit(rt, EventType.CONVERSATION_CREATED, conversation, opener)
    return conversation


async def _contact_now(rt: Runtime, contact: dict[str, Any]) -> dict[str, Any]:
    """The contact as it is now, for a conversation just inserted: its profile may have been
    completed (by the worker) after `contact` was read and before the insert, when no
    conversation was there to update yet."""
    latest = await rt.store["contacts"].find_one({"_id": contact["_id"]}) or contact
    return {
        "contact": holders.summary(latest),
        "search_terms": latest.get("search_terms", []),
    }


async def after_outbound(
    rt: Runtime, conversation: dict[str, Any], message: dict[str, Any]
) -> None:
    """Book a message to the customer: preview, first reply time, no longer waiting."""
    now = message["created_at"]
    updates: dict[str, Any] = {
        "last_message": preview(message),
        "last_message_at": now,
        "waiting_since": None,
        "unread_count": 0,
    }
    if conversation.get("first_reply_at") is None:
        updates["first_reply_at"] = now
    await rt.store["conversations"].update_one(
        {"_id": conversation["_id"]},
        {"$set": updates, "$inc": {"revision": 1}, **_remember(message), **_words(message)},
    )
    if message["sender"]["type"] == SenderType.AGENT:  # a person answered (reports' first response)
        await rt.store["conversations"].update_one(
            {"_id": conversation["_id"], "first_agent_reply_at": None},
            {"$set": {"first_agent_reply_at": now, "first_agent_id": message["sender"].get("id")}},
        )


THREAD_REFS = 20
"""Platform ids of the thread's latest messages kept on the conversation (email References)."""


def _remember(message: dict[str, Any]) -> dict[str, Any]:
    """The update that appends a message's platform id to the conversation's thread refs."""
    external_id = message.get("external_id")
    if not external_id:
        return {}
    return {"$push": {"thread_refs": {"$each": [external_id], "$slice": -THREAD_REFS}}}


def _words(message: dict[str, Any]) -> dict[str, Any]:
    """The update that makes a message's words find its conversation."""
    words = search.terms(message.get("text"))
    return {"$addToSet": {"search_terms": {"$each": words}}} if words else {}


async def note_sent(rt: Runtime, conversation: dict[str, Any], external_id: str) -> None:
    """Our reply got its platform id: later mail in the thread will reference it."""
    await rt.store["conversations"].update_one(
        {"_id": conversation["_id"]}, _remember({"external_id": external_id})
    )


async def after_inbound(
    rt: Runtime, conversation: dict[str, Any], message: dict[str, Any]
) -> dict[str, Any]:
    """Book a customer's message: preview, unread count, waiting time; wake a parked one."""
    now = message["created_at"]
    updates: dict[str, Any] = {
        "last_message": preview(message),
        "last_message_at": now,
        "last_customer_message_at": now,
    }
    if conversation.get("waiting_since") is None:
        updates["waiting_since"] = now
    wake = conversation["status"] in (Status.PENDING, Status.SNOOZED)
    if wake:
        updates.update(status=str(Status.OPEN), snoozed_until=None)
    if message.get("external_id"):
        updates["customer_message_ref"] = message["external_id"]
    updated = await rt.store["conversations"].find_one_and_update(
        {"_id": conversation["_id"]},
        {
            "$set": updates,
            "$inc": {"unread_count": 1, "revision": 1},
            **_remember(message),
            **_words(message),
        },
        return_document=ReturnDocument.AFTER,
    )
    if wake:
        actor = Actor(
            type="contact", id=str(updated["contact_id"]), name=updated["contact"]["name"]
        )
        await _record_changes(rt, updated, {"status": (conversation["status"], Status.OPEN)}, actor)
    return updated


# ---- reading ---------------------------------------------------------------------------------


async def by_reference(rt: Runtime, channel_id: ObjectId, ref: str) -> dict[str, Any] | None:
    """The channel's conversation with this reference (C-000123), if any."""
    digits = ref.upper().removeprefix("C-")
    if not digits.isdigit():
        return None
    return await rt.store["conversations"].find_one(
        {"number": int(digits), "channel_id": channel_id}
    )


async def latest_for_thread(
    rt: Runtime, channel_id: ObjectId, thread_id: str
) -> dict[str, Any] | None:
    """The most recent conversation of a thread (receipts concern it)."""
    found = (
        await rt.store["conversations"]
        .find(
            {"thread_id": thread_id, "channel_id": channel_id}, sort=[("created_at", -1)], limit=1
        )
        .to_list(None)
    )
    return found[0] if found else None


async def get(rt: Runtime, conversation_id: ObjectId) -> dict[str, Any]:
    return await rt.store.get("conversations", conversation_id, "conversation")


async def get_visible(rt: Runtime, conversation_id: str, principal: Principal) -> dict[str, Any]:
    """The conversation if this agent may see it; otherwise it does not exist for them."""
    oid = parse_id(conversation_id, "conversation")
    return await rt.store.get("conversations", oid, "conversation", conversation_filter(principal))


def _list_filter(query: ConversationQuery, principal: Principal) -> dict[str, Any]:
    conditions: dict[str, Any] = {}
    if query.status:
        wanted = [s.strip() for s in query.status.split(",") if s.strip()]
        unknown = set(wanted) - set(Status)
        if unknown:
            raise Invalid(f"Unknown status {sorted(unknown)}; use {[str(s) for s in Status]}.")
        conditions["status"] = wanted[0] if len(wanted) == 1 else {"$in": wanted}
    if query.assignee == "me":
        conditions["assignee_id"] = principal.id
    elif query.assignee == "none":
        conditions["assignee_id"] = None
    elif query.assignee:
        conditions["assignee_id"] = parse_id(query.assignee, "agent")
    if query.team:
        conditions["team_id"] = None if query.team == "none" else parse_id(query.team, "team")
    if query.channel:
        conditions["channel_id"] = parse_id(query.channel, "channel")
    if query.contact:
        conditions["contact_id"] = parse_id(query.contact, "contact")
    words = search.query_terms(query.q or "")
    if words:
        conditions["search_terms"] = {"$all": words}
    return conditions


async def list_page(
    rt: Runtime,
    principal: Principal,
    query: ConversationQuery,
    position: Position | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to limit+1 visible conversations, most recent activity first."""
    clauses = [
        c for c in (conversation_filter(principal), after("last_message_at", position, True)) if c
    ]
    mongo_query = {**_list_filter(query, principal), **({"$and": clauses} if clauses else {})}
    cursor = rt.store["conversations"].find(
        mongo_query, sort=[("last_message_at", -1), ("_id", -1)], limit=limit + 1
    )
    return await cursor.to_list(None)


# ---- agents' side -----------------------------------------------------------------------------


async def mark_read(rt: Runtime, conversation_id: str, principal: Principal) -> dict[str, Any]:
    conversation = await get_visible(rt, conversation_id, principal)
    if conversation.get("unread_count", 0) == 0:
        return conversation
    updated = await rt.store["conversations"].find_one_and_update(
        {"_id": conversation["_id"]},
        {"$set": {"unread_count": 0}, "$inc": {"revision": 1}},
        return_document=ReturnDocument.AFTER,
    )
    actor = principal.actor
    changes = {"unread_count": {"from": conversation["unread_count"], "to": 0}}
    await _emit(rt, EventType.CONVERSATION_UPDATED, updated, actor, changes)
    return updated


async def update(
    rt: Runtime, conversation: dict[str, Any], patch: ConversationPatch, actor: Actor
) -> dict[str, Any]:
    """Change status, assignee, team or priority; records each change and emits one event."""
    sets, changes = await _changes(rt, conversation, patch)
    if not changes:
        return conversation
    unset: dict[str, Any] = {}
    if "status" in changes:
        sets.update(_status_marks(conversation, sets["status"], actor))
        if sets["status"] == Status.RESOLVED:
            unset["open_key"] = ""
        elif conversation["status"] == Status.RESOLVED:
            sets["open_key"] = open_key(conversation["channel_id"], conversation["thread_id"])
    operation: dict[str, Any] = {"$set": sets, "$inc": {"revision": 1}}
    if unset:
        operation["$unset"] = unset
    try:
        updated = await rt.store["conversations"].find_one_and_update(
            {"_id": conversation["_id"]}, operation, return_document=ReturnDocument.AFTER
        )
    except DuplicateKeyError:
        raise Conflict(
            "The customer has a newer open conversation on this channel; continue there.",
            code="newer_conversation_open",
        ) from None
    await _record_changes(rt, updated, changes, actor)
    return updated


def _status_marks(conversation: dict[str, Any], after: str, actor: Actor) -> dict[str, Any]:
    """What reports read of a status change: when it was resolved, and what became of the
    bot's part (it resolved the conversation alone: deflected; else it handed over, for the
    reason the bot noted or because an agent took over)."""
    before = conversation["status"]
    marks: dict[str, Any] = {}
    if after == Status.RESOLVED:
        marks["resolved_at"] = clock.now()
    if after == Status.BOT:
        marks["bot_outcome"] = "holding"
        marks["bot_handover"] = None
    elif before == Status.BOT:
        marks["bot_outcome"] = "deflected" if after == Status.RESOLVED else "handed_over"
        if actor.type == "agent" and not conversation.get("bot_handover"):
            marks["bot_handover"] = "agent_took_over"
    return marks


async def _changes(
    rt: Runtime, conversation: dict[str, Any], patch: ConversationPatch
) -> tuple[dict[str, Any], dict[str, tuple[Any, Any]]]:
    """The fields to set and the (before, after) of each real change."""
    fields = patch.model_fields_set
    sets: dict[str, Any] = {}
    if "status" in fields:
        if patch.status is None:
            raise Invalid("status cannot be null.")
        sets["status"] = str(patch.status)
        sets["snoozed_until"] = patch.snoozed_until if patch.status == Status.SNOOZED else None
    elif "snoozed_until" in fields:
        raise Invalid("snoozed_until goes with status snoozed.")
    if "assignee_id" in fields:
        sets["assignee_id"] = await _valid_assignee(rt, patch.assignee_id)
    if "team_id" in fields:
        sets["team_id"] = (
            None
            if patch.team_id is None
            else (await teams.get(rt, parse_id(patch.team_id, "team")))["_id"]
        )
    if "priority" in fields:
        sets["priority"] = None if patch.priority is None else str(patch.priority)
    if "tags" in fields:
        sets["tags"] = list(dict.fromkeys(t.strip() for t in patch.tags or [] if t.strip()))
    changes = {
        name: (conversation.get(name), value)
        for name, value in sets.items()
        if name != "snoozed_until" and conversation.get(name) != value
    }
    if sets.get("snoozed_until") != conversation.get("snoozed_until"):
        changes["snoozed_until"] = (conversation.get("snoozed_until"), sets.get("snoozed_until"))
    return sets, changes


async def _valid_assignee(rt: Runtime, agent_id: str | None) -> ObjectId | None:
    if agent_id is None:
        return None
    agent = await agents.get(rt, parse_id(agent_id, "agent"))
    if not agent.get("active", True):
        raise Invalid(f"{agent['name']} is deactivated and cannot be assigned.")
    return agent["_id"]


def _json_value(value: Any) -> Any:
    if isinstance(value, ObjectId):
        return str_id(value)
    if isinstance(value, datetime):
        return clock.iso(value)
    return value


async def _record_changes(
    rt: Runtime, conversation: dict[str, Any], changes: dict[str, tuple[Any, Any]], actor: Actor
) -> None:
    """One activity line per change in the thread, then one conversation.updated event."""
    described = {
        name: {"from": _json_value(before), "to": _json_value(after_)}
        for name, (before, after_) in changes.items()
    }
    for name, change in described.items():
        if name != "snoozed_until":
            activity = {"field": name, **change}
            await messages.insert_activity(rt, conversation, activity, actor)
    await _emit(rt, EventType.CONVERSATION_UPDATED, conversation, actor, described)


async def wake_snoozed(rt: Runtime, limit: int = 500) -> int:
    """Reopen snoozed conversations whose time has come; returns how many."""
    cursor = rt.store["conversations"].find(
        {"status": str(Status.SNOOZED), "snoozed_until": {"$lte": clock.now()}},
        sort=[("snoozed_until", 1)],
        limit=limit,
    )
    woken = 0
    async for conversation in cursor:
        await update(rt, conversation, ConversationPatch(status=Status.OPEN), Actor(type="system"))
        woken += 1
    return woken


async def move_thread(rt: Runtime, conversation: dict[str, Any], thread_id: str) -> None:
    """The platform moved the chat (a Telegram group became a supergroup)."""
    sets: dict[str, Any] = {"thread_id": thread_id}
    if conversation.get("open_key"):
        sets["open_key"] = open_key(conversation["channel_id"], thread_id)
    await rt.store["conversations"].update_one(
        {"_id": conversation["_id"]}, {"$set": sets, "$inc": {"revision": 1}}
    )


async def set_response_due(rt: Runtime, conversation_id: ObjectId, due_at: datetime | None) -> None:
    """When the customer's first unanswered message must be answered (the SLA's first
    response), or None once an agent has answered; set only if not already set."""
    current = None if due_at is not None else {"$ne": None}
    updated = await rt.store["conversations"].find_one_and_update(
        {"_id": conversation_id, "response_due_at": current},
        {"$set": {"response_due_at": due_at}, "$inc": {"revision": 1}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is not None:
        changes = {"response_due_at": {"from": None, "to": clock.iso(due_at)}}
        await _emit(rt, EventType.CONVERSATION_UPDATED, updated, SYSTEM, changes)


async def claim_for_ticket(rt: Runtime, conversation: dict[str, Any], ticket_id: ObjectId) -> bool:
    """Point the conversation at a ticket, unless another ticket took it meanwhile."""
    updated = await rt.store["conversations"].find_one_and_update(
        {"_id": conversation["_id"], "ticket_id": conversation.get("ticket_id")},
        {"$set": {"ticket_id": ticket_id}, "$inc": {"revision": 1}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        return False
    changes = {"ticket_id": {"from": str_id(conversation.get("ticket_id")), "to": str(ticket_id)}}
    await _emit(rt, EventType.CONVERSATION_UPDATED, updated, SYSTEM, changes)
    return True
