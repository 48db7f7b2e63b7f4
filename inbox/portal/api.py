"""The portal's JSON endpoints under `/portal/api/` (the pages' scripts call them; other
tools may too): the customer's tickets, new requests with files, replies, solving,
reopening, rating, departments with their FAQ, and file downloads. Each acts for the
signed-in customer only."""

from __future__ import annotations

import mimetypes
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from inbox import downloads, i18n
from inbox.api.routing import read_json, validate
from inbox.auth import Access, access
from inbox.errors import BadRequest, Invalid, PayloadTooLarge
from inbox.i18n import gettext as _
from inbox.keys import runtime
from inbox.portal import departments, requests, tell, views
from inbox.portal.sessions import customer

Handler = Callable[[web.Request], Awaitable[web.Response]]
MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FIELD_CHARS = 20_000
ALLOWED_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/heic",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)


class NewRequest(BaseModel):
    """The request form's fields (files come beside them)."""

    model_config = ConfigDict(extra="forbid")

    request_key: str = Field(min_length=16, max_length=64)
    department_id: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=3, max_length=200)
    description: str = Field(min_length=1, max_length=10_000)
    custom: dict[str, Any] = Field(default_factory=dict)


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=16, max_length=64)
    text: str = Field(default="", max_length=10_000)


class Rating(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class Deflection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department_id: str = Field(min_length=1, max_length=40)
    faq_id: str = Field(min_length=1, max_length=40)


async def _form(request: web.Request) -> tuple[Any, list[requests.Upload]]:
    """Fields and files of a form: multipart (with files), urlencoded or JSON (without).
    Files are checked (type, size, count) before anything is stored."""
    if request.content_type == "application/x-www-form-urlencoded":
        fields: dict[str, Any] = {}
        for name, value in (await request.post()).items():
            _put(fields, name, str(value)[:MAX_FIELD_CHARS])
        return fields, []
    if not request.content_type.startswith("multipart/"):
        return await read_json(request), []
    try:
        reader = await request.multipart()
    except ValueError as error:
        raise BadRequest(_("The form could not be read.")) from error
    fields = {}
    uploads: list[requests.Upload] = []
    async for part in reader:
        if getattr(part, "filename", None):
            upload = await _upload(part)
            if upload is not None:
                uploads.append(upload)
            if len(uploads) > MAX_FILES:
                raise Invalid(
                    _("Attach at most %(count)s files.") % {"count": MAX_FILES},
                    [{"field": "files", "message": "too many files"}],
                )
            continue
        value = (await part.read(decode=True)).decode("utf-8", "replace")[:MAX_FIELD_CHARS]
        _put(fields, getattr(part, "name", None) or "", value)
    return fields, uploads


def _put(fields: dict[str, Any], name: str, value: str) -> None:
    """A form field into the body: `custom.<key>` fields go under `custom`."""
    if name.startswith("custom."):
        fields.setdefault("custom", {})[name.removeprefix("custom.")] = value or None
    elif name:
        fields[name] = value


async def _upload(part: Any) -> requests.Upload | None:
    filename = str(part.filename)[:200]
    declared = (part.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    guessed = mimetypes.guess_type(filename)[0]
    mime = declared if declared in ALLOWED_TYPES else guessed
    if mime not in ALLOWED_TYPES:
        raise Invalid(
            _(
                "%(name)s: this type of file is not accepted "
                "(photos, PDF, text and office files are)."
            )
            % {"name": filename},
            [{"field": "files", "message": f"type not accepted: {declared or 'unknown'}"}],
            code="file_type",
        )
    data = bytearray()
    while chunk := await part.read_chunk(256 * 1024):
        data.extend(chunk)
        if len(data) > MAX_FILE_BYTES:
            raise PayloadTooLarge(
                _("%(name)s is larger than %(mb)s MB.")
                % {"name": filename, "mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
    return requests.Upload(filename, mime, bytes(data)) if data else None


# ---- tickets ---------------------------------------------------------------------------------


@access(Access.CUSTOMER)
async def list_tickets(request: web.Request) -> web.Response:
    items = await views.list_for(runtime(request), customer(request))
    return web.json_response({"items": items})


@access(Access.CUSTOMER)
async def get_ticket(request: web.Request) -> web.Response:
    rt, me = runtime(request), customer(request)
    ticket = await views.find(rt, me, request.match_info["number"])
    return web.json_response(await views.detail(rt, me, ticket))


@access(Access.CUSTOMER)
async def open_ticket(request: web.Request) -> web.Response:
    rt, me = runtime(request), customer(request)
    fields, uploads = await _form(request)
    body: NewRequest = validate(NewRequest, fields)
    department = await departments.get(rt, body.department_id, visible_only=True)
    asked = set(department.get("field_keys", []))
    custom = {k: v for k, v in body.custom.items() if k in asked and v not in (None, "")}
    ticket, opened = await requests.open_request(
        rt, me, body.request_key, department, body.title.strip(), body.description, custom, uploads
    )
    if opened and me.email:
        language = me.language or i18n.current_language.get()
        await tell.request_opened(rt, ticket, me.email, language)
    return web.json_response(await views.detail(rt, me, ticket), status=201 if opened else 200)


@access(Access.CUSTOMER)
async def post_message(request: web.Request) -> web.Response:
    rt, me = runtime(request), customer(request)
    ticket = await views.find(rt, me, request.match_info["number"])
    fields, uploads = await _form(request)
    body: Reply = validate(Reply, fields)
    if not body.text.strip() and not uploads:
        raise Invalid(
            _("Write a message or attach a file."), [{"field": "text", "message": "empty"}]
        )
    await requests.reply(rt, me, ticket, body.text.strip(), uploads, body.key)
    ticket = await views.find(rt, me, request.match_info["number"])  # with the answer
    return web.json_response(await views.detail(rt, me, ticket), status=201)


def _changing(change: Callable[..., Awaitable[dict[str, Any]]]) -> Handler:
    """A route that makes one change to the customer's ticket and answers with the ticket."""

    @access(Access.CUSTOMER)
    async def handler(request: web.Request) -> web.Response:
        rt, me = runtime(request), customer(request)
        ticket = await views.find(rt, me, request.match_info["number"])
        ticket = await change(rt, me, ticket)
        return web.json_response(await views.detail(rt, me, ticket))

    return handler


solve = _changing(requests.solve)
reopen = _changing(requests.reopen)


@access(Access.CUSTOMER)
async def rate(request: web.Request) -> web.Response:
    rt, me = runtime(request), customer(request)
    ticket = await views.find(rt, me, request.match_info["number"])
    body: Rating = validate(Rating, await read_json(request))
    await requests.rate(rt, ticket, body.rating, (body.comment or "").strip() or None)
    ticket = await views.find(rt, me, request.match_info["number"])  # with its rating
    return web.json_response(await views.detail(rt, me, ticket))


@access(Access.CUSTOMER)
async def download(request: web.Request) -> web.StreamResponse:
    rt, me = runtime(request), customer(request)
    try:
        n = int(request.match_info["n"])
    except ValueError:
        n = -1
    doc = await views.attachment(rt, me, request.match_info["message_id"], n)
    return await downloads.stream(request, rt, doc)


# ---- departments and their FAQ ------------------------------------------------------------------


@access(Access.CUSTOMER)
async def list_departments(request: web.Request) -> web.Response:
    rt = runtime(request)
    fields = {f["key"]: f for f in await rt.store["ticket_fields"].find({}).to_list(None)}
    items = []
    for doc in await departments.list_all(rt, visible_only=True):
        items.append(
            {
                "id": str(doc["_id"]),
                "name": doc["name"],
                "description": doc.get("description") or "",
                "faq": [departments.public_entry(e) for e in await departments.entries(rt, doc)],
                "fields": [
                    {k: fields[key][k] for k in ("key", "label", "type", "options", "required")}
                    for key in doc.get("field_keys", [])
                    if key in fields
                ],
            }
        )
    return web.json_response({"items": items})


@access(Access.CUSTOMER)
async def suggestions(request: web.Request) -> web.Response:
    rt = runtime(request)
    doc = await departments.get(rt, request.match_info["id"], visible_only=True)
    question = request.query.get("q", "")[:300]
    found = await departments.suggest(rt, doc, question) if len(question) >= 3 else []
    return web.json_response({"items": [departments.public_entry(e) for e in found]})


@access(Access.CUSTOMER)
async def deflected(request: web.Request) -> web.Response:
    rt, me = runtime(request), customer(request)
    body: Deflection = validate(Deflection, await read_json(request))
    doc = await departments.get(rt, body.department_id, visible_only=True)
    await departments.record_deflection(rt, doc, body.faq_id, me.contact_id)
    return web.json_response({"counted": True}, status=201)


def setup(app: web.Application) -> None:
    app.router.add_get("/portal/api/tickets", list_tickets)
    app.router.add_post("/portal/api/tickets", open_ticket)
    app.router.add_get("/portal/api/tickets/{number}", get_ticket)
    app.router.add_post("/portal/api/tickets/{number}/messages", post_message)
    app.router.add_post("/portal/api/tickets/{number}/solve", solve)
    app.router.add_post("/portal/api/tickets/{number}/reopen", reopen)
    app.router.add_post("/portal/api/tickets/{number}/rating", rate)
    app.router.add_get("/portal/api/departments", list_departments)
    app.router.add_get("/portal/api/departments/{id}/suggestions", suggestions)
    app.router.add_post("/portal/api/deflections", deflected)
    app.router.add_get("/portal/files/{message_id}/{n}", download)
