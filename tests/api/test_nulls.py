"""A null where null has no meaning is a 422 naming the field, and nothing is stored."""

from __future__ import annotations

import importlib

import pytest
from pydantic import BaseModel, ValidationError

from inbox.api import routing
from inbox.models.common import Partial


def partial_bodies() -> list[type[BaseModel]]:
    """The body model of every PATCH and PUT route, and of POSTs sharing a partial model."""
    for module in routing.API_MODULES:
        importlib.import_module(module)
    found: dict[str, type[BaseModel]] = {}
    for route in routing.ROUTES:
        body = route.body
        if body is not None and (route.method in ("PATCH", "PUT") or issubclass(body, Partial)):
            found[body.__qualname__] = body
    return sorted(found.values(), key=lambda m: m.__qualname__)


CASES = [
    (model, field)
    for model in partial_bodies()
    if issubclass(model, Partial)
    for field in model.model_fields
]


def test_every_patch_route_takes_a_partial_body():
    for route in routing.ROUTES:
        if route.method == "PATCH":
            assert route.body is not None and issubclass(route.body, Partial), route.path


@pytest.mark.parametrize("model, field", CASES, ids=[f"{m.__qualname__}.{f}" for m, f in CASES])
def test_null_is_refused_unless_it_clears(model, field):
    try:
        model.model_validate({field: None})
        refused = []
    except ValidationError as error:  # other required fields may be missing too
        refused = [e["loc"] for e in error.errors()]
    assert ((field,) in refused) == (field not in model.nullable)


async def test_a_null_team_assignment_is_a_422_and_the_team_is_untouched(admin):
    status, team = await admin.post("/api/v1/teams", json={"name": "Support"})
    assert status == 201

    for field in ("assignment", "name", "level"):
        status, body = await admin.patch(f"/api/v1/teams/{team['id']}", json={field: None})
        assert status == 422, body
        assert body["error"]["details"][0]["field"] == field

    status, teams = await admin.get("/api/v1/teams")
    assert status == 200
    assert [t["assignment"] for t in teams["items"]] == [team["assignment"]]
    status, _ = await admin.get("/inbox")
    assert status == 200
    status, cleared = await admin.patch(f"/api/v1/teams/{team['id']}", json={"lead_id": None})
    assert status == 200 and cleared["lead_id"] is None


async def test_a_null_faq_question_is_refused(admin):
    status, entry = await admin.post(
        "/api/v1/faqs", json={"question": "Giờ mở cửa?", "answer": "8:00 đến 17:30"}
    )
    assert status == 201
    for field in ("question", "enabled", "answer"):
        status, body = await admin.patch(f"/api/v1/faqs/{entry['id']}", json={field: None})
        assert status == 422, body
    status, match = await admin.post("/api/v1/faqs/match", json={"text": "mấy giờ mở cửa"})
    assert status == 200, match
