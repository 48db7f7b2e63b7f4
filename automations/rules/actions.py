"""The action catalogue: what a rule or a shortcut may do, its parameters for the builder,
and the checks before saving. Running the actions is `automations.rules.runners`.
"""

from __future__ import annotations

import functools
import logging
from typing import Annotated, Any, Literal, get_args

from bson import ObjectId
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError

from automations.rules import templates
from inbox.models.common import Priority
from inbox.models.conversations import ConversationStatus
from inbox.models.tickets import TicketStatus
from inbox.runtime import Runtime

log = logging.getLogger(__name__)

Target = Literal["conversation", "ticket"] | None


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssignTeam(_Action):
    type: Literal["assign_team"]
    team_id: str
    target: Target = None


class AssignAgent(_Action):
    type: Literal["assign_agent"]
    method: Literal["named", "round_robin", "least_loaded", "team_default"] = "team_default"
    agent_id: str | None = None
    target: Target = None


class SetPriority(_Action):
    type: Literal["set_priority"]
    priority: Priority
    target: Target = None


STATUSES = sorted(set(ConversationStatus) | set(TicketStatus))


class SetStatus(_Action):
    type: Literal["set_status"]
    status: str = Field(json_schema_extra={"enum": STATUSES})
    target: Target = None


class AddTag(_Action):
    type: Literal["add_tag", "remove_tag"]
    tag: str = Field(min_length=1, max_length=50)
    target: Target = None


class SendReply(_Action):
    type: Literal["send_reply"]
    template: str


class AddNote(_Action):
    type: Literal["add_note"]
    template: str
    mentions: list[str] = Field(default_factory=list, max_length=20)


class PromoteToTicket(_Action):
    type: Literal["promote_to_ticket"]
    title: str = "{{contact.name}}"
    priority: Priority | None = None


class Escalate(_Action):
    type: Literal["escalate"]
    team_id: str | None = None
    level: int | None = Field(default=None, ge=0, le=3)
    next_level: bool = Field(default=False, description="one level up from where it is")
    summary: str = "{{inputs.summary}}"


class Notify(_Action):
    type: Literal["notify"]
    agent_ids: list[str] = Field(default_factory=list, max_length=50)
    team_id: str | None = None
    team_lead: bool = Field(default=False, description="the lead of the ticket's team")
    text: str


class Snooze(_Action):
    type: Literal["snooze"]
    hours: float = Field(gt=0, le=24 * 30)


class Resolve(_Action):
    type: Literal["resolve"]
    target: Target = None


class CallWebhook(_Action):
    type: Literal["call_webhook"]
    url: HttpUrl
    secret: str | None = Field(default=None, min_length=16, max_length=200)


class HandOff(_Action):
    type: Literal["hand_off", "start_bot"]


Action = Annotated[
    AssignTeam
    | AssignAgent
    | SetPriority
    | SetStatus
    | AddTag
    | SendReply
    | AddNote
    | PromoteToTicket
    | Escalate
    | Notify
    | Snooze
    | Resolve
    | CallWebhook
    | HandOff,
    Field(discriminator="type"),
]
ACTION_TYPES = (
    "assign_team", "assign_agent", "set_priority", "set_status", "add_tag", "remove_tag",
    "send_reply", "add_note", "promote_to_ticket", "escalate", "notify", "snooze", "resolve",
    "call_webhook", "hand_off", "start_bot",
)  # fmt: skip


class _Actions(BaseModel):
    actions: list[Action]


def parse(params: dict[str, Any]) -> Any:
    """One stored action as its model (raises pydantic's ValidationError)."""
    return _Actions(actions=[params]).actions[0]


@functools.cache
def parameters() -> dict[str, list[dict[str, Any]]]:
    """Each action type's parameters (name, JSON type, choices, default, required), so the
    rule builder draws its forms from the same models the API validates with."""
    catalogue: dict[str, list[dict[str, Any]]] = {}
    for model in get_args(get_args(Action)[0]):
        schema = model.model_json_schema()
        definitions = schema.get("$defs", {})
        params = [
            _parameter(name, spec, name in schema.get("required", []), definitions)
            for name, spec in schema["properties"].items()
            if name != "type"
        ]
        for action_type in get_args(model.model_fields["type"].annotation):
            catalogue[action_type] = params
    return catalogue


def _parameter(
    name: str, spec: dict[str, Any], required: bool, definitions: dict[str, Any]
) -> dict[str, Any]:
    options = [
        definitions[o["$ref"].rsplit("/", 1)[-1]] if "$ref" in o else o
        for o in spec.get("anyOf", [spec])
    ]
    kinds = [o.get("type") for o in options if o.get("type") not in (None, "null")]
    choices = [c for o in options for c in o.get("enum", [o["const"]] if "const" in o else [])]
    return {
        "name": name,
        "type": "choice" if choices else (kinds[0] if kinds else "string"),
        "choices": choices,
        "default": spec.get("default"),
        "required": required,
    }


# ---- checking ----------------------------------------------------------------------------


async def check(
    rt: Runtime, raw: Any, inputs: set[str] | None = None, path: str = "actions"
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The actions in their stored form, and every problem with them (each with its path).

    `inputs` are the inputs of a shortcut: an escalation may then take its target from them.
    """
    if not isinstance(raw, list) or not raw or len(raw) > 20:
        return [], [{"field": path, "message": "a list of 1 to 20 actions"}]
    try:
        parsed = _Actions(actions=raw).actions
    except ValidationError as error:
        return [], [
            {
                "field": _error_path(path, e["loc"]),
                "message": _pydantic_message(e),
            }
            for e in error.errors(include_url=False, include_input=False)
        ]
    problems: list[dict[str, str]] = []
    for index, action in enumerate(parsed):
        problems.extend(await _check_one(rt, action, f"{path}.{index}", inputs))
    return [a.model_dump(mode="json", exclude_none=True) for a in parsed], problems


def _error_path(path: str, loc: tuple[Any, ...]) -> str:
    """actions.0.team_id: pydantic's location without the list name and the action's type."""
    parts = [str(p) for i, p in enumerate(loc[1:]) if not (i == 1 and p in ACTION_TYPES)]
    return ".".join([path, *parts])


def _pydantic_message(error: dict[str, Any]) -> str:
    if error["type"] == "union_tag_invalid":
        return f"unknown action type; known: {', '.join(ACTION_TYPES)}"
    return error["msg"]


async def _check_one(
    rt: Runtime, action: Any, path: str, inputs: set[str] | None
) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []
    for name in ("team_id", "agent_id"):
        value = getattr(action, name, None)
        if value is not None:
            problems.extend(await _check_id(rt, name, value, f"{path}.{name}"))
    for name in ("agent_ids", "mentions"):
        for index, value in enumerate(getattr(action, name, None) or []):
            problems.extend(await _check_id(rt, "agent_id", value, f"{path}.{name}.{index}"))
    for name in ("template", "text", "title", "summary"):
        value = getattr(action, name, None)
        if value is not None:
            problems.extend(templates.check(value, f"{path}.{name}"))
    if isinstance(action, AssignAgent) and action.method == "named" and not action.agent_id:
        problems.append({"field": f"{path}.agent_id", "message": "method named needs agent_id"})
    if isinstance(action, SetStatus) and action.status not in STATUSES:
        problems.append({"field": f"{path}.status", "message": f"one of {STATUSES}"})
    if _escalation_without_target(action, inputs):
        message = "escalate needs team_id, level or next_level (or a shortcut input for them)"
        problems.append({"field": path, "message": message})
    if isinstance(action, Notify) and not (action.agent_ids or action.team_id or action.team_lead):
        message = "notify needs agent_ids, team_id or team_lead"
        problems.append({"field": path, "message": message})
    return problems


def _escalation_without_target(action: Any, inputs: set[str] | None) -> bool:
    if not isinstance(action, Escalate) or action.team_id or action.level is not None:
        return False
    if action.next_level:
        return False
    return not inputs or not {"team_id", "level"} & inputs


async def _check_id(rt: Runtime, kind: str, value: str, path: str) -> list[dict[str, str]]:
    collection = "teams" if kind == "team_id" else "agents"
    if not ObjectId.is_valid(value):
        return [{"field": path, "message": "expected an id"}]
    if await rt.store[collection].find_one({"_id": ObjectId(value)}) is None:
        return [{"field": path, "message": f"no {collection[:-1]} with id {value}"}]
    return []


def describe(stored: dict[str, Any]) -> str:
    """What an action would do, for dry runs."""
    shown = {k: v for k, v in stored.items() if k not in ("type", "secret")}
    return f"would {stored['type']} {shown}" if shown else f"would {stored['type']}"
