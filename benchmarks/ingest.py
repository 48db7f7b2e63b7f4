"""Webhook ingest on embedded parts as the store grows, and what the journal costs.

For each size (messages already stored: 1k, 10k, 50k by default) a data dir is seeded, then
`inbox serve` gets N signed Telegram updates (10 % redelivered duplicates) with bounded
concurrency. Printed per run: throughput, p50/p99 acknowledgement, and CPU milliseconds per
webhook (the server process's CPU time, its event processing included, until it is idle
again, minus its idle rate). The largest size runs again with the journal off. Ratios are
against the smallest size in the same run. Last: clean stop and restart (load + replay) at
the largest size. Exits 1 if a run stored the wrong number of messages.

    python -m benchmarks.ingest [--sizes 1000,10000,50000] [--updates 1000] [--concurrency 32]
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from bson import ObjectId, json_util

from inbox.embedded.durable import DurableStore
from inbox.embedded.mongomock_hooks import keeper
from inbox.settings import Settings
from inbox.store import Store
from tests.conftest import serving, telegram_update
from tests.fakes.telegram_api import FakeTelegram
from tests.processes import connect_telegram, inbox_process, post_update

TEMPLATE_CHAT = 987_654_321
MESSAGES_PER_CONVERSATION = 10
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    name: str
    rate: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    rss_mb: float
    disk_mb: float
    stored: int
    expected: int


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def disk_mb(data_dir: Path) -> float:
    return sum(f.stat().st_size for f in (data_dir / "store").iterdir()) / 1e6


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def idle_rate(pid: int, seconds: float = 3.0) -> float:
    before = cpu_seconds(pid)
    await asyncio.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


async def until_idle(pid: int, idle: float, quiet: float = 1.0) -> None:
    """Wait until the process uses no more than its idle rate (+2 %) for `quiet` seconds."""
    while True:
        before = cpu_seconds(pid)
        await asyncio.sleep(quiet)
        if cpu_seconds(pid) - before <= (idle + 0.02) * quiet:
            return


def updates(count: int, chats: int, first_message: int) -> tuple[list[bytes], int]:
    unique = int(count / 1.1)
    bodies = [
        json.dumps(telegram_update(5000 + i % chats, first_message + i, f"Đơn hàng {i}")).encode()
        for i in range(unique)
    ]
    bodies += random.sample(bodies, count - unique)
    random.shuffle(bodies)
    return bodies, unique


async def fire(url: str, bodies: list[bytes], concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                status = await post_update(session, url, body)
                if status != 200:
                    raise RuntimeError(f"{url} answered {status}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


async def seed(data_dir: Path, messages: int, fake_api: str) -> str:
    """A data dir with a Telegram channel and `messages` stored messages; returns the
    webhook path. One real conversation is made through the server, then cloned."""
    async with aiohttp.ClientSession() as session, inbox_process(data_dir) as served:
        url = await connect_telegram(session, served.base, fake_api)
        for n in range(MESSAGES_PER_CONVERSATION):
            body = json.dumps(telegram_update(TEMPLATE_CHAT, n + 1, f"Mẫu {n}")).encode()
            assert await post_update(session, url, body) == 200
        await asyncio.sleep(2)
    store = Store.open(Settings(_env_file=None, data_dir=data_dir))
    await store.ensure_indexes()
    durable = DurableStore(store, data_dir)
    await durable.open()
    databases = store.db._store
    template = _template(databases)
    for copy in range(messages // MESSAGES_PER_CONVERSATION - 1):
        for name, doc in _clone(template, copy):
            databases[name]._documents[doc["_id"]] = doc
    for name in template["collections"]:
        keeper(databases[name]).rebuild()
    await durable.compact()
    await durable.close()
    return url.removeprefix(url.split("/webhooks")[0])


def _template(databases: Any) -> dict[str, Any]:
    chat = str(TEMPLATE_CHAT)
    conversation = next(
        d for d in databases["conversations"]._documents.values() if d["thread_id"] == chat
    )
    docs = {
        "conversations": [conversation],
        "messages": [
            d
            for d in databases["messages"]._documents.values()
            if d["conversation_id"] == conversation["_id"]
        ],
        "contacts": [databases["contacts"]._documents[conversation["contact_id"]]],
        "contact_identities": [
            d for d in databases["contact_identities"]._documents.values() if chat in str(d["_id"])
        ],
    }
    ids = [
        str(d["_id"]) for name, found in docs.items() if name != "contact_identities" for d in found
    ]
    return {"text": json_util.dumps(docs), "ids": ids, "collections": list(docs)}


def _clone(template: dict[str, Any], copy: int) -> list[tuple[str, dict[str, Any]]]:
    text = template["text"].replace(str(TEMPLATE_CHAT), str(100_000_000 + copy))
    for old in template["ids"]:
        text = text.replace(old, str(ObjectId()))
    docs = json_util.loads(text)
    docs["conversations"][0]["number"] = 10_000_000 + copy
    return [(name, doc) for name, found in docs.items() for doc in found]


async def measure(
    name: str, data_dir: Path, path: str, count: int, concurrency: int, **env: str
) -> Run:
    async with inbox_process(data_dir, **env) as served:
        pid = served.process.pid
        idle = await idle_rate(pid)
        bodies, unique = updates(count, chats=250, first_message=1_000)
        started_cpu, started = cpu_seconds(pid), time.perf_counter()
        seconds, latencies = await fire(served.base + path, bodies, concurrency)
        await until_idle(pid, idle)
        busy = cpu_seconds(pid) - started_cpu - idle * (time.perf_counter() - started)
        memory = rss_mb(pid)
    journaled = env.get("INBOX_JOURNAL") != "0"
    stored = await _stored_messages(data_dir) if journaled else unique
    ordered = sorted(latencies)
    return Run(
        name,
        rate=len(latencies) / seconds,
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[int(len(ordered) * 0.99) - 1] * 1000,
        cpu_ms=busy / count * 1000,
        rss_mb=memory,
        disk_mb=disk_mb(data_dir),
        stored=stored,
        expected=unique,
    )


async def _stored_messages(data_dir: Path) -> int:
    """Inbound messages of the benchmark's chats (ids 5000-5249), read from the data dir."""
    store = Store.open(Settings(_env_file=None, data_dir=data_dir))
    await store.ensure_indexes()
    durable = DurableStore(store, data_dir, keep_journal=False)
    await durable.open()
    documents = store.db._store["messages"]._documents.values()
    return sum(1 for d in documents if str(d.get("external_id", "")).startswith("5"))


async def stop_and_restart(data_dir: Path) -> tuple[float, float]:
    async with inbox_process(data_dir) as served:
        started = time.perf_counter()
        served.process.send_signal(signal.SIGTERM)
        if await served.process.wait() != 0:
            raise RuntimeError("inbox serve did not stop cleanly:\n" + "".join(served.output))
        stop = time.perf_counter() - started
    started = time.perf_counter()
    async with inbox_process(data_dir):
        restart = time.perf_counter() - started
    return stop, restart


def report(runs: list[Run]) -> None:
    base = runs[0]
    print(
        f"\n{'run':<34}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/wh':>11}"
        f"{'p50 x':>8}{'CPU x':>8}{'RSS MB':>8}{'disk MB':>9}"
    )
    for run in runs:
        print(
            f"{run.name:<34}{run.rate:>8.0f}{run.p50_ms:>9.1f}{run.p99_ms:>9.1f}"
            f"{run.cpu_ms:>11.2f}{run.p50_ms / base.p50_ms:>8.2f}{run.cpu_ms / base.cpu_ms:>8.2f}"
            f"{run.rss_mb:>8.0f}{run.disk_mb:>9.1f}"
        )


async def main(sizes: list[int], count: int, concurrency: int) -> int:
    print(f"{count} webhooks per run (10 % duplicates), {concurrency} in flight, sizes {sizes}")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with serving(FakeTelegram()) as (_, fake_api):
            for size in sizes:
                data_dir = Path(tmp) / f"size-{size}"
                path = await seed(data_dir, size, fake_api)
                runs.append(
                    await measure(
                        f"{size:,} stored, journal on", data_dir, path, count, concurrency
                    )
                )
            largest = Path(tmp) / f"size-{sizes[-1]}-off"
            path = await seed(largest, sizes[-1], fake_api)
            runs.append(
                await measure(
                    f"{sizes[-1]:,} stored, journal off",
                    largest,
                    path,
                    count,
                    concurrency,
                    INBOX_JOURNAL="0",
                )
            )
            stop, restart = await stop_and_restart(Path(tmp) / f"size-{sizes[-1]}")
    report(runs)
    on, off = runs[-2], runs[-1]
    print(
        f"\njournal cost at {sizes[-1]:,}: CPU x {on.cpu_ms / off.cpu_ms:.2f}, "
        f"throughput x {on.rate / off.rate:.2f}"
    )
    print(f"at {sizes[-1]:,} stored: clean stop {stop:.2f} s, restart until ready {restart:.2f} s")
    wrong = [r for r in runs if r.stored != r.expected]
    for run in wrong:
        print(f"{run.name}: stored {run.stored}, expected {run.expected}")
    return 1 if wrong else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    sys.exit(asyncio.run(main(sizes, args.updates, args.concurrency)))
