"""A local SMS gateway speaking a common shape (eSMS-like): POST JSON with an API key header,
answers `{"CodeResult":"100",...}` (compact, as the real one) on success. Answers can be queued to fail first."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

API_KEY = "sms-key-123"


@dataclass
class FakeSmsGateway:
    sent: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, str]] = field(default_factory=list)
    """(status, body) to give before succeeding, in order."""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/MainService.svc/json/SendMultipleMessage_V4_post_json/", self.send)
        return app

    async def send(self, request: web.Request) -> web.Response:
        if request.headers.get("X-Api-Key") != API_KEY:
            return web.json_response({"CodeResult": "101", "ErrorMessage": "bad key"}, status=401)
        body = await request.json()
        if self.answers:
            status, text = self.answers.pop(0)
            return web.Response(status=status, text=text)
        self.sent.append(body)
        answer = {"CodeResult": "100", "SMSID": f"sms-{len(self.sent)}"}
        return web.json_response(answer, dumps=lambda obj: json.dumps(obj, separators=(",", ":")))

    def texts_to(self, phone: str) -> list[str]:
        return [m["Content"] for m in self.sent if m["Phone"] == phone]
