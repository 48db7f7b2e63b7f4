"""Files: email attachments, copies of platform attachments and agents' uploads, stored in
the database in 1 MiB chunks.

Chunking keeps every document far below MongoDB's 16 MiB limit and works the same on the
embedded store. A file belongs to a conversation once a message uses it; only agents who may
see that conversation can read it (an unattached upload: only its uploader). The same bytes
are stored once: a later file with the same SHA-256 names the first one's chunks (`chunks_of`).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

from bson import Binary, ObjectId

from inbox import clock
from inbox.errors import NotFound, PayloadTooLarge
from inbox.ids import new_id
from inbox.runtime import Runtime

CHUNK = 1024 * 1024
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def kind_of(mime_type: str | None) -> str:
    """The attachment type a MIME type maps to: image, video, audio or file."""
    major = (mime_type or "").split("/")[0]
    return major if major in ("image", "video", "audio") else "file"


async def save(
    rt: Runtime,
    data: bytes,
    name: str | None,
    mime_type: str | None,
    *,
    conversation_id: ObjectId | None = None,
    uploaded_by: ObjectId | None = None,
) -> dict[str, Any]:
    limit = rt.settings.max_file_bytes
    if len(data) > limit:
        raise PayloadTooLarge(f"{name or 'The file'} is larger than {megabytes(limit)} MB.")
    file_id = new_id()
    digest = hashlib.sha256(data).hexdigest()
    doc = {
        "_id": file_id,
        "name": name or "file",
        "mime_type": mime_type or "application/octet-stream",
        "size": len(data),
        "sha256": digest,
        "chunks_of": await _stored_chunks(rt, digest, len(data)) or file_id,
        "conversation_id": conversation_id,
        "uploaded_by": uploaded_by,
        "created_at": clock.now(),
    }
    if doc["chunks_of"] == file_id:
        for number, start in enumerate(range(0, len(data), CHUNK)):
            await rt.store["file_chunks"].insert_one(
                {"file_id": file_id, "n": number, "data": Binary(data[start : start + CHUNK])}
            )
    await rt.store["files"].insert_one(doc)
    return doc


def megabytes(size: int) -> int:
    return size // (1024 * 1024)


async def _stored_chunks(rt: Runtime, digest: str, size: int) -> ObjectId | None:
    """Whose chunks already hold these bytes, if any file does."""
    same = await rt.store["files"].find_one({"sha256": digest, "size": size})
    return same.get("chunks_of", same["_id"]) if same is not None else None


async def remove(rt: Runtime, file_ids: list[ObjectId]) -> int:
    """Delete these files; their chunks go once no other file shares them. Returns how many."""
    owners = {
        doc.get("chunks_of", doc["_id"])
        for doc in await rt.store["files"]
        .find({"_id": {"$in": file_ids}}, projection={"chunks_of": 1})
        .to_list(None)
    }
    result = await rt.store["files"].delete_many({"_id": {"$in": file_ids}})
    for owner in owners:
        if not any([await _exists(rt, {"_id": owner}), await _exists(rt, {"chunks_of": owner})]):
            await rt.store["file_chunks"].delete_many({"file_id": owner})
    return result.deleted_count


async def _exists(rt: Runtime, query: dict[str, Any]) -> bool:
    return await rt.store["files"].find_one(query, projection={"_id": 1}) is not None


async def get(rt: Runtime, file_id: ObjectId) -> dict[str, Any]:
    return await rt.store.get("files", file_id, "file")


async def chunks(rt: Runtime, doc: dict[str, Any]) -> AsyncIterator[bytes]:
    """The file's bytes, a chunk at a time."""
    owner = doc.get("chunks_of", doc["_id"])
    cursor = rt.store["file_chunks"].find({"file_id": owner}, sort=[("n", 1)])
    async for chunk in cursor:
        yield bytes(chunk["data"])


async def read(rt: Runtime, file_id: ObjectId) -> bytes:
    doc = await get(rt, file_id)
    return b"".join([chunk async for chunk in chunks(rt, doc)])


async def attachable(
    rt: Runtime,
    file_ids: list[ObjectId],
    uploader: ObjectId | None,
    holder: ObjectId | None = None,
) -> list[dict[str, Any]]:
    """The uploads, if each is this agent's and unbound, or already bound to `holder`."""
    found = []
    for file_id in file_ids:
        doc = await get(rt, file_id)
        bound = doc.get("conversation_id") or doc.get("ticket_id")
        if bound not in (None, holder) or (bound is None and doc["uploaded_by"] != uploader):
            raise NotFound(f"No file with id {file_id}.")
        found.append(doc)
    return found


async def attach(
    rt: Runtime,
    file_ids: list[ObjectId],
    uploader: ObjectId | None,
    *,
    conversation_id: ObjectId | None = None,
    ticket_id: ObjectId | None = None,
) -> list[dict[str, Any]]:
    """Bind an agent's uploads to the conversation or ticket that now holds them."""
    owner = {"conversation_id": conversation_id} if conversation_id else {"ticket_id": ticket_id}
    found = await attachable(rt, file_ids, uploader, conversation_id or ticket_id)
    for doc in found:
        await rt.store["files"].update_one({"_id": doc["_id"]}, {"$set": owner})
    return [{**doc, **owner} for doc in found]


def attachment_of(doc: dict[str, Any]) -> dict[str, Any]:
    """How a message refers to a stored file."""
    return {
        "type": kind_of(doc["mime_type"]),
        "url": f"/api/v1/files/{doc['_id']}",
        "file_ref": str(doc["_id"]),
        "name": doc["name"],
        "size": doc["size"],
        "mime_type": doc["mime_type"],
    }
