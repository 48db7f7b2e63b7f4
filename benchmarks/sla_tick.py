"""`sla_tick` over many open tickets, against storing one message in the same run.

Seeds N open tickets with running SLA clocks, of which D have a deadline (warning or due
time) in the past, then times `sla.tick` and checks that it emitted events for exactly those D
and looked at no others (its query asks only for `sla.next_check_at <= now`). Prints the
query's plan: MongoDB's `explain()` when INBOX_MONGODB_URL is set (the index scan and the
documents examined), else the declared index that serves the query shape.

    python -m benchmarks.sla_tick [--tickets 10000 100000] [--due 50]

On the embedded store, mongomock checks each inserted ticket's unique number against every
stored one, so seeding 100,000 tickets would take hours: the benchmark drops that uniqueness
index in its throw-away store first (`sla_tick` does not use it).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from automations.sla import tracker as sla
from benchmarks.rules import store_messages
from inbox import clock
from inbox.embedded.runtime import open_runtime
from inbox.ids import new_id
from inbox.query_audit import is_served, shapes_of
from inbox.runtime import Runtime
from inbox.settings import Settings
from inbox.store import COLLECTIONS

BATCH = 1000


def ticket(seq: int, due: bool) -> dict[str, Any]:
    """An open ticket with a running first-response clock, overdue or due next week."""
    now = clock.now()
    check = now - timedelta(minutes=5) if due else now + timedelta(days=7)
    target = {
        "minutes": 60,
        "elapsed": 0.0,
        "running_since": now - timedelta(hours=2),
        "due_at": check,
        "warn_at": check - timedelta(minutes=10),
        "met_at": None,
        "late_minutes": None,
        "stopped_at": None,
        "warned_at": None,
        "breached_at": None,
    }
    return {
        "_id": new_id(),
        "seq": seq,
        "title": f"Ticket {seq}",
        "status": "open",
        "priority": "medium",
        "contact_id": new_id(),
        "contact": {"name": f"Customer {seq}", "avatar_url": None},
        "conversation_ids": [],
        "assignee_ids": [],
        "tags": [],
        "created_at": now,
        "updated_at": now,
        "revision": 1,
        "sla": {
            "policy_id": new_id(),
            "policy_name": "Standard",
            "calendar_id": None,
            "warning_percent": 80,
            "paused": False,
            "targets": {"first_response": target},
            "next_check_at": target["warn_at"],
            "next_due_at": target["due_at"],
            "version": 1,
        },
    }


async def seed(rt: Runtime, count: int, due: int, start: int) -> None:
    due_every = max(1, count // max(due, 1))
    for offset in range(0, count, BATCH):
        docs = [
            ticket(start + i, due=(i % due_every == 0 and i // due_every < due))
            for i in range(offset, min(offset + BATCH, count))
        ]
        await rt.store["tickets"].insert_many(docs)


async def plan(rt: Runtime) -> str:
    query = {"sla.next_check_at": {"$lte": clock.now()}}
    if rt.settings.embedded_store:
        (shape,) = shapes_of("tickets", query, [("sla.next_check_at", 1)])
        served = is_served(shape, COLLECTIONS["tickets"])
        return f"embedded store: shape {shape} served by a declared index: {served}"
    explained = await rt.store.db["tickets"].find(query).sort("sla.next_check_at", 1).explain()
    winning = explained["queryPlanner"]["winningPlan"]
    stats = explained.get("executionStats", {})
    return f"MongoDB plan: {winning}  examined {stats.get('totalDocsExamined')} documents"


async def main(sizes: list[int], due: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), log_level="WARNING")
        async with open_runtime(settings) as rt:
            store_one, _ = await store_messages(rt, 100)
            if rt.settings.embedded_store:
                await rt.store.db["tickets"].drop_index("seq_1")
            print(f"store one message: {store_one * 1000:8.2f} ms  (baseline)")
            ok, seeded = True, 0
            for size in sizes:
                started = time.perf_counter()
                await seed(rt, size - seeded, due, start=seeded + 1)
                seeded = size
                print(f"seeded {size} open tickets in {time.perf_counter() - started:.0f} s")
                print(" ", await plan(rt))
                started = time.perf_counter()
                emitted = await sla.tick(rt)
                seconds = time.perf_counter() - started
                idle_started = time.perf_counter()
                idle = await sla.tick(rt)
                idle_seconds = time.perf_counter() - idle_started
                print(
                    f"tickets {size:>7}: tick {seconds * 1000:9.1f} ms "
                    f"= {seconds / store_one:7.1f} x storing a message, {emitted} events; "
                    f"next tick {idle_seconds * 1000:8.1f} ms, {idle} events"
                )
                ok &= emitted == 2 * due and idle == 0  # the earlier due ones are settled
    print("OK" if ok else "FAILED: each due ticket must get its warning and breach once")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--due", type=int, default=50)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.tickets, args.due)))
