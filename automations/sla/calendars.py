"""Calendars as admins define them: checked completely before they are saved.

One calendar is the default (the first one created, or the one marked default since); SLA
policies name theirs or use the default, and so do `within_business_hours` conditions.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field
from pymongo.errors import DuplicateKeyError

from inbox import clock
from inbox.business_hours import DAYS, END_OF_DAY
from inbox.errors import Conflict, Invalid
from inbox.ids import new_id, parse_id
from inbox.models.common import Partial
from inbox.queue import SLA_REAPPLY
from inbox.runtime import Runtime

CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Holidays(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: str = Field(description="ISO 3166 code, e.g. VN")
    subdivision: str | None = None


class Closure(BaseModel):
    """A one-off closure; times without an offset are the calendar's local time."""

    model_config = ConfigDict(extra="forbid")

    start: datetime
    end: datetime
    reason: str | None = Field(default=None, max_length=200)


class CalendarBody(Partial):
    """A calendar as the API takes it; on PATCH only the fields given change."""

    nullable: ClassVar[frozenset[str]] = frozenset({"holidays"})

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=80)
    timezone: str | None = Field(default=None, examples=["Asia/Ho_Chi_Minh"])
    hours: dict[str, list[list[str]]] | None = Field(
        default=None, examples=[{"mon": [["08:00", "12:00"], ["13:30", "17:30"]]}]
    )
    holidays: Holidays | None = None
    closed_dates: list[date] | None = Field(default=None, max_length=500)
    closures: list[Closure] | None = Field(default=None, max_length=200)
    default: bool | None = None


def _problems(merged: dict[str, Any]) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []
    if not merged.get("name"):
        problems.append({"field": "name", "message": "required"})
    if _zone(merged.get("timezone")) is None:
        message = "an IANA time zone, e.g. Asia/Ho_Chi_Minh"
        problems.append({"field": "timezone", "message": message})
    problems.extend(_hours_problems(merged.get("hours")))
    problems.extend(_holiday_problems(merged.get("holidays")))
    for index, closure in enumerate(merged.get("closures") or []):
        if closure["end"] <= closure["start"]:
            problems.append({"field": f"closures.{index}", "message": "ends before it starts"})
    return problems


def _hours_problems(hours: Any) -> list[dict[str, str]]:
    if not isinstance(hours, dict):
        return [{"field": "hours", "message": "required: opening intervals per weekday"}]
    problems = []
    for day, intervals in hours.items():
        if day not in DAYS:
            problems.append({"field": f"hours.{day}", "message": f"days are {', '.join(DAYS)}"})
            continue
        parsed = []
        for index, pair in enumerate(intervals):
            where = f"hours.{day}.{index}"
            if len(pair) != 2 or not CLOCK_TIME.match(pair[0]):
                problems.append({"field": where, "message": 'two times, e.g. ["08:00", "12:00"]'})
                continue
            if not (CLOCK_TIME.match(pair[1]) or pair[1] == END_OF_DAY):
                problems.append({"field": where, "message": "ends at HH:MM or 24:00"})
                continue
            if pair[1] != END_OF_DAY and pair[1] <= pair[0]:
                problems.append({"field": where, "message": "ends before it starts"})
                continue
            parsed.append((pair[0], pair[1], where))
        parsed.sort()
        for (_, end, _), (start, _, where) in itertools.pairwise(parsed):
            if start < end:
                problems.append({"field": where, "message": "overlaps the interval before it"})
    if not problems and not any(hours.get(day) for day in DAYS):
        problems.append({"field": "hours", "message": "the calendar is never open"})
    return problems


def countries() -> dict[str, list[str]]:
    """Countries whose public holidays are known: ISO code to subdivision codes."""
    return {code: list(subs) for code, subs in holidays.list_supported_countries().items()}


def _holiday_problems(chosen: dict[str, Any] | None) -> list[dict[str, str]]:
    if not chosen:
        return []
    supported = countries()
    country = chosen["country"].upper()
    if country not in supported:
        return [{"field": "holidays.country", "message": f"no public holidays known for {country}"}]
    subdivision = chosen.get("subdivision")
    if subdivision and subdivision not in supported[country]:
        known = ", ".join(supported[country][:30]) or "none"
        message = f"not a subdivision of {country} (known: {known})"
        return [{"field": "holidays.subdivision", "message": message}]
    return []


def _stored(given: dict[str, Any]) -> dict[str, Any]:
    """The API fields in their stored form (dates as ISO strings, countries upper case)."""
    stored = dict(given)
    if given.get("holidays"):
        stored["holidays"] = {**given["holidays"], "country": given["holidays"]["country"].upper()}
    if "closed_dates" in given:
        stored["closed_dates"] = sorted({d.isoformat() for d in given["closed_dates"] or []})
    if "closures" in given:
        stored["closures"] = [
            {**c, "start": c["start"].isoformat(), "end": c["end"].isoformat()}
            for c in given["closures"] or []
        ]
    return stored


async def _validated(
    rt: Runtime, body: CalendarBody, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    zone = _zone(given.get("timezone") or (current or {}).get("timezone"))
    if given.get("closures") and zone is not None:
        given["closures"] = [
            {**c, **{k: _localised(c[k], zone) for k in ("start", "end")}}
            for c in given["closures"]
        ]
    problems = _problems({**(current or {}), **given, **_parsed_closures(given, current)})
    if problems:
        names = ", ".join(sorted({p["field"] for p in problems}))
        raise Invalid(f"The calendar is not valid: {names}.", problems, code="invalid_calendar")
    return _stored(given)


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name or "")
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _localised(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _parsed_closures(given: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """Closures as datetimes for checking, whether just given or stored before."""
    if "closures" in given:
        return {"closures": given["closures"] or []}
    return {
        "closures": [
            {"start": datetime.fromisoformat(c["start"]), "end": datetime.fromisoformat(c["end"])}
            for c in (current or {}).get("closures", [])
        ]
    }


async def create(rt: Runtime, body: CalendarBody) -> dict[str, Any]:
    fields = await _validated(rt, body)
    first = await rt.store["calendars"].find_one({}) is None
    doc = {
        "_id": new_id(),
        "holidays": None,
        "closed_dates": [],
        "closures": [],
        **fields,
        "default": bool(fields.get("default")) or first,
        "created_at": clock.now(),
    }
    try:
        await rt.store["calendars"].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"A calendar named {doc['name']!r} exists already.") from None
    if doc["default"]:
        await _only_default(rt, doc["_id"])
        await rt.queue.enqueue(SLA_REAPPLY)
    return doc


async def update(rt: Runtime, calendar: dict[str, Any], body: CalendarBody) -> dict[str, Any]:
    fields = await _validated(rt, body, calendar)
    if fields.get("default") is False and calendar["default"]:
        raise Invalid("Make another calendar the default instead.", code="default_calendar")
    try:
        await rt.store["calendars"].update_one(
            {"_id": calendar["_id"]}, {"$set": fields, "$inc": {"revision": 1}}
        )
    except DuplicateKeyError:
        raise Conflict(f"A calendar named {fields['name']!r} exists already.") from None
    if fields.get("default"):
        await _only_default(rt, calendar["_id"])
    await rt.queue.enqueue(SLA_REAPPLY)
    return {**calendar, **fields, "revision": calendar.get("revision", 0) + 1}


async def _only_default(rt: Runtime, calendar_id: Any) -> None:
    await rt.store["calendars"].update_many(
        {"_id": {"$ne": calendar_id}, "default": True}, {"$set": {"default": False}}
    )


async def delete(rt: Runtime, calendar: dict[str, Any]) -> None:
    if calendar["default"]:
        raise Conflict("The default calendar cannot be deleted; make another the default first.")
    user = await rt.store["sla_policies"].find_one({"calendar_id": calendar["_id"]})
    if user is not None:
        raise Conflict(f"The SLA policy {user['name']!r} uses this calendar.")
    await rt.store["calendars"].delete_one({"_id": calendar["_id"]})


async def get(rt: Runtime, calendar_id: str) -> dict[str, Any]:
    return await rt.store.get("calendars", parse_id(calendar_id, "calendar"), "calendar")


async def list_all(rt: Runtime) -> list[dict[str, Any]]:
    return await rt.store["calendars"].find({}, sort=[("name", 1)]).to_list(None)


def view(calendar: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(calendar["_id"]),
        "name": calendar["name"],
        "timezone": calendar["timezone"],
        "hours": {day: calendar["hours"].get(day, []) for day in DAYS},
        "holidays": calendar.get("holidays"),
        "closed_dates": calendar.get("closed_dates", []),
        "closures": calendar.get("closures", []),
        "default": calendar["default"],
    }
