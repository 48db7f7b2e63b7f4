"""The WebSocket hub: live events and presence for agents' browsers.

Every web process subscribes to Redis; an event emitted anywhere (another web process, the
worker) reaches every connected agent allowed to see it. Browsers also tell the hub which
conversation or ticket they view and when their agent types; that presence is shared the
same way, with a short-lived Redis hash per place so a newcomer learns who is already there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from yarl import URL

from inbox import events, jsonbody, metrics
from inbox.auth import Access, Principal, access
from inbox.errors import Forbidden, NotFound
from inbox.events import Scope
from inbox.keys import RUNTIME, principal
from inbox.portal import sessions as portal_sessions
from inbox.runtime import Runtime
from inbox.services import conversations
from inbox.services.tickets import lifecycle as tickets
from inbox.visibility import can_see

log = logging.getLogger(__name__)

PRESENCE_CHANNEL = "inbox.presence"
PRESENCE_TTL = 45
"""Seconds a viewer stays listed without a fresh `viewing` message (browsers send one every 15)."""
CLIENT_QUEUE = 1000
"""Messages one browser may fall behind by before it is disconnected to resynchronise."""
TOO_SLOW = "\x00close"
CHANGED = json.dumps({"type": "changed"})
POLL_SECONDS = 0.25


PLACES = ("conversation_id", "ticket_id")
"""What a browser may say it views: {"type": "viewing", "ticket_id": "..."}."""


@dataclass(frozen=True)
class Place:
    key: str
    """conversation_id or ticket_id"""
    id: str


@dataclass(eq=False)
class Client:
    """An agent's browser, or (with `contact_id`) a customer's portal page."""

    ws: web.WebSocketResponse
    principal: Principal | None
    viewing: Place | None = None
    contact_id: str | None = None
    """A customer's page hears only that something of theirs changed, never what."""
    outbox: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(CLIENT_QUEUE))

    def push(self, text: str) -> None:
        try:
            self.outbox.put_nowait(text)
        except asyncio.QueueFull:
            log.warning("a browser fell behind; closing its socket")
            while not self.outbox.empty():
                self.outbox.get_nowait()
            self.outbox.put_nowait(TOO_SLOW)

    async def pump(self) -> None:
        while True:
            text = await self.outbox.get()
            if text is TOO_SLOW:
                await self.ws.close(code=1013, message=b"too slow, reconnect")
                return
            await self.ws.send_str(text)


class Hub:
    """One per web process."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.clients: set[Client] = set()
        self.subscribed = asyncio.Event()
        self.stopping = asyncio.Event()

    # ---- Redis side ----------------------------------------------------------------------

    async def listen(self) -> None:
        """Relay Redis messages to browsers until `stopping`, reconnecting after failures.

        Polls with a short timeout rather than relying on cancellation, which redis-py's
        pub/sub reader can swallow.
        """
        while not self.stopping.is_set():
            try:
                async with self.rt.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(events.EVENTS_CHANNEL, PRESENCE_CHANNEL)
                    self.subscribed.set()
                    while not self.stopping.is_set():
                        message = await pubsub.get_message(timeout=POLL_SECONDS)
                        if message is not None:
                            self.fan_out(message["data"])
            except Exception:
                self.subscribed.clear()
                log.warning("lost the Redis subscription; retrying in 1 s", exc_info=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), 1)

    def fan_out(self, text: str) -> None:
        try:
            message = json.loads(text)
        except json.JSONDecodeError:
            return
        scope = message.get("scope") or {}
        origin = (message.get("agent") or {}).get("id")
        for client in list(self.clients):
            if client.principal is None:
                if (
                    client.contact_id == scope.get("contact_id")
                    and message.get("type") != "presence"
                ):
                    client.push(CHANGED)
                continue
            if origin and origin == str(client.principal.id):
                continue  # an agent's own presence is not news to them
            if can_see(client.principal, scope):
                client.push(text)

    # ---- browser side --------------------------------------------------------------------

    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        me = principal(request)
        if me.via == "session" and not _same_origin(request):
            raise Forbidden("WebSocket connections must come from this site.", code="bad_origin")
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        client = Client(ws, me)
        self.clients.add(client)
        pump = asyncio.create_task(client.pump())
        client.push(json.dumps({"type": "hello", "agent": {"id": str(me.id), "name": me.name}}))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await self._on_browser_message(client, message.data)
        finally:
            self.clients.discard(client)
            pump.cancel()
            if client.viewing:
                await self._presence(client, client.viewing, "left")
        return ws

    async def serve_customer(self, request: web.Request) -> web.WebSocketResponse:
        """A portal page's socket: pings of change for the signed-in customer alone."""
        if not _same_origin(request):
            raise Forbidden("WebSocket connections must come from this site.", code="bad_origin")
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        client = Client(ws, None, contact_id=str(portal_sessions.customer(request).contact_id))
        self.clients.add(client)
        pump = asyncio.create_task(client.pump())
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT and message.data == '{"type":"ping"}':
                    client.push(json.dumps({"type": "pong"}))
        finally:
            self.clients.discard(client)
            pump.cancel()
        return ws

    async def _on_browser_message(self, client: Client, text: str) -> None:
        try:
            message = jsonbody.loads(text)
            kind = message.get("type")
            place = next(
                (Place(k, message[k]) for k in PLACES if isinstance(message.get(k), str)), None
            )
        except (ValueError, AttributeError):
            return
        if kind == "ping":
            client.push(json.dumps({"type": "pong"}))
        elif kind in ("viewing", "typing") and place is not None:
            if client.viewing and client.viewing != place:
                await self._presence(client, client.viewing, "left")
            client.viewing = place
            await self._presence(client, place, kind)
        elif kind == "left" and client.viewing:
            await self._presence(client, client.viewing, "left")
            client.viewing = None

    async def _scope(self, place: Place, principal: Principal) -> Scope | None:
        """Who may see presence at this place; None if this agent may not be there."""
        try:
            if place.key == "ticket_id":
                return tickets.scope(await tickets.get_visible(self.rt, place.id, principal))
            conversation = await conversations.get_visible(self.rt, place.id, principal)
        except NotFound:
            return None
        return Scope.of_conversation(conversation)

    async def _presence(self, client: Client, place: Place, state: str) -> None:
        scope = await self._scope(place, client.principal)
        if scope is None:
            return
        me = client.principal
        agent = {"id": str(me.id), "name": me.name}
        key = f"presence:{place.key}:{place.id}"
        if state == "left":
            await self.rt.redis.hdel(key, agent["id"])
        else:
            entry = json.dumps({**agent, "state": state, "at": time.time()})
            async with self.rt.redis.pipeline(transaction=False) as pipe:
                pipe.hset(key, agent["id"], entry)
                pipe.expire(key, PRESENCE_TTL)
                await pipe.execute()
        await events.publish(
            self.rt,
            {
                "type": "presence",
                place.key: place.id,
                "agent": agent,
                "state": state,
                "scope": scope.model_dump(),
            },
            PRESENCE_CHANNEL,
        )
        if state == "viewing":
            client.push(json.dumps(await self._viewers(place, key, exclude=agent["id"])))

    async def _viewers(self, place: Place, key: str, exclude: str) -> dict[str, Any]:
        entries = await self.rt.redis.hgetall(key)
        fresh_after = time.time() - PRESENCE_TTL
        agents = [
            entry
            for agent_id, raw in entries.items()
            if agent_id != exclude and (entry := json.loads(raw))["at"] >= fresh_after
        ]
        return {"type": "viewers", place.key: place.id, "agents": agents}

    async def disconnect_all(self) -> None:
        """Close every browser's socket (they reconnect to another process or after restart)."""
        for client in list(self.clients):
            with contextlib.suppress(Exception):
                await client.ws.close(code=1001, message=b"server shutting down")


HUB = web.AppKey("hub", Hub)


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser: browsers always send Origin on WebSocket handshakes
    return URL(origin).authority == request.host


@access(Access.AGENT)
async def websocket(request: web.Request) -> web.WebSocketResponse:
    return await request.app[HUB].serve(request)


@access(Access.CUSTOMER)
async def portal_websocket(request: web.Request) -> web.WebSocketResponse:
    return await request.app[HUB].serve_customer(request)


async def hub_context(app: web.Application) -> Any:
    """cleanup_ctx: run the hub's Redis listener for the life of the app.

    Sockets close on shutdown, before the server waits for open connections to finish.
    """
    hub = Hub(app[RUNTIME])
    app[HUB] = hub
    metrics.count_websockets(lambda: len(hub.clients))
    listener = asyncio.create_task(hub.listen())
    app.on_shutdown.append(lambda _: hub.disconnect_all())
    yield
    hub.stopping.set()
    try:
        await asyncio.wait_for(listener, POLL_SECONDS * 4)
    except TimeoutError:
        log.warning("the Redis listener did not stop in time")
