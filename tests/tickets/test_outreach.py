"""A ticket opened for a contact without a conversation (a phone call): the agent's reply
starts a conversation on one of the contact's channels where the platform lets a business
write first, and says why not elsewhere."""

from __future__ import annotations

from datetime import timedelta

from bson import ObjectId

from inbox import clock
from tests.conftest import customer_writes, eventually, facebook_posts, load_fixture, relay_email


async def ticket_for(admin, contact_id: str, title: str = "Called about a refund") -> dict:
    status, ticket = await admin.post(
        "/api/v1/tickets", json={"title": title, "contact_id": contact_id}
    )
    assert status == 201, ticket
    return ticket


async def reach(admin, ticket) -> dict[str, dict]:
    status, page = await admin.get(f"/api/v1/tickets/{ticket['id']}/reach")
    assert status == 200, page
    return {option["kind"]: option for option in page["items"]}


async def test_an_email_to_the_contact_starts_the_conversation_and_the_answer_joins_it(
    http, admin, email_channel, smtp
):
    recorder, _ = smtp
    status, contact = await admin.post(
        "/api/v1/contacts", json={"name": "Chị Lan", "emails": ["lan@example.com"]}
    )
    assert status == 201, contact
    ticket = await ticket_for(admin, contact["id"])
    options = await reach(admin, ticket)
    assert options["email"]["possible"] is True
    assert options["email"]["recipient"] == "lan@example.com"

    status, reply = await admin.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"text": "Chào chị, em gửi lại hoá đơn ạ.", "channel_id": email_channel["id"]},
    )

    assert status == 201, reply
    mail = await eventually(lambda: _first(recorder.messages))
    status, started = await admin.get(f"/api/v1/conversations/{reply['conversation_id']}")
    assert mail["To"] == "lan@example.com"
    assert mail["Subject"] == f"Called about a refund [#{started['reference']}]"  # no "Re:"
    status, fresh = await admin.get(f"/api/v1/tickets/{ticket['id']}")
    assert fresh["conversation_ids"] == [reply["conversation_id"]]

    sent_id = mail["Message-ID"].strip("<>")
    answer = (
        b"From: Lan <lan@example.com>\r\nTo: support@shop.example\r\n"
        b"Subject: Re: Called about a refund\r\nMessage-ID: <answer-1@example.com>\r\n"
        b"In-Reply-To: <" + sent_id.encode() + b">\r\nReferences: <" + sent_id.encode() + b">\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nCam on em!\r\n"
    )
    await relay_email(http, email_channel, answer)
    status, thread = await admin.get(f"/api/v1/tickets/{ticket['id']}/messages")
    assert [m["text"] for m in thread["items"] if m["kind"] == "message"][-1] == "Cam on em!"
    status, fresh = await admin.get(f"/api/v1/tickets/{ticket['id']}")
    assert fresh["conversation_ids"] == [reply["conversation_id"]]


async def _first(items):
    return items[0] if items else None


async def test_telegram_reaches_a_person_who_started_the_bot(
    http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await customer_writes(http, telegram_channel, 4242, "xin chào")
    status, page = await admin.get("/api/v1/conversations")
    (conversation,) = page["items"]
    await admin.patch(f"/api/v1/conversations/{conversation['id']}", json={"status": "resolved"})
    ticket = await ticket_for(admin, conversation["contact"]["id"])
    options = await reach(admin, ticket)
    assert options["telegram"]["possible"] is True

    status, reply = await admin.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"text": "Đơn của bạn đã được hoàn tiền.", "channel_id": telegram_channel["id"]},
    )

    assert status == 201, reply
    assert reply["conversation_id"] != conversation["id"]  # the old one was resolved
    sent = await eventually(lambda: _first(fake.sent()))
    assert str(sent["chat_id"]) == "4242"


async def test_messenger_outside_its_window_and_a_contact_without_email_say_why_not(
    http, admin, rt, facebook_channel, email_channel
):
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))
    status, page = await admin.get("/api/v1/conversations")
    (conversation,) = page["items"]
    await rt.store["conversations"].update_one(
        {"_id": ObjectId(conversation["id"])},
        {"$set": {"last_customer_message_at": clock.now() - timedelta(days=3)}},
    )
    ticket = await ticket_for(admin, conversation["contact"]["id"])
    options = await reach(admin, ticket)
    assert options["facebook"]["possible"] is False and options["facebook"]["note"]
    assert options["email"]["possible"] is False
    assert "no email address" in options["email"]["note"]

    for channel in (facebook_channel, email_channel):
        status, refused = await admin.post(
            f"/api/v1/tickets/{ticket['id']}/messages",
            json={"text": "Hello", "channel_id": channel["id"]},
        )
        assert status == 422 and refused["error"]["code"] == "unreachable", refused
    status, fresh = await admin.get(f"/api/v1/tickets/{ticket['id']}")
    assert fresh["conversation_ids"] == []


async def test_a_note_cannot_start_a_conversation(admin, email_channel):
    status, contact = await admin.post("/api/v1/contacts", json={"name": "Minh"})
    ticket = await ticket_for(admin, contact["id"])
    status, refused = await admin.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"text": "x", "private": True, "channel_id": email_channel["id"]},
    )
    assert status == 422, refused
