"""Automation rules as admins define them: checked completely before they are saved.

A rule: name, event, conditions (nested all/any groups), actions in order, enabled,
position (rules for one event run in this order) and stop_processing (later rules skip the
event when this one matched). A time rule (`ticket.time_in_status`) also names a status and
how many hours a ticket must have been in it.
"""

from __future__ import annotations

from typing import Any, ClassVar
from weakref import WeakKeyDictionary

from pydantic import BaseModel, ConfigDict, Field

from automations.rules import actions, conditions
from inbox import clock
from inbox.errors import Conflict, Invalid
from inbox.events import EventType
from inbox.ids import new_id, parse_id
from inbox.models.common import Partial
from inbox.models.tickets import TicketStatus
from inbox.runtime import Runtime
from inbox.services import counters

TIME_EVENT = str(EventType.TICKET_TIME_IN_STATUS)
RULE_EVENTS = (
    "conversation.created",
    "conversation.updated",
    "message.created",
    "ticket.created",
    "ticket.updated",
    "ticket.escalated",
    "sla.warning",
    "sla.breached",
    "csat.received",
    TIME_EVENT,
)
SECRET_MASK = "••••"  # noqa: S105  (what the API shows instead of a webhook secret)


class TimeTrigger(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TicketStatus
    hours: float = Field(gt=0, le=24 * 365)


class RuleBody(Partial):
    """A rule as the API takes it; on PATCH only the fields given change."""

    nullable: ClassVar[frozenset[str]] = frozenset({"after"})

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    event: str | None = None
    enabled: bool | None = None
    position: int | None = Field(default=None, ge=0)
    stop_processing: bool | None = None
    conditions: dict[str, Any] | None = None
    actions: list[dict[str, Any]] | None = None
    after: TimeTrigger | None = Field(default=None, description=f"for {TIME_EVENT} only")


class Reorder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=1000)


async def validated(
    rt: Runtime, body: RuleBody, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The stored fields for a new rule or a change; 422 naming every problem otherwise."""
    given = body.model_dump(exclude_unset=True)
    merged = {**(current or {}), **given}
    problems: list[dict[str, str]] = []
    if not merged.get("name"):
        problems.append({"field": "name", "message": "required"})
    if merged.get("event") not in RULE_EVENTS:
        problems.append({"field": "event", "message": f"one of {', '.join(RULE_EVENTS)}"})
    if (merged.get("event") == TIME_EVENT) != (merged.get("after") is not None):
        problems.append(
            {"field": "after", "message": f"{TIME_EVENT} rules, and only they, need after"}
        )
    tree = merged.get("conditions") or {"all": []}
    problems.extend(conditions.check(tree))
    stored_actions: list[dict[str, Any]] = []
    if "actions" in given or current is None:
        raw = _keep_secrets(given.get("actions"), (current or {}).get("actions", []), rt)
        stored_actions, action_problems = await actions.check(rt, raw)
        problems.extend(action_problems)
    if problems:
        fields = ", ".join(sorted({p["field"] for p in problems}))
        raise Invalid(f"The rule is not valid: {fields}.", problems, code="invalid_rule")
    changes = {
        k: v for k, v in given.items() if k in ("name", "event", "enabled", "stop_processing")
    }
    changes["conditions"] = tree
    if "after" in given or current is None:
        changes["after"] = given.get("after")
    if stored_actions:
        changes["actions"] = [_seal(rt, a) for a in stored_actions]
    return changes


def _keep_secrets(raw: Any, previous: list[dict[str, Any]], rt: Runtime) -> Any:
    """A webhook action sent back with its masked secret keeps the secret it had."""
    if not isinstance(raw, list):
        return raw
    secrets = {a.get("url"): webhook_secret(rt, a) for a in previous if a.get("secret_sealed")}
    return [
        {**action, "secret": secrets.get(action.get("url"))}
        if isinstance(action, dict) and action.get("secret") == SECRET_MASK
        else action
        for action in raw
    ]


def _seal(rt: Runtime, action: dict[str, Any]) -> dict[str, Any]:
    """Webhook secrets are stored encrypted, like channel credentials."""
    if not action.get("secret"):
        return action
    sealed = {k: v for k, v in action.items() if k != "secret"}
    sealed["secret_sealed"] = rt.secrets.encrypt({"secret": action["secret"]})
    return sealed


async def create(
    rt: Runtime, body: RuleBody, author: Any, built_in: bool = False
) -> dict[str, Any]:
    """A new rule; a built-in one (made by the product) can be changed but not deleted."""
    fields = await validated(rt, body)
    position = body.position if body.position is not None else await _next_position(rt)
    now = clock.now()
    rule = {
        "_id": new_id(),
        "enabled": True,
        "stop_processing": False,
        **fields,
        "position": position,
        "built_in": built_in,
        "created_by": author,
        "created_at": now,
        "updated_at": now,
    }
    await rt.store["rules"].insert_one(rule)
    await _changed(rt)
    return rule


async def _next_position(rt: Runtime) -> int:
    last = await rt.store["rules"].find_one({}, sort=[("position", -1)])
    return (last["position"] + 1) if last else 1


async def get(rt: Runtime, rule_id: str) -> dict[str, Any]:
    return await rt.store.get("rules", parse_id(rule_id, "rule"), "rule")


async def update(rt: Runtime, rule: dict[str, Any], body: RuleBody) -> dict[str, Any]:
    fields = await validated(rt, body, rule)
    if body.position is not None:
        fields["position"] = body.position
    fields["updated_at"] = clock.now()
    await rt.store["rules"].update_one({"_id": rule["_id"]}, {"$set": fields})
    await _changed(rt)
    return {**rule, **fields}


async def delete(rt: Runtime, rule: dict[str, Any]) -> None:
    if rule.get("built_in"):
        raise Conflict("This rule comes with the product; disable or edit it instead.")
    await rt.store["rules"].delete_one({"_id": rule["_id"]})
    await _changed(rt)


async def list_all(rt: Runtime) -> list[dict[str, Any]]:
    return await rt.store["rules"].find({}, sort=[("position", 1), ("_id", 1)]).to_list(None)


async def for_event(rt: Runtime, event_type: str) -> list[dict[str, Any]]:
    """The enabled rules for an event type, in order (read-only: they are shared)."""
    revision = await _revision(rt)
    cached = _cache.get(rt.store)
    if cached is None or cached[0] != revision:
        enabled = (
            await rt.store["rules"]
            .find({"enabled": True}, sort=[("position", 1), ("_id", 1)])
            .to_list(None)
        )
        by_event: dict[str, list[dict[str, Any]]] = {}
        for rule in enabled:
            by_event.setdefault(rule["event"], []).append(rule)
        cached = _cache[rt.store] = (revision, by_event)
    return cached[1].get(event_type, [])


_cache: WeakKeyDictionary[Any, tuple[int, dict[str, list[dict[str, Any]]]]] = WeakKeyDictionary()
"""Per store: the rules by event type at a revision. Every change bumps the revision in the
store, so each process (web or worker) reads the rules again only after they changed."""

REVISION = "rules_revision"


async def _revision(rt: Runtime) -> int:
    counter = await rt.store["counters"].find_one({"_id": REVISION})
    return counter["value"] if counter else 0


async def _changed(rt: Runtime) -> None:
    await counters.next_value(rt, REVISION)


async def reorder(rt: Runtime, ids: list[str]) -> list[dict[str, Any]]:
    """Positions follow the order of `ids`; rules not named keep their relative order after."""
    wanted = [parse_id(i, "rule") for i in dict.fromkeys(ids)]
    known = {rule["_id"]: rule for rule in await list_all(rt)}
    missing = [str(i) for i in wanted if i not in known]
    if missing:
        raise Invalid(f"No rule with id {', '.join(missing)}.")
    order = wanted + [i for i in known if i not in wanted]
    for position, rule_id in enumerate(order, start=1):
        if known[rule_id]["position"] != position:
            await rt.store["rules"].update_one({"_id": rule_id}, {"$set": {"position": position}})
    await _changed(rt)
    return await list_all(rt)


def view(rule: dict[str, Any]) -> dict[str, Any]:
    """The API form of a rule: ids as strings, webhook secrets masked."""
    return {
        "id": str(rule["_id"]),
        "name": rule["name"],
        "event": rule["event"],
        "enabled": rule["enabled"],
        "position": rule["position"],
        "stop_processing": rule["stop_processing"],
        "conditions": rule["conditions"],
        "actions": [_masked(a) for a in rule["actions"]],
        "after": rule.get("after"),
        "built_in": rule.get("built_in", False),
        "created_at": clock.iso(rule["created_at"]),
        "updated_at": clock.iso(rule["updated_at"]),
    }


def _masked(action: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in action.items() if k != "secret_sealed"}
    if "secret_sealed" in action:
        shown["secret"] = SECRET_MASK
    return shown


def webhook_secret(rt: Runtime, action: dict[str, Any]) -> str | None:
    sealed = action.get("secret_sealed")
    return rt.secrets.decrypt(sealed)["secret"] if sealed else None
