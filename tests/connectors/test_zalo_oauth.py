"""Connecting a Zalo Official Account with Zalo's OAuth v4 and PKCE, against a local Zalo:
the admin is sent to the permission page with a code challenge, comes back with a code,
and the code is exchanged with the verifier for the tokens the channel then uses."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import aiohttp

from connectors.zalo_oauth import challenge_of
from tests.conftest import ZALO_OA_SECRET
from tests.fakes.zalo_api import APP_ID, APP_SECRET, OA_ID


async def start(admin, base: str, **extra) -> dict:
    body = {
        "name": "Shop OA",
        "app_id": APP_ID,
        "app_secret_key": APP_SECRET,
        "oa_secret_key": ZALO_OA_SECRET,
        "oauth_base_url": base,
        "api_base_url": base,
        **extra,
    }
    status, answer = await admin.post("/api/v1/channels/zalo/authorize", json=body)
    assert status == 200, answer
    return answer


async def grant(authorize_url: str) -> str:
    """The admin approves on Zalo's page; returns where Zalo sends their browser back."""
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(authorize_url, allow_redirects=False) as answer,
    ):
        assert answer.status == 302, await answer.text()
        return answer.headers["Location"]


async def come_back(admin, callback: str) -> dict[str, list[str]]:
    """Open the callback as the signed-in admin; returns the admin page's query it leads to."""
    parts = urlsplit(callback)
    async with admin.session.get(
        admin.base + f"{parts.path}?{parts.query}",
        headers={"Authorization": f"Bearer {admin.token}"},
        allow_redirects=False,
    ) as answer:
        assert answer.status == 303
        return parse_qs(urlsplit(answer.headers["Location"]).query)


async def test_the_pkce_flow_connects_the_official_account(admin, server, fake_zalo):
    fake, base = fake_zalo
    fake.expire()  # only the token Zalo grants below is good
    answer = await start(admin, base)
    assert answer["redirect_uri"] == f"{server.url}/oauth/zalo/callback"
    query = parse_qs(urlsplit(answer["authorize_url"]).query)
    assert answer["authorize_url"].startswith(f"{base}/v4/oa/permission?")
    assert query["app_id"] == [APP_ID] and query["redirect_uri"] == [answer["redirect_uri"]]
    challenge = query["code_challenge"][0]

    callback = await grant(answer["authorize_url"])
    assert callback.startswith(answer["redirect_uri"])
    assert await come_back(admin, callback) == {"channel_connected": ["Shop OA"]}

    (exchange,) = [form for kind, form in fake.calls if kind == "authorization_code"]
    assert challenge_of(exchange["code_verifier"]) == challenge
    assert exchange["app_id"] == APP_ID
    _status, page = await admin.get("/api/v1/channels")
    (channel,) = [c for c in page["items"] if c["kind"] == "zalo"]
    assert channel["name"] == "Shop OA" and channel["config"]["oa_id"] == OA_ID
    # Connecting asked the OA API for the OA's name: only the granted token could do that.


async def test_a_used_or_forged_state_connects_nothing(admin, fake_zalo):
    _, base = fake_zalo
    answer = await start(admin, base)
    callback = await grant(answer["authorize_url"])
    assert "channel_connected" in await come_back(admin, callback)

    replayed = await come_back(admin, callback)
    assert "already used" in replayed["channel_error"][0]

    forged = callback.replace("state=", "state=forged")
    assert "already used" in (await come_back(admin, forged))["channel_error"][0]
    _status, page = await admin.get("/api/v1/channels")
    assert len([c for c in page["items"] if c["kind"] == "zalo"]) == 1


async def test_a_refused_code_exchange_is_explained(admin, fake_zalo):
    fake, base = fake_zalo
    answer = await start(admin, base)
    callback = await grant(answer["authorize_url"])
    fake.codes.clear()  # Zalo no longer knows the code (used or expired)

    outcome = await come_back(admin, callback)

    assert "already used or has expired" in outcome["channel_error"][0]


async def test_only_admins_start_it_and_bad_keys_are_a_422(admin, agent):
    status, _ = await agent.post(
        "/api/v1/channels/zalo/authorize",
        json={"name": "x", "app_id": APP_ID, "app_secret_key": "s", "oa_secret_key": "o"},
    )
    assert status == 403
    status, body = await admin.post(
        "/api/v1/channels/zalo/authorize",
        json={"name": "x", "app_id": "not-digits", "app_secret_key": "s", "oa_secret_key": "o"},
    )
    assert status == 422, body
