"""Notices: what the portal tells a customer by email or SMS, each an outbound record like
a message: `queued`, then `sent`, `failed` (with the reason) or `unknown` (the server may have
taken it: never sent again on its own). Email goes out through the email channel admins chose
for the portal, SMS through the SMS gateway, in a task that retries with backoff; lost tasks
are sent again by the sweep. The text, which may hold a sign-in link, is kept encrypted and
dropped once sent. (`tell` decides when a customer is told what.)
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from connectors import registry
from connectors import sms as sms_gateway
from connectors.base import Outbound, SendError
from inbox import clock, events
from inbox.errors import NotFound
from inbox.ids import new_id
from inbox.portal import config, sms
from inbox.queue import SEND_NOTICE
from inbox.runtime import Runtime
from inbox.services import channels, delivery
from inbox.services.tickets import lifecycle as tickets

log = logging.getLogger(__name__)

GRACE = timedelta(minutes=2)
"""A queued notice not sent by then is handed to the sweep."""
LEASE = timedelta(minutes=2)


async def queue(
    rt: Runtime,
    *,
    kind: str,
    via: str,
    to: str,
    subject: str,
    text: str,
    contact_id: ObjectId | None = None,
    ticket_id: ObjectId | None = None,
    cause: str | None = None,
) -> dict[str, Any] | None:
    """Record a notice and hand it to the workers; None if `cause` was noticed already."""
    settings = await config.settings_of(rt)
    now = clock.now()
    doc = {
        "_id": new_id(),
        "kind": kind,
        "via": via,
        "to": to,
        "subject": subject,
        "body_sealed": rt.secrets.encrypt({"text": text}),
        "status": "queued",
        "attempts": 0,
        "error": None,
        "retry_at": now + GRACE,
        "lease_until": None,
        "contact_id": contact_id,
        "ticket_id": ticket_id,
        "created_at": now,
    }
    if cause is not None:
        doc["cause"] = cause
    if via == "email" and settings.email_channel_id is None:
        doc.update(status="failed", error=_no_channel(), body_sealed=None)
    try:
        await rt.store["portal_notices"].insert_one(doc)
    except DuplicateKeyError:
        return None
    if doc["status"] == "queued":
        await rt.queue.enqueue(SEND_NOTICE, str(doc["_id"]))
    await _announce(rt, doc)
    return doc


async def _announce(rt: Runtime, notice: dict[str, Any]) -> None:
    """Tell the open pages of the notice's ticket (agents see what reached the customer)."""
    if notice.get("ticket_id") is None:
        return
    ticket = await rt.store["tickets"].find_one({"_id": notice["ticket_id"]})
    if ticket is not None:
        message = {
            "type": "notice.updated",
            "data": {"ticket_id": str(ticket["_id"]), "status": notice["status"]},
            "scope": tickets.scope(ticket).model_dump(),
        }
        await events.publish(rt, message)


def _no_channel() -> str:
    return "No email channel is chosen for the portal (Admin → Portal)."


async def send(rt: Runtime, notice_id: str) -> str:
    """One attempt; returns sent, retrying, failed, unknown or skipped."""
    now = clock.now()
    notice = await rt.store["portal_notices"].find_one_and_update(
        {
            "_id": ObjectId(notice_id),
            "status": "queued",
            "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}],
        },
        {"$set": {"lease_until": now + LEASE}, "$inc": {"attempts": 1}},
        return_document=ReturnDocument.AFTER,
    )
    if notice is None:
        return "skipped"
    try:
        text = rt.secrets.decrypt(notice["body_sealed"])["text"]
        if notice["via"] == "sms":
            await _by_sms(rt, notice, text)
        else:
            await _by_email(rt, notice, text)
    except NotFound:
        return await _over(rt, notice, "failed", "The portal's email channel was removed.")
    except SendError as error:
        return await _unsent(rt, notice, error)
    return await _over(rt, notice, "sent", None)


async def _by_email(rt: Runtime, notice: dict[str, Any], text: str) -> None:
    settings = await config.settings_of(rt)
    if settings.email_channel_id is None:
        raise SendError(_no_channel(), retryable=False, code="no_channel")
    channel = await channels.load(rt, ObjectId(settings.email_channel_id))
    if channel.demo:  # the demo mailbox sends nothing: show what a newcomer would receive
        log.warning(
            "demo mailbox, nothing sent; to %s: %s\n%s", notice["to"], notice["subject"], text
        )
    out = Outbound(
        message_id=str(notice["_id"]),
        thread_id=f"notice:{notice['_id']}",
        recipient_id=notice["to"],
        text=text,
        subject=notice["subject"],
        automatic=True,
    )
    await registry.for_channel(channel).send(channel, out)


async def _by_sms(rt: Runtime, notice: dict[str, Any], text: str) -> None:
    gateway = await sms.gateway(rt)
    if gateway is None:
        raise SendError("SMS is switched off (Admin → Customer portal).", retryable=False)
    await sms_gateway.send(gateway, notice["to"], text)


async def _unsent(rt: Runtime, notice: dict[str, Any], error: SendError) -> str:
    if error.unknown:
        return await _over(rt, notice, "unknown", str(error))
    settings = rt.settings
    if error.retryable and notice["attempts"] < settings.delivery_max_attempts:
        wait = error.retry_after or delivery.backoff(
            notice["attempts"],
            settings.delivery_retry_base_seconds,
            settings.delivery_retry_max_seconds,
        )
        await rt.store["portal_notices"].update_one(
            {"_id": notice["_id"]},
            {
                "$set": {
                    "error": str(error),
                    "lease_until": None,
                    "retry_at": clock.now() + timedelta(seconds=wait) + GRACE,
                }
            },
        )
        await rt.queue.enqueue(SEND_NOTICE, str(notice["_id"]), countdown=wait)
        return "retrying"
    return await _over(rt, notice, "failed", str(error))


async def _over(rt: Runtime, notice: dict[str, Any], status: str, error: str | None) -> str:
    await rt.store["portal_notices"].update_one(
        {"_id": notice["_id"]},
        {
            "$set": {"status": status, "error": error, "done_at": clock.now()},
            "$unset": {"body_sealed": ""},
        },
    )
    await _announce(rt, {**notice, "status": status})
    if status != "sent":
        log.warning("portal notice %s to %s: %s (%s)", notice["_id"], notice["to"], status, error)
    return status


async def sweep(rt: Runtime, limit: int = 100) -> int:
    """Hand queued notices whose task was lost to the workers again; returns how many."""
    now = clock.now()
    overdue = (
        await rt.store["portal_notices"]
        .find({"status": "queued", "retry_at": {"$lte": now}}, {"_id": 1}, limit=limit)
        .to_list(None)
    )
    for notice in overdue:
        await rt.store["portal_notices"].update_one(
            {"_id": notice["_id"]}, {"$set": {"retry_at": now + GRACE}}
        )
        await rt.queue.enqueue(SEND_NOTICE, str(notice["_id"]))
    return len(overdue)


async def for_ticket(rt: Runtime, ticket_id: ObjectId) -> list[dict[str, Any]]:
    """What the ticket's customer was told by email or SMS, newest first (for agents)."""
    found = rt.store["portal_notices"].find(
        {"ticket_id": ticket_id}, {"body_sealed": 0}, sort=[("created_at", -1)], limit=50
    )
    return await found.to_list(None)
