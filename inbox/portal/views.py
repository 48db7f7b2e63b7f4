"""What a signed-in customer sees of their tickets: the list with stages in their words,
one ticket's public thread (never internal notes, fields or the internal title), the fields
admins chose to show, the survey to answer, and the files of their messages.

Every ticket is found through the customer's contact: a number or id of someone else's
ticket answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bson import ObjectId

from inbox import clock
from inbox.errors import NotFound
from inbox.i18n import gettext as _
from inbox.models.conversations import MessageKind, SenderType
from inbox.models.tickets import ticket_number
from inbox.portal import config
from inbox.portal.sessions import Customer
from inbox.runtime import Runtime
from inbox.services import files
from inbox.services.tickets import lifecycle as tickets
from inbox.services.tickets import satisfaction

STAGES = {
    "new": "received",
    "open": "in_progress",
    "on_hold": "in_progress",
    "pending": "waiting_for_you",
    "resolved": "resolved",
    "closed": "closed",
}
NUMBER = re.compile(r"^T-?(\d{1,12})$", re.IGNORECASE)
THREAD_LIMIT = 500


def stage_of(ticket: dict[str, Any], *, answered: bool) -> str:
    """Where the request stands for the customer: a new ticket someone answered is in
    progress, whatever its status says."""
    stage = STAGES[ticket["status"]]
    return "in_progress" if stage == "received" and answered else stage


def stage_labels() -> dict[str, str]:
    """The stages in the customer's words (in the current language)."""
    return {
        "received": _("Received"),
        "in_progress": _("In progress"),
        "waiting_for_you": _("Waiting for you"),
        "resolved": _("Resolved"),
        "closed": _("Closed"),
    }


async def list_for(rt: Runtime, customer: Customer) -> list[dict[str, Any]]:
    """Every ticket of the customer, from any channel, most recently changed first."""
    found = rt.store["tickets"].find(
        {"contact_id": customer.contact_id}, sort=[("rank", 1)], limit=500
    )
    items = [await _summary(rt, t, customer) async for t in found if not t.get("merged_into")]
    return sorted(items, key=lambda item: item["updated_at"], reverse=True)


async def _summary(rt: Runtime, ticket: dict[str, Any], customer: Customer) -> dict[str, Any]:
    last_reply, answered = await _team_replies(rt, ticket)
    stage = stage_of(ticket, answered=answered)
    seen = await rt.store["portal_seen"].find_one(_seen_key(customer, ticket))
    return {
        "number": ticket_number(ticket["seq"]),
        "title": public_title(ticket),
        "stage": stage,
        "stage_label": stage_labels()[stage],
        "created_at": ticket["created_at"].isoformat(),
        "updated_at": ticket["updated_at"].isoformat(),
        "new_reply": last_reply is not None and (seen is None or seen["at"] < last_reply),
        "channel": (ticket.get("channel") or {}).get("kind"),
    }


def public_title(ticket: dict[str, Any]) -> str:
    """What the customer called it (portal requests); the internal title is never shown."""
    if ticket.get("portal_title"):
        return ticket["portal_title"]
    kind = (ticket.get("channel") or {}).get("kind")
    opened = ticket["created_at"].date().isoformat()
    if kind:
        return _("Your message on %(channel)s, %(date)s") % {
            "channel": kind.title(),
            "date": opened,
        }
    return _("Request of %(date)s") % {"date": opened}


async def _team_replies(rt: Runtime, ticket: dict[str, Any]) -> tuple[Any, bool]:
    """When the customer was last written to (by anyone), and whether an agent ever did."""
    found = await (
        rt.store["messages"]
        .find(
            {"conversation_id": {"$in": ticket.get("conversation_ids", [])}},
            {"direction": 1, "kind": 1, "sender.type": 1, "created_at": 1},
            sort=[("created_at", -1)],
            limit=THREAD_LIMIT,
        )
        .to_list(None)
    )
    written = [m for m in found if m["kind"] == MessageKind.MESSAGE and m["direction"] == "out"]
    answered = any(m["sender"]["type"] == SenderType.AGENT for m in written)
    return (written[0]["created_at"] if written else None), answered


def _seen_key(customer: Customer, ticket: dict[str, Any]) -> dict[str, Any]:
    return {"_id": f"{customer.contact_id}:{ticket['_id']}"}


async def find(rt: Runtime, customer: Customer, number: str) -> dict[str, Any]:
    """The customer's ticket with this number (a merged one leads to where it went)."""
    match = NUMBER.match(number.strip())
    ticket = None
    if match:
        ticket = await rt.store["tickets"].find_one(
            {"seq": int(match.group(1)), "contact_id": customer.contact_id}
        )
    ticket = await tickets.survivor(rt, ticket)
    if ticket is None or ticket["contact_id"] != customer.contact_id:
        raise NotFound(_("You have no request %(number)s.") % {"number": number[:20]})
    return ticket


async def detail(rt: Runtime, customer: Customer, ticket: dict[str, Any]) -> dict[str, Any]:
    """The ticket as the customer sees it: its public thread, visible fields, what they may do."""
    settings = await config.settings_of(rt)
    thread = await _public_thread(rt, ticket, settings.name)
    await rt.store["portal_seen"].replace_one(
        _seen_key(customer, ticket), {"at": clock.now()}, upsert=True
    )
    survey = await open_survey(rt, ticket)
    summary = await _summary(rt, ticket, customer)
    stage = summary["stage"]
    return {
        **summary,
        "new_reply": False,
        "messages": thread,
        "fields": await _visible_fields(rt, ticket, settings),
        "can_reply": may_reopen(ticket, settings) or stage not in ("resolved", "closed"),
        "can_solve": stage not in ("resolved", "closed"),
        "can_reopen": stage in ("resolved", "closed") and may_reopen(ticket, settings),
        "survey": None
        if survey is None
        else {"rating": survey.get("rating"), "comment": survey.get("comment")},
        "rating": (ticket.get("csat") or {}).get("rating"),
    }


async def _public_thread(rt: Runtime, ticket: dict[str, Any], brand: str) -> list[dict[str, Any]]:
    found = rt.store["messages"].find(
        {
            "conversation_id": {"$in": ticket.get("conversation_ids", [])},
            "kind": str(MessageKind.MESSAGE),
        },
        sort=[("created_at", 1)],
        limit=THREAD_LIMIT,
    )
    return [
        _public_message(m, brand)
        async for m in found
        if not (m.get("sent_for") or "").startswith("csat:")
    ]


def _public_message(message: dict[str, Any], brand: str) -> dict[str, Any]:
    """A message as the customer sees it: an agent by name, automatic messages as the shop."""
    mine = message["direction"] == "in"
    sender = message.get("sender") or {}
    author = sender.get("name") if sender.get("type") == SenderType.AGENT else brand
    return {
        "id": str(message["_id"]),
        "mine": mine,
        "author": _("You") if mine else author or brand,
        "text": message.get("text") or "",
        "at": message["created_at"].isoformat(),
        "attachments": [
            {"name": item.get("name") or _("file"), "url": f"/portal/files/{message['_id']}/{n}"}
            for n, item in enumerate(message.get("attachments", []))
            if item.get("file_ref") or item.get("url")
        ],
    }


async def _visible_fields(
    rt: Runtime, ticket: dict[str, Any], settings: config.PortalSettings
) -> list[dict[str, str]]:
    """The ticket fields admins chose to show customers (order status and the like)."""
    shown = []
    defined = {f["key"]: f for f in await rt.store["ticket_fields"].find({}).to_list(None)}
    for key in settings.visible_fields:
        value = (ticket.get("custom") or {}).get(key)
        if key in defined and value not in (None, ""):
            shown.append({"label": defined[key]["label"], "value": str(value)})
    return shown


def may_reopen(ticket: dict[str, Any], settings: config.PortalSettings) -> bool:
    done_at = ticket.get("closed_at") or ticket.get("resolved_at") or ticket["updated_at"]
    return clock.now() - done_at <= timedelta(days=settings.reopen_days)


async def open_survey(rt: Runtime, ticket: dict[str, Any]) -> dict[str, Any] | None:
    """The ticket's latest survey, while it may still be answered."""
    survey = await rt.store["surveys"].find_one(
        {"ticket_id": ticket["_id"], "status": "sent"}, sort=[("sent_at", -1)]
    )
    return survey if survey is not None and satisfaction.is_open(survey) else None


async def attachment(rt: Runtime, customer: Customer, message_id: str, n: int) -> dict[str, Any]:
    """A file of a public message in one of the customer's tickets."""
    missing = NotFound(_("No such file."))
    if not ObjectId.is_valid(message_id):
        raise missing
    message = await rt.store["messages"].find_one(
        {"_id": ObjectId(message_id), "kind": str(MessageKind.MESSAGE)}
    )
    if message is None or message.get("conversation_id") is None:
        raise missing
    conversation = await rt.store["conversations"].find_one({"_id": message["conversation_id"]})
    items = message.get("attachments", [])
    if conversation is None or conversation["contact_id"] != customer.contact_id:
        raise missing
    if not 0 <= n < len(items) or not items[n].get("file_ref"):
        raise missing
    return await files.get(rt, ObjectId(items[n]["file_ref"]))
