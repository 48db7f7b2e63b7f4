"""Outbound delivery against fake platforms that enforce their sending limits and fail at times.

For each platform: queue N agent replies to many customers, let the embedded Celery worker
deliver them through the real connectors to a local fake server that answers 429 / rate-limit
errors above the platform's documented rate and a 5xx to a share of calls. Reports the
sustained rate against the allowed rate, and checks that every reply arrived exactly once.

    python -m benchmarks.delivery [--messages 300] [--error-rate 0.03]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer
from bson import ObjectId

from connectors import http
from connectors.base import Inbound, InboundKind, Sender
from inbox.auth import Principal
from inbox.embedded.runtime import EmbeddedWorker, open_runtime
from inbox.models.agents import AgentCreate, Role
from inbox.models.channels import ChannelCreate
from inbox.models.conversations import MessageCreate
from inbox.runtime import Runtime
from inbox.services import agents, channels, ingest, messages, replies
from inbox.settings import Settings
from tests.conftest import BOT_TOKEN, FACEBOOK_APP_SECRET, ZALO_OA_SECRET, free_port
from tests.fakes import graph_api, zalo_api
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo


@dataclass
class Platform:
    name: str
    allowed: float
    """Sends per second the platform allows (what the fake enforces)."""
    fake: Any
    config: Callable[[str], dict[str, Any]]
    delivered: Callable[[Any], list[str]]
    """The texts the fake accepted, to count arrivals and duplicates."""


def platforms(error_rate: float) -> list[Platform]:
    telegram = FakeTelegram(error_rate=error_rate)
    telegram.limit.per_second = 30
    graph = FakeGraph(error_rate=error_rate)
    graph.limit.per_second = 300
    zalo = FakeZalo(error_rate=error_rate)
    zalo.limit.per_second = 10
    return [
        Platform(
            "telegram",
            30,
            telegram,
            lambda base: {"bot_token": BOT_TOKEN, "api_base_url": base},
            lambda fake: [p["text"] for m, p in fake.accepted if m == "sendMessage"],
        ),
        Platform(
            "facebook",
            300,
            graph,
            lambda base: {
                "page_id": graph_api.PAGE_ID,
                "page_access_token": graph_api.PAGE_TOKEN,
                "app_secret": FACEBOOK_APP_SECRET,
                "graph_base_url": base,
            },
            lambda fake: [p["message"]["text"] for p in fake.accepted],
        ),
        Platform(
            "zalo",
            10,
            zalo,
            lambda base: {
                "oa_id": zalo_api.OA_ID,
                "app_id": zalo_api.APP_ID,
                "oa_secret_key": ZALO_OA_SECRET,
                "access_token": zalo_api.ACCESS_TOKEN,
                "refresh_token": zalo_api.REFRESH_TOKEN,
                "api_base_url": base,
                "max_per_second": 10,
            },
            lambda fake: [b["message"]["text"] for b in fake.accepted],
        ),
    ]


async def queue_replies(
    rt: Runtime, channel_id: str, agent: Principal, count: int, kind: str
) -> None:
    """One customer message and one agent reply per customer, as the inbox would see them."""
    channel = await channels.load(rt, ObjectId(channel_id))
    for number in range(count):
        customer = str(900000 + number)
        item = Inbound(
            kind=InboundKind.MESSAGE,
            external_id=f"bench-{kind}-{number}",
            thread_id=customer,
            sender=Sender(external_id=customer, name=f"Customer {number}"),
            text="Hello",
        )
        result = await ingest.ingest(rt, channel, item)
        message = await messages.get(rt, ObjectId(result.message_id))
        body = MessageCreate(text=f"reply {number}")
        await replies.post(rt, str(message["conversation_id"]), body, agent)


def sustained_rate(times: list[float]) -> float:
    """Sends per second over the middle 90 % of arrivals: the steady state, without the
    ramp-up and the last few messages that wait out a retry."""
    if len(times) < 20:
        return 0.0
    start, end = int(len(times) * 0.05), int(len(times) * 0.95)
    return (end - start) / (times[end] - times[start])


async def sent_count(rt: Runtime) -> int:
    return await rt.store.db["messages"].count_documents({"delivery.status": "sent"})


async def run_one(rt: Runtime, platform: Platform, agent: Principal, count: int) -> bool:
    server = TestServer(platform.fake.app(), host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        base = f"http://127.0.0.1:{server.port}"
        created = await channels.create(
            rt, ChannelCreate(kind=platform.name, name=platform.name, config=platform.config(base))
        )
        before = await sent_count(rt)
        await queue_replies(rt, created.id, agent, count, platform.name)
        worker = EmbeddedWorker(rt, concurrency=16, with_beat=False)
        await worker.start()  # the replies wait in the broker until now: a sustained backlog
        started = time.perf_counter()
        try:
            while await sent_count(rt) - before < count:
                if time.perf_counter() - started > count / platform.allowed * 4 + 60:
                    break
                await asyncio.sleep(0.05)
        finally:
            await worker.stop()
    finally:
        await server.close()
    texts = platform.delivered(platform.fake)
    duplicates = sum(n - 1 for n in Counter(texts).values() if n > 1)
    arrived = len(set(texts))
    sent = await sent_count(rt) - before
    rate = sustained_rate(platform.fake.accepted_at)
    share = rate / platform.allowed
    print(
        f"{platform.name:<9} allowed {platform.allowed:>5.0f}/s  achieved {rate:7.1f}/s "
        f"({share:6.1%})  sent {sent}/{count}  arrived {arrived}  duplicates {duplicates}  "
        f"rejected by the fake {platform.fake.rejected}"
    )
    return sent == count and arrived == count and duplicates == 0


async def main(count: int, error_rate: float, only: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            data_dir=Path(tmp),
            log_level="WARNING",
            delivery_retry_base_seconds=0.5,
            delivery_max_attempts=12,
        )
        async with open_runtime(settings) as rt:
            try:
                body = AgentCreate(
                    email="bench@example.com",
                    name="Bench",
                    role=Role.ADMIN,
                    password=secrets.token_urlsafe(16),
                )
                admin = await agents.create(rt, body)
                principal = Principal.of(admin, "bench")
                ok = True
                for platform in platforms(error_rate):
                    if not only or platform.name in only:
                        ok &= await run_one(rt, platform, principal, count)
            finally:
                await http.close()
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--error-rate", type=float, default=0.02)
    parser.add_argument("--only", nargs="*", default=[])
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.messages, args.error_rate, args.only)))
