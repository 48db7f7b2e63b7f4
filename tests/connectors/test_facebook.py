"""Facebook end to end over HTTP: the handshake, signed webhooks, comments, and sending
through facebook-sdk to a local fake Graph API, with Meta's errors and windows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bson import ObjectId

from tests.conftest import (
    eventually,
    facebook_posts,
    facebook_signature,
    load_fixture,
)
from tests.fakes.graph_api import PAGE_ID, PAGE_TOKEN


async def conversations(client, **query):
    qs = "&".join(f"{k}={v}" for k, v in {"status": "open,pending,resolved", **query}.items())
    return (await client.get(f"/api/v1/conversations?{qs}"))[1]["items"]


async def thread(client, conversation_id):
    _, page = await client.get(f"/api/v1/conversations/{conversation_id}/messages")
    return [m for m in page["items"] if m["kind"] != "activity"]


async def delivered(admin, conversation_id, message_id, status):
    async def check():
        found = next(m for m in await thread(admin, conversation_id) if m["id"] == message_id)
        return found if found["delivery"]["status"] == status else None

    return await eventually(check)


# ---- connecting and the handshake -------------------------------------------------------


async def test_connecting_checks_the_token_and_subscribes_the_page(
    admin, fake_graph, facebook_channel
):
    fake, _ = fake_graph

    assert facebook_channel["config"]["page_name"] == "Shop page"
    assert facebook_channel["config"]["page_access_token"].startswith("••••")
    subscribed = [params for kind, params in fake.calls if kind == "subscribe"]
    assert subscribed[0]["subscribed_fields"].split(",") == [
        "messages",
        "messaging_postbacks",
        "message_deliveries",
        "message_reads",
        "message_echoes",
        "feed",
    ]


async def test_a_token_of_another_page_or_an_expired_one_is_refused(admin, fake_graph):
    _, base = fake_graph
    status, body = await admin.post(
        "/api/v1/channels",
        json={
            "kind": "facebook",
            "name": "x",
            "config": {
                "page_id": PAGE_ID,
                "page_access_token": "expired-token",
                "app_secret": "s",
                "graph_base_url": base,
            },
        },
    )
    assert status == 422
    assert "access token is no longer valid" in body["error"]["message"]
    status, body = await admin.post(
        "/api/v1/channels",
        json={
            "kind": "facebook",
            "name": "x",
            "config": {
                "page_id": "999",
                "page_access_token": PAGE_TOKEN,
                "app_secret": "s",
                "graph_base_url": base,
            },
        },
    )
    assert (status, body["error"]["message"]) == (
        422,
        f"The access token is for page {PAGE_ID}, not 999.",
    )


async def test_the_subscription_handshake_answers_the_challenge_only_with_the_right_token(
    http, facebook_channel
):
    path = f"/webhooks/facebook/{facebook_channel['id']}"

    ok = await http.session.get(
        f"{http.base}{path}?hub.mode=subscribe&hub.verify_token=verify-me-please&hub.challenge=1158201444"
    )
    wrong = await http.get(
        f"{path}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1158201444"
    )

    assert (ok.status, await ok.text()) == (200, "1158201444")
    assert wrong[0] == 403


# ---- receiving ------------------------------------------------------------------------------


async def test_a_signed_message_opens_a_conversation(http, admin, facebook_channel):
    status, body = await facebook_posts(
        http, facebook_channel, load_fixture("facebook", "text_message.json")
    )

    assert (status, body["stored"]) == (200, 1)
    (conversation,) = await conversations(admin)
    assert conversation["channel"]["kind"] == "facebook"
    assert conversation["reply_window"] is None
    (message,) = await thread(admin, conversation["id"])
    assert message["text"] == "Chào shop, áo này còn size M không ạ?"


async def test_wrong_or_missing_signatures_store_nothing(http, admin, facebook_channel):
    body = load_fixture("facebook", "text_message.json")
    for signature in (
        None,
        "sha256=" + "0" * 64,
        facebook_signature(body, "another-secret"),
        facebook_signature(body + b" "),
    ):
        status, answer = await facebook_posts(http, facebook_channel, body, signature)
        assert (status, answer["error"]["code"]) == (401, "bad_signature"), signature
    assert await conversations(admin) == []


async def test_the_signature_is_checked_on_the_exact_bytes_received(http, admin, facebook_channel):
    # Meta escapes non-ASCII as \\uXXXX; re-serialised JSON would not match the signature.
    escaped = json.dumps(
        json.loads(load_fixture("facebook", "text_message.json")), ensure_ascii=True
    ).encode()

    status, _ = await facebook_posts(http, facebook_channel, escaped)

    assert status == 200
    (conversation,) = await conversations(admin)
    assert conversation["last_message"]["text"] == "Chào shop, áo này còn size M không ạ?"


async def test_a_batch_is_stored_whole_and_a_redelivery_stores_nothing(
    http, admin, facebook_channel
):
    body = load_fixture("facebook", "batched.json")

    first = await facebook_posts(http, facebook_channel, body)
    again = await facebook_posts(http, facebook_channel, body)

    assert first[1] == {"ok": True, "received": 3, "stored": 3, "duplicates": 0}
    assert again[1] == {"ok": True, "received": 3, "stored": 0, "duplicates": 3}
    assert len(await conversations(admin)) == 2


async def test_attachments_postbacks_and_quick_replies_become_messages(
    http, admin, facebook_channel
):
    for name in ("image_attachment", "file_attachment", "postback", "quick_reply"):
        await facebook_posts(http, facebook_channel, load_fixture("facebook", f"{name}.json"))

    (conversation,) = await conversations(admin)
    image, document, postback, quick = await thread(admin, conversation["id"])
    assert image["attachments"][0]["type"] == "image"
    assert image["attachments"][0]["source_url"].startswith("https://scontent.xx.fbcdn.net/")
    assert document["attachments"][0]["type"] == "file"
    assert postback["text"] == "Bảo hành"
    assert quick["text"] == "Thanh toán"


async def test_a_message_sent_from_the_page_inbox_shows_once_as_sent(http, admin, facebook_channel):
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))
    echo = load_fixture("facebook", "echo_from_page_inbox.json")

    await facebook_posts(http, facebook_channel, echo)
    await facebook_posts(http, facebook_channel, echo)

    (conversation,) = await conversations(admin)
    _customer, page_reply = await thread(admin, conversation["id"])
    assert page_reply["direction"] == "out"
    assert page_reply["text"] == "Dạ còn size M ạ, chị đặt qua link này nhé"
    assert page_reply["delivery"]["status"] == "sent"
    assert page_reply["sender"]["name"] == "Shop page"


async def test_delivery_and_read_receipts_move_our_messages_forward(
    http, admin, rt, facebook_channel, fake_graph
):
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))
    (conversation,) = await conversations(admin)
    _, reply = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Dạ còn ạ"}
    )
    sent = await delivered(admin, conversation["id"], reply["id"], "sent")
    delivery = json.loads(load_fixture("facebook", "delivery.json"))
    delivery["entry"][0]["messaging"][0]["delivery"]["mids"] = [sent["external_id"]]
    read = json.loads(load_fixture("facebook", "read.json"))
    read["entry"][0]["messaging"][0]["read"]["watermark"] = (
        int(datetime.now(UTC).timestamp() * 1000) + 1000
    )

    await facebook_posts(http, facebook_channel, json.dumps(delivery).encode())
    assert (await delivered(admin, conversation["id"], reply["id"], "delivered"))["delivery"][
        "status"
    ] == "delivered"
    await facebook_posts(http, facebook_channel, json.dumps(read).encode())
    assert (await delivered(admin, conversation["id"], reply["id"], "read"))["delivery"][
        "status"
    ] == "read"
    await facebook_posts(http, facebook_channel, json.dumps(delivery).encode())
    (stored,) = [m for m in await thread(admin, conversation["id"]) if m["id"] == reply["id"]]
    assert stored["delivery"]["status"] == "read", "a late delivery receipt never moves it back"


async def test_a_page_comment_opens_a_comment_conversation_per_post_and_person(
    http, admin, facebook_channel
):
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "page_comment.json"))
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "comment_edited.json"))
    await facebook_posts(
        http, facebook_channel, load_fixture("facebook", "page_own_comment_and_like.json")
    )

    (conversation,) = await conversations(admin)
    assert conversation["kind"] == "comment"
    assert conversation["contact"]["name"] == "Trần Thị Mai"
    (comment,) = await thread(admin, conversation["id"])
    assert comment["text"] == "Mẫu này có màu đen và màu be không shop?"
    assert comment["edited_at"] is not None


async def test_other_objects_are_acknowledged_and_ignored(http, admin, facebook_channel):
    status, body = await facebook_posts(
        http, facebook_channel, load_fixture("facebook", "instagram.json")
    )

    assert (status, body["received"]) == (200, 0)


# ---- sending ------------------------------------------------------------------------------


async def test_a_reply_goes_through_the_send_api_inside_the_24_hour_window(
    http, admin, facebook_channel, fake_graph
):
    fake, _ = fake_graph
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))
    (conversation,) = await conversations(admin)
    _, detail = await admin.get(f"/api/v1/conversations/{conversation['id']}")
    assert detail["reply_window"]["open"] is True

    _, reply = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Dạ còn size M ạ"}
    )

    sent = await delivered(admin, conversation["id"], reply["id"], "sent")
    (call,) = fake.sent()
    assert call["recipient"] == {"id": "24680135791357"}
    assert call["messaging_type"] == "RESPONSE"
    assert call["message"] == {"text": "Dạ còn size M ạ", "metadata": f"inbox:{reply['id']}"}
    assert call["access_token"] == PAGE_TOKEN
    assert sent["external_id"].startswith("m_out_")


async def test_after_24_hours_only_a_human_agent_tagged_reply_is_possible(
    http, admin, rt, facebook_channel, fake_graph
):
    fake, _ = fake_graph
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))
    (conversation,) = await conversations(admin)
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    await rt.store.db["conversations"].update_one(
        {"_id": ObjectId(conversation["id"])}, {"$set": {"last_customer_message_at": two_days_ago}}
    )
    path = f"/api/v1/conversations/{conversation['id']}"

    closed = await admin.post(f"{path}/messages", json={"text": "Hello?"})
    assert closed[0] == 422
    assert closed[1]["error"]["code"] == "reply_window_closed"
    assert "24 hours" in closed[1]["error"]["message"]
    assert (await admin.get(path))[1]["reply_window"]["open"] is False

    await rt.store.db["channels"].update_one(
        {"_id": ObjectId(facebook_channel["id"])}, {"$set": {"config.human_agent_tag": True}}
    )
    window = (await admin.get(path))[1]["reply_window"]
    assert window["open"] is True
    assert "human agent" in window["note"]
    _, reply = await admin.post(f"{path}/messages", json={"text": "Sorry for the wait"})
    await delivered(admin, conversation["id"], reply["id"], "sent")
    assert (fake.sent()[-1]["messaging_type"], fake.sent()[-1]["tag"]) == (
        "MESSAGE_TAG",
        "HUMAN_AGENT",
    )


async def test_rate_limits_and_temporary_failures_are_retried(
    http, admin, facebook_channel, fake_graph, monkeypatch
):
    from connectors import facebook

    fake, _ = fake_graph
    monkeypatch.setattr(facebook, "RATE_LIMIT_RETRY_SECONDS", 0.2)
    fake.fail("messages", 400, 613, "(#613) Calls to this api have exceeded the rate limit.")
    fake.fail(
        "messages", 500, 2, "An unexpected error has occurred. Please retry your request later."
    )
    fake.fail("messages", 503, None, "")
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))
    (conversation,) = await conversations(admin)

    _, reply = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Hi"}
    )

    sent = await delivered(admin, conversation["id"], reply["id"], "sent")
    assert sent["delivery"]["attempts"] == 4
    assert len(fake.sent()) == 4


async def test_an_expired_token_fails_the_message_and_flags_the_channel(
    http, admin, facebook_channel, fake_graph
):
    fake, _ = fake_graph
    fake.fail(
        "messages", 400, 190, "Error validating access token: The session has been invalidated."
    )
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))
    (conversation,) = await conversations(admin)

    _, reply = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Hi"}
    )

    failed = await delivered(admin, conversation["id"], reply["id"], "failed")
    assert (
        failed["delivery"]["error"]
        == "The page access token is no longer valid: reconnect the page."
    )
    _, channel = await admin.get(f"/api/v1/channels/{facebook_channel['id']}")
    assert channel["health"]["state"] == "needs_reauthorisation"


async def test_a_person_who_is_unavailable_fails_at_once(http, admin, facebook_channel, fake_graph):
    fake, _ = fake_graph
    fake.fail("messages", 400, 551, "This person isn't available right now.", subcode=1545041)
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))
    (conversation,) = await conversations(admin)

    _, reply = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Hi"}
    )

    failed = await delivered(admin, conversation["id"], reply["id"], "failed")
    assert failed["delivery"]["error"] == "This person is not available to receive messages."
    assert len(fake.sent()) == 1


async def test_comment_replies_are_public_unless_the_agent_chooses_private(
    http, admin, facebook_channel, fake_graph
):
    fake, _ = fake_graph
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "page_comment.json"))
    (conversation,) = await conversations(admin)
    path = f"/api/v1/conversations/{conversation['id']}/messages"

    _, public = await admin.post(path, json={"text": "Dạ có màu đen ạ"})
    _, private = await admin.post(
        path, json={"text": "Shop gửi chị bảng giá nhé", "mode": "private"}
    )
    wrong = await admin.post(path, json={"text": "x", "mode": "loud"})

    await delivered(admin, conversation["id"], public["id"], "sent")
    await delivered(admin, conversation["id"], private["id"], "sent")
    (comment_reply,) = fake.comment_replies()
    assert comment_reply["message"] == "Dạ có màu đen ạ"
    (messenger,) = fake.sent()
    assert messenger["recipient"] == {"comment_id": "889977665544_1122334455667788"}
    assert wrong[0] == 422


async def test_an_uploaded_image_is_sent_as_an_attachment(
    http, admin, facebook_channel, fake_graph
):
    import aiohttp

    fake, _ = fake_graph
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))
    (conversation,) = await conversations(admin)
    form = aiohttp.FormData()
    form.add_field(
        "file", b"\x89PNG\r\n\x1a\nfake", filename="size-chart.png", content_type="image/png"
    )
    status, uploaded = await admin.post("/api/v1/files", data=form)
    assert status == 201, uploaded

    _, reply = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages",
        json={"text": "Bảng size đây ạ", "attachment_ids": [uploaded["id"]]},
    )

    await delivered(admin, conversation["id"], reply["id"], "sent")
    image, text = fake.sent()
    assert image["message"] == {"attachment": {"type": "image", "payload": {"is_reusable": False}}}
    assert image["filedata"]["content"] == b"\x89PNG\r\n\x1a\nfake"
    assert text["message"]["text"] == "Bảng size đây ạ"
    assert reply["attachments"][0]["name"] == "size-chart.png"


async def test_a_new_customers_name_and_picture_are_fetched_in_the_background(
    http, admin, facebook_channel
):
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))

    async def named():
        (conversation,) = await conversations(admin)
        return conversation if conversation["contact"]["name"] == "Linh Đặng" else None

    conversation = await eventually(named)
    assert conversation["contact"]["avatar_url"] == "https://platform-lookaside.fbsbx.com/p.jpg"
