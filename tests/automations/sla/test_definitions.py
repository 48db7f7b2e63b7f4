"""Calendars and SLA policies through the API: the design's example is accepted, bad
definitions are refused with what is wrong, and only admins change them."""

from __future__ import annotations

import pytest

SAIGON_OFFICE = {
    "name": "Saigon office",
    "timezone": "Asia/Ho_Chi_Minh",
    "hours": {
        d: [["08:00", "12:00"], ["13:30", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")
    },
    "holidays": {"country": "vn", "subdivision": None},
    "closed_dates": ["2027-02-08"],
    "closures": [
        {
            "start": "2027-03-01T13:00:00+07:00",
            "end": "2027-03-01T17:30:00+07:00",
            "reason": "Training",
        }
    ],
}


async def test_a_calendar_is_stored_and_the_first_becomes_the_default(admin):
    status, calendar = await admin.post("/api/v1/calendars", json=SAIGON_OFFICE)
    _, second = await admin.post("/api/v1/calendars", json={**SAIGON_OFFICE, "name": "Hanoi"})

    assert status == 201, calendar
    assert calendar["default"] is True and second["default"] is False
    assert calendar["holidays"] == {"country": "VN", "subdivision": None}
    assert calendar["hours"]["sat"] == []
    assert (await admin.post("/api/v1/calendars", json=SAIGON_OFFICE))[0] == 409
    status, changed = await admin.patch(f"/api/v1/calendars/{second['id']}", json={"default": True})
    _, first = await admin.get(f"/api/v1/calendars/{calendar['id']}")
    assert changed["default"] is True and first["default"] is False
    assert (await admin.delete(f"/api/v1/calendars/{second['id']}"))[0] == 409  # the default
    assert (await admin.delete(f"/api/v1/calendars/{calendar['id']}"))[0] == 204


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"hours": {"mon": [["08:00", "12:00"], ["11:00", "14:00"]]}}, "hours.mon.1", "overlaps"),
        ({"hours": {"mon": [["12:00", "08:00"]]}}, "hours.mon.0", "ends before it starts"),
        ({"hours": {"mon": [["8am", "12:00"]]}}, "hours.mon.0", "two times"),
        ({"hours": {"funday": [["08:00", "12:00"]]}}, "hours.funday", "days are"),
        ({"hours": {}}, "hours", "never open"),
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA time zone"),
        ({"holidays": {"country": "XX"}}, "holidays.country", "no public holidays known"),
        (
            {"holidays": {"country": "US", "subdivision": "ZZ"}},
            "holidays.subdivision",
            "not a subdivision",
        ),
        (
            {
                "closures": [
                    {"start": "2027-03-01T17:00:00+07:00", "end": "2027-03-01T13:00:00+07:00"}
                ]
            },
            "closures.0",
            "ends before it starts",
        ),
    ],
)
async def test_bad_calendars_are_refused_with_what_is_wrong(admin, change, field, words):
    status, body = await admin.post("/api/v1/calendars", json={**SAIGON_OFFICE, **change})

    assert status == 422, body
    assert body["error"]["code"] == "invalid_calendar"
    assert any(d["field"] == field and words in d["message"] for d in body["error"]["details"]), (
        body
    )


async def test_a_closure_without_an_offset_is_in_the_calendars_time_zone(admin):
    closures = [{"start": "2027-03-01T13:00:00", "end": "2027-03-01T17:00:00"}]
    status, body = await admin.post(
        "/api/v1/calendars", json={**SAIGON_OFFICE, "closures": closures}
    )
    assert status == 201, body
    assert body["closures"][0]["start"] == "2027-03-01T13:00:00+07:00"


POLICY = {
    "name": "Standard",
    "targets": {"urgent": {"first_response": 60, "next_response": 60, "resolution": 480}},
}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"targets": {"urgent": {"first_response": -5}}},
            "targets.urgent.first_response",
            "from 1 minute",
        ),
        (
            {"targets": {"urgent": {"first_response": 0}}},
            "targets.urgent.first_response",
            "from 1 minute",
        ),
        ({"targets": {}}, "targets", "at least one target"),
        ({"targets": {"whenever": {"first_response": 5}}}, "targets.whenever", ""),
        ({"calendar_id": "0123456789abcdef01234567"}, "calendar_id", "no calendar"),
        ({"calendar_id": "nope"}, "calendar_id", "not an id"),
        ({"pause_statuses": ["resolved"]}, "pause_statuses", "can pause the clock"),
        ({"warning_percent": 120}, "warning_percent", ""),
        (
            {"conditions": {"team_ids": ["0123456789abcdef01234567"]}},
            "conditions.team_ids",
            "no team",
        ),
    ],
)
async def test_bad_policies_are_refused_with_what_is_wrong(admin, change, field, words):
    status, body = await admin.post("/api/v1/sla-policies", json={**POLICY, **change})

    assert status == 422, body
    details = body["error"]["details"]
    assert any(d["field"].startswith(field) and words in d["message"] for d in details), details


async def test_policies_keep_their_order_and_only_admins_change_them(admin, agent):
    _, first = await admin.post("/api/v1/sla-policies", json=POLICY)
    _, second = await admin.post("/api/v1/sla-policies", json={**POLICY, "name": "VIP"})
    status, moved = await admin.patch(f"/api/v1/sla-policies/{second['id']}", json={"position": 0})

    assert status == 200 and moved["position"] == 0
    assert first["pause_statuses"] == ["pending", "on_hold"] and first["warning_percent"] == 80
    _, listed = await admin.get("/api/v1/sla-policies")
    assert [p["name"] for p in listed["items"]] == ["VIP", "Standard"]
    assert (await agent.post("/api/v1/sla-policies", json=POLICY))[0] == 403
    assert (await agent.post("/api/v1/calendars", json=SAIGON_OFFICE))[0] == 403
    assert (await agent.get("/api/v1/sla-policies"))[0] == 200
