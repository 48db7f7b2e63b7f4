"""Telegram updates posted over HTTP to the running app, as Telegram posts them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.conftest import Client, load_fixture

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def post_update(
    http: Client, channel: dict[str, Any], body: bytes | str, secret: str | None = "default"
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if secret == "default":
        secret = channel["secret_token"]
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return await http.post(f"/webhooks/telegram/{channel['id']}", data=body, headers=headers)


async def conversations(client: Client) -> list[dict[str, Any]]:
    status, page = await client.get("/api/v1/conversations")
    assert status == 200
    return page["items"]


async def thread(client: Client, conversation_id: str) -> list[dict[str, Any]]:
    status, page = await client.get(f"/api/v1/conversations/{conversation_id}/messages")
    assert status == 200
    return [m for m in page["items"] if m["kind"] != "activity"]


async def test_a_customer_message_opens_a_conversation_with_the_message(
    http, admin, telegram_channel
):
    status, body = await post_update(
        http, telegram_channel, load_fixture("telegram", "text_message.json")
    )

    assert status == 200
    assert body == {"ok": True, "received": 1, "stored": 1, "duplicates": 0}
    (conversation,) = await conversations(admin)
    assert conversation["contact"]["name"] == "Lan Nguyễn"
    assert conversation["channel"] == {
        "id": telegram_channel["id"],
        "kind": "telegram",
        "name": "Shop bot",
    }
    assert conversation["status"] == "open"
    assert conversation["unread_count"] == 1
    (message,) = await thread(admin, conversation["id"])
    assert message["direction"] == "in"
    assert message["text"] == "Xin chào, đơn hàng #DH1024 của tôi đang ở đâu?"
    assert message["sender"]["type"] == "contact"
    assert message["external_id"] == "5511223344:1365"
    assert message["private"] is False


async def test_wrong_secret_is_rejected_and_nothing_is_stored(http, admin, telegram_channel):
    status, body = await post_update(
        http,
        telegram_channel,
        load_fixture("telegram", "text_message.json"),
        secret="not-the-secret",
    )

    assert status == 401
    assert body["error"]["code"] == "bad_signature"
    assert await conversations(admin) == []


async def test_missing_secret_is_rejected_and_nothing_is_stored(http, admin, telegram_channel):
    status, body = await post_update(
        http, telegram_channel, load_fixture("telegram", "text_message.json"), secret=None
    )

    assert status == 401
    assert body["error"]["code"] == "bad_signature"
    assert await conversations(admin) == []


async def test_a_redelivered_update_is_stored_once_and_still_answered_200(
    http, admin, telegram_channel
):
    update = load_fixture("telegram", "text_message.json")
    first = await post_update(http, telegram_channel, update)
    second = await post_update(http, telegram_channel, update)

    assert first == (200, {"ok": True, "received": 1, "stored": 1, "duplicates": 0})
    assert second == (200, {"ok": True, "received": 1, "stored": 0, "duplicates": 1})
    (conversation,) = await conversations(admin)
    assert len(await thread(admin, conversation["id"])) == 1
    assert conversation["unread_count"] == 1


async def test_concurrent_redeliveries_store_one_message_in_one_conversation(
    http, admin, telegram_channel
):
    update = load_fixture("telegram", "text_message.json")
    answers = await asyncio.gather(*(post_update(http, telegram_channel, update) for _ in range(6)))

    assert {status for status, _ in answers} == {200}
    assert sum(body["stored"] for _, body in answers) == 1
    (conversation,) = await conversations(admin)
    assert len(await thread(admin, conversation["id"])) == 1


async def test_the_next_message_of_the_chat_joins_the_same_conversation(
    http, admin, telegram_channel
):
    await post_update(http, telegram_channel, load_fixture("telegram", "text_message.json"))
    await post_update(http, telegram_channel, load_fixture("telegram", "photo_with_caption.json"))

    (conversation,) = await conversations(admin)
    _first, photo = await thread(admin, conversation["id"])
    assert photo["text"] == "Sản phẩm bị trầy như thế này"
    assert photo["attachments"] == [
        {
            "type": "image",
            "url": f"/api/v1/messages/{photo['id']}/attachments/0",
            "file_id": "AgACAgUAAxkBAAIBZ2VhYmNkZWZnaGlqa2xtbm9w-large",
            "name": None,
            "size": 88012,
            "mime_type": None,
            "source_url": None,
            "stored_copy": None,
        }
    ]
    assert conversation["unread_count"] == 2
    assert conversation["last_message"]["text"] == "Sản phẩm bị trầy như thế này"


async def test_an_edit_changes_the_text_and_keeps_the_original(http, admin, rt, telegram_channel):
    await post_update(http, telegram_channel, load_fixture("telegram", "text_message.json"))
    status, body = await post_update(
        http, telegram_channel, load_fixture("telegram", "edited_message.json")
    )

    assert status == 200
    assert body["stored"] == 0
    (conversation,) = await conversations(admin)
    (message,) = await thread(admin, conversation["id"])
    assert message["text"] == "Xin chào, đơn hàng #DH1025 của tôi đang ở đâu?"
    assert message["edited_at"] == "2026-11-18T11:07:10.000Z"
    stored = await rt.store.db["messages"].find_one({"external_id": "5511223344:1365"})
    assert stored["edits"][0]["text"] == "Xin chào, đơn hàng #DH1024 của tôi đang ở đâu?"


async def test_a_button_press_is_a_message_showing_the_button_label(http, admin, telegram_channel):
    status, _ = await post_update(
        http, telegram_channel, load_fixture("telegram", "callback_query.json")
    )

    assert status == 200
    (conversation,) = await conversations(admin)
    (message,) = await thread(admin, conversation["id"])
    assert message["text"] == "Bảo hành"


async def test_updates_that_are_not_messages_are_acknowledged_and_ignored(
    http, admin, telegram_channel
):
    for fixture in ("my_chat_member.json", "channel_post.json"):
        status, body = await post_update(http, telegram_channel, load_fixture("telegram", fixture))
        assert (status, body) == (200, {"ok": True, "received": 0, "stored": 0, "duplicates": 0})
    assert await conversations(admin) == []


async def test_a_body_that_is_not_json_is_a_400(http, admin, telegram_channel):
    status, body = await post_update(http, telegram_channel, b"{not json")

    assert status == 400
    assert body["error"]["code"] == "invalid_payload"


async def test_a_json_body_that_is_not_an_update_is_a_400(http, admin, telegram_channel):
    status, body = await post_update(http, telegram_channel, json.dumps({"hello": "world"}))

    assert status == 400
    assert body["error"]["code"] == "invalid_payload"
    assert await conversations(admin) == []


async def test_unreadable_but_signed_bodies_are_kept_for_the_admin(http, admin, telegram_channel):
    await post_update(http, telegram_channel, json.dumps({"hello": "wörld"}))
    await post_update(http, telegram_channel, b"garbage", secret="wrong")

    status, page = await admin.get(f"/api/v1/channels/{telegram_channel['id']}/dead-letters")

    assert status == 200
    (letter,) = page["items"]
    assert letter["body"] == '{"hello": "w\\u00f6rld"}'
    assert "Unreadable telegram payload" in letter["error"]


async def test_unknown_channels_are_404(http, telegram_channel):
    update = load_fixture("telegram", "text_message.json")
    for path in (
        "/webhooks/telegram/ffffffffffffffffffffffff",
        "/webhooks/telegram/not-an-id",
        f"/webhooks/facebook/{telegram_channel['id']}",
        f"/webhooks/nosuch/{telegram_channel['id']}",
    ):
        status, body = await http.post(
            path, data=update, headers={SECRET_HEADER: telegram_channel["secret_token"]}
        )
        assert status == 404, path
        assert body["error"]["code"] == "not_found"


async def test_an_oversized_body_is_a_413(http, telegram_channel, settings):
    status, body = await post_update(
        http, telegram_channel, b"{" + b" " * (settings.max_body_bytes + 10) + b"}"
    )

    assert status == 413
    assert body["error"]["code"] == "payload_too_large"


async def test_agents_open_telegram_files_through_the_inbox(
    http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await post_update(http, telegram_channel, load_fixture("telegram", "document.json"))
    (conversation,) = await conversations(admin)
    (message,) = await thread(admin, conversation["id"])

    async with admin.session.get(
        admin.base + message["attachments"][0]["url"],
        headers={"Authorization": f"Bearer {admin.token}"},
    ) as answer:
        body = await answer.read()
        disposition = answer.headers["Content-Disposition"]

    assert body == fake.files["BQACAgUAAxkBAAIBaGVhYmNkZWZnaGlqa2xtbm9w"]
    assert disposition == "attachment; filename*=UTF-8''invoice-2026-10.pdf"
    assert ("getFile", {"file_id": "BQACAgUAAxkBAAIBaGVhYmNkZWZnaGlqa2xtbm9w"}) in fake.calls
