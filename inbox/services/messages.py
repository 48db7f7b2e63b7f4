"""Messages of a conversation: customers' messages, replies, notes, activity lines.

A reply is stored `queued`; `inbox.services.delivery_state` records what became of it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from connectors.base import Attachment, Inbound
from inbox import clock
from inbox.events import Actor, EventType, Scope, emit, emit_in_conversation
from inbox.html import sanitise
from inbox.ids import new_id
from inbox.models.conversations import (
    DeliveryStatus,
    Direction,
    MessageKind,
    MessageOut,
    SenderType,
)
from inbox.pagination import Position, after
from inbox.runtime import Runtime

DELIVERY_GRACE = timedelta(minutes=2)
"""A queued message not attempted this long after it was due is picked up by the sweep."""


async def emit_message(
    rt: Runtime,
    type: EventType,
    message: dict[str, Any],
    conversation: dict[str, Any],
    actor: Actor,
    changes: dict[str, Any] | None = None,
) -> None:
    view = MessageOut.of(message)
    await emit_in_conversation(rt, type, message, view, conversation, actor, changes)


def _contact_actor(contact: dict[str, Any]) -> Actor:
    return Actor(type="contact", id=str(contact["_id"]), name=contact["name"])


def _sender_of(actor: Actor) -> dict[str, Any]:
    kind = actor.type if actor.type in set(SenderType) else SenderType.SYSTEM
    return {"type": str(kind), "id": actor.id, "name": actor.name}


def attachment_doc(item: Attachment) -> dict[str, Any]:
    """How a message stores a platform's attachment (its bytes, if any, live in files)."""
    return {k: v for k, v in vars(item).items() if v is not None and k != "data"}


def copy_due_at(attachments: list[dict[str, Any]]) -> datetime | None:
    """When a message with these attachments needs its copy task (None: nothing to copy)."""
    waiting = any(a.get("copy", {}).get("status") == "pending" for a in attachments)
    return clock.now() if waiting else None


def _base(conversation: dict[str, Any], kind: MessageKind, direction: Direction) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "conversation_id": conversation["_id"],
        "channel_id": conversation["channel_id"],
        "kind": str(kind),
        "direction": str(direction),
        "attachments": [],
        "revision": 0,
        "created_at": clock.now(),
    }


# ---- customers' messages -------------------------------------------------------------------


async def find_external(
    rt: Runtime, channel_id: ObjectId, external_id: str | None
) -> dict[str, Any] | None:
    """The message a platform knows by this id on this channel."""
    if external_id is None:
        return None
    return await rt.store["messages"].find_one(
        {"channel_id": channel_id, "external_id": external_id}
    )


async def insert_inbound(
    rt: Runtime,
    conversation: dict[str, Any],
    contact: dict[str, Any],
    item: Inbound,
    attachments: list[dict[str, Any]],
) -> tuple[dict[str, Any], bool]:
    """Store a customer's message once; the unique (channel, external id) index decides."""
    message = {
        **_base(conversation, MessageKind.MESSAGE, Direction.IN),
        "text": item.text,
        "attachments": attachments,
        "copy_due_at": copy_due_at(attachments),
        "sender": _sender_of(_contact_actor(contact)),
        "external_id": item.external_id,
        "reply_to": item.reply_to,
        "payload": item.payload,
        "sent_at": item.sent_at,
        "inbound_kind": str(item.kind),
        "subject": item.subject,
        "quoted": item.quoted,
        "html": sanitise(item.html) if item.html else None,
        "html_original": item.html,
        "automated": item.automated,
    }
    return await _insert_once(rt, message, conversation, _contact_actor(contact))


async def insert_echo(
    rt: Runtime,
    conversation: dict[str, Any],
    item: Inbound,
    sender_name: str,
    attachments: list[dict[str, Any]],
) -> tuple[dict[str, Any], bool]:
    """Something the page/OA sent outside the inbox (its own app): shown as sent, once."""
    message = {
        **_base(conversation, MessageKind.MESSAGE, Direction.OUT),
        "text": item.text,
        "attachments": attachments,
        "copy_due_at": copy_due_at(attachments),
        "sender": {"type": str(SenderType.AGENT), "id": None, "name": sender_name},
        "external_id": item.external_id,
        "sent_at": item.sent_at,
        "inbound_kind": str(item.kind),
        "delivery": {
            "status": str(DeliveryStatus.SENT),
            "attempts": 0,
            "error": None,
            "updated_at": clock.now(),
        },
    }
    return await _insert_once(rt, message, conversation, Actor(type="agent", name=sender_name))


async def _insert_once(
    rt: Runtime, message: dict[str, Any], conversation: dict[str, Any], actor: Actor
) -> tuple[dict[str, Any], bool]:
    try:
        await rt.store["messages"].insert_one(message)
    except DuplicateKeyError:
        existing = await find_external(rt, conversation["channel_id"], message["external_id"])
        return existing, False
    await emit_message(rt, EventType.MESSAGE_CREATED, message, conversation, actor)
    return message, True


async def apply_edit(
    rt: Runtime,
    original: dict[str, Any],
    conversation: dict[str, Any],
    text: str | None,
    edited_at: Any,
) -> dict[str, Any] | None:
    """The customer edited a message: keep the old text in `edits`, show the new one."""
    if original.get("text") == text:
        return None
    updated = await rt.store["messages"].find_one_and_update(
        {"_id": original["_id"]},
        {
            "$set": {"text": text, "edited_at": edited_at},
            "$push": {"edits": {"text": original.get("text"), "replaced_at": edited_at}},
            "$inc": {"revision": 1},
        },
        return_document=ReturnDocument.AFTER,
    )
    actor = Actor(type="contact", id=original["sender"]["id"], name=original["sender"]["name"])
    changes = {"text": {"from": original.get("text"), "to": text}}
    await emit_message(rt, EventType.MESSAGE_UPDATED, updated, conversation, actor, changes)
    return updated


# ---- agents' messages -------------------------------------------------------------------


async def insert_reply(
    rt: Runtime,
    conversation: dict[str, Any],
    text: str | None,
    actor: Actor,
    attachments: list[dict[str, Any]] | None = None,
    mode: str | None = None,
    sent_for: str | None = None,
    options: list[dict[str, str]] | None = None,
    because: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """A message to the customer, queued for delivery on the conversation's channel.

    `sent_for` names what an automatic message answers (an event, a rule's action), so it is
    sent once only; `because` tells agents why it was sent (shown in the thread).
    """
    message = _base(conversation, MessageKind.MESSAGE, Direction.OUT)
    if sent_for is not None:
        message["sent_for"] = sent_for
    if because is not None:
        message["sent_because"] = because
    if options:
        message["options"] = options  # [{"label", "payload"}]: the bot's buttons
    message.update(
        text=text,
        attachments=attachments or [],
        mode=mode,
        sender=_sender_of(actor),
        delivery={
            "status": str(DeliveryStatus.QUEUED),
            "attempts": 0,
            "error": None,
            "retry_at": message["created_at"] + DELIVERY_GRACE,
            "lease_until": None,
            "updated_at": message["created_at"],
        },
    )
    try:
        await rt.store["messages"].insert_one(message)
    except DuplicateKeyError:
        return await rt.store["messages"].find_one({"sent_for": sent_for})
    await emit_message(rt, EventType.MESSAGE_CREATED, message, conversation, actor)
    return message


async def insert_note(
    rt: Runtime,
    conversation: dict[str, Any],
    text: str | None,
    actor: Actor,
    attachments: list[dict[str, Any]] | None = None,
    mentions: list[ObjectId] | None = None,
) -> dict[str, Any]:
    """An internal note: seen by agents only, never sent."""
    message = _base(conversation, MessageKind.NOTE, Direction.OUT)
    message.update(
        text=text,
        attachments=attachments or [],
        sender=_sender_of(actor),
        mentions=mentions or [],
    )
    await rt.store["messages"].insert_one(message)
    await emit_message(rt, EventType.MESSAGE_CREATED, message, conversation, actor)
    return message


async def insert_ticket_note(
    rt: Runtime,
    ticket_id: ObjectId,
    scope: Scope,
    text: str | None,
    actor: Actor,
    attachments: list[dict[str, Any]],
    mentions: list[ObjectId],
) -> dict[str, Any]:
    """A note on a ticket that has no conversation (one opened for a phone call, say)."""
    message = {
        "_id": new_id(),
        "conversation_id": None,
        "ticket_id": ticket_id,
        "channel_id": None,
        "kind": str(MessageKind.NOTE),
        "direction": str(Direction.OUT),
        "text": text,
        "attachments": attachments,
        "sender": _sender_of(actor),
        "mentions": mentions,
        "revision": 0,
        "created_at": clock.now(),
    }
    await rt.store["messages"].insert_one(message)
    await emit(
        rt,
        EventType.MESSAGE_CREATED,
        subject_type="message",
        subject_id=message["_id"],
        data=MessageOut.of(message).model_dump(),
        scope=scope,
        actor=actor,
    )
    return message


async def insert_activity(
    rt: Runtime, conversation: dict[str, Any], activity: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    """A line in the thread recording a change (status, assignee, team...)."""
    message = _base(conversation, MessageKind.ACTIVITY, Direction.OUT)
    message.update(
        text=None,
        activity=activity,
        sender=_sender_of(actor),
    )
    await rt.store["messages"].insert_one(message)
    await emit_message(rt, EventType.MESSAGE_CREATED, message, conversation, actor)
    return message


# ---- reading ------------------------------------------------------------------------------


async def get(rt: Runtime, message_id: ObjectId) -> dict[str, Any]:
    return await rt.store.get("messages", message_id, "message")


async def list_page(
    rt: Runtime,
    conversation_id: ObjectId,
    position: Position | None,
    limit: int,
    descending: bool,
) -> list[dict[str, Any]]:
    """Up to limit+1 messages after `position` in time order (the extra one signals more)."""
    order = -1 if descending else 1
    query = {"conversation_id": conversation_id, **after("created_at", position, descending)}
    cursor = rt.store["messages"].find(
        query, sort=[("created_at", order), ("_id", order)], limit=limit + 1
    )
    return await cursor.to_list(None)


async def unconfirmed_send(
    rt: Runtime, conversation_id: ObjectId, text: str | None, since: datetime
) -> dict[str, Any] | None:
    """A recent reply of ours with this text whose platform id we do not know yet."""
    cursor = rt.store["messages"].find(
        {"conversation_id": conversation_id, "created_at": {"$gte": since}},
        sort=[("created_at", -1)],
        limit=20,
    )
    async for candidate in cursor:
        ours = candidate["direction"] == Direction.OUT and candidate.get("delivery")
        if ours and not candidate.get("external_id") and candidate.get("text") == text:
            return candidate
    return None


async def texts(rt: Runtime, conversation_id: ObjectId, limit: int = 500) -> list[str]:
    """The words exchanged in a conversation (its latest messages), for search."""
    cursor = rt.store["messages"].find(
        {"conversation_id": conversation_id, "kind": {"$ne": str(MessageKind.ACTIVITY)}},
        projection={"text": 1},
        sort=[("created_at", -1)],
        limit=limit,
    )
    return [doc["text"] async for doc in cursor if doc.get("text")]


async def latest_from_customer(rt: Runtime, conversation_id: ObjectId) -> dict[str, Any] | None:
    return await rt.store["messages"].find_one(
        {"conversation_id": conversation_id, "direction": "in"}, sort=[("created_at", -1)]
    )


async def customer_messages_since(
    rt: Runtime, conversation_id: ObjectId, since: datetime
) -> list[dict[str, Any]]:
    """The customer's messages in a conversation after `since`, oldest first."""
    cursor = rt.store["messages"].find(
        {"conversation_id": conversation_id, "created_at": {"$gt": since}, "direction": "in"},
        sort=[("created_at", 1)],
        limit=20,
    )
    return await cursor.to_list(None)


async def list_for_ticket(
    rt: Runtime,
    conversation_ids: list[ObjectId],
    ticket_ids: list[ObjectId],
    position: Position | None,
    limit: int,
    descending: bool,
) -> list[dict[str, Any]]:
    """A ticket's thread: its conversations' messages and its own notes, in time order."""
    order = -1 if descending else 1
    query = {
        "$or": [
            {"conversation_id": {"$in": conversation_ids}},
            {"ticket_id": {"$in": ticket_ids}},
        ],
        **({"$and": [after("created_at", position, descending)]} if position else {}),
    }
    cursor = rt.store["messages"].find(
        query, sort=[("created_at", order), ("_id", order)], limit=limit + 1
    )
    return await cursor.to_list(None)
