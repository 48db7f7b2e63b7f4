"""The demo seed: teams, agents, a channel of each kind, a few conversations on each and
tickets for some, so a newcomer opens a populated inbox. Everything goes through the real
services."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from connectors.base import Attachment, ChannelRef, Inbound, InboundKind, Sender
from inbox import clock, search
from inbox.auth import Principal
from inbox.events import Actor
from inbox.models.agents import AgentCreate, AssignmentMethod, TeamCreate
from inbox.models.common import Priority
from inbox.models.contacts import AttributeCreate, ContactCreate, ContactFields
from inbox.models.conversations import ConversationPatch, ConversationStatus, MessageCreate
from inbox.models.tickets import CategoryCreate, TicketFields, TicketPromote
from inbox.portal import config as portal_config
from inbox.portal import departments
from inbox.runtime import Runtime
from inbox.services import agents, channels, conversations, ingest, messages, replies, teams
from inbox.services.contacts import attributes
from inbox.services.contacts import records as contacts
from inbox.services.tickets import categories
from inbox.services.tickets import lifecycle as tickets

DEMO_PASSWORD = "demo-password"  # noqa: S105  (printed for newcomers; demo data only)
DEMO_AGENT_EMAILS = ("lan@demo.example", "minh@demo.example", "thu@demo.example")
MARKER = "demo_seeded"
AUTOMATION_DEMO = "automations.demo"
"""Seeds rules, SLA, shortcuts and the bot; named, not imported, as the core does not depend
on automation code."""
DEMO_ACTOR = Actor(type="system", name="Demo setup")

TEAMS = [
    ("Support", AssignmentMethod.ROUND_ROBIN, 0),
    ("Billing", AssignmentMethod.LEAST_LOADED, 0),
    ("Technical", AssignmentMethod.MANUAL, 1),
]
AGENTS = [
    ("lan@demo.example", "Lan Nguyễn", "Support", 0),
    ("minh@demo.example", "Minh Trần", "Billing", 0),
    ("thu@demo.example", "Thu Lê", "Technical", 1),
]
CHANNELS = [
    ("telegram", "Shop bot", {"bot_username": "demo_shop_bot"}),
    ("facebook", "Shop page", {"page_id": "demo"}),
    ("zalo", "Shop OA", {"oa_id": "demo"}),
    ("email", "support@shop.example", {"address": "support@shop.example"}),
]

ATTRIBUTES = [
    AttributeCreate(
        key="plan", label="Plan", type="select", options=["free", "silver", "gold"], on_card=True
    ),
    AttributeCreate(key="birthday", label="Birthday", type="date"),
]
# A customer's details an agent added, by the name they wrote under.
CONTACT_DETAILS = {
    "Nguyễn Thị Lan Anh": ContactFields(
        phones=["0912 345 678"], tags=["vip"], attributes={"plan": "gold"}
    ),
    "Phạm Minh Châu": ContactFields(phones=["0903 555 010"], attributes={"plan": "silver"}),
    "Sarah Johnson": ContactFields(tags=["b2b"], attributes={"plan": "free"}),
}
WALK_IN = ContactCreate(
    name="Chị Châu (cửa hàng Q1)",
    phones=["+84903555010"],
    emails=["chau.pham@example.com"],
    notes="Came to the Q1 shop about a warranty; the same number writes on Zalo.",
)
"""Entered by hand: shares a phone with a Zalo customer, so a merge is suggested."""

CATEGORIES = {"Orders": ["Delivery", "Returns"], "Payments": ["Refunds"], "Technical": []}

# (channel kind, customer, messages in order: ("in", text) | ("reply"|"note", agent, text),
#  then the conversation's final state)
CONVERSATIONS: list[dict[str, Any]] = [
    {
        "channel": "telegram",
        "customer": Sender("1001", "Nguyễn Thị Lan Anh", language="vi"),
        "thread": [
            ("in", "Chào shop, đơn hàng #DH1024 của mình giao chưa ạ?"),
            (
                "reply",
                "lan@demo.example",
                "Chào chị, đơn #DH1024 đang được giao, dự kiến chiều nay ạ.",
            ),
            ("in", "Dạ cảm ơn shop nhiều!"),
        ],
        "state": {"team": "Support", "status": ConversationStatus.OPEN},
        "ticket": {
            "title": "Đơn #DH1024 giao chậm",
            "by": "lan@demo.example",
            "category": ("Orders", "Delivery"),
            "due_hours": 20,
            "deal_ref": "DH1024",
        },
    },
    {
        "channel": "facebook",
        "customer": Sender("2001", "Tran Van Binh", language="en"),
        "thread": [
            ("in", "Hi, I was charged twice for order #DH0998. Can you refund one of them?"),
            (
                "note",
                "minh@demo.example",
                "Two captures in the payment log. Refund pending approval.",
            ),
        ],
        "state": {"team": "Billing", "priority": Priority.HIGH, "assign": None},
        "ticket": {
            "title": "Charged twice for order #DH0998",
            "by": "minh@demo.example",
            "category": ("Payments", "Refunds"),
            "due_hours": -2,
            "deal_ref": "DH0998",
            "tags": ["refund", "payment"],
        },
    },
    {
        "channel": "zalo",
        "customer": Sender("3001", "Phạm Minh Châu", language="vi"),
        "thread": [
            ("in", "Sản phẩm mình nhận bị lỗi nút nguồn, mình muốn đổi trả."),
            (
                "reply",
                "lan@demo.example",
                "Dạ shop xin lỗi ạ. Anh/chị gửi giúp shop ảnh sản phẩm và mã đơn nhé.",
            ),
        ],
        "state": {"team": "Support", "status": ConversationStatus.PENDING},
        "ticket": {
            "title": "Đổi trả: lỗi nút nguồn",
            "by": "lan@demo.example",
            "category": ("Orders", "Returns"),
            "status": "pending",
        },
    },
    {
        "channel": "email",
        "customer": Sender("sarah@example.com", "Sarah Johnson", email="sarah@example.com"),
        "thread": [
            ("in", "Hello, could you send me the VAT invoice for my October orders? Thanks, Sarah"),
            (
                "reply",
                "minh@demo.example",
                "Hi Sarah, the invoice is attached to your account page now. Best, Minh",
            ),
        ],
        "state": {"team": "Billing", "status": ConversationStatus.RESOLVED},
    },
    {
        "channel": "telegram",
        "customer": Sender("1002", "Hoàng Đức", language="vi"),
        "thread": [
            ("photo", "Màn hình laptop bị sọc như thế này sau khi cập nhật driver"),
        ],
        "state": {"team": "Technical", "priority": Priority.URGENT},
        "ticket": {
            "title": "Laptop screen stripes after a driver update",
            "by": "thu@demo.example",
            "category": ("Technical",),
            "due_hours": 3,
        },
    },
    {
        "channel": "facebook",
        "customer": Sender("2002", "Linh Đặng", language="vi"),
        "thread": [("in", "Shop ơi áo sơ mi trắng còn size M không ạ?")],
        "state": {},
    },
]


async def seed(rt: Runtime) -> bool:
    """Add the demo data once; returns False when it was already there."""
    try:
        await rt.store["counters"].insert_one({"_id": MARKER, "at": clock.now()})
    except DuplicateKeyError:
        return False
    team_ids = {}
    for name, method, level in TEAMS:
        team = await teams.create(rt, TeamCreate(name=name, assignment=method, level=level))
        team_ids[name] = team["_id"]
    principals = {}
    for email, name, team, level in AGENTS:
        agent = await agents.create(
            rt,
            AgentCreate(
                email=email,
                name=name,
                password=DEMO_PASSWORD,
                team_ids=[str(team_ids[team])],
                level=level,
            ),
        )
        principals[email] = Principal.of(agent, "demo")
    refs = {}
    for kind, name, info in CHANNELS:
        refs[kind] = channels.ref(rt, await channels.create_demo(rt, kind, name, info))
    await importlib.import_module(AUTOMATION_DEMO).seed(
        rt,
        team_ids,
        {team: principals[email].id for email, _, team, _ in AGENTS},
        ObjectId(refs["telegram"].id),
    )
    category_ids = await _categories(rt)
    for number, script in enumerate(CONVERSATIONS):
        conversation_id = await _play(
            rt, refs[script["channel"]], script, principals, team_ids, number
        )
        if "ticket" in script and conversation_id:
            await _ticket(rt, conversation_id, script["ticket"], principals, category_ids)
    await _contact_details(rt)
    await _portal(rt, refs["email"], team_ids)
    return True


PORTAL_DEPARTMENTS = [
    ("Giao hàng & đơn hàng", "Phí ship, thời gian giao, theo dõi đơn", "Support", (0, 1)),
    ("Đổi trả & bảo hành", "Đổi size, trả hàng, bảo hành", "Support", (2,)),
    ("Thanh toán & hóa đơn", "Hoàn tiền, hóa đơn VAT", "Billing", ()),
]
"""Name, description, team, and which of the demo FAQ entries (in their order) come first."""


async def _portal(rt: Runtime, email: ChannelRef, team_ids: dict[str, Any]) -> None:
    """The customer portal, sending through the demo mailbox, with three departments whose
    FAQ comes first."""
    await portal_config.save(
        rt,
        portal_config.PortalSettings(
            name="Shop Demo",
            email_channel_id=email.id,
            support_hours="Thứ Hai - Thứ Bảy, 8:00-18:00",
        ),
    )
    faqs = await rt.store["faqs"].find({}, sort=[("created_at", 1)]).to_list(None)
    for position, (name, description, team, shown) in enumerate(PORTAL_DEPARTMENTS):
        await departments.create(
            rt,
            departments.DepartmentBody(
                name=name,
                description=description,
                team_id=str(team_ids[team]),
                faq_ids=[str(faqs[n]["_id"]) for n in shown if n < len(faqs)],
                position=position,
            ),
        )


async def _contact_details(rt: Runtime) -> None:
    """Attributes, tags and phones on a few customers, and a walk-in to merge."""
    for definition in ATTRIBUTES:
        await attributes.definitions.create(rt, definition)
    for name, details in CONTACT_DETAILS.items():
        contact = await rt.store["contacts"].find_one(
            {"search_terms": {"$all": search.terms(name)}}
        )
        if contact is not None:
            await contacts.update(rt, contact, details, DEMO_ACTOR)
    await contacts.create(rt, WALK_IN, DEMO_ACTOR)


async def _categories(rt: Runtime) -> dict[tuple[str, ...], str]:
    found: dict[tuple[str, ...], str] = {}
    for name, children in CATEGORIES.items():
        parent = await categories.create(rt, CategoryCreate(name=name))
        found[(name,)] = str(parent["_id"])
        for child in children:
            doc = await categories.create(rt, CategoryCreate(name=child, parent_id=found[(name,)]))
            found[(name, child)] = str(doc["_id"])
    return found


async def _ticket(
    rt: Runtime,
    conversation_id: str,
    script: dict[str, Any],
    principals: dict[str, Principal],
    category_ids: dict[tuple[str, ...], str],
) -> None:
    """Promote the conversation as the agent would, then set the ticket's fields."""
    agent = principals[script["by"]]
    due = clock.now() + timedelta(hours=script["due_hours"]) if "due_hours" in script else None
    body = TicketPromote(title=script["title"], category_id=category_ids[script["category"]])
    ticket = await tickets.promote(rt, conversation_id, body, agent)
    fields = {"assignee_ids": [str(agent.id)], "due_at": due, "tags": script.get("tags", [])}
    for name in ("deal_ref", "status"):
        if name in script:
            fields[name] = script[name]
    await tickets.update(rt, ticket, TicketFields(**fields), agent)


async def _play(
    rt: Runtime,
    channel: ChannelRef,
    script: dict[str, Any],
    principals: dict[str, Principal],
    team_ids: dict[str, Any],
    number: int,
) -> str | None:
    """Play a conversation's script; returns its id."""
    customer: Sender = script["customer"]
    conversation_id = None
    for step, line in enumerate(script["thread"]):
        if line[0] in ("in", "photo"):
            attachments = (
                (Attachment("image", url="/static/img/demo-screen.svg", name="screen.svg"),)
                if line[0] == "photo"
                else ()
            )
            item = Inbound(
                kind=InboundKind.MESSAGE,
                external_id=f"demo-{number}-{step}",
                thread_id=customer.external_id,
                sender=customer,
                text=line[1],
                attachments=attachments,
            )
            result = await ingest.ingest(rt, channel, item)
            message = await messages.get(rt, ObjectId(result.message_id))
            conversation_id = str(message["conversation_id"])
        else:
            kind, email, text = line
            body = MessageCreate(text=text, private=kind == "note")
            await replies.post(rt, conversation_id, body, principals[email])
    await _finish(rt, conversation_id, script["state"], team_ids)
    return conversation_id


async def _finish(
    rt: Runtime, conversation_id: str | None, state: dict[str, Any], team_ids: dict[str, Any]
) -> None:
    if conversation_id is None or not state:
        return
    patch: dict[str, Any] = {}
    if "team" in state:
        patch["team_id"] = str(team_ids[state["team"]])
    if "priority" in state:
        patch["priority"] = state["priority"]
    if "status" in state:
        patch["status"] = state["status"]
    if "assign" in state:
        patch["assignee_id"] = state["assign"]
    conversation = await conversations.get(rt, ObjectId(conversation_id))
    await conversations.update(rt, conversation, ConversationPatch(**patch), DEMO_ACTOR)
