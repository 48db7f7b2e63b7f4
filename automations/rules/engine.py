"""Runs the rules for each event (a worker event handler), predictably and explainably.

- Rules for the event's type run in position order; a matching rule with stop_processing ends
  the event's processing.
- A rule runs at most once per event: the event's log entry (one document per event in
  `rule_runs`, under the event's id) is written before any rule acts, so an event delivered
  twice changes nothing twice.
- Changes made by actions emit events caused by this one, one level deeper; rules do not run
  on events `MAX_CHAIN` levels deep, so rules that feed each other stop.
- Every run is logged: matched or not, which conditions failed, what each action did.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from automations.rules import actions, conditions, fields, runners
from automations.rules import definitions as rules
from automations.rules.fields import Context
from inbox import business_hours, clock, events
from inbox.events import Actor
from inbox.models.tickets import ticket_number
from inbox.runtime import Runtime

log = logging.getLogger(__name__)

MAX_CHAIN = 3
"""Rules react to changes made by at most this many rule runs in a row."""


async def on_event(rt: Runtime, event: dict[str, Any]) -> None:
    """An event handler: run the enabled rules for this event."""
    candidates = await _candidates(rt, event)
    if not candidates:
        return
    context = await fields.context_for(rt, event)
    planned = _plan(candidates, context, await _opening_hours(rt, candidates))
    if not await _log(rt, event, context, planned):
        return  # an earlier delivery of this event ran the rules
    for index, (rule, verdict) in enumerate(planned):
        if verdict["status"] == "running":
            outcomes = await _act(rt, rule, context, run_id(event["_id"], rule["_id"]))
            await _finish(rt, event["_id"], index, outcomes)


def _plan(
    candidates: list[dict[str, Any]], context: Context, is_open: conditions.IsOpen
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each rule with what becomes of it: matched (then "running"), not matched, skipped after a
    rule that stops processing, or stopped at the end of a chain. Conditions see the event's
    subject as it was, so deciding first and acting after is the same as interleaving."""
    planned = []
    stopped_by: str | None = None
    depth = context.event.get("depth", 0)
    for rule in candidates:
        if stopped_by is not None:
            note = runners.said(
                runners.N_("not run: rule «{rule}» stopped processing"), rule=stopped_by
            )
            planned.append((rule, {"status": "skipped", **_noted(note)}))
            continue
        verdict = conditions.evaluate(rule["conditions"], context, is_open)
        if not verdict.matched:
            not_met = {"failed": verdict.failed, "unmet": verdict.unmet}
            planned.append((rule, {"status": "not_matched", **not_met}))
        elif depth >= MAX_CHAIN:
            log.warning("rule %r stopped in a chain on %s", rule["name"], context.event["_id"])
            note = runners.said(
                runners.N_("matched but not run: {count} rules already acted in a row"),
                count=MAX_CHAIN,
            )
            planned.append((rule, {"status": "stopped", **_noted(note)}))
        else:
            planned.append((rule, {"status": "running"}))
            if rule["stop_processing"]:
                stopped_by = rule["name"]
    return planned


async def _candidates(rt: Runtime, event: dict[str, Any]) -> list[dict[str, Any]]:
    if event["type"] not in rules.RULE_EVENTS:
        return []
    if (event.get("data") or {}).get("kind") == "activity":
        return []  # the thread's own bookkeeping lines are not news
    found = await rules.for_event(rt, event["type"])
    if event["type"] == rules.TIME_EVENT:  # a time event is for the one rule that fired it
        wanted = (event.get("data") or {}).get("rule_id")
        found = [rule for rule in found if str(rule["_id"]) == wanted]
    return found


def rule_actor(rule: dict[str, Any]) -> Actor:
    return Actor(type="rule", id=str(rule["_id"]), name=rule["name"])


async def _act(
    rt: Runtime, rule: dict[str, Any], context: Context, run_id: Any
) -> list[dict[str, Any]]:
    """Run the actions in order; one failing does not stop the others."""
    outcomes = []
    with events.acting_on(context.event):
        for index, stored in enumerate(rule["actions"]):
            step = runners.Step(run_id, index)
            outcome = await runners.run(rt, stored, context, rule_actor(rule), step)
            outcomes.append(outcome.as_dict())
    return outcomes


async def _opening_hours(rt: Runtime, candidates: list[dict[str, Any]]) -> conditions.IsOpen:
    """The calendars the rules' business-hours conditions name, loaded once per event."""
    wanted = {
        leaf.get("value")
        for rule in candidates
        for leaf in conditions.fields_used(rule["conditions"])
        if leaf["operator"] == "within_business_hours"
    }
    calendars = {
        calendar_id: await business_hours.load(rt, _oid(calendar_id)) for calendar_id in wanted
    }

    def is_open(calendar_id: str | None, moment: str) -> bool:
        return calendars[calendar_id].is_open(datetime.fromisoformat(moment.replace("Z", "+00:00")))

    return is_open


def _oid(value: str | None) -> ObjectId | None:
    return ObjectId(value) if value else None


# ---- the run log --------------------------------------------------------------------------


def run_id(event_id: Any, rule_id: Any) -> str:
    """Names one rule's run on one event (for webhook calls and once-only sends)."""
    return f"{event_id}-{rule_id}"


def parse_run_id(value: str) -> tuple[ObjectId, ObjectId] | None:
    event_id, _, rule_id = value.partition("-")
    if not (ObjectId.is_valid(event_id) and ObjectId.is_valid(rule_id)):
        return None
    return ObjectId(event_id), ObjectId(rule_id)


async def _log(
    rt: Runtime,
    event: dict[str, Any],
    context: Context,
    planned: list[tuple[dict[str, Any], dict[str, Any]]],
) -> bool:
    """Log every rule's run on the event in one document under the event's id; False when it
    exists already (the event was delivered before). One document keeps the cost per rule low."""
    runs = [{"rule_id": rule["_id"], **verdict} for rule, verdict in planned]
    entry = {
        "_id": event["_id"],
        "at": clock.now(),
        "type": event["type"],
        "depth": event.get("depth", 0),
        "conversation_id": (context.conversation or {}).get("_id"),
        "ticket_number": ticket_number(context.ticket["seq"]) if context.ticket else None,
        "runs": runs,
    }
    if any(run["status"] == "running" for run in runs):
        entry["values"] = context.values  # what webhook actions send
    try:
        await rt.store["rule_runs"].insert_one(entry)
    except DuplicateKeyError:
        return False
    return True


async def _finish(rt: Runtime, event_id: Any, index: int, outcomes: list[dict[str, Any]]) -> None:
    done = {f"runs.{index}.status": "matched", f"runs.{index}.actions": outcomes}
    await rt.store["rule_runs"].update_one({"_id": event_id}, {"$set": done})


async def runs_of(rt: Runtime, rule_id: Any, limit: int = 50) -> list[dict[str, Any]]:
    """The rule's latest runs, newest first, each with what its event was about."""
    cursor = rt.store["rule_runs"].find({"runs.rule_id": rule_id}, sort=[("at", -1)], limit=limit)
    found = []
    async for entry in cursor:
        run = next(r for r in entry["runs"] if r["rule_id"] == rule_id)
        found.append({**run, "event": {k: v for k, v in entry.items() if k != "runs"}})
    return found


def _noted(note: runners.Said) -> dict[str, Any]:
    """A run's note in English and as words for the reader's language."""
    return {"note": str(note), "note_words": note.as_dict()}


def run_view(run: dict[str, Any]) -> dict[str, Any]:
    event = run["event"]
    return {
        "id": run_id(event["_id"], run["rule_id"]),
        "event_id": str(event["_id"]),
        "event_type": event["type"],
        "depth": event["depth"],
        "at": clock.iso(event["at"]),
        "status": run["status"],
        "failed": run.get("failed", []),
        "unmet": run.get("unmet", []),
        "actions": run.get("actions", []),
        "note": run.get("note"),
        "note_words": run.get("note_words"),
        "webhooks": run.get("webhooks", []),
        "conversation_id": str(event["conversation_id"]) if event["conversation_id"] else None,
        "ticket_number": event["ticket_number"],
    }


# ---- dry runs -------------------------------------------------------------------------------


async def dry_run(rt: Runtime, rule: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """What the rule would do for this event; changes nothing and logs nothing."""
    context = await fields.context_for(rt, event)
    verdict = conditions.evaluate(rule["conditions"], context, await _opening_hours(rt, [rule]))
    return {
        "matched": verdict.matched,
        "failed": verdict.failed,
        "unmet": verdict.unmet,
        "actions": [actions.describe(a) for a in rule["actions"]] if verdict.matched else [],
        "values": context.values,
    }
