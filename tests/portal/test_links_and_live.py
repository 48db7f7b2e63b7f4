"""A link sent on the customer's chat channel ({{portal.link}} in a canned response or a
rule) signs that contact in; the portal's socket tells a customer only of their own
changes."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from tests.conftest import customer_writes
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
