"""The customer's requests: departments with their FAQ first (deflections counted), the
form with files, the ticket agents see, the public thread (never notes), replies, solving,
reopening, rating, notices by email, and one customer never seeing another's."""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp

from tests.conftest import events_settled, eventually
from tests.portal.helpers import LINK, PortalCustomer, latest_mail, mails_to, text_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def key() -> str:
    return secrets.token_urlsafe(18)


async def department(admin, **fields: Any) -> dict[str, Any]:
    status, body = await admin.post(
        "/api/v1/portal/departments", json={"name": "Giao hàng", **fields}
    )
    assert status == 201, body
    return body


def request_form(
    department_id: str, title: str = "Đơn hàng chưa tới", **extra: Any
) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("request_key", extra.pop("request_key", key()))
    form.add_field("department_id", department_id)
    form.add_field("title", title)
    form.add_field("description", extra.pop("description", "Tôi đặt hàng tuần trước, mã DH-1001."))
    for name, value in extra.pop("fields", {}).items():
        form.add_field(f"custom.{name}", value)
    for name, data, mime in extra.pop("files", []):
        form.add_field("files", data, filename=name, content_type=mime)
    return form


async def open_request(
    customer: PortalCustomer, department_id: str, **extra: Any
) -> dict[str, Any]:
    status, ticket = await customer.call(
        "POST", "/portal/api/tickets", data=request_form(department_id, **extra)
    )
    assert status == 201, ticket
    return ticket


async def agent_ticket(admin, number: str) -> dict[str, Any]:
    status, ticket = await admin.get(f"/api/v1/tickets/{number}")
    assert status == 200, ticket
    return ticket


async def test_a_request_with_a_photo_becomes_a_ticket_agents_answer(admin, lan, smtp, rt):
    recorder, _ = smtp
    desk = await department(admin)
    ticket = await open_request(lan, desk["id"], files=[("don-hang.png", PNG, "image/png")])
    assert ticket["stage"] == "received" and ticket["title"] == "Đơn hàng chưa tới"
    assert ticket["messages"][0]["attachments"][0]["name"] == "don-hang.png"
    confirmation = await latest_mail(recorder, "lan@example.com", seen=1)
    assert ticket["number"] in confirmation["Subject"]

    seen = await agent_ticket(admin, ticket["number"])
    assert seen["channel"]["kind"] == "portal" and seen["contact"]["name"] == "lan"
    status, _ = await admin.post(
        f"/api/v1/tickets/{seen['id']}/messages",
        json={"text": "Chúng tôi đang kiểm tra đơn DH-1001.", "private": False},
    )
    assert status == 201
    status, _ = await admin.post(
        f"/api/v1/tickets/{seen['id']}/messages",
        json={"text": "Kho nói đơn bị thất lạc", "private": True},
    )
    assert status == 201

    async def answered():
        _, shown = await lan.call("GET", "/portal/api/tickets")
        return shown["items"][0] if shown["items"][0]["new_reply"] else None

    item = await eventually(answered)
    assert item["stage"] == "in_progress"
    _, detail = await lan.call("GET", f"/portal/api/tickets/{ticket['number']}")
    texts = [m["text"] for m in detail["messages"]]
    assert "Chúng tôi đang kiểm tra đơn DH-1001." in texts
    assert all("thất lạc" not in t for t in texts)
    notice = await latest_mail(recorder, "lan@example.com", seen=2)
    assert "DH-1001" in text_of(notice) and LINK.search(text_of(notice))

    status, _png = await lan.call("GET", detail["messages"][0]["attachments"][0]["url"])
    assert status == 200

    async def notice_sent():
        _, notices = await admin.get(f"/api/v1/tickets/{seen['id']}/notices")
        kinds = {n["kind"]: n["status"] for n in notices["items"]}
        return kinds if kinds.get("reply") == "sent" else None

    assert (await eventually(notice_sent))["request_opened"] == "sent"


async def test_the_notice_link_opens_the_ticket(admin, lan, smtp, server):
    recorder, _ = smtp
    desk = await department(admin)
    ticket = await open_request(lan, desk["id"])
    seen = await agent_ticket(admin, ticket["number"])
    await latest_mail(recorder, "lan@example.com", seen=1)  # the confirmation
    before = len(mails_to(recorder, "lan@example.com"))
    await admin.post(f"/api/v1/tickets/{seen['id']}/messages", json={"text": "Đã gửi lại hàng."})
    notice = await latest_mail(recorder, "lan@example.com", seen=before)
    link = LINK.search(text_of(notice)).group(1)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        customer = PortalCustomer(session, server.url)
        from tests.portal.helpers import follow_link

        status, location = await follow_link(customer, link)
        assert (status, location) == (303, f"/portal/tickets/{ticket['number']}")


async def test_faq_first_and_a_deflection_is_counted(admin, lan):
    status, faq = await admin.post(
        "/api/v1/faqs",
        json={
            "question": "Bao lâu thì nhận được hàng?",
            "answer": "Từ 2 đến 4 ngày làm việc.",
            "keywords": ["giao hàng"],
        },
    )
    assert status == 201, faq
    desk = await department(admin, faq_ids=[faq["id"]], description="Đơn hàng, vận chuyển")
    status, listed = await lan.call("GET", "/portal/api/departments")
    assert listed["items"][0]["faq"][0]["answer"] == "Từ 2 đến 4 ngày làm việc."
    status, found = await lan.call(
        "GET", f"/portal/api/departments/{desk['id']}/suggestions?q=bao lau nhan duoc hang"
    )
    assert [e["id"] for e in found["items"]] == [faq["id"]]
    status, body = await lan.call(
        "POST", "/portal/api/deflections", json={"department_id": desk["id"], "faq_id": faq["id"]}
    )
    assert status == 201, body
    _, shown = await admin.get(f"/api/v1/portal/departments/{desk['id']}")
    assert shown["deflections"] == 1
    _, mine = await lan.call("GET", "/portal/api/tickets")
    assert mine["items"] == []


async def test_the_same_form_sent_twice_opens_one_ticket(admin, lan):
    desk = await department(admin)
    same = key()
    first = await open_request(lan, desk["id"], request_key=same)
    status, again = await lan.call(
        "POST", "/portal/api/tickets", data=request_form(desk["id"], request_key=same)
    )
    assert status == 200 and again["number"] == first["number"]
    _, mine = await lan.call("GET", "/portal/api/tickets")
    assert len(mine["items"]) == 1


async def test_bad_input_is_refused_and_nothing_is_stored(admin, lan, rt):
    desk = await department(admin)
    cases = [
        (request_form(desk["id"], title="x"), 422, "title"),
        (request_form("0" * 24), 404, None),
        (request_form(desk["id"], files=[("x.html", b"<script>", "text/html")]), 422, "files"),
        (
            request_form(desk["id"], files=[(f"{n}.png", PNG, "image/png") for n in range(6)]),
            422,
            "files",
        ),
        (request_form(desk["id"], request_key="short"), 422, "request_key"),
    ]
    for form, expected, field in cases:
        status, body = await lan.call("POST", "/portal/api/tickets", data=form)
        assert status == expected, body
        if field:
            assert field in str(body["error"]["details"]), body
    status, body = await lan.call("POST", "/portal/api/tickets", json={"title": 3})
    assert status == 422
    status, body = await lan.call(
        "POST", "/portal/api/tickets", data=b"{", headers={"Content-Type": "application/json"}
    )
    assert status == 400
    assert await rt.store["tickets"].estimated_document_count() == 0
    assert await rt.store["messages"].estimated_document_count() == 0
    assert await rt.store["files"].estimated_document_count() == 0


async def test_one_customer_never_reaches_another_customers_ticket(admin, lan, minh):
    desk = await department(admin)
    ticket = await open_request(lan, desk["id"], files=[("a.png", PNG, "image/png")])
    number = ticket["number"]
    file_url = ticket["messages"][0]["attachments"][0]["url"]
    _, mine = await minh.call("GET", "/portal/api/tickets")
    assert mine["items"] == []
    for method, path, kwargs in [
        ("GET", f"/portal/api/tickets/{number}", {}),
        ("POST", f"/portal/api/tickets/{number}/messages", {"json": {"key": key(), "text": "hi"}}),
        ("POST", f"/portal/api/tickets/{number}/solve", {}),
        ("POST", f"/portal/api/tickets/{number}/rating", {"json": {"rating": 1}}),
        ("GET", file_url, {}),
        ("GET", f"/portal/tickets/{number}", {}),
    ]:
        status, _ = await minh.call(method, path, **kwargs)
        assert status == 404, (method, path)
    status, _ = await minh.call("GET", "/portal/api/tickets/T-999999")
    assert status == 404


async def test_solve_reopen_reply_and_rate(admin, lan, rt):
    desk = await department(admin)
    ticket = await open_request(lan, desk["id"])
    number = ticket["number"]
    status, solved = await lan.call("POST", f"/portal/api/tickets/{number}/solve")
    assert status == 200 and solved["stage"] == "resolved" and solved["can_reopen"]

    async def survey_open():
        _, shown = await lan.call("GET", f"/portal/api/tickets/{number}")
        return shown if shown["survey"] is not None else None

    await eventually(survey_open)
    status, rated = await lan.call(
        "POST", f"/portal/api/tickets/{number}/rating", json={"rating": 5, "comment": "Nhanh!"}
    )
    assert status == 200 and rated["rating"] == 5
    seen = await agent_ticket(admin, number)
    assert seen["csat"]["rating"] == 5 and seen["csat"]["comment"] == "Nhanh!"
    status, _bad = await lan.call(
        "POST", f"/portal/api/tickets/{number}/rating", json={"rating": 9}
    )
    assert status == 422

    status, reopened = await lan.call("POST", f"/portal/api/tickets/{number}/reopen")
    assert status == 200 and reopened["stage"] == "in_progress"
    status, replied = await lan.call(
        "POST",
        f"/portal/api/tickets/{number}/messages",
        json={"key": key(), "text": "Vẫn chưa nhận"},
    )
    assert status == 201 and "Vẫn chưa nhận" in [m["text"] for m in replied["messages"]]
    status, _empty = await lan.call(
        "POST", f"/portal/api/tickets/{number}/messages", json={"key": key(), "text": " "}
    )
    assert status == 422


async def test_tickets_from_other_channels_and_agents_show_in_the_portal(admin, lan):
    status, contacts = await admin.get("/api/v1/contacts?q=lan@example.com")
    (contact,) = contacts["items"]
    status, ticket = await admin.post(
        "/api/v1/tickets",
        json={"title": "Internal: VIP refund check", "contact_id": contact["id"]},
    )
    assert status == 201, ticket
    status, page = await lan.page("/portal")
    assert ticket["number"] in page and "VIP refund" not in page
    _, mine = await lan.call("GET", "/portal/api/tickets")
    assert [i["number"] for i in mine["items"]] == [ticket["number"]]


async def test_fields_admins_mark_visible_show_on_the_request(admin, lan, email_channel):
    for key, label in [("order_status", "Order status"), ("margin", "Margin")]:
        status, body = await admin.post(
            "/api/v1/ticket-fields", json={"key": key, "label": label, "type": "text"}
        )
        assert status == 201, body
    status, body = await admin.put(
        "/api/v1/portal",
        json={
            "name": "Shop Lan",
            "email_channel_id": email_channel["id"],
            "visible_fields": ["order_status"],
        },
    )
    assert status == 200, body
    _, channels = await admin.get("/api/v1/channels")
    names = [c["name"] for c in channels["items"] if c["kind"] == "portal"]
    assert names in ([], ["Shop Lan"])  # agents see the portal by the name customers do
    desk = await department(admin)
    ticket = await open_request(lan, desk["id"])
    seen = await agent_ticket(admin, ticket["number"])
    _, channels = await admin.get("/api/v1/channels")
    assert [c["name"] for c in channels["items"] if c["kind"] == "portal"] == ["Shop Lan"]
    status, _ = await admin.patch(
        f"/api/v1/tickets/{seen['id']}",
        json={"custom": {"order_status": "Đang giao", "margin": "12%"}},
    )
    assert status == 200
    _, shown = await lan.call("GET", f"/portal/api/tickets/{ticket['number']}")
    assert shown["fields"] == [{"label": "Order status", "value": "Đang giao"}]


async def test_bad_replies_ratings_and_deflections_are_refused(admin, lan, rt):
    desk = await department(admin)
    ticket = await open_request(lan, desk["id"])
    number = ticket["number"]
    await events_settled(rt)  # the request's automatic confirmation is in
    before = await rt.store["messages"].estimated_document_count()
    form = aiohttp.FormData()
    form.add_field("key", key())
    form.add_field("text", "xem file")
    form.add_field(
        "files", b"MZ\x90\x00", filename="setup.exe", content_type="application/x-msdownload"
    )
    cases = [
        ("POST", f"/portal/api/tickets/{number}/messages", {"data": form}, 422),
        ("POST", f"/portal/api/tickets/{number}/messages", {"json": {"text": "no key"}}, 422),
        ("POST", f"/portal/api/tickets/{number}/rating", {"json": {"rating": "five"}}, 422),
        ("POST", f"/portal/api/tickets/{number}/rating", {"json": {"rating": 4}}, 409),
        ("POST", "/portal/api/deflections", {"json": {"department_id": desk["id"]}}, 422),
        (
            "POST",
            "/portal/api/deflections",
            {"json": {"department_id": desk["id"], "faq_id": "0" * 24}},
            404,
        ),
        ("GET", f"/portal/api/departments/{'0' * 24}/suggestions?q=giao hang", {}, 404),
    ]
    for method, path, kwargs, expected in cases:
        status, body = await lan.call(method, path, **kwargs)
        assert status == expected, (path, body)
        assert body["error"]["message"], body
    assert await rt.store["messages"].estimated_document_count() == before
    assert await rt.store["portal_deflections"].estimated_document_count() == 0


async def test_support_hours_come_from_the_default_calendar(admin, lan):
    week = {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    status, body = await admin.post(
        "/api/v1/calendars",
        json={
            "name": "Shop hours",
            "timezone": "Asia/Ho_Chi_Minh",
            "hours": {**week, "sat": [["08:00", "12:00"]]},
        },
    )
    assert status == 201, body
    _, page = await lan.page("/portal")
    assert "Mon-Fri 08:00-17:00 · Sat 08:00-12:00" in page


async def test_erasing_the_contact_ends_the_portal_and_blanks_what_was_sent(admin, lan, smtp):
    recorder, _ = smtp
    desk = await department(admin)
    ticket = await open_request(lan, desk["id"])
    await latest_mail(recorder, "lan@example.com", seen=1)  # the confirmation went out
    seen = await agent_ticket(admin, ticket["number"])
    status, _ = await admin.delete(f"/api/v1/contacts/{seen['contact']['id']}")
    assert status == 200
    status, _ = await lan.call("GET", "/portal/api/tickets")
    assert status == 401
    _, notices = await admin.get(f"/api/v1/tickets/{seen['id']}/notices")
    assert notices["items"] and all(n["to"] == "" for n in notices["items"])
