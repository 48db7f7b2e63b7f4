"""Emails that tell a customer something happened in the portal: their sign-in link and
code, the confirmation of a new request, and each answer on a portal request (with a link
that signs them in to it).

A notice is an outbound record like a message: `queued`, then `sent`, `failed` (with the
reason) or `unknown` (the mail server may have taken it: never sent again on its own). It
goes out through the email channel admins chose for the portal, in a task that retries with
backoff; lost tasks are sent again by the sweep. The text, which may hold a sign-in link, is
kept encrypted and dropped once sent.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from connectors import registry
from connectors.base import Outbound, SendError
from inbox import clock, i18n
from inbox.errors import NotFound
from inbox.events import EventType
from inbox.i18n import gettext as _
from inbox.ids import new_id
from inbox.models.conversations import MessageKind, SenderType
from inbox.models.tickets import ticket_number
from inbox.portal import config, sign_in
from inbox.queue import SEND_NOTICE
from inbox.runtime import Runtime
from inbox.services import channels, delivery
from inbox.services.contacts import records as contacts

log = logging.getLogger(__name__)

GRACE = timedelta(minutes=2)
"""A queued notice not sent by then is handed to the sweep."""
LEASE = timedelta(minutes=2)
LINK_LIFETIME = timedelta(days=3)
"""How long the sign-in link in an answer's notice works (once)."""


async def queue(
    rt: Runtime,
    *,
    kind: str,
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
        "via": "email",
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
    if settings.email_channel_id is None:
        doc.update(status="failed", error=_no_channel(), body_sealed=None)
    try:
        await rt.store["portal_notices"].insert_one(doc)
    except DuplicateKeyError:
        return None
    if doc["status"] == "queued":
        await rt.queue.enqueue(SEND_NOTICE, str(doc["_id"]))
    return doc


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
    settings = await config.settings_of(rt)
    try:
        if settings.email_channel_id is None:
            raise SendError(_no_channel(), retryable=False, code="no_channel")
        channel = await channels.load(rt, ObjectId(settings.email_channel_id))
        text = rt.secrets.decrypt(notice["body_sealed"])["text"]
        out = Outbound(
            message_id=str(notice["_id"]),
            thread_id=f"notice:{notice['_id']}",
            recipient_id=notice["to"],
            text=text,
            subject=notice["subject"],
            automatic=True,
        )
        await registry.for_channel(channel).send(channel, out)
    except NotFound:
        return await _over(rt, notice, "failed", "The portal's email channel was removed.")
    except SendError as error:
        return await _unsent(rt, notice, error)
    return await _over(rt, notice, "sent", None)


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
    """What the ticket's customer was told by email, newest first (for agents)."""
    found = rt.store["portal_notices"].find(
        {"ticket_id": ticket_id}, {"body_sealed": 0}, sort=[("created_at", -1)], limit=50
    )
    return await found.to_list(None)


# ---- what causes them ------------------------------------------------------------------------


async def sign_in_link(rt: Runtime, issued: sign_in.Issued, language: str) -> None:
    settings = await config.settings_of(rt)
    assert issued.email is not None
    with i18n.using(language):
        link = f"{rt.settings.base_url}/portal/auth/{issued.token}"
        text = _(
            "Hello,\n\nOpen this link to see your requests at %(name)s:\n%(link)s\n\n"
            "Or enter this code: %(code)s\n\nThe link and the code work once, for 15 "
            "minutes. If you did not ask for them, ignore this email."
        ) % {"name": settings.name, "link": link, "code": issued.code}
        subject = _("Your sign-in link for %(name)s") % {"name": settings.name}
    await queue(rt, kind="sign_in", to=issued.email, subject=subject, text=text)


async def request_opened(rt: Runtime, ticket: dict[str, Any], email: str, language: str) -> None:
    settings = await config.settings_of(rt)
    number = ticket_number(ticket["seq"])
    with i18n.using(language):
        subject = _("We received your request %(number)s") % {"number": number}
        text = _(
            "Hello,\n\nWe received your request %(number)s: %(title)s\n"
            "We will answer here: %(link)s\n\n%(name)s"
        ) % {
            "number": number,
            "title": ticket.get("portal_title") or ticket["title"],
            "link": f"{rt.settings.base_url}/portal/tickets/{number}",
            "name": settings.name,
        }
    await queue(
        rt,
        kind="request_opened",
        to=email,
        subject=subject,
        text=text,
        contact_id=ticket["contact_id"],
        ticket_id=ticket["_id"],
        cause=f"opened:{ticket['_id']}",
    )


async def on_event(rt: Runtime, event: dict[str, Any]) -> None:
    """An event handler: an answer in a portal conversation is emailed to the customer."""
    if event["type"] != EventType.MESSAGE_CREATED or event["subject"]["type"] != "message":
        return
    message = await rt.store["messages"].find_one({"_id": event["subject"]["id"]})
    if (
        message is None
        or message["kind"] != MessageKind.MESSAGE
        or message["direction"] != "out"
        or message["sender"]["type"] == SenderType.CONTACT
    ):
        return
    conversation = await rt.store["conversations"].find_one({"_id": message["conversation_id"]})
    if conversation is None or conversation["channel"]["kind"] != config.PORTAL_KIND:
        return
    ticket = None
    if conversation.get("ticket_id"):
        ticket = await rt.store["tickets"].find_one({"_id": conversation["ticket_id"]})
    contact = await contacts.current(rt, await contacts.get(rt, conversation["contact_id"]))
    if ticket is None or not contact.get("emails") or contact.get("erased"):
        return
    if await _confirms_creation(rt, message):
        return  # the request's own confirmation said it already
    await _answer(rt, message, ticket, contact)


async def _confirms_creation(rt: Runtime, message: dict[str, Any]) -> bool:
    """Whether this is the customer update sent because the ticket was opened."""
    event_id = (message.get("sent_for") or "").removesuffix(":update")
    if event_id == message.get("sent_for") or not ObjectId.is_valid(event_id):
        return False
    event = await rt.store["events"].find_one({"_id": ObjectId(event_id)})
    return event is not None and event["type"] == EventType.TICKET_CREATED


async def _answer(
    rt: Runtime, message: dict[str, Any], ticket: dict[str, Any], contact: dict[str, Any]
) -> None:
    settings = await config.settings_of(rt)
    email = contact["emails"][0]
    number = ticket_number(ticket["seq"])
    issued = await sign_in.issue(
        rt,
        email=None,
        contact_id=contact["_id"],
        next_path=f"/portal/tickets/{number}",
        lifetime=LINK_LIFETIME,
    )
    with i18n.using(contact.get("language") or rt.settings.language):
        if message["sender"]["type"] == SenderType.AGENT:
            subject = _("New answer on your request %(number)s") % {"number": number}
        else:
            subject = _("Update on your request %(number)s") % {"number": number}
        text = _(
            "Hello,\n\n%(author)s answered your request %(number)s:\n\n%(text)s\n\n"
            "Read and reply here: %(link)s\n\n%(name)s"
        ) % {
            "author": message["sender"].get("name") or settings.name,
            "number": number,
            "text": message.get("text") or "",
            "link": f"{rt.settings.base_url}/portal/auth/{issued.token}",
            "name": settings.name,
        }
    await queue(
        rt,
        kind="reply",
        to=email,
        subject=subject,
        text=text,
        contact_id=contact["_id"],
        ticket_id=ticket["_id"],
        cause=f"message:{message['_id']}",
    )
