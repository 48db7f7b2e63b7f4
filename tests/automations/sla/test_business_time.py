"""Business-time arithmetic, table-driven: nights, weekends, lunch breaks, holidays, Tết,
one-off closures, a daylight-saving change, targets longer than a week, and going back."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from inbox.business_hours import Calendar, NeverOpen

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAY = [["08:00", "12:00"], ["13:30", "17:30"]]
VIETNAM = Calendar.of(
    {
        "timezone": "Asia/Ho_Chi_Minh",
        "hours": {
            **{d: WEEKDAY for d in ("mon", "tue", "wed", "thu", "fri")},
            "sat": [["08:00", "12:00"]],
        },
        "holidays": {"country": "VN"},
        "closed_dates": ["2026-12-31"],
        "closures": [{"start": "2026-12-14T13:30:00+07:00", "end": "2026-12-14T15:30:00+07:00"}],
    }
)
GERMANY = Calendar.of(
    {
        "timezone": "Europe/Berlin",
        "hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    }
)
ALWAYS = Calendar.of(
    {
        "timezone": "Europe/Berlin",
        "hours": {
            d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
    }
)


def saigon(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SAIGON)


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


# (case, calendar, start, business minutes, expected end); 2026-12-07 is a Monday.
ADDITIONS = [
    ("within the morning", VIETNAM, saigon(2026, 12, 7, 9, 0), 60, saigon(2026, 12, 7, 10, 0)),
    ("across lunch", VIETNAM, saigon(2026, 12, 7, 11, 30), 60, saigon(2026, 12, 7, 14, 0)),
    ("ends at closing", VIETNAM, saigon(2026, 12, 7, 16, 30), 60, saigon(2026, 12, 7, 17, 30)),
    ("across the night", VIETNAM, saigon(2026, 12, 7, 17, 0), 60, saigon(2026, 12, 8, 8, 30)),
    ("before opening", VIETNAM, saigon(2026, 12, 7, 6, 0), 30, saigon(2026, 12, 7, 8, 30)),
    ("during lunch", VIETNAM, saigon(2026, 12, 7, 12, 15), 30, saigon(2026, 12, 7, 14, 0)),
    (
        "Friday evening to Saturday",
        VIETNAM,
        saigon(2026, 12, 11, 17, 0),
        60,
        saigon(2026, 12, 12, 8, 30),
    ),
    (
        "Saturday noon to Monday",
        VIETNAM,
        saigon(2026, 12, 12, 11, 30),
        60,
        saigon(2026, 12, 14, 8, 30),
    ),
    ("from a Sunday", VIETNAM, saigon(2026, 12, 13, 10, 0), 1, saigon(2026, 12, 14, 8, 1)),
    ("a one-off closure", VIETNAM, saigon(2026, 12, 14, 11, 30), 60, saigon(2026, 12, 14, 16, 0)),
    ("a custom closed date", VIETNAM, saigon(2026, 12, 30, 17, 0), 60, saigon(2027, 1, 2, 8, 30)),
    ("a public holiday", VIETNAM, saigon(2026, 11, 23, 17, 0), 60, saigon(2026, 11, 25, 8, 30)),
    (
        "Liberation Day, Labour Day and its observed Monday",
        VIETNAM,
        saigon(2027, 4, 29, 17, 0),
        60,
        saigon(2027, 5, 4, 8, 30),
    ),
    ("Tết: a week closed", VIETNAM, saigon(2027, 2, 3, 17, 0), 60, saigon(2027, 2, 11, 8, 30)),
    ("longer than a week", VIETNAM, saigon(2026, 12, 7, 8, 0), 3960, saigon(2026, 12, 16, 17, 30)),
    ("a whole week exactly", VIETNAM, saigon(2026, 12, 7, 8, 0), 2640, saigon(2026, 12, 12, 12, 0)),
    (
        "across the spring DST change",
        GERMANY,
        berlin(2027, 3, 26, 16, 0),
        120,
        berlin(2027, 3, 29, 10, 0),
    ),
    (
        "across the autumn DST change",
        GERMANY,
        berlin(2027, 10, 29, 16, 0),
        120,
        berlin(2027, 11, 1, 10, 0),
    ),
    ("a 23-hour day", ALWAYS, berlin(2027, 3, 27, 12, 0), 24 * 60, berlin(2027, 3, 28, 13, 0)),
    (
        "backwards across the weekend",
        VIETNAM,
        saigon(2026, 12, 14, 8, 30),
        -60,
        saigon(2026, 12, 12, 11, 30),
    ),
    (
        "backwards across lunch",
        VIETNAM,
        saigon(2026, 12, 7, 14, 0),
        -60,
        saigon(2026, 12, 7, 11, 30),
    ),
]


@pytest.mark.parametrize(
    ("case", "calendar", "start", "minutes", "end"), ADDITIONS, ids=[a[0] for a in ADDITIONS]
)
def test_adding_business_minutes(case, calendar, start, minutes, end):
    assert calendar.add(start, minutes) == end


FORWARD = [a for a in ADDITIONS if a[3] > 0]


@pytest.mark.parametrize(
    ("case", "calendar", "start", "minutes", "end"), FORWARD, ids=[a[0] for a in FORWARD]
)
def test_counting_business_minutes_is_the_inverse(case, calendar, start, minutes, end):
    assert calendar.minutes_between(start, end) == minutes
    assert calendar.minutes_between(end, start) == -minutes


def test_counting_ignores_closed_time_and_daylight_saving():
    assert (
        VIETNAM.minutes_between(saigon(2026, 12, 11, 17, 0), saigon(2026, 12, 14, 9, 0))
        == 30 + 240 + 60
    )
    assert GERMANY.minutes_between(berlin(2027, 3, 26, 9, 0), berlin(2027, 3, 29, 17, 0)) == 2 * 480
    assert ALWAYS.minutes_between(berlin(2027, 3, 28, 0, 0), berlin(2027, 3, 29, 0, 0)) == 23 * 60
    assert ALWAYS.minutes_between(berlin(2027, 10, 31, 0, 0), berlin(2027, 11, 1, 0, 0)) == 25 * 60


def test_opening_hours():
    assert VIETNAM.is_open(saigon(2026, 12, 7, 9, 0))
    assert not VIETNAM.is_open(saigon(2026, 12, 7, 12, 30))  # lunch
    assert not VIETNAM.is_open(saigon(2026, 12, 7, 17, 30))  # closing time is closed
    assert not VIETNAM.is_open(saigon(2027, 2, 8, 9, 0))  # Tết
    assert not VIETNAM.is_open(saigon(2026, 12, 14, 14, 0))  # the one-off closure
    assert VIETNAM.is_open(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))  # 09:00 in Saigon


def test_a_calendar_that_never_opens_says_so():
    closed = Calendar.of({"timezone": "UTC", "hours": {}})
    with pytest.raises(NeverOpen):
        closed.add(datetime(2027, 1, 1, tzinfo=UTC), 10)
