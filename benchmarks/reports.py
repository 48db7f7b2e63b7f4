"""Report queries on pre-computed rollups, on the embedded store.

Fills the store with tickets and their conversations spread over 180 days (agents, teams,
channels, priorities; most resolved, some rated and with SLA targets), builds the rollups
with `inbox reports rebuild`'s function, then times the 90-day overview and the agents table
(p50, p95) beside a baseline measured in the same run: reading one ticket by id. Then it
adds messages to every conversation twice (doubling them) and times the reports again:
rollups never read messages, so the times should not move. Last, what keeping the rollups
up to date costs next to storing the message that causes it (a customer's message through
the ingest service, then the rollup handler for its event and a refresh of its conversation).

    python -m benchmarks.reports [--tickets 50000] [--messages 2] [--repeat 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bson import ObjectId

from connectors.base import Inbound, InboundKind, Sender
from inbox import clock
from inbox.embedded.runtime import open_runtime
from inbox.reports import queries, rollups
from inbox.runtime import Runtime
from inbox.services import channels, ingest
from inbox.settings import Settings

BATCH = 2000
DAYS = 180


async def fill(rt: Runtime, tickets: int, seed: int = 7) -> list[ObjectId]:
    """Tickets with one conversation each; returns the conversations' ids."""
    rng = random.Random(seed)
    agents = [ObjectId() for _ in range(8)]
    teams = [ObjectId() for _ in range(4)]
    chans = [ObjectId() for _ in range(4)]
    now = clock.now()
    conversation_ids = []
    for start in range(0, tickets, BATCH):
        convs, ticks, surveys = [], [], []
        for _ in range(start, min(tickets, start + BATCH)):
            created = now - timedelta(days=rng.uniform(0, DAYS))
            agent, team, channel = rng.choice(agents), rng.choice(teams), rng.choice(chans)
            priority = rng.choice(["urgent", "high", "medium", "low"])
            resolved = created + timedelta(hours=rng.expovariate(1 / 20))
            done = resolved < now and rng.random() < 0.9
            conversation_id, ticket_id = ObjectId(), ObjectId()
            conversation_ids.append(conversation_id)
            convs.append(
                {
                    "_id": conversation_id,
                    "channel_id": channel,
                    "contact_id": ObjectId(),
                    "team_id": team,
                    "assignee_id": agent,
                    "priority": priority,
                    "status": "resolved" if done else "open",
                    "created_at": created,
                    "resolved_at": resolved if done else None,
                    "first_agent_reply_at": created + timedelta(minutes=rng.expovariate(1 / 30)),
                    "bot_outcome": rng.choice([None, None, "deflected", "handed_over"]),
                    "ticket_id": ticket_id,
                }
            )
            met = rng.random() < 0.8
            ticks.append(
                {
                    "_id": ticket_id,
                    "seq": len(conversation_ids),
                    "status": "resolved" if done else "open",
                    "priority": priority,
                    "team_id": team,
                    "owner_id": agent,
                    "channel_id": channel,
                    "contact_id": ObjectId(),
                    "conversation_ids": [conversation_id],
                    "created_at": created,
                    "resolved_at": resolved if done else None,
                    "merged_into": None,
                    "rank": "x",
                    "sla": {
                        "targets": {
                            "resolution": {
                                "met_at": resolved if done else None,
                                "late_minutes": 0 if met else 30,
                                "breached_at": None,
                            }
                        }
                    },
                }
            )
            if done and rng.random() < 0.3:
                surveys.append(
                    {
                        "_id": ObjectId(),
                        "resolution_key": str(ObjectId()),
                        "ticket_id": ticket_id,
                        "conversation_id": conversation_id,
                        "channel_id": channel,
                        "agent_id": agent,
                        "team_id": team,
                        "rating": rng.randint(1, 5),
                        "rated_at": resolved + timedelta(hours=1),
                        "status": "sent",
                        "due_at": resolved,
                    }
                )
        await rt.store["conversations"].insert_many(convs)
        await rt.store["tickets"].insert_many(ticks)
        if surveys:
            await rt.store["surveys"].insert_many(surveys)
    return conversation_ids


async def add_messages(rt: Runtime, conversation_ids: list[ObjectId], per: int) -> None:
    batch = []
    for conversation_id in conversation_ids:
        for n in range(per):
            batch.append(
                {
                    "conversation_id": conversation_id,
                    "kind": "message",
                    "direction": "in" if n % 2 == 0 else "out",
                    "text": "Đơn hàng của tôi đâu rồi ạ?",
                    "created_at": clock.now(),
                    "sender": {"type": "contact"},
                }
            )
            if len(batch) >= BATCH:
                await rt.store["messages"].insert_many(batch)
                batch = []
    if batch:
        await rt.store["messages"].insert_many(batch)


async def timed(work: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


async def report_times(rt: Runtime, repeat: int, label: str) -> None:
    until = datetime.now(UTC).date()
    where = queries.Filters(until - timedelta(days=89), until)
    any_ticket = await rt.store["tickets"].find_one({}, {"_id": 1}, sort=[("_id", 1)])

    async def baseline() -> None:
        await rt.store["tickets"].find_one({"_id": any_ticket["_id"]})

    base50, _ = await timed(baseline, repeat)
    print(f"  {label}")
    for name, work in (
        ("90-day overview", lambda: queries.overview(rt, where)),
        ("90-day agents table", lambda: queries.breakdown(rt, where, "agent_id")),
    ):
        p50, p95 = await timed(work, repeat)
        ratio = p50 / base50
        print(
            f"    {name:22} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({ratio:6.0f}x one ticket by id)"
        )


async def upkeep(rt: Runtime, samples: int) -> None:
    doc = await channels.create_demo(rt, "telegram", "Bench bot", {})
    channel = channels.ref(rt, doc)
    store_ms, refresh_ms = [], []
    for n in range(samples):
        item = Inbound(
            kind=InboundKind.MESSAGE,
            external_id=f"bench-{n}",
            thread_id=f"chat-{n % 50}",
            sender=Sender(external_id=f"user-{n % 50}", name="Khách"),
            text="Cho mình hỏi đơn hàng",
        )
        started = time.perf_counter()
        stored = await ingest.ingest(rt, channel, item)
        store_ms.append((time.perf_counter() - started) * 1000)
        message = await rt.store["messages"].find_one({"_id": ObjectId(stored.message_id)})
        event = {  # what the worker hands the rollups for this message, then its conversation
            "type": "message.created",
            "subject": {"type": "message", "id": message["_id"]},
        }
        started = time.perf_counter()
        await rollups.on_event(rt, event)
        await rollups.refresh(rt, "conversation", message["conversation_id"])
        refresh_ms.append((time.perf_counter() - started) * 1000)
    store, refresh = statistics.median(store_ms), statistics.median(refresh_ms)
    print(
        f"  rollup upkeep per message: {refresh:.2f} ms next to {store:.2f} ms to store it "
        f"({100 * refresh / store:.0f} %)"
    )


async def main(tickets: int, messages: int, repeat: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), log_level="WARNING")
        async with open_runtime(settings) as rt:
            started = time.perf_counter()
            conversation_ids = await fill(rt, tickets)
            took = time.perf_counter() - started
            print(f"{tickets} tickets over {DAYS} days stored in {took:.1f} s")
            started = time.perf_counter()
            records = await rollups.rebuild(rt)
            buckets = await rt.store["report_rollups"].estimated_document_count()
            print(
                f"rollups built from {records} records in {time.perf_counter() - started:.1f} s: "
                f"{buckets} rollup documents"
            )
            await add_messages(rt, conversation_ids, messages)
            await report_times(rt, repeat, f"with {messages * tickets} messages")
            await add_messages(rt, conversation_ids, messages)
            await report_times(rt, repeat, f"with {2 * messages * tickets} messages (doubled)")
            await upkeep(rt, 200)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--messages", type=int, default=2, help="per conversation, then doubled")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.tickets, args.messages, args.repeat)))
