"""Who may call what: tokens, sessions with CSRF, roles, and that nothing is open by accident."""

from __future__ import annotations

import re

import aiohttp
import pytest
from aiohttp.web_urldispatcher import StaticResource

from inbox.api.routing import ROUTES
from inbox.auth import Access, access_of
from inbox.models.agents import Role
from tests.conftest import Client, make_agent

PUBLIC_ROUTES = {
    ("POST", "/api/v1/auth/token"),
    ("GET", "/api/openapi.json"),
    ("GET", "/healthz"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/webhooks/{kind}/{channel_id}"),
    ("GET", "/webhooks/{kind}/{channel_id}"),
    ("GET", "/metrics"),  # checks an admin token itself (or a local scraper, when allowed)
    ("GET", "/csat/{token}"),  # a survey email's link: its unguessable token is the key
    ("POST", "/csat/{token}"),
    # the portal's way in: an address asks for a link; a link's or code's secret is the key
    ("GET", "/portal/sign-in"),
    ("POST", "/portal/sign-in"),
    ("POST", "/portal/code"),
    ("GET", "/portal/auth/{token}"),
    ("POST", "/portal/auth/{token}"),
}
SAMPLE_ID = "0123456789abcdef01234567"


def concrete(path: str) -> str:
    return re.sub(r"{\w+}", SAMPLE_ID, path)


def app_routes(app) -> list[tuple[str, str, object]]:
    routes = []
    for route in app.router.routes():
        if isinstance(route.resource, StaticResource) or route.method == "HEAD":
            continue
        routes.append((route.method, route.resource.canonical, route.handler))
    return routes


# ---- tokens ----------------------------------------------------------------------------------


async def test_a_token_is_issued_for_the_right_password_only(http, rt):
    await make_agent(rt, "lan@example.com", password="correct horse battery")

    ok_status, ok = await http.post(
        "/api/v1/auth/token", json={"email": "Lan@Example.com", "password": "correct horse battery"}
    )
    wrong_status, wrong = await http.post(
        "/api/v1/auth/token", json={"email": "lan@example.com", "password": "nope"}
    )
    unknown_status, _ = await http.post(
        "/api/v1/auth/token", json={"email": "who@example.com", "password": "nope"}
    )

    assert ok_status == 200
    assert ok["token"].startswith("inb_")
    assert ok["expires_at"].endswith("Z")
    assert (wrong_status, wrong["error"]["code"]) == (401, "invalid_credentials")
    assert unknown_status == 401
    stored = await rt.store.db["api_tokens"].find_one({})
    assert ok["token"] not in str(stored), "only a hash of the token is stored"


async def test_a_token_opens_the_api_until_it_is_revoked(http, server, rt):
    await make_agent(rt, "lan@example.com", password="correct horse battery")
    _, issued = await http.post(
        "/api/v1/auth/token", json={"email": "lan@example.com", "password": "correct horse battery"}
    )
    client = Client(http.session, server.url, issued["token"])

    assert (await client.get("/api/v1/me"))[0] == 200
    assert (await client.delete("/api/v1/auth/token"))[0] == 204
    assert (await client.get("/api/v1/me"))[0] == 401


async def test_a_deactivated_agent_loses_access(admin, agent):
    status, _ = await admin.patch(f"/api/v1/agents/{agent.agent['_id']}", json={"active": False})

    assert status == 200
    assert (await agent.get("/api/v1/me"))[0] == 401


async def test_repeated_wrong_passwords_are_throttled(http, rt):
    rt.settings.login_attempts_per_15_min = 3
    await make_agent(rt, "lan@example.com", password="correct horse battery")
    for _ in range(3):
        assert (
            await http.post(
                "/api/v1/auth/token", json={"email": "lan@example.com", "password": "x"}
            )
        )[0] == 401

    status, body = await http.post(
        "/api/v1/auth/token", json={"email": "lan@example.com", "password": "correct horse battery"}
    )

    assert status == 429
    assert body["error"]["code"] == "too_many_requests"


async def test_passwords_are_stored_as_argon2_hashes(rt):
    agent = await make_agent(rt, "lan@example.com", password="correct horse battery")

    assert agent["password_hash"].startswith("$argon2id$")
    assert "correct horse battery" not in str(await rt.store.db["agents"].find_one({}))


# ---- nothing open by accident ----------------------------------------------------------------


async def test_only_the_intended_routes_are_public(server):
    public = {
        (method, path)
        for method, path, handler in app_routes(server.app)
        if access_of(handler) is Access.PUBLIC
    }

    assert public == PUBLIC_ROUTES


async def test_every_other_route_rejects_anonymous_callers(http, server):
    checked = 0
    for method, path, handler in app_routes(server.app):
        if access_of(handler) is Access.PUBLIC:
            continue
        status, body = await http.request(method, concrete(path))
        if path.startswith(("/portal/api/", "/portal/ws")):
            assert status == 401, (method, path)
            assert body["error"]["code"] == "portal_sign_in"
        elif path.startswith(("/api/", "/ws")):
            assert status == 401, (method, path)
            assert body["error"]["code"] == "unauthorized"
        else:
            assert status == 302, (method, path)
        checked += 1
    assert checked >= 20


async def test_agents_cannot_call_admin_routes(agent, server):
    admin_routes = [r for r in ROUTES if r.access is Access.ADMIN]
    assert len(admin_routes) >= 4
    for route in admin_routes:
        status, body = await agent.request(route.method, concrete(route.path), json={})
        assert status == 403, route.path
        assert body["error"]["code"] == "admin_only"
    for page in ("/admin", "/admin/rules"):
        status, _ = await agent.get(page)
        assert status == 403, page


async def test_an_agent_may_only_change_their_own_availability_and_profile(agent, admin):
    me = agent.agent["_id"]
    other = admin.agent["_id"]

    assert (await agent.patch(f"/api/v1/agents/{me}", json={"availability": "online"}))[0] == 200
    assert (await agent.patch(f"/api/v1/agents/{me}", json={"role": "admin"}))[0] == 403
    assert (await agent.patch(f"/api/v1/agents/{other}", json={"availability": "offline"}))[
        0
    ] == 403


async def test_the_last_admin_cannot_be_demoted(admin):
    status, body = await admin.patch(f"/api/v1/agents/{admin.agent['_id']}", json={"role": "agent"})

    assert status == 409
    assert "last active admin" in body["error"]["message"]


# ---- browser sessions ------------------------------------------------------------------------


async def sign_in(
    server, rt, email="lan@example.com", password="correct horse battery", role=Role.AGENT
):
    await make_agent(rt, email, role, password=password)
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.get(f"{server.url}/login") as page:
        html = await page.text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    async with session.post(
        f"{server.url}/login",
        data={"email": email, "password": password, "csrf_token": csrf, "next": "/inbox"},
        allow_redirects=False,
    ) as answer:
        assert answer.status == 302, await answer.text()
        assert answer.headers["Location"] == "/inbox"
    return session


async def test_signing_in_opens_the_inbox(server, rt):
    session = await sign_in(server, rt)
    async with session, session.get(f"{server.url}/inbox") as page:
        assert page.status == 200
        assert 'name="csrf-token"' in await page.text()


async def test_the_sign_in_form_needs_its_csrf_token(server, rt, http):
    await make_agent(rt, "lan@example.com")
    status, _ = await http.post(
        "/login", data={"email": "lan@example.com", "password": "correct horse battery"}
    )

    assert status == 403


async def test_a_wrong_password_shows_the_form_again(server, rt):
    await make_agent(rt, "lan@example.com")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(f"{server.url}/login") as page:
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
        async with session.post(
            f"{server.url}/login",
            data={"email": "lan@example.com", "password": "wrong", "csrf_token": csrf},
        ) as answer:
            assert answer.status == 401
            assert "Wrong email or password" in await answer.text()


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil.example"])
async def test_sign_in_never_redirects_off_site(server, rt, target):
    await make_agent(rt, "lan@example.com")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(f"{server.url}/login") as page:
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
        form = {
            "email": "lan@example.com",
            "password": "correct horse battery",
            "csrf_token": csrf,
            "next": target,
        }
        async with session.post(f"{server.url}/login", data=form, allow_redirects=False) as answer:
            assert answer.headers["Location"] == "/inbox"


async def test_cookie_sessions_need_the_csrf_header_to_change_anything(server, rt):
    session = await sign_in(server, rt)
    async with session:
        async with session.get(f"{server.url}/inbox") as page:
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', await page.text()).group(1)
        async with session.get(f"{server.url}/api/v1/conversations") as answer:
            assert answer.status == 200
        async with session.post(f"{server.url}/api/v1/auth/token", json={}) as answer:
            assert answer.status == 422  # public route: no CSRF needed, body checked
        me = (await (await session.get(f"{server.url}/api/v1/me")).json())["id"]
        async with session.patch(
            f"{server.url}/api/v1/agents/{me}", json={"availability": "online"}
        ) as answer:
            assert answer.status == 403
            assert (await answer.json())["error"]["code"] == "csrf"
        async with session.patch(
            f"{server.url}/api/v1/agents/{me}",
            json={"availability": "online"},
            headers={"X-CSRF-Token": csrf},
        ) as answer:
            assert answer.status == 200


async def test_signing_out_ends_the_session(server, rt):
    session = await sign_in(server, rt)
    async with session:
        async with session.get(f"{server.url}/inbox") as page:
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', await page.text()).group(1)
        async with session.post(
            f"{server.url}/logout", data={"csrf_token": csrf}, allow_redirects=False
        ) as answer:
            assert answer.status == 302
        async with session.get(f"{server.url}/inbox", allow_redirects=False) as page:
            assert page.status == 302
            assert page.headers["Location"].startswith("/login")


async def test_a_websocket_from_another_site_is_refused(server, rt):
    session = await sign_in(server, rt)
    async with session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(f"{server.url}/ws", headers={"Origin": "https://evil.example"})
        assert refused.value.status == 403


async def test_names_and_text_are_escaped_in_pages(server, rt):
    await make_agent(rt, "x@example.com", name="</script><script>alert(1)</script>")
    session = await sign_in(server, rt)
    async with session, session.get(f"{server.url}/inbox") as page:
        html = await page.text()
    assert "<script>alert(1)" not in html
    assert "\\u003c/script\\u003e" in html


async def test_pages_forbid_framing_and_foreign_scripts(http):
    async with http.session.get(f"{http.base}/login") as page:
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert page.headers["X-Content-Type-Options"] == "nosniff"
