"""Delivery of queued messages through the channel's connector, with limits and retries.

Each attempt claims the message (a lease), so a message is never sent by two attempts at
once. The platform's sending limits are taken first (shared by all workers through Redis).
Retryable errors (the request never left, or the platform said it did not take it) are
tried again after the platform's `retry_after` or an exponential backoff with jitter;
permanent errors and exhausted retries mark it `failed` with the reason. A send whose
outcome is unknown (no answer after the request left) marks it `unknown` and is never
repeated automatically: the agent sends it again or marks it sent.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from connectors import registry
from connectors.base import (
    Attachment,
    ChannelRef,
    Connector,
    Option,
    Outbound,
    SendError,
    SentRef,
    SetupError,
)
from inbox import metrics
from inbox.errors import NotFound
from inbox.models.conversations import DeliveryStatus, SenderType
from inbox.queue import DELIVER_MESSAGE
from inbox.ratelimit import Limiter
from inbox.runtime import Runtime
from inbox.services import channels, conversations, delivery_state, files

log = logging.getLogger(__name__)

SHORT_WAIT = 1.0
"""A sending limit that frees up within this many seconds is waited for in place."""


@dataclass(frozen=True)
class Attempt:
    outcome: str
    """sent, retrying, failed, unknown (may have arrived), waiting (a limit is full) or
    skipped (done or tried elsewhere)"""
    retry_in: float | None = None
    channel: str = ""
    """The channel's kind, once known."""


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with jitter: about base, 2*base, 4*base ... never above cap."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


async def deliver(rt: Runtime, message_id: str) -> Attempt:
    """One attempt at sending a queued message, counted by channel and outcome."""
    attempt = await _attempt(rt, message_id)
    metrics.DELIVERIES.labels(attempt.channel or "none", attempt.outcome).inc()
    return attempt


async def _attempt(rt: Runtime, message_id: str) -> Attempt:
    message = await delivery_state.claim_delivery(rt, ObjectId(message_id))
    if message is None:
        if await delivery_state.interrupted(rt, ObjectId(message_id)) is not None:
            return Attempt("unknown")
        return Attempt("skipped")
    conversation = await conversations.get(rt, message["conversation_id"])
    try:
        channel = await channels.load(rt, conversation["channel_id"])
    except NotFound:
        error = SendError("The channel was removed.", retryable=False, code="channel_removed")
        return await _unsent(rt, message, conversation, error)
    connector = registry.for_channel(channel)
    attempt = await _send_loaded(rt, message, conversation, channel, connector)
    return dataclasses.replace(attempt, channel=channel.kind)


async def _send_loaded(
    rt: Runtime,
    message: dict[str, Any],
    conversation: dict[str, Any],
    channel: ChannelRef,
    connector: Connector,
) -> Attempt:
    message_id = str(message["_id"])
    outbound = _with_options(connector, await _outbound(rt, message, conversation))
    wait = await _take_limits(rt, connector, channel, outbound)
    if wait:
        await delivery_state.release_claim(rt, message, wait)
        await rt.queue.enqueue(DELIVER_MESSAGE, message_id, countdown=wait)
        return Attempt("waiting", wait)
    try:
        sent = await _send(rt, connector, channel, outbound)
    except SendError as error:
        return await _unsent(rt, message, conversation, error)
    except Exception as error:  # a connector bug must not lose the message: retry, visibly
        log.exception("unexpected error delivering message %s", message_id)
        unexpected = SendError(f"Unexpected error: {error!r}", retryable=True, code="internal")
        return await _unsent(rt, message, conversation, unexpected)
    if sent.thread_id and sent.thread_id != conversation["thread_id"]:
        await conversations.move_thread(rt, conversation, sent.thread_id)
    await delivery_state.delivery_sent(rt, message, conversation, sent)
    await conversations.note_sent(rt, conversation, sent.external_id)
    return Attempt("sent")


async def _send(
    rt: Runtime, connector: Connector, channel: ChannelRef, outbound: Outbound
) -> SentRef:
    """Send; when the platform says the access token expired, refresh it and send once more."""
    try:
        return await connector.send(channel, outbound)
    except SendError as error:
        if not error.stale_credentials:
            raise
    try:
        fresh = await channels.refresh(rt, ObjectId(channel.id), used=channel)
    except SetupError as error:
        raise SendError(
            str(error),
            retryable=error.retryable,
            code="refresh_failed",
            reauthorise=not error.retryable,
        ) from None
    return await connector.send(fresh, outbound)


async def _take_limits(
    rt: Runtime, connector: Connector, channel: ChannelRef, outbound: Outbound
) -> float:
    """0 once every sending limit has room; else how long to come back later."""
    limiter = Limiter(rt.redis)
    limits = connector.rate_limits(channel, outbound)
    while True:
        wait = await limiter.take(limits)
        if wait == 0 or wait > SHORT_WAIT:
            return wait
        await asyncio.sleep(wait)


def _with_options(connector: Connector, outbound: Outbound) -> Outbound:
    """Where a platform has no buttons, the choices are numbered in the text (a typed number
    or label chooses them just as well)."""
    if not outbound.options or connector.native_options:
        return outbound
    lines = [f"{n}. {option.label}" for n, option in enumerate(outbound.options, start=1)]
    text = "\n".join([outbound.text or "", "", *lines]).strip()
    return dataclasses.replace(outbound, text=text, options=())


async def _outbound(rt: Runtime, message: dict[str, Any], conversation: dict[str, Any]) -> Outbound:
    """Everything the connector needs: the text, the files' bytes, what it answers."""
    attachments = []
    for item in message.get("attachments", []):
        data = await files.read(rt, ObjectId(item["file_ref"])) if item.get("file_ref") else None
        fields = {k: v for k, v in item.items() if k != "file_ref"}
        attachments.append(Attachment(**fields, data=data))
    options = tuple(Option(**o) for o in message.get("options", []))
    return Outbound(
        message_id=str(message["_id"]),
        thread_id=conversation["thread_id"],
        recipient_id=conversation["recipient_id"],
        text=message.get("text"),
        options=options,
        attachments=tuple(attachments),
        reply_to=conversation.get("customer_message_ref"),
        references=tuple(conversation.get("thread_refs", [])),
        subject=conversation.get("subject"),
        reference=conversations.reference(conversation),
        mode=message.get("mode"),
        thread_kind=conversation.get("kind", "message"),
        last_customer_at=conversation.get("last_customer_message_at"),
        automatic=message["sender"]["type"] in (SenderType.BOT, SenderType.SYSTEM),
    )


async def _unsent(rt: Runtime, message: dict, conversation: dict, error: SendError) -> Attempt:
    if error.reauthorise:
        await channels.mark_broken(rt, conversation["channel_id"], str(error))
    if error.unknown:
        await delivery_state.attempts_over(
            rt, message, conversation, DeliveryStatus.UNKNOWN, str(error), error.code
        )
        return Attempt("unknown")
    attempts = message["delivery"]["attempts"]
    settings = rt.settings
    if error.retryable and attempts < settings.delivery_max_attempts:
        delay = error.retry_after
        if delay is None:
            delay = backoff(
                attempts, settings.delivery_retry_base_seconds, settings.delivery_retry_max_seconds
            )
        await delivery_state.delivery_retrying(
            rt, message, conversation, str(error), error.code, delay
        )
        await rt.queue.enqueue(DELIVER_MESSAGE, str(message["_id"]), countdown=delay)
        return Attempt("retrying", delay)
    reason = str(error) if not error.retryable else f"Gave up after {attempts} attempts: {error}"
    await delivery_state.attempts_over(
        rt, message, conversation, DeliveryStatus.FAILED, reason, error.code
    )
    return Attempt("failed")


async def send_again(rt: Runtime, message: dict, conversation: dict, by: str) -> dict:
    """Queue a failed message, or one that may not have arrived, again at an agent's request."""
    updated = await delivery_state.requeue(rt, message, conversation, by)
    await rt.queue.enqueue(DELIVER_MESSAGE, str(message["_id"]))
    return updated


async def sweep(rt: Runtime) -> int:
    """Enqueue again the queued messages whose delivery task was lost; returns how many."""
    overdue = await delivery_state.overdue_deliveries(rt)
    for message_id in overdue:
        await delivery_state.postpone_overdue(rt, message_id)
        await rt.queue.enqueue(DELIVER_MESSAGE, str(message_id))
    return len(overdue)
