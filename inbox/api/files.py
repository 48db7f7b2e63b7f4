"""Files: agents upload attachments; agents download what conversations they see contain."""

from __future__ import annotations

from aiohttp import web
from bson import ObjectId

from connectors import registry
from connectors.base import Attachment
from connectors.http import DownloadFailed
from inbox import downloads
from inbox.api.routing import api
from inbox.errors import BadRequest, NotFound, PayloadTooLarge, Upstream
from inbox.ids import parse_id
from inbox.keys import principal, runtime
from inbox.models.conversations import FileOut
from inbox.services import attachment_copies, channels, conversations, files, messages


@api(
    "POST",
    "/files",
    summary="Upload a file (multipart field `file`) to attach to a message",
    tag="files",
    response=FileOut,
    status=201,
)
async def upload(request: web.Request) -> FileOut:
    rt, me = runtime(request), principal(request)
    if not request.content_type.startswith("multipart/"):
        raise BadRequest("Send the file as multipart/form-data in a field named `file`.")
    try:
        reader = await request.multipart()
    except ValueError as error:  # no boundary, or not multipart at all
        raise BadRequest(f"The upload is not readable multipart/form-data: {error}") from None
    async for part in reader:
        if getattr(part, "name", None) != "file":
            continue
        limit = rt.settings.max_file_bytes
        data = bytearray()
        while chunk := await part.read_chunk(256 * 1024):
            data.extend(chunk)
            if len(data) > limit:
                raise PayloadTooLarge(f"Files may be at most {limit // (1024 * 1024)} MB.")
        mime = part.headers.get("Content-Type", "application/octet-stream")
        doc = await files.save(rt, bytes(data), part.filename, mime, uploaded_by=me.id)
        return FileOut.of(doc)
    raise BadRequest("No field named `file` in the upload.")


@api(
    "GET",
    "/files/{id}",
    summary="Download a file",
    tag="files",
    media="application/octet-stream",
)
async def download(request: web.Request) -> web.StreamResponse:
    rt, me = runtime(request), principal(request)
    doc = await files.get(rt, parse_id(request.match_info["id"], "file"))
    if doc.get("conversation_id") is not None:
        try:
            await conversations.get_visible(rt, str(doc["conversation_id"]), me)
        except NotFound:
            raise NotFound(f"No file with id {doc['_id']}.") from None
    elif doc.get("uploaded_by") != me.id:
        raise NotFound(f"No file with id {doc['_id']}.")
    return await downloads.stream(request, runtime(request), doc)


@api(
    "GET",
    "/messages/{id}/attachments/{number}",
    summary="An attachment of a message: our copy, or the platform's file fetched through us",
    tag="files",
    media="application/octet-stream",
)
async def message_attachment(request: web.Request) -> web.StreamResponse:
    rt, me = runtime(request), principal(request)
    message = await messages.get(rt, parse_id(request.match_info["id"], "message"))
    try:
        conversation = await conversations.get_visible(rt, str(message["conversation_id"]), me)
        item = message.get("attachments", [])[int(request.match_info["number"])]
    except (NotFound, IndexError, ValueError):
        raise NotFound("No such attachment.") from None
    if item.get("file_ref"):
        return await downloads.stream(request, rt, await files.get(rt, ObjectId(item["file_ref"])))
    state = item.get("copy", {})
    if state.get("status") in ("failed", "removed"):
        raise NotFound(f"This attachment was not kept: {state.get('error')}")
    channel_doc = await channels.get_doc(rt, conversation["channel_id"])
    channel = channels.ref(rt, channel_doc)
    fields = {k: v for k, v in item.items() if k in Attachment.__dataclass_fields__}
    try:
        data, mime = await registry.for_channel(channel).fetch_attachment(
            channel, Attachment(**fields), attachment_copies.limit_for(rt, channel_doc)
        )
    except DownloadFailed as failure:
        if failure.permanent:  # the platform will never give it: as gone as a removed file
            raise NotFound(f"This attachment cannot be fetched: {failure.reason}") from None
        raise Upstream(failure.reason) from None
    mime = mime or item.get("mime_type") or "application/octet-stream"
    name = item.get("name") or f"{item['type']}-{request.match_info['number']}"
    return web.Response(body=data, headers=downloads.headers(name, mime, len(data)))
