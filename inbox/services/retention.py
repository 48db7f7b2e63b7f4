"""Retention: files older than the limit admins set (default: the installation's setting)
are deleted; their messages say so."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from inbox import clock
from inbox.models.conversations import RetentionSettings
from inbox.runtime import Runtime
from inbox.services import files


async def settings_of(rt: Runtime) -> RetentionSettings:
    """What admins set, or the installation's default."""
    stored = await rt.store["installation"].find_one({"_id": "retention"})
    if stored is not None:
        return RetentionSettings(attachment_days=stored.get("attachment_days"))
    default = rt.settings.attachment_retention_days
    return RetentionSettings(attachment_days=default if default > 0 else None)


async def save(rt: Runtime, body: RetentionSettings) -> RetentionSettings:
    await rt.store["installation"].replace_one(
        {"_id": "retention"}, {"attachment_days": body.attachment_days}, upsert=True
    )
    return body


async def expire_files(rt: Runtime, limit: int = 200) -> int:
    """Delete up to `limit` files past the retention period; returns how many."""
    days = (await settings_of(rt)).attachment_days
    if not days:
        return 0
    cutoff = clock.now() - timedelta(days=days)
    expired = (
        await rt.store["files"]
        .find({"created_at": {"$lt": cutoff}}, projection={"_id": 1}, limit=limit)
        .to_list(None)
    )
    reason = f"Deleted after {days} days, as the retention setting asks."
    for doc in expired:
        await _note_removed(rt, str(doc["_id"]), reason)
    return await files.remove(rt, [doc["_id"] for doc in expired])


async def _note_removed(rt: Runtime, file_ref: str, reason: str) -> None:
    """The messages that showed this file keep its name and the reason it is gone."""
    async for message in rt.store["messages"].find({"attachments.file_ref": file_ref}):
        items = [
            _removed(item, reason) if item.get("file_ref") == file_ref else item
            for item in message["attachments"]
        ]
        await rt.store["messages"].update_one(
            {"_id": message["_id"]}, {"$set": {"attachments": items}, "$inc": {"revision": 1}}
        )


def _removed(item: dict[str, Any], reason: str) -> dict[str, Any]:
    kept = {k: v for k, v in item.items() if k not in ("file_ref", "url")}
    return {**kept, "copy": {"status": "removed", "error": reason, "at": clock.now()}}
