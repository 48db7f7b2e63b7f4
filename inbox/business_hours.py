"""Calendars: when a team is at work, and arithmetic in business time.

A calendar has a time zone, weekly opening hours (several intervals a day, e.g. 08:00-12:00
and 13:30-17:30; "24:00" ends a day), public holidays of a country (and subdivision) from
the `holidays` package (Vietnam's lunar Tết included), custom closed dates and one-off
closures (a start and an end time). Business time counts only the open minutes: across
nights, weekends, lunch breaks, holidays and daylight-saving changes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from inbox.runtime import Runtime

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS = {day: [("08:00", "17:00")] for day in DAYS[:5]}
END_OF_DAY = "24:00"
HORIZON_DAYS = 3 * 366
"""How far business-time arithmetic looks before deciding a calendar never opens."""

Interval = tuple[time, time | None]
"""Local opening and closing time; None closes at midnight (24:00)."""


class NeverOpen(ValueError):
    """The calendar has no open time within the horizon."""


@dataclass(frozen=True)
class Calendar:
    timezone: str
    hours: dict[str, list[Interval]]
    country: str | None = None
    subdivision: str | None = None
    closed_dates: frozenset[date] = frozenset()
    closures: tuple[tuple[datetime, datetime], ...] = ()
    """One-off closures as UTC (start, end)."""
    name: str = "Mon-Fri 08:00-17:00 UTC"
    revision: int = 0
    """Grows with every change of the calendar, so clocks know to plan again."""

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Calendar:
        holidays_of = doc.get("holidays") or {}
        return cls(
            timezone=doc["timezone"],
            hours={day: [_interval(i) for i in doc["hours"].get(day, [])] for day in DAYS},
            country=holidays_of.get("country"),
            subdivision=holidays_of.get("subdivision"),
            closed_dates=frozenset(date.fromisoformat(d) for d in doc.get("closed_dates", [])),
            closures=tuple(
                sorted((_utc(c["start"]), _utc(c["end"])) for c in doc.get("closures", []))
            ),
            name=doc.get("name", cls.name),
            revision=doc.get("revision", 0),
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

    def intervals(self, day: date) -> list[Interval]:
        """The opening intervals of a local date (none on holidays)."""
        if self.is_holiday(day):
            return []
        return self.hours[DAYS[day.weekday()]]

    def is_open(self, moment: datetime) -> bool:
        return any(start <= moment < end for start, end in self._day_spans(moment))

    # ---- business time ------------------------------------------------------------------

    def spans(
        self, start: datetime, *, backwards: bool = False
    ) -> Iterator[tuple[datetime, datetime]]:
        """Open periods in UTC from `start` onwards (or backwards), clipped at `start`."""
        zone = self.zone
        day = start.astimezone(zone).date()
        step = timedelta(days=-1 if backwards else 1)
        for _ in range(HORIZON_DAYS):
            opened = self._open_on(day, zone)
            for begin, end in reversed(opened) if backwards else opened:
                if backwards:
                    end = min(end, start)
                else:
                    begin = max(begin, start)
                if begin < end:
                    yield begin, end
            day += step
        raise NeverOpen("the calendar is never open")

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of business time after `start` (before it when negative)."""
        if minutes == 0:
            return start
        remaining = timedelta(minutes=abs(minutes))
        for begin, end in self.spans(start, backwards=minutes < 0):
            length = end - begin
            if remaining <= length:
                return begin + remaining if minutes > 0 else end - remaining
            remaining -= length
        raise NeverOpen("the calendar is never open")  # pragma: no cover (spans raises first)

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes from `start` to `end` (negative when `end` comes first)."""
        if end < start:
            return -self.minutes_between(end, start)
        total = timedelta()
        for begin, stop in self.spans(start):
            if begin >= end:
                break
            total += min(stop, end) - begin
        return total.total_seconds() / 60

    def _day_spans(self, moment: datetime) -> list[tuple[datetime, datetime]]:
        return self._open_on(moment.astimezone(self.zone).date(), self.zone)

    def _open_on(self, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        """The day's open periods in UTC, without the one-off closures."""
        periods = []
        for opens, closes in self.intervals(day):
            begin = datetime.combine(day, opens, zone).astimezone(UTC)
            end = (
                datetime.combine(day + timedelta(days=1), time(0), zone)
                if closes is None
                else datetime.combine(day, closes, zone)
            ).astimezone(UTC)
            periods.extend(_without(begin, end, self.closures))
        return periods


def _without(
    begin: datetime, end: datetime, closures: tuple[tuple[datetime, datetime], ...]
) -> list[tuple[datetime, datetime]]:
    """(begin, end) minus the closures that overlap it."""
    pieces = [(begin, end)]
    for closed_from, closed_until in closures:
        if closed_until <= begin or closed_from >= end:
            continue
        pieces = [
            piece
            for start, stop in pieces
            for piece in ((start, min(stop, closed_from)), (max(start, closed_until), stop))
            if piece[0] < piece[1]
        ]
    return pieces


def _interval(pair: list[str] | tuple[str, str]) -> Interval:
    closes = None if pair[1] == END_OF_DAY else time.fromisoformat(pair[1])
    return time.fromisoformat(pair[0]), closes


def _utc(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC)


@functools.lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision, years=year)


FALLBACK = Calendar(
    timezone="UTC", hours={day: [_interval(i) for i in DEFAULT_HOURS.get(day, [])] for day in DAYS}
)
"""Monday to Friday 08:00-17:00 UTC, used only while no calendar is defined."""


async def load(rt: Runtime, calendar_id: Any | None) -> Calendar:
    """A calendar by id, or the default one (the one marked default, else FALLBACK)."""
    query = {"_id": calendar_id} if calendar_id is not None else {"default": True}
    doc = await rt.store["calendars"].find_one(query)
    return Calendar.of(doc) if doc is not None else FALLBACK
