"""One SLA target's clock over business time: start, warn, pause and resume (across closing
time too), a new target mid-way, met on time or late, stopped."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from automations.sla import clocks as sla_clock
from inbox.business_hours import Calendar
from inbox.models.sla import sla_target_state

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKDAY = [["08:00", "12:00"], ["13:30", "17:30"]]
CALENDAR = Calendar.of(
    {
        "timezone": "Asia/Ho_Chi_Minh",
        "hours": {d: WEEKDAY for d in ("mon", "tue", "wed", "thu", "fri")},
    }
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of Monday 2026-12-07, Saigon time."""
    return datetime(2026, 12, day, hour, minute, tzinfo=SAIGON)


def test_a_clock_plans_its_warning_and_due_time_in_business_time():
    target = sla_clock.start(CALENDAR, 240, at(7, 9), warning=80, paused=False)

    assert target["due_at"] == at(7, 14, 30)  # 3 h before lunch, 1 h after
    assert target["warn_at"] == at(7, 13, 42)  # 192 business minutes
    assert sla_clock.next_check(target) == target["warn_at"]
    assert sla_target_state(target, at(7, 10)) == "on_track"
    assert sla_target_state(target, at(7, 14)) == "warning"
    assert sla_target_state(target, at(7, 14, 30)) == "breached"


def test_pausing_keeps_the_minutes_used_and_resuming_plans_the_rest():
    target = sla_clock.start(CALENDAR, 120, at(7, 16), warning=80, paused=False)
    assert target["due_at"] == at(8, 8, 30)

    paused = sla_clock.pause(CALENDAR, target, at(7, 17))  # 60 minutes used
    assert paused["due_at"] is None and paused["elapsed"] == 60
    assert sla_target_state(paused, at(8, 12)) == "paused"
    assert sla_clock.next_check(paused) is None

    resumed = sla_clock.resume(CALENDAR, paused, at(8, 10), warning=80)
    assert resumed["due_at"] == at(8, 11)  # the other 60 minutes from 10:00
    assert resumed["warn_at"] == at(8, 10, 36)  # 96 of 120 minutes


def test_a_pause_across_closing_time_counts_no_closed_minutes():
    target = sla_clock.start(CALENDAR, 60, at(7, 17), warning=50, paused=False)
    paused = sla_clock.pause(CALENDAR, target, at(7, 19))  # only 17:00-17:30 was open
    resumed = sla_clock.resume(CALENDAR, paused, at(8, 7), warning=50)  # before opening

    assert paused["elapsed"] == 30
    assert resumed["due_at"] == at(8, 8, 30)


def test_a_ticket_created_in_a_paused_status_starts_paused():
    target = sla_clock.start(CALENDAR, 60, at(7, 9), warning=80, paused=True)
    resumed = sla_clock.resume(CALENDAR, target, at(9, 15), warning=80)

    assert target["due_at"] is None
    assert resumed["due_at"] == at(9, 16)


def test_a_new_target_mid_way_keeps_the_minutes_used():
    target = sla_clock.start(CALENDAR, 480, at(7, 9), warning=80, paused=False)  # medium
    assert target["due_at"] == at(8, 9)

    higher = sla_clock.retarget(CALENDAR, target, 240, at(7, 11), warning=80)  # 120 used
    urgent = sla_clock.retarget(CALENDAR, target, 60, at(7, 11), warning=80)

    assert higher["due_at"] == at(7, 14, 30)
    assert urgent["due_at"] == at(7, 10)  # already missed an hour ago
    assert sla_target_state(urgent, at(7, 11)) == "breached"


def test_a_new_target_while_paused_applies_on_resuming():
    paused = sla_clock.pause(
        CALENDAR, sla_clock.start(CALENDAR, 480, at(7, 9), 80, False), at(7, 10)
    )
    retargeted = sla_clock.retarget(CALENDAR, paused, 120, at(7, 11), warning=80)
    resumed = sla_clock.resume(CALENDAR, retargeted, at(7, 14), warning=80)

    assert retargeted["due_at"] is None
    assert resumed["due_at"] == at(7, 15)  # 60 used, 60 left from 14:00


def test_met_on_time_stays_met_and_met_late_records_how_late():
    target = sla_clock.start(CALENDAR, 60, at(7, 9), warning=80, paused=False)

    on_time = sla_clock.meet(CALENDAR, target, at(7, 9, 45))
    late = sla_clock.meet(CALENDAR, target, at(7, 13, 45))  # 180 + 15 used

    assert on_time["late_minutes"] == 0 and sla_target_state(on_time, at(9, 9)) == "met"
    assert sla_clock.next_check(on_time) is None
    assert late["late_minutes"] == 135 and sla_target_state(late, at(9, 9)) == "breached"
    assert sla_clock.meet(CALENDAR, on_time, at(8, 9)) == on_time  # met once


def test_a_stopped_target_no_longer_counts():
    target = sla_clock.start(CALENDAR, 60, at(7, 9), warning=80, paused=False)
    stopped = sla_clock.stop(CALENDAR, target, at(7, 9, 30))

    assert sla_target_state(stopped, at(9, 9)) == "stopped"
    assert sla_clock.resume(CALENDAR, stopped, at(8, 9), warning=80) == stopped
    assert sla_clock.next_check(stopped) is None
