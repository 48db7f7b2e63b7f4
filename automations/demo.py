"""Demo automation: a rule that routes refund requests to Billing, and escalation shortcuts,
so a newcomer sees rules and shortcuts at work in the demo inbox."""

from __future__ import annotations

from typing import Any

from automations import macros, rules
from inbox.runtime import Runtime

DEMO_AUTHOR = {"id": None, "name": "Demo setup"}


async def seed(rt: Runtime, team_ids: dict[str, Any]) -> None:
    billing, technical = str(team_ids["Billing"]), str(team_ids["Technical"])
    refund_rule = rules.RuleBody(
        name="Refund requests go to Billing",
        event="message.created",
        conditions={
            "all": [
                {"field": "message.direction", "operator": "equals", "value": "in"},
                {"field": "conversation.team_id", "operator": "not_equals", "value": billing},
                {
                    "any": [
                        {"field": "message.text", "operator": "contains", "value": "refund"},
                        {"field": "message.text", "operator": "contains", "value": "hoàn tiền"},
                    ]
                },
            ]
        },
        actions=[
            {"type": "assign_team", "team_id": billing},
            {"type": "assign_agent", "method": "team_default"},
            {"type": "add_tag", "tag": "refund"},
            {
                "type": "send_reply",
                "template": "Hi {{contact.name}}, our Billing team has your refund request "
                "and will get back to you shortly.",
            },
        ],
    )
    await rules.create(rt, refund_rule, DEMO_AUTHOR)
    await macros.create(
        rt,
        macros.MacroBody(
            name="Refund dispute",
            description="The customer disputes a refund: Billing takes it, with high priority.",
            inputs=[macros.MacroInput(key="summary")],
            actions=[
                {"type": "escalate", "team_id": billing, "summary": "{{inputs.summary}}"},
                {"type": "set_priority", "priority": "high"},
                {"type": "add_tag", "tag": "refund-dispute"},
            ],
        ),
    )
    await macros.create(
        rt,
        macros.MacroBody(
            name="Technical issue",
            description="Make it a high-priority ticket for the Technical team (L1).",
            inputs=[macros.MacroInput(key="summary")],
            actions=[
                {"type": "promote_to_ticket", "priority": "high"},
                {"type": "escalate", "team_id": technical, "summary": "{{inputs.summary}}"},
                {"type": "add_tag", "tag": "technical"},
            ],
        ),
    )
