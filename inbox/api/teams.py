"""Teams API."""

from __future__ import annotations

from aiohttp import web

from inbox.api.routing import api
from inbox.auth import Access
from inbox.ids import parse_id
from inbox.keys import runtime
from inbox.models.agents import TeamCreate, TeamOut, TeamPatch
from inbox.models.common import Page
from inbox.services import teams


@api("GET", "/teams", summary="List teams", tag="teams", response=Page[TeamOut])
async def list_teams(request: web.Request) -> Page[TeamOut]:
    return Page(items=[TeamOut.of(t) for t in await teams.list_all(runtime(request))])


@api(
    "POST",
    "/teams",
    summary="Create a team",
    tag="teams",
    body=TeamCreate,
    response=TeamOut,
    status=201,
    level=Access.ADMIN,
)
async def create_team(request: web.Request, body: TeamCreate) -> TeamOut:
    return TeamOut.of(await teams.create(runtime(request), body))


@api(
    "PATCH",
    "/teams/{id}",
    summary="Change a team (name, assignment, level, lead)",
    tag="teams",
    body=TeamPatch,
    response=TeamOut,
    level=Access.ADMIN,
)
async def update_team(request: web.Request, body: TeamPatch) -> TeamOut:
    rt = runtime(request)
    team = await teams.get(rt, parse_id(request.match_info["id"], "team"))
    return TeamOut.of(await teams.update(rt, team, body))


@api("GET", "/teams/{id}", summary="One team", tag="teams", response=TeamOut)
async def get_team(request: web.Request) -> TeamOut:
    team_id = parse_id(request.match_info["id"], "team")
    return TeamOut.of(await teams.get(runtime(request), team_id))
