"""SMS through a configurable HTTP gateway (a local fake): phone sign-in with a code, answers
told by SMS as outbound records with their status, retries on the gateway's 5xx, a refusal
shown to agents, the gateway's secret never shown again."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import eventually, serving
from tests.fakes.sms_gateway import API_KEY, FakeSmsGateway
from tests.portal.helpers import CSRF_FIELD, CSRF_META, PortalCustomer, new_session
from tests.portal.test_requests import department, open_request

PHONE = "+84912345678"


@pytest.fixture
async def gateway(admin, portal) -> AsyncIterator[FakeSmsGateway]:
    async with serving(FakeSmsGateway()) as (fake, url):
        status, body = await admin.put(
            "/api/v1/portal/sms",
            json={
                "url": f"{url}/MainService.svc/json/SendMultipleMessage_V4_post_json/",
                "body": {"Phone": "{phone}", "Content": "{text}", "SmsType": "2"},
                "auth_header": "X-Api-Key",
                "auth_value": API_KEY,
                "success_contains": '"CodeResult":"100"',
            },
        )
        assert status == 200, body
        yield fake


async def sign_in_by_phone(server: Any, gateway: FakeSmsGateway, session: Any) -> str:
    async with session.post(
        server.url + "/portal/sign-in", data={"email": "0912 345 678"}
    ) as response:
        page = await response.text()
    assert response.status == 200 and PHONE in page, page
    token = CSRF_FIELD.search(page).group(1)

    async def code_sent():
        texts = gateway.texts_to(PHONE)
        return re.search(r"\b(\d{6})\b", texts[-1]).group(1) if texts else None

    code = await eventually(code_sent)
    form = {"csrf_token": token, "email": PHONE, "code": code}
    async with session.post(
        server.url + "/portal/code", data=form, allow_redirects=False
    ) as response:
        assert response.status == 303
    return code


async def sms_notice(admin: Any, ticket_id: str, status: str) -> dict[str, Any] | None:
    """The ticket's SMS notice once it has this status."""
    _, notices = await admin.get(f"/api/v1/tickets/{ticket_id}/notices")
    found = [n for n in notices["items"] if n["via"] == "sms" and n["status"] == status]
    return found[0] if found else None


async def test_a_customer_signs_in_by_phone_and_is_told_of_answers_by_sms(
    admin, server, gateway, rt
):
    async with new_session() as session:
        await sign_in_by_phone(server, gateway, session)
        customer = PortalCustomer(session, server.url)
        status, page = await customer.page("/portal")
        assert status == 200
        customer.csrf = CSRF_META.search(page).group(1)
        desk = await department(admin)
        ticket = await open_request(customer, desk["id"])
    _, contacts = await admin.get(f"/api/v1/contacts?q={PHONE[1:]}")
    assert [c["phones"] for c in contacts["items"]] == [[PHONE]]

    gateway.answers.append((503, "busy"))
    _, seen = await admin.get(f"/api/v1/tickets/{ticket['number']}")
    await admin.post(f"/api/v1/tickets/{seen['id']}/messages", json={"text": "Đã gửi hàng."})

    notice = await eventually(lambda: sms_notice(admin, seen["id"], "sent"))
    assert notice["attempts"] == 2 and notice["to"] == PHONE
    (text,) = [t for t in gateway.texts_to(PHONE) if ticket["number"] in t]
    assert "/portal/auth/" in text


async def test_a_refused_sms_is_failed_and_shown(admin, server, gateway, lan, rt):
    await rt.store["contacts"].update_one(
        {"emails": "lan@example.com"}, {"$set": {"phones": [PHONE]}}
    )
    desk = await department(admin)
    ticket = await open_request(lan, desk["id"])
    gateway.answers.append((200, '{"CodeResult":"99","ErrorMessage":"Phone not valid"}'))
    _, seen = await admin.get(f"/api/v1/tickets/{ticket['number']}")
    await admin.post(f"/api/v1/tickets/{seen['id']}/messages", json={"text": "Đã gửi hàng."})

    notice = await eventually(lambda: sms_notice(admin, seen["id"], "failed"))
    assert "Phone not valid" in notice["error"] and notice["attempts"] == 1


async def test_the_gateway_secret_is_kept_and_never_shown(admin, gateway):
    status, shown = await admin.get("/api/v1/portal/sms")
    assert status == 200 and shown["auth_value_set"] and API_KEY not in str(shown)
    status, sent = await admin.post("/api/v1/portal/sms/test", json={"phone": "0912345678"})
    assert (status, sent["phone"]) == (200, PHONE)
    gateway.answers.append((400, "no"))
    status, refused = await admin.post("/api/v1/portal/sms/test", json={"phone": "0912345678"})
    assert status == 200 and not refused["sent"] and "HTTP 400" in refused["error"]
    status, body = await admin.put(
        "/api/v1/portal/sms",
        json={"url": "https://sms.example/send", "body": {"": "x", "to\u0000": "{phone}"}},
    )
    assert status == 422, body


async def test_phone_numbers_are_refused_while_sms_is_off(http, portal):
    status, body = await http.post("/portal/sign-in", json={"email": "0912345678"})
    assert status == 422 and body["error"]["code"] == "invalid_address"
