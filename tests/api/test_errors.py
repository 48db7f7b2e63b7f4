"""Bad input gets a clear 4xx JSON error, never a 500, and changes nothing."""

from __future__ import annotations

import re

import pytest

from inbox.api.routing import ROUTES

SAMPLE_ID = "0123456789abcdef01234567"


async def test_a_body_that_is_not_json_is_a_400(admin):
    status, body = await admin.post(
        "/api/v1/teams", data=b"{name: x", headers={"Content-Type": "application/json"}
    )

    assert status == 400
    assert body["error"]["code"] == "invalid_json"
    assert "not valid JSON" in body["error"]["message"]


async def test_an_empty_body_is_a_400(admin):
    status, body = await admin.post("/api/v1/teams", data=b"")

    assert (status, body["error"]["code"]) == (400, "invalid_json")


async def test_json_that_is_not_an_object_is_a_422(admin):
    status, body = await admin.post("/api/v1/teams", json=["Support"])

    assert (status, body["error"]["code"]) == (422, "invalid_body")


async def test_wrong_types_name_the_field(admin):
    status, body = await admin.post("/api/v1/teams", json={"name": "Support", "level": "high"})

    assert status == 422
    assert body["error"]["code"] == "invalid"
    assert [d["field"] for d in body["error"]["details"]] == ["level"]


async def test_unknown_fields_are_refused_rather_than_ignored(admin):
    status, body = await admin.post("/api/v1/teams", json={"name": "Support", "colour": "blue"})

    assert status == 422
    assert body["error"]["details"][0]["field"] == "colour"


async def test_missing_required_fields_are_named(admin):
    status, body = await admin.post("/api/v1/agents", json={"email": "x@example.com"})

    assert status == 422
    assert {d["field"] for d in body["error"]["details"]} == {"name", "password"}


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/conversations/{SAMPLE_ID}",
        "/api/v1/conversations/not-an-id",
        f"/api/v1/channels/{SAMPLE_ID}",
        f"/api/v1/agents/{SAMPLE_ID}",
        f"/api/v1/teams/{SAMPLE_ID}",
    ],
)
async def test_unknown_ids_are_404(admin, path):
    status, body = await admin.get(path)

    assert status == 404
    assert body["error"]["code"] == "not_found"


async def test_unknown_paths_and_methods_answer_json(admin):
    assert (await admin.get("/api/v1/nothing-here"))[1]["error"]["code"] == "not_found"
    status, body = await admin.request("PUT", "/api/v1/teams")
    assert status == 405
    assert body["error"]["code"] == "method_not_allowed"


async def test_a_cursor_we_never_gave_out_is_a_400(admin):
    status, body = await admin.get("/api/v1/conversations?cursor=garbage!!")

    assert (status, body["error"]["code"]) == (400, "bad_request")


@pytest.mark.parametrize("limit", ["0", "101", "-5", "many"])
async def test_limits_out_of_range_are_refused(admin, limit):
    status, _ = await admin.get(f"/api/v1/conversations?limit={limit}")

    assert status in (400, 422)


async def test_unknown_query_parameters_are_refused(admin):
    status, body = await admin.get("/api/v1/conversations?stauts=open")

    assert status == 422
    assert body["error"]["details"][0]["field"] == "stauts"


async def test_an_oversized_body_is_a_413(admin, settings):
    status, body = await admin.post(
        "/api/v1/teams",
        data=b"x" * (settings.max_body_bytes + 1),
        headers={"Content-Type": "application/json"},
    )

    assert (status, body["error"]["code"]) == (413, "payload_too_large")


GARBAGE = [
    None,
    [],
    "text",
    42,
    {"": None},
    {"status": {"$ne": None}},
    {"text": "x" * 30_000},
    {"email": "a@b", "password": "p", "name": "n", "team_ids": ["nope"]},
]


async def test_no_route_answers_500_to_garbage(admin):
    for route in ROUTES:
        path = re.sub(r"{\w+}", SAMPLE_ID, route.path)
        for body in GARBAGE:
            status, answer = await admin.request(route.method, path, json=body)
            assert status < 500, (route.method, path, body, answer)
            if status >= 400:
                assert set(answer["error"]) == {"code", "message", "details"}
