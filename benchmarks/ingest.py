"""Webhook ingest throughput: `inbox serve` on embedded parts against a bare aiohttp handler.

Sends N signed Telegram updates (10 % of them redelivered duplicates) with bounded
concurrency to each server in the same run, prints throughput and latency percentiles for
both and their ratio, then checks that exactly the unique messages were stored.

    python -m benchmarks.ingest [--updates 2000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.conftest import BOT_TOKEN, free_port, telegram_update
from tests.fakes.telegram_api import FakeTelegram

SECRET = "bench-secret-token"
ADMIN = {"email": "bench@example.com", "password": "bench-password-123"}


def updates(count: int, duplicate_share: float) -> tuple[list[bytes], int]:
    unique = int(count / (1 + duplicate_share))
    bodies = [
        json.dumps(telegram_update(1000 + i % 250, i + 1, f"message {i}")).encode()
        for i in range(unique)
    ]
    bodies += random.sample(bodies, count - unique)
    random.shuffle(bodies)
    return bodies, unique


async def fire(url: str, bodies: list[bytes], concurrency: int) -> tuple[float, list[float]]:
    """POST every body with at most `concurrency` in flight; returns (seconds, latencies)."""
    latencies: list[float] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as answer:
                    await answer.read()
                    if answer.status != 200:
                        raise RuntimeError(f"{url} answered {answer.status}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


def report(name: str, seconds: float, latencies: list[float]) -> float:
    ordered = sorted(latencies)
    rate = len(latencies) / seconds
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
    print(f"{name:<28} {rate:>9.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")
    return rate


@asynccontextmanager
async def bare_server():
    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", ok)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}/hook"
    finally:
        await server.close()


@asynccontextmanager
async def inbox_server(data_dir: Path):
    port = free_port()
    env = {
        **os.environ,
        "INBOX_DATA_DIR": str(data_dir),
        "INBOX_ADMIN_EMAIL": ADMIN["email"],
        "INBOX_ADMIN_PASSWORD": ADMIN["password"],
        "INBOX_LOG_LEVEL": "WARNING",
    }
    env.pop("INBOX_MONGODB_URL", None)
    env.pop("INBOX_REDIS_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "inbox",
        "serve",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    while b"Inbox is ready" not in (line := await process.stdout.readline()):
        if not line:
            raise RuntimeError("inbox serve did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)


async def connect_channel(base: str, fake_api: str) -> str:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base}/api/v1/auth/token", json=ADMIN) as answer:
            token = (await answer.json())["token"]
        config = {"bot_token": BOT_TOKEN, "secret_token": SECRET, "api_base_url": fake_api}
        async with session.post(
            f"{base}/api/v1/channels",
            headers={"Authorization": f"Bearer {token}"},
            json={"kind": "telegram", "name": "bench", "config": config},
        ) as answer:
            return (await answer.json())["id"]


async def main(count: int, concurrency: int) -> int:
    bodies, unique = updates(count, 0.10)
    duplicates = count - unique
    print(f"{count} webhooks ({unique} unique, {duplicates} duplicates), {concurrency} in flight\n")
    fake = TestServer(FakeTelegram().app(), host="127.0.0.1", port=free_port())
    await fake.start_server()
    with tempfile.TemporaryDirectory() as tmp:
        async with bare_server() as url:
            await fire(url, bodies[:200], concurrency)  # warm-up
            bare_rate = report("bare aiohttp handler", *await fire(url, bodies, concurrency))
        async with inbox_server(Path(tmp)) as base:
            channel = await connect_channel(base, f"http://127.0.0.1:{fake.port}")
            url = f"{base}/webhooks/telegram/{channel}"
            inbox_rate = report("inbox serve (embedded)", *await fire(url, bodies, concurrency))
        await fake.close()
        stored = json.loads((Path(tmp) / "store.json").read_text())
    inbound = sum(1 for m in stored["messages"] if m["direction"] == "in")
    print(f"\ninbox / bare throughput: {inbox_rate / bare_rate:.2f}")
    print(f"stored inbound messages: {inbound} (expected {unique})")
    return 0 if inbound == unique else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.updates, args.concurrency)))
