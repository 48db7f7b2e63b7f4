"""Delivery of queued messages through the channel's connector, with retries and backoff.

Each attempt claims the message (a lease), so a message is never sent by two attempts at
once. Retryable errors are tried again after the platform's `retry_after` or an exponential
backoff with jitter; permanent errors and exhausted retries mark it `failed` with the reason.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from bson import ObjectId

from connectors import registry
from connectors.base import Attachment, Outbound, SendError
from inbox.errors import NotFound
from inbox.queue import DELIVER_MESSAGE
from inbox.runtime import Runtime
from inbox.services import channels, conversations, messages

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    outcome: str
    """sent, retrying, failed or skipped (already sent, failed, or being tried elsewhere)"""
    retry_in: float | None = None


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with jitter: about base, 2*base, 4*base ... never above cap."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


async def deliver(rt: Runtime, message_id: str) -> Attempt:
    message = await messages.claim_delivery(rt, ObjectId(message_id))
    if message is None:
        return Attempt("skipped")
    conversation = await conversations.get(rt, message["conversation_id"])
    try:
        channel = await channels.load(rt, conversation["channel_id"])
    except NotFound:
        error = SendError("The channel was removed.", retryable=False, code="channel_removed")
        return await _unsent(rt, message, conversation, error)
    outbound = Outbound(
        message_id=message_id,
        thread_id=conversation["thread_id"],
        recipient_id=conversation["recipient_id"],
        text=message.get("text"),
        attachments=tuple(Attachment(**a) for a in message.get("attachments", [])),
    )
    try:
        sent = await registry.for_channel(channel).send(channel, outbound)
    except SendError as error:
        return await _unsent(rt, message, conversation, error)
    except Exception as error:  # a connector bug must not lose the message: retry, visibly
        log.exception("unexpected error delivering message %s", message_id)
        unexpected = SendError(f"Unexpected error: {error!r}", retryable=True, code="internal")
        return await _unsent(rt, message, conversation, unexpected)
    await messages.delivery_sent(rt, message, conversation, sent)
    if sent.thread_id and sent.thread_id != conversation["thread_id"]:
        await conversations.move_thread(rt, conversation, sent.thread_id)
    return Attempt("sent")


async def _unsent(rt: Runtime, message: dict, conversation: dict, error: SendError) -> Attempt:
    attempts = message["delivery"]["attempts"]
    settings = rt.settings
    if error.retryable and attempts < settings.delivery_max_attempts:
        delay = error.retry_after
        if delay is None:
            delay = backoff(
                attempts, settings.delivery_retry_base_seconds, settings.delivery_retry_max_seconds
            )
        await messages.delivery_retrying(rt, message, conversation, str(error), error.code, delay)
        await rt.queue.enqueue(DELIVER_MESSAGE, str(message["_id"]), countdown=delay)
        return Attempt("retrying", delay)
    reason = str(error) if not error.retryable else f"Gave up after {attempts} attempts: {error}"
    await messages.delivery_failed(rt, message, conversation, reason, error.code)
    return Attempt("failed")


async def retry_failed(rt: Runtime, message: dict, conversation: dict) -> dict:
    """Queue a failed message again at an agent's request."""
    updated = await messages.requeue_failed(rt, message, conversation)
    await rt.queue.enqueue(DELIVER_MESSAGE, str(message["_id"]))
    return updated


async def sweep(rt: Runtime) -> int:
    """Enqueue again the queued messages whose delivery task was lost; returns how many."""
    overdue = await messages.overdue_deliveries(rt)
    for message_id in overdue:
        await messages.postpone_overdue(rt, message_id)
        await rt.queue.enqueue(DELIVER_MESSAGE, str(message_id))
    return len(overdue)
