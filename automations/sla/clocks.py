"""One SLA target's clock, in business time; pure functions over a small dict.

A target: `minutes` (the promise), `elapsed` (business minutes counted before the clock last
started), `running_since` (None while paused or finished), `due_at` and `warn_at` (when the
promise breaks and when to warn; None while paused), `met_at` and `late_minutes` once met,
`stopped_at` when it ended unmet (a ticket resolved before any reply), and the markers
`warned_at` / `breached_at` that `sla_tick` sets when it emits the events. Next-response
targets also count their `cycles` and `late_cycles`.

Pausing keeps the business minutes already used; resuming plans the rest from the moment of
resuming; a new target (a priority change) keeps the minutes used and plans the new rest,
which may already be overdue.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.business_hours import Calendar

Target = dict[str, Any]


def start(calendar: Calendar, minutes: int, at: datetime, warning: int, paused: bool) -> Target:
    target: Target = {
        "minutes": minutes,
        "elapsed": 0.0,
        "running_since": None if paused else at,
        "due_at": None,
        "warn_at": None,
        "met_at": None,
        "late_minutes": None,
        "stopped_at": None,
        "warned_at": None,
        "breached_at": None,
    }
    return _planned(calendar, target, warning)


def running(target: Target) -> bool:
    return target["running_since"] is not None


def finished(target: Target) -> bool:
    return target["met_at"] is not None or target["stopped_at"] is not None


def elapsed(calendar: Calendar, target: Target, at: datetime) -> float:
    """Business minutes used up to `at`."""
    if not running(target):
        return target["elapsed"]
    return target["elapsed"] + calendar.minutes_between(target["running_since"], at)


def pause(calendar: Calendar, target: Target, at: datetime) -> Target:
    if not running(target):
        return target
    used = elapsed(calendar, target, at)
    return {**target, "elapsed": used, "running_since": None, "due_at": None, "warn_at": None}


def resume(calendar: Calendar, target: Target, at: datetime, warning: int) -> Target:
    if running(target) or finished(target):
        return target
    return _planned(calendar, {**target, "running_since": at}, warning)


def retarget(
    calendar: Calendar, target: Target, minutes: int, at: datetime, warning: int
) -> Target:
    """A new promise (priority or policy changed); minutes already used still count."""
    if finished(target) or target["minutes"] == minutes:
        return target
    changed = {**target, "minutes": minutes, "warned_at": None, "breached_at": None}
    if not running(target):
        return changed
    changed.update(elapsed=elapsed(calendar, target, at), running_since=at)
    return _planned(calendar, changed, warning)


def replan(calendar: Calendar, target: Target, at: datetime, warning: int) -> Target:
    """Plan the rest again from `at` (the calendar or the warning share changed)."""
    if not running(target):
        return target
    used = elapsed(calendar, target, at)
    planned = _planned(calendar, {**target, "elapsed": used, "running_since": at}, warning)
    if planned["warn_at"] > at:
        planned["warned_at"] = None
    if planned["due_at"] > at:
        planned["breached_at"] = None
    return planned


def meet(calendar: Calendar, target: Target, at: datetime) -> Target:
    if finished(target):
        return target
    used = elapsed(calendar, target, at)
    late = max(0.0, round(used - target["minutes"], 1))
    return {**target, "elapsed": used, "running_since": None, "met_at": at, "late_minutes": late}


def stop(calendar: Calendar, target: Target, at: datetime) -> Target:
    """The target ends unmet and no longer counts (the ticket was resolved first)."""
    if finished(target):
        return target
    used = elapsed(calendar, target, at)
    return {**target, "elapsed": used, "running_since": None, "stopped_at": at}


def _planned(calendar: Calendar, target: Target, warning: int) -> Target:
    if not running(target):
        return target
    since, used, minutes = target["running_since"], target["elapsed"], target["minutes"]
    return {
        **target,
        "due_at": calendar.add(since, minutes - used),
        "warn_at": calendar.add(since, minutes * warning / 100 - used),
    }


def next_check(target: Target) -> datetime | None:
    """When `sla_tick` must look at this target next: its warning, then its breach."""
    if not running(target):
        return None
    if target["warned_at"] is None:
        return target["warn_at"]
    return target["due_at"] if target["breached_at"] is None else None
