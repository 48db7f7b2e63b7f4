"""The report queries: sum the rollups of a date range (and team, agent, channel, priority),
merge their histograms for medians and 90th percentiles, and give the overview and the
agents table as JSON-ready dicts or CSV. Reads a few small documents per day, whatever the
number of messages."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bson import ObjectId

from inbox import clock
from inbox.models.tickets import OPEN_TICKET_STATUSES, ticket_number
from inbox.reports import facts, histograms
from inbox.reports.rollups import LEVELS
from inbox.reports.rollups import zone_of as rollups_zone
from inbox.runtime import Runtime
from inbox.services import agents

SLA_TARGETS = ("first_response", "next_response", "resolution")


@dataclass(frozen=True)
class Filters:
    since: date
    until: date
    team: str | None = None
    agent: str | None = None
    channel: str | None = None
    priority: str | None = None
    category: str | None = None


async def _rows(rt: Runtime, where: Filters, by: str | None = None) -> list[dict[str, Any]]:
    """The rollups of the range and filters, from the coarsest level that answers: per day
    with no filter, per day and value with one filter or a breakdown alone, else the finest."""
    named = {
        field: value
        for field, value in (
            ("team_id", where.team),
            ("agent_id", where.agent),
            ("channel_id", where.channel),
            ("priority", where.priority),
            ("category_id", where.category),
        )
        if value
    }
    wanted = set(named) | ({by} if by else set())
    if not wanted:
        level = "all"
    elif len(wanted) == 1:
        level = next(name for name, field in LEVELS.items() if field in wanted)
    else:
        level = "fine"
    query: dict[str, Any] = {
        "level": level,
        "day": {"$gte": where.since.isoformat(), "$lte": where.until.isoformat()},
        **named,
    }
    return await rt.store["report_rollups"].find(query).to_list(None)


def _sum(rows: list[dict[str, Any]]) -> facts.Counters:
    total: facts.Counters = {}
    for row in rows:
        _plus(total, row.get("n") or {})
    return total


def _histogram(total: facts.Counters, name: str) -> dict[int, int]:
    prefix = f"h_{name}_"
    return {
        int(m[len(prefix) :]): v
        for m, v in total.items()
        if m.startswith(prefix) and m[len(prefix) :].isdigit() and v
    }


def _durations(total: facts.Counters, name: str) -> dict[str, Any]:
    """Median and 90th percentile in wall time and in business time."""
    wall, business = _histogram(total, name), _histogram(total, name + facts.BUSINESS)
    return {
        "count": total.get(f"{name}_count", 0),
        "median_seconds": histograms.percentile(wall, 0.5),
        "p90_seconds": histograms.percentile(wall, 0.9),
        "business_median_seconds": histograms.percentile(business, 0.5),
        "business_p90_seconds": histograms.percentile(business, 0.9),
    }


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def figures(total: facts.Counters) -> dict[str, Any]:
    """The figures of summed counters (the overview's, or one agent's)."""
    return {
        "conversations": {
            "opened": total.get("conversations_opened", 0),
            "resolved": total.get("conversations_resolved", 0),
        },
        "tickets": {
            "opened": total.get("tickets_opened", 0),
            "resolved": total.get("tickets_resolved", 0),
        },
        "first_response": _durations(total, "first_response"),
        "resolution": _durations(total, "resolution"),
        "sla": {
            "met_percent": _percent(total.get("sla_met", 0), total.get("sla_decided", 0)),
            "decided": total.get("sla_decided", 0),
            "targets": {
                name: _percent(total.get(f"sla_{name}_met", 0), total[f"sla_{name}_decided"])
                for name in SLA_TARGETS
                if total.get(f"sla_{name}_decided")
            },
        },
        "csat": {
            "average": round(total["csat_sum"] / total["csat_responses"], 2)
            if total.get("csat_responses")
            else None,
            "responses": total.get("csat_responses", 0),
            "asked": total.get("csat_asked", 0),
            "response_percent": _percent(
                total.get("csat_asked_answered", 0), total.get("csat_asked", 0)
            ),
        },
        "bot": {
            "conversations": total.get("bot_conversations", 0),
            "deflected": total.get("bot_deflected", 0),
            "handed_over": total.get("bot_handed_over", 0),
            "deflected_percent": _percent(
                total.get("bot_deflected", 0), total.get("bot_conversations", 0)
            ),
            "handover_percent": _percent(
                total.get("bot_handed_over", 0), total.get("bot_conversations", 0)
            ),
            "handover_reasons": {
                metric.removeprefix("bot_reason_"): count
                for metric, count in sorted(total.items())
                if metric.startswith("bot_reason_") and count
            },
        },
        "replies": total.get("replies", 0),
        "presence": {
            "online_seconds": total.get("online_seconds", 0),
            "busy_seconds": total.get("busy_seconds", 0),
        },
        "escalations": {
            "total": total.get("escalations", 0),
            "by_level": {f"L{level}": total.get(f"escalations_l{level}", 0) for level in range(4)},
        },
    }


BY_AGENT = (None, "agent_id")
"""Breakdowns presence shows in: none (the overview) or per agent."""


def _bounds(where: Filters, zone: Any) -> tuple[datetime, datetime]:
    """The range's first and last moments (local midnights) in UTC, the last no later than
    now (in UTC so that subtracting them is right across a daylight-saving change)."""
    start = datetime.combine(where.since, time.min, zone).astimezone(UTC)
    end = datetime.combine(where.until + timedelta(days=1), time.min, zone).astimezone(UTC)
    return start, min(clock.now(), end)


async def _open_presence(rt: Runtime, where: Filters, by: str | None) -> dict[str, facts.Counters]:
    """Per agent, the time online or busy since their last change (still going, so not in
    the rollups yet), within the range. Presence is per agent only: none under other filters
    or per team or channel."""
    if where.team or where.channel or where.priority or where.category or by not in BY_AGENT:
        return {}
    start, end = _bounds(where, await rollups_zone(rt))
    out: dict[str, facts.Counters] = {}
    async for agent in rt.store["agents"].find({"availability": {"$in": list(agents.PRESENT)}}):
        since = agent.get("availability_changed_at")
        if since is None or (where.agent and str(agent["_id"]) != where.agent):
            continue
        seconds = round((end - max(since, start)).total_seconds())
        if seconds > 0:
            out[str(agent["_id"])] = {f"{agent['availability']}_seconds": seconds}
    return out


def _plus(total: facts.Counters, more: facts.Counters) -> facts.Counters:
    for metric, value in more.items():
        facts.add(total, metric, value)
    return total


async def overview(rt: Runtime, where: Filters) -> dict[str, Any]:
    total = _sum(await _rows(rt, where))
    for going in (await _open_presence(rt, where, None)).values():
        _plus(total, going)
    result = figures(total)
    result["tickets"]["backlog"] = await _backlog(rt, where)
    return {"since": where.since.isoformat(), "until": where.until.isoformat(), **result}


async def _backlog(rt: Runtime, where: Filters) -> int:
    """Tickets open now (among those the filters name)."""
    query: dict[str, Any] = {"status": {"$in": list(OPEN_TICKET_STATUSES)}, "merged_into": None}
    if where.team:
        query["team_id"] = ObjectId(where.team)
    if where.agent:
        query["owner_id"] = ObjectId(where.agent)
    if where.channel:
        query["channel_id"] = ObjectId(where.channel)
    if where.priority:
        query["priority"] = where.priority
    if where.category:
        query["category_id"] = ObjectId(where.category)
    return await rt.store["tickets"].count_documents(query)


BREAKDOWNS = {"agent_id": "agents", "team_id": "teams", "channel_id": "channels"}
"""What figures can be broken down by, and the collection that names each."""


async def breakdown(rt: Runtime, where: Filters, by: str) -> list[dict[str, Any]]:
    """The figures per agent, team or channel (`by`), by name."""
    per_key: dict[str, list[dict[str, Any]]] = {}
    for row in await _rows(rt, where, by):
        if row.get(by):
            per_key.setdefault(row[by], []).append(row)
    going = await _open_presence(rt, where, by)
    items = []
    for key in per_key.keys() | going.keys():
        name = await rt.store.name_of(BREAKDOWNS[by], key)
        total = _plus(_sum(per_key.get(key, [])), going.get(key, {}))
        items.append({by: key, "name": name, **figures(total)})
    return sorted(items, key=lambda item: item["name"].lower())


async def busiest_hours(rt: Runtime, where: Filters) -> list[dict[str, int]]:
    """Conversations opened per weekday (0 = Monday) and hour, in the account's time zone."""
    total = _sum(await _rows(rt, where))
    return [
        {"weekday": day, "hour": hour, "conversations": total.get(f"hour_{day}_{hour}", 0)}
        for day in range(7)
        for hour in range(24)
    ]


async def ratings(rt: Runtime, where: Filters, limit: int = 200) -> list[dict[str, Any]]:
    """The ratings given in the range, newest first, with their comments."""
    zone = await rollups_zone(rt)
    start = datetime.combine(where.since, time.min, zone)
    end = datetime.combine(where.until + timedelta(days=1), time.min, zone)
    query: dict[str, Any] = {"rated_at": {"$gte": start, "$lt": end}}
    for field, value in (("team_id", where.team), ("agent_id", where.agent)):
        if value:
            query[field] = ObjectId(value)
    if where.channel:
        query["channel_id"] = ObjectId(where.channel)
    found = rt.store["surveys"].find(query, sort=[("rated_at", -1)], limit=limit)
    items = []
    async for survey in found:
        ticket = None
        if survey.get("ticket_id"):
            ticket = await rt.store["tickets"].find_one({"_id": survey["ticket_id"]}, {"seq": 1})
        items.append(
            {
                "rating": survey["rating"],
                "comment": survey.get("comment"),
                "at": survey["rated_at"].isoformat(),
                "ticket": ticket_number(ticket["seq"]) if ticket else None,
                "agent": await rt.store.name_of("agents", survey.get("agent_id")),
                "channel": survey.get("channel_kind"),
            }
        )
    return items


async def sla_breaches(rt: Runtime, where: Filters, limit: int = 200) -> dict[str, Any]:
    """Targets missed by policy, and the tickets that missed one in the range."""
    total = _sum(await _rows(rt, where))
    prefix = "sla_missed_policy_"
    by_policy = []
    for metric, count in sorted(total.items()):
        if metric.startswith(prefix) and count:
            policy_id = metric[len(prefix) :]
            name = await rt.store.name_of("sla_policies", policy_id)
            by_policy.append({"policy_id": policy_id, "name": name, "missed": count})
    zone = await rollups_zone(rt)
    start = datetime.combine(where.since, time.min, zone)
    end = datetime.combine(where.until + timedelta(days=1), time.min, zone)
    tickets: dict[Any, dict[str, Any]] = {}
    for target in SLA_TARGETS:
        query: dict[str, Any] = {f"sla.targets.{target}.breached_at": {"$gte": start, "$lt": end}}
        for field, value in (
            ("team_id", where.team),
            ("owner_id", where.agent),
            ("channel_id", where.channel),
        ):
            if value:
                query[field] = ObjectId(value)
        if where.priority:
            query["priority"] = where.priority
        async for ticket in rt.store["tickets"].find(query, limit=limit):
            entry = tickets.setdefault(
                ticket["_id"],
                {
                    "number": ticket_number(ticket["seq"]),
                    "title": ticket["title"],
                    "priority": ticket["priority"],
                    "team": await rt.store.name_of("teams", ticket.get("team_id")),
                    "missed": [],
                },
            )
            entry["missed"].append(target)
    items = sorted(tickets.values(), key=lambda t: t["number"], reverse=True)[:limit]
    return {
        "by_policy": by_policy,
        "by_priority": await _missed_by(rt, where, "priority"),
        "by_team": await _missed_by(rt, where, "team_id"),
        "tickets": items,
    }


async def _missed_by(rt: Runtime, where: Filters, by: str) -> list[dict[str, Any]]:
    """Targets decided and missed per priority or team, from the rollups."""
    per_key: dict[str, list[dict[str, Any]]] = {}
    for row in await _rows(rt, where, by):
        per_key.setdefault(row.get(by) or "", []).append(row)
    out = []
    for key, rows in per_key.items():
        total = _sum(rows)
        if not total.get("sla_decided"):
            continue
        name = key if by == "priority" else await rt.store.name_of("teams", key or None)
        out.append(
            {
                "name": name,
                "missed": total["sla_decided"] - total.get("sla_met", 0),
                "decided": total["sla_decided"],
            }
        )
    return sorted(out, key=lambda entry: (-entry["missed"], entry["name"]))


DAILY = ("conversations_opened", "conversations_resolved", "tickets_opened", "tickets_resolved")


async def daily(rt: Runtime, where: Filters) -> list[dict[str, Any]]:
    """Volume per day of the range (days without any at zero), for the charts."""
    per_day: dict[str, facts.Counters] = {}
    for row in await _rows(rt, where):
        counters = per_day.setdefault(row["day"], {})
        for metric in DAILY:
            facts.add(counters, metric, (row.get("n") or {}).get(metric, 0))
    days = (where.until - where.since).days + 1
    return [
        {"day": day, **{m: per_day.get(day, {}).get(m, 0) for m in DAILY}}
        for day in ((where.since + timedelta(days=n)).isoformat() for n in range(days))
    ]


def flat(result: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested figures as `tickets.opened`-style columns."""
    out: dict[str, Any] = {}
    for key, value in result.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def to_csv(rows: list[dict[str, Any]]) -> str:
    """One line per row, one column per figure (the same numbers as the JSON)."""
    flattened = [flat(row) for row in rows]
    columns = list(dict.fromkeys(column for row in flattened for column in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(flattened)
    return buffer.getvalue()
