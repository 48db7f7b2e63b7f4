"""How long the inbox keeps the files customers and agents send (admins)."""

from __future__ import annotations

from aiohttp import web

from inbox.api.routing import api
from inbox.auth import Access
from inbox.keys import runtime
from inbox.models.conversations import RetentionSettings
from inbox.services import retention


@api(
    "GET",
    "/retention",
    summary="How long files are kept",
    tag="files",
    level=Access.ADMIN,
    response=RetentionSettings,
)
async def get_retention(request: web.Request) -> RetentionSettings:
    return await retention.settings_of(runtime(request))


@api(
    "PUT",
    "/retention",
    summary="Set how long files are kept (null: as long as their messages)",
    tag="files",
    level=Access.ADMIN,
    body=RetentionSettings,
    response=RetentionSettings,
)
async def put_retention(request: web.Request, body: RetentionSettings) -> RetentionSettings:
    return await retention.save(runtime(request), body)
