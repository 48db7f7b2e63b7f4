"""Customers hear about their ticket on their own channel: created, status, assigned, resolved."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import (
    Client,
    customer_writes,
    email_config,
    eventually,
    facebook_posts,
    load_fixture,
    make_agent,
    relay_email,
    telegram_update,
)
from tests.tickets.helpers import conversation_of, promote


async def telegram_texts(fake) -> list[str]:
    return [params["text"] for params in fake.sent("sendMessage")]


async def texts_after(fake, count: int) -> list[str]:
    async def arrived() -> list[str]:
        texts = await telegram_texts(fake)
        return texts if len(texts) >= count else []

    return await eventually(arrived)


async def all_events_handled(rt) -> bool:
    return await rt.store["events"].count_documents({"processed_at": None}) == 0


async def test_each_ticket_event_sends_the_customer_a_message_in_their_language(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    bea = await make_agent(rt, "bea@example.com", name="Bea Trần")
    await customer_writes(http, telegram_channel, 7, "Đơn hàng chưa tới")  # language_code vi
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Giao hàng chậm")

    (created,) = await texts_after(fake, 1)
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "pending"})
    status_changed = (await texts_after(fake, 2))[1]
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"assignee_ids": [str(bea["_id"])]})
    assigned = (await texts_after(fake, 3))[2]
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved"})
    last_two = (await texts_after(fake, 5))[3:]  # the update and the survey, in any order
    (resolved,) = [text for text in last_two if not text.startswith("Bạn hài lòng")]

    number = ticket["number"]
    assert created.startswith("Chúng tôi đã nhận yêu cầu") and number in created
    assert "Giao hàng chậm" not in created, "the ticket title is written for agents, not sent"
    assert status_changed == f"Cập nhật phiếu hỗ trợ {number}: hiện đang chờ bạn phản hồi."
    assert assigned == f"Bea Trần đang phụ trách phiếu hỗ trợ {number} của bạn."
    assert resolved.startswith(f"Phiếu hỗ trợ {number} của bạn đã được giải quyết")
    assert {str(p["chat_id"]) for p in fake.sent("sendMessage")} == {"7"}

    _, page = await admin.get(f"/api/v1/tickets/{ticket['id']}/messages?limit=100")
    updates = [m for m in page["items"] if m["sender"]["name"] == "Customer update"]
    assert len(updates) == 4
    (survey,) = [m for m in page["items"] if m["sender"]["name"] == "Satisfaction survey"]
    assert survey["text"].startswith("Bạn hài lòng thế nào") and len(survey["options"]) == 5

    async def all_sent() -> bool:
        _, page = await admin.get(f"/api/v1/tickets/{ticket['id']}/messages?limit=100")
        found = [m for m in page["items"] if m["sender"]["type"] == "system" and m["text"]]
        return all(m["delivery"]["status"] == "sent" for m in found)

    await eventually(all_sent)


async def test_english_speakers_get_english_and_the_customers_own_reopen_sends_nothing(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    update = telegram_update(8, 1, "My order is late", name="John Smith")
    update["message"]["from"]["language_code"] = "en"
    await http.post(
        f"/webhooks/telegram/{telegram_channel['id']}",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": telegram_channel["secret_token"]},
    )
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Late order")
    (created,) = await texts_after(fake, 1)
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved"})
    await texts_after(fake, 2)

    await customer_writes(http, telegram_channel, 8, "still not here", message_id=2)

    async def reopened() -> bool:
        _, now = await admin.get(f"/api/v1/tickets/{ticket['id']}")
        return now["status"] == "open" and await all_events_handled(rt)

    await eventually(reopened)
    assert created == (
        f"We have received your request and opened ticket {ticket['number']}. "
        "We will keep you posted here."
    )
    texts = await telegram_texts(fake)  # created, resolved, then the satisfaction survey
    assert len(texts) == 3 and any(t.startswith("How happy are you") for t in texts[1:]), texts


async def test_switched_off_updates_are_not_sent_and_edited_templates_are_used(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    status, off = await admin.request(
        "PUT",
        "/api/v1/customer-updates/created",
        json={"enabled": False, "templates": {}},
    )
    assert status == 200 and off["enabled"] is False
    status, edited = await admin.request(
        "PUT",
        "/api/v1/customer-updates/resolved",
        json={"enabled": True, "templates": {"vi": "Xong {number} rồi nhé {contact}!"}},
    )
    assert status == 200 and edited["templates"]["en"].startswith("Your ticket")
    await customer_writes(http, telegram_channel, 7, "help")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Help")

    await eventually(lambda: all_events_handled(rt))
    assert await telegram_texts(fake) == []
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved"})
    texts = await texts_after(fake, 2)  # the update and the survey, delivered in any order
    assert f"Xong {ticket['number']} rồi nhé Khách Hàng!" in texts
    assert any(text.startswith("Bạn hài lòng thế nào") for text in texts), texts


@pytest.mark.parametrize(
    ("event", "body", "status"),
    [
        ("created", {"enabled": True, "templates": {"vi": "Hi {name}"}}, 422),
        ("created", {"enabled": True, "templates": {"fr": "Bonjour"}}, 422),
        ("created", {"enabled": True, "templates": {"en": "  "}}, 422),
        ("created", {"enabled": True, "templates": {"en": "Broken {number"}}, 422),
        ("created", {"enabled": "yes please", "templates": {}}, 422),
        ("created", {"templates": {}}, 422),
        ("exploded", {"enabled": True, "templates": {}}, 404),
    ],
)
async def test_bad_customer_update_settings_are_refused(admin, event, body, status):
    got, answer = await admin.request("PUT", f"/api/v1/customer-updates/{event}", json=body)
    assert got == status and "error" in answer
    _, listed = await admin.get("/api/v1/customer-updates")
    assert all(s["enabled"] for s in listed["items"])


async def test_only_admins_edit_customer_updates(agent):
    status, _ = await agent.request(
        "PUT", "/api/v1/customer-updates/created", json={"enabled": False, "templates": {}}
    )
    _, listed = await agent.get("/api/v1/customer-updates")
    assert status == 403
    assert [s["event"] for s in listed["items"]] == [
        "created",
        "status_changed",
        "assigned",
        "resolved",
        "escalated",
        "survey",
    ]


async def test_messenger_customers_get_updates_on_messenger(
    http, admin, facebook_channel, fake_graph
):
    fake, _ = fake_graph
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Size M")

    async def sent() -> list[dict[str, Any]]:
        return fake.sent()

    (message,) = await eventually(sent)
    assert ticket["number"] in str(message)


async def test_email_opens_a_ticket_and_mails_the_customer_in_the_thread(
    http, admin: Client, rt, smtp
):
    recorder, port = smtp
    _, channel = await admin.post(
        "/api/v1/channels",
        json={"kind": "email", "name": "Support", "config": email_config(port)},
    )

    await relay_email(http, channel, load_fixture("email", "plain.eml"))

    async def ticket() -> dict[str, Any] | None:
        _, page = await admin.get("/api/v1/tickets?view=all")
        return page["items"][0] if page["items"] else None

    opened = await eventually(ticket)
    conversation = await conversation_of(admin)
    assert opened["conversation_ids"] == [conversation["id"]]
    assert opened["title"] == conversation["subject"]

    async def mailed() -> list[Any]:
        return recorder.messages

    (mail,) = await eventually(mailed)
    assert opened["number"] in mail.get_body(("plain",)).get_content()
    assert mail["In-Reply-To"] and mail["Auto-Submitted"] == "auto-replied"


async def test_email_from_a_machine_opens_a_ticket_but_gets_no_automatic_answer(
    http, admin, rt, smtp
):
    recorder, port = smtp
    _, channel = await admin.post(
        "/api/v1/channels",
        json={"kind": "email", "name": "Support", "config": email_config(port)},
    )

    await relay_email(http, channel, load_fixture("email", "auto_reply.eml"))

    async def opened() -> bool:
        _, page = await admin.get("/api/v1/tickets?view=all")
        return len(page["items"]) == 1 and await all_events_handled(rt)

    await eventually(opened)
    assert recorder.messages == []


async def test_an_agent_sees_what_the_customer_will_be_told_and_can_choose_silence(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await customer_writes(http, telegram_channel, 9, "Đơn hàng chưa tới")
    conversation = await conversation_of(admin)

    status, ahead = await admin.get(f"/api/v1/conversations/{conversation['id']}/customer-update")
    assert status == 200, ahead
    assert ahead["update"] == "created" and ahead["sends"] is True
    assert ahead["channel"] == {"kind": "telegram", "name": telegram_channel["name"]}
    assert ahead["text"].startswith("Chúng tôi đã nhận yêu cầu") and "T-000001" in ahead["text"]
    status, ticket = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/ticket?notify=false",
        json={"title": "Giao hàng chậm", "owner_id": str(admin.agent["_id"])},
    )
    assert status == 201, ticket

    status, preview = await admin.get(
        f"/api/v1/tickets/{ticket['id']}/customer-update?status=pending"
    )
    assert status == 200 and preview["update"] == "status_changed"
    expected = f"Cập nhật phiếu hỗ trợ {ticket['number']}: hiện đang chờ bạn phản hồi."
    assert preview["text"] == expected
    _, same = await admin.get(f"/api/v1/tickets/{ticket['id']}/customer-update?status=new")
    assert same["update"] is None and same["sends"] is False  # no change, nothing said

    status, _ = await admin.patch(
        f"/api/v1/tickets/{ticket['id']}?notify=false", json={"status": "on_hold"}
    )
    assert status == 200
    await eventually(lambda: all_events_handled(rt))
    assert await telegram_texts(fake) == []  # neither the ticket nor the move was announced
    _, history = await admin.get(f"/api/v1/tickets/{ticket['id']}/history")
    assert any(entry["field"] == "status" for entry in history["items"])  # still recorded

    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "pending"})
    assert await texts_after(fake, 1) == [expected]  # told, word for word as previewed
    status, wrong = await admin.get(f"/api/v1/tickets/{ticket['id']}/customer-update?status=gone")
    assert status == 422 and wrong["error"]
    status, wrong = await admin.patch(
        f"/api/v1/tickets/{ticket['id']}?notify=perhaps", json={"status": "open"}
    )
    assert status == 422 and wrong["error"]
