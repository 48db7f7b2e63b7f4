"""A shortcut says what it will write to the customer before it runs, and then writes that."""

from __future__ import annotations

from typing import Any

from tests.conftest import Client, customer_writes, events_settled, eventually
from tests.tickets.helpers import conversation_of, promote


def sent_texts(fake) -> list[str]:
    return [p["text"] for p in fake.sent()]


async def written_to_customer(admin: Client, ticket: dict[str, Any]) -> list[str]:
    """What the thread holds for the customer (sent or still on its way)."""
    _, page = await admin.get(f"/api/v1/conversations/{ticket['conversation_ids'][0]}/messages")
    return [m["text"] for m in page["items"] if m["direction"] == "out" and not m["private"]]


async def _ticket_with_shortcut(admin: Client, http: Client, channel: dict[str, Any]):
    _, specialists = await admin.post("/api/v1/teams", json={"name": "Kỹ thuật", "level": 2})
    status, shortcut = await admin.post(
        "/api/v1/macros",
        json={
            "name": "Cần ảnh, chuyển kỹ thuật",
            "inputs": [{"key": "team_id"}, {"key": "summary"}],
            "actions": [
                {"type": "send_reply", "template": "Chào {{contact.name}}, bạn gửi giúp ảnh nhé."},
                {"type": "add_tag", "tag": "photos"},
                {"type": "set_status", "status": "pending"},
                {"type": "escalate"},
            ],
        },
    )
    assert status == 201, shortcut
    await customer_writes(http, channel, 5, "Máy không sạc được", name="Lan Phạm")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Không sạc")
    return ticket, shortcut, specialists


async def _told_of_the_ticket(fake) -> int:
    """Wait for the "ticket created" update to reach the customer; how many sends so far."""

    async def sent() -> list[str]:
        return sent_texts(fake)

    return len(await eventually(sent))


async def test_the_preview_shows_every_message_the_run_then_sends(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    ticket, shortcut, specialists = await _ticket_with_shortcut(admin, http, telegram_channel)
    before = await _told_of_the_ticket(fake)
    path = f"/api/v1/macros/{shortcut['id']}/preview"

    status, unfinished = await admin.post(path, json={"ticket_id": ticket["id"], "inputs": {}})
    assert status == 200, unfinished  # the agent has not picked the team yet
    status, preview = await admin.post(
        path,
        json={"ticket_id": ticket["id"], "inputs": {"team_id": specialists["id"]}},
    )

    assert status == 200, preview
    shown = [(m["action"], m["type"], m["follows_choice"]) for m in preview["messages"]]
    assert shown == [(0, "send_reply", False), (2, "set_status", True), (3, "escalate", True)]
    assert all(m["sends"] and m["channel"]["kind"] == "telegram" for m in preview["messages"])
    reply, waiting, escalated = (m["text"] for m in preview["messages"])
    assert reply == "Chào Lan Phạm, bạn gửi giúp ảnh nhé."
    assert ticket["number"] in waiting
    assert "Kỹ thuật" in escalated and "Kỹ thuật" not in unfinished["messages"][2]["text"]

    status, ran = await admin.post(
        f"/api/v1/macros/{shortcut['id']}/run",
        json={"ticket_id": ticket["id"], "inputs": {"team_id": specialists["id"], "summary": "x"}},
    )
    assert status == 200 and all(r["ok"] for r in ran["results"]), ran

    async def all_sent() -> list[str]:
        texts = sent_texts(fake)[before:]
        return texts if len(texts) >= 3 else []

    assert sorted(await eventually(all_sent)) == sorted([reply, waiting, escalated])


async def test_not_telling_the_customer_keeps_the_updates_but_not_the_reply(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    ticket, shortcut, specialists = await _ticket_with_shortcut(admin, http, telegram_channel)
    await _told_of_the_ticket(fake)

    status, ran = await admin.post(
        f"/api/v1/macros/{shortcut['id']}/run?notify=false",
        json={"ticket_id": ticket["id"], "inputs": {"team_id": specialists["id"], "summary": "x"}},
    )
    assert status == 200, ran
    await events_settled(rt)

    written = await written_to_customer(admin, ticket)
    assert written[1:] == ["Chào Lan Phạm, bạn gửi giúp ảnh nhé."]  # after "ticket created"


async def test_a_conversation_preview_announces_the_ticket_a_shortcut_opens(
    http, admin, telegram_channel
):
    _, shortcut = await admin.post(
        "/api/v1/macros",
        json={
            "name": "Make it a ticket",
            "inputs": [],
            "actions": [{"type": "promote_to_ticket"}, {"type": "resolve"}],
        },
    )
    await customer_writes(http, telegram_channel, 6, "Đơn hàng chưa tới")
    conversation = await conversation_of(admin)

    status, preview = await admin.post(
        f"/api/v1/macros/{shortcut['id']}/preview", json={"conversation_id": conversation["id"]}
    )

    assert status == 200, preview
    (created,) = preview["messages"]  # the status of a ticket not yet made is not guessed
    assert (created["type"], created["update"], created["sends"]) == (
        "promote_to_ticket",
        "created",
        True,
    )
    status, refused = await admin.post(f"/api/v1/macros/{shortcut['id']}/preview", json={})
    assert status == 422, refused
