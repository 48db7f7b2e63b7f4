"""Channels that are read rather than pushed to (email over IMAP): the beat polls them."""

from __future__ import annotations

import logging
from typing import Any

from bson import ObjectId

from connectors import registry
from connectors.base import PayloadInvalid, PollError
from inbox.runtime import Runtime
from inbox.services import channels, dead_letters
from inbox.services.ingest import ingest

log = logging.getLogger(__name__)
MAX_ROUNDS = 10
"""Batches read from one mailbox per poll before giving others a turn."""


async def poll_all(rt: Runtime) -> dict[str, int]:
    """Read every pollable channel once; returns messages read per channel id."""
    read: dict[str, int] = {}
    for doc in await channels.pollable(rt, registry.pollable_kinds()):
        lock = rt.redis.lock(f"lock:poll:{doc['_id']}", timeout=300, blocking=False)
        if not await lock.acquire():
            continue  # another beat tick or worker is reading this mailbox
        try:
            read[str(doc["_id"])] = await _poll(rt, doc)
        finally:
            await lock.release()
    return read


async def _poll(rt: Runtime, doc: dict[str, Any]) -> int:
    channel = channels.ref(rt, doc)
    connector = registry.for_channel(channel)
    state = dict(doc.get("poll_state") or {})
    count = 0
    for _ in range(MAX_ROUNDS):
        try:
            batch = await connector.poll(channel, state)  # type: ignore[attr-defined]
        except PollError as error:
            log.warning("polling channel %s failed: %s", channel.id, error)
            await channels.record_poll_error(rt, doc["_id"], str(error))
            return count
        for uid, raw in batch.messages:
            try:
                items = connector.parse(channel, raw)
            except PayloadInvalid as error:
                await dead_letters.record(rt, channel.id, f"Unreadable email: {error}", raw)
                items = []
            for item in items:
                await ingest(rt, channel, item)
            state = {"uidvalidity": batch.uidvalidity, "last_uid": uid}
            await channels.save_poll_state(rt, ObjectId(channel.id), state)
            count += 1
        if not batch.more:
            break
    return count
