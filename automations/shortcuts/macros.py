"""Shortcuts (macros): a button on the conversation and the ticket that runs several actions
at once, after asking the agent for what it needs (a target team or level, a summary).

An escalation shortcut is one whose actions escalate: one click plus the summary moves the
ticket, records the escalation, notifies the team and tells the customer.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from bson import ObjectId
from pydantic import BaseModel, ConfigDict, Field
from pymongo.errors import DuplicateKeyError

from automations.rules import actions, fields, runners
from inbox import clock
from inbox.auth import Principal
from inbox.errors import Conflict, Invalid
from inbox.ids import new_id, parse_id
from inbox.models.common import Partial
from inbox.runtime import Runtime

InputKey = Literal["team_id", "level", "summary"]


class MacroInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: InputKey
    required: bool = True


class MacroBody(Partial):
    nullable: ClassVar[frozenset[str]] = frozenset({"description"})
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=300)
    inputs: list[MacroInput] | None = Field(default=None, max_length=3)
    actions: list[dict[str, Any]] | None = None


class MacroRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticket_id: str | None = None
    conversation_id: str | None = None
    inputs: dict[str, Any] = Field(default_factory=dict)


async def _validated(
    rt: Runtime, body: MacroBody, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    if body.inputs is not None:
        given["inputs"] = [i.model_dump() for i in body.inputs]  # with their defaults
    merged = {**(current or {}), **given}
    problems: list[dict[str, str]] = []
    if not merged.get("name"):
        problems.append({"field": "name", "message": "required"})
    inputs = merged.get("inputs") or []
    keys = [i["key"] for i in inputs]
    if len(set(keys)) != len(keys):
        problems.append({"field": "inputs", "message": "each input once"})
    stored, action_problems = await actions.check(rt, merged.get("actions"), set(keys))
    problems.extend(action_problems)
    if problems:
        names = ", ".join(sorted({p["field"] for p in problems}))
        raise Invalid(f"The shortcut is not valid: {names}.", problems, code="invalid_macro")
    return {
        "name": merged["name"],
        "description": merged.get("description"),
        "inputs": inputs,
        "actions": stored,
    }


async def create(rt: Runtime, body: MacroBody) -> dict[str, Any]:
    doc = {"_id": new_id(), **await _validated(rt, body), "created_at": clock.now()}
    try:
        await rt.store["macros"].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"A shortcut named {doc['name']!r} exists already.") from None
    return doc


async def get(rt: Runtime, macro_id: str) -> dict[str, Any]:
    return await rt.store.get("macros", parse_id(macro_id, "shortcut"), "shortcut")


async def update(rt: Runtime, macro: dict[str, Any], body: MacroBody) -> dict[str, Any]:
    changes = await _validated(rt, body, macro)
    try:
        await rt.store["macros"].update_one({"_id": macro["_id"]}, {"$set": changes})
    except DuplicateKeyError:
        raise Conflict(f"A shortcut named {changes['name']!r} exists already.") from None
    return {**macro, **changes}


async def delete(rt: Runtime, macro: dict[str, Any]) -> None:
    await rt.store["macros"].delete_one({"_id": macro["_id"]})


async def list_all(rt: Runtime) -> list[dict[str, Any]]:
    return await rt.store["macros"].find({}, sort=[("name", 1)]).to_list(None)


def view(macro: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(macro["_id"]),
        "name": macro["name"],
        "description": macro.get("description"),
        "inputs": macro["inputs"],
        "actions": macro["actions"],
    }


# ---- running --------------------------------------------------------------------------------


async def run(
    rt: Runtime, macro: dict[str, Any], body: MacroRun, principal: Principal
) -> list[dict[str, Any]]:
    """Run the shortcut's actions as the agent, in order; the outcome of each."""
    context = await context_of(rt, macro, body, principal)
    actor = principal.actor
    outcomes = [(await runners.run(rt, a, context, actor)).as_dict() for a in macro["actions"]]
    return outcomes


async def context_of(
    rt: Runtime, macro: dict[str, Any], body: MacroRun, principal: Principal, complete: bool = True
) -> fields.Context:
    """What the shortcut's actions see: the ticket or conversation the agent may see, and the
    agent's inputs (all those required unless not `complete`)."""
    inputs = await _inputs(rt, macro, body.inputs, complete)
    event = await fields.event_about(
        rt,
        principal,
        "macro.run",
        ticket_id=body.ticket_id,
        conversation_id=body.conversation_id,
    )
    context = await fields.context_for(rt, event)
    context.inputs = inputs
    return context


async def _inputs(
    rt: Runtime, macro: dict[str, Any], given: dict[str, Any], complete: bool = True
) -> dict[str, Any]:
    """The agent's inputs, checked against what the shortcut asks for (all that it requires
    unless not `complete`: a preview while the agent is still filling them in)."""
    problems = []
    inputs: dict[str, Any] = {}
    wanted = {i["key"]: i["required"] for i in macro["inputs"]}
    for key in set(given) - set(wanted):
        problems.append({"field": f"inputs.{key}", "message": "this shortcut does not ask for it"})
    for key, required in wanted.items():
        value = given.get(key)
        if value in (None, ""):
            if required and complete:
                problems.append({"field": f"inputs.{key}", "message": "required"})
            continue
        problem = await _check_input(rt, key, value)
        if problem:
            problems.append({"field": f"inputs.{key}", "message": problem})
        else:
            inputs[key] = value
    if problems:
        raise Invalid("The shortcut needs other inputs.", problems, code="invalid_inputs")
    if "team_id" in inputs:
        inputs["team"] = await rt.store.name_of("teams", inputs["team_id"])
    return inputs


async def _check_input(rt: Runtime, key: str, value: Any) -> str | None:
    if key == "level":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3
        return None if ok else "a level from 0 to 3"
    if key == "summary":
        return (
            None
            if isinstance(value, str) and 0 < len(value.strip()) <= 2000
            else "1 to 2000 characters"
        )
    if not isinstance(value, str) or not ObjectId.is_valid(value):
        return "a team id"
    return None if await rt.store["teams"].find_one({"_id": ObjectId(value)}) else "no such team"
