"""A local Zalo OA API and OAuth server that answer like Zalo's (HTTP 200, `error` != 0)."""

from __future__ import annotations

import itertools
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from connectors.zalo_oauth import challenge_of
from tests.fakes.rate import SlidingWindow
from tests.fakes.slowness import Slowness

OA_ID = "3886132808788086"
APP_ID = "3608465249409039"
APP_SECRET = "zalo-app-secret-key"
ACCESS_TOKEN = "zalo-access-token-1"
REFRESH_TOKEN = "zalo-refresh-token-1"


@dataclass
class FakeZalo:
    access_tokens: set[str] = field(default_factory=lambda: {ACCESS_TOKEN})
    refresh_tokens: set[str] = field(default_factory=lambda: {REFRESH_TOKEN})
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    refreshes: int = 0
    codes: dict[str, str] = field(default_factory=dict)
    """Authorization codes given out, with the PKCE challenge each must be redeemed against."""
    limit: SlidingWindow = field(default_factory=SlidingWindow)
    error_rate: float = 0.0
    """Share of sends answered HTTP 502, at random (seeded)."""
    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0
    accepted_at: list[float] = field(default_factory=list)
    slowness: Slowness = field(default_factory=Slowness)
    """How sends are answered once taken (delay, dropped connection)."""
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _random: random.Random = field(default_factory=lambda: random.Random(13))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v2.0/oa/getoa", self._getoa)
        app.router.add_get("/v3.0/oa/user/detail", self._user)
        app.router.add_post("/v3.0/oa/message/cs", self._message)
        app.router.add_post("/v2.0/oa/upload/image", self._upload)
        app.router.add_post("/v2.0/oa/upload/file", self._upload)
        app.router.add_post("/v4/oa/access_token", self._token)
        app.router.add_get("/v4/oa/permission", self._permission)
        return app

    def fail(self, path: str, error: int, message: str, times: int = 1) -> None:
        self.failures.setdefault(path, []).extend(
            {"error": error, "message": message} for _ in range(times)
        )

    def expire(self, token: str = ACCESS_TOKEN) -> None:
        self.access_tokens.discard(token)

    def sent(self) -> list[dict[str, Any]]:
        return [body for path, body in self.calls if path == "message"]

    def _check(self, request: web.Request, path: str) -> dict[str, Any] | None:
        if request.headers.get("access_token") not in self.access_tokens:
            return {"error": -216, "message": "Access token is invalid"}
        pending = self.failures.get(path)
        if pending:
            return pending.pop(0)
        return None

    async def _getoa(self, request: web.Request) -> web.Response:
        problem = self._check(request, "getoa")
        if problem:
            return web.json_response(problem)
        return web.json_response(
            {"error": 0, "message": "Success", "data": {"oa_id": OA_ID, "name": "Shop OA"}}
        )

    async def _user(self, request: web.Request) -> web.Response:
        problem = self._check(request, "user")
        if problem:
            return web.json_response(problem)
        user_id = json.loads(request.query["data"])["user_id"]
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {
                    "user_id": user_id,
                    "display_name": "Phạm Văn Tú",
                    "avatar": "https://s120-ava-talk.zadn.vn/a.jpg",
                },
            }
        )

    async def _message(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(("message", body))
        problem = self._check(request, "message") or _bad_buttons(body)
        if problem:
            return web.json_response(problem)
        if self.limit.over():
            self.rejected += 1
            return web.json_response({"error": -32, "message": "Exceed rate limit"})
        if self._random.random() < self.error_rate:
            self.rejected += 1
            return web.Response(status=502, text="Bad Gateway")
        self.accepted.append(body)
        self.accepted_at.append(time.monotonic())
        if not await self.slowness.before_answer(request.transport):
            return web.Response(status=204)
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {
                    "message_id": f"zmsg{next(self._ids):06d}",
                    "user_id": body["recipient"].get("user_id"),
                },
            }
        )

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form["file"]
        kind = "image" if request.path.endswith("image") else "file"
        self.calls.append(
            (f"upload_{kind}", {"filename": upload.filename, "content": upload.file.read()})
        )
        problem = self._check(request, f"upload_{kind}")
        if problem:
            return web.json_response(problem)
        data = {"attachment_id": "att-1"} if kind == "image" else {"token": "file-token-1"}
        return web.json_response({"error": 0, "message": "Success", "data": data})

    async def _permission(self, request: web.Request) -> web.Response:
        """The OA admin grants access: back to the app's callback with a one-time code."""
        query = request.query
        if query.get("app_id") != APP_ID or not query.get("code_challenge"):
            return web.Response(status=400, text="Invalid app or missing code_challenge")
        code = f"zalo-code-{next(self._ids)}"
        self.codes[code] = query["code_challenge"]
        back = {"oa_id": OA_ID, "code": code, "state": query.get("state", "")}
        raise web.HTTPFound(f"{query['redirect_uri']}?{urlencode(back)}")

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.calls.append((str(form.get("grant_type")), dict(form)))
        if request.headers.get("secret_key") != APP_SECRET or form.get("app_id") != APP_ID:
            return web.json_response({"error": -14002, "error_name": "Invalid app"})
        if form.get("grant_type") == "authorization_code":
            challenge = self.codes.pop(str(form.get("code")), None)
            verifier = str(form.get("code_verifier", ""))
            if challenge is None or challenge_of(verifier) != challenge:
                return web.json_response({"error": -14019, "error_name": "Invalid code"})
            return self._new_tokens(f"granted-{next(self._ids)}")
        token = form.get("refresh_token")
        if token not in self.refresh_tokens:
            return web.json_response(
                {
                    "error": -14020,
                    "error_name": "Invalid refresh token",
                    "error_description": "Refresh token is used or expired",
                }
            )
        self.refresh_tokens.discard(token)  # a refresh token works once
        self.refreshes += 1
        return self._new_tokens(str(self.refreshes + 1))

    def _new_tokens(self, suffix: str) -> web.Response:
        access, refresh = f"zalo-access-token-{suffix}", f"zalo-refresh-token-{suffix}"
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return web.json_response(
            {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
        )


def _bad_buttons(body: dict[str, Any]) -> dict[str, Any] | None:
    """The OA API's rules for buttons: a title, a known type and a payload each, five at most."""
    buttons = (
        ((body.get("message") or {}).get("attachment") or {}).get("payload", {}).get("buttons")
    )
    if buttons is None:
        return None
    known = {"oa.query.show", "oa.query.hide", "oa.open.url", "oa.open.phone"}
    valid = len(buttons) <= 5 and all(
        b.get("title") and b.get("type") in known and b.get("payload") for b in buttons
    )
    return None if valid else {"error": -201, "message": "Invalid buttons"}
