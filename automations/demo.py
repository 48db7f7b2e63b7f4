"""Demo automation: a rule that routes refund requests to Billing, escalation shortcuts, shop
hours with Vietnam's holidays, an SLA policy and team leads, so a newcomer sees rules,
shortcuts and SLA clocks at work in the demo inbox."""

from __future__ import annotations

from typing import Any

from automations.bot import config as bots
from automations.canned import responses as canned
from automations.rules import definitions as rules
from automations.shortcuts import macros
from automations.sla import calendars
from automations.sla import policies as sla_policies
from inbox.models.agents import TeamPatch
from inbox.runtime import Runtime
from inbox.services import faqs as faq
from inbox.services import teams

DEMO_AUTHOR = {"id": None, "name": "Demo setup"}


SHOP_HOURS = calendars.CalendarBody(
    name="Shop hours",
    timezone="Asia/Ho_Chi_Minh",
    hours={
        **{
            day: [["08:00", "12:00"], ["13:30", "17:30"]]
            for day in ("mon", "tue", "wed", "thu", "fri")
        },
        "sat": [["08:00", "12:00"]],
    },
    holidays=calendars.Holidays(country="VN"),
)
CANNED = [
    (
        "hello",
        "Chào hỏi",
        "Chào {{contact.name}}, mình là {{agent.name}}. Mình có thể giúp gì ạ?",
        None,
    ),
    (
        "refund",
        "Đã hoàn tiền",
        "Chào {{contact.name}}, shop đã hoàn tiền cho yêu cầu {{ticket.number}}; "
        "tiền sẽ về tài khoản trong 3 đến 5 ngày làm việc.",
        "Billing",
    ),
]
STANDARD_SLA = {
    "urgent": {"first_response": 30, "next_response": 60, "resolution": 240},
    "high": {"first_response": 60, "next_response": 120, "resolution": 480},
    "medium": {"first_response": 240, "next_response": 240, "resolution": 1440},
    "low": {"first_response": 480, "next_response": 480, "resolution": 2880},
}


FAQS = [
    faq.FaqBody(
        question="Phí giao hàng là bao nhiêu?",
        variants=["Ship bao nhiêu tiền", "How much is shipping?"],
        keywords=["phí ship", "shipping fee"],
        answer="Miễn phí giao hàng cho đơn từ 300.000đ; đơn nhỏ hơn phí 25.000đ.",
    ),
    faq.FaqBody(
        question="Bao lâu thì nhận được hàng?",
        variants=["Khi nào giao hàng tới", "How long does delivery take?"],
        keywords=["thời gian giao hàng"],
        answer="Nội thành 1 đến 2 ngày, tỉnh khác 3 đến 5 ngày làm việc.",
    ),
    faq.FaqBody(
        question="Làm sao để đổi trả sản phẩm?",
        variants=["Tôi muốn trả hàng", "How do I return an item?"],
        keywords=["đổi trả", "return"],
        answer="Trong 7 ngày kể từ khi nhận hàng, nhắn mã đơn để shop gửi hướng dẫn đổi trả.",
    ),
]


async def _seed_bot(rt: Runtime, channel_id: Any, team_ids: dict[str, Any]) -> None:
    """FAQ entries and a bot on the demo Telegram channel, switched off: a demo channel cannot
    receive messages, but the set-up shows what a bot looks like."""
    for entry in FAQS:
        await faq.create(rt, entry)
    body = bots.BotBody(
        enabled=False,
        greeting="Chào bạn! Mình là trợ lý của shop.",
        options=[
            bots.MenuOption(
                label="Thanh toán", team_id=str(team_ids["Billing"]), questions=["Mã đơn hàng?"]
            ),
            bots.MenuOption(label="Kỹ thuật", team_id=str(team_ids["Technical"])),
            bots.MenuOption(label="Khác", team_id=str(team_ids["Support"])),
        ],
        out_of_hours="Shop đang nghỉ; nhân viên sẽ trả lời bạn từ 8:00 sáng.",
    )
    await bots.save(rt, channel_id, body)


async def seed(
    rt: Runtime, team_ids: dict[str, Any], lead_ids: dict[str, Any], bot_channel_id: Any
) -> None:
    """Call before the demo conversations play, so their tickets get SLA clocks."""
    await _seed_bot(rt, bot_channel_id, team_ids)
    for team, lead in lead_ids.items():
        doc = await teams.get(rt, team_ids[team])
        await teams.update(rt, doc, TeamPatch(lead_id=str(lead)))
    shop_hours = await calendars.create(rt, SHOP_HOURS)
    await sla_policies.create(
        rt,
        sla_policies.PolicyBody(
            name="Standard", calendar_id=str(shop_hours["_id"]), targets=STANDARD_SLA
        ),
    )
    billing, technical = str(team_ids["Billing"]), str(team_ids["Technical"])
    for shortcode, title, text, team in CANNED:
        team_id = str(team_ids[team]) if team else None
        body = canned.CannedBody(shortcode=shortcode, title=title, text=text, team_id=team_id)
        await canned.create(rt, body, None)
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
