"""Keeping customers told: a short message on their own channel when their ticket moves.

Five events (created, status changed, assigned, resolved, escalated), each with a template
per language that admins edit or switch off. The messages are ordinary replies on the
ticket's latest conversation, with delivery status; an event's message is sent once however
often the worker handles the event.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from inbox import i18n
from inbox.errors import Invalid, NotFound
from inbox.events import Actor, EventType
from inbox.models.conversations import SenderType
from inbox.models.tickets import CustomerUpdateSettings, ticket_number
from inbox.runtime import Runtime
from inbox.services import messages, replies
from inbox.services.contacts import records as contacts
from inbox.services.tickets import lifecycle as tickets


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; translate it where it is used."""
    return message


CREATED, STATUS_CHANGED, ASSIGNED, RESOLVED = "created", "status_changed", "assigned", "resolved"
ESCALATED, SURVEY = "escalated", "survey"
DEFAULTS: dict[str, dict[str, str]] = {
    CREATED: {
        "en": "We have received your request and opened ticket {number}. "
        "We will keep you posted here.",
        "vi": "Chúng tôi đã nhận yêu cầu của bạn và tạo phiếu hỗ trợ {number}. "
        "Chúng tôi sẽ cập nhật cho bạn tại đây.",
    },
    STATUS_CHANGED: {
        "en": "Update on your ticket {number}: it is now {status}.",
        "vi": "Cập nhật phiếu hỗ trợ {number}: hiện đang {status}.",
    },
    ASSIGNED: {
        "en": "{agent} is now taking care of your ticket {number}.",
        "vi": "{agent} đang phụ trách phiếu hỗ trợ {number} của bạn.",
    },
    RESOLVED: {
        "en": "Your ticket {number} has been resolved. If anything is still wrong, "
        "just reply to this message.",
        "vi": "Phiếu hỗ trợ {number} của bạn đã được giải quyết. Nếu vẫn còn vấn đề, "
        "bạn chỉ cần trả lời tin nhắn này.",
    },
    ESCALATED: {
        "en": "Your request {number} is now with our specialist team ({team}). "
        "They will get back to you here.",
        "vi": "Yêu cầu {number} của bạn đã được chuyển đến nhóm chuyên trách ({team}). "
        "Họ sẽ phản hồi bạn tại đây.",
    },
    SURVEY: {  # sent by `satisfaction`, with the five choices, after a ticket is resolved
        "en": "How happy are you with how we handled {number}? Please rate us from 1 to 5.",
        "vi": "Bạn hài lòng thế nào với cách chúng tôi xử lý {number}? "
        "Vui lòng chấm điểm từ 1 đến 5.",
    },
}
PLACEHOLDERS = ("number", "subject", "status", "agent", "contact", "team")
"""What a customer may read. Never the ticket's title, summary or notes: agents write those for
each other. `subject` is the customer's own subject line (an email's), or empty."""
ESCALATION_EVENTS = (EventType.TICKET_ESCALATED, EventType.CONVERSATION_ESCALATED)
STATUS_WORDS = {
    "new": N_("received"),
    "open": N_("in progress"),
    "pending": N_("waiting for your reply"),
    "on_hold": N_("on hold"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
}


# ---- settings ------------------------------------------------------------------------------


async def all_settings(rt: Runtime) -> list[dict[str, Any]]:
    stored = {doc["_id"]: doc async for doc in rt.store["customer_updates"].find({})}
    return [_settings(event, stored.get(event)) for event in DEFAULTS]


def _settings(event: str, stored: dict[str, Any] | None) -> dict[str, Any]:
    stored = stored or {}
    return {
        "event": event,
        "enabled": stored.get("enabled", True),
        "templates": {**DEFAULTS[event], **stored.get("templates", {})},
        "placeholders": list(PLACEHOLDERS),
    }


async def settings_for(rt: Runtime, event: str) -> dict[str, Any]:
    if event not in DEFAULTS:
        raise NotFound(f"No customer update {event!r}; there are {', '.join(DEFAULTS)}.")
    return _settings(event, await rt.store["customer_updates"].find_one({"_id": event}))


async def save(rt: Runtime, event: str, body: CustomerUpdateSettings) -> dict[str, Any]:
    await settings_for(rt, event)
    _check_templates(body.templates)
    await rt.store["customer_updates"].replace_one(
        {"_id": event}, {"enabled": body.enabled, "templates": body.templates}, upsert=True
    )
    return await settings_for(rt, event)


def _check_templates(templates: dict[str, str]) -> None:
    errors = []
    for language, text in templates.items():
        field = f"templates.{language}"
        if language not in i18n.LANGUAGES:
            errors.append({"field": field, "message": f"use one of {', '.join(i18n.LANGUAGES)}"})
        elif not text.strip() or len(text) > 1000:
            errors.append({"field": field, "message": "1 to 1000 characters"})
        else:
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            except ValueError as error:
                errors.append({"field": field, "message": str(error)})
                continue
            unknown = names - set(PLACEHOLDERS)
            if unknown:
                message = f"unknown placeholders {sorted(unknown)}; use {list(PLACEHOLDERS)}"
                errors.append({"field": field, "message": message})
    if errors:
        raise Invalid("Invalid templates.", errors)


# ---- sending -------------------------------------------------------------------------------


def which_update(event: dict[str, Any]) -> str | None:
    """The customer update a ticket event calls for, if any."""
    if event["type"] == EventType.TICKET_CREATED:
        return CREATED
    if event["type"] in ESCALATION_EVENTS:
        return ESCALATED
    if event["type"] != EventType.TICKET_UPDATED or event["actor"]["type"] == "contact":
        return None  # the customer knows what they did themselves
    changes = event.get("changes") or {}
    if "status" in changes:
        return RESOLVED if changes["status"]["to"] == "resolved" else STATUS_CHANGED
    if "owner_id" in changes and changes["owner_id"]["to"] is not None:
        return ASSIGNED
    return None


async def on_event(rt: Runtime, event: dict[str, Any]) -> None:
    """An event handler: send the customer update a ticket event calls for (unless the agent
    chose not to tell the customer)."""
    update = which_update(event)
    if update is None or event.get("quiet"):
        return
    ticket, conversation = await _where(rt, event)
    planned = await plan(rt, update, event, ticket, conversation)
    if planned.text is not None and conversation is not None:
        status = ((event.get("changes") or {}).get("status") or {}).get("to")
        because = {"update": update, "by": event["actor"].get("name"), "status": status}
        await _send(rt, conversation, planned.text, event, because)


@dataclass(frozen=True)
class Planned:
    """What a customer update would say, or why none is sent (a code of `NOT_SENT`)."""

    update: str
    text: str | None = None
    reason: str | None = None


NOT_SENT = {
    "switched_off": "Customer updates of this kind are switched off.",
    "no_conversation": "The ticket has no conversation to write on.",
    "automated": "The customer's last message came from an auto-responder.",
    "window_closed": "The channel does not let us write to the customer now.",
}


async def plan(
    rt: Runtime,
    update: str,
    event: dict[str, Any],
    ticket: dict[str, Any] | None,
    conversation: dict[str, Any] | None,
) -> Planned:
    """The update `event` calls for on this ticket, rendered in the customer's language (the
    agents' preview of an action and the worker's send share it)."""
    settings = await settings_for(rt, update)
    if not settings["enabled"]:
        return Planned(update, reason="switched_off")
    if conversation is None:  # a ticket opened for a phone call
        return Planned(update, reason="no_conversation")
    latest = await messages.latest_from_customer(rt, conversation["_id"])
    if latest is not None and latest.get("automated"):  # never answer a machine automatically
        return Planned(update, reason="automated")
    contact = await contacts.get(rt, conversation["contact_id"])
    language = language_of(rt, contact)
    values = await values_for(rt, event, ticket, conversation, contact, language)
    return Planned(update, text=settings["templates"][language].format_map(values))


async def _where(
    rt: Runtime, event: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The ticket (if the event is about one) and the conversation to write on."""
    subject = event["subject"]
    if subject["type"] == "conversation":
        return None, await rt.store["conversations"].find_one({"_id": subject["id"]})
    ticket = await rt.store["tickets"].find_one({"_id": subject["id"]})
    if ticket is None:
        return None, None
    return ticket, await tickets.latest_conversation(rt, ticket)


async def _send(
    rt: Runtime,
    conversation: dict[str, Any],
    text: str,
    event: dict[str, Any],
    because: dict[str, str | None],
) -> None:
    system = Actor(type=str(SenderType.SYSTEM), name="Customer update")
    sent = await replies.send_automatic(
        rt, conversation, text, system, f"{event['_id']}:update", because=because
    )
    if sent is None:
        window = await replies.reply_window(rt, conversation)
        activity = {"field": "customer_update", "from": None, "to": None, "note": window.note}
        await messages.insert_activity(rt, conversation, activity, system)


def language_of(rt: Runtime, contact: dict[str, Any]) -> str:
    """The language to write to this customer in: theirs if known, else the installation's."""
    code = (contact.get("language") or "").lower()[:2]
    if code in i18n.LANGUAGES:
        return code
    default = rt.settings.language
    return default if default in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


async def values_for(
    rt: Runtime,
    event: dict[str, Any],
    ticket: dict[str, Any] | None,
    conversation: dict[str, Any],
    contact: dict[str, Any],
    language: str,
) -> dict[str, str]:
    holder = ticket or conversation
    status = ((event.get("changes") or {}).get("status") or {}).get("to") or holder["status"]
    words = i18n.translations(language)
    team_id = (event.get("data") or {}).get("to_team_id") or holder.get("team_id")
    return {
        "number": ticket_number(ticket["seq"]) if ticket else f"C-{conversation['number']:06d}",
        "subject": conversation.get("subject") or "",
        "title": conversation.get("subject") or "",  # templates saved before: never the title
        "status": words.gettext(STATUS_WORDS.get(status, status)),
        "agent": await rt.store.name_of(
            "agents", holder.get("owner_id") or holder.get("assignee_id")
        ),
        "contact": contact["name"],
        "team": await rt.store.name_of("teams", team_id),
    }


# ---- what an agent's action would send ------------------------------------------------------


async def preview_escalation(
    rt: Runtime, ticket: dict[str, Any] | None, conversation: dict[str, Any], team_id: Any
) -> dict[str, Any]:
    """What the customer would be told if an agent escalated to this team now."""
    event = {
        "type": EventType.TICKET_ESCALATED if ticket else EventType.CONVERSATION_ESCALATED,
        "actor": {"type": "agent"},
        "changes": None,
        "data": {"to_team_id": team_id},
    }
    return await _preview(rt, ESCALATED, event, ticket, conversation)


async def preview_change(
    rt: Runtime, ticket: dict[str, Any], status: str | None, owner_id: Any | None
) -> dict[str, Any]:
    """What the customer would be told if an agent set this status (or owner) now."""
    changes: dict[str, Any] = {}
    if status is not None and status != ticket["status"]:
        changes["status"] = {"from": ticket["status"], "to": status}
    if owner_id is not None and owner_id != ticket.get("owner_id"):
        changes["owner_id"] = {"from": ticket.get("owner_id"), "to": owner_id}
        ticket = {**ticket, "owner_id": owner_id}
    event = {"type": EventType.TICKET_UPDATED, "actor": {"type": "agent"}, "changes": changes}
    return await _preview(
        rt, which_update(event), event, ticket, await tickets.latest_conversation(rt, ticket)
    )


async def preview_promotion(rt: Runtime, conversation: dict[str, Any]) -> dict[str, Any]:
    """What the customer would be told when this conversation becomes a ticket (its number
    is shown as the next one; the real number is given when it is made)."""
    counter = await rt.store["counters"].find_one({"_id": "ticket"})
    upcoming = {
        "seq": (counter or {}).get("value", 0) + 1,
        "status": "new",
        "team_id": conversation.get("team_id"),
        "owner_id": conversation.get("assignee_id"),
    }
    event = {"type": EventType.TICKET_CREATED, "actor": {"type": "agent"}, "changes": None}
    return await _preview(rt, CREATED, event, upcoming, conversation)


async def _preview(
    rt: Runtime,
    update: str | None,
    event: dict[str, Any],
    ticket: dict[str, Any] | None,
    conversation: dict[str, Any] | None,
) -> dict[str, Any]:
    channel = dict(conversation["channel"]) if conversation else None
    if update is None:
        return {"update": None, "sends": False, "text": None, "channel": channel} | _why(None)
    planned = await plan(rt, update, event, ticket, conversation)
    reason, note = planned.reason, None
    if planned.text is not None and conversation is not None:
        window = await replies.reply_window(rt, conversation)
        if not window.open:
            reason, note = "window_closed", window.note
    return {
        "update": update,
        "sends": planned.text is not None and reason is None,
        "text": planned.text,
        "channel": channel,
    } | _why(reason, note)


def _why(code: str | None, note: str | None = None) -> dict[str, str | None]:
    if code is None:
        return {"reason_code": None, "reason": None}
    return {"reason_code": code, "reason": note or NOT_SENT[code]}
