"""Teams: groups of agents that conversations and tickets are routed to."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from inbox import clock
from inbox.errors import Conflict
from inbox.ids import new_id
from inbox.models import TeamCreate
from inbox.runtime import Runtime


async def create(rt: Runtime, body: TeamCreate) -> dict[str, Any]:
    team = {
        "_id": new_id(),
        "name": body.name.strip(),
        "assignment": str(body.assignment),
        "level": body.level,
        "created_at": clock.now(),
    }
    try:
        await rt.store["teams"].insert_one(team)
    except DuplicateKeyError:
        raise Conflict(f"A team named {team['name']!r} already exists.") from None
    return team


async def get(rt: Runtime, team_id: ObjectId) -> dict[str, Any]:
    return await rt.store.get("teams", team_id, "team")


async def list_all(rt: Runtime) -> list[dict[str, Any]]:
    return await rt.store["teams"].find({}, sort=[("name", 1)]).to_list(None)


async def require_all(rt: Runtime, team_ids: list[ObjectId]) -> None:
    """Raise NotFound unless every id names a team."""
    for team_id in team_ids:
        await get(rt, team_id)
