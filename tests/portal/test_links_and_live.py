"""A link sent on the customer's chat channel ({{portal.link}} in a canned response or a
rule) signs that contact in; the portal's socket tells a customer only of their own
changes."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from tests.conftest import customer_writes, eventually
from tests.portal.helpers import new_session, signed_in
from tests.portal.test_requests import department, open_request

CHAT = 424242


async def test_a_chat_link_signs_the_telegram_customer_in(
    http, admin, server, telegram_channel, portal
):
    await customer_writes(http, telegram_channel, CHAT, "Cho tôi xem đơn hàng", name="Hoa")
    _, conversations = await admin.get("/api/v1/conversations")
    conversation = conversations["items"][0]
    _, ticket = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/ticket", json={"title": "Hoa: order status"}
    )
    status, canned = await admin.post(
        "/api/v1/canned-responses",
        json={
            "title": "Portal link",
            "shortcode": "portal",
            "text": "Xem yêu cầu của bạn: {{portal.link}}",
        },
    )
    assert status == 201, canned
    status, rendered = await admin.post(
        f"/api/v1/canned-responses/{canned['id']}/render",
        json={"conversation_id": conversation["id"]},
    )
    assert status == 200, rendered
    link = re.search(r"(/portal/auth/\S+)", rendered["text"]).group(1)
    async with new_session() as session:
        hoa = await signed_in(server.url, session, link)
        _, mine = await hoa.call("GET", "/portal/api/tickets")
        assert [item["number"] for item in mine["items"]] == [ticket["number"]]
        assert "order status" not in str(mine)  # the internal title stays internal


async def test_the_socket_tells_only_the_customer_concerned(admin, lan, minh, server):
    desk = await department(admin)
    ticket = await open_request(lan, desk["id"])
    agent_view = (await admin.get(f"/api/v1/tickets/{ticket['number']}"))[1]

    async def socket(customer):
        return await customer.session.ws_connect(
            server.url.replace("http", "ws") + "/portal/ws", origin=server.url
        )

    lan_socket, minh_socket = await socket(lan), await socket(minh)
    await asyncio.sleep(0.2)  # both subscribed before the change
    await admin.post(
        f"/api/v1/tickets/{agent_view['id']}/messages", json={"text": "Đã nhận, đang kiểm tra"}
    )
    message = await lan_socket.receive_json(timeout=10)
    assert message == {"type": "changed"}
    try:
        leaked = await minh_socket.receive(timeout=0.5)
    except TimeoutError:
        leaked = None
    assert leaked is None
    await lan_socket.close()
    await minh_socket.close()


async def test_the_socket_needs_a_portal_session(http, server):
    async with aiohttp.ClientSession() as session:
        try:
            await session.ws_connect(server.url.replace("http", "ws") + "/portal/ws")
        except aiohttp.WSServerHandshakeError as refused:
            assert refused.status == 401
        else:
            raise AssertionError("an anonymous socket was accepted")


async def test_portal_answers_also_reach_the_customers_chat_while_it_is_open(
    http, admin, server, telegram_channel, fake_telegram, portal
):
    fake, _ = fake_telegram
    await customer_writes(http, telegram_channel, CHAT, "Tôi muốn hỏi về đơn", name="Hoa")
    _, conversations = await admin.get("/api/v1/conversations")
    status, canned = await admin.post(
        "/api/v1/canned-responses",
        json={"title": "Portal link", "shortcode": "portal", "text": "{{portal.link}}"},
    )
    _, rendered = await admin.post(
        f"/api/v1/canned-responses/{canned['id']}/render",
        json={"conversation_id": conversations["items"][0]["id"]},
    )
    async with new_session() as session:
        hoa = await signed_in(
            server.url, session, re.search(r"(/portal/auth/\S+)", rendered["text"]).group(1)
        )
        desk = await department(admin)
        ticket = await open_request(hoa, desk["id"])
        _, seen = await admin.get(f"/api/v1/tickets/{ticket['number']}")
        await admin.post(f"/api/v1/tickets/{seen['id']}/messages", json={"text": "Đã kiểm tra"})

        async def told_on_telegram():
            texts = [m.get("text") or "" for m in fake.sent()]
            return next((t for t in texts if ticket["number"] in t and "/portal/auth/" in t), None)

        assert await eventually(told_on_telegram)

        status, _ = await admin.patch(
            f"/api/v1/channels/{telegram_channel['id']}", json={"enabled": False}
        )
        assert status == 200
        await admin.post(f"/api/v1/tickets/{seen['id']}/messages", json={"text": "Thêm tin"})

        async def noted():
            _, thread = await admin.get(f"/api/v1/tickets/{seen['id']}/messages")
            found = [
                m for m in thread["items"] if (m["activity"] or {}).get("field") == "portal_notice"
            ]
            return found or None

        (note,) = await eventually(noted)
        assert "disabled" in note["activity"]["note"]


async def test_the_bot_offers_a_link_to_the_customers_requests(
    http, admin, server, telegram_channel, fake_telegram, portal
):
    from tests.automations.bot.test_flows import bot_for

    fake, _ = fake_telegram
    await bot_for(admin, telegram_channel, greeting="Chào bạn! Xem yêu cầu: {{portal.link}}")
    await customer_writes(http, telegram_channel, CHAT, "Xin chào", name="Hoa")

    async def greeted():
        texts = [m.get("text") or "" for m in fake.sent()]
        return next((t for t in texts if "/portal/auth/" in t), None)

    link = re.search(r"(/portal/auth/\S+)", await eventually(greeted)).group(1)
    async with new_session() as session:
        hoa = await signed_in(server.url, session, link)
        _, mine = await hoa.call("GET", "/portal/api/tickets")
        assert mine == {"items": []}
