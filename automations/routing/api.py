"""REST for routing: escalation and auto-assignment. Registered with the
other resources by `inbox.api.routing`."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from bson import ObjectId
from pydantic import BaseModel, ConfigDict, Field

from automations.routing import assignment, escalation
from inbox.api.routing import api
from inbox.errors import Invalid
from inbox.events import customer_not_told
from inbox.ids import parse_id
from inbox.keys import principal, runtime
from inbox.models.agents import AgentOut
from inbox.models.common import Page
from inbox.models.tickets import NotifyQuery
from inbox.services import conversations
from inbox.services.tickets import lifecycle as tickets

# ---- answers ---------------------------------------------------------------------------------


class EscalateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team_id: str | None = None
    level: int | None = Field(default=None, ge=0, le=3)
    summary: str = Field(min_length=1, max_length=2000)


class EscalationOut(BaseModel):
    id: str
    ticket_id: str | None
    conversation_id: str | None
    from_team_id: str | None
    to_team_id: str
    from_level: int
    to_level: int
    summary: str
    actor: dict[str, Any]
    at: str
    close_by: str


class AutoAssign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team_id: str | None = Field(default=None, description="default: the current team")


class AssignedOut(BaseModel):
    agent: AgentOut | None = Field(description="null when no agent of the team is available")


# ---- escalation and assignment --------------------------------------------------------------


@api(
    "POST",
    "/tickets/{id}/escalate",
    summary="Escalate to a team or a level (L0-L3)",
    tag="tickets",
    body=EscalateBody,
    query=NotifyQuery,
    response=EscalationOut,
    status=201,
)
async def escalate_ticket(
    request: web.Request, body: EscalateBody, query: NotifyQuery
) -> EscalationOut:
    rt, me = runtime(request), principal(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], me)
    with customer_not_told(not query.notify):
        return await _escalate(rt, me, body, ticket=ticket)


@api(
    "POST",
    "/conversations/{id}/escalate",
    summary="Escalate to a team or a level (L0-L3)",
    tag="conversations",
    body=EscalateBody,
    query=NotifyQuery,
    response=EscalationOut,
    status=201,
)
async def escalate_conversation(
    request: web.Request, body: EscalateBody, query: NotifyQuery
) -> EscalationOut:
    rt, me = runtime(request), principal(request)
    conversation = await conversations.get_visible(rt, request.match_info["id"], me)
    with customer_not_told(not query.notify):
        return await _escalate(rt, me, body, conversation=conversation)


async def _escalate(rt: Any, me: Any, body: EscalateBody, **where: Any) -> EscalationOut:
    if (body.team_id is None) == (body.level is None):
        raise Invalid("Escalate to a team_id or to a level, one of the two.")
    entry = await escalation.escalate(
        rt,
        actor=me.actor,
        summary=body.summary,
        team_id=parse_id(body.team_id, "team") if body.team_id else None,
        level=body.level,
        **where,
    )
    return EscalationOut(**escalation.escalation_view(entry))


@api(
    "GET",
    "/tickets/{id}/escalations",
    summary="The ticket's escalations",
    tag="tickets",
    response=Page[EscalationOut],
)
async def ticket_escalations(request: web.Request) -> Page[EscalationOut]:
    rt = runtime(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], principal(request))
    return Page(items=[EscalationOut(**e) for e in await escalation.of(rt, ticket["_id"])])


@api(
    "POST",
    "/conversations/{id}/auto-assign",
    summary="Give the conversation to an available agent by its team's method",
    tag="conversations",
    body=AutoAssign,
    response=AssignedOut,
)
async def auto_assign_conversation(request: web.Request, body: AutoAssign) -> AssignedOut:
    rt, me = runtime(request), principal(request)
    conversation = await conversations.get_visible(rt, request.match_info["id"], me)
    agent = await assignment.assign_conversation(
        rt, conversation, me.actor, _team(body, conversation)
    )
    return AssignedOut(agent=AgentOut.of(agent) if agent else None)


@api(
    "POST",
    "/tickets/{id}/auto-assign",
    summary="Give the ticket to an available agent by its team's method",
    tag="tickets",
    body=AutoAssign,
    response=AssignedOut,
)
async def auto_assign_ticket(request: web.Request, body: AutoAssign) -> AssignedOut:
    rt, me = runtime(request), principal(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], me)
    agent = await assignment.assign_ticket(rt, ticket, me.actor, _team(body, ticket))
    return AssignedOut(agent=AgentOut.of(agent) if agent else None)


def _team(body: AutoAssign, holder: dict[str, Any]) -> ObjectId:
    if body.team_id is not None:
        return parse_id(body.team_id, "team")
    if holder.get("team_id") is None:
        raise Invalid("Choose a team first: auto-assignment picks among a team's agents.")
    return holder["team_id"]
