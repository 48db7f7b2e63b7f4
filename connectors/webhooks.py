"""Routes /webhooks/{kind}/{channel_id}: verify, parse, ingest, answer fast.

Only storing happens here; everything slow (bot, rules, notifications) runs in the worker
from the events that ingest emits. Redelivered webhooks store nothing new and still get 200.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web

from connectors import registry
from connectors.base import ChannelRef, Connector, Inbound, PayloadInvalid, WebhookRejected
from inbox import jsonbody, metrics
from inbox.auth import Access, access
from inbox.errors import BadRequest, NotFound, PayloadTooLarge, Unauthorized
from inbox.ids import parse_id
from inbox.keys import runtime
from inbox.runtime import Runtime
from inbox.services import channels, dead_letters
from inbox.services.ingest import ingest
from inbox.services.tickets import satisfaction

log = logging.getLogger(__name__)


async def _channel(request: web.Request) -> tuple[Connector, ChannelRef]:
    kind, channel_id = request.match_info["kind"], request.match_info["channel_id"]
    connector = registry.get(kind)
    if connector is None:
        raise NotFound(f"No channel kind {kind!r}.")
    try:
        channel = await channels.load(runtime(request), parse_id(channel_id, "channel"))
    except NotFound:
        raise NotFound(f"No {kind} channel {channel_id}.") from None
    if channel.kind != kind or channel.demo:
        raise NotFound(f"No {kind} channel {channel_id}.")
    return connector, channel


RAW_LIMIT_FACTOR = 1.4
"""Raw MIME carries attachments base64-encoded: a third larger than the files themselves."""


async def _read(request: web.Request, limit: int) -> bytes:
    """The body, refused with 413 past `limit` (raw formats may be larger than JSON ones)."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"The body is larger than the {limit} bytes accepted here.")
    body = bytearray()
    while chunk := await request.content.read(64 * 1024):
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(f"The body is larger than the {limit} bytes accepted here.")
    return bytes(body)


@access(Access.PUBLIC)
async def receive(request: web.Request) -> web.Response:
    connector, channel = await _channel(request)
    started = time.perf_counter()
    try:
        return await _receive(request, connector, channel)
    finally:
        metrics.WEBHOOK_SECONDS.labels(channel.kind).observe(time.perf_counter() - started)


async def _receive(request: web.Request, connector: Connector, channel: ChannelRef) -> web.Response:
    settings = runtime(request).settings
    counted = metrics.WEBHOOKS
    limit = (
        settings.max_body_bytes
        if connector.payload_format == "json"
        else RAW_LIMIT_FACTOR * settings.max_file_bytes
    )
    body = await _read(request, int(limit))
    try:
        await connector.verify(channel, request, body)
    except WebhookRejected as rejected:
        log.warning("rejected %s webhook for channel %s: %s", channel.kind, channel.id, rejected)
        counted.labels(channel.kind, "rejected").inc()
        raise Unauthorized(str(rejected), code="bad_signature") from None
    try:
        payload = jsonbody.loads(body) if connector.payload_format == "json" else body
        items = connector.parse(channel, payload)
    except Exception as error:
        # Verified, so kept as a dead letter whatever broke: any shape we cannot read is a 400.
        if not isinstance(error, ValueError | PayloadInvalid):
            log.warning("a verified %s payload broke the parser", channel.kind, exc_info=True)
        message = f"Unreadable {channel.kind} payload: {error!r}"
        await dead_letters.record(runtime(request), channel.id, message, body)
        counted.labels(channel.kind, "dead_letter").inc()
        raise BadRequest(message, code="invalid_payload") from None
    outcomes = [await _take(runtime(request), channel, item) for item in items]
    for outcome in outcomes:
        counted.labels(channel.kind, outcome).inc()
    return web.json_response(
        {
            "ok": True,
            "received": len(items),
            "stored": outcomes.count("stored"),
            "duplicates": outcomes.count("duplicate"),
        }
    )


async def _take(rt: Runtime, channel: ChannelRef, item: Inbound) -> str:
    """A press on a satisfaction survey's buttons is a rating (it must not reopen the ticket
    nor reach the bot); anything else is ingested."""
    if await satisfaction.answer_from_channel(rt, channel, item) is not None:
        await registry.for_channel(channel).acknowledge_choice(channel, item.external_id)
        return "rating"
    return (await ingest(rt, channel, item)).outcome


@access(Access.PUBLIC)
async def handshake(request: web.Request) -> web.StreamResponse:
    connector, channel = await _channel(request)
    answer = await connector.handshake(channel, request)
    if answer is None:
        raise web.HTTPMethodNotAllowed("GET", ["POST"])
    return answer


def setup(app: web.Application) -> None:
    app.router.add_post("/webhooks/{kind}/{channel_id}", receive)
    app.router.add_get("/webhooks/{kind}/{channel_id}", handshake)
