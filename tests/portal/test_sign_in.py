"""Signing in to the portal without a password: one-time links and codes by email, the same
answer for any address, limits per address and IP, sessions that end on sign-out."""

from __future__ import annotations

import logging
from datetime import timedelta

from inbox import clock
from inbox.crypto import token_hash
from tests.conftest import eventually
from tests.portal.helpers import (
    CODE,
    CSRF_FIELD,
    LINK,
    PortalCustomer,
    ask_link,
    follow_link,
    latest_mail,
    new_session,
    signed_in,
    text_of,
)


async def test_a_link_by_email_signs_in_once(http, smtp, server, portal):
    recorder, _ = smtp
    status, body = await ask_link(http, "Lan@Example.com ")
    assert status == 202, body
    mail = await latest_mail(recorder, "lan@example.com")
    assert mail["Subject"] == "Your sign-in link for Shop Lan"
    link = LINK.search(text_of(mail)).group(1)
    async with new_session() as session:
        customer = await signed_in(server.url, session, link)
        status, body = await customer.call("GET", "/portal/api/tickets")
        assert (status, body) == (200, {"items": []})
        cookie = next(c for c in session.cookie_jar if c.key == "inbox_portal")
        assert cookie["httponly"] and cookie["path"] == "/portal"
    async with new_session() as other:
        status, page = await follow_link(PortalCustomer(other, server.url), link)
        assert status == 410 and "already used" in page


async def test_unknown_and_known_addresses_get_the_same_answer(http, admin, smtp, portal):
    status, _ = await admin.post(
        "/api/v1/contacts", json={"name": "Lan", "emails": ["known@example.com"]}
    )
    assert status == 201
    known = await ask_link(http, "known@example.com")
    unknown = await ask_link(http, "nobody@example.com")
    assert known[0] == unknown[0] == 202
    assert known[1]["message"].replace("known", "X") == unknown[1]["message"].replace("nobody", "X")


async def test_the_code_signs_in_and_wrong_codes_are_limited(http, smtp, server, portal):
    recorder, _ = smtp
    async with new_session() as session:
        customer = PortalCustomer(session, server.url)
        async with session.post(
            server.url + "/portal/sign-in", data={"email": "code@example.com"}
        ) as response:
            page = await response.text()
        assert "a sign-in link and a code are on their way" in page
        token = CSRF_FIELD.search(page).group(1)
        code = CODE.search(text_of(await latest_mail(recorder, "code@example.com"))).group(1)
        wrong = "000000" if code != "000000" else "111111"

        async def enter(value: str) -> int:
            form = {"csrf_token": token, "email": "code@example.com", "code": value}
            async with session.post(
                server.url + "/portal/code", data=form, allow_redirects=False
            ) as response:
                return response.status

        assert await enter(wrong) == 400
        assert await enter(code) == 303
        status, _ = await customer.page("/portal")
        assert status == 200
        assert await enter(code) == 403  # the sign-in form's token went with the sign-in


async def test_wrong_codes_stop_counting_after_five(http, smtp, server, portal):
    recorder, _ = smtp
    async with new_session() as session:
        async with session.post(
            server.url + "/portal/sign-in", data={"email": "guess@example.com"}
        ) as response:
            token = CSRF_FIELD.search(await response.text()).group(1)
        code = CODE.search(text_of(await latest_mail(recorder, "guess@example.com"))).group(1)
        wrong = "000000" if code != "000000" else "111111"
        answers = []
        for value in [wrong] * 5 + [code]:
            form = {"csrf_token": token, "email": "guess@example.com", "code": value}
            async with session.post(
                server.url + "/portal/code", data=form, allow_redirects=False
            ) as response:
                answers.append(response.status)
        assert answers == [400] * 5 + [429]


async def test_a_form_from_another_site_cannot_enter_a_code(http, smtp, server, portal):
    recorder, _ = smtp
    await ask_link(http, "csrf@example.com")
    code = CODE.search(text_of(await latest_mail(recorder, "csrf@example.com"))).group(1)
    async with new_session() as session:
        form = {"email": "csrf@example.com", "code": code}
        async with session.post(
            server.url + "/portal/code", data=form, allow_redirects=False
        ) as response:
            assert response.status == 403


async def test_requests_for_links_are_limited_per_address_and_ip(http, smtp, portal, rt):
    rt.settings.portal_links_per_15_min = 2  # the test's IP is shared with every other test
    await rt.redis.delete("portal:link:ip:127.0.0.1")
    answers = [(await ask_link(http, "busy@example.com"))[0] for _ in range(3)]
    assert answers == [202, 202, 429]
    others = [(await ask_link(http, f"other{n}@example.com"))[0] for n in range(7)]
    assert others == [202] * 5 + [429] * 2  # 8 per IP: 3 asked above, 5 here
    status, body = await ask_link(http, "other0@example.com")
    assert status == 429 and body["error"]["message"].startswith("Too many requests")


async def test_an_expired_link_says_so_and_offers_a_new_one(http, smtp, server, portal, rt):
    recorder, _ = smtp
    await ask_link(http, "late@example.com")
    link = LINK.search(text_of(await latest_mail(recorder, "late@example.com"))).group(1)
    await rt.store["portal_links"].update_one(
        {"token_hash": token_hash(link.rsplit("/", 1)[1])},
        {"$set": {"expires_at": clock.now() - timedelta(minutes=1)}},
    )
    async with new_session() as session:
        status, page = await PortalCustomer(session, server.url).page(link)
        assert status == 410 and "expired" in page and "late@example.com" in page
        status, page = await PortalCustomer(session, server.url).page("/portal/auth/forged")
        assert status == 410 and "not known" in page


async def test_bad_addresses_are_refused_clearly(http, portal):
    status, body = await http.post("/portal/sign-in", json={"email": "not an address"})
    assert status == 422 and body["error"]["details"][0]["field"] == "email"
    status, body = await http.post("/portal/sign-in", json=["x"])
    assert status == 422
    status, page = await http.post("/portal/sign-in", data={"email": "nope"})
    assert status == 422 and "valid email" in page


async def test_signing_out_ends_the_session(lan):
    status, _ = await lan.call("POST", "/portal/sign-out")
    assert status == 303
    status, body = await lan.call("GET", "/portal/api/tickets")
    assert status == 401 and body["error"]["code"] == "portal_sign_in"
    status, _ = await lan.page("/portal")
    assert status == 302


async def test_an_agent_session_is_not_a_portal_session(admin, http, portal):
    status, _body = await admin.get("/portal/api/tickets")
    assert status == 401
    status, _body = await http.get("/portal/api/tickets")
    assert status == 401


async def test_the_demo_has_a_portal_with_departments(rt, http, caplog):
    """The demo mailbox sends nothing: the log shows the link a newcomer can open."""
    from inbox import demo

    caplog.set_level(logging.WARNING, logger="inbox.portal.notices")
    assert await demo.seed(rt)
    status, _listed = await http.post("/portal/sign-in", json={"email": "newcomer@example.com"})
    assert status == 202

    async def logged():
        return any("/portal/auth/" in r.getMessage() for r in caplog.records) or None

    await eventually(logged)
    departments = (
        await rt.store["portal_departments"].find({}, sort=[("position", 1)]).to_list(None)
    )
    assert [len(d["faq_ids"]) for d in departments] == [2, 1, 0]
