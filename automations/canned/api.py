"""REST for canned responses: agents list and render theirs, admins manage them. Registered
with the other resources by `inbox.api.routing`."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from automations.canned import responses as canned
from inbox.api.routing import api
from inbox.auth import Access
from inbox.keys import principal, runtime
from inbox.models.common import Page


class CannedOut(BaseModel):
    id: str
    shortcode: str
    title: str
    text: str
    team_id: str | None


class RenderedOut(BaseModel):
    text: str


@api(
    "GET",
    "/canned-responses",
    summary="The canned responses this agent may use (global and their teams')",
    tag="canned responses",
    response=Page[CannedOut],
)
async def list_canned(request: web.Request) -> Page[CannedOut]:
    found = await canned.visible(runtime(request), principal(request))
    return Page(items=[CannedOut(**canned.view(c)) for c in found])


@api(
    "POST",
    "/canned-responses",
    summary="Add a canned response",
    tag="canned responses",
    body=canned.CannedBody,
    response=CannedOut,
    status=201,
    level=Access.ADMIN,
)
async def create_canned(request: web.Request, body: canned.CannedBody) -> CannedOut:
    made = await canned.create(runtime(request), body, principal(request).id)
    return CannedOut(**canned.view(made))


@api(
    "PATCH",
    "/canned-responses/{id}",
    summary="Change a canned response",
    tag="canned responses",
    body=canned.CannedBody,
    response=CannedOut,
    level=Access.ADMIN,
)
async def update_canned(request: web.Request, body: canned.CannedBody) -> CannedOut:
    rt, me = runtime(request), principal(request)
    current = await canned.get_visible(rt, request.match_info["id"], me)
    return CannedOut(**canned.view(await canned.update(rt, current, body)))


@api(
    "DELETE",
    "/canned-responses/{id}",
    summary="Delete a canned response",
    tag="canned responses",
    level=Access.ADMIN,
)
async def delete_canned(request: web.Request) -> None:
    rt, me = runtime(request), principal(request)
    await canned.delete(rt, await canned.get_visible(rt, request.match_info["id"], me))


@api(
    "POST",
    "/canned-responses/{id}/render",
    summary="The text with its placeholders filled for a conversation or a ticket",
    tag="canned responses",
    body=canned.RenderFor,
    response=RenderedOut,
)
async def render_canned(request: web.Request, body: canned.RenderFor) -> RenderedOut:
    rt, me = runtime(request), principal(request)
    found = await canned.get_visible(rt, request.match_info["id"], me)
    return RenderedOut(text=await canned.render(rt, found, body, me))
