"""Automation end to end through webhooks and the fake Telegram server: routing a refund to
Billing, an escalation shortcut, time rules and reassignment when an agent goes offline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bson import ObjectId

from automations.routing import assignment
from automations.rules import time_triggers
from inbox import clock
from tests.automations.helpers import add_rule, customer_says, online_agent, wait_for_run
from tests.conftest import customer_writes, eventually
from tests.tickets.helpers import conversation_of, promote


async def sent_texts(fake) -> list[str]:
    return [p["text"] for p in fake.sent()]


async def test_a_refund_goes_to_billing_round_robin_tagged_and_acknowledged(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    _, billing = await admin.post(
        "/api/v1/teams", json={"name": "Billing", "assignment": "round_robin"}
    )
    ann = await online_agent(rt, "ann@example.com", [billing["id"]], name="Ann")
    bob = await online_agent(rt, "bob@example.com", [billing["id"]], name="Bob")
    await add_rule(
        admin,
        name="Refunds to Billing",
        event="message.created",
        conditions=customer_says("refund"),
        actions=[
            {"type": "assign_team", "team_id": billing["id"]},
            {"type": "assign_agent", "method": "round_robin"},
            {"type": "add_tag", "tag": "refund"},
            {
                "type": "send_reply",
                "template": "Chào {{contact.name}}, {{agent.name}} ({{team.name}}) sẽ hỗ trợ bạn hoàn tiền.",
            },
        ],
    )

    await customer_writes(http, telegram_channel, 11, "I need a refund", name="Lan Anh")
    await customer_writes(http, telegram_channel, 12, "refund for order 7", name="Minh Quân")

    async def both_routed() -> list[dict[str, Any]]:
        _, page = await admin.get("/api/v1/conversations?limit=10")
        done = [c for c in page["items"] if c["assignee_id"] and c["tags"] == ["refund"]]
        return done if len(done) == 2 else []

    routed = await eventually(both_routed)
    assert {c["team_id"] for c in routed} == {billing["id"]}
    assert {c["assignee_id"] for c in routed} == {str(ann["_id"]), str(bob["_id"])}

    async def two_acks() -> list[str]:
        texts = await sent_texts(fake)
        return texts if len(texts) == 2 else []

    names = {str(ann["_id"]): "Ann", str(bob["_id"]): "Bob"}
    expected = {
        f"Chào {c['contact']['name']}, {names[c['assignee_id']]} (Billing) sẽ hỗ trợ bạn hoàn tiền."
        for c in routed
    }
    assert set(await eventually(two_acks)) == expected


async def test_an_escalation_shortcut_moves_the_ticket_to_level_2_and_tells_the_customer(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    _, specialists = await admin.post(
        "/api/v1/teams", json={"name": "Specialists", "assignment": "least_loaded", "level": 2}
    )
    expert = await online_agent(rt, "sam@example.com", [specialists["id"]], name="Sam", level=2)
    status, shortcut = await admin.post(
        "/api/v1/macros",
        json={
            "name": "Escalate",
            "inputs": [{"key": "level"}, {"key": "summary"}],
            "actions": [
                {"type": "escalate"},
                {"type": "add_note", "template": "Escalated: {{inputs.summary}}"},
            ],
        },
    )
    assert status == 201, shortcut
    await customer_writes(http, telegram_channel, 1, "Máy không lên nguồn")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "No power")
    await eventually(lambda: sent_texts(fake))  # the "ticket created" update

    status, result = await admin.post(
        f"/api/v1/macros/{shortcut['id']}/run",
        json={
            "ticket_id": ticket["id"],
            "inputs": {"level": 2, "summary": "Board fault, needs repair"},
        },
    )

    assert status == 200, result
    assert [r["ok"] for r in result["results"]] == [True, True], result
    _, moved = await admin.get(f"/api/v1/tickets/{ticket['id']}")
    assert moved["escalation_level"] == 2 and moved["team_id"] == specialists["id"]
    assert moved["owner_id"] == str(expert["_id"])
    _, followed = await admin.get(f"/api/v1/conversations/{moved['conversation_ids'][0]}")
    assert (followed["team_id"], followed["assignee_id"]) == (specialists["id"], str(expert["_id"]))
    _, entries = await admin.get(f"/api/v1/tickets/{ticket['id']}/escalations")
    (entry,) = entries["items"]
    assert entry["summary"] == "Board fault, needs repair" and entry["to_level"] == 2
    assert entry["close_by"] > entry["at"]
    told = await rt.store["notifications"].find_one(
        {"agent_id": expert["_id"], "kind": "escalated"}
    )
    assert told is not None and "Board fault" in told["text"]

    async def customer_told() -> list[str]:
        return [t for t in await sent_texts(fake) if "Specialists" in t]

    (update,) = await eventually(customer_told)
    assert (
        update
        == f"Yêu cầu {ticket['number']} của bạn đã được chuyển đến nhóm chuyên trách (Specialists). Họ sẽ phản hồi bạn tại đây."
    )


async def test_a_shortcut_checks_its_inputs(http, admin, telegram_channel):
    _, shortcut = await admin.post(
        "/api/v1/macros",
        json={
            "name": "Escalate",
            "inputs": [{"key": "level"}, {"key": "summary"}],
            "actions": [{"type": "escalate"}],
        },
    )
    await customer_writes(http, telegram_channel, 1, "help")
    conversation = await conversation_of(admin)
    path = f"/api/v1/macros/{shortcut['id']}/run"

    missing = await admin.post(
        path, json={"conversation_id": conversation["id"], "inputs": {"level": 2}}
    )
    wrong = await admin.post(
        path, json={"conversation_id": conversation["id"], "inputs": {"level": 7, "summary": "x"}}
    )
    extra = await admin.post(
        path,
        json={
            "conversation_id": conversation["id"],
            "inputs": {"level": 1, "summary": "x", "team_id": "y"},
        },
    )
    nowhere = await admin.post(path, json={"inputs": {"level": 1, "summary": "x"}})
    no_team = await admin.post(
        path, json={"conversation_id": conversation["id"], "inputs": {"level": 3, "summary": "x"}}
    )
    invalid = await admin.post(
        "/api/v1/macros", json={"name": "Bad", "inputs": [], "actions": [{"type": "escalate"}]}
    )

    assert missing[0] == 422 and missing[1]["error"]["details"][0]["field"] == "inputs.summary"
    assert wrong[0] == 422 and extra[0] == 422 and nowhere[0] == 422
    assert no_team[0] == 200 and no_team[1]["results"][0]["detail"].startswith(
        "No team works at level L3"
    )
    assert invalid[0] == 422


async def test_a_time_rule_fires_once_for_a_ticket_on_hold_too_long(
    http, admin, rt, telegram_channel
):
    rule = await add_rule(
        admin,
        name="Nudge on hold",
        event="ticket.time_in_status",
        after={"status": "on_hold", "hours": 48},
        actions=[{"type": "add_tag", "tag": "stale"}],
    )
    await customer_writes(http, telegram_channel, 1, "help")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Help")
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "on_hold"})

    assert await time_triggers.tick(rt) == 0  # not 48 hours yet
    two_days_ago = clock.now() - timedelta(hours=49)
    await rt.store["tickets"].update_one(
        {"_id": ObjectId(ticket["id"])}, {"$set": {"status_changed_at": two_days_ago}}
    )
    assert await time_triggers.tick(rt) == 1
    assert await time_triggers.tick(rt) == 0  # once per stay in the status

    (run,) = await wait_for_run(admin, rule)
    assert run["status"] == "matched"

    async def tagged() -> bool:
        _, now = await admin.get(f"/api/v1/tickets/{ticket['id']}")
        return now["tags"] == ["stale"]

    assert await eventually(tagged)


async def test_time_rules_work_through_many_due_tickets_a_batch_per_tick(
    http, admin, rt, telegram_channel, monkeypatch
):
    monkeypatch.setattr(time_triggers, "BATCH", 2)
    rule = await add_rule(
        admin,
        name="Nudge pending",
        event="ticket.time_in_status",
        after={"status": "on_hold", "hours": 1},
        actions=[{"type": "add_tag", "tag": "stale"}],
    )
    for number in range(5):
        await customer_writes(http, telegram_channel, 100 + number, f"help {number}")
        _, page = await admin.get("/api/v1/conversations")
        (fresh,) = [c for c in page["items"] if c["ticket_id"] is None]
        ticket = await promote(admin, fresh["id"], f"Help {number}")
        # on hold: a customer's message handled late would reopen a pending ticket
        await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "on_hold"})
        entered = clock.now() - timedelta(hours=10 - number)
        await rt.store["tickets"].update_one(
            {"_id": ObjectId(ticket["id"])}, {"$set": {"status_changed_at": entered}}
        )

    fired = [await time_triggers.tick(rt) for _ in range(4)]

    assert fired == [2, 2, 1, 0]
    fired_for = {"rule_id": ObjectId(rule["id"])}
    assert await rt.store["time_triggers"].count_documents(fired_for) == 5


async def test_work_of_an_agent_offline_past_the_grace_period_is_reassigned(
    http, admin, rt, telegram_channel
):
    _, team = await admin.post(
        "/api/v1/teams", json={"name": "Support", "assignment": "round_robin"}
    )
    leaving = await online_agent(rt, "lea@example.com", [team["id"]], name="Lea")
    staying = await online_agent(rt, "sam@example.com", [team["id"]], name="Sam")
    await customer_writes(http, telegram_channel, 1, "help")
    conversation = await conversation_of(admin)
    await admin.patch(
        f"/api/v1/conversations/{conversation['id']}",
        json={"team_id": team["id"], "assignee_id": str(leaving["_id"])},
    )
    await admin.patch(f"/api/v1/agents/{leaving['_id']}", json={"availability": "offline"})

    assert await assignment.hand_over_from_offline(rt, timedelta(minutes=15)) == 0
    await rt.store["agents"].update_one(
        {"_id": leaving["_id"]},
        {"$set": {"availability_changed_at": clock.now() - timedelta(minutes=20)}},
    )
    assert await assignment.hand_over_from_offline(rt, timedelta(minutes=15)) == 1
    assert await assignment.hand_over_from_offline(rt, timedelta(minutes=15)) == 0

    _, now = await admin.get(f"/api/v1/conversations/{conversation['id']}")
    assert now["assignee_id"] == str(staying["_id"])


async def test_auto_assign_from_the_api_uses_the_same_service(http, admin, rt, telegram_channel):
    _, team = await admin.post(
        "/api/v1/teams", json={"name": "Support", "assignment": "least_loaded"}
    )
    sam = await online_agent(rt, "sam@example.com", [team["id"]], name="Sam")
    await customer_writes(http, telegram_channel, 1, "help")
    conversation = await conversation_of(admin)

    no_team = await admin.post(f"/api/v1/conversations/{conversation['id']}/auto-assign", json={})
    status, result = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/auto-assign", json={"team_id": team["id"]}
    )

    assert no_team[0] == 422
    assert status == 200 and result["agent"]["id"] == str(sam["_id"])
    _, now = await admin.get(f"/api/v1/conversations/{conversation['id']}")
    assert now["assignee_id"] == str(sam["_id"]) and now["team_id"] == team["id"]


async def test_a_reply_or_note_about_a_ticket_goes_to_its_conversation(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await add_rule(
        admin,
        name="Tell new tickets when we open",
        event="ticket.created",
        actions=[
            {"type": "send_reply", "template": "Shop mở cửa lúc 8 giờ."},
            {"type": "add_note", "template": "Đã báo giờ mở cửa"},
        ],
    )
    status, shortcut = await admin.post(
        "/api/v1/macros",
        json={
            "name": "Xin ảnh",
            "inputs": [],
            "actions": [{"type": "send_reply", "template": "Bạn gửi giúp ảnh nhé."}],
        },
    )
    assert status == 201, shortcut
    await customer_writes(http, telegram_channel, 9, "Máy hỏng")
    conversation = await conversation_of(admin)
    ticket = await promote(admin, conversation["id"], "Máy hỏng")
    status, ran = await admin.post(
        f"/api/v1/macros/{shortcut['id']}/run", json={"ticket_id": ticket["id"], "inputs": {}}
    )
    assert status == 200 and all(r["ok"] for r in ran["results"]), ran

    async def both_sent() -> list[str]:
        texts = await sent_texts(fake)
        wanted = {"Shop mở cửa lúc 8 giờ.", "Bạn gửi giúp ảnh nhé."}
        return texts if wanted <= set(texts) else []

    assert await eventually(both_sent)  # (they were written to the ticket's id and lost)
    _, thread = await admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
    assert "Đã báo giờ mở cửa" in [m["text"] for m in thread["items"] if m["kind"] == "note"]
