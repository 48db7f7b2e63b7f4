"""Report figures from the rollups: a history made through the API (agents, teams, the bot,
tickets, ratings, a day boundary in Asia/Ho_Chi_Minh) gives the same figures as a count from
the records in the test, survives redelivered events, equals a rebuild, and each person sees
only what they may; CSV says what the JSON says."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bson import ObjectId

from inbox.events import SYSTEM
from inbox.models.conversations import ConversationPatch, ConversationStatus
from inbox.reports import histograms, rollups
from inbox.services import conversations
from tests.conftest import customer_writes, events_settled

ZONE_NIGHT = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
"""00:30 on 1 December in Ho Chi Minh City, still 30 November in UTC."""


async def snapshot(rt) -> dict[str, dict[str, int]]:
    rows = await rt.store["report_rollups"].find({}, sort=[("_id", 1)]).to_list(None)
    return {
        row["_id"]: {m: v for m, v in (row.get("n") or {}).items() if v}
        for row in rows
        if any((row.get("n") or {}).values())
    }


async def history(http, admin, agent, rt, telegram_channel) -> list[dict[str, Any]]:
    """Six conversations: two answered by the agent, one by the admin, two through the bot
    (one resolved by it, one handed over), tickets for three, two of them resolved and rated."""
    status, calendar = await admin.post(
        "/api/v1/calendars",
        json={
            "name": "Shop",
            "timezone": "Asia/Ho_Chi_Minh",
            "hours": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        },
    )
    assert status == 201, calendar
    made = []
    for n in range(6):
        await customer_writes(http, telegram_channel, 7000 + n, f"Câu hỏi {n}", name=f"Khách {n}")
    _, page = await admin.get("/api/v1/conversations?status=open&limit=100")
    made = sorted(page["items"], key=lambda c: c["contact"]["name"])
    assert len(made) == 6
    for n, conversation in enumerate(made[:3]):
        who = agent if n < 2 else admin
        await admin.patch(
            f"/api/v1/conversations/{conversation['id']}",
            json={"assignee_id": str(who.agent["_id"])},
        )
        status, _ = await who.post(
            f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Chào bạn"}
        )
        assert status == 201
        status, ticket = await who.post(
            f"/api/v1/conversations/{conversation['id']}/ticket", json={"title": f"Hỏi {n}"}
        )
        assert status == 201, ticket
        if n < 2:
            await who.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved"})
    for conversation, end in (
        (made[4], ConversationStatus.RESOLVED),
        (made[5], ConversationStatus.OPEN),
    ):
        doc = await conversations.get(rt, ObjectId(conversation["id"]))
        doc = await conversations.update(
            rt, doc, ConversationPatch(status=ConversationStatus.BOT), SYSTEM
        )
        await conversations.update(rt, doc, ConversationPatch(status=end), SYSTEM)
    await events_settled(rt)
    for survey in await rt.store["surveys"].find({}, sort=[("_id", 1)]).to_list(None):
        from inbox.services.tickets import satisfaction

        await satisfaction.record(
            rt, {**survey, "sent_at": survey.get("sent_at") or datetime.now(UTC)}, 4, None
        )
    # the first conversation came at half past midnight, Ho Chi Minh time
    first = ObjectId(made[0]["id"])
    await rt.store["conversations"].update_one(
        {"_id": first},
        {
            "$set": {
                "created_at": ZONE_NIGHT,
                "first_agent_reply_at": ZONE_NIGHT + timedelta(minutes=7),
            }
        },
    )
    await rollups.refresh(rt, "conversation", first)
    await events_settled(rt)
    return made


async def account_today(rt) -> date:
    """Today where the account's days are cut (Ho Chi Minh is ahead of UTC: 17:00 UTC is
    already tomorrow there)."""
    return datetime.now(UTC).astimezone(await rollups.zone_of(rt)).date()


async def test_figures_match_the_records_survive_redelivery_and_equal_a_rebuild(
    http, admin, agent, rt, telegram_channel, fake_telegram
):
    await history(http, admin, agent, rt, telegram_channel)
    today = await account_today(rt)
    status, whole = await admin.get(f"/api/v1/reports/overview?since=2026-11-01&until={today}")
    assert status == 200, whole

    records = await rt.store["conversations"].find({}, sort=[("_id", 1)]).to_list(None)
    tickets = await rt.store["tickets"].find({}, sort=[("_id", 1)]).to_list(None)
    assert whole["conversations"]["opened"] == len(records) == 6
    assert whole["conversations"]["resolved"] == sum(c["status"] == "resolved" for c in records)
    assert whole["tickets"]["opened"] == len(tickets) == 3
    assert whole["tickets"]["resolved"] == 2 and whole["tickets"]["backlog"] == 1
    assert whole["bot"] == {
        "conversations": 2,
        "deflected": 1,
        "handed_over": 1,
        "deflected_percent": 50.0,
        "handover_percent": 50.0,
        "handover_reasons": {"other": 1},  # the system reopened it
    }
    waits = [
        (c["first_agent_reply_at"] - c["created_at"]).total_seconds()
        for c in records
        if c.get("first_agent_reply_at")
    ]
    assert whole["first_response"]["count"] == len(waits) == 3
    median = whole["first_response"]["median_seconds"]
    exact = sorted(waits)[1]
    assert median / histograms.GROWTH <= max(exact, histograms.FIRST) <= median
    assert whole["csat"]["responses"] == 2 and whole["csat"]["average"] == 4.0

    # the day boundary: 30 November in UTC is 1 December in Ho Chi Minh City
    _, night = await admin.get("/api/v1/reports/overview?since=2026-12-01&until=2026-12-01")
    _, before = await admin.get("/api/v1/reports/overview?since=2026-11-30&until=2026-11-30")
    assert night["conversations"]["opened"] == 1 and before["conversations"]["opened"] == 0
    assert (
        night["first_response"]["median_seconds"]
        >= 7 * 60
        > night["first_response"]["median_seconds"] / histograms.GROWTH
    )

    figures = await snapshot(rt)
    every = await rt.store["events"].find({}, sort=[("_id", 1)]).to_list(None)
    for event in every:  # every event again
        await rollups.on_event(rt, event)
    assert await snapshot(rt) == figures
    assert await rollups.rebuild(rt) >= 9
    assert await snapshot(rt) == figures

    span = f"since=2026-11-01&until={today}"
    _, hours = await admin.get(f"/api/v1/reports/hours?{span}")
    zone = await rollups.zone_of(rt)
    local = [c["created_at"].replace(tzinfo=UTC).astimezone(zone) for c in records]
    expected = Counter((moment.weekday(), moment.hour) for moment in local)
    counted = {(h["weekday"], h["hour"]): h["conversations"] for h in hours["items"]}
    assert {key: n for key, n in counted.items() if n} == expected
    assert counted[(1, 0)] >= 1  # the night one: Tuesday 1 December, half past midnight
    _, rated = await admin.get(f"/api/v1/reports/ratings?{span}")
    assert [r["rating"] for r in rated["items"]] == [4, 4]
    _, per_channel = await admin.get(f"/api/v1/reports/channels?{span}")
    assert [(c["name"], c["conversations"]["opened"]) for c in per_channel["items"]] == [
        (telegram_channel["name"], 6)
    ]

    _, table = await admin.get(f"/api/v1/reports/agents?since=2026-11-01&until={today}")
    by_name = {item["name"]: item for item in table["items"]}
    assert by_name["Andy Agent"]["conversations"]["opened"] == 2
    assert by_name["Andy Agent"]["tickets"]["resolved"] == 2
    assert by_name["Ada Admin"]["first_response"]["count"] == 1
    assert by_name["Andy Agent"]["replies"] == 2 and by_name["Ada Admin"]["replies"] == 1
    assert whole["replies"] == 3


async def test_each_person_sees_only_their_figures_and_csv_says_the_same(
    http, admin, agent, rt, telegram_channel, fake_telegram
):
    await history(http, admin, agent, rt, telegram_channel)
    today = await account_today(rt)
    admin_id = str(admin.agent["_id"])
    status, refused = await agent.get(f"/api/v1/reports/agents?agent={admin_id}")
    assert status == 403, refused
    status, refused = await agent.get(f"/api/v1/reports/overview?team={'0' * 24}")
    assert status == 403
    _, mine = await agent.get(f"/api/v1/reports/agents?since=2026-11-01&until={today}")
    assert [item["name"] for item in mine["items"]] == ["Andy Agent"]
    _, own = await agent.get(f"/api/v1/reports/overview?since=2026-11-01&until={today}")
    assert own["conversations"]["opened"] == 2

    _, data = await admin.get(f"/api/v1/reports/overview?since=2026-11-01&until={today}")
    status, text = await admin.get(
        f"/api/v1/reports/overview?since=2026-11-01&until={today}&format=csv"
    )
    assert status == 200
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["tickets.opened"] == str(data["tickets"]["opened"])
    assert row["first_response.median_seconds"] == str(data["first_response"]["median_seconds"])
    status, bad = await admin.get("/api/v1/reports/overview?since=2026-12-05&until=2026-12-01")
    assert status == 422 and "since" in str(bad)


async def test_merges_reopenings_sla_and_what_a_lead_sees(
    http, admin, agent, rt, telegram_channel, fake_telegram
):
    await history(http, admin, agent, rt, telegram_channel)
    today = await account_today(rt)
    span = f"since=2026-11-01&until={today}"
    one, two, three = sorted(
        await rt.store["tickets"].find({}, sort=[("_id", 1)]).to_list(None), key=lambda t: t["seq"]
    )
    status, team = await admin.post("/api/v1/teams", json={"name": "Giao hàng"})
    assert status == 201, team
    await admin.patch(f"/api/v1/teams/{team['id']}", json={"lead_id": str(agent.agent["_id"])})
    await admin.patch(f"/api/v1/tickets/{one['_id']}", json={"team_id": team["id"]})
    status, _ = await admin.patch(f"/api/v1/tickets/{two['_id']}", json={"status": "open"})
    assert status == 200  # reopened: resolved once, now not
    status, _ = await admin.post(
        f"/api/v1/tickets/{three['_id']}/merge", json={"into": str(one["_id"])}
    )
    assert status == 200  # merged: counts in the ticket it went into
    status, lifted = await admin.post(
        f"/api/v1/tickets/{two['_id']}/escalate", json={"team_id": team["id"], "summary": "VIP"}
    )
    assert status == 201, lifted
    await events_settled(rt)
    now = datetime.now(UTC)
    targets = {  # as the SLA clocks leave them: one met in time, one missed
        "first_response": {"met_at": now, "late_minutes": 0, "breached_at": None},
        "resolution": {"met_at": now, "late_minutes": 12.5, "breached_at": now},
    }
    policy = ObjectId()
    await rt.store["sla_policies"].insert_one({"_id": policy, "name": "Standard"})
    await rt.store["tickets"].update_one(
        {"_id": one["_id"]}, {"$set": {"sla.targets": targets, "sla.policy_id": policy}}
    )
    await rollups.refresh(rt, "ticket", one["_id"])
    await events_settled(rt)

    _, whole = await admin.get(f"/api/v1/reports/overview?{span}")
    assert whole["tickets"]["opened"] == 2 and whole["tickets"]["resolved"] == 1
    assert whole["sla"]["met_percent"] == 50.0
    assert whole["sla"]["targets"] == {"first_response": 100.0, "resolution": 0.0}
    assert whole["escalations"]["total"] == 1
    _, missed = await admin.get(f"/api/v1/reports/sla?{span}")
    assert missed["by_policy"] == [{"policy_id": str(policy), "name": "Standard", "missed": 1}]
    assert missed["by_team"] == [{"name": "Giao hàng", "missed": 1, "decided": 2}]
    assert [(p["missed"], p["decided"]) for p in missed["by_priority"]] == [(1, 2)]
    assert [(t["number"], t["missed"]) for t in missed["tickets"]] == [
        (f"T-{one['seq']:06d}", ["resolution"])
    ]

    status, led = await agent.get(f"/api/v1/reports/overview?{span}&team={team['id']}")
    assert status == 200 and led["tickets"]["opened"] == 2  # one moved there, one escalated
    status, _ = await admin.post("/api/v1/teams", json={"name": "Kho"})
    _, teams = await admin.get("/api/v1/teams")
    other = next(t for t in teams["items"] if t["name"] == "Kho")
    status, _ = await agent.get(f"/api/v1/reports/overview?{span}&team={other['id']}")
    assert status == 403

    figures = await snapshot(rt)
    await rollups.rebuild(rt)
    assert await snapshot(rt) == figures


async def test_time_online_is_counted_per_agent_and_day(admin, agent, rt):
    me = str(agent.agent["_id"])
    status, _ = await agent.patch(f"/api/v1/agents/{me}", json={"availability": "online"})
    assert status == 200
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    await rt.store["agents"].update_one(
        {"_id": agent.agent["_id"]}, {"$set": {"availability_changed_at": two_hours_ago}}
    )
    status, _ = await agent.patch(f"/api/v1/agents/{me}", json={"availability": "busy"})
    assert status == 200
    status, _ = await agent.patch(f"/api/v1/agents/{me}", json={"availability": "offline"})
    await events_settled(rt)
    today = await account_today(rt)
    _, mine = await agent.get(f"/api/v1/reports/agents?since={today - timedelta(days=1)}")
    (row,) = mine["items"]
    assert abs(row["presence"]["online_seconds"] - 7200) <= 5
    assert row["presence"]["busy_seconds"] <= 5


async def test_time_online_counts_the_span_still_going(admin, agent, rt):
    me = str(agent.agent["_id"])
    status, _ = await agent.patch(f"/api/v1/agents/{me}", json={"availability": "online"})
    assert status == 200
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    await rt.store["agents"].update_one(
        {"_id": agent.agent["_id"]}, {"$set": {"availability_changed_at": an_hour_ago}}
    )
    today = await account_today(rt)
    span = f"since={today - timedelta(days=1)}&until={today + timedelta(days=1)}"
    _, mine = await agent.get(f"/api/v1/reports/agents?{span}")
    (row,) = mine["items"]
    assert abs(row["presence"]["online_seconds"] - 3600) <= 5
    _, everyone = await admin.get(f"/api/v1/reports/overview?{span}")
    assert abs(everyone["presence"]["online_seconds"] - 3600) <= 5
    _, earlier = await admin.get(f"/api/v1/reports/overview?since={today - timedelta(days=3)}")
    assert earlier["presence"]["online_seconds"] == everyone["presence"]["online_seconds"]
    _, before = await admin.get(
        f"/api/v1/reports/overview?since={today - timedelta(days=5)}&until={today - timedelta(days=3)}"
    )
    assert before["presence"]["online_seconds"] == 0  # a range that ended before it began
