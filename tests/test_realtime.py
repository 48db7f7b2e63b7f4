"""Live updates over /ws: events reach the agents allowed to see them, from any web process."""

from __future__ import annotations

import aiohttp
from aiohttp.test_utils import TestServer

from inbox.app import create_app
from inbox.models.agents import Role
from inbox.runtime import Runtime
from tests.conftest import Client, customer_writes, free_port, make_agent
from tests.live import connect, event, wait_for


async def test_a_new_conversation_and_its_message_arrive_live(http, admin, telegram_channel):
    ws = await connect(admin)

    await customer_writes(http, telegram_channel, 42, "Có ai không?")

    created = await wait_for(ws, event("conversation.created"))
    message = await wait_for(ws, event("message.created", text="Có ai không?"))
    assert created["data"]["contact"]["name"] == "Khách Hàng"
    assert message["data"]["conversation_id"] == created["data"]["id"]
    assert message["actor"]["type"] == "contact"
    await ws.close()


async def test_status_and_assignee_changes_arrive_live(http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 42, "hi")
    _, page = await admin.get("/api/v1/conversations")
    conversation_id = page["items"][0]["id"]
    ws = await connect(admin)

    await admin.patch(
        f"/api/v1/conversations/{conversation_id}",
        json={"status": "resolved", "assignee_id": str(admin.agent["_id"])},
    )

    updated = await wait_for(ws, event("conversation.updated", id=conversation_id))
    assert updated["data"]["status"] == "resolved"
    assert updated["changes"]["status"] == {"from": "open", "to": "resolved"}
    assert updated["changes"]["assignee_id"]["to"] == str(admin.agent["_id"])
    await ws.close()


async def test_the_delivery_state_of_a_reply_changes_live(http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 42, "hi")
    _, page = await admin.get("/api/v1/conversations")
    ws = await connect(admin)

    _, reply = await admin.post(
        f"/api/v1/conversations/{page['items'][0]['id']}/messages", json={"text": "Xin chào!"}
    )

    queued = await wait_for(ws, event("message.created", id=reply["id"]))
    sent = await wait_for(ws, event("message.updated", id=reply["id"]))
    assert queued["data"]["delivery"]["status"] == "queued"
    assert sent["data"]["delivery"]["status"] == "sent"
    assert sent["changes"] == {"delivery.status": {"from": "queued", "to": "sent"}}
    await ws.close()


async def test_an_event_in_one_web_process_reaches_agents_on_another(
    http, admin, settings, store, telegram_channel
):
    async with Runtime.open(settings, store) as second_runtime:
        second = TestServer(
            create_app(settings, second_runtime), host="127.0.0.1", port=free_port()
        )
        await second.start_server()
        try:
            ws = await connect(admin, f"http://127.0.0.1:{second.port}")

            await customer_writes(http, telegram_channel, 42, "through the first process")

            message = await wait_for(ws, event("message.created", text="through the first process"))
            assert message["data"]["sender"]["type"] == "contact"
            await ws.close()
        finally:
            await second.close()


async def test_agents_only_receive_events_they_may_see(http, admin, rt, server, telegram_channel):
    _, billing = await admin.post("/api/v1/teams", json={"name": "Billing"})
    await customer_writes(http, telegram_channel, 1, "billing question", message_id=1)
    _, page = await admin.get("/api/v1/conversations")
    await admin.patch(
        f"/api/v1/conversations/{page['items'][0]['id']}", json={"team_id": billing["id"]}
    )
    outsider = await make_agent(rt, "lan@example.com", Role.AGENT)
    from inbox.auth import issue_token

    token, _ = await issue_token(rt, outsider["_id"], "t")
    async with aiohttp.ClientSession() as session:
        ws = await connect(Client(session, server.url, token))

        await customer_writes(http, telegram_channel, 1, "secret billing follow-up", message_id=2)
        await customer_writes(http, telegram_channel, 2, "shared queue question", message_id=1)

        first_message = await wait_for(ws, lambda m: m.get("type") == "message.created")
        assert first_message["data"]["text"] == "shared queue question"
        await ws.close()


async def test_viewers_and_typing_are_shared_between_agents(http, admin, agent, telegram_channel):
    await customer_writes(http, telegram_channel, 42, "hi")
    _, page = await admin.get("/api/v1/conversations")
    conversation_id = page["items"][0]["id"]
    admin_ws = await connect(admin)
    agent_ws = await connect(agent)

    await admin_ws.send_json({"type": "viewing", "conversation_id": conversation_id})
    seen = await wait_for(agent_ws, lambda m: m.get("type") == "presence")
    await agent_ws.send_json({"type": "viewing", "conversation_id": conversation_id})
    viewers = await wait_for(agent_ws, lambda m: m.get("type") == "viewers")
    await admin_ws.send_json({"type": "typing", "conversation_id": conversation_id})
    typing = await wait_for(
        agent_ws, lambda m: m.get("type") == "presence" and m["state"] == "typing"
    )
    await admin_ws.close()
    left = await wait_for(agent_ws, lambda m: m.get("type") == "presence" and m["state"] == "left")

    assert (seen["agent"]["name"], seen["state"], seen["conversation_id"]) == (
        "Ada Admin",
        "viewing",
        conversation_id,
    )
    assert [v["name"] for v in viewers["agents"]] == ["Ada Admin"]
    assert typing["agent"]["name"] == "Ada Admin"
    assert left["agent"]["name"] == "Ada Admin"
    await agent_ws.close()


async def test_presence_for_a_conversation_one_may_not_see_is_ignored(
    http, admin, rt, server, telegram_channel
):
    _, billing = await admin.post("/api/v1/teams", json={"name": "Billing"})
    await customer_writes(http, telegram_channel, 1, "hi")
    _, page = await admin.get("/api/v1/conversations")
    conversation_id = page["items"][0]["id"]
    await admin.patch(f"/api/v1/conversations/{conversation_id}", json={"team_id": billing["id"]})
    outsider = await make_agent(rt, "lan@example.com", Role.AGENT)
    from inbox.auth import issue_token

    token, _ = await issue_token(rt, outsider["_id"], "t")
    admin_ws = await connect(admin)
    async with aiohttp.ClientSession() as session:
        ws = await connect(Client(session, server.url, token))
        await ws.send_json({"type": "viewing", "conversation_id": conversation_id})
        await ws.send_json({"type": "ping"})
        assert (await wait_for(ws, lambda m: True))["type"] == "pong"
        await ws.close()
    await admin_ws.send_json({"type": "ping"})
    assert (await wait_for(admin_ws, lambda m: m.get("type") in ("presence", "pong")))[
        "type"
    ] == "pong"
    await admin_ws.close()
