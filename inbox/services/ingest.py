"""Turns what a connector parsed into contacts, conversations and messages, exactly once."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bson import ObjectId

from connectors.base import ChannelRef, Inbound, InboundKind
from inbox import clock
from inbox.runtime import Runtime
from inbox.services import contacts, conversations, messages

log = logging.getLogger(__name__)

NEW_MESSAGE_KINDS = {InboundKind.MESSAGE, InboundKind.COMMENT, InboundKind.POSTBACK}


@dataclass(frozen=True)
class Ingested:
    outcome: str
    """stored, duplicate, edited, ignored"""
    message_id: str | None = None


async def ingest(rt: Runtime, channel: ChannelRef, item: Inbound) -> Ingested:
    if item.kind == InboundKind.EDIT:
        return await _edit(rt, channel, item)
    if item.kind not in NEW_MESSAGE_KINDS:
        log.debug("ignoring %s from channel %s", item.kind, channel.id)
        return Ingested("ignored")
    channel_id = ObjectId(channel.id)
    known = await messages.find_external(rt, channel_id, item.external_id)
    if known is not None:  # a redelivered webhook: answer as if new, store nothing
        return Ingested("duplicate", str(known["_id"]))
    contact = await contacts.resolve(rt, channel, item.sender)
    conversation = await conversations.open_for_thread(rt, channel, item, contact)
    message, created = await messages.insert_inbound(rt, conversation, contact, item)
    if not created:
        return Ingested("duplicate", str(message["_id"]))
    await conversations.after_inbound(rt, conversation, message)
    return Ingested("stored", str(message["_id"]))


async def _edit(rt: Runtime, channel: ChannelRef, item: Inbound) -> Ingested:
    original = await messages.find_external(rt, ObjectId(channel.id), item.target_id)
    if original is None:
        return Ingested("ignored")
    conversation = await conversations.get(rt, original["conversation_id"])
    edited_at = item.sent_at or clock.now()
    updated = await messages.apply_edit(rt, original, conversation, item.text, edited_at)
    return Ingested("edited" if updated else "duplicate", str(original["_id"]))
