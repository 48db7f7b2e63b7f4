"""What became of the messages we sent: attempts, sent, delivered, read, failed, unknown.

The delivery task claims a queued message with a lease, so two attempts never overlap. An
attempt whose lease ran out without an outcome (its worker stopped mid-send) is not tried
again: the message becomes `unknown`, like a send that timed out after the request left.
Each outcome is added to the message's delivery history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from connectors.base import SentRef
from inbox import clock
from inbox.errors import Conflict
from inbox.events import Actor, EventType
from inbox.models.conversations import DeliveryStatus, Direction
from inbox.runtime import Runtime
from inbox.services.messages import DELIVERY_GRACE, emit_message

LEASE = timedelta(minutes=15)
"""How long one delivery attempt may last (longer than any send timeout, SMTP's 10 minutes
included); past it, the attempt is taken as interrupted."""
HISTORY_KEPT = 20
INTERRUPTED = (
    "The attempt to send it was interrupted (the worker stopped); it may have been delivered."
)
PROGRESS = [DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ]
"""Receipts only move a message forward along this line; failed stays failed."""


async def claim_delivery(rt: Runtime, message_id: ObjectId) -> dict[str, Any] | None:
    """Take a queued message for one attempt, unless it is sent, failed, being tried, or was
    being tried when its worker stopped (see `interrupted`)."""
    now = clock.now()
    return await rt.store["messages"].find_one_and_update(
        {
            "_id": message_id,
            "delivery.status": str(DeliveryStatus.QUEUED),
            "delivery.lease_until": None,
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
    step: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Change the delivery fields, add `step` ({"outcome", "by"}) to the history, emit."""
    now = clock.now()
    update = {f"delivery.{k}": v for k, v in {**fields, "updated_at": now}.items()}
    changes: dict[str, Any] = {"$set": {**update, **(extra or {})}, "$inc": {"revision": 1}}
    if step is not None:
        entry = {"at": now, "error": fields.get("error"), "by": None, **step}
        changes["$push"] = {"delivery.history": {"$each": [entry], "$slice": -HISTORY_KEPT}}
    updated = await rt.store["messages"].find_one_and_update(
        {"_id": message["_id"]}, changes, return_document=ReturnDocument.AFTER
    )
    before, after_ = message["delivery"]["status"], updated["delivery"]["status"]
    changes = {"delivery.status": {"from": before, "to": after_}}
    await emit_message(
        rt, EventType.MESSAGE_UPDATED, updated, conversation, Actor(type="system"), changes
    )
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
    return await _set_delivery(
        rt, message, conversation, fields, {"external_id": sent.external_id}, {"outcome": "sent"}
    )


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
    return await _set_delivery(rt, message, conversation, fields, step={"outcome": "retrying"})


async def attempts_over(
    rt: Runtime,
    message: dict[str, Any],
    conversation: dict[str, Any],
    status: DeliveryStatus,
    error: str,
    code: str | None,
) -> dict[str, Any]:
    """No more automatic attempts: the message ends `failed`, or `unknown` (the request may
    have reached the platform, so it is never tried again on its own), with the reason."""
    fields = {
        "status": str(status),
        "error": error,
        "code": code,
        "retry_at": None,
        "lease_until": None,
    }
    return await _set_delivery(rt, message, conversation, fields, step={"outcome": str(status)})


async def interrupted(rt: Runtime, message_id: ObjectId) -> dict[str, Any] | None:
    """A queued message whose attempt's lease ran out (its worker stopped mid-send) becomes
    unknown; returns it when it was one."""
    now = clock.now()
    entry = {"at": now, "outcome": "unknown", "error": INTERRUPTED, "by": None}
    updated = await rt.store["messages"].find_one_and_update(
        {
            "_id": message_id,
            "delivery.status": str(DeliveryStatus.QUEUED),
            "delivery.lease_until": {"$lte": now},
        },
        {
            "$set": {
                "delivery.status": str(DeliveryStatus.UNKNOWN),
                "delivery.error": INTERRUPTED,
                "delivery.code": "interrupted",
                "delivery.retry_at": None,
                "delivery.lease_until": None,
                "delivery.updated_at": now,
            },
            "$push": {"delivery.history": {"$each": [entry], "$slice": -HISTORY_KEPT}},
            "$inc": {"revision": 1},
        },
        return_document=ReturnDocument.AFTER,
    )
    if updated is not None:
        conversation = await rt.store.get(
            "conversations", updated["conversation_id"], "conversation"
        )
        changes = {"delivery.status": {"from": str(DeliveryStatus.QUEUED), "to": "unknown"}}
        await emit_message(
            rt, EventType.MESSAGE_UPDATED, updated, conversation, Actor(type="system"), changes
        )
    return updated


async def requeue(
    rt: Runtime, message: dict[str, Any], conversation: dict[str, Any], by: str
) -> dict[str, Any]:
    """An agent sends a failed message, or one that may have been delivered, again."""
    status = message.get("delivery", {}).get("status")
    if status not in (DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN):
        raise Conflict(
            "Only a failed message, or one that may not have arrived, can be sent again."
        )
    fields = {
        "status": str(DeliveryStatus.QUEUED),
        "attempts": 0,
        "error": None,
        "code": None,
        "retry_at": clock.now() + DELIVERY_GRACE,
        "lease_until": None,
    }
    step = {"outcome": "resent", "by": by}
    return await _set_delivery(rt, message, conversation, fields, step=step)


async def confirm_sent(
    rt: Runtime, message: dict[str, Any], conversation: dict[str, Any], by: str
) -> dict[str, Any]:
    """An agent checked that a message which may have been delivered did arrive."""
    if message.get("delivery", {}).get("status") != DeliveryStatus.UNKNOWN:
        raise Conflict("Only a message that may have been delivered can be marked as sent.")
    fields = {"status": str(DeliveryStatus.SENT), "error": None, "code": None}
    step = {"outcome": "marked_sent", "by": by}
    return await _set_delivery(rt, message, conversation, fields, step=step)


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


async def release_claim(rt: Runtime, message: dict[str, Any], delay: float) -> None:
    """Give a claimed message back untried (a sending limit is full): the attempt is not counted."""
    retry_at = clock.now() + timedelta(seconds=delay)
    await rt.store["messages"].update_one(
        {"_id": message["_id"]},
        {
            "$set": {"delivery.lease_until": None, "delivery.retry_at": retry_at + DELIVERY_GRACE},
            "$inc": {"delivery.attempts": -1},
        },
    )


async def mark_receipts(
    rt: Runtime,
    conversation: dict[str, Any],
    status: DeliveryStatus,
    external_ids: tuple[str, ...] = (),
    until: datetime | None = None,
) -> int:
    """Record delivery or read receipts for our messages, by id or up to a watermark."""
    lower = [str(s) for s in PROGRESS[: PROGRESS.index(status)]]
    query: dict[str, Any] = {
        "conversation_id": conversation["_id"],
        "direction": str(Direction.OUT),
        "delivery.status": {"$in": lower},
    }
    if external_ids:
        query["external_id"] = {"$in": list(external_ids)}
    elif until is not None:
        query["created_at"] = {"$lte": until}
    else:
        return 0
    marked = 0
    async for message in rt.store["messages"].find(query, sort=[("created_at", 1)]):
        await _set_delivery(rt, message, conversation, {"status": str(status)})
        marked += 1
    return marked


async def mark_bounced(
    rt: Runtime, message: dict[str, Any], conversation: dict[str, Any], reason: str
) -> dict[str, Any]:
    """A bounce report says this message never arrived."""
    fields = {"status": str(DeliveryStatus.FAILED), "error": reason, "code": "bounced"}
    return await _set_delivery(rt, message, conversation, fields, step={"outcome": "failed"})


async def mark_delayed(
    rt: Runtime, message: dict[str, Any], conversation: dict[str, Any], reason: str
) -> dict[str, Any]:
    """A mail server reports it is still trying: shown on the message, which is not failed."""
    return await _set_delivery(
        rt, message, conversation, {"error": reason}, step={"outcome": "delayed"}
    )


async def record_external_id(rt: Runtime, message_id: ObjectId, external_id: str) -> None:
    """The platform told us (in an echo) the id of a message we sent, before our send returned."""
    await rt.store["messages"].update_one(
        {"_id": message_id, "external_id": None}, {"$set": {"external_id": external_id}}
    )
