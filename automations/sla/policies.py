"""SLA policies: which tickets they cover and what they promise, per priority.

A policy names its targets per priority in business minutes (first response, next response
after each customer message, resolution), a calendar (else the default one), the share of a
target after which to warn, and the statuses that pause the clock. Conditions (teams,
channels, categories, contact tags; each list, when given, must match) decide which tickets
it covers; the first enabled policy in position order that matches applies.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bson import ObjectId
from pydantic import BaseModel, ConfigDict, Field
from pymongo.errors import DuplicateKeyError

from inbox import clock
from inbox.errors import Conflict, Invalid
from inbox.ids import new_id, parse_id
from inbox.models.common import Partial, Priority
from inbox.models.tickets import TicketStatus
from inbox.queue import SLA_REAPPLY
from inbox.runtime import Runtime

TARGETS = ("first_response", "next_response", "resolution")
PAUSABLE = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD)


class Targets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_response: int | None = Field(default=None, description="business minutes")
    next_response: int | None = None
    resolution: int | None = None


class Conditions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team_ids: list[str] = Field(default_factory=list, max_length=100)
    channel_ids: list[str] = Field(default_factory=list, max_length=100)
    category_ids: list[str] = Field(default_factory=list, max_length=100)
    contact_tags: list[str] = Field(default_factory=list, max_length=100)


class PolicyBody(Partial):
    """A policy as the API takes it; on PATCH only the fields given change."""

    nullable: ClassVar[frozenset[str]] = frozenset({"calendar_id"})

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=80)
    enabled: bool | None = None
    position: int | None = Field(default=None, ge=0)
    targets: dict[Priority, Targets] | None = None
    calendar_id: str | None = None
    warning_percent: int | None = Field(default=None, ge=1, le=99)
    pause_statuses: list[TicketStatus] | None = None
    conditions: Conditions | None = None


async def _validated(
    rt: Runtime, body: PolicyBody, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True, mode="json")
    merged = {**(current or {}), **given}
    problems: list[dict[str, str]] = []
    if not merged.get("name"):
        problems.append({"field": "name", "message": "required"})
    targets = merged.get("targets") or {}
    if not any(v for t in targets.values() for v in t.values()):
        problems.append({"field": "targets", "message": "at least one target in minutes"})
    for priority, promised in targets.items():
        for name, minutes in promised.items():
            if minutes is not None and not 1 <= minutes <= 525_600:
                where = f"targets.{priority}.{name}"
                problems.append({"field": where, "message": "from 1 minute to a year"})
    for status in merged.get("pause_statuses") or []:
        if status not in PAUSABLE:
            message = f"only {', '.join(PAUSABLE)} can pause the clock"
            problems.append({"field": "pause_statuses", "message": message})
    problems.extend(await _reference_problems(rt, given))
    if problems:
        names = ", ".join(sorted({p["field"] for p in problems}))
        raise Invalid(f"The SLA policy is not valid: {names}.", problems, code="invalid_policy")
    return _stored(given)


async def _reference_problems(rt: Runtime, given: dict[str, Any]) -> list[dict[str, str]]:
    """Ids that name nothing."""
    wanted = [("calendar_id", "calendars", [given.get("calendar_id")])]
    conditions = given.get("conditions") or {}
    for field, collection in (
        ("team_ids", "teams"),
        ("channel_ids", "channels"),
        ("category_ids", "categories"),
    ):
        wanted.append((f"conditions.{field}", collection, conditions.get(field, [])))
    problems = []
    for field, collection, ids in wanted:
        for value in ids:
            if value is None:
                continue
            if not ObjectId.is_valid(value):
                problems.append({"field": field, "message": f"{value!r} is not an id"})
            elif await rt.store[collection].find_one({"_id": ObjectId(value)}) is None:
                problems.append({"field": field, "message": f"no {collection[:-1]} {value}"})
    return problems


def _stored(given: dict[str, Any]) -> dict[str, Any]:
    stored = dict(given)
    if "calendar_id" in given:
        stored["calendar_id"] = ObjectId(given["calendar_id"]) if given["calendar_id"] else None
    if "conditions" in given:
        conditions = given["conditions"] or {}
        stored["conditions"] = {
            **conditions,
            **{
                field: [ObjectId(i) for i in conditions.get(field, [])]
                for field in ("team_ids", "channel_ids", "category_ids")
            },
        }
    return stored


async def create(rt: Runtime, body: PolicyBody) -> dict[str, Any]:
    fields = await _validated(rt, body)
    last = await rt.store["sla_policies"].find_one({}, sort=[("position", -1)])
    doc = {
        "_id": new_id(),
        "enabled": True,
        "position": (last["position"] + 1) if last else 1,
        "calendar_id": None,
        "warning_percent": 80,
        "pause_statuses": [TicketStatus.PENDING.value, TicketStatus.ON_HOLD.value],
        "conditions": {"team_ids": [], "channel_ids": [], "category_ids": [], "contact_tags": []},
        **fields,
        "created_at": clock.now(),
    }
    try:
        await rt.store["sla_policies"].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"An SLA policy named {doc['name']!r} exists already.") from None
    await rt.queue.enqueue(SLA_REAPPLY)
    return doc


async def update(rt: Runtime, policy: dict[str, Any], body: PolicyBody) -> dict[str, Any]:
    fields = await _validated(rt, body, policy)
    try:
        await rt.store["sla_policies"].update_one({"_id": policy["_id"]}, {"$set": fields})
    except DuplicateKeyError:
        raise Conflict(f"An SLA policy named {fields['name']!r} exists already.") from None
    await rt.queue.enqueue(SLA_REAPPLY)
    return {**policy, **fields}


async def delete(rt: Runtime, policy: dict[str, Any]) -> None:
    await rt.store["sla_policies"].delete_one({"_id": policy["_id"]})
    await rt.queue.enqueue(SLA_REAPPLY)


async def get(rt: Runtime, policy_id: str) -> dict[str, Any]:
    return await rt.store.get("sla_policies", parse_id(policy_id, "SLA policy"), "SLA policy")


async def list_all(rt: Runtime) -> list[dict[str, Any]]:
    return await rt.store["sla_policies"].find({}, sort=[("position", 1)]).to_list(None)


async def matching(
    rt: Runtime, ticket: dict[str, Any], contact: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The first enabled policy, in order, whose conditions the ticket meets."""
    for policy in await list_all(rt):
        if policy["enabled"] and covers(policy["conditions"], ticket, contact):
            return policy
    return None


def covers(
    conditions: dict[str, Any], ticket: dict[str, Any], contact: dict[str, Any] | None
) -> bool:
    checks = [
        (conditions["team_ids"], [ticket.get("team_id")]),
        (conditions["channel_ids"], [ticket.get("channel_id")]),
        (conditions["category_ids"], ticket.get("category_ids", [])),
        (conditions["contact_tags"], (contact or {}).get("tags", [])),
    ]
    return all(not wanted or set(wanted) & set(found) for wanted, found in checks)


def view(policy: dict[str, Any]) -> dict[str, Any]:
    conditions = policy["conditions"]
    ids = ("team_ids", "channel_ids", "category_ids")
    return {
        "id": str(policy["_id"]),
        "name": policy["name"],
        "enabled": policy["enabled"],
        "position": policy["position"],
        "targets": policy.get("targets", {}),
        "calendar_id": str(policy["calendar_id"]) if policy.get("calendar_id") else None,
        "warning_percent": policy["warning_percent"],
        "pause_statuses": policy["pause_statuses"],
        "conditions": {
            **conditions,
            **{k: [str(i) for i in conditions[k]] for k in ids},
        },
    }
