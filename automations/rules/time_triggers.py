"""Time rules: "a ticket pending for more than 48 hours". The beat looks every minute for
tickets that have been in a rule's status long enough and fires the rule once per stay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from automations.rules import definitions as rules
from inbox import clock
from inbox.events import SYSTEM, EventType, emit
from inbox.models.tickets import TicketOut
from inbox.runtime import Runtime
from inbox.services.tickets import lifecycle as tickets

BATCH = 500


async def tick(rt: Runtime) -> int:
    """Fire every enabled time rule for the tickets now due; returns how many fired."""
    fired = 0
    for rule in await rules.for_event(rt, rules.TIME_EVENT):
        fired += await _tick_rule(rt, rule)
    return fired


async def _tick_rule(rt: Runtime, rule: dict[str, Any]) -> int:
    """The rule's due tickets after its watermark (where the last batch ended, in the order of
    entry into the status), a batch at a time: each tick reads only tickets it has not seen."""
    after = rule["after"]
    mark_id = f"time_rule:{rule['_id']}:{after['status']}"
    mark = await rt.store["counters"].find_one({"_id": mark_id})
    due = {"$lte": clock.now() - timedelta(hours=after["hours"])}
    query: dict[str, Any] = {"status": after["status"], "status_changed_at": due}
    if mark:
        query = {
            "status": after["status"],
            "$or": [
                {"status_changed_at": {**due, "$gt": mark["since"]}},
                {"status_changed_at": mark["since"], "_id": {"$gt": mark["last_id"]}},
            ],
        }
    cursor = rt.store["tickets"].find(
        query, sort=[("status_changed_at", 1), ("_id", 1)], limit=BATCH
    )
    fired, last = 0, None
    async for ticket in cursor:
        fired += await _fire_once(rt, rule, ticket)
        last = ticket
    if last is not None:
        seen = {"since": last["status_changed_at"], "last_id": last["_id"]}
        await rt.store["counters"].update_one({"_id": mark_id}, {"$set": seen}, upsert=True)
    return fired


async def _fire_once(rt: Runtime, rule: dict[str, Any], ticket: dict[str, Any]) -> int:
    """One event per rule, ticket and stay in the status (claimed under a unique index)."""
    try:
        await rt.store["time_triggers"].insert_one(
            {
                "rule_id": rule["_id"],
                "ticket_id": ticket["_id"],
                "since": ticket["status_changed_at"],
                "at": clock.now(),
            }
        )
    except DuplicateKeyError:
        return 0
    await emit(
        rt,
        EventType.TICKET_TIME_IN_STATUS,
        subject_type="ticket",
        subject_id=ticket["_id"],
        data={**TicketOut.of(ticket).model_dump(), "rule_id": str(rule["_id"])},
        scope=tickets.scope(ticket),
        actor=SYSTEM,
    )
    return 1
