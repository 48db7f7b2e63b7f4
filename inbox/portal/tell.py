"""When a customer is told what (the notices' causes): their sign-in link and code, the
confirmation of a new request, and every answer or update on a portal request — by email,
by SMS where the gateway is on and the contact has a phone, and on the chat where they last
wrote while its window is open (else the thread says so) — each with a link that signs them
in to the request."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from inbox import i18n
from inbox.events import Actor, EventType
from inbox.i18n import gettext as _
from inbox.models.conversations import MessageKind, SenderType
from inbox.models.tickets import ticket_number
from inbox.portal import config, notices, sign_in, sms
from inbox.runtime import Runtime
from inbox.services import messages, replies
from inbox.services.contacts import records as contacts

NOT_CHATS = frozenset({"portal", "email"})
PORTAL_NOTICE = Actor(type=str(SenderType.SYSTEM), name="Portal notice")


async def sign_in_link(rt: Runtime, issued: sign_in.Issued, language: str) -> None:
    """The link and code someone asked for, where they asked for it."""
    assert issued.address is not None
    settings = await config.settings_of(rt)
    link = f"{rt.settings.base_url}/portal/auth/{issued.token}"
    with i18n.using(language):
        subject = _("Your sign-in link for %(name)s") % {"name": settings.name}
        if issued.address.kind == "phone":
            text = _("%(name)s: your code is %(code)s, or open %(link)s (once, 15 min)") % {
                "name": settings.name,
                "code": issued.code,
                "link": link,
            }
        else:
            text = _(
                "Hello,\n\nOpen this link to see your requests at %(name)s:\n%(link)s\n\n"
                "Or enter this code: %(code)s\n\nThe link and the code work once, for 15 "
                "minutes. If you did not ask for them, ignore this email."
            ) % {"name": settings.name, "link": link, "code": issued.code}
    await notices.queue(
        rt,
        kind="sign_in",
        via="sms" if issued.address.kind == "phone" else "email",
        to=issued.address.value,
        subject=subject,
        text=text,
    )


async def request_opened(rt: Runtime, ticket: dict[str, Any], email: str, language: str) -> None:
    """The confirmation of a request opened in the portal."""
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
    await notices.queue(
        rt,
        kind="request_opened",
        via="email",
        to=email,
        subject=subject,
        text=text,
        contact_id=ticket["contact_id"],
        ticket_id=ticket["_id"],
        cause=f"opened:{ticket['_id']}",
    )


async def on_event(rt: Runtime, event: dict[str, Any]) -> None:
    """An event handler: an answer or update in a portal conversation is sent on to the
    customer by email (and SMS)."""
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
    if ticket is None or contact.get("erased") or await _confirms_creation(rt, message):
        return  # (the request's own confirmation said it already)
    for via, to in await _reachable(rt, contact):
        await _answer(rt, message, ticket, contact, via, to)
    await _on_chat(rt, message, ticket, contact, conversation)


async def _on_chat(
    rt: Runtime,
    message: dict[str, Any],
    ticket: dict[str, Any],
    contact: dict[str, Any],
    portal_conversation: dict[str, Any],
) -> None:
    """Also tell the customer on the chat where they last wrote, if its window is open;
    otherwise the portal thread says only email (or SMS) was used."""
    chats = [
        c
        async for c in rt.store["conversations"].find(
            {"contact_id": contact["_id"]}, sort=[("last_message_at", -1)], limit=20
        )
        if c["channel"]["kind"] not in NOT_CHATS and c.get("last_customer_message_at")
    ]
    if not chats:
        return
    latest = chats[0]
    number = ticket_number(ticket["seq"])
    link = await sign_in.link_for(rt, contact["_id"], f"/portal/tickets/{number}")
    with i18n.using(contact.get("language") or rt.settings.language):
        text = _("There is news on your request %(number)s: %(link)s") % {
            "number": number,
            "link": link,
        }
    sent = await replies.send_automatic(
        rt, latest, text, PORTAL_NOTICE, f"portal-notice:{message['_id']}"
    )
    if sent is None:
        window = await replies.reply_window(rt, latest)
        note = f"{latest['channel']['name']}: {window.note or 'closed'}"
        activity = {"field": "portal_notice", "from": None, "to": None, "note": note}
        await messages.insert_activity(rt, portal_conversation, activity, PORTAL_NOTICE)


async def _reachable(rt: Runtime, contact: dict[str, Any]) -> list[tuple[str, str]]:
    """Where this customer can be told: their email, and their phone where SMS is on."""
    found = [("email", contact["emails"][0])] if contact.get("emails") else []
    if contact.get("phones") and await sms.gateway(rt) is not None:
        found.append(("sms", contact["phones"][0]))
    return found


async def _confirms_creation(rt: Runtime, message: dict[str, Any]) -> bool:
    """Whether this is the customer update sent because the ticket was opened."""
    event_id = (message.get("sent_for") or "").removesuffix(":update")
    if event_id == message.get("sent_for") or not ObjectId.is_valid(event_id):
        return False
    event = await rt.store["events"].find_one({"_id": ObjectId(event_id)})
    return event is not None and event["type"] == EventType.TICKET_CREATED


async def _answer(
    rt: Runtime,
    message: dict[str, Any],
    ticket: dict[str, Any],
    contact: dict[str, Any],
    via: str,
    to: str,
) -> None:
    settings = await config.settings_of(rt)
    number = ticket_number(ticket["seq"])
    link = await sign_in.link_for(rt, contact["_id"], f"/portal/tickets/{number}")
    with i18n.using(contact.get("language") or rt.settings.language):
        if message["sender"]["type"] == SenderType.AGENT:
            subject = _("New answer on your request %(number)s") % {"number": number}
        else:
            subject = _("Update on your request %(number)s") % {"number": number}
        if via == "sms":
            text = f"{settings.name}: {subject}. {link}"
        else:
            text = _(
                "Hello,\n\n%(author)s answered your request %(number)s:\n\n%(text)s\n\n"
                "Read and reply here: %(link)s\n\n%(name)s"
            ) % {
                "author": message["sender"].get("name") or settings.name,
                "number": number,
                "text": message.get("text") or "",
                "link": link,
                "name": settings.name,
            }
    await notices.queue(
        rt,
        kind="reply",
        via=via,
        to=to,
        subject=subject,
        text=text,
        contact_id=contact["_id"],
        ticket_id=ticket["_id"],
        cause=f"message:{message['_id']}:{via}",
    )
