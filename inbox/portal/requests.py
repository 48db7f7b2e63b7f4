"""What a signed-in customer may do: open a request (a ticket on the portal channel, with
files), answer on a ticket, mark it solved, reopen it within the configured days, rate it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from connectors.base import Attachment, Inbound, InboundKind, Sender
from inbox.errors import Conflict, Invalid
from inbox.events import Actor
from inbox.i18n import gettext as _
from inbox.models.tickets import TicketFields, TicketPromote, TicketStatus
from inbox.portal import config, customers, views
from inbox.portal.sessions import Customer
from inbox.runtime import Runtime
from inbox.services import channels, conversations, files, ingest
from inbox.services.contacts import records as contacts
from inbox.services.tickets import lifecycle as tickets
from inbox.services.tickets import satisfaction

REQUEST_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
"""A form's own key (made when the page was shown), so sending it twice acts once."""


@dataclass(frozen=True)
class Upload:
    """A file a customer sent with a form, already within the limits."""

    name: str
    mime_type: str
    data: bytes


def actor(customer: Customer) -> Actor:
    return Actor(type="contact", id=str(customer.contact_id), name=customer.name)


async def open_request(
    rt: Runtime,
    customer: Customer,
    request_key: str,
    department: dict[str, Any],
    title: str,
    description: str,
    custom: dict[str, Any],
    uploads: list[Upload],
) -> tuple[dict[str, Any], bool]:
    """A new ticket on the portal channel, and whether it is new: sending the same form
    twice opens it once."""
    if not REQUEST_KEY.match(request_key):
        raise Invalid(_("Reload the page and send the form again."), code="invalid_request_key")
    fields = TicketPromote(
        title=title,
        team_id=department.get("team_id"),
        category_id=department.get("category_id"),
        custom=custom or None,
    )
    await tickets.check_new(rt, fields, actor(customer))
    channel = channels.ref(rt, await config.channel_doc(rt))
    thread = f"request:{request_key}"
    sender = await customers.sender(rt, customer.contact_id, customer.name)
    outcome = await ingest.ingest(
        rt, channel, _inbound(sender, request_key, thread, description, uploads)
    )
    message = await rt.store["messages"].find_one({"_id": ObjectId(outcome.message_id)})
    conversation = await conversations.get(rt, message["conversation_id"])
    if conversation["contact_id"] != customer.contact_id:
        raise Conflict(_("Reload the page and send the form again."), code="request_key_taken")
    if conversation.get("ticket_id") is not None:  # the same form again
        return await tickets.get(rt, conversation["ticket_id"]), False
    ticket = await tickets.create_for_conversation(rt, conversation, actor(customer), fields)
    if ticket is None:  # sent twice at once: the other request opened it
        latest = await conversations.get(rt, conversation["_id"])
        return await tickets.get(rt, latest["ticket_id"]), False
    await rt.store["tickets"].update_one(
        {"_id": ticket["_id"]},
        {"$set": {"portal_title": title, "portal_department_id": department["_id"]}},
    )
    ticket = {**ticket, "portal_title": title}
    opened = True
    return ticket, opened


async def reply(
    rt: Runtime,
    customer: Customer,
    ticket: dict[str, Any],
    text: str,
    uploads: list[Upload],
    key: str,
) -> None:
    """The customer's answer, in the ticket's portal conversation (a closed ticket past the
    reopening days takes none: a new request is the way)."""
    settings = await config.settings_of(rt)
    if ticket["status"] in ("resolved", "closed") and not views.may_reopen(ticket, settings):
        raise Conflict(
            _("This request was closed too long ago to reply: open a new request."),
            code="too_late_to_reopen",
        )
    if not REQUEST_KEY.match(key):
        raise Invalid(_("Reload the page and send the form again."), code="invalid_request_key")
    channel = channels.ref(rt, await config.channel_doc(rt))
    contact = await contacts.get(rt, customer.contact_id)  # its name and search words
    thread_id = await _portal_thread(rt, ticket, channel.id)
    opened = await conversations.open_thread(
        rt,
        channel,
        conversations.Thread(thread_id, "message", str(customer.contact_id)),
        contact,
        actor(customer),
    )
    if opened.get("ticket_id") is None:
        await tickets.add_conversation(rt, ticket, opened)
    sender = await customers.sender(rt, customer.contact_id, customer.name)
    await ingest.ingest(rt, channel, _inbound(sender, key, thread_id, text, uploads))


async def _portal_thread(rt: Runtime, ticket: dict[str, Any], channel_id: str) -> str:
    """Where the customer's portal answers on this ticket go: the thread of its portal
    conversation (the request's own), or a new one for a ticket from elsewhere."""
    found = rt.store["conversations"].find(
        {"_id": {"$in": ticket.get("conversation_ids", [])}}, sort=[("created_at", -1)]
    )
    async for conversation in found:
        if str(conversation["channel_id"]) == channel_id:
            return conversation["thread_id"]
    return f"ticket:{ticket['_id']}"


def _inbound(sender: Sender, key: str, thread_id: str, text: str, uploads: list[Upload]) -> Inbound:
    return Inbound(
        kind=InboundKind.MESSAGE,
        external_id=f"portal:{key}",
        thread_id=thread_id,
        sender=sender,
        text=text,
        attachments=tuple(
            Attachment(
                type=files.kind_of(u.mime_type),
                name=u.name,
                mime_type=u.mime_type,
                size=len(u.data),
                data=u.data,
            )
            for u in uploads
        ),
    )


async def solve(rt: Runtime, customer: Customer, ticket: dict[str, Any]) -> dict[str, Any]:
    if views.STAGES[ticket["status"]] in ("resolved", "closed"):
        return ticket
    fields = TicketFields(status=TicketStatus.RESOLVED)
    return await tickets.update(rt, ticket, fields, actor(customer))


async def reopen(rt: Runtime, customer: Customer, ticket: dict[str, Any]) -> dict[str, Any]:
    settings = await config.settings_of(rt)
    if ticket["status"] not in ("resolved", "closed"):
        return ticket
    if not views.may_reopen(ticket, settings):
        raise Conflict(
            _("This request was closed too long ago to reopen: open a new request."),
            code="too_late_to_reopen",
        )
    return await tickets.apply_changes(
        rt, ticket, {"status": str(TicketStatus.OPEN)}, actor(customer)
    )


async def rate(
    rt: Runtime, ticket: dict[str, Any], rating: int, comment: str | None
) -> dict[str, Any]:
    survey = await views.open_survey(rt, ticket)
    if survey is None:
        raise Conflict(_("There is no survey to answer on this request now."), code="no_survey")
    return await satisfaction.record(rt, survey, rating, comment)
