"""Satisfaction surveys (CSAT): when a ticket is resolved (and, where a channel asks for it,
a conversation without a ticket) the customer is asked to rate 1-5 on their own channel —
buttons on Telegram, Messenger and Zalo, one-click links by email.

One survey per resolution (a reopened and re-resolved ticket asks again), sent after
`INBOX_CSAT_DELAY_SECONDS` unless the ticket was reopened meanwhile, never to an
auto-responder nor while the bot holds the conversation, and not at all where the channel's
window is closed (the thread says so). The text is the `survey` customer update (per
language, editable, switchable off) and each channel can be left out
(`settings.csat: false`). A press comes back as the button's payload and is taken here,
before it could reopen the ticket or reach the bot. A rating can be changed for 7 days; it
is kept with the agent, team and channel of the time, shown on the ticket and its thread,
and fires `csat.received` for rules.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from connectors.base import ChannelRef, Inbound
from inbox import clock, i18n
from inbox.errors import Conflict, NotFound
from inbox.events import Actor, EventType, Scope, emit
from inbox.i18n import gettext as _
from inbox.ids import new_id, str_id
from inbox.models.conversations import ConversationOut, SenderType
from inbox.models.tickets import TicketOut, ticket_number
from inbox.runtime import Runtime
from inbox.services import channels, conversations, messages, replies
from inbox.services.contacts import records as contacts
from inbox.services.tickets import customer_updates
from inbox.services.tickets import lifecycle as tickets

CHANGE_WINDOW = timedelta(days=7)
PAYLOAD = re.compile(r"^csat:([0-9a-f]{24}):([1-5])$")
STARS = {5: "★★★★★", 4: "★★★★", 3: "★★★", 2: "★★", 1: "★"}
SURVEYOR = Actor(type=str(SenderType.SYSTEM), name="Satisfaction survey")


# ---- asking ---------------------------------------------------------------------------------


async def on_event(rt: Runtime, event: dict[str, Any]) -> None:
    """An event handler: a ticket (or a conversation without one) just resolved gets its
    survey planned, and sent if due."""
    if ((event.get("changes") or {}).get("status") or {}).get("to") != "resolved":
        return
    if not (await customer_updates.settings_for(rt, customer_updates.SURVEY))["enabled"]:
        return
    if event["type"] == EventType.TICKET_UPDATED:
        survey = await _plan_for_ticket(rt, event)
    elif event["type"] == EventType.CONVERSATION_UPDATED:
        survey = await _plan_for_conversation(rt, event)
    else:
        return
    if survey is not None and survey["due_at"] <= clock.now():
        await send(rt, survey["_id"])


async def _plan_for_ticket(rt: Runtime, event: dict[str, Any]) -> dict[str, Any] | None:
    ticket = await rt.store["tickets"].find_one({"_id": event["subject"]["id"]})
    if ticket is None:
        return None
    conversation = await tickets.latest_conversation(rt, ticket)
    if conversation is None:
        return None  # no channel to the customer: nothing to ask on
    agent_id = ticket.get("owner_id") or next(iter(ticket.get("assignee_ids", [])), None)
    return await _plan(rt, event, conversation, "csat", ticket["_id"], agent_id, ticket)


async def _plan_for_conversation(rt: Runtime, event: dict[str, Any]) -> dict[str, Any] | None:
    conversation = await rt.store["conversations"].find_one({"_id": event["subject"]["id"]})
    if conversation is None or conversation.get("ticket_id") is not None:
        return None  # a ticket's conversation: the ticket's resolution asks
    agent_id = conversation.get("assignee_id")
    return await _plan(rt, event, conversation, "csat_conversations", None, agent_id, conversation)


async def _plan(
    rt: Runtime,
    event: dict[str, Any],
    conversation: dict[str, Any],
    switch: str,
    ticket_id: ObjectId | None,
    agent_id: ObjectId | None,
    holder: dict[str, Any],
) -> dict[str, Any] | None:
    """Plan the survey, if the conversation's channel asks (`switch` of its settings)."""
    channel = await rt.store["channels"].find_one({"_id": conversation["channel_id"]})
    if channel is None or not channels.settings_of(channel).get(switch):
        return None
    survey = {
        "_id": new_id(),
        "resolution_key": str(event["_id"]),
        "ticket_id": ticket_id,
        "conversation_id": conversation["_id"],
        "channel_id": conversation["channel_id"],
        "channel_kind": channel["kind"],
        "contact_id": conversation["contact_id"],
        "agent_id": agent_id,
        "team_id": holder.get("team_id"),
        "status": "planned",
        "due_at": clock.now() + timedelta(seconds=rt.settings.csat_delay_seconds),
        "rating": None,
        "comment": None,
        "created_at": clock.now(),
    }
    try:
        await rt.store["surveys"].insert_one(survey)
    except DuplicateKeyError:  # this resolution's event handled twice
        return None
    return survey


async def send_due(rt: Runtime, limit: int = 100) -> int:
    """Send the surveys whose wait is over (the sweep calls this); returns how many."""
    due = (
        await rt.store["surveys"]
        .find({"status": "planned", "due_at": {"$lte": clock.now()}}, {"_id": 1}, limit=limit)
        .to_list(None)
    )
    for survey in due:
        await send(rt, survey["_id"])
    return len(due)


async def send(rt: Runtime, survey_id: ObjectId) -> str:
    """Ask the customer, once; returns what became of the survey."""
    survey = await rt.store["surveys"].find_one_and_update(
        {"_id": survey_id, "status": "planned"},
        {"$set": {"status": "sending"}},
        return_document=ReturnDocument.AFTER,
    )
    if survey is None:
        return "taken"
    outcome, note, token = await _ask(rt, survey)
    fields: dict[str, Any] = {"status": outcome, "note": note, "sent_at": clock.now()}
    if token is not None:
        fields["token_hash"] = _hash(token)
    await rt.store["surveys"].update_one({"_id": survey_id}, {"$set": fields})
    if outcome == "sent":
        await emit(
            rt,
            EventType.CSAT_SENT,
            subject_type="survey",
            subject_id=survey_id,
            data={"ticket_id": str_id(survey.get("ticket_id"))},
            scope=Scope(private=True),
            actor=SURVEYOR,
        )
    return outcome


async def _ask(rt: Runtime, survey: dict[str, Any]) -> tuple[str, str | None, str | None]:
    ticket = None
    if survey["ticket_id"] is not None:
        ticket = await rt.store["tickets"].find_one({"_id": survey["ticket_id"]})
    conversation = await rt.store["conversations"].find_one({"_id": survey["conversation_id"]})
    holder = ticket if survey["ticket_id"] is not None else conversation
    if holder is None or conversation is None or holder["status"] not in ("resolved", "closed"):
        return "cancelled", "It was reopened before the survey was due.", None
    if conversation["status"] == "bot":
        return "skipped", "The bot holds the conversation.", None
    latest = await messages.latest_from_customer(rt, conversation["_id"])
    if latest is not None and latest.get("automated"):
        return "skipped", "The customer's last message came from an auto-responder.", None
    settings = await customer_updates.settings_for(rt, customer_updates.SURVEY)
    contact = await contacts.get(rt, conversation["contact_id"])
    language = customer_updates.language_of(rt, contact)
    values = await customer_updates.values_for(rt, {}, ticket, conversation, contact, language)
    text = settings["templates"][language].format_map(values)
    token = secrets.token_urlsafe(24) if survey["channel_kind"] == "email" else None
    options = None
    if token is not None:
        text += "\n\n" + "\n".join(
            f"{rating} {STARS[rating]}  {rt.settings.base_url}/csat/{token}?rating={rating}"
            for rating in sorted(STARS, reverse=True)
        )
    else:
        options = [
            {"label": f"{rating} {STARS[rating]}", "payload": f"csat:{survey['_id']}:{rating}"}
            for rating in sorted(STARS, reverse=True)
        ]
    sent = await replies.send_automatic(
        rt,
        conversation,
        text,
        SURVEYOR,
        f"csat:{survey['_id']}",
        options,
        {"update": customer_updates.SURVEY},
    )
    if sent is None:
        window = await replies.reply_window(rt, conversation)
        activity = {"field": "csat", "from": None, "to": None, "note": window.note}
        await messages.insert_activity(rt, conversation, activity, SURVEYOR)
        return "not_sent", window.note, None
    return "sent", None, token


# ---- answers --------------------------------------------------------------------------------


def chosen(item: Inbound) -> tuple[ObjectId, int] | None:
    """The survey and rating a pressed button (or a Zalo button's text) carries, if any."""
    for said in (item.payload, item.text):
        match = PAYLOAD.match((said or "").strip())
        if match:
            return ObjectId(match.group(1)), int(match.group(2))
    return None


async def answer_from_channel(
    rt: Runtime, channel: ChannelRef, item: Inbound
) -> dict[str, Any] | None:
    """Take a press on a survey's buttons; None when the item is not one (or not this
    channel's), so it is handled like any message."""
    picked = chosen(item)
    if picked is None:
        return None
    survey = await rt.store["surveys"].find_one({"_id": picked[0]})
    if survey is None or str(survey["channel_id"]) != channel.id:
        return None
    try:
        rated = await record(rt, survey, picked[1], None)
    except Conflict:
        return survey  # too late to change: the press is acknowledged and ignored
    await _thank(rt, rated)
    return rated


async def _thank(rt: Runtime, survey: dict[str, Any]) -> None:
    """Thank the customer on their channel, once, with a link to the survey's page where
    they may add a comment (buttons carry no words)."""
    token = secrets.token_urlsafe(24)
    claimed = await rt.store["surveys"].find_one_and_update(
        {"_id": survey["_id"], "token_hash": None}, {"$set": {"token_hash": _hash(token)}}
    )
    conversation = await rt.store["conversations"].find_one({"_id": survey["conversation_id"]})
    if claimed is None or conversation is None:
        return  # thanked already (a second press), or the conversation is gone
    contact = await contacts.get(rt, survey["contact_id"])
    with i18n.using(customer_updates.language_of(rt, contact)):
        text = _("Thank you for your rating! To add a comment: %(link)s") % {
            "link": f"{rt.settings.base_url}/csat/{token}"
        }
    await replies.send_automatic(rt, conversation, text, SURVEYOR, f"csat-thanks:{survey['_id']}")


async def by_token(rt: Runtime, token: str) -> dict[str, Any]:
    survey = await rt.store["surveys"].find_one({"token_hash": _hash(token)})
    if survey is None:
        raise NotFound("This survey link is not known.")
    return survey


async def record(
    rt: Runtime, survey: dict[str, Any], rating: int, comment: str | None
) -> dict[str, Any]:
    """Keep the customer's rating (and comment); the ticket shows it, rules hear of it."""
    now = clock.now()
    if not is_open(survey):
        raise Conflict("This survey closed: ratings can be given or changed for 7 days.")
    comment = comment if comment is not None else survey.get("comment")
    if survey.get("rating") == rating and survey.get("comment") == comment:
        return survey  # a redelivered press, or the same answer again
    updated = await rt.store["surveys"].find_one_and_update(
        {"_id": survey["_id"]},
        {"$set": {"rating": rating, "comment": comment, "rated_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    csat = {"rating": rating, "comment": comment, "at": now, "survey_id": survey["_id"]}
    rated = "tickets" if survey["ticket_id"] is not None else "conversations"
    holder = await rt.store[rated].find_one_and_update(
        {"_id": survey["ticket_id"] or survey["conversation_id"]},
        {"$set": {"csat": csat}, "$inc": {"revision": 1}},
        return_document=ReturnDocument.AFTER,
    )
    conversation = await rt.store["conversations"].find_one({"_id": survey["conversation_id"]})
    contact = await contacts.get(rt, survey["contact_id"])
    customer = Actor(type="contact", id=str(contact["_id"]), name=contact["name"])
    if conversation is not None:
        activity = {"field": "csat", "from": survey.get("rating"), "to": rating, "note": comment}
        await messages.insert_activity(rt, conversation, activity, customer)
    if holder is not None:
        await _announce(rt, holder, updated, customer)
    return updated


async def _announce(
    rt: Runtime, holder: dict[str, Any], survey: dict[str, Any], customer: Actor
) -> None:
    """`csat.received` for rules and the open pages of the ticket (or conversation)."""
    is_ticket = survey["ticket_id"] is not None
    view = TicketOut.of(holder) if is_ticket else ConversationOut.of(holder)
    data = {
        **view.model_dump(mode="json"),
        "survey": {  # who and where it rates, as they were when the customer was asked
            "id": str(survey["_id"]),
            "agent_id": str(survey["agent_id"]) if survey.get("agent_id") else None,
            "team_id": str(survey["team_id"]) if survey.get("team_id") else None,
            "channel": survey["channel_kind"],
        },
    }
    await emit(
        rt,
        EventType.CSAT_RECEIVED,
        subject_type="ticket" if is_ticket else "conversation",
        subject_id=holder["_id"],
        data=data,
        scope=tickets.scope(holder) if is_ticket else Scope.of_conversation(holder),
        actor=customer,
    )


async def reference_of(rt: Runtime, survey: dict[str, Any]) -> str:
    """What the customer knows the rated request by: T-000123, or C-000123 without a ticket."""
    if survey["ticket_id"] is not None:
        ticket = await rt.store["tickets"].find_one({"_id": survey["ticket_id"]})
        return ticket_number(ticket["seq"]) if ticket else ""
    conversation = await rt.store["conversations"].find_one({"_id": survey["conversation_id"]})
    return conversations.reference(conversation) or "" if conversation else ""


def is_open(survey: dict[str, Any]) -> bool:
    """Whether a rating may still be given or changed."""
    sent = survey.get("sent_at")
    return sent is not None and clock.now() - sent <= CHANGE_WINDOW


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
