"""Keeping what customers sent: the inbox's own copy of attachments whose links expire.

Messenger and Zalo deliver files as CDN links that stop working within days. Soon after such
a message is stored, a worker task downloads each file and stores it like an agent's upload
(the same bytes once, see `files`); the message then points at the copy and keeps the
platform's link as `source_url`. A file over the size limit, or one the platform no longer
has, is marked failed with the reason; a network failure is tried again with growing
delays and then marked too. Nothing is dropped silently. Every step is conditional on the
attachment still waiting, so a task that runs twice, or after an erasure, stores nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from connectors import registry
from connectors.base import Attachment, ChannelRef
from connectors.http import DownloadFailed
from inbox import clock
from inbox.errors import NotFound
from inbox.events import Actor, EventType
from inbox.queue import COPY_ATTACHMENTS
from inbox.runtime import Runtime
from inbox.services import channels, conversations, delivery, files, messages

log = logging.getLogger(__name__)

COPYABLE_TYPES = frozenset({"image", "video", "audio", "file", "sticker"})
MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 30.0
LOST_TASK_GRACE = timedelta(minutes=2)
"""A copy still waiting this long after it was due: its task was lost, the sweep sends it."""
PENDING = "pending"
CHANNEL_GONE = "The channel was disconnected before the file was copied."


def wants_copy(channel: ChannelRef, item: dict[str, Any]) -> bool:
    """A file behind a link of a platform whose links expire, not copied nor tried yet."""
    return (
        registry.for_channel(channel).attachment_urls_expire
        and item.get("type") in COPYABLE_TYPES
        and bool(item.get("url"))
        and not item.get("file_ref")
        and "copy" not in item
    )


def mark_pending(channel: ChannelRef, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The attachments, those to copy marked as waiting for their copy."""
    return [
        {**item, "copy": {"status": PENDING}} if wants_copy(channel, item) else item
        for item in items
    ]


async def enqueue(rt: Runtime, message: dict[str, Any], delay: float | None = None) -> None:
    if message.get("copy_due_at") is not None:
        await rt.queue.enqueue(COPY_ATTACHMENTS, str(message["_id"]), countdown=delay)


def limit_for(rt: Runtime, channel_doc: dict[str, Any]) -> int:
    """The largest file kept from this channel: its own limit, within the installation's."""
    channel_mb = channels.settings_of(channel_doc).get("max_attachment_mb")
    installation = rt.settings.max_file_bytes
    return min(installation, channel_mb * 1024 * 1024) if channel_mb else installation


async def copy(rt: Runtime, message_id: str) -> dict[str, int]:
    """Try every waiting attachment of the message once; returns counts by outcome."""
    try:
        message = await messages.get(rt, ObjectId(message_id))
    except NotFound:
        return {}
    waiting = [
        (number, item)
        for number, item in enumerate(message.get("attachments", []))
        if item.get("copy", {}).get("status") == PENDING
    ]
    try:
        channel_doc = await channels.get_doc(rt, message["channel_id"])
    except NotFound:
        gone = {"status": "failed", "error": CHANNEL_GONE, "at": clock.now()}
        for number, _ in waiting:
            await _set(rt, message, number, gone)
        await _after(rt, message["_id"], changed=bool(waiting))
        return {"failed": len(waiting)} if waiting else {}
    channel, limit = channels.ref(rt, channel_doc), limit_for(rt, channel_doc)
    counts: dict[str, int] = {}
    for number, item in waiting:
        outcome = await _copy_one(rt, message, channel, number, item, limit)
        counts[outcome] = counts.get(outcome, 0) + 1
    await _after(rt, message["_id"], changed=bool(counts))
    return counts


async def _copy_one(
    rt: Runtime,
    message: dict[str, Any],
    channel: ChannelRef,
    number: int,
    item: dict[str, Any],
    limit: int,
) -> str:
    fields = {k: v for k, v in item.items() if k in Attachment.__dataclass_fields__}
    connector = registry.for_channel(channel)
    try:
        data, mime = await connector.fetch_attachment(channel, Attachment(**fields), limit)
    except DownloadFailed as failure:
        attempts = item["copy"].get("attempts", 0) + 1
        if failure.permanent or attempts >= MAX_ATTEMPTS:
            reason = failure.reason if failure.permanent else _gave_up(attempts, failure.reason)
            await _set(
                rt, message, number, {"status": "failed", "error": reason, "at": clock.now()}
            )
            return "failed"
        retry = {"status": PENDING, "attempts": attempts, "error": failure.reason}
        await _set(rt, message, number, retry)
        return "retrying"
    stored = await files.save(
        rt,
        data,
        item.get("name") or f"{item['type']}-{number + 1}",
        item.get("mime_type") or mime,
        conversation_id=message["conversation_id"],
    )
    copied = {
        **files.attachment_of(stored),
        "type": item["type"],
        "source_url": item["url"],
        "copy": {"status": "copied", "at": clock.now()},
    }
    if not await _replace(rt, message, number, copied):
        await files.remove(rt, [stored["_id"]])  # copied meanwhile, or the message was erased
        return "skipped"
    return "copied"


def _gave_up(attempts: int, reason: str) -> str:
    return f"Not fetched after {attempts} tries: {reason}"


async def _set(rt: Runtime, message: dict[str, Any], number: int, state: dict[str, Any]) -> None:
    await _replace(rt, message, number, {**message["attachments"][number], "copy": state})


async def _replace(rt: Runtime, message: dict[str, Any], number: int, item: dict[str, Any]) -> bool:
    """Put the attachment's new state in place, if it is still the one this task read."""
    result = await rt.store["messages"].update_one(
        {
            "_id": message["_id"],
            f"attachments.{number}.url": message["attachments"][number]["url"],
            f"attachments.{number}.copy.status": PENDING,
        },
        {"$set": {f"attachments.{number}": item}, "$inc": {"revision": 1}},
    )
    return result.modified_count == 1


async def _after(rt: Runtime, message_id: ObjectId, *, changed: bool) -> None:
    """Schedule what still waits (the next try of the earliest, or nothing), and tell the open
    inboxes what `changed`."""
    message = await messages.get(rt, message_id)
    waiting = [
        a["copy"].get("attempts", 0)
        for a in message.get("attachments", [])
        if a.get("copy", {}).get("status") == PENDING
    ]
    delay = delivery.backoff(min(waiting) + 1, FIRST_RETRY_SECONDS, 3600.0) if waiting else None
    due = clock.now() + timedelta(seconds=delay) if delay is not None else None
    updated = await rt.store["messages"].find_one_and_update(
        {"_id": message_id},
        {"$set": {"copy_due_at": due}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        return
    await enqueue(rt, updated, delay)
    if not changed:
        return
    conversation = await conversations.get(rt, updated["conversation_id"])
    await messages.emit_message(
        rt, EventType.MESSAGE_UPDATED, updated, conversation, Actor(type="system")
    )


async def sweep(rt: Runtime, limit: int = 200) -> int:
    """Send again the copy tasks that were lost (due long ago); returns how many."""
    now = clock.now()
    lost = (
        await rt.store["messages"]
        .find({"copy_due_at": {"$lte": now - LOST_TASK_GRACE}}, projection={"_id": 1}, limit=limit)
        .to_list(None)
    )
    for message in lost:
        await rt.store["messages"].update_one(
            {"_id": message["_id"]}, {"$set": {"copy_due_at": now}}
        )
        await rt.queue.enqueue(COPY_ATTACHMENTS, str(message["_id"]))
    return len(lost)


async def backfill(rt: Runtime) -> dict[str, int]:
    """Copy the attachments of messages stored before copies existed (an upgrade), while
    their links still work; returns counts by outcome."""
    totals: dict[str, int] = {}
    for channel_doc in await channels.list_all(rt):
        channel = channels.ref(rt, channel_doc)
        if not registry.for_channel(channel).attachment_urls_expire:
            continue
        threads = rt.store["conversations"].find({"channel_id": channel_doc["_id"]}, {"_id": 1})
        async for conversation in threads:
            async for message in rt.store["messages"].find(
                {"conversation_id": conversation["_id"]}, sort=[("created_at", 1)]
            ):
                if await _mark_old(rt, channel, message):
                    for outcome, n in (await copy(rt, str(message["_id"]))).items():
                        totals[outcome] = totals.get(outcome, 0) + n
    return totals


async def _mark_old(rt: Runtime, channel: ChannelRef, message: dict[str, Any]) -> bool:
    """Mark a stored message's attachments to copy, unless it changed meanwhile."""
    items = message.get("attachments", [])
    marked = mark_pending(channel, items)
    if marked == items:
        return False
    result = await rt.store["messages"].update_one(
        {"_id": message["_id"], "revision": message.get("revision", 0)},
        {
            "$set": {"attachments": marked, "copy_due_at": messages.copy_due_at(marked)},
            "$inc": {"revision": 1},
        },
    )
    return result.modified_count == 1
