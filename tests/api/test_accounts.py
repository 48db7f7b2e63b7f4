"""Accounts: a password change needs the current password and signs out everywhere else;
wrong guesses slow down with growing delays keyed on account and address; every 429 says
when to come back and every 405 says what is allowed."""

from __future__ import annotations

import pytest

from inbox import login_throttle
from inbox.errors import TooManyRequests
from tests.conftest import Client, make_agent


async def token_for(http: Client, email: str, password: str) -> str:
    status, body = await http.post(
        "/api/v1/auth/token", json={"email": email, "password": password}
    )
    assert status == 200, body
    return body["token"]


async def test_changing_ones_password_needs_the_current_one_and_ends_other_sign_ins(http, rt):
    agent = await make_agent(rt, "lan@example.com", password="correct horse battery")
    laptop = Client(
        http.session, http.base, await token_for(http, "lan@example.com", "correct horse battery")
    )
    phone = Client(
        http.session, http.base, await token_for(http, "lan@example.com", "correct horse battery")
    )
    path = f"/api/v1/agents/{agent['_id']}"

    status, body = await laptop.patch(path, json={"password": "a brand new secret"})
    assert status == 422 and body["error"]["code"] == "current_password"
    status, body = await laptop.patch(
        path, json={"password": "a brand new secret", "current_password": "wrong guess"}
    )
    assert status == 422
    status, _ = await laptop.patch(
        path, json={"password": "a brand new secret", "current_password": "correct horse battery"}
    )
    assert status == 200

    assert (await laptop.get("/api/v1/me"))[0] == 200, "the session that changed it stays"
    assert (await phone.get("/api/v1/me"))[0] == 401, "every other token is ended"
    status, _ = await http.post(
        "/api/v1/auth/token", json={"email": "lan@example.com", "password": "correct horse battery"}
    )
    assert status == 401
    await token_for(http, "lan@example.com", "a brand new secret")


async def test_an_admin_resetting_a_password_signs_that_agent_out(http, admin, rt):
    agent = await make_agent(rt, "minh@example.com", password="correct horse battery")
    minh = Client(
        http.session, http.base, await token_for(http, "minh@example.com", "correct horse battery")
    )
    status, _ = await admin.patch(
        f"/api/v1/agents/{agent['_id']}", json={"password": "reset by admin 1"}
    )
    assert status == 200
    assert (await minh.get("/api/v1/me"))[0] == 401
    assert (await admin.get("/api/v1/me"))[0] == 200


@pytest.mark.parametrize(
    "failures, wait", [(1, 0), (9, 0), (10, 1), (11, 2), (13, 8), (19, 512), (20, 900), (40, 900)]
)
def test_the_wait_doubles_after_the_free_attempts(failures, wait):
    assert login_throttle.wait_after(failures, free=10) == wait


async def test_someone_elses_guesses_do_not_lock_the_owner_out(rt):
    rt.settings.login_attempts_per_15_min = 3
    for _ in range(6):
        await login_throttle.record_failure(rt, "lan@example.com", "203.0.113.9")
    with pytest.raises(TooManyRequests) as refused:
        await login_throttle.check_allowed(rt, "lan@example.com", "203.0.113.9")
    assert 1 <= refused.value.retry_after <= 16
    await login_throttle.check_allowed(rt, "lan@example.com", "198.51.100.20")


async def test_a_throttled_sign_in_says_when_to_come_back(http, rt):
    rt.settings.login_attempts_per_15_min = 2
    await make_agent(rt, "thu@example.com", password="correct horse battery")
    for _ in range(2):
        await http.post("/api/v1/auth/token", json={"email": "thu@example.com", "password": "x"})
    async with http.session.post(
        http.base + "/api/v1/auth/token",
        json={"email": "thu@example.com", "password": "correct horse battery"},
    ) as answer:
        assert answer.status == 429
        assert int(answer.headers["Retry-After"]) >= 1


async def test_a_wrong_method_says_which_are_allowed(admin):
    async with admin.session.put(
        admin.base + "/api/v1/teams", headers=admin._headers(None), json={}
    ) as answer:
        assert answer.status == 405
        assert {m.strip() for m in answer.headers["Allow"].split(",")} >= {"GET", "POST"}
        assert (await answer.json())["error"]["code"] == "method_not_allowed"
