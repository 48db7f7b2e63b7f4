"""Teams: groups of agents that conversations and tickets are routed to."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from inbox import clock
from inbox.errors import Conflict
from inbox.ids import new_id, parse_id
from inbox.models.agents import TeamCreate, TeamPatch
from inbox.runtime import Runtime


async def create(rt: Runtime, body: TeamCreate) -> dict[str, Any]:
    team = {
        "_id": new_id(),
        "name": body.name.strip(),
        "assignment": str(body.assignment),
        "level": body.level,
        "lead_id": await _lead(rt, body.lead_id),
        "created_at": clock.now(),
    }
    try:
        await rt.store["teams"].insert_one(team)
    except DuplicateKeyError:
        raise Conflict(f"A team named {team['name']!r} already exists.") from None
    return team


async def update(rt: Runtime, team: dict[str, Any], body: TeamPatch) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    if "assignment" in changes:
        changes["assignment"] = str(changes["assignment"])
    if "lead_id" in changes:
        changes["lead_id"] = await _lead(rt, changes["lead_id"])
    try:
        await rt.store["teams"].update_one({"_id": team["_id"]}, {"$set": changes})
    except DuplicateKeyError:
        raise Conflict(f"A team named {changes['name']!r} already exists.") from None
    return {**team, **changes}


async def _lead(rt: Runtime, agent_id: str | None) -> ObjectId | None:
    if agent_id is None:
        return None
    agent = await rt.store.get("agents", parse_id(agent_id, "agent"), "agent")
    return agent["_id"]


async def get(rt: Runtime, team_id: ObjectId) -> dict[str, Any]:
    return await rt.store.get("teams", team_id, "team")


async def list_all(rt: Runtime) -> list[dict[str, Any]]:
    return await rt.store["teams"].find({}, sort=[("name", 1)]).to_list(None)


async def require_all(rt: Runtime, team_ids: list[ObjectId]) -> None:
    """Raise NotFound unless every id names a team."""
    for team_id in team_ids:
        await get(rt, team_id)
