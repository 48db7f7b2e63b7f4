"""REST for automation: rules (with dry runs and their run log), shortcuts, escalation and
auto-assignment. Registered with the other resources by `inbox.api.routing`."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from bson import ObjectId
from pydantic import BaseModel, ConfigDict, Field

from automations import (
    actions,
    assignment,
    conditions,
    engine,
    escalation,
    fields,
    macros,
    rules,
    templates,
)
from inbox.api.routing import api
from inbox.auth import Access
from inbox.errors import Invalid, NotFound
from inbox.ids import parse_id
from inbox.keys import principal, runtime
from inbox.models import AgentOut, Page
from inbox.services import conversations, tickets

# ---- answers ---------------------------------------------------------------------------------


class RuleOut(BaseModel):
    id: str
    name: str
    event: str
    enabled: bool
    position: int
    stop_processing: bool
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    after: dict[str, Any] | None
    built_in: bool
    created_at: str
    updated_at: str


class RunOut(BaseModel):
    id: str
    event_id: str
    event_type: str
    depth: int
    at: str
    status: str = Field(description="matched, not_matched, skipped, stopped or running")
    failed: list[str] = Field(description="the conditions that did not hold")
    actions: list[dict[str, Any]] = Field(description="what each action did, or why not")
    note: str | None
    webhooks: list[dict[str, Any]]
    conversation_id: str | None = Field(description="the conversation the event was about")
    ticket_number: str | None = Field(description="the ticket the event was about")


class DryRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: str | None = None
    conversation_id: str | None = None
    ticket_id: str | None = Field(default=None, description="an id or a number (T-000123)")


class DryRunOut(BaseModel):
    matched: bool
    failed: list[str]
    actions: list[str] = Field(description="what the actions would do")
    values: dict[str, Any] = Field(description="the field values the conditions saw")


class Catalogue(BaseModel):
    events: list[str]
    fields: dict[str, dict[str, Any]]
    operators: dict[str, list[str]] = Field(description="operator: the field kinds it applies to")
    actions: dict[str, list[dict[str, Any]]] = Field(
        description="action type: its parameters (name, type, choices, default, required)"
    )
    placeholders: list[str]


class MacroOut(BaseModel):
    id: str
    name: str
    description: str | None
    inputs: list[dict[str, Any]]
    actions: list[dict[str, Any]]


class MacroRunOut(BaseModel):
    results: list[dict[str, Any]]


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


# ---- rules -----------------------------------------------------------------------------------


@api(
    "GET",
    "/rules",
    summary="Rules in order",
    tag="rules",
    response=Page[RuleOut],
    level=Access.ADMIN,
)
async def list_rules(request: web.Request) -> Page[RuleOut]:
    found = await rules.list_all(runtime(request))
    return Page(items=[RuleOut(**rules.view(r)) for r in found])


@api(
    "GET",
    "/rules/catalogue",
    summary="Events, fields, operators and actions for building rules",
    tag="rules",
    response=Catalogue,
    level=Access.ADMIN,
)
async def catalogue(request: web.Request) -> Catalogue:
    return Catalogue(
        events=list(rules.RULE_EVENTS),
        fields={
            name: {"kind": spec.kind, "choices": list(spec.choices)}
            for name, spec in fields.FIELDS.items()
        },
        operators={name: sorted(kinds) for name, kinds in conditions.OPERATOR_KINDS.items()},
        actions=actions.parameters(),
        placeholders=list(templates.PLACEHOLDERS),
    )


@api(
    "POST",
    "/rules",
    summary="Create a rule (checked completely first)",
    tag="rules",
    body=rules.RuleBody,
    response=RuleOut,
    status=201,
    level=Access.ADMIN,
)
async def create_rule(request: web.Request, body: rules.RuleBody) -> RuleOut:
    author = {"id": str(principal(request).id), "name": principal(request).name}
    return RuleOut(**rules.view(await rules.create(runtime(request), body, author)))


@api(
    "POST",
    "/rules/reorder",
    summary="Set the order rules run in",
    tag="rules",
    body=rules.Reorder,
    response=Page[RuleOut],
    level=Access.ADMIN,
)
async def reorder_rules(request: web.Request, body: rules.Reorder) -> Page[RuleOut]:
    found = await rules.reorder(runtime(request), body.ids)
    return Page(items=[RuleOut(**rules.view(r)) for r in found])


@api("GET", "/rules/{id}", summary="One rule", tag="rules", response=RuleOut, level=Access.ADMIN)
async def get_rule(request: web.Request) -> RuleOut:
    return RuleOut(**rules.view(await rules.get(runtime(request), request.match_info["id"])))


@api(
    "PATCH",
    "/rules/{id}",
    summary="Change a rule",
    tag="rules",
    body=rules.RuleBody,
    response=RuleOut,
    level=Access.ADMIN,
)
async def update_rule(request: web.Request, body: rules.RuleBody) -> RuleOut:
    rt = runtime(request)
    rule = await rules.get(rt, request.match_info["id"])
    return RuleOut(**rules.view(await rules.update(rt, rule, body)))


@api("DELETE", "/rules/{id}", summary="Delete a rule", tag="rules", level=Access.ADMIN)
async def delete_rule(request: web.Request) -> None:
    rt = runtime(request)
    await rules.delete(rt, await rules.get(rt, request.match_info["id"]))


@api(
    "GET",
    "/rules/{id}/runs",
    summary="The rule's latest runs: what matched and what it did",
    tag="rules",
    response=Page[RunOut],
    level=Access.ADMIN,
)
async def rule_runs(request: web.Request) -> Page[RunOut]:
    rt = runtime(request)
    rule = await rules.get(rt, request.match_info["id"])
    return Page(items=[RunOut(**engine.run_view(r)) for r in await engine.runs_of(rt, rule["_id"])])


@api(
    "POST",
    "/rules/{id}/dry-run",
    summary="What the rule would do for a past event, a conversation or a ticket (changes nothing)",
    tag="rules",
    body=DryRun,
    response=DryRunOut,
    level=Access.ADMIN,
)
async def dry_run(request: web.Request, body: DryRun) -> DryRunOut:
    rt = runtime(request)
    rule = await rules.get(rt, request.match_info["id"])
    event = await _event_for_dry_run(rt, rule, body, principal(request))
    return DryRunOut(**await engine.dry_run(rt, rule, event))


async def _event_for_dry_run(
    rt: Any, rule: dict[str, Any], body: DryRun, me: Any
) -> dict[str, Any]:
    given = [n for n in ("event_id", "conversation_id", "ticket_id") if getattr(body, n)]
    if len(given) != 1:
        raise Invalid("Give one of event_id, conversation_id or ticket_id.")
    if body.event_id:
        event = await rt.store["events"].find_one({"_id": parse_id(body.event_id, "event")})
        if event is None:
            raise NotFound(f"No event with id {body.event_id} (events are kept a week).")
        return event
    return await fields.event_about(
        rt,
        me,
        rule["event"],
        ticket_id=body.ticket_id,
        conversation_id=body.conversation_id,
        latest_message=rule["event"].startswith("message."),
    )


# ---- shortcuts ----------------------------------------------------------------------------


@api("GET", "/macros", summary="Shortcuts agents can run", tag="shortcuts", response=Page[MacroOut])
async def list_macros(request: web.Request) -> Page[MacroOut]:
    return Page(items=[MacroOut(**macros.view(m)) for m in await macros.list_all(runtime(request))])


@api(
    "POST",
    "/macros",
    summary="Define a shortcut",
    tag="shortcuts",
    body=macros.MacroBody,
    response=MacroOut,
    status=201,
    level=Access.ADMIN,
)
async def create_macro(request: web.Request, body: macros.MacroBody) -> MacroOut:
    return MacroOut(**macros.view(await macros.create(runtime(request), body)))


@api(
    "PATCH",
    "/macros/{id}",
    summary="Change a shortcut",
    tag="shortcuts",
    body=macros.MacroBody,
    response=MacroOut,
    level=Access.ADMIN,
)
async def update_macro(request: web.Request, body: macros.MacroBody) -> MacroOut:
    rt = runtime(request)
    macro = await macros.get(rt, request.match_info["id"])
    return MacroOut(**macros.view(await macros.update(rt, macro, body)))


@api("DELETE", "/macros/{id}", summary="Delete a shortcut", tag="shortcuts", level=Access.ADMIN)
async def delete_macro(request: web.Request) -> None:
    rt = runtime(request)
    await macros.delete(rt, await macros.get(rt, request.match_info["id"]))


@api(
    "POST",
    "/macros/{id}/run",
    summary="Run a shortcut on a ticket or a conversation",
    tag="shortcuts",
    body=macros.MacroRun,
    response=MacroRunOut,
)
async def run_macro(request: web.Request, body: macros.MacroRun) -> MacroRunOut:
    rt = runtime(request)
    macro = await macros.get(rt, request.match_info["id"])
    return MacroRunOut(results=await macros.run(rt, macro, body, principal(request)))


# ---- escalation and assignment --------------------------------------------------------------


@api(
    "POST",
    "/tickets/{id}/escalate",
    summary="Escalate to a team or a level (L0-L3)",
    tag="tickets",
    body=EscalateBody,
    response=EscalationOut,
    status=201,
)
async def escalate_ticket(request: web.Request, body: EscalateBody) -> EscalationOut:
    rt, me = runtime(request), principal(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], me)
    return await _escalate(rt, me, body, ticket=ticket)


@api(
    "POST",
    "/conversations/{id}/escalate",
    summary="Escalate to a team or a level (L0-L3)",
    tag="conversations",
    body=EscalateBody,
    response=EscalationOut,
    status=201,
)
async def escalate_conversation(request: web.Request, body: EscalateBody) -> EscalationOut:
    rt, me = runtime(request), principal(request)
    conversation = await conversations.get_visible(rt, request.match_info["id"], me)
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
