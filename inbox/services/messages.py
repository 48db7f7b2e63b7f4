"""Messages of a conversation: customers' messages, replies, notes, activity, and delivery state.

A reply is stored `queued`; `inbox.services.delivery` moves it to `sent` or `failed`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from connectors.base import Attachment, Inbound, SentRef
from inbox import clock
from inbox.errors import Conflict
from inbox.events import Actor, EventType, emit_in_conversation
from inbox.ids import new_id
from inbox.models import DeliveryStatus, Direction, MessageKind, MessageOut, SenderType
from inbox.pagination import Position, after
from inbox.runtime import Runtime

DELIVERY_GRACE = timedelta(minutes=2)
"""A queued message not attempted this long after it was due is picked up by the sweep."""
LEASE = timedelta(seconds=90)
"""How long one delivery attempt holds a message before another may try."""


def agent_actor(agent_id: ObjectId, name: str) -> Actor:
    return Actor(type="agent", id=str(agent_id), name=name)


async def _emit(
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


def _attachment(item: Attachment) -> dict[str, Any]:
    return {k: v for k, v in vars(item).items() if v is not None}


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
    rt: Runtime, conversation: dict[str, Any], contact: dict[str, Any], item: Inbound
) -> tuple[dict[str, Any], bool]:
    """Store a customer's message once; the unique (channel, external id) index decides."""
    message = {
        **_base(conversation, MessageKind.MESSAGE, Direction.IN),
        "text": item.text,
        "attachments": [_attachment(a) for a in item.attachments],
        "sender": _sender_of(_contact_actor(contact)),
        "external_id": item.external_id,
        "reply_to": item.reply_to,
        "payload": item.payload,
        "sent_at": item.sent_at,
        "inbound_kind": str(item.kind),
    }
    try:
        await rt.store["messages"].insert_one(message)
    except DuplicateKeyError:
        existing = await find_external(rt, conversation["channel_id"], item.external_id)
        return existing, False
    await _emit(rt, EventType.MESSAGE_CREATED, message, conversation, _contact_actor(contact))
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
    await _emit(rt, EventType.MESSAGE_UPDATED, updated, conversation, actor, changes)
    return updated


# ---- agents' messages -------------------------------------------------------------------


async def insert_reply(
    rt: Runtime, conversation: dict[str, Any], text: str, actor: Actor
) -> dict[str, Any]:
    """A message to the customer, queued for delivery on the conversation's channel."""
    message = _base(conversation, MessageKind.MESSAGE, Direction.OUT)
    message.update(
        text=text,
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
    await rt.store["messages"].insert_one(message)
    await _emit(rt, EventType.MESSAGE_CREATED, message, conversation, actor)
    return message


async def insert_note(
    rt: Runtime, conversation: dict[str, Any], text: str, actor: Actor
) -> dict[str, Any]:
    """An internal note: seen by agents only, never sent."""
    message = _base(conversation, MessageKind.NOTE, Direction.OUT)
    message.update(text=text, sender=_sender_of(actor))
    await rt.store["messages"].insert_one(message)
    await _emit(rt, EventType.MESSAGE_CREATED, message, conversation, actor)
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
    await _emit(rt, EventType.MESSAGE_CREATED, message, conversation, actor)
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


# ---- delivery state -------------------------------------------------------------------------


async def claim_delivery(rt: Runtime, message_id: ObjectId) -> dict[str, Any] | None:
    """Take a queued message for one attempt, unless it is sent, failed or being tried."""
    now = clock.now()
    return await rt.store["messages"].find_one_and_update(
        {
            "_id": message_id,
            "delivery.status": str(DeliveryStatus.QUEUED),
            "$or": [{"delivery.lease_until": None}, {"delivery.lease_until": {"$lte": now}}],
        },
        {
            "$set": {"delivery.lease_until": now + LEASE},
            "$inc": {"delivery.attempts": 1, "revision": 1},
        },
        return_document=ReturnDocument.AFTER,
    )


async def _set_delivery(
    rt: Runtime,
    message: dict[str, Any],
    conversation: dict[str, Any],
    fields: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    now = clock.now()
    update = {f"delivery.{k}": v for k, v in {**fields, "updated_at": now}.items()}
    updated = await rt.store["messages"].find_one_and_update(
        {"_id": message["_id"]},
        {"$set": {**update, **(extra or {})}, "$inc": {"revision": 1}},
        return_document=ReturnDocument.AFTER,
    )
    before, after_ = message["delivery"]["status"], updated["delivery"]["status"]
    changes = {"delivery.status": {"from": before, "to": after_}}
    await _emit(rt, EventType.MESSAGE_UPDATED, updated, conversation, Actor(type="system"), changes)
    return updated


async def delivery_sent(
    rt: Runtime, message: dict[str, Any], conversation: dict[str, Any], sent: SentRef
) -> dict[str, Any]:
    fields = {
        "status": str(DeliveryStatus.SENT),
        "error": None,
        "code": None,
        "retry_at": None,
        "lease_until": None,
    }
    return await _set_delivery(rt, message, conversation, fields, {"external_id": sent.external_id})


async def delivery_retrying(
    rt: Runtime,
    message: dict[str, Any],
    conversation: dict[str, Any],
    error: str,
    code: str | None,
    delay: float,
) -> dict[str, Any]:
    retry_at = clock.now() + timedelta(seconds=delay)
    fields = {
        "error": error,
        "code": code,
        "retry_at": retry_at + DELIVERY_GRACE,
        "lease_until": None,
        "next_attempt_at": retry_at,
    }
    return await _set_delivery(rt, message, conversation, fields)


async def delivery_failed(
    rt: Runtime,
    message: dict[str, Any],
    conversation: dict[str, Any],
    error: str,
    code: str | None,
) -> dict[str, Any]:
    fields = {
        "status": str(DeliveryStatus.FAILED),
        "error": error,
        "code": code,
        "retry_at": None,
        "lease_until": None,
    }
    return await _set_delivery(rt, message, conversation, fields)


async def requeue_failed(
    rt: Runtime, message: dict[str, Any], conversation: dict[str, Any]
) -> dict[str, Any]:
    """An agent asks to try a failed message again."""
    if message.get("delivery", {}).get("status") != DeliveryStatus.FAILED:
        raise Conflict("Only a failed message can be retried.")
    fields = {
        "status": str(DeliveryStatus.QUEUED),
        "attempts": 0,
        "error": None,
        "code": None,
        "retry_at": clock.now() + DELIVERY_GRACE,
        "lease_until": None,
    }
    return await _set_delivery(rt, message, conversation, fields)


async def overdue_deliveries(rt: Runtime, limit: int = 500) -> list[ObjectId]:
    """Queued messages whose attempt is overdue (a lost task): the sweep enqueues them again."""
    cursor = rt.store["messages"].find(
        {"delivery.status": str(DeliveryStatus.QUEUED), "delivery.retry_at": {"$lte": clock.now()}},
        projection={"_id": 1},
        sort=[("delivery.retry_at", 1)],
        limit=limit,
    )
    return [doc["_id"] async for doc in cursor]


async def postpone_overdue(rt: Runtime, message_id: ObjectId) -> None:
    await rt.store["messages"].update_one(
        {"_id": message_id}, {"$set": {"delivery.retry_at": clock.now() + DELIVERY_GRACE}}
    )
