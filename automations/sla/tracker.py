"""SLA on tickets: due dates in business time, paused and resumed exactly, met or breached.

Worker event handler (`on_event`):
- `ticket.created` / `ticket.updated`: find the ticket's policy; start, re-target (priority or
  policy changed), pause, resume or end its clocks to match the ticket as it is now;
- `message.created`: an agent's public reply meets the first response and the pending next
  response; a customer's message (after the first response) starts a next-response clock.
Every change is computed from the ticket as stored and written only if the ticket's
`sla.version` is still the one read, so concurrent handlers and redelivered events agree.

Beat task (`tick`, every minute): tickets whose `sla.next_check_at` has passed get their
`sla.warning` / `sla.breached` events, each once per target: the marker is set by a
conditional update before the event is emitted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bson import ObjectId

from automations.sla import clocks as sla_clock
from automations.sla import policies as sla_policies
from inbox import business_hours, clock
from inbox.business_hours import Calendar
from inbox.events import SYSTEM, EventType, emit
from inbox.models.sla import SlaOut
from inbox.models.tickets import OPEN_TICKET_STATUSES, TicketOut
from inbox.runtime import Runtime
from inbox.services import conversations
from inbox.services.tickets import lifecycle as tickets

log = logging.getLogger(__name__)

BATCH = 500
DONE = ("resolved", "closed")
WATCHED_CHANGES = {"priority", "status", "team_id", "category_id", "tags", "merged_into"}
Compute = Callable[[dict[str, Any], datetime], Awaitable[dict[str, Any] | None]]


# ---- events ----------------------------------------------------------------------------------


async def on_event(rt: Runtime, event: dict[str, Any]) -> None:
    at = event["created_at"]
    kind = event["type"]
    if kind == "ticket.created" or (
        kind == "ticket.updated" and WATCHED_CHANGES & set(event.get("changes") or {})
    ):
        await _change(rt, event["subject"]["id"], at, _reconcile(rt))
    elif kind == "message.created":
        await _on_message(rt, event, at)


async def _on_message(rt: Runtime, event: dict[str, Any], at: datetime) -> None:
    message = event.get("data") or {}
    if message.get("kind") != "message" or not message.get("conversation_id"):
        return
    sender = (message.get("sender") or {}).get("type")
    replied = message.get("direction") == "out" and sender == "agent"
    if not replied and message.get("direction") != "in":
        return  # the bot's, a rule's or the system's messages stop no clock
    conversation = await rt.store["conversations"].find_one(
        {"_id": ObjectId(message["conversation_id"])}
    )
    if conversation is None:
        return
    if not conversation.get("ticket_id"):
        await _conversation_clock(rt, conversation, at, replied)
        return
    ticket = await tickets.survivor(
        rt, await rt.store["tickets"].find_one({"_id": conversation["ticket_id"]})
    )
    if ticket is None:
        return
    if replied:
        await _change(rt, ticket["_id"], at, _replied(rt))
    elif message.get("direction") == "in":
        await _change(rt, ticket["_id"], at, _customer_wrote(rt))


async def _conversation_clock(
    rt: Runtime, conversation: dict[str, Any], at: datetime, replied: bool
) -> None:
    """A conversation that is not a ticket shows when its first response is due."""
    if replied:
        await conversations.set_response_due(rt, conversation["_id"], None)
        return
    if conversation.get("response_due_at") is not None:
        return
    contact = await rt.store["contacts"].find_one({"_id": conversation["contact_id"]})
    policy = await sla_policies.matching(rt, conversation, contact)
    priority = conversation.get("priority") or "medium"
    minutes = ((policy or {}).get("targets", {}).get(priority) or {}).get("first_response")
    if not minutes:
        return
    calendar = await business_hours.load(rt, policy.get("calendar_id"))
    await conversations.set_response_due(rt, conversation["_id"], calendar.add(at, minutes))


async def _change(rt: Runtime, ticket_id: Any, at: datetime, compute: Compute) -> None:
    """Apply `compute` (ticket, at -> new sla or None) under the ticket's SLA version."""
    for _ in range(5):
        ticket = await rt.store["tickets"].find_one({"_id": ticket_id})
        if ticket is None:
            return
        new = await compute(ticket, at)
        current = ticket.get("sla")
        if new == current:
            return
        if new is not None:
            new = {**new, **_summary(new), "version": (current or {}).get("version", 0) + 1}
        guard = {"sla.version": current["version"]} if current else {"sla": None}
        due = (new or {}).get("next_due_at")
        sets = {"sla": new, "rank": tickets.rank(ticket.get("due_at"), ticket["priority"], due)}
        updated = await rt.store["tickets"].find_one_and_update(
            {"_id": ticket_id, **guard},
            {"$set": sets, "$inc": {"revision": 1}},
            return_document=True,
        )
        if updated is not None:
            changes = {"sla": {"from": _state(current), "to": _state(new)}}
            await tickets.emit_ticket(rt, EventType.TICKET_UPDATED, updated, SYSTEM, changes)
            return
    log.warning("SLA of ticket %s not updated: it kept changing", ticket_id)


def _state(sla: dict[str, Any] | None) -> str | None:
    return SlaOut.of(sla).state if sla else None


# ---- what each event does --------------------------------------------------------------


def _reconcile(rt: Runtime) -> Compute:
    """Match the ticket's clocks to its policy and status; when the policy's calendar (or its
    revision) or warning share changed, running clocks are planned again from now."""

    async def compute(ticket: dict[str, Any], at: datetime) -> dict[str, Any] | None:
        if ticket.get("merged_into"):
            return _ended(await _calendar_of(rt, ticket.get("sla")), ticket.get("sla"), at)
        contact = await rt.store["contacts"].find_one({"_id": ticket["contact_id"]})
        policy = await sla_policies.matching(rt, ticket, contact)
        current = ticket.get("sla")
        if policy is None:
            return None if current is None else _ended(await _calendar_of(rt, current), current, at)
        calendar = await business_hours.load(rt, policy.get("calendar_id"))
        promised = policy["targets"].get(ticket["priority"]) or {}
        replan = current is not None and (
            current.get("calendar_id") != policy.get("calendar_id")
            or current.get("calendar_revision") != calendar.revision
            or current.get("warning_percent") != policy["warning_percent"]
        )
        sla = {**_with_policy(current, policy), "calendar_revision": calendar.revision}
        targets = dict(sla["targets"])
        paused = ticket["status"] in policy["pause_statuses"]
        for name in ("first_response", "resolution"):
            minutes = promised.get(name)
            if name not in targets and minutes and ticket["status"] not in DONE:
                targets[name] = sla_clock.start(
                    calendar, minutes, ticket["created_at"], policy["warning_percent"], paused
                )
                if name == "first_response" and await _answered_before(rt, ticket):
                    targets[name] = sla_clock.meet(calendar, targets[name], ticket["created_at"])
            elif name in targets and minutes:
                targets[name] = sla_clock.retarget(
                    calendar, targets[name], minutes, at, policy["warning_percent"]
                )
        next_minutes = promised.get("next_response")
        if "next_response" in targets and next_minutes:
            targets["next_response"] = sla_clock.retarget(
                calendar, targets["next_response"], next_minutes, at, policy["warning_percent"]
            )
        targets = _follow_status(calendar, targets, ticket["status"], paused, at, policy)
        if replan:
            targets = {
                name: sla_clock.replan(calendar, target, at, policy["warning_percent"])
                for name, target in targets.items()
            }
        return {**sla, "targets": targets, "paused": paused and ticket["status"] not in DONE}

    return compute


async def _answered_before(rt: Runtime, ticket: dict[str, Any]) -> bool:
    """A person had already answered the customer when the conversation became a ticket: its
    first response is given (met as the ticket is made), not waited for."""
    answered = await rt.store["conversations"].find_one(
        {
            "_id": {"$in": ticket.get("conversation_ids") or []},
            "first_agent_reply_at": {"$lte": ticket["created_at"]},
        },
        {"_id": 1},
    )
    return answered is not None


def _follow_status(
    calendar: Calendar,
    targets: dict[str, Any],
    status: str,
    paused: bool,
    at: datetime,
    policy: dict[str, Any],
) -> dict[str, Any]:
    followed = {}
    for name, target in targets.items():
        if status in DONE:
            end = sla_clock.meet if name == "resolution" else sla_clock.stop
            followed[name] = end(calendar, target, at)
        elif paused:
            followed[name] = sla_clock.pause(calendar, target, at)
        else:
            followed[name] = sla_clock.resume(calendar, target, at, policy["warning_percent"])
    return followed


def _replied(rt: Runtime) -> Compute:
    async def compute(ticket: dict[str, Any], at: datetime) -> dict[str, Any] | None:
        sla = ticket.get("sla")
        if sla is None:
            return None
        calendar = await _calendar_of(rt, sla)
        targets = dict(sla["targets"])
        for name in ("first_response", "next_response"):
            target = targets.get(name)
            if target is not None and not sla_clock.finished(target):
                targets[name] = _counted(sla_clock.meet(calendar, target, at), target)
        return {**sla, "targets": targets}

    return compute


def _counted(met: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """A next-response target keeps how many replies it measured and how many were late."""
    if "cycles" not in before:
        return met
    late = 1 if met["late_minutes"] else 0
    return {**met, "cycles": before["cycles"] + 1, "late_cycles": before["late_cycles"] + late}


def _customer_wrote(rt: Runtime) -> Compute:
    async def compute(ticket: dict[str, Any], at: datetime) -> dict[str, Any] | None:
        sla = ticket.get("sla")
        if sla is None or ticket["status"] in DONE:
            return sla
        first = sla["targets"].get("first_response")
        if first is not None and not sla_clock.finished(first):
            return sla  # still waiting for the first reply: that clock covers it
        current = sla["targets"].get("next_response")
        if current is not None and not sla_clock.finished(current):
            return sla  # already waiting for a reply
        policy = await rt.store["sla_policies"].find_one({"_id": sla["policy_id"]})
        minutes = ((policy or {}).get("targets", {}).get(ticket["priority"]) or {}).get(
            "next_response"
        )
        if not minutes:
            return sla
        calendar = await _calendar_of(rt, sla)
        fresh = sla_clock.start(calendar, minutes, at, sla["warning_percent"], sla["paused"])
        counts = {k: (current or {}).get(k, 0) for k in ("cycles", "late_cycles")}
        return {**sla, "targets": {**sla["targets"], "next_response": {**fresh, **counts}}}

    return compute


def _with_policy(current: dict[str, Any] | None, policy: dict[str, Any]) -> dict[str, Any]:
    base = current or {"targets": {}, "version": 0}
    return {
        **base,
        "policy_id": policy["_id"],
        "policy_name": policy["name"],
        "calendar_id": policy.get("calendar_id"),
        "warning_percent": policy["warning_percent"],
    }


def _ended(calendar: Calendar, sla: dict[str, Any] | None, at: datetime) -> dict[str, Any] | None:
    """No policy covers the ticket any more: its clocks stop, what was measured stays."""
    if sla is None:
        return None
    targets = {name: sla_clock.stop(calendar, t, at) for name, t in sla["targets"].items()}
    return {**sla, "targets": targets, "paused": False}


async def _calendar_of(rt: Runtime, sla: dict[str, Any] | None) -> Calendar:
    return await business_hours.load(rt, (sla or {}).get("calendar_id"))


def _summary(sla: dict[str, Any]) -> dict[str, Any]:
    """What the list order and `sla_tick` read: the next due time and the next check."""
    running = [t for t in sla["targets"].values() if sla_clock.running(t)]
    checks = [c for t in running if (c := sla_clock.next_check(t)) is not None]
    return {
        "next_due_at": min((t["due_at"] for t in running), default=None),
        "next_check_at": min(checks, default=None),
    }


async def reapply(rt: Runtime) -> int:
    """After a policy or calendar changed: bring every open ticket's clocks in line, a batch at
    a time in id order; returns how many tickets were looked at."""
    seen, after = 0, None
    while True:
        query: dict[str, Any] = {"status": {"$in": list(OPEN_TICKET_STATUSES)}}
        if after is not None:
            query["_id"] = {"$gt": after}
        batch = (
            await rt.store["tickets"]
            .find(query, projection={"_id": 1}, sort=[("_id", 1)], limit=BATCH)
            .to_list(None)
        )
        for ticket in batch:
            await _change(rt, ticket["_id"], clock.now(), _reconcile(rt))
        seen += len(batch)
        if len(batch) < BATCH:
            return seen
        after = batch[-1]["_id"]


# ---- the tick --------------------------------------------------------------------------------


async def tick(rt: Runtime) -> int:
    """Emit the warnings and breaches now due; returns how many events were emitted."""
    now = clock.now()
    cursor = rt.store["tickets"].find(
        {"sla.next_check_at": {"$lte": now}}, sort=[("sla.next_check_at", 1)], limit=BATCH
    )
    emitted = 0
    async for ticket in cursor:
        for name, target in ticket["sla"]["targets"].items():
            emitted += await _cross(rt, ticket, name, target, now)
        await _change(rt, ticket["_id"], now, _resummarised)
    return emitted


async def _resummarised(ticket: dict[str, Any], at: datetime) -> dict[str, Any] | None:
    """Recompute the summary (the next check moved on after a warning or a breach)."""
    sla = ticket.get("sla")
    if sla is None:
        return None
    summary = _summary(sla)
    return sla if all(sla.get(k) == v for k, v in summary.items()) else {**sla, **summary}


async def _cross(
    rt: Runtime, ticket: dict[str, Any], name: str, target: dict[str, Any], now: datetime
) -> int:
    if not sla_clock.running(target):
        return 0
    emitted = 0
    for marker, moment, kind in (
        ("warned_at", "warn_at", EventType.SLA_WARNING),
        ("breached_at", "due_at", EventType.SLA_BREACHED),
    ):
        if target[marker] is not None or target[moment] > now:
            continue
        path = f"sla.targets.{name}"
        claimed = await rt.store["tickets"].find_one_and_update(
            {
                "_id": ticket["_id"],
                f"{path}.{marker}": None,
                f"{path}.{moment}": target[moment],
                f"{path}.met_at": None,
            },
            {"$set": {f"{path}.{marker}": now}, "$inc": {"sla.version": 1}},
            return_document=True,
        )
        if claimed is None:
            continue  # another tick got there first, or the target changed meanwhile
        data = {
            **TicketOut.of(claimed).model_dump(mode="json"),
            "sla_target": name,
            "sla_due_at": clock.iso(target["due_at"]),
        }
        await emit(
            rt,
            kind,
            subject_type="ticket",
            subject_id=ticket["_id"],
            data=data,
            scope=tickets.scope(claimed),
            actor=SYSTEM,
        )
        emitted += 1
    return emitted
