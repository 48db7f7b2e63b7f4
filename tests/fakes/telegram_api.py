"""A local Bot API server that answers like Telegram's, for python-telegram-bot's `Bot`.

PTB calls `<base_url><token>/<method>` with form (or multipart) parameters whose complex
values are JSON strings; Telegram answers `{"ok": true, "result": ...}` or
`{"ok": false, "error_code", "description", "parameters"}`.
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

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Shop", "username": "shop_test_bot"}


@dataclass
class Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None = None


@dataclass
class FakeTelegram:
    """Records every call; `fail(method, ...)` scripts the next answers of a method."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    rejected_tokens: set[str] = field(default_factory=set)
    webhook: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(
        default_factory=lambda: {"BQACAgUAAxkBAAIBaGVhYmNkZWZnaGlqa2xtbm9w": b"%PDF-1.4 invoice"}
    )
    _ids: itertools.count = field(default_factory=lambda: itertools.count(500))
    limit: SlidingWindow = field(default_factory=SlidingWindow)
    """Enforce the Bot API's per-bot rate: over it, answer 429 with retry_after like Telegram."""
    error_rate: float = 0.0
    """Share of sends answered 500, at random (seeded), to test retries."""
    accepted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rejected: int = 0
    accepted_at: list[float] = field(default_factory=list)
    slowness: Slowness = field(default_factory=Slowness)
    """How sends are answered once taken (delay, dropped connection)."""
    _random: random.Random = field(default_factory=lambda: random.Random(7))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        return app

    async def _download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].removeprefix("documents/")
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])

    def fail(
        self,
        method: str,
        status: int,
        description: str,
        parameters: dict | None = None,
        times: int = 1,
    ) -> None:
        self.failures.setdefault(method, []).extend(
            Failure(status, description, parameters) for _ in range(times)
        )

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        params = await _params(request)
        self.calls.append((method, params))
        if token in self.rejected_tokens:
            return _error(Failure(401, "Unauthorized"))
        pending = self.failures.get(method)
        if pending:
            return _error(pending.pop(0))
        if method.startswith("send"):
            if self.limit.over():
                self.rejected += 1
                return _error(Failure(429, "Too Many Requests: retry after 1", {"retry_after": 1}))
            if self._random.random() < self.error_rate:
                self.rejected += 1
                return _error(Failure(500, "Internal Server Error"))
            self.accepted.append((method, params))
            self.accepted_at.append(time.monotonic())
            if not await self.slowness.before_answer(request.transport):
                return web.Response(status=204)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return _error(Failure(404, "Not Found: method not found"))
        return web.json_response({"ok": True, "result": handler(params)})

    def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    def _deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    def _answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = params["file_id"]
        return {
            "file_id": file_id,
            "file_unique_id": "u",
            "file_size": len(self.files[file_id]),
            "file_path": f"documents/{file_id}",
        }

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        return {
            "message_id": next(self._ids),
            "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "date": int(time.time()),
            **content,
        }

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        extra = {"reply_markup": markup} if markup else {}
        return self._message(params, text=params["text"], **extra)

    def _sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        photo = [{"file_id": "AgAC-sent", "file_unique_id": "u1", "width": 90, "height": 90}]
        return self._message(params, photo=photo, caption=params.get("caption"))

    def _sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        document = {"file_id": "BQAC-sent", "file_unique_id": "u2", "file_name": "file"}
        return self._message(params, document=document, caption=params.get("caption"))


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        return await request.json()
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        params[key] = value
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(value)
    return params


def _error(failure: Failure) -> web.Response:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": failure.status,
        "description": failure.description,
    }
    if failure.parameters:
        body["parameters"] = failure.parameters
    return web.json_response(body, status=failure.status)
