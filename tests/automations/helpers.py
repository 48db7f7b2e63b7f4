"""Shared steps of the automation tests."""

from __future__ import annotations

from typing import Any

from inbox.models.agents import Availability, Role
from inbox.runtime import Runtime
from tests.conftest import Client, eventually, make_agent


async def add_rule(admin: Client, **body: Any) -> dict[str, Any]:
    status, rule = await admin.post("/api/v1/rules", json=body)
    assert status == 201, rule
    return rule


async def runs(admin: Client, rule: dict[str, Any]) -> list[dict[str, Any]]:
    status, page = await admin.get(f"/api/v1/rules/{rule['id']}/runs")
    assert status == 200, page
    return page["items"]


async def wait_for_run(admin: Client, rule: dict[str, Any], count: int = 1) -> list[dict[str, Any]]:
    """The rule's runs once `count` of them have finished."""

    async def finished() -> list[dict[str, Any]]:
        found = [r for r in await runs(admin, rule) if r["status"] != "running"]
        return found if len(found) >= count else []

    return await eventually(finished)


async def matched_runs(admin: Client, rule: dict[str, Any], count: int = 1) -> list[dict[str, Any]]:
    """The rule's matched runs once there are `count` of them (others may finish first)."""

    async def matched() -> list[dict[str, Any]]:
        found = [r for r in await runs(admin, rule) if r["status"] == "matched"]
        return found if len(found) >= count else []

    return await eventually(matched)


async def online_agent(
    rt: Runtime, email: str, team_ids: list[str], **fields: Any
) -> dict[str, Any]:
    """An agent of these teams who is online (assignment only picks online agents)."""
    agent = await make_agent(rt, email, Role.AGENT, team_ids=team_ids, **fields)
    await rt.store["agents"].update_one(
        {"_id": agent["_id"]}, {"$set": {"availability": str(Availability.ONLINE)}}
    )
    return agent


def contains(field: str, value: Any) -> dict[str, Any]:
    return {"all": [{"field": field, "operator": "contains", "value": value}]}


CUSTOMER_MESSAGE = {"field": "message.direction", "operator": "equals", "value": "in"}


def customer_says(word: str) -> dict[str, Any]:
    return {
        "all": [CUSTOMER_MESSAGE, {"field": "message.text", "operator": "contains", "value": word}]
    }
