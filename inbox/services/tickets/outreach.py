"""Writing first to the customer of a ticket opened without a conversation (a phone call, a
visit): the agent's reply starts a conversation on one of the contact's channels, where the
platform lets a business write first. Email always can, to the contact's address; Telegram
can once the person has started the bot; Messenger and Zalo only inside the window their
last message opened (24 hours or 7 days). Anywhere else the answer says why not.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from connectors import registry
from inbox import clock
from inbox.auth import Principal
from inbox.errors import Conflict, Invalid, NotFound
from inbox.ids import new_id, parse_id
from inbox.models.tickets import ReachOption, ticket_number
from inbox.runtime import Runtime
from inbox.services import channels, conversations
from inbox.services.contacts import records as contacts
from inbox.services.tickets import lifecycle as tickets


async def options(rt: Runtime, ticket: dict[str, Any]) -> list[ReachOption]:
    """The channels the ticket's contact can be written to on, possible or not (and why)."""
    contact = await _contact(rt, ticket)
    found = [await _option(rt, contact, doc) for doc in await channels.list_all(rt)]
    return [option for option in found if option is not None]


async def start(
    rt: Runtime, ticket: dict[str, Any], channel_id: str, principal: Principal
) -> dict[str, Any]:
    """The conversation the ticket's first reply goes out on, joined to the ticket."""
    doc = await channels.get_doc(rt, parse_id(channel_id, "channel"))
    contact = await _contact(rt, ticket)
    option = await _option(rt, contact, doc)
    if option is None or not option.possible:
        why = option.note if option else f"{contact['name']} has never written on {doc['name']}."
        raise Invalid(why or "This channel cannot reach the customer now.", code="unreachable")
    channel = channels.ref(rt, doc)
    thread = conversations.Thread(
        thread_id=option.recipient if doc["kind"] != "email" else f"outreach:{new_id()}",
        kind="message",
        recipient_id=option.recipient or "",
        subject=ticket["title"] if doc["kind"] == "email" else None,
        last_customer_at=await _last_customer_at(rt, contact["_id"], doc["_id"]),
    )
    conversation = await conversations.open_thread(rt, channel, thread, contact, principal.actor)
    if conversation.get("ticket_id") not in (None, ticket["_id"]):
        raise Conflict(
            f"{contact['name']}'s open conversation on {doc['name']} belongs to another "
            "ticket: answer there, or resolve it first.",
            code="conversation_taken",
        )
    if conversation.get("ticket_id") is None:
        await tickets.add_conversation(rt, ticket, conversation)
    return await conversations.get(rt, conversation["_id"])


async def _contact(rt: Runtime, ticket: dict[str, Any]) -> dict[str, Any]:
    try:
        return await contacts.current(rt, await contacts.get(rt, ticket["contact_id"]))
    except NotFound:
        raise Invalid(
            f"Ticket {ticket_number(ticket['seq'])} has no contact to write to."
        ) from None


async def _option(rt: Runtime, contact: dict[str, Any], doc: dict[str, Any]) -> ReachOption | None:
    """How this channel could reach the contact (None: the contact is not on it)."""
    base = {"channel_id": str(doc["_id"]), "channel_name": doc["name"], "kind": doc["kind"]}
    if doc["kind"] == "email":
        emails = contact.get("emails", [])
        if not emails:
            note = "The contact has no email address: add one on their contact page."
            return ReachOption(**base, recipient=None, possible=False, note=note)
        return ReachOption(**base, recipient=emails[0], possible=True)
    identity = await rt.store["contact_identities"].find_one(
        {"contact_id": contact["_id"], "channel_id": doc["_id"]}
    )
    if identity is None:
        return None
    channel = channels.ref(rt, doc)
    last = await _last_customer_at(rt, contact["_id"], doc["_id"])
    window = registry.for_channel(channel).reply_window(channel, last, clock.now(), "message")
    return ReachOption(
        **base, recipient=identity["external_id"], possible=window.open, note=window.note
    )


async def _last_customer_at(rt: Runtime, contact_id: ObjectId, channel_id: ObjectId) -> Any:
    """When the person last wrote on this channel (messaging windows count from it)."""
    found = rt.store["conversations"].find(
        {"contact_id": contact_id}, sort=[("last_message_at", -1)], limit=200
    )
    times = [
        c["last_customer_message_at"]
        async for c in found
        if c["channel_id"] == channel_id and c.get("last_customer_message_at")
    ]
    return max(times, default=None)
