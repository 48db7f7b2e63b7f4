"""The fields rule conditions can test, and the values they have for one event.

A field is a dotted path into the conversation, message, contact, ticket or channel the event
is about (`message.text`, `ticket.priority`), plus `now` for business hours. Each has a kind
that decides which operators and values are valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inbox import clock
from inbox.auth import Principal
from inbox.errors import Invalid, NotFound
from inbox.ids import new_id
from inbox.models.common import Priority
from inbox.models.conversations import ConversationOut, ConversationStatus, MessageOut
from inbox.models.tickets import TicketOut, TicketStatus
from inbox.runtime import Runtime
from inbox.services import conversations, messages
from inbox.services.contacts import records as contacts
from inbox.services.tickets import lifecycle as tickets

TEXT, CHOICE, NUMBER, LIST, ID, BOOL, TIME = (
    "text",
    "choice",
    "number",
    "list",
    "id",
    "bool",
    "time",
)
CHANNEL_KINDS = ("telegram", "facebook", "zalo", "email")


@dataclass(frozen=True)
class FieldSpec:
    kind: str
    choices: tuple[str, ...] = ()


FIELDS: dict[str, FieldSpec] = {
    "conversation.status": FieldSpec(CHOICE, tuple(ConversationStatus)),
    "conversation.priority": FieldSpec(CHOICE, tuple(Priority)),
    "conversation.team_id": FieldSpec(ID),
    "conversation.assignee_id": FieldSpec(ID),
    "conversation.tags": FieldSpec(LIST),
    "conversation.kind": FieldSpec(CHOICE, ("message", "comment")),
    "conversation.subject": FieldSpec(TEXT),
    "conversation.unread_count": FieldSpec(NUMBER),
    "conversation.has_ticket": FieldSpec(BOOL),
    "message.text": FieldSpec(TEXT),
    "message.direction": FieldSpec(CHOICE, ("in", "out")),
    "message.kind": FieldSpec(CHOICE, ("message", "note", "activity")),
    "message.sender_type": FieldSpec(CHOICE, ("contact", "agent", "bot", "system")),
    "message.attachment_count": FieldSpec(NUMBER),
    "message.automated": FieldSpec(BOOL),
    "contact.name": FieldSpec(TEXT),
    "contact.language": FieldSpec(TEXT),
    "contact.emails": FieldSpec(LIST),
    "contact.phones": FieldSpec(LIST),
    "contact.tags": FieldSpec(LIST),
    "ticket.number": FieldSpec(TEXT),
    "ticket.title": FieldSpec(TEXT),
    "ticket.summary": FieldSpec(TEXT),
    "ticket.status": FieldSpec(CHOICE, tuple(TicketStatus)),
    "ticket.priority": FieldSpec(CHOICE, tuple(Priority)),
    "ticket.team_id": FieldSpec(ID),
    "ticket.assignee_ids": FieldSpec(LIST),
    "ticket.owner_id": FieldSpec(ID),
    "ticket.tags": FieldSpec(LIST),
    "ticket.category_path": FieldSpec(LIST),
    "ticket.escalation_level": FieldSpec(NUMBER),
    "ticket.deal_ref": FieldSpec(TEXT),
    "ticket.due_at": FieldSpec(TIME),
    "channel.id": FieldSpec(ID),
    "channel.kind": FieldSpec(CHOICE, CHANNEL_KINDS),
    "channel.name": FieldSpec(TEXT),
    "sla.target": FieldSpec(CHOICE, ("first_response", "next_response", "resolution")),
    "csat.rating": FieldSpec(NUMBER),
    "csat.comment": FieldSpec(TEXT),
    "now": FieldSpec(TIME),
}


@dataclass
class Context:
    """What one event is about: the documents and the field values conditions read."""

    event: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    conversation: dict[str, Any] | None = None
    message: dict[str, Any] | None = None
    ticket: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    channel: dict[str, Any] | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    """A shortcut's inputs (target team or level, summary)."""

    @property
    def subject_type(self) -> str:
        return self.event["subject"]["type"]


async def event_about(
    rt: Runtime,
    principal: Principal,
    event_type: str,
    *,
    ticket_id: str | None = None,
    conversation_id: str | None = None,
    latest_message: bool = False,
) -> dict[str, Any]:
    """A stand-in event about a ticket or a conversation the agent may see (for shortcuts,
    canned responses and dry runs); with `latest_message`, about the conversation's latest
    customer message when there is one."""
    if (ticket_id is None) == (conversation_id is None):
        raise Invalid("Name the ticket_id or the conversation_id, one of the two.")
    if ticket_id is not None:
        ticket = await tickets.get_visible(rt, ticket_id, principal)
        subject, data = ("ticket", ticket["_id"]), TicketOut.of(ticket)
    else:
        conversation = await conversations.get_visible(rt, conversation_id, principal)
        latest = await messages.latest_from_customer(rt, conversation["_id"])
        if latest_message and latest is not None:
            subject, data = ("message", latest["_id"]), MessageOut.of(latest)
        else:
            subject, data = ("conversation", conversation["_id"]), ConversationOut.of(conversation)
    return {
        "_id": new_id(),
        "type": event_type,
        "subject": {"type": subject[0], "id": subject[1]},
        "data": data.model_dump(mode="json"),
        "changes": None,
        "depth": 0,
    }


async def context_for(rt: Runtime, event: dict[str, Any]) -> Context:
    """Load what the event is about; the subject as it was when the event happened."""
    context = Context(event=event)
    subject, data = event["subject"], event.get("data") or {}
    try:
        if subject["type"] == "message":
            context.message = await messages.get(rt, subject["id"])
            if context.message.get("conversation_id"):
                context.conversation = await conversations.get(
                    rt, context.message["conversation_id"]
                )
        elif subject["type"] == "conversation":
            context.conversation = await conversations.get(rt, subject["id"])
        elif subject["type"] == "ticket":
            context.ticket = await tickets.get(rt, subject["id"])
    except NotFound:
        return context
    await _related(rt, context)
    _fill_values(context, subject["type"], data)
    context.changes = {
        f"{subject['type']}.{name}": change for name, change in (event.get("changes") or {}).items()
    }
    return context


async def _related(rt: Runtime, context: Context) -> None:
    if context.ticket is None and context.conversation and context.conversation.get("ticket_id"):
        context.ticket = await rt.store["tickets"].find_one(
            {"_id": context.conversation["ticket_id"]}
        )
    if context.conversation is None and context.ticket is not None:
        context.conversation = await tickets.latest_conversation(rt, context.ticket)
    holder = context.conversation or context.ticket
    if holder is None:
        return
    try:
        context.contact = await contacts.get(rt, holder["contact_id"])
    except NotFound:
        context.contact = None
    channel_id = holder.get("channel_id")
    if channel_id is not None:
        context.channel = await rt.store["channels"].find_one({"_id": channel_id})


def _fill_values(context: Context, subject_type: str, data: dict[str, Any]) -> None:
    """Field values: the subject from the event's snapshot, the rest as they are now (the
    subject too when the snapshot was erased with the person's data)."""
    values: dict[str, Any] = {"now": clock.iso(clock.now())}
    if not data:
        subject_type = ""
    if context.conversation is not None:
        view = (
            data
            if subject_type == "conversation"
            else _dump(ConversationOut.of(context.conversation))
        )
        values.update(_prefixed("conversation", view, FIELDS))
        values["conversation.has_ticket"] = bool(view.get("ticket_id"))
        _fill_csat(values, view)
    if context.message is not None:
        view = data if subject_type == "message" else _dump(MessageOut.of(context.message))
        values.update(_prefixed("message", view, FIELDS))
        values["message.sender_type"] = view["sender"]["type"]
        values["message.attachment_count"] = len(view.get("attachments", []))
    if context.ticket is not None:
        view = data if subject_type == "ticket" else _dump(TicketOut.of(context.ticket))
        values.update(_prefixed("ticket", view, FIELDS))
        values["ticket.escalation_level"] = context.ticket.get("escalation_level", 0)
        _fill_csat(values, view)
    if context.contact is not None:
        contact = context.contact
        values.update(
            {
                "contact.name": contact["name"],
                "contact.language": contact.get("language"),
                "contact.emails": contact.get("emails", []),
                "contact.phones": contact.get("phones", []),
                "contact.tags": contact.get("tags", []),
            }
        )
    if context.channel is not None:
        channel = context.channel
        values.update(
            {
                "channel.id": str(channel["_id"]),
                "channel.kind": channel["kind"],
                "channel.name": channel["name"],
            }
        )
    if data.get("sla_target"):
        values["sla.target"] = data["sla_target"]
    context.values = values


def _fill_csat(values: dict[str, Any], view: dict[str, Any]) -> None:
    """The customer's rating of the ticket (or of a conversation without one)."""
    if view.get("csat"):
        values["csat.rating"] = view["csat"]["rating"]
        values["csat.comment"] = view["csat"].get("comment")


def _dump(view: Any) -> dict[str, Any]:
    return view.model_dump(mode="json")


def _prefixed(prefix: str, view: dict[str, Any], known: dict[str, FieldSpec]) -> dict[str, Any]:
    return {
        f"{prefix}.{name}": value for name, value in view.items() if f"{prefix}.{name}" in known
    }
