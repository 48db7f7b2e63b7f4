"""SLA on tickets through the API and the worker: due dates on create, replies meeting
targets, pause and resume, a priority change, warnings and breaches emitted exactly once,
the built-in rule escalating a breach, and a met target never breached."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from automations.sla import tracker as sla
from inbox import clock
from tests.automations.helpers import online_agent
from tests.conftest import Client, customer_writes, eventually
from tests.tickets.helpers import conversation_of, promote

ALWAYS_OPEN = {
    "name": "Always open",
    "timezone": "UTC",
    "hours": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
}
TARGETS = {
    "urgent": {"first_response": 60, "next_response": 30, "resolution": 480},
    "medium": {"first_response": 240, "next_response": 120, "resolution": 1440},
}


async def standard_policy(admin: Client, **extra: Any) -> dict[str, Any]:
    """An always-open calendar (business time = clock time) and a policy covering every ticket."""
    status, calendar = await admin.post("/api/v1/calendars", json=ALWAYS_OPEN)
    assert status == 201, calendar
    body = {"name": "Standard", "calendar_id": calendar["id"], "targets": TARGETS, **extra}
    status, policy = await admin.post("/api/v1/sla-policies", json=body)
    assert status == 201, policy
    return policy


async def ticket_with_sla(http, admin, channel, priority: str = "urgent", **fields: Any) -> dict:
    await customer_writes(http, channel, 5, "Máy in không chạy")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Printer", **fields)
    if priority != "medium":
        await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"priority": priority})
    return await sla_state(
        admin,
        ticket,
        lambda s: (
            s and s["targets"]["first_response"]["minutes"] == TARGETS[priority]["first_response"]
        ),
    )


async def sla_state(admin: Client, ticket: dict[str, Any], wanted) -> dict[str, Any]:
    """The ticket once its SLA satisfies `wanted` (the worker sets it after each event)."""

    async def check() -> dict[str, Any] | None:
        _, found = await admin.get(f"/api/v1/tickets/{ticket['id']}")
        return found if wanted(found["sla"]) else None

    return await eventually(check)


def moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


async def test_a_ticket_gets_due_dates_from_its_policy(http, admin, telegram_channel):
    await standard_policy(admin)

    ticket = await ticket_with_sla(http, admin, telegram_channel)

    targets = ticket["sla"]["targets"]
    created = moment(ticket["created_at"])
    assert moment(targets["first_response"]["due_at"]) == created + timedelta(minutes=60)
    assert moment(targets["resolution"]["due_at"]) == created + timedelta(minutes=480)
    assert "next_response" not in targets  # starts when the customer writes after a reply
    assert ticket["sla"]["state"] == "on_track" and ticket["sla"]["policy_name"] == "Standard"
    _, clocks = await admin.get(f"/api/v1/tickets/{ticket['number']}/sla")
    assert 58 < clocks["business_minutes_left"]["first_response"] <= 60
    assert clocks["calendar"] == "Always open"
    _, listed = await admin.get("/api/v1/tickets?view=all")
    assert listed["items"][0]["sla"]["next_due_at"] == targets["first_response"]["due_at"]


async def test_replies_meet_targets_and_a_customer_message_starts_the_next_one(
    http, admin, telegram_channel
):
    await standard_policy(admin)
    ticket = await ticket_with_sla(http, admin, telegram_channel)

    await admin.post(f"/api/v1/tickets/{ticket['id']}/messages", json={"text": "Đang kiểm tra"})
    replied = await sla_state(admin, ticket, lambda s: s["targets"]["first_response"]["met_at"])
    assert replied["sla"]["targets"]["first_response"]["state"] == "met"

    await customer_writes(http, telegram_channel, 5, "Còn lỗi", message_id=2)
    waiting = await sla_state(admin, ticket, lambda s: "next_response" in s["targets"])
    assert waiting["sla"]["targets"]["next_response"]["state"] == "on_track"

    await admin.post(f"/api/v1/tickets/{ticket['id']}/messages", json={"text": "Đã sửa xong"})
    answered = await sla_state(admin, ticket, lambda s: s["targets"]["next_response"]["met_at"])
    assert answered["sla"]["targets"]["next_response"]["cycles"] == 1
    assert answered["sla"]["targets"]["next_response"]["late_cycles"] == 0


async def test_a_conversation_already_answered_becomes_a_ticket_with_its_first_response_met(
    http, admin, telegram_channel
):
    await standard_policy(admin)
    await customer_writes(http, telegram_channel, 5, "Máy in không chạy")
    conversation = await conversation_of(admin)
    await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Đang kiểm tra"}
    )
    await admin.patch(f"/api/v1/conversations/{conversation['id']}", json={"status": "pending"})
    ticket = await promote(admin, conversation["id"], "Printer")

    made = await sla_state(admin, ticket, lambda s: s and "first_response" in s["targets"])
    first = made["sla"]["targets"]["first_response"]
    assert first["state"] == "met" and first["met_at"] == made["created_at"], first
    assert made["sla"]["targets"]["resolution"]["state"] != "met"


async def test_pending_pauses_the_clock_and_reopening_resumes_it(http, admin, telegram_channel):
    await standard_policy(admin)
    ticket = await ticket_with_sla(http, admin, telegram_channel)
    due_before = moment(ticket["sla"]["targets"]["resolution"]["due_at"])

    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "pending"})
    paused = await sla_state(admin, ticket, lambda s: s["paused"])
    assert paused["sla"]["targets"]["resolution"] == {
        **paused["sla"]["targets"]["resolution"],
        "due_at": None,
        "state": "paused",
    }
    await asyncio.sleep(1.2)
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "open"})
    resumed = await sla_state(admin, ticket, lambda s: not s["paused"])

    due_after = moment(resumed["sla"]["targets"]["resolution"]["due_at"])
    assert timedelta(seconds=1) < due_after - due_before < timedelta(seconds=10)


async def test_a_priority_change_sets_new_targets_from_the_time_used(http, admin, telegram_channel):
    await standard_policy(admin)
    ticket = await ticket_with_sla(http, admin, telegram_channel)

    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"priority": "medium"})
    calmer = await sla_state(admin, ticket, lambda s: s["targets"]["resolution"]["minutes"] == 1440)

    created = moment(ticket["created_at"])
    due = moment(calmer["sla"]["targets"]["resolution"]["due_at"])
    assert abs(due - (created + timedelta(minutes=1440))) < timedelta(seconds=5)


async def test_resolving_meets_the_resolution_target(http, admin, telegram_channel):
    await standard_policy(admin)
    ticket = await ticket_with_sla(http, admin, telegram_channel)

    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved"})
    done = await sla_state(admin, ticket, lambda s: s["targets"]["resolution"]["met_at"])

    assert done["sla"]["targets"]["resolution"]["late_minutes"] == 0
    assert done["sla"]["targets"]["first_response"]["state"] == "stopped"
    assert done["sla"]["state"] == "met"


async def overdue(rt, ticket: dict[str, Any], target: str) -> None:
    """Move a target's warning and due time into the past, as if hours went by."""
    past = clock.now() - timedelta(minutes=5)
    path = f"sla.targets.{target}"
    await rt.store["tickets"].update_one(
        {"_id": ObjectId(ticket["id"])},
        {
            "$set": {
                f"{path}.warn_at": past - timedelta(minutes=10),
                f"{path}.due_at": past,
                "sla.next_check_at": past - timedelta(minutes=10),
            }
        },
    )


async def events_of(rt, ticket: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    cursor = rt.store["events"].find({"subject.id": ObjectId(ticket["id"]), "type": kind})
    return await cursor.to_list(None)


async def test_a_breach_is_emitted_once_and_escalates_one_level_and_tells_the_lead(
    http, admin, rt, telegram_channel
):
    lead = await online_agent(rt, "lead@example.com", [], name="Linh Lead")
    _, support = await admin.post(
        "/api/v1/teams", json={"name": "Support", "level": 0, "lead_id": str(lead["_id"])}
    )
    _, tier2 = await admin.post(
        "/api/v1/teams",
        json={
            "name": "Tier 2",
            "level": 1,
            "assignment": "round_robin",
            "lead_id": str(lead["_id"]),
        },
    )
    expert = await online_agent(rt, "expert@example.com", [tier2["id"]], name="Ex Pert", level=1)
    await standard_policy(admin)
    ticket = await ticket_with_sla(http, admin, telegram_channel, team_id=support["id"])
    await overdue(rt, ticket, "first_response")

    counts = await asyncio.gather(sla.tick(rt), sla.tick(rt))  # two beats overlap
    again = await sla.tick(rt)

    assert sum(counts) == 2 and again == 0  # one warning and one breach, once each
    assert len(await events_of(rt, ticket, "sla.warning")) == 1
    (breach,) = await events_of(rt, ticket, "sla.breached")
    assert breach["data"]["sla_target"] == "first_response"

    async def escalated() -> dict[str, Any] | None:
        _, now = await admin.get(f"/api/v1/tickets/{ticket['id']}")
        return now if now["escalation_level"] == 1 and now["owner_id"] else None

    moved = await eventually(escalated)
    assert moved["team_id"] == tier2["id"] and moved["owner_id"] == str(expert["_id"])
    _, entries = await admin.get(f"/api/v1/tickets/{ticket['id']}/escalations")
    (entry,) = entries["items"]
    assert "missed its first response target" in entry["summary"]
    assert entry["close_by"] > entry["at"]

    async def lead_told() -> dict[str, Any] | None:
        return await rt.store["notifications"].find_one({"agent_id": lead["_id"], "kind": "rule"})

    assert "went up a level" in (await eventually(lead_told))["text"]


async def test_a_met_target_is_never_reported_as_breached(http, admin, rt, telegram_channel):
    await standard_policy(admin)
    ticket = await ticket_with_sla(http, admin, telegram_channel)
    await admin.post(f"/api/v1/tickets/{ticket['id']}/messages", json={"text": "Chào anh"})
    await sla_state(admin, ticket, lambda s: s["targets"]["first_response"]["met_at"])
    await overdue(rt, ticket, "first_response")

    assert await sla.tick(rt) == 0
    assert await events_of(rt, ticket, "sla.breached") == []
    _, now = await admin.get(f"/api/v1/tickets/{ticket['id']}")
    assert now["sla"]["targets"]["first_response"]["state"] == "met"


async def test_a_conversation_that_is_no_ticket_shows_when_its_first_response_is_due(
    http, admin, telegram_channel
):
    await standard_policy(admin)
    await customer_writes(http, telegram_channel, 9, "Shop ơi")

    async def timed() -> dict[str, Any] | None:
        conversation = await conversation_of(admin)
        return conversation if conversation["response_due_at"] else None

    waiting = await eventually(timed)
    due = moment(waiting["response_due_at"]) - moment(waiting["last_customer_message_at"])
    assert abs(due - timedelta(minutes=240)) < timedelta(seconds=2)  # medium: 4 hours

    await admin.post(f"/api/v1/conversations/{waiting['id']}/messages", json={"text": "Dạ"})

    async def answered() -> dict[str, Any] | None:
        conversation = await conversation_of(admin)
        return conversation if conversation["response_due_at"] is None else None

    assert await eventually(answered)


async def test_a_policy_made_or_changed_later_reaches_open_tickets(http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 5, "Máy in không chạy")
    ticket = await promote(
        admin, (await conversation_of(admin))["id"], "Printer", priority="urgent"
    )
    assert ticket["sla"] is None

    policy = await standard_policy(admin)
    covered = await sla_state(admin, ticket, lambda s: s is not None)
    assert covered["sla"]["targets"]["resolution"]["minutes"] == 480

    faster = {**TARGETS, "urgent": {**TARGETS["urgent"], "resolution": 120}}
    await admin.patch(f"/api/v1/sla-policies/{policy['id']}", json={"targets": faster})
    replanned = await sla_state(
        admin, ticket, lambda s: s["targets"]["resolution"]["minutes"] == 120
    )

    created = moment(ticket["created_at"])
    due = moment(replanned["sla"]["targets"]["resolution"]["due_at"])
    assert abs(due - (created + timedelta(minutes=120))) < timedelta(seconds=5)


async def test_changing_the_calendar_replans_running_clocks(http, admin, telegram_channel):
    await standard_policy(admin)
    ticket = await ticket_with_sla(http, admin, telegram_channel)
    _, calendars = await admin.get("/api/v1/calendars")
    tomorrow = clock.now().date() + timedelta(days=1)
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[tomorrow.weekday()]

    await admin.patch(
        f"/api/v1/calendars/{calendars['items'][0]['id']}",
        json={"hours": {day: [["00:00", "24:00"]]}},  # open tomorrow only
    )
    replanned = await sla_state(
        admin,
        ticket,
        lambda s: moment(s["targets"]["first_response"]["due_at"]).date() >= tomorrow,
    )

    due = moment(replanned["sla"]["targets"]["first_response"]["due_at"])
    # the calendar now counts nothing today, so the 60 minutes run from tomorrow's opening,
    # less the seconds that ran today before the change (more when the machine is busy)
    opening_plus_an_hour = due.replace(hour=1, minute=0, second=0, microsecond=0)
    assert due.date() == tomorrow
    assert abs(opening_plus_an_hour - due) < timedelta(minutes=2)
