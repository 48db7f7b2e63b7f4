"""Helpers for tests that watch the live WebSocket feed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiohttp

from tests.conftest import Client

Match = Callable[[dict[str, Any]], bool]


async def connect(client: Client, base: str | None = None) -> aiohttp.ClientWebSocketResponse:
    ws = await client.session.ws_connect(
        f"{base or client.base}/ws", headers={"Authorization": f"Bearer {client.token}"}
    )
    hello = await ws.receive_json(timeout=5)
    assert hello["type"] == "hello"
    return ws


async def wait_for(
    ws: aiohttp.ClientWebSocketResponse, match: Match, timeout: float = 5
) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads((await ws.receive()).data)
            if match(message):
                return message


def event(type_: str, **data: Any) -> Match:
    return lambda m: m.get("type") == type_ and all(m["data"].get(k) == v for k, v in data.items())
