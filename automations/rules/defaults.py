"""What every installation has from its first start: the SLA breach rule (editable, not
removable) and the low-rating rule (switchable), each created once even when several web
processes start together, and once on installations that predate it."""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from automations.rules import definitions as rules
from inbox import clock
from inbox.runtime import Runtime

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

LOW_RATING_RULE = rules.RuleBody(
    name="Tell the team lead about low ratings",
    event="csat.received",
    conditions={"all": [{"field": "csat.rating", "operator": "less_than", "value": 3}]},
    actions=[
        {
            "type": "notify",
            "team_lead": True,
            "text": "{{contact.name}} rated {{ticket.number}} {{csat.rating}}/5: {{csat.comment}}",
        },
    ],
)
DEFAULT_RULES = (
    ("default_rules_v1", SLA_BREACH_RULE, True),
    ("default_rule_low_rating", LOW_RATING_RULE, False),
)
"""(marker, rule, built in: not removable)"""


async def ensure(rt: Runtime) -> None:
    for marker, rule, built_in in DEFAULT_RULES:
        try:
            await rt.store["counters"].insert_one({"_id": marker, "at": clock.now()})
        except DuplicateKeyError:
            continue
        await rules.create(rt, rule, {"id": None, "name": "Inbox"}, built_in=built_in)
