"""What one conversation, ticket or survey contributes to the report figures, as counters
per bucket (day in the account's time zone, team, agent, channel, priority and category). A
pure function of the record as it is now (and of the calendar its business time is counted
in): the rollups add the difference from what the record contributed before, so events
redelivered or out of order change nothing, and a rebuild from the records gives the same
rollups.

Durations are counted twice: in wall time, and in business time of the calendar the record
runs on (a ticket's SLA calendar, else the default calendar)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from inbox.business_hours import FALLBACK, Calendar, NeverOpen
from inbox.reports.histograms import bin_of

Counters = dict[str, int]
Contribution = dict[str, dict[str, Any]]
"""bucket id -> {"key": {day, team_id, agent_id, channel_id, priority, category_id},
"n": Counters}"""

BUSINESS = "_business"
"""Suffix of a duration counted in business time."""


@dataclass(frozen=True)
class Setting:
    """Where a record is counted: the account's time zone cuts the days, and the calendar
    counts business time."""

    zone: ZoneInfo
    calendar: Calendar = FALLBACK


def day_of(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).date().isoformat()


def _text(value: Any) -> str | None:
    return str(value) if value else None


def bucket(
    out: Contribution,
    day: str,
    team: Any,
    agent: Any,
    channel: Any,
    priority: Any,
    category: Any = None,
) -> Counters:
    key = {
        "day": day,
        "team_id": _text(team),
        "agent_id": _text(agent),
        "channel_id": _text(channel),
        "priority": priority or "none",
        "category_id": _text(category),
    }
    bucket_id = "|".join(str(value or "-") for value in key.values())
    return out.setdefault(bucket_id, {"key": key, "n": {}})["n"]


def add(counters: Counters, metric: str, value: int = 1) -> None:
    counters[metric] = counters.get(metric, 0) + value


def _add_seconds(counters: Counters, name: str, seconds: float) -> None:
    seconds = max(0.0, seconds)
    add(counters, f"{name}_count")
    add(counters, f"{name}_sum", round(seconds))
    add(counters, f"h_{name}_{bin_of(seconds)}")


def add_duration(
    counters: Counters, name: str, start: datetime, end: datetime, calendar: Calendar
) -> None:
    """The time from start to end, in wall time and in the calendar's business time."""
    _add_seconds(counters, name, (end - start).total_seconds())
    try:
        business = calendar.minutes_between(start, end) * 60
    except NeverOpen:  # a calendar that never opens has no business time to count
        return
    _add_seconds(counters, name + BUSINESS, business)


def of_conversation(conversation: dict[str, Any], setting: Setting) -> Contribution:
    """Opened (on its first day), first answered by a person, resolved, and the bot's part
    (with the reason it handed over)."""
    out: Contribution = {}
    zone = setting.zone
    where = (
        conversation.get("team_id"),
        conversation.get("assignee_id"),
        conversation["channel_id"],
        conversation.get("priority"),
    )
    opened = bucket(out, day_of(conversation["created_at"], zone), *where)
    add(opened, "conversations_opened")
    local = conversation["created_at"].astimezone(zone)
    add(opened, f"hour_{local.weekday()}_{local.hour}")
    answered = conversation.get("first_agent_reply_at")
    if answered is not None:
        add_duration(
            opened, "first_response", conversation["created_at"], answered, setting.calendar
        )
    if conversation["status"] == "resolved" and conversation.get("resolved_at"):
        resolved = bucket(out, day_of(conversation["resolved_at"], zone), *where)
        add(resolved, "conversations_resolved")
    outcome = conversation.get("bot_outcome")
    if outcome:
        add(opened, "bot_conversations")
        if outcome in ("deflected", "handed_over"):
            add(opened, f"bot_{outcome}")
        if outcome == "handed_over":
            add(opened, f"bot_reason_{conversation.get('bot_handover') or 'other'}")
    return out


def of_ticket(ticket: dict[str, Any], setting: Setting) -> Contribution:
    """Opened, resolved (with the time it took), and its SLA targets met or missed."""
    out: Contribution = {}
    zone = setting.zone
    if ticket.get("merged_into"):
        return out  # its work counts in the ticket it was merged into
    where = (
        ticket.get("team_id"),
        ticket.get("owner_id"),
        ticket.get("channel_id"),
        ticket.get("priority"),
        ticket.get("category_id"),
    )
    add(bucket(out, day_of(ticket["created_at"], zone), *where), "tickets_opened")
    resolved_at = ticket.get("resolved_at")
    if ticket["status"] in ("resolved", "closed") and resolved_at:
        resolved = bucket(out, day_of(resolved_at, zone), *where)
        add(resolved, "tickets_resolved")
        add_duration(resolved, "resolution", ticket["created_at"], resolved_at, setting.calendar)
    for name, target in ((ticket.get("sla") or {}).get("targets") or {}).items():
        if target.get("met_at") is not None:
            decided, met = target["met_at"], not target.get("late_minutes")
        elif target.get("breached_at") is not None:
            decided, met = target["breached_at"], False
        else:
            continue
        counters = bucket(out, day_of(decided, zone), *where)
        add(counters, f"sla_{name}_decided")
        add(counters, f"sla_{name}_met", int(met))
        add(counters, "sla_decided")
        add(counters, "sla_met", int(met))
        if not met and (ticket.get("sla") or {}).get("policy_id"):
            add(counters, f"sla_missed_policy_{ticket['sla']['policy_id']}")
    return out


def of_survey(survey: dict[str, Any], setting: Setting) -> Contribution:
    """A survey sent (answered or not, on the day it was sent: the response rate) and its
    rating (on the day it was given), with the agent, team and channel it asks about."""
    out: Contribution = {}
    where = (survey.get("team_id"), survey.get("agent_id"), survey.get("channel_id"), None)
    rated = survey.get("rating") is not None and survey.get("rated_at") is not None
    if survey.get("status") == "sent" and survey.get("sent_at") is not None:
        asked = bucket(out, day_of(survey["sent_at"], setting.zone), *where)
        add(asked, "csat_asked")
        add(asked, "csat_asked_answered", int(rated))
    if rated:
        counters = bucket(out, day_of(survey["rated_at"], setting.zone), *where)
        add(counters, "csat_responses")
        add(counters, "csat_sum", int(survey["rating"]))
    return out


def of_escalation(entry: dict[str, Any], setting: Setting) -> Contribution:
    """An escalation, by the level and team it went to."""
    out: Contribution = {}
    counters = bucket(
        out, day_of(entry["at"], setting.zone), entry.get("to_team_id"), None, None, None
    )
    add(counters, "escalations")
    add(counters, f"escalations_l{entry.get('to_level', 0)}")
    return out


def of_message(message: dict[str, Any], setting: Setting) -> Contribution:
    """A reply an agent wrote to a customer (notes and automatic messages are not replies)."""
    out: Contribution = {}
    sender = message.get("sender") or {}
    if message.get("kind") != "message" or message.get("direction") != "out":
        return out
    if sender.get("type") != "agent" or not sender.get("id"):
        return out
    day = day_of(message["created_at"], setting.zone)
    add(bucket(out, day, None, sender["id"], message.get("channel_id"), None), "replies")
    return out


def of_presence(span: dict[str, Any], setting: Setting) -> Contribution:
    """Time an agent was online (or busy), cut at local midnight into the days it spans.

    Moments are compared in UTC: Python subtracts two datetimes of the same zone as wall
    clock times, which is an hour wrong across a daylight-saving change."""
    out: Contribution = {}
    zone = setting.zone
    start, end = span["start"].astimezone(UTC), span["end"].astimezone(UTC)
    while start < end:
        day = start.astimezone(zone).date()
        midnight = datetime.combine(day + timedelta(days=1), time.min, zone).astimezone(UTC)
        stop = min(end, midnight)
        counters = bucket(out, day.isoformat(), None, span["agent_id"], None, None)
        add(counters, f"{span['status']}_seconds", round((stop - start).total_seconds()))
        start = stop
    return out
