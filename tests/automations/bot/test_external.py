"""External bots: the product POSTs a signed event to the bot's URL, the bot answers through
the API with its own token and the customer gets it; a bot that does not answer in time hands
the conversation to the agents."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.automations.bot.test_flows import CHAT, bot_said
from tests.conftest import customer_writes, eventually, free_port
from tests.tickets.helpers import conversation_of

SECRET = "external-bot-secret-0123456789"


class LocalBot:
    """A developer's bot: checks the signature, then answers through the inbox's API."""

    def __init__(self, delay: float = 0) -> None:
        self.delay = delay
        self.events: list[dict[str, Any]] = []
        self.signatures_ok: list[bool] = []
        self.api: str = ""
        self.token: str = ""
        self.tasks: list[asyncio.Task] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        self.signatures_ok.append(
            hmac.compare_digest(expected, request.headers.get("X-Inbox-Signature-256", ""))
        )
        event = json.loads(body)
        self.events.append(event)
        await asyncio.sleep(self.delay)
        self.tasks.append(asyncio.create_task(self.reply(event)))
        return web.json_response({"ok": True})

    async def reply(self, event: dict[str, Any]) -> None:
        text = f"Bot nhận được: {event['message']['text']}"
        headers = {"Authorization": f"Bearer {self.token}"}
        async with aiohttp.ClientSession() as session:
            url = f"{self.api}/api/v1/conversations/{event['conversation']['id']}/messages"
            async with session.post(url, json={"text": text}, headers=headers) as answer:
                assert answer.status == 201, await answer.text()


@pytest.fixture
async def local_bot() -> AsyncIterator[tuple[LocalBot, str]]:
    bot = LocalBot()
    app = web.Application()
    app.router.add_post("/events", bot.handle)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    yield bot, f"http://127.0.0.1:{server.port}/events"
    await server.close()


async def connect(admin, channel, url: str, **extra: Any) -> dict[str, Any]:
    body = {"greeting": "unused", "external_url": url, "external_secret": SECRET, **extra}
    status, saved = await admin.put(f"/api/v1/channels/{channel['id']}/bot", json=body)
    assert status == 200, saved
    return saved


async def test_a_signed_event_reaches_the_bot_and_its_answer_reaches_the_customer(
    http, admin, server, telegram_channel, fake_telegram, local_bot
):
    fake, _ = fake_telegram
    bot, url = local_bot
    saved = await connect(admin, telegram_channel, url)
    bot.api, bot.token = server.url, saved["token"]
    assert saved["token"].startswith("inb_") and saved["external_secret"] == "•" * 16
    again = await connect(admin, telegram_channel, url, external_secret="•" * 16)
    assert again["token"] is None  # shown once
    renewed = await connect(admin, telegram_channel, url, new_token=True)
    assert renewed["token"].startswith("inb_") and renewed["token"] != saved["token"]

    await customer_writes(http, telegram_channel, CHAT, "Xin chào")

    (answer,) = await bot_said(fake, 1)
    assert answer["text"] == "Bot nhận được: Xin chào"
    assert bot.signatures_ok == [True]
    assert bot.events[0]["event"] == "message.created"
    conversation = await conversation_of(admin)
    assert conversation["status"] == "bot"  # the bot's own reply does not take it away
    _, thread = await admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
    assert thread["items"][-1]["sender"]["type"] == "bot"


async def test_a_bot_that_does_not_answer_in_time_hands_over(
    http, admin, telegram_channel, fake_telegram, local_bot
):
    fake, _ = fake_telegram
    bot, url = local_bot
    bot.delay = 2
    await connect(admin, telegram_channel, url, external_timeout_seconds=0.3)

    await customer_writes(http, telegram_channel, CHAT, "Xin chào")

    async def handed_over() -> list[str]:
        conversation = await conversation_of(admin)  # open at first too: wait for the note
        _, thread = await admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
        notes = [m["text"] for m in thread["items"] if m["kind"] == "note"]
        return notes if notes and conversation["status"] == "open" else []

    (note,) = await eventually(handed_over)
    assert note.startswith("Bot: the external bot did not answer")
    (told,) = await bot_said(fake, 1)
    assert told["text"].startswith("Cảm ơn bạn!")


async def test_an_external_bot_needs_a_secret(admin, telegram_channel):
    body = {"greeting": "x", "external_url": "https://bot.example/events"}
    status, answer = await admin.put(f"/api/v1/channels/{telegram_channel['id']}/bot", json=body)
    assert status == 422 and answer["error"]["details"][0]["field"] == "external_secret"
