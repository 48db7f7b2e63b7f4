"""Every action, table-driven: a rule on the customer's "go" runs it, then we look at the result."""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from inbox.models.agents import Role
from tests.automations.helpers import (
    add_rule,
    customer_says,
    matched_runs,
    online_agent,
    runs,
    wait_for_run,
)
from tests.conftest import Client, customer_writes, eventually, make_agent, serving
from tests.tickets.helpers import conversation_of


class Setup:
    """What an action case may need: a team with an online agent, the admin client."""

    def __init__(self, admin: Client, rt: Any) -> None:
        self.admin, self.rt = admin, rt
        self.team: dict[str, Any] = {}
        self.agent: dict[str, Any] = {}

    async def team_with_agent(self, level: int = 0) -> None:
        _, self.team = await self.admin.post(
            "/api/v1/teams", json={"name": "Billing", "assignment": "round_robin", "level": level}
        )
        self.agent = await online_agent(self.rt, "bea@example.com", [self.team["id"]], name="Bea")

    async def conversation(self) -> dict[str, Any]:
        return await conversation_of(self.admin)


Check = Callable[[Setup, dict[str, Any]], Awaitable[Any]]


async def ticket_of(setup: Setup) -> dict[str, Any] | None:
    conversation = await setup.conversation()
    if not conversation["ticket_id"]:
        return None
    return (await setup.admin.get(f"/api/v1/tickets/{conversation['ticket_id']}"))[1]


async def thread(setup: Setup) -> list[dict[str, Any]]:
    conversation = await setup.conversation()
    _, page = await setup.admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
    return page["items"]


CASES: list[tuple[str, Callable[[Setup], dict[str, Any]], Check]] = [
    (
        "assign_team",
        lambda s: {"type": "assign_team", "team_id": s.team["id"]},
        lambda s, c: c["team_id"] == s.team["id"],
    ),
    (
        "assign_agent named",
        lambda s: {"type": "assign_agent", "method": "named", "agent_id": str(s.agent["_id"])},
        lambda s, c: c["assignee_id"] == str(s.agent["_id"]),
    ),
    (
        "set_priority",
        lambda s: {"type": "set_priority", "priority": "urgent"},
        lambda s, c: c["priority"] == "urgent",
    ),
    (
        "set_status",
        lambda s: {"type": "set_status", "status": "pending"},
        lambda s, c: c["status"] == "pending",
    ),
    ("add_tag", lambda s: {"type": "add_tag", "tag": "vip"}, lambda s, c: c["tags"] == ["vip"]),
    ("snooze", lambda s: {"type": "snooze", "hours": 2}, lambda s, c: c["status"] == "snoozed"),
    ("resolve", lambda s: {"type": "resolve"}, lambda s, c: c["status"] == "resolved"),
    ("start_bot", lambda s: {"type": "start_bot"}, lambda s, c: c["status"] == "bot"),
    (
        "add_note",
        lambda s: {
            "type": "add_note",
            "template": "VIP {{contact.name}}",
            "mentions": [str(s.agent["_id"])],
        },
        None,
    ),
    (
        "promote_to_ticket",
        lambda s: {"type": "promote_to_ticket", "title": "From {{contact.name}}"},
        None,
    ),
    (
        "notify",
        lambda s: {"type": "notify", "team_id": s.team["id"], "text": "Look at {{contact.name}}"},
        None,
    ),
    ("escalate", lambda s: {"type": "escalate", "level": 2, "summary": "needs a specialist"}, None),
]


async def note_check(setup: Setup, _: dict[str, Any]) -> bool:
    notes = [m for m in await thread(setup) if m["kind"] == "note"]
    found = await setup.rt.store["notifications"].count_documents({"agent_id": setup.agent["_id"]})
    return bool(notes) and notes[0]["text"] == "VIP Khách Hàng" and found == 1


async def promote_check(setup: Setup, _: dict[str, Any]) -> bool:
    ticket = await ticket_of(setup)
    return ticket is not None and ticket["title"] == "From Khách Hàng"


async def notify_check(setup: Setup, _: dict[str, Any]) -> bool:
    found = await setup.rt.store["notifications"].find_one({"agent_id": setup.agent["_id"]})
    return found is not None and found["text"] == "Look at Khách Hàng" and found["kind"] == "rule"


async def escalate_check(setup: Setup, conversation: dict[str, Any]) -> bool:
    return conversation["team_id"] == setup.team["id"] and conversation["assignee_id"] == str(
        setup.agent["_id"]
    )


LATE_CHECKS = {
    "add_note": note_check,
    "promote_to_ticket": promote_check,
    "notify": notify_check,
    "escalate": escalate_check,
}


@pytest.mark.parametrize(("name", "build", "check"), CASES, ids=[c[0] for c in CASES])
async def test_each_action_does_what_it_says(http, admin, rt, telegram_channel, name, build, check):
    setup = Setup(admin, rt)
    await setup.team_with_agent(level=2)
    rule = await add_rule(
        admin,
        name=name,
        event="message.created",
        conditions=customer_says("go"),
        actions=[build(setup)],
    )

    await customer_writes(http, telegram_channel, 1, "go")

    matched = await matched_runs(admin, rule)
    assert matched[0]["actions"][0]["ok"], matched
    check = check or LATE_CHECKS[name]

    async def done() -> bool:
        result = check(setup, await setup.conversation())
        return bool(await result if inspect.isawaitable(result) else result)

    assert await eventually(done)


async def test_round_robin_and_least_loaded_share_work_among_online_agents(
    http, admin, rt, telegram_channel
):
    _, team = await admin.post(
        "/api/v1/teams", json={"name": "Billing", "assignment": "round_robin"}
    )
    ann = await online_agent(rt, "ann@example.com", [team["id"]], name="Ann")
    bob = await online_agent(rt, "bob@example.com", [team["id"]], name="Bob")
    await make_agent(rt, "off@example.com", Role.AGENT, team_ids=[team["id"]])  # offline
    rule = await add_rule(
        admin,
        name="Spread",
        event="conversation.created",
        actions=[{"type": "assign_team", "team_id": team["id"]}, {"type": "assign_agent"}],
    )

    for chat in range(1, 5):
        await customer_writes(http, telegram_channel, chat, "hi")
    await wait_for_run(admin, rule, 4)

    async def assignees() -> list[str]:
        _, page = await admin.get("/api/v1/conversations?limit=10")
        found = [c["assignee_id"] for c in page["items"] if c["assignee_id"]]
        return found if len(found) == 4 else []

    found = await eventually(assignees)
    assert sorted(found) == sorted([str(ann["_id"]), str(bob["_id"])] * 2)


async def test_least_loaded_respects_capacity_and_nobody_available_is_reported(
    http, admin, rt, telegram_channel
):
    _, team = await admin.post(
        "/api/v1/teams", json={"name": "Billing", "assignment": "least_loaded"}
    )
    await online_agent(rt, "ann@example.com", [team["id"]], name="Ann", capacity=1)
    rule = await add_rule(
        admin,
        name="Fill",
        event="conversation.created",
        actions=[{"type": "assign_team", "team_id": team["id"]}, {"type": "assign_agent"}],
    )

    await customer_writes(http, telegram_channel, 1, "first")
    await customer_writes(http, telegram_channel, 2, "second")

    found = await wait_for_run(admin, rule, 2)
    details = sorted(r["actions"][1]["detail"] for r in found)
    assert details == [
        "assigned to Ann",
        "skipped: no agent of the team is online with room for more work",
    ]


async def test_send_reply_renders_the_template_and_goes_out_on_the_channel(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await add_rule(
        admin,
        name="Ack",
        event="message.created",
        conditions=customer_says("go"),
        actions=[
            {
                "type": "send_reply",
                "template": "Chào {{contact.name}}, mã {{conversation.reference}}",
            }
        ],
    )

    await customer_writes(http, telegram_channel, 1, "go")

    async def sent() -> list[str]:
        return [p["text"] for p in fake.sent()]

    (text,) = await eventually(sent)
    conversation = await conversation_of(admin)
    assert text == f"Chào Khách Hàng, mã {conversation['reference']}"


async def test_call_webhook_posts_a_signed_body_and_records_failures(
    http, admin, rt, telegram_channel
):
    received: list[tuple[bytes, str]] = []
    answers = [500, 200]

    async def hook(request: web.Request) -> web.Response:
        received.append((await request.read(), request.headers.get("X-Inbox-Signature-256", "")))
        return web.Response(status=answers.pop(0))

    class Receiver:
        def app(self) -> web.Application:
            app = web.Application()
            app.router.add_post("/hook", hook)
            return app

    async with serving(Receiver()) as (_, base):
        secret = "webhook-secret-0123456789"
        rule = await add_rule(
            admin,
            name="Hook",
            event="message.created",
            conditions=customer_says("go"),
            actions=[{"type": "call_webhook", "url": f"{base}/hook", "secret": secret}],
        )
        assert rule["actions"][0]["secret"] == "••••"
        await customer_writes(http, telegram_channel, 1, "go")

        async def delivered() -> list[dict[str, Any]]:
            matched = [r for r in await runs(admin, rule) if r["status"] == "matched"]
            attempts = matched[0]["webhooks"] if matched else []
            return attempts if len(attempts) == 2 else []

        attempts = await eventually(delivered, timeout=30)

    assert [a["status"] for a in attempts] == [500, 200]
    assert attempts[0]["error"] == "HTTP 500" and attempts[1]["error"] is None
    body, signature = received[-1]
    assert signature == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    payload = json.loads(body)
    assert payload["rule"]["name"] == "Hook" and payload["values"]["message.text"] == "go"
