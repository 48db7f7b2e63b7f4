"""Connecting a bot and delivering agents' replies through a local fake Bot API server.

Replies go through the real path: API -> queued message -> Celery task on the embedded
valkey broker -> python-telegram-bot -> fake Telegram.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import BOT_TOKEN, Client, eventually, load_fixture
from tests.connectors.test_telegram_webhook import post_update

CHAT_ID = "5511223344"


async def open_conversation(http: Client, admin: Client, channel: dict[str, Any]) -> str:
    await post_update(http, channel, load_fixture("telegram", "text_message.json"))
    _status, page = await admin.get("/api/v1/conversations")
    return page["items"][0]["id"]


async def reply(
    admin: Client, conversation_id: str, text: str, private: bool = False
) -> dict[str, Any]:
    status, message = await admin.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"text": text, "private": private}
    )
    assert status == 201, message
    return message


async def message_when(
    admin: Client, conversation_id: str, message_id: str, status: str
) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        _, page = await admin.get(f"/api/v1/conversations/{conversation_id}/messages")
        found = next(m for m in page["items"] if m["id"] == message_id)
        return found if found["delivery"]["status"] == status else None

    return await eventually(check)


# ---- connecting ---------------------------------------------------------------------------


async def test_connecting_a_bot_registers_the_webhook_with_its_secret(
    admin, fake_telegram, settings
):
    fake, base = fake_telegram
    status, channel = await admin.post(
        "/api/v1/channels",
        json={
            "kind": "telegram",
            "name": "Shop bot",
            "config": {"bot_token": BOT_TOKEN, "api_base_url": base},
        },
    )

    assert status == 201, channel
    assert channel["webhook_url"] == f"{settings.base_url}/webhooks/telegram/{channel['id']}"
    assert fake.webhook["url"] == channel["webhook_url"]
    secret = fake.webhook["secret_token"]
    assert len(secret) >= 32
    assert fake.webhook["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
    ]
    assert channel["config"]["bot_username"] == "shop_test_bot"
    assert channel["config"]["bot_token"] == "••••" + BOT_TOKEN[-4:]
    assert secret not in str(channel)


async def test_a_rejected_bot_token_is_a_422_and_no_channel(admin, fake_telegram):
    fake, base = fake_telegram
    fake.rejected_tokens.add(BOT_TOKEN)
    status, body = await admin.post(
        "/api/v1/channels",
        json={
            "kind": "telegram",
            "name": "Shop bot",
            "config": {"bot_token": BOT_TOKEN, "api_base_url": base},
        },
    )

    assert status == 422
    assert body["error"]["code"] == "channel_setup_failed"
    assert "rejected the bot token" in body["error"]["message"]
    assert (await admin.get("/api/v1/channels"))[1]["items"] == []


async def test_telegram_refusing_the_webhook_url_is_explained(admin, fake_telegram):
    fake, base = fake_telegram
    fake.fail(
        "setWebhook", 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    )
    status, body = await admin.post(
        "/api/v1/channels",
        json={
            "kind": "telegram",
            "name": "Shop bot",
            "config": {"bot_token": BOT_TOKEN, "api_base_url": base},
        },
    )

    assert status == 422
    assert "https url must be provided" in body["error"]["message"].lower()


async def test_a_wrong_bot_api_address_is_not_called_a_wrong_token(admin):
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    not_telegram = web.Application()  # a web site, not the Bot API: 404 pages in HTML
    server = TestServer(not_telegram, host="127.0.0.1")
    await server.start_server()
    try:
        status, body = await admin.post(
            "/api/v1/channels",
            json={
                "kind": "telegram",
                "name": "Shop bot",
                "config": {"bot_token": BOT_TOKEN, "api_base_url": str(server.make_url(""))},
            },
        )
    finally:
        await server.close()

    assert status == 422, body
    message = body["error"]["message"]
    assert "does not answer like the Telegram Bot API" in message and "address" in message
    assert "token" not in message


async def test_an_unreachable_telegram_is_a_502(admin):
    status, body = await admin.post(
        "/api/v1/channels",
        json={
            "kind": "telegram",
            "name": "Shop bot",
            "config": {"bot_token": BOT_TOKEN, "api_base_url": "http://127.0.0.1:9"},
        },
    )

    assert status == 502
    assert body["error"]["code"] == "channel_setup_failed"
    assert "Could not reach the Bot API at http://127.0.0.1:9" in body["error"]["message"]


async def test_invalid_configs_say_which_field_is_wrong(admin, fake_telegram):
    _, _base = fake_telegram
    cases = [
        ({}, "bot_token"),
        ({"bot_token": "not-a-token"}, "bot_token"),
        ({"bot_token": BOT_TOKEN, "secret_token": "has spaces!"}, "secret_token"),
        ({"bot_token": BOT_TOKEN, "colour": "blue"}, "colour"),
        ({"bot_token": BOT_TOKEN, "api_base_url": "ftp://x"}, "api_base_url"),
    ]
    for config, field in cases:
        status, body = await admin.post(
            "/api/v1/channels", json={"kind": "telegram", "name": "x", "config": config}
        )
        assert status == 422, config
        assert body["error"]["code"] == "invalid_config"
        assert [d["field"] for d in body["error"]["details"]] == [field], config


async def test_unknown_channel_kinds_are_refused(admin):
    status, body = await admin.post(
        "/api/v1/channels", json={"kind": "fax", "name": "x", "config": {}}
    )

    assert status == 422
    assert body["error"]["code"] == "unknown_kind"
    assert "telegram" in body["error"]["details"]["kinds"]


# ---- delivering -----------------------------------------------------------------------------


async def test_a_reply_is_queued_then_sent_through_the_bot_api(
    http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    conversation_id = await open_conversation(http, admin, telegram_channel)

    message = await reply(admin, conversation_id, "Đơn của chị đang được giao ạ.")

    assert message["delivery"]["status"] == "queued"
    assert message["direction"] == "out"
    assert message["sender"] == {
        "type": "agent",
        "id": str(admin.agent["_id"]),
        "name": "Ada Admin",
    }
    sent = await message_when(admin, conversation_id, message["id"], "sent")
    (call,) = fake.sent()
    assert (call["chat_id"], call["text"]) == (CHAT_ID, "Đơn của chị đang được giao ạ.")
    assert sent["external_id"].startswith(f"{CHAT_ID}:")
    assert sent["delivery"]["attempts"] == 1


async def test_a_private_note_is_never_sent(http, admin, telegram_channel, fake_telegram):
    fake, _ = fake_telegram
    conversation_id = await open_conversation(http, admin, telegram_channel)

    note = await reply(admin, conversation_id, "Customer is a VIP, be nice", private=True)

    assert note["private"] is True
    assert note["kind"] == "note"
    assert note["delivery"] is None
    marker = await reply(admin, conversation_id, "marker")
    await message_when(admin, conversation_id, marker["id"], "sent")
    assert [c["text"] for c in fake.sent()] == ["marker"]


async def test_rate_limited_sends_wait_retry_after_then_succeed(
    http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    fake.fail("sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1})
    conversation_id = await open_conversation(http, admin, telegram_channel)

    message = await reply(admin, conversation_id, "Hello")

    sent = await message_when(admin, conversation_id, message["id"], "sent")
    assert len(fake.sent()) == 2
    assert sent["delivery"]["attempts"] == 2
    assert sent["delivery"]["error"] is None


async def test_server_errors_are_retried_with_backoff(http, admin, telegram_channel, fake_telegram):
    fake, _ = fake_telegram
    fake.fail("sendMessage", 500, "Internal Server Error", times=2)
    conversation_id = await open_conversation(http, admin, telegram_channel)

    message = await reply(admin, conversation_id, "Hello")

    sent = await message_when(admin, conversation_id, message["id"], "sent")
    assert sent["delivery"]["attempts"] == 3
    assert len(fake.sent()) == 3


async def test_a_bot_blocked_by_the_user_fails_at_once_with_the_reason(
    http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    fake.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    conversation_id = await open_conversation(http, admin, telegram_channel)

    message = await reply(admin, conversation_id, "Hello")

    failed = await message_when(admin, conversation_id, message["id"], "failed")
    assert failed["delivery"]["error"] == "Forbidden: bot was blocked by the user"
    assert failed["delivery"]["attempts"] == 1
    assert len(fake.sent()) == 1


async def test_a_bad_request_fails_without_retrying(http, admin, telegram_channel, fake_telegram):
    fake, _ = fake_telegram
    fake.fail("sendMessage", 400, "Bad Request: chat not found")
    conversation_id = await open_conversation(http, admin, telegram_channel)

    message = await reply(admin, conversation_id, "Hello")

    failed = await message_when(admin, conversation_id, message["id"], "failed")
    assert failed["delivery"]["error"] == "Chat not found"
    assert len(fake.sent()) == 1


async def test_retries_give_up_after_the_attempt_limit(
    http, admin, telegram_channel, fake_telegram, settings
):
    fake, _ = fake_telegram
    fake.fail("sendMessage", 502, "Bad Gateway", times=10)
    conversation_id = await open_conversation(http, admin, telegram_channel)

    message = await reply(admin, conversation_id, "Hello")

    failed = await message_when(admin, conversation_id, message["id"], "failed")
    assert failed["delivery"]["attempts"] == settings.delivery_max_attempts
    assert failed["delivery"]["error"].startswith(
        f"Gave up after {settings.delivery_max_attempts} attempts"
    )
    assert len(fake.sent()) == settings.delivery_max_attempts


async def test_an_agent_can_retry_a_failed_message(http, admin, telegram_channel, fake_telegram):
    fake, _ = fake_telegram
    fake.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    conversation_id = await open_conversation(http, admin, telegram_channel)
    message = await reply(admin, conversation_id, "Hello")
    await message_when(admin, conversation_id, message["id"], "failed")

    status, retried = await admin.post(f"/api/v1/messages/{message['id']}/retry")

    assert status == 200
    assert retried["delivery"]["status"] == "queued"
    await message_when(admin, conversation_id, message["id"], "sent")
    status, _body = await admin.post(f"/api/v1/messages/{message['id']}/retry")
    assert status == 409


async def test_a_group_that_became_a_supergroup_gets_the_message_at_its_new_id(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    fake.fail(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": -1009999999999},
    )
    conversation_id = await open_conversation(http, admin, telegram_channel)

    message = await reply(admin, conversation_id, "Hello group")

    await message_when(admin, conversation_id, message["id"], "sent")
    assert [c["chat_id"] for c in fake.sent()] == [CHAT_ID, "-1009999999999"]
    from bson import ObjectId

    conversation = await rt.store.db["conversations"].find_one({"_id": ObjectId(conversation_id)})
    assert conversation["thread_id"] == "-1009999999999"


async def test_long_replies_are_split_into_telegram_sized_messages(
    http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    conversation_id = await open_conversation(http, admin, telegram_channel)
    text = ("Dòng hướng dẫn số một.\n" * 300).strip()

    message = await reply(admin, conversation_id, text)

    await message_when(admin, conversation_id, message["id"], "sent")
    parts = [c["text"] for c in fake.sent()]
    assert len(parts) == 2
    assert all(len(part) <= 4096 for part in parts)
    assert "\n".join(parts) == text
