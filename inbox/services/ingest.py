"""Turns what a connector parsed into contacts, conversations and messages, exactly once."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bson import ObjectId

from connectors.base import ChannelRef, Inbound, InboundKind
from inbox import clock
from inbox.errors import NotFound
from inbox.models.conversations import DeliveryStatus
from inbox.runtime import Runtime
from inbox.services import attachment_copies, conversations, delivery_state, files, messages
from inbox.services.contacts import records as contacts

log = logging.getLogger(__name__)

NEW_MESSAGE_KINDS = {InboundKind.MESSAGE, InboundKind.COMMENT, InboundKind.POSTBACK}
RECEIPTS = {InboundKind.DELIVERY: DeliveryStatus.DELIVERED, InboundKind.READ: DeliveryStatus.READ}
ECHO_MATCH_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Ingested:
    outcome: str
    """stored, duplicate, edited, receipt, echo, bounce, ignored"""
    message_id: str | None = None


async def ingest(rt: Runtime, channel: ChannelRef, item: Inbound) -> Ingested:
    if item.kind == InboundKind.EDIT:
        return await _edit(rt, channel, item)
    if item.kind in RECEIPTS:
        return await _receipt(rt, channel, item)
    if item.kind == InboundKind.BOUNCE:
        return await _bounce(rt, channel, item)
    if item.kind not in NEW_MESSAGE_KINDS and item.kind != InboundKind.ECHO:
        log.debug("ignoring %s from channel %s", item.kind, channel.id)
        return Ingested("ignored")
    channel_id = ObjectId(channel.id)
    known = await messages.find_external(rt, channel_id, item.external_id)
    if known is not None:  # a redelivered webhook: answer as if new, store nothing
        return Ingested("duplicate", str(known["_id"]))
    if item.kind == InboundKind.ECHO:
        return await _echo(rt, channel, item)
    item = await _place_in_thread(rt, channel_id, item)
    contact = await contacts.mark_seen(rt, await contacts.resolve(rt, channel, item.sender))
    conversation = await conversations.open_for_thread(rt, channel, item, contact)
    attachments = await _attachments(rt, channel, item, conversation["_id"])
    message, created = await messages.insert_inbound(rt, conversation, contact, item, attachments)
    if not created:
        return Ingested("duplicate", str(message["_id"]))
    await attachment_copies.enqueue(rt, message)
    await conversations.after_inbound(rt, conversation, message)
    return Ingested("stored", str(message["_id"]))


async def _place_in_thread(rt: Runtime, channel_id: ObjectId, item: Inbound) -> Inbound:
    """An answer to a message we know (email References, a quoted reference) joins its thread."""
    for hint in item.thread_hints:
        earlier = await messages.find_external(rt, channel_id, hint)
        if earlier is not None:
            conversation = await conversations.get(rt, earlier["conversation_id"])
            return dataclasses.replace(item, thread_id=conversation["thread_id"])
    if item.conversation_ref:
        conversation = await conversations.by_reference(rt, channel_id, item.conversation_ref)
        if conversation is not None:
            return dataclasses.replace(item, thread_id=conversation["thread_id"])
    return item


async def _attachments(
    rt: Runtime, channel: ChannelRef, item: Inbound, conversation_id: ObjectId
) -> list[dict[str, Any]]:
    """Attachments that came with their bytes (email) are stored; others keep the platform's
    ref, and those behind links that expire wait for their copy."""
    stored = []
    for attachment in item.attachments:
        if attachment.data is None:
            stored.append(messages.attachment_doc(attachment))
            continue
        doc = await files.save(
            rt,
            attachment.data,
            attachment.name,
            attachment.mime_type,
            conversation_id=conversation_id,
        )
        stored.append({**files.attachment_of(doc), "type": attachment.type})
    return attachment_copies.mark_pending(channel, stored)


async def _echo(rt: Runtime, channel: ChannelRef, item: Inbound) -> Ingested:
    """The page/OA sent something: ours (record its id) or from the platform's own app (store)."""
    ours = await _our_send(rt, channel, item)
    if ours is not None:
        await delivery_state.record_external_id(rt, ours["_id"], item.external_id)
        return Ingested("echo", str(ours["_id"]))
    contact = await contacts.resolve(rt, channel, item.sender)
    conversation = await conversations.open_for_thread(rt, channel, item, contact)
    attachments = await _attachments(rt, channel, item, conversation["_id"])
    message, created = await messages.insert_echo(rt, conversation, item, channel.name, attachments)
    if created:
        await attachment_copies.enqueue(rt, message)
        await conversations.after_outbound(rt, conversation, message)
    return Ingested("echo" if created else "duplicate", str(message["_id"]))


async def _our_send(rt: Runtime, channel: ChannelRef, item: Inbound) -> dict[str, Any] | None:
    """Our own message this echo is about: named in the echo, or a recent send with its text."""
    if item.echo_of and ObjectId.is_valid(item.echo_of):
        try:
            return await messages.get(rt, ObjectId(item.echo_of))
        except NotFound:
            return None
    conversation = await conversations.latest_for_thread(rt, ObjectId(channel.id), item.thread_id)
    if conversation is None:
        return None
    since = clock.now() - ECHO_MATCH_WINDOW
    return await messages.unconfirmed_send(rt, conversation["_id"], item.text, since)


async def _receipt(rt: Runtime, channel: ChannelRef, item: Inbound) -> Ingested:
    conversation = await conversations.latest_for_thread(rt, ObjectId(channel.id), item.thread_id)
    if conversation is None:
        return Ingested("ignored")
    await delivery_state.mark_receipts(
        rt, conversation, RECEIPTS[item.kind], item.target_ids, item.watermark
    )
    return Ingested("receipt")


async def _bounce(rt: Runtime, channel: ChannelRef, item: Inbound) -> Ingested:
    """A delivery status report: a failure marks the messages it names failed with its
    reason, a delay notes it on them (still sent), a success changes nothing."""
    if item.payload not in ("failed", "delayed"):
        return Ingested("ignored")
    marked = None
    for external_id in item.target_ids:
        message = await messages.find_external(rt, ObjectId(channel.id), external_id)
        if message is not None and message["direction"] == "out":
            conversation = await conversations.get(rt, message["conversation_id"])
            reason = item.text or "The recipient's mail server refused the message."
            if item.payload == "failed":
                await delivery_state.mark_bounced(rt, message, conversation, reason)
            else:
                await delivery_state.mark_delayed(rt, message, conversation, reason)
            marked = str(message["_id"])
    return Ingested("bounce" if marked else "ignored", marked)


async def _edit(rt: Runtime, channel: ChannelRef, item: Inbound) -> Ingested:
    original = await messages.find_external(rt, ObjectId(channel.id), item.target_id)
    if original is None:
        return Ingested("ignored")
    conversation = await conversations.get(rt, original["conversation_id"])
    edited_at = item.sent_at or clock.now()
    updated = await messages.apply_edit(rt, original, conversation, item.text, edited_at)
    return Ingested("edited" if updated else "duplicate", str(original["_id"]))
