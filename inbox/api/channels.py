"""Channels API: connect a platform account; credentials are never shown in full."""

from __future__ import annotations

from aiohttp import web

from inbox.api.routing import api
from inbox.auth import Access
from inbox.ids import parse_id
from inbox.keys import principal, runtime
from inbox.models.channels import (
    ChannelCreate,
    ChannelOut,
    ChannelPatch,
    ChannelRemoval,
    ChannelRemoved,
    DeadLetterOut,
    ZaloAuthorization,
    ZaloAuthorize,
)
from inbox.models.common import Page
from inbox.services import channels, dead_letters, zalo_connect


@api("GET", "/channels", summary="List channels", tag="channels", response=Page[ChannelOut])
async def list_channels(request: web.Request) -> Page[ChannelOut]:
    rt = runtime(request)
    return Page(items=[channels.view(rt, c) for c in await channels.list_all(rt)])


@api(
    "POST",
    "/channels",
    summary="Connect a channel; registers the webhook with the platform",
    tag="channels",
    body=ChannelCreate,
    response=ChannelOut,
    status=201,
    level=Access.ADMIN,
)
async def create_channel(request: web.Request, body: ChannelCreate) -> ChannelOut:
    return await channels.create(runtime(request), body)


@api("GET", "/channels/{id}", summary="One channel", tag="channels", response=ChannelOut)
async def get_channel(request: web.Request) -> ChannelOut:
    rt = runtime(request)
    doc = await channels.get_doc(rt, parse_id(request.match_info["id"], "channel"))
    return channels.view(rt, doc)


@api(
    "PATCH",
    "/channels/{id}",
    summary="Change a channel's inbox settings (auto_ticket, max_attachment_mb), or disable "
    "and enable it (unregistered at the platform meanwhile)",
    tag="channels",
    body=ChannelPatch,
    response=ChannelOut,
    level=Access.ADMIN,
)
async def update_channel(request: web.Request, body: ChannelPatch) -> ChannelOut:
    return await channels.update(
        runtime(request), parse_id(request.match_info["id"], "channel"), body
    )


@api(
    "GET",
    "/channels/{id}/dead-letters",
    summary="Verified webhooks that could not be read (kept 30 days)",
    tag="channels",
    response=Page[DeadLetterOut],
    level=Access.ADMIN,
)
async def list_dead_letters(request: web.Request) -> Page[DeadLetterOut]:
    rt = runtime(request)
    doc = await channels.get_doc(rt, parse_id(request.match_info["id"], "channel"))
    return Page(items=[DeadLetterOut.of(d) for d in await dead_letters.recent(rt, doc["_id"])])


@api(
    "DELETE",
    "/channels/{id}",
    summary="Disconnect a channel: unregister it at the platform, then remove it (its "
    "conversations stay); a 409 when the platform refused, unless `force`",
    tag="channels",
    level=Access.ADMIN,
    query=ChannelRemoval,
    response=ChannelRemoved,
)
async def delete_channel(request: web.Request, query: ChannelRemoval) -> ChannelRemoved:
    channel_id = parse_id(request.match_info["id"], "channel")
    return await channels.delete(runtime(request), channel_id, force=query.force)


@api(
    "POST",
    "/channels/zalo/authorize",
    summary="Start connecting a Zalo Official Account with Zalo's sign-in (OAuth with PKCE)",
    tag="channels",
    level=Access.ADMIN,
    body=ZaloAuthorize,
    response=ZaloAuthorization,
)
async def authorize_zalo(request: web.Request, body: ZaloAuthorize) -> ZaloAuthorization:
    return await zalo_connect.start(runtime(request), body, principal(request).id)
