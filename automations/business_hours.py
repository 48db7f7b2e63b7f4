"""Calendars: when a team is at work. A time zone, weekly opening hours (several intervals a
day, e.g. 08:00-12:00 and 13:30-17:30), public holidays of a country (and subdivision) from
the `holidays` package, Vietnam's lunar Tết included, and custom closed dates.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from inbox.runtime import Runtime

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS = {day: [("08:00", "17:00")] for day in DAYS[:5]}


@dataclass(frozen=True)
class Calendar:
    timezone: str
    hours: dict[str, list[tuple[time, time]]]
    country: str | None = None
    subdivision: str | None = None
    closed_dates: frozenset[date] = frozenset()

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Calendar:
        holidays_of = doc.get("holidays") or {}
        return cls(
            timezone=doc["timezone"],
            hours={day: [_interval(i) for i in doc["hours"].get(day, [])] for day in DAYS},
            country=holidays_of.get("country"),
            subdivision=holidays_of.get("subdivision"),
            closed_dates=frozenset(date.fromisoformat(d) for d in doc.get("closed_dates", [])),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        if day in self.closed_dates:
            return True
        if self.country is None:
            return False
        return day in _holidays(self.country, self.subdivision, day.year)

    def intervals(self, day: date) -> list[tuple[time, time]]:
        """The opening intervals of a local date (none on holidays)."""
        if self.is_holiday(day):
            return []
        return self.hours[DAYS[day.weekday()]]

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        now = local.time()
        return any(start <= now < end for start, end in self.intervals(local.date()))


def _interval(pair: list[str] | tuple[str, str]) -> tuple[time, time]:
    return time.fromisoformat(pair[0]), time.fromisoformat(pair[1])


@functools.lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision, years=year)


FALLBACK = Calendar(
    timezone="UTC", hours={day: [_interval(i) for i in DEFAULT_HOURS.get(day, [])] for day in DAYS}
)
"""Monday to Friday 08:00-17:00 UTC, used only while no calendar is defined."""


async def load(rt: Runtime, calendar_id: Any | None) -> Calendar:
    """A calendar by id, or the default one (the first marked default, else FALLBACK)."""
    query = {"_id": calendar_id} if calendar_id is not None else {"default": True}
    doc = await rt.store["calendars"].find_one(query)
    return Calendar.of(doc) if doc is not None else FALLBACK
