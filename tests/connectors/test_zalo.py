"""Zalo OA end to end: signed events in, the consultation API out through a local fake,
with token refresh (one-time refresh tokens), windows and Zalo's error codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bson import ObjectId

from inbox.services import channels as channel_service
from tests.conftest import eventually, load_fixture, zalo_posts, zalo_signature
from tests.fakes.zalo_api import ACCESS_TOKEN

TEXT = load_fixture("zalo", "user_send_text.json")


async def only_conversation(client):
    _, page = await client.get("/api/v1/conversations?status=open,pending,resolved")
    (conversation,) = page["items"]
    return conversation


async def thread(client, conversation_id):
    _, page = await client.get(f"/api/v1/conversations/{conversation_id}/messages")
    return [m for m in page["items"] if m["kind"] != "activity"]


async def reaches(admin, conversation_id, message_id, status):
    async def check():
        found = next(m for m in await thread(admin, conversation_id) if m["id"] == message_id)
        return found if found["delivery"]["status"] == status else None

    return await eventually(check)


async def reply(admin, conversation_id, text, **extra):
    status, message = await admin.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"text": text, **extra}
    )
    assert status == 201, message
    return message


# ---- receiving ------------------------------------------------------------------------------


async def test_a_signed_event_is_stored_and_a_bad_signature_is_refused(http, admin, zalo_channel):
    for signature in (None, "mac=" + "0" * 64, zalo_signature(TEXT, "wrong-secret")):
        status, body = await zalo_posts(http, zalo_channel, TEXT, signature)
        assert (status, body["error"]["code"]) == (401, "bad_signature")

    status, body = await zalo_posts(http, zalo_channel, TEXT)
    again = await zalo_posts(http, zalo_channel, TEXT)

    assert (status, body["stored"], again[1]["duplicates"]) == (200, 1, 1)
    conversation = await only_conversation(admin)
    assert conversation["channel"]["kind"] == "zalo"
    (message,) = await thread(admin, conversation["id"])
    assert message["text"] == "Cho mình hỏi giá combo gia đình"


async def test_an_event_signed_for_another_app_is_refused(http, zalo_channel):
    payload = json.loads(TEXT)
    payload["app_id"] = "1111111111111111"
    body = json.dumps(payload).encode()

    status, _answer = await zalo_posts(http, zalo_channel, body)

    assert status == 401


async def test_media_and_follow_events_are_mapped(http, admin, zalo_channel):
    for name in (
        "user_send_text",
        "user_send_image",
        "user_send_file",
        "user_send_sticker",
        "user_send_location",
        "user_send_link",
        "follow",
        "unfollow",
    ):
        status, _ = await zalo_posts(http, zalo_channel, load_fixture("zalo", f"{name}.json"))
        assert status == 200, name

    conversation = await only_conversation(admin)
    kinds = [
        (m["text"], [a["type"] for a in m["attachments"]])
        for m in await thread(admin, conversation["id"])
    ]
    assert kinds == [
        ("Cho mình hỏi giá combo gia đình", []),
        ("Hàng bị móp hộp", ["image"]),
        (None, ["file"]),
        (None, ["sticker"]),
        (None, ["location"]),
        ("Mẫu này nè shop\nhttps://shop.example/ao-khoac-gio", []),
    ]


async def test_a_message_sent_from_zalos_own_oa_screen_shows_once(http, admin, zalo_channel):
    await zalo_posts(http, zalo_channel, TEXT)
    echo = load_fixture("zalo", "oa_send_text.json")
    await zalo_posts(http, zalo_channel, echo)
    await zalo_posts(http, zalo_channel, echo)

    conversation = await only_conversation(admin)
    _customer, oa = await thread(admin, conversation["id"])
    assert (oa["direction"], oa["text"], oa["sender"]["name"]) == (
        "out",
        "Dạ combo gia đình giá 499k ạ",
        "Shop OA",
    )


async def test_an_echo_of_our_own_reply_is_not_stored_twice(http, admin, zalo_channel, fake_zalo):
    await zalo_posts(http, zalo_channel, TEXT)
    conversation = await only_conversation(admin)
    ours = await reply(admin, conversation["id"], "Dạ 499k ạ")
    sent = await reaches(admin, conversation["id"], ours["id"], "sent")
    echo = json.loads(load_fixture("zalo", "oa_send_text.json"))
    echo["message"] = {"msg_id": sent["external_id"], "text": "Dạ 499k ạ"}

    await zalo_posts(http, zalo_channel, json.dumps(echo).encode())

    assert [m["text"] for m in await thread(admin, conversation["id"])] == [
        "Cho mình hỏi giá combo gia đình",
        "Dạ 499k ạ",
    ]


async def test_received_and_seen_receipts_update_our_message(http, admin, zalo_channel):
    await zalo_posts(http, zalo_channel, TEXT)
    conversation = await only_conversation(admin)
    ours = await reply(admin, conversation["id"], "Dạ 499k ạ")
    sent = await reaches(admin, conversation["id"], ours["id"], "sent")
    for name, status in (("user_received_message", "delivered"), ("user_seen_message", "read")):
        receipt = json.loads(load_fixture("zalo", f"{name}.json"))
        receipt["message"]["msg_ids"] = [sent["external_id"]]
        await zalo_posts(http, zalo_channel, json.dumps(receipt).encode())
        await reaches(admin, conversation["id"], ours["id"], status)


# ---- sending ------------------------------------------------------------------------------


async def test_a_reply_quotes_the_customers_message_so_it_counts_as_a_free_reply(
    http, admin, zalo_channel, fake_zalo
):
    fake, _ = fake_zalo
    await zalo_posts(http, zalo_channel, TEXT)
    conversation = await only_conversation(admin)
    _, detail = await admin.get(f"/api/v1/conversations/{conversation['id']}")
    assert detail["reply_window"]["open"] is True
    assert "48 hours" in detail["reply_window"]["note"]

    ours = await reply(admin, conversation["id"], "Dạ combo 499k ạ")

    await reaches(admin, conversation["id"], ours["id"], "sent")
    (call,) = fake.sent()
    assert call == {
        "recipient": {"user_id": "2468458835291979", "message_id": "96d3cdf3af150460909"},
        "message": {"text": "Dạ combo 499k ạ"},
    }


async def test_an_expired_token_is_refreshed_once_and_the_message_resent(
    http, admin, rt, zalo_channel, fake_zalo
):
    fake, _ = fake_zalo
    await zalo_posts(http, zalo_channel, TEXT)
    conversation = await only_conversation(admin)
    fake.expire(ACCESS_TOKEN)

    ours = await reply(admin, conversation["id"], "Hello")

    await reaches(admin, conversation["id"], ours["id"], "sent")
    assert fake.refreshes == 1
    stored = await channel_service.load(rt, ObjectId(zalo_channel["id"]))
    assert (stored.config["access_token"], stored.config["refresh_token"]) == (
        "zalo-access-token-2",
        "zalo-refresh-token-2",
    )


async def test_concurrent_refreshes_use_the_one_time_refresh_token_once(
    rt, zalo_channel, fake_zalo
):
    import asyncio

    fake, _ = fake_zalo
    channel_id = ObjectId(zalo_channel["id"])
    used = await channel_service.load(rt, channel_id)

    results = await asyncio.gather(
        *(channel_service.refresh(rt, channel_id, used=used) for _ in range(4))
    )

    assert fake.refreshes == 1
    assert {r.config["access_token"] for r in results} == {"zalo-access-token-2"}


async def test_the_beat_task_refreshes_tokens_before_they_expire(rt, zalo_channel, fake_zalo):
    fake, _ = fake_zalo
    channel_id = ObjectId(zalo_channel["id"])
    await rt.store.db["channels"].update_one(
        {"_id": channel_id},
        {"$set": {"credentials_expire_at": datetime.now(UTC) + timedelta(hours=5)}},
    )
    assert await channel_service.refresh_expiring(rt) == 0
    await rt.store.db["channels"].update_one(
        {"_id": channel_id},
        {"$set": {"credentials_expire_at": datetime.now(UTC) + timedelta(minutes=30)}},
    )

    assert await channel_service.refresh_expiring(rt) == 1

    doc = await rt.store.db["channels"].find_one({"_id": channel_id})
    assert doc["credentials_expire_at"] > datetime.now(UTC) + timedelta(hours=24)
    assert fake.refreshes == 1


async def test_a_used_refresh_token_breaks_the_channel_visibly(
    http, admin, rt, zalo_channel, fake_zalo
):
    fake, _ = fake_zalo
    await zalo_posts(http, zalo_channel, TEXT)
    conversation = await only_conversation(admin)
    fake.expire(ACCESS_TOKEN)
    fake.refresh_tokens.clear()

    ours = await reply(admin, conversation["id"], "Hello")

    failed = await reaches(admin, conversation["id"], ours["id"], "failed")
    assert "reconnect the Official Account" in failed["delivery"]["error"]
    _, channel = await admin.get(f"/api/v1/channels/{zalo_channel['id']}")
    assert channel["health"]["state"] == "needs_reauthorisation"


async def test_window_errors_fail_without_retrying(http, admin, zalo_channel, fake_zalo):
    fake, _ = fake_zalo
    fake.fail("message", -230, "User has not interacted with OA in 7 days")
    await zalo_posts(http, zalo_channel, TEXT)
    conversation = await only_conversation(admin)

    ours = await reply(admin, conversation["id"], "Hello")

    failed = await reaches(admin, conversation["id"], ours["id"], "failed")
    assert failed["delivery"]["error"] == "Zalo refuses messages to people silent for 7 days."
    assert len(fake.sent()) == 1


async def test_after_seven_days_the_api_refuses_before_sending(
    http, admin, rt, zalo_channel, fake_zalo
):
    await zalo_posts(http, zalo_channel, TEXT)
    conversation = await only_conversation(admin)
    await rt.store.db["conversations"].update_one(
        {"_id": ObjectId(conversation["id"])},
        {"$set": {"last_customer_message_at": datetime.now(UTC) - timedelta(days=8)}},
    )

    status, body = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Hi"}
    )

    assert (status, body["error"]["code"]) == (422, "reply_window_closed")


async def test_server_errors_are_retried(http, admin, zalo_channel, fake_zalo):
    fake, _ = fake_zalo
    fake.fail("message", -32, "Exceed rate limit")
    await zalo_posts(http, zalo_channel, TEXT)
    conversation = await only_conversation(admin)
    from connectors import zalo

    zalo.RATE_LIMIT_RETRY_SECONDS = 0.2
    try:
        ours = await reply(admin, conversation["id"], "Hello")
        sent = await reaches(admin, conversation["id"], ours["id"], "sent")
    finally:
        zalo.RATE_LIMIT_RETRY_SECONDS = 60.0
    assert sent["delivery"]["attempts"] == 2


async def test_images_and_files_are_uploaded_then_sent(http, admin, zalo_channel, fake_zalo):
    import aiohttp

    fake, _ = fake_zalo
    await zalo_posts(http, zalo_channel, TEXT)
    conversation = await only_conversation(admin)
    ids = []
    for name, content, mime in (
        ("bang-gia.png", b"\x89PNG fake", "image/png"),
        ("bao-gia.pdf", b"%PDF-1.7 fake", "application/pdf"),
    ):
        form = aiohttp.FormData()
        form.add_field("file", content, filename=name, content_type=mime)
        status, uploaded = await admin.post("/api/v1/files", data=form)
        assert status == 201
        ids.append(uploaded["id"])

    ours = await reply(admin, conversation["id"], "Bảng giá và báo giá ạ", attachment_ids=ids)

    await reaches(admin, conversation["id"], ours["id"], "sent")
    image, document, text = fake.sent()
    assert image["message"]["attachment"]["payload"]["elements"] == [
        {"media_type": "image", "attachment_id": "att-1"}
    ]
    assert document["message"]["attachment"] == {
        "type": "file",
        "payload": {"token": "file-token-1"},
    }
    assert text["message"] == {"text": "Bảng giá và báo giá ạ"}
    uploads = [(kind, body["filename"]) for kind, body in fake.calls if kind.startswith("upload")]
    assert uploads == [("upload_image", "bang-gia.png"), ("upload_file", "bao-gia.pdf")]


async def test_a_file_zalo_cannot_take_fails_with_a_clear_reason(
    http, admin, zalo_channel, fake_zalo
):
    import aiohttp

    await zalo_posts(http, zalo_channel, TEXT)
    conversation = await only_conversation(admin)
    form = aiohttp.FormData()
    form.add_field("file", b"x" * (2 * 1024 * 1024), filename="photo.png", content_type="image/png")
    _, uploaded = await admin.post("/api/v1/files", data=form)

    ours = await reply(admin, conversation["id"], "photo", attachment_ids=[uploaded["id"]])

    failed = await reaches(admin, conversation["id"], ours["id"], "failed")
    assert failed["delivery"]["error"] == "Zalo accepts images up to 1 MB, JPG or PNG."


async def test_a_new_followers_name_comes_from_the_oa_user_detail(http, admin, zalo_channel):
    await zalo_posts(http, zalo_channel, TEXT)

    async def named():
        conversation = await only_conversation(admin)
        return conversation if conversation["contact"]["name"] == "Phạm Văn Tú" else None

    assert await eventually(named)


async def test_a_busy_oa_api_delays_the_followers_name_but_does_not_lose_it(
    http, admin, zalo_channel, fake_zalo
):
    fake, _ = fake_zalo
    fake.fail("user", -32, "Exceed rate limit")
    await zalo_posts(http, zalo_channel, TEXT)

    async def named():
        conversation = await only_conversation(admin)
        return conversation if conversation["contact"]["name"] == "Phạm Văn Tú" else None

    assert await eventually(named, timeout=20)
    assert not fake.failures["user"]  # the name came from a second lookup
