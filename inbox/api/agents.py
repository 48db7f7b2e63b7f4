"""Agents API: admins manage accounts; an agent may change their own availability and name."""

from __future__ import annotations

from aiohttp import web

from inbox import auth
from inbox.api.routing import api
from inbox.auth import Access
from inbox.errors import Forbidden
from inbox.ids import parse_id
from inbox.keys import principal, runtime
from inbox.models.agents import AgentCreate, AgentOut, AgentPatch
from inbox.models.common import Page
from inbox.services import agents

SELF_SERVICE_FIELDS = {"availability", "name", "password", "current_password", "language"}


@api("GET", "/agents", summary="List agents", tag="agents", response=Page[AgentOut])
async def list_agents(request: web.Request) -> Page[AgentOut]:
    return Page(items=[AgentOut.of(a) for a in await agents.list_all(runtime(request))])


@api(
    "POST",
    "/agents",
    summary="Create an agent or admin",
    tag="agents",
    body=AgentCreate,
    response=AgentOut,
    status=201,
    level=Access.ADMIN,
)
async def create_agent(request: web.Request, body: AgentCreate) -> AgentOut:
    return AgentOut.of(await agents.create(runtime(request), body))


@api("GET", "/agents/{id}", summary="One agent", tag="agents", response=AgentOut)
async def get_agent(request: web.Request) -> AgentOut:
    agent_id = parse_id(request.match_info["id"], "agent")
    return AgentOut.of(await agents.get(runtime(request), agent_id))


@api(
    "PATCH",
    "/agents/{id}",
    summary="Update an agent (agents may change their own availability, name, password, language)",
    tag="agents",
    body=AgentPatch,
    response=AgentOut,
)
async def update_agent(request: web.Request, body: AgentPatch) -> AgentOut:
    agent_id = parse_id(request.match_info["id"], "agent")
    me = principal(request)
    if not me.is_admin and (agent_id != me.id or not body.model_fields_set <= SELF_SERVICE_FIELDS):
        raise Forbidden(
            "Agents may only change their own availability, name, password and language."
        )
    rt = runtime(request)
    if body.password is not None and agent_id == me.id:
        await agents.check_current_password(rt, agent_id, body.current_password)
    updated = await agents.update(rt, agent_id, body)
    if body.password is not None:  # whoever knew the old password is signed out everywhere
        keep = me.session_hash if agent_id == me.id else None
        await auth.end_other_credentials(rt, agent_id, keep)
    return AgentOut.of(updated)
