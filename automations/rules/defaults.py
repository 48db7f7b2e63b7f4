"""What every installation has from its first start: the SLA breach rule (editable, not
removable), created once even when several web processes start together."""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from automations.rules import definitions as rules
from inbox import clock
from inbox.runtime import Runtime

MARKER = "default_rules_v1"
SLA_BREACH_RULE = rules.RuleBody(
    name="Escalate SLA breaches",
    event="sla.breached",
    conditions={"all": []},
    actions=[
        {
            "type": "escalate",
            "next_level": True,
            "summary": "{{ticket.number}} missed its {{sla.target}} target (due {{sla.due_at}}).",
        },
        {
            "type": "notify",
            "team_lead": True,
            "text": "{{ticket.number}} missed its {{sla.target}} target and went up a level.",
        },
    ],
)


async def ensure(rt: Runtime) -> None:
    try:
        await rt.store["counters"].insert_one({"_id": MARKER, "at": clock.now()})
    except DuplicateKeyError:
        return
    await rules.create(rt, SLA_BREACH_RULE, {"id": None, "name": "Inbox"}, built_in=True)
