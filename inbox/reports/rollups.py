"""The rollups the reports read: one small document per bucket (day, team, agent,
channel and priority) with counters and duration histograms.

A worker event handler recomputes the contribution of the conversation, ticket or survey an
event is about and swaps it in atomically (`report_facts` keeps each record's last
contribution); the rollups get the difference. So a redelivered or late event adds nothing,
concurrent handlers never count twice, and `rebuild` from the records gives the same
rollups.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo import ReturnDocument

from inbox import business_hours
from inbox.events import EventType
from inbox.reports import facts
from inbox.runtime import Runtime

Compute = Callable[[dict[str, Any], facts.Setting], facts.Contribution]
SOURCES: dict[str, tuple[str, Compute]] = {
    "conversation": ("conversations", facts.of_conversation),
    "ticket": ("tickets", facts.of_ticket),
    "survey": ("surveys", facts.of_survey),
    "escalation": ("escalations", facts.of_escalation),
    "message": ("messages", facts.of_message),
    "presence": ("agent_presence", facts.of_presence),
}
"""record kind -> (collection, contribution)"""


async def zone_of(rt: Runtime) -> ZoneInfo:
    """The account's time zone, which cuts the days: the default calendar's (else UTC)."""
    return (await business_hours.load(rt, None)).zone


def calendar_id_of(kind: str, record: dict[str, Any]) -> Any:
    """The calendar a record's business time is counted in: a ticket's SLA calendar, else
    the default one (None)."""
    if kind == "ticket":
        return (record.get("sla") or {}).get("calendar_id")
    return None


class Calendars:
    """The account's zone (the default calendar's) and the calendars read so far: each one is
    read once however many records are counted (a rebuild)."""

    def __init__(self, default: business_hours.Calendar) -> None:
        self.zone = default.zone
        self._read: dict[Any, business_hours.Calendar] = {None: default}

    @classmethod
    async def read(cls, rt: Runtime) -> Calendars:
        return cls(await business_hours.load(rt, None))

    async def setting_for(self, rt: Runtime, kind: str, record: dict[str, Any]) -> facts.Setting:
        if kind not in ("conversation", "ticket"):
            return facts.Setting(self.zone)  # no durations to count
        calendar_id = calendar_id_of(kind, record)
        if calendar_id not in self._read:
            self._read[calendar_id] = await business_hours.load(rt, calendar_id)
        return facts.Setting(self.zone, self._read[calendar_id])


async def on_event(rt: Runtime, event: dict[str, Any]) -> None:
    """An event handler: bring the rollups up to date with the record the event is about."""
    kind = event["subject"]["type"]
    if event["type"] == EventType.CSAT_RECEIVED:
        survey_id = ((event.get("data") or {}).get("survey") or {}).get("id")
        if survey_id:
            await refresh(rt, "survey", ObjectId(survey_id))
    if event["type"] in (EventType.TICKET_ESCALATED, EventType.CONVERSATION_ESCALATED):
        escalation_id = (event.get("data") or {}).get("id")
        if escalation_id:
            await refresh(rt, "escalation", ObjectId(escalation_id))
    if event["type"] == EventType.CSAT_SENT:
        await refresh(rt, "survey", event["subject"]["id"])
    if kind in ("conversation", "ticket", "presence"):
        await refresh(rt, kind, event["subject"]["id"])
    elif kind == "message" and event["type"] == EventType.MESSAGE_CREATED:
        await refresh(rt, "message", event["subject"]["id"])


async def refresh(rt: Runtime, kind: str, record_id: ObjectId) -> None:
    """Swap in what the record contributes now, and add the difference to the rollups."""
    record = await rt.store[SOURCES[kind][0]].find_one({"_id": record_id})
    await _swap(rt, kind, record_id, record, await Calendars.read(rt))


async def _swap(
    rt: Runtime, kind: str, record_id: Any, record: dict[str, Any] | None, calendars: Calendars
) -> None:
    now: facts.Contribution = {}
    if record is not None:
        now = SOURCES[kind][1](record, await calendars.setting_for(rt, kind, record))
    facts_of = rt.store["report_facts"]
    if now:
        before = await facts_of.find_one_and_update(
            {"_id": f"{kind}:{record_id}"},
            {"$set": {"buckets": now}},
            upsert=True,
            return_document=ReturnDocument.BEFORE,
        )
    else:  # most messages count for nothing: keep no record of them
        before = await facts_of.find_one_and_delete({"_id": f"{kind}:{record_id}"})
    await _apply(rt, difference(now, (before or {}).get("buckets") or {}))


def difference(now: facts.Contribution, before: facts.Contribution) -> facts.Contribution:
    """now - before, bucket by bucket and counter by counter (zeros left out)."""
    out: facts.Contribution = {}
    for bucket_id in now.keys() | before.keys():
        new = (now.get(bucket_id) or {}).get("n", {})
        old = (before.get(bucket_id) or {}).get("n", {})
        changed = {m: new.get(m, 0) - old.get(m, 0) for m in new.keys() | old.keys()}
        changed = {m: v for m, v in changed.items() if v}
        if changed:
            key = (now.get(bucket_id) or before[bucket_id])["key"]
            out[bucket_id] = {"key": key, "n": changed}
    return out


LEVELS = {
    "team": "team_id",
    "agent": "agent_id",
    "channel": "channel_id",
    "priority": "priority",
    "category": "category_id",
}
"""Coarser rollups kept beside the finest, so a report with no filter, one filter or one
breakdown reads one small document per day (or per day and value) instead of every bucket."""


def with_levels(delta: facts.Contribution) -> facts.Contribution:
    """The delta on the finest buckets, and the same summed per day and per day and value."""
    out: facts.Contribution = {}

    def into(bucket_id: str, key: dict[str, Any], counters: facts.Counters) -> None:
        entry = out.setdefault(bucket_id, {"key": key, "n": {}})
        for metric, value in counters.items():
            facts.add(entry["n"], metric, value)

    for bucket_id, entry in delta.items():
        key = entry["key"]
        into(bucket_id, {**key, "level": "fine"}, entry["n"])
        into(f"{key['day']}|all", {"day": key["day"], "level": "all"}, entry["n"])
        for level, field in LEVELS.items():
            if key.get(field):
                coarse = {"day": key["day"], "level": level, field: key[field]}
                into(f"{key['day']}|{level}|{key[field]}", coarse, entry["n"])
    return out


async def _apply(rt: Runtime, delta: facts.Contribution) -> None:
    for bucket_id, entry in with_levels(delta).items():
        await rt.store["report_rollups"].update_one(
            {"_id": bucket_id},
            {
                "$setOnInsert": entry["key"],
                "$inc": {f"n.{metric}": value for metric, value in entry["n"].items()},
            },
            upsert=True,
        )


async def rebuild(rt: Runtime, since: datetime | None = None) -> int:
    """Compute every record's contribution afresh and make the rollups their sum; returns
    how many records were read. (A repair tool: events handled meanwhile may be counted
    again by the next event about the same record, which then sets it right.)

    With `since`, only the records created from then on are computed again, and each swaps
    its contribution in as an event would (older records keep theirs)."""
    if since is not None:
        return await _recompute_since(rt, since)
    calendars = await Calendars.read(rt)
    totals: facts.Contribution = {}
    kept: set[str] = set()
    read = 0
    for kind, (collection, compute) in SOURCES.items():
        async for record in rt.store[collection].find({}, sort=[("_id", 1)]):
            read += 1
            contribution = compute(record, await calendars.setting_for(rt, kind, record))
            if not contribution:
                continue
            fact_id = f"{kind}:{record['_id']}"
            kept.add(fact_id)
            await rt.store["report_facts"].replace_one(
                {"_id": fact_id}, {"buckets": contribution}, upsert=True
            )
            for bucket_id, entry in contribution.items():
                total = totals.setdefault(bucket_id, {"key": entry["key"], "n": {}})
                for metric, value in entry["n"].items():
                    facts.add(total["n"], metric, value)
    await _remove_others(rt, "report_facts", kept)
    leveled = with_levels(totals)
    for bucket_id, entry in leveled.items():
        await rt.store["report_rollups"].replace_one(
            {"_id": bucket_id}, {**entry["key"], "n": entry["n"]}, upsert=True
        )
    await _remove_others(rt, "report_rollups", set(leveled))
    return read


async def _recompute_since(rt: Runtime, since: datetime) -> int:
    calendars = await Calendars.read(rt)
    first = {"_id": {"$gte": ObjectId.from_datetime(since)}}
    read = 0
    for kind, (collection, _) in SOURCES.items():
        async for record in rt.store[collection].find(first, sort=[("_id", 1)]):
            read += 1
            await _swap(rt, kind, record["_id"], record, calendars)
    return read


async def _remove_others(rt: Runtime, collection: str, kept: set[str]) -> None:
    found = rt.store[collection].find({}, {"_id": 1}, sort=[("_id", 1)])
    stale = [doc["_id"] async for doc in found if doc["_id"] not in kept]
    for start in range(0, len(stale), 500):
        await rt.store[collection].delete_many({"_id": {"$in": stale[start : start + 500]}})
