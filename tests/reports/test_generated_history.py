"""A generated history (agents, teams, channels, priorities, categories, two calendars, a
day boundary at local midnight, SLA targets met and missed, the bot's part, reopenings,
merges, presence across midnight), handed to the rollups in a shuffled order with
redeliveries: every figure the API gives equals a count made here from the records alone,
in two time zones (one with a daylight-saving change in the range). Business time is counted
here minute by minute, independently of the product's calendar arithmetic."""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bson import ObjectId

from inbox.reports import histograms, rollups
from tests.reports.test_figures import snapshot

START = datetime(2026, 10, 25, tzinfo=UTC)
"""A week before the end of daylight-saving time in New York (1 November 2026)."""
DAYS = 16
SINCE, UNTIL = date(2026, 10, 20), date(2026, 11, 20)
WEEKDAY_HOURS = {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
CLOSED_DAY = date(2026, 11, 3)
"""The support calendar's one closed date."""
STATUSES_OPEN = ("new", "open", "pending", "on_hold")
REASONS = ("asked_for_person", "chose_option", "not_understood", None)


@dataclass(frozen=True)
class Calendar:
    """A calendar as the test reads it: open on these local weekdays between these hours."""

    zone: ZoneInfo
    weekdays: tuple[int, ...]
    opens: int
    closes: int
    closed: frozenset[date] = frozenset()

    @functools.cache  # noqa: B019 (a few hundred calendars and spans)
    def business_seconds(self, start: datetime, end: datetime) -> int:
        """Open minutes from start to end, counted one by one."""
        minutes = 0
        moment = start
        while moment < end:
            local = moment.astimezone(self.zone)
            if (
                local.weekday() in self.weekdays
                and local.date() not in self.closed
                and self.opens * 60 <= local.hour * 60 + local.minute < self.closes * 60
            ):
                minutes += 1
            moment += timedelta(minutes=1)
        return minutes * 60


@dataclass
class World:
    zone: ZoneInfo
    teams: list[ObjectId]
    agents: list[ObjectId]
    channels: list[ObjectId]
    categories: list[ObjectId]
    default: Calendar
    support: Calendar
    support_id: ObjectId
    policy: ObjectId


def minutes_from_start(rng: random.Random) -> datetime:
    return START + timedelta(minutes=rng.randrange(DAYS * 24 * 60))


def local_midnight_edges(zone: ZoneInfo) -> list[datetime]:
    """A minute before and a minute after local midnight, on two days."""
    out = []
    for day in (date(2026, 10, 28), date(2026, 11, 2)):
        midnight = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
        out += [midnight - timedelta(minutes=1), midnight + timedelta(minutes=1)]
    return out


async def make_world(rt, zone_name: str) -> World:
    zone = ZoneInfo(zone_name)
    store = rt.store
    support_id, policy = ObjectId(), ObjectId()
    await store["calendars"].insert_many(
        [
            {"name": "Shop", "default": True, "timezone": zone_name, "hours": WEEKDAY_HOURS},
            {
                "_id": support_id,
                "name": "Support",
                "default": False,
                "timezone": "UTC",
                "hours": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
                "closed_dates": [CLOSED_DAY.isoformat()],
            },
        ]
    )
    await store["sla_policies"].insert_one({"_id": policy, "name": "Standard"})
    teams = [ObjectId() for _ in range(2)]
    await store["teams"].insert_many([{"_id": t, "name": f"Team {n}"} for n, t in enumerate(teams)])
    agents = [ObjectId() for _ in range(3)]
    await store["agents"].insert_many(
        [
            {"_id": a, "name": f"Agent {n}", "email": f"a{n}@example.com", "role": "agent"}
            for n, a in enumerate(agents)
        ]
    )
    channels = [ObjectId() for _ in range(3)]
    await store["channels"].insert_many(
        [
            {"_id": c, "name": f"Channel {n}", "kind": kind}
            for n, (c, kind) in enumerate(zip(channels, ("telegram", "zalo", "email"), strict=True))
        ]
    )
    return World(
        zone=zone,
        teams=teams,
        agents=agents,
        channels=channels,
        categories=[ObjectId() for _ in range(2)],
        default=Calendar(zone, (0, 1, 2, 3, 4), 8, 17),
        support=Calendar(ZoneInfo("UTC"), (0, 1, 2, 3, 4), 0, 24, frozenset({CLOSED_DAY})),
        support_id=support_id,
        policy=policy,
    )


def maybe(rng: random.Random, values: list[Any]) -> Any:
    return rng.choice([None, *values])


def conversation(rng: random.Random, world: World, created: datetime) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": ObjectId(),
        "created_at": created,
        "status": "open",
        "channel_id": rng.choice(world.channels),
        "team_id": maybe(rng, world.teams),
        "assignee_id": maybe(rng, world.agents),
        "priority": rng.choice([None, "low", "medium", "high", "urgent"]),
    }
    if rng.random() < 0.7:
        doc["first_agent_reply_at"] = created + timedelta(minutes=rng.randrange(1, 3 * 24 * 60))
    if rng.random() < 0.5:
        doc["status"] = "resolved"
        doc["resolved_at"] = created + timedelta(minutes=rng.randrange(5, 4 * 24 * 60))
    outcome = rng.choice([None, None, "deflected", "handed_over", "holding"])
    if outcome:
        doc["bot_outcome"] = outcome
    if outcome == "handed_over":
        doc["bot_handover"] = rng.choice(REASONS)
    return doc


def target(rng: random.Random, at: datetime) -> dict[str, Any]:
    if rng.random() < 0.5:
        return {"met_at": at, "late_minutes": 0, "breached_at": None}
    if rng.random() < 0.5:  # met, but late
        return {"met_at": at, "late_minutes": 30, "breached_at": at - timedelta(minutes=30)}
    return {"met_at": None, "breached_at": at}


def ticket(rng: random.Random, world: World, seq: int, created: datetime) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": ObjectId(),
        "seq": seq,
        "title": f"Ticket {seq}",
        "created_at": created,
        "status": rng.choice(["new", "open", "pending", "on_hold", "resolved", "closed"]),
        "channel_id": rng.choice(world.channels),
        "team_id": maybe(rng, world.teams),
        "owner_id": maybe(rng, world.agents),
        "priority": rng.choice(["low", "medium", "high", "urgent"]),
        "category_id": maybe(rng, world.categories),
        "merged_into": None,
        "sla": {"policy_id": world.policy, "targets": {}},
    }
    if rng.random() < 0.5:
        doc["sla"]["calendar_id"] = world.support_id
    if doc["status"] in ("resolved", "closed"):
        doc["resolved_at"] = created + timedelta(minutes=rng.randrange(10, 5 * 24 * 60))
    for name in ("first_response", "resolution"):
        if rng.random() < 0.6:
            doc["sla"]["targets"][name] = target(
                rng, created + timedelta(minutes=rng.randrange(1, 2 * 24 * 60))
            )
    return doc


async def generate(rt, world: World, seed: int) -> list[tuple[str, ObjectId]]:
    """The records, and the refreshes (kind, id) their events would cause."""
    rng = random.Random(seed)
    times = [minutes_from_start(rng) for _ in range(50)] + local_midnight_edges(world.zone)
    conversations = [conversation(rng, world, at) for at in times]
    tickets = [ticket(rng, world, n + 1, minutes_from_start(rng)) for n in range(40)]
    surveys = []
    for n in range(26):
        sent = minutes_from_start(rng)
        survey = {
            "_id": ObjectId(),
            "resolution_key": f"survey-{n}",
            "status": "sent" if n < 24 else "not_sent",
            "sent_at": sent,
            "team_id": maybe(rng, world.teams),
            "agent_id": maybe(rng, world.agents),
            "channel_id": rng.choice(world.channels),
        }
        if n < 20:  # answered, some of them on a later day
            survey |= {
                "rating": rng.randint(1, 5),
                "rated_at": sent + timedelta(minutes=rng.randrange(1, 2 * 24 * 60)),
            }
        surveys.append(survey)
    escalations = [
        {
            "_id": ObjectId(),
            "at": minutes_from_start(rng),
            "to_team_id": rng.choice(world.teams),
            "to_level": rng.randint(0, 3),
        }
        for _ in range(10)
    ]
    messages = [
        {
            "_id": ObjectId(),
            "kind": rng.choice(["message", "message", "note"]),
            "direction": rng.choice(["out", "out", "in"]),
            "sender": rng.choice(
                [{"type": "agent", "id": a} for a in world.agents] + [{"type": "bot"}]
            ),
            "created_at": minutes_from_start(rng),
            "channel_id": rng.choice(world.channels),
        }
        for _ in range(60)
    ]
    presence = []
    for _ in range(12):
        start = minutes_from_start(rng)
        presence.append(
            {
                "_id": ObjectId(),
                "agent_id": rng.choice(world.agents),
                "status": rng.choice(["online", "busy"]),
                "start": start,
                "end": start + timedelta(minutes=rng.randrange(1, 20 * 60)),
            }
        )
    presence.append(  # across midnight and, in New York, the end of daylight-saving time
        {
            "_id": ObjectId(),
            "agent_id": world.agents[0],
            "status": "online",
            "start": datetime(2026, 11, 1, 2, tzinfo=UTC),
            "end": datetime(2026, 11, 1, 15, tzinfo=UTC),
        }
    )
    kinds = {
        "conversation": ("conversations", conversations),
        "ticket": ("tickets", tickets),
        "survey": ("surveys", surveys),
        "escalation": ("escalations", escalations),
        "message": ("messages", messages),
        "presence": ("agent_presence", presence),
    }
    refreshes = []
    for kind, (collection, docs) in kinds.items():
        await rt.store[collection].insert_many(docs)
        refreshes += [(kind, doc["_id"]) for doc in docs]
    return refreshes


async def change_some(rt, world: World, seed: int) -> list[tuple[str, ObjectId]]:
    """Later changes: tickets reopened, merged and moved; conversations resolved late."""
    rng = random.Random(seed + 1)
    tickets = await rt.store["tickets"].find({}, sort=[("_id", 1)]).to_list(None)
    resolved = [t for t in tickets if t["status"] in ("resolved", "closed")]
    changed = []
    for reopened in resolved[:3]:
        await rt.store["tickets"].update_one(
            {"_id": reopened["_id"]}, {"$set": {"status": "open", "resolved_at": None}}
        )
        changed.append(reopened["_id"])
    survivor = tickets[0]["_id"]
    for merged in tickets[-3:]:
        await rt.store["tickets"].update_one(
            {"_id": merged["_id"]}, {"$set": {"merged_into": survivor, "status": "closed"}}
        )
        changed.append(merged["_id"])
    for moved in tickets[5:8]:
        await rt.store["tickets"].update_one(
            {"_id": moved["_id"]}, {"$set": {"team_id": rng.choice(world.teams)}}
        )
        changed.append(moved["_id"])
    return [("ticket", t) for t in changed]


# ---- the figures, counted here from the records ---------------------------------------------


@dataclass(frozen=True)
class Where:
    team: ObjectId | None = None
    agent: ObjectId | None = None
    channel: ObjectId | None = None
    priority: str | None = None
    category: ObjectId | None = None

    def query(self) -> str:
        pairs = [(k, getattr(self, k)) for k in ("team", "agent", "channel", "priority")]
        pairs.append(("category", self.category))
        return "".join(f"&{k}={v}" for k, v in pairs if v is not None)

    def matches(self, **of: Any) -> bool:
        return all(
            wanted is None or of.get(name) == wanted
            for name, wanted in (
                ("team", self.team),
                ("agent", self.agent),
                ("channel", self.channel),
                ("priority", self.priority),
                ("category", self.category),
            )
        )


class Counted:
    """The expected figures for a range and filters."""

    def __init__(self, records: dict[str, list[dict[str, Any]]], world: World) -> None:
        self.records = records
        self.world = world

    def within(self, moment: datetime | None, since: date, until: date) -> bool:
        return moment is not None and since <= moment.astimezone(self.world.zone).date() <= until

    def figures(self, since: date, until: date, where: Where) -> dict[str, Any]:
        inside: Callable[[datetime | None], bool] = lambda m: self.within(m, since, until)  # noqa: E731
        conversations = [
            c
            for c in self.records["conversations"]
            if where.matches(
                team=c.get("team_id"),
                agent=c.get("assignee_id"),
                channel=c["channel_id"],
                priority=c.get("priority") or "none",
            )
        ]
        opened = [c for c in conversations if inside(c["created_at"])]
        answered = [c for c in opened if c.get("first_agent_reply_at")]
        tickets = [
            t
            for t in self.records["tickets"]
            if not t.get("merged_into")
            and where.matches(
                team=t.get("team_id"),
                agent=t.get("owner_id"),
                channel=t["channel_id"],
                priority=t["priority"],
                category=t.get("category_id"),
            )
        ]
        resolved = [
            t
            for t in tickets
            if t["status"] in ("resolved", "closed") and inside(t.get("resolved_at"))
        ]
        decided = [
            (name, not target.get("late_minutes") and target.get("met_at") is not None)
            for t in tickets
            for name, target in t["sla"]["targets"].items()
            if inside(target.get("met_at") or target.get("breached_at"))
        ]
        rateable = [
            s
            for s in self.records["surveys"]
            if where.matches(
                team=s.get("team_id"), agent=s.get("agent_id"), channel=s["channel_id"]
            )
            and where.priority is None
            and where.category is None
        ]
        surveys = [s for s in rateable if inside(s.get("rated_at"))]
        asked = [s for s in rateable if s["status"] == "sent" and inside(s["sent_at"])]
        rated = sum(s.get("rating") is not None for s in asked)
        escalations = [
            e
            for e in self.records["escalations"]
            if inside(e["at"])
            and where.matches(team=e["to_team_id"])
            and where == Where(team=where.team)
        ]
        replies = [
            m
            for m in self.records["messages"]
            if m["kind"] == "message"
            and m["direction"] == "out"
            and m["sender"]["type"] == "agent"
            and inside(m["created_at"])
            and where.matches(agent=m["sender"]["id"], channel=m["channel_id"])
            and where.team is None
            and where.priority is None
            and where.category is None
        ]
        bot = [c for c in opened if c.get("bot_outcome")]
        handed = [c for c in bot if c["bot_outcome"] == "handed_over"]
        reasons: dict[str, int] = {}
        for c in handed:
            reason = c.get("bot_handover") or "other"
            reasons[reason] = reasons.get(reason, 0) + 1
        met = sum(ok for _, ok in decided)
        return {
            "conversations": {
                "opened": len(opened),
                "resolved": sum(
                    c["status"] == "resolved" and inside(c.get("resolved_at"))
                    for c in conversations
                ),
            },
            "tickets": {"opened": sum(inside(t["created_at"]) for t in tickets)},
            "backlog": sum(t["status"] in STATUSES_OPEN for t in tickets),
            "first_response": (
                [(c["first_agent_reply_at"] - c["created_at"]).total_seconds() for c in answered],
                [
                    self.world.default.business_seconds(c["created_at"], c["first_agent_reply_at"])
                    for c in answered
                ],
            ),
            "resolution": (
                [(t["resolved_at"] - t["created_at"]).total_seconds() for t in resolved],
                [
                    self.calendar_of(t).business_seconds(t["created_at"], t["resolved_at"])
                    for t in resolved
                ],
            ),
            "tickets_resolved": len(resolved),
            "sla": {
                "met_percent": round(100 * met / len(decided), 1) if decided else None,
                "decided": len(decided),
            },
            "csat": {
                "average": round(sum(s["rating"] for s in surveys) / len(surveys), 2)
                if surveys
                else None,
                "responses": len(surveys),
                "asked": len(asked),
                "response_percent": percent(rated, len(asked)),
            },
            "bot": {
                "conversations": len(bot),
                "deflected": sum(c["bot_outcome"] == "deflected" for c in bot),
                "handed_over": len(handed),
                "deflected_percent": percent(
                    sum(c["bot_outcome"] == "deflected" for c in bot), len(bot)
                ),
                "handover_percent": percent(len(handed), len(bot)),
                "handover_reasons": reasons,
            },
            "replies": len(replies),
            "escalations": {
                "total": len(escalations),
                "by_level": {
                    f"L{n}": sum(e["to_level"] == n for e in escalations) for n in range(4)
                },
            },
            "presence": self.presence(since, until, where),
        }

    def calendar_of(self, ticket: dict[str, Any]) -> Calendar:
        if ticket["sla"].get("calendar_id") == self.world.support_id:
            return self.world.support
        return self.world.default

    def presence(self, since: date, until: date, where: Where) -> dict[str, int]:
        out = {"online_seconds": 0, "busy_seconds": 0}
        if where.team or where.channel or where.priority or where.category:
            return out
        zone = self.world.zone
        first = datetime.combine(since, datetime.min.time(), zone).astimezone(UTC)
        last = datetime.combine(until + timedelta(days=1), datetime.min.time(), zone).astimezone(
            UTC
        )
        for span in self.records["agent_presence"]:
            if where.agent and span["agent_id"] != where.agent:
                continue
            seconds = (min(span["end"], last) - max(span["start"], first)).total_seconds()
            out[f"{span['status']}_seconds"] += max(0, round(seconds))
        return out


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def close_to_percentile(values: list[float], share: float, reported: float | None) -> bool:
    """The reported percentile is the upper edge of the exact value's log-spaced bin."""
    if not values:
        return reported is None
    exact = sorted(values)[math.ceil(share * len(values)) - 1]
    return (
        reported is not None
        and exact <= reported + 0.1
        and reported <= max(exact, histograms.FIRST) * histograms.GROWTH + 0.1
    )


def check(got: dict[str, Any], expected: dict[str, Any], label: str) -> None:
    assert got["conversations"] == expected["conversations"], label
    assert got["tickets"]["opened"] == expected["tickets"]["opened"], label
    assert got["tickets"]["resolved"] == expected["tickets_resolved"], label
    assert got["sla"]["met_percent"] == expected["sla"]["met_percent"], label
    assert got["sla"]["decided"] == expected["sla"]["decided"], label
    assert got["csat"] == expected["csat"], label
    assert got["bot"] == expected["bot"], label
    assert got["replies"] == expected["replies"], label
    assert got["escalations"] == expected["escalations"], label
    assert got["presence"] == expected["presence"], label
    for name in ("first_response", "resolution"):
        wall, business = expected[name]
        assert got[name]["count"] == len(wall), (label, name)
        for share, key in ((0.5, "median_seconds"), (0.9, "p90_seconds")):
            assert close_to_percentile(wall, share, got[name][key]), (label, name, key)
            assert close_to_percentile(business, share, got[name][f"business_{key}"]), (
                label,
                name,
                key,
                sorted(business),
            )


@pytest.mark.parametrize("zone_name, seed", [("Asia/Ho_Chi_Minh", 1), ("America/New_York", 2)])
async def test_every_figure_equals_a_count_from_the_records(rt, admin, zone_name, seed):
    world = await make_world(rt, zone_name)
    refreshes = await generate(rt, world, seed)
    rng = random.Random(seed)
    early = rng.sample(refreshes, len(refreshes) // 2)
    for kind, record_id in early:  # events handled before the later changes
        await rollups.refresh(rt, kind, record_id)
    later = await change_some(rt, world, seed)
    replayed = refreshes + later + rng.sample(refreshes, 40)  # and some delivered twice
    rng.shuffle(replayed)
    for kind, record_id in replayed:
        await rollups.refresh(rt, kind, record_id)

    records = {
        name: await rt.store[name].find({}, sort=[("_id", 1)]).to_list(None)
        for name in ("conversations", "tickets", "surveys", "escalations", "messages")
    }
    records["agent_presence"] = (
        await rt.store["agent_presence"].find({}, sort=[("_id", 1)]).to_list(None)
    )
    counted = Counted(records, world)
    boundary = local_midnight_edges(world.zone)[1].astimezone(world.zone).date()
    cases = [(SINCE, UNTIL, Where()), (boundary, boundary, Where())]
    cases += [(SINCE, UNTIL, Where(team=t)) for t in world.teams]
    cases += [(SINCE, UNTIL, Where(agent=a)) for a in world.agents]
    cases += [(SINCE, UNTIL, Where(channel=c)) for c in world.channels]
    cases += [(SINCE, UNTIL, Where(priority=p)) for p in ("low", "urgent")]
    cases += [(SINCE, UNTIL, Where(category=c)) for c in world.categories]
    cases += [(SINCE, UNTIL, Where(team=world.teams[0], channel=world.channels[1]))]
    cases += [(date(2026, 10, 30), date(2026, 11, 4), Where(agent=world.agents[2]))]
    for since, until, where in cases:
        status, got = await admin.get(
            f"/api/v1/reports/overview?since={since}&until={until}{where.query()}"
        )
        assert status == 200, got
        expected = counted.figures(since, until, where)
        check(got, expected, f"{since}..{until} {where}")
        assert got["tickets"]["backlog"] == expected["backlog"]

    span = f"since={SINCE}&until={UNTIL}"
    _, per_agent = await admin.get(f"/api/v1/reports/agents?{span}")
    for row in per_agent["items"]:
        expected = counted.figures(SINCE, UNTIL, Where(agent=ObjectId(row["agent_id"])))
        check(row, expected, f"agent {row['name']}")
    _, per_channel = await admin.get(f"/api/v1/reports/channels?{span}")
    assert len(per_channel["items"]) == 3
    for row in per_channel["items"]:
        check(row, counted.figures(SINCE, UNTIL, Where(channel=ObjectId(row["channel_id"]))), "")
    _, daily = await admin.get(f"/api/v1/reports/daily?{span}")
    for day in daily["items"]:
        one = date.fromisoformat(day["day"])
        expected = counted.figures(one, one, Where())
        assert day["conversations_opened"] == expected["conversations"]["opened"], day
        assert day["tickets_resolved"] == expected["tickets_resolved"], day

    figures = await snapshot(rt)
    await rollups.rebuild(rt)
    assert await snapshot(rt) == figures
    await rollups.rebuild(rt, since=START + timedelta(days=DAYS // 2))
    assert await snapshot(rt) == figures
