"""The rule engine through the API and real events: runs, order, stop, loops, at most once,
dry runs, and rules refused with exact reasons."""

from __future__ import annotations

from typing import Any

import pytest
from bson import ObjectId

from automations.rules import engine
from tests.automations.helpers import add_rule, customer_says, matched_runs, runs, wait_for_run
from tests.conftest import customer_writes, eventually
from tests.tickets.helpers import conversation_of

TAG_REFUND = [{"type": "add_tag", "tag": "refund"}]

DEFAULT_RULES = ("Escalate SLA breaches", "Tell the team lead about low ratings")


async def test_a_matching_rule_acts_and_its_run_explains_what_happened(
    http, admin, telegram_channel
):
    rule = await add_rule(
        admin,
        name="Tag refunds",
        event="message.created",
        conditions=customer_says("refund"),
        actions=TAG_REFUND,
    )

    await customer_writes(http, telegram_channel, 1, "I want a REFUND please", message_id=1)
    await customer_writes(http, telegram_channel, 2, "Where is my order?", message_id=2)

    (later, first) = await wait_for_run(admin, rule, 2)
    assert {first["status"], later["status"]} == {"matched", "not_matched"}
    matched = first if first["status"] == "matched" else later
    missed = later if matched is first else first
    assert matched["actions"] == [
        {
            "type": "add_tag",
            "ok": True,
            "detail": "added tag refund",
            "words": {"text": "added tag {tag}", "values": {"tag": "refund"}},  # to translate
            "skipped": False,
        }
    ]
    assert missed["failed"] == ["message.text contains 'refund' (was 'Where is my order?')"]
    assert missed["unmet"] == [
        {
            "field": "message.text",
            "operator": "contains",
            "value": "refund",
            "was": "Where is my order?",
        }
    ]
    assert matched["conversation_id"] is not None and matched["ticket_number"] is None

    async def tagged() -> dict[str, Any] | None:
        _, page = await admin.get("/api/v1/conversations")
        found = [c for c in page["items"] if c["tags"] == ["refund"]]
        return found[0] if found else None

    conversation = await eventually(tagged)
    assert conversation["contact"]["name"] == "Khách Hàng"


async def test_rules_run_in_order_and_stop_processing_ends_the_event(http, admin, telegram_channel):
    second = await add_rule(
        admin,
        name="Second",
        event="message.created",
        conditions=customer_says("help"),
        actions=[{"type": "add_tag", "tag": "second"}],
    )
    first = await add_rule(
        admin,
        name="First",
        event="message.created",
        conditions=customer_says("help"),
        actions=[{"type": "add_tag", "tag": "first"}],
        stop_processing=True,
    )
    status, ordered = await admin.post(
        "/api/v1/rules/reorder", json={"ids": [first["id"], second["id"]]}
    )
    mine = [r["name"] for r in ordered["items"] if r["name"] in ("First", "Second")]
    assert status == 200 and mine == ["First", "Second"]

    await customer_writes(http, telegram_channel, 1, "help me")

    (skipped,) = await wait_for_run(admin, second)
    assert skipped["status"] == "skipped" and "First" in skipped["note"]
    (conversation,) = (await admin.get("/api/v1/conversations"))[1]["items"]
    assert conversation["tags"] == ["first"]


async def test_rules_that_trigger_each_other_stop_after_three_steps(http, admin, telegram_channel):
    def flip(to: str, back: str) -> dict[str, Any]:
        return {
            "name": f"{to} to {back}",
            "event": "conversation.updated",
            "conditions": {
                "all": [{"field": "conversation.priority", "operator": "changed_to", "value": to}]
            },
            "actions": [{"type": "set_priority", "priority": back}],
        }

    up = await add_rule(admin, **flip("high", "low"))
    down = await add_rule(admin, **flip("low", "high"))
    await customer_writes(http, telegram_channel, 1, "hi")
    conversation = await conversation_of(admin)

    await admin.patch(f"/api/v1/conversations/{conversation['id']}", json={"priority": "high"})

    async def stopped() -> list[dict[str, Any]]:
        found = [
            r for r in await runs(admin, up) + await runs(admin, down) if r["status"] == "stopped"
        ]
        return found

    (halt,) = await eventually(stopped)
    assert halt["depth"] == 3 and "3 rules already acted" in halt["note"]
    matched = [
        r for r in await runs(admin, up) + await runs(admin, down) if r["status"] == "matched"
    ]
    assert sorted(r["depth"] for r in matched) == [0, 1, 2]


async def test_an_event_delivered_twice_runs_each_rule_once(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    rule = await add_rule(
        admin,
        name="Ack",
        event="message.created",
        conditions=customer_says("hello"),
        actions=[{"type": "send_reply", "template": "Chào {{contact.name}}!"}, *TAG_REFUND],
    )
    await customer_writes(http, telegram_channel, 1, "hello")
    (run,) = await matched_runs(admin, rule)
    event = await rt.store["events"].find_one({"_id": ObjectId(run["event_id"])})
    before = len(await runs(admin, rule))

    await engine.on_event(rt, event)  # the worker got the same event again
    await engine.on_event(rt, event)

    assert len(await runs(admin, rule)) == before

    async def sent() -> list[str]:
        return [p["text"] for p in fake.sent()]

    assert await eventually(sent) == ["Chào Khách Hàng!"]


async def test_a_dry_run_says_what_would_happen_and_changes_nothing(http, admin, telegram_channel):
    _, team = await admin.post("/api/v1/teams", json={"name": "Billing"})
    rule = await add_rule(
        admin,
        name="Refunds to billing",
        event="message.created",
        enabled=False,
        conditions=customer_says("refund"),
        actions=[{"type": "assign_team", "team_id": team["id"]}],
    )
    await customer_writes(http, telegram_channel, 1, "refund please")
    conversation = await conversation_of(admin)

    status, result = await admin.post(
        f"/api/v1/rules/{rule['id']}/dry-run", json={"conversation_id": conversation["id"]}
    )

    assert status == 200, result
    assert result["matched"] is True
    assert result["actions"] == [f"would assign_team {{'team_id': '{team['id']}'}}"]
    assert result["values"]["message.text"] == "refund please"
    _, after = await admin.get(f"/api/v1/conversations/{conversation['id']}")
    assert after["team_id"] is None
    assert await runs(admin, rule) == []
    both = await admin.post(
        f"/api/v1/rules/{rule['id']}/dry-run",
        json={"conversation_id": conversation["id"], "ticket_id": "x"},
    )
    assert both[0] == 422


VALID = {"name": "r", "event": "message.created", "actions": TAG_REFUND}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"event": "message.deleted"}, "event", "one of"),
        ({"name": ""}, "name", "at least 1"),
        ({"actions": []}, "actions", "1 to 20"),
        ({"actions": [{"type": "paint"}]}, "actions.0", "unknown action type"),
        ({"actions": [{"type": "assign_team"}]}, "actions.0.team_id", "required"),
        (
            {"actions": [{"type": "assign_team", "team_id": "0123456789abcdef01234567"}]},
            "actions.0.team_id",
            "no team",
        ),
        (
            {"actions": [{"type": "assign_agent", "method": "named"}]},
            "actions.0.agent_id",
            "needs agent_id",
        ),
        (
            {"actions": [{"type": "set_priority", "priority": "asap"}]},
            "actions.0.priority",
            "Input should be",
        ),
        (
            {"actions": [{"type": "send_reply", "template": "Hi {{customer.nickname}}"}]},
            "actions.0.template",
            "unknown placeholders",
        ),
        (
            {"actions": [{"type": "escalate", "summary": "x"}]},
            "actions.0",
            "team_id, level or next_level",
        ),
        ({"actions": [{"type": "snooze", "hours": -1}]}, "actions.0.hours", "greater than 0"),
        ({"actions": [{"type": "call_webhook", "url": "not a url"}]}, "actions.0.url", "URL"),
        (
            {"actions": [{"type": "add_tag", "tag": "x", "colour": "red"}]},
            "actions.0.colour",
            "Extra inputs",
        ),
        (
            {"conditions": {"all": [{"field": "message.mood", "operator": "equals", "value": 1}]}},
            "conditions.all.0.field",
            "unknown field",
        ),
        ({"event": "ticket.time_in_status"}, "after", "need after"),
        ({"after": {"status": "pending", "hours": 48}}, "after", "need after"),
    ],
)
async def test_invalid_rules_are_refused_with_what_is_wrong(admin, change, field, words):
    status, body = await admin.post("/api/v1/rules", json={**VALID, **change})

    assert status == 422, body
    details = body["error"]["details"]
    assert any(d["field"] == field and words in d["message"] for d in details), details
    _, listed = await admin.get("/api/v1/rules")
    assert [r["name"] for r in listed["items"]] == list(DEFAULT_RULES)  # every inbox has them


async def test_only_admins_see_or_change_rules(agent):
    assert (await agent.get("/api/v1/rules"))[0] == 403
    assert (await agent.post("/api/v1/rules", json=VALID))[0] == 403


async def test_a_rule_can_be_changed_disabled_and_deleted(admin):
    rule = await add_rule(admin, **VALID)

    status, changed = await admin.patch(
        f"/api/v1/rules/{rule['id']}", json={"enabled": False, "name": "renamed"}
    )
    bad = await admin.patch(f"/api/v1/rules/{rule['id']}", json={"actions": [{"type": "paint"}]})

    assert status == 200 and changed["enabled"] is False and changed["name"] == "renamed"
    assert changed["actions"] == rule["actions"]
    assert bad[0] == 422
    assert (await admin.delete(f"/api/v1/rules/{rule['id']}"))[0] == 204
    assert (await admin.get(f"/api/v1/rules/{rule['id']}"))[0] == 404


async def test_a_dry_run_finds_a_ticket_by_its_number(http, admin, telegram_channel):
    rule = await add_rule(
        admin,
        name="Urgent tickets",
        event="ticket.updated",
        conditions={"all": [{"field": "ticket.priority", "operator": "equals", "value": "urgent"}]},
        actions=TAG_REFUND,
    )
    await customer_writes(http, telegram_channel, 1, "help")
    conversation = await conversation_of(admin)
    _, ticket = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/ticket", json={"title": "Help"}
    )

    status, result = await admin.post(
        f"/api/v1/rules/{rule['id']}/dry-run", json={"ticket_id": ticket["number"]}
    )
    missing = await admin.post(f"/api/v1/rules/{rule['id']}/dry-run", json={"ticket_id": "T-999"})

    assert status == 200, result
    assert result["matched"] is False
    assert result["failed"] == ["ticket.priority equals 'urgent' (was 'medium')"]
    assert missing[0] == 404


async def test_the_catalogue_lists_what_the_builder_offers(admin, agent):
    status, catalogue = await admin.get("/api/v1/rules/catalogue")

    assert status == 200
    assert "ticket.time_in_status" in catalogue["events"]
    assert catalogue["fields"]["ticket.priority"] == {
        "kind": "choice",
        "choices": ["urgent", "high", "medium", "low"],
    }
    assert "text" in catalogue["operators"]["matches"]
    priority = {p["name"]: p for p in catalogue["actions"]["set_priority"]}
    assert priority["priority"]["choices"] == ["urgent", "high", "medium", "low"]
    assert priority["priority"]["required"] is True
    assert catalogue["actions"]["remove_tag"] == catalogue["actions"]["add_tag"]
    assert catalogue["actions"]["hand_off"] == []
    assert "contact.name" in catalogue["placeholders"]
    assert (await agent.get("/api/v1/rules/catalogue"))[0] == 403
