"""REST for automation rules: definitions, the catalogue the builder offers, dry runs and the
run log. Registered with the other resources by `inbox.api.routing`."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from automations.rules import actions, conditions, engine, fields, templates
from automations.rules import definitions as rules
from inbox.api.resources import standard_routes
from inbox.api.routing import api
from inbox.auth import Access
from inbox.errors import Invalid, NotFound
from inbox.ids import parse_id
from inbox.keys import principal, runtime
from inbox.models.common import Page

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


class Unmet(BaseModel):
    field: str
    operator: str
    value: Any = Field(description="what the condition wanted")
    was: Any = Field(description="what the field held")


class RunOut(BaseModel):
    id: str
    event_id: str
    event_type: str
    depth: int
    at: str
    status: str = Field(description="matched, not_matched, skipped, stopped or running")
    failed: list[str] = Field(description="the conditions that did not hold")
    unmet: list[Unmet] = Field(default=[], description="the same as data")
    actions: list[dict[str, Any]] = Field(
        description="what each action did, or why not: {type, ok, detail, words: {text, "
        "values}, skipped}"
    )
    note: str | None
    note_words: dict[str, Any] | None = Field(
        default=None, description="the note as {text, values}, to translate"
    )
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
    unmet: list[Unmet] = []
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


# ---- rules -----------------------------------------------------------------------------------


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


standard_routes(
    rules,
    path="/rules",
    names=("rule", "rules"),
    tag="rules",
    body=rules.RuleBody,
    out=RuleOut,
    summaries={
        "list": "Rules in order",
        "get": "One rule",
        "update": "Change a rule",
        "delete": "Delete a rule",
    },
    read=Access.ADMIN,
)
