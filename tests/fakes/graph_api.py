"""A local Graph API that answers like Meta's for the paths the Facebook connector uses.

facebook-sdk posts form data (nested values as JSON strings) or multipart with `filedata`;
errors are `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.rate import SlidingWindow
from tests.fakes.slowness import Slowness

PAGE_ID = "106100112233445"
PAGE_TOKEN = "EAAGm0PX4ZCpsBAPageTokenForTests"


@dataclass
class GraphError:
    status: int
    code: int | None
    message: str
    subcode: int | None = None


@dataclass
class FakeGraph:
    page_id: str = PAGE_ID
    page_name: str = "Shop page"
    valid_tokens: set[str] = field(default_factory=lambda: {PAGE_TOKEN})
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: dict[str, list[GraphError]] = field(default_factory=dict)
    limit: SlidingWindow = field(default_factory=SlidingWindow)
    """Enforce a Send API rate: over it, answer error 613 like Meta does."""
    error_rate: float = 0.0
    """Share of sends answered with a temporary error (code 2), at random (seeded)."""
    profiles: dict[str, dict[str, str]] = field(
        default_factory=lambda: {
            "24680135791357": {
                "first_name": "Linh",
                "last_name": "Đặng",
                "profile_pic": "https://platform-lookaside.fbsbx.com/p.jpg",
            }
        }
    )
    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0
    accepted_at: list[float] = field(default_factory=list)
    slowness: Slowness = field(default_factory=Slowness)
    """How sends are answered once taken (delay, dropped connection)."""
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _random: random.Random = field(default_factory=lambda: random.Random(11))

    def app(self) -> web.Application:
        app = web.Application(client_max_size=30 * 1024 * 1024)
        app.router.add_route("*", "/{version}/{path:.+}", self._handle)
        return app

    def fail(
        self,
        kind: str,
        status: int,
        code: int | None,
        message: str,
        subcode: int | None = None,
        times: int = 1,
    ) -> None:
        self.failures.setdefault(kind, []).extend(
            GraphError(status, code, message, subcode) for _ in range(times)
        )

    def sent(self) -> list[dict[str, Any]]:
        return [params for kind, params in self.calls if kind == "messages"]

    def comment_replies(self) -> list[dict[str, Any]]:
        return [params for kind, params in self.calls if kind == "comments"]

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        params = dict(request.query)
        params.update(await _form(request))
        kind = (
            "messages"
            if path == "me/messages"
            else "comments"
            if path.endswith("/comments")
            else ("unsubscribe" if request.method == "DELETE" else "subscribe")
            if path.endswith("/subscribed_apps")
            else path
        )
        if params.get("access_token") not in self.valid_tokens:
            return _error(
                GraphError(400, 190, "Error validating access token: Session has expired.")
            )
        self.calls.append((kind, params))
        pending = self.failures.get(kind)
        if pending:
            return _error(pending.pop(0))
        if kind in ("messages", "comments") and self.limit.over():
            self.rejected += 1
            return _error(
                GraphError(400, 613, "(#613) Calls to this api have exceeded the rate limit.")
            )
        if kind in ("messages", "comments") and self._random.random() < self.error_rate:
            self.rejected += 1
            return _error(GraphError(500, 2, "An unexpected error has occurred. Please retry."))
        if kind == "messages" and not _valid_quick_replies(params.get("message")):
            return _error(GraphError(400, 100, "(#100) Invalid quick_replies"))
        if kind == "messages":
            self.accepted.append(params)
            self.accepted_at.append(time.monotonic())
            if not await self.slowness.before_answer(request.transport):
                return web.Response(status=204)
        if kind == "me":
            return web.json_response({"id": self.page_id, "name": self.page_name})
        if kind in self.profiles:
            return web.json_response(self.profiles[kind])
        if kind in ("subscribe", "unsubscribe"):
            return web.json_response({"success": True})
        if kind == "messages":
            recipient = params.get("recipient", {})
            return web.json_response(
                {
                    "recipient_id": recipient.get("id", "24680135791357"),
                    "message_id": f"m_out_{next(self._ids)}",
                }
            )
        if kind == "comments":
            return web.json_response({"id": f"{path.split('/')[0]}_reply{next(self._ids)}"})
        return _error(GraphError(400, 100, f"Unknown path {path}"))


async def _form(request: web.Request) -> dict[str, Any]:
    if request.method != "POST":
        return {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if hasattr(value, "file"):
            params[key] = {
                "filename": value.filename,
                "content": value.file.read(),
                "content_type": value.content_type,
            }
            continue
        params[key] = value
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(value)
    return params


def _error(error: GraphError) -> web.Response:
    body: dict[str, Any] = {
        "message": error.message,
        "type": "OAuthException",
        "fbtrace_id": "AbCdEfGh123",
    }
    if error.code is not None:
        body["code"] = error.code
    if error.subcode is not None:
        body["error_subcode"] = error.subcode
    if error.status >= 500 and error.code is None:
        return web.Response(
            status=error.status, text="<html>Service Unavailable</html>", content_type="text/html"
        )
    return web.json_response({"error": body}, status=error.status)


def _valid_quick_replies(message: Any) -> bool:
    """Messenger's rules: at most 13; text ones need a title of at most 20 characters."""
    if isinstance(message, str):
        message = json.loads(message)
    replies = (message or {}).get("quick_replies")
    if replies is None:
        return True
    return len(replies) <= 13 and all(
        r.get("content_type") == "text" and 0 < len(r.get("title", "")) <= 20 and r.get("payload")
        for r in replies
    )
