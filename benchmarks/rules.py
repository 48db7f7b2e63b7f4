"""Rule evaluation per event with 10, 100 and 1,000 enabled rules, against storing one message.

In one run on the same store: ingest N customer messages (the baseline: normalise, store
contact, conversation, message and event), then hand each of those events to the rule engine
with K enabled rules for `message.created` (realistic conditions: a channel check and a word
the text must contain; one rule in ten matches and tags). Prints the mean cost per event,
its ratio to storing one message, and the cost per rule, which must not grow with K.

    python -m benchmarks.rules [--messages 200] [--rules 10 100 1000]

Uses the embedded store unless INBOX_MONGODB_URL is set.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from automations.rules import definitions as rules
from automations.rules import engine
from connectors.base import Inbound, InboundKind, Sender
from inbox.embedded.runtime import open_runtime
from inbox.runtime import Runtime
from inbox.services import channels, ingest
from inbox.settings import Settings

AUTHOR = {"id": None, "name": "bench"}


async def store_messages(rt: Runtime, count: int) -> tuple[float, list[dict[str, Any]]]:
    """Ingest `count` messages; the mean seconds per message and the events they made."""
    doc = await channels.create_demo(rt, "telegram", "bench", {})
    channel = channels.ref(rt, doc)
    started = time.perf_counter()
    for number in range(count):
        customer = str(700000 + number % 50)
        item = Inbound(
            kind=InboundKind.MESSAGE,
            external_id=f"bench-{number}",
            thread_id=customer,
            sender=Sender(external_id=customer, name=f"Customer {number % 50}"),
            text=f"Hello, question {number} about word{number % 10} and my order",
        )
        await ingest.ingest(rt, channel, item)
    seconds = (time.perf_counter() - started) / count
    found = rt.store["events"].find({"type": "message.created"}, sort=[("_id", 1)])
    return seconds, await found.to_list(None)


def rule_body(number: int) -> rules.RuleBody:
    return rules.RuleBody(
        name=f"bench rule {number}",
        event="message.created",
        conditions={
            "all": [
                {"field": "channel.kind", "operator": "equals", "value": "telegram"},
                {"field": "message.direction", "operator": "equals", "value": "in"},
                {"field": "message.text", "operator": "contains", "value": f"word{number}"},
            ]
        },
        actions=[{"type": "add_tag", "tag": f"w{number % 10}"}],
    )


async def with_rules(rt: Runtime, count: int) -> None:
    await rt.store["rules"].delete_many({})
    await rt.store["rule_runs"].delete_many({})  # each size sees the events afresh
    for number in range(count):
        await rules.create(rt, rule_body(number), AUTHOR)


async def evaluate(rt: Runtime, events: list[dict[str, Any]]) -> float:
    """Mean seconds the engine takes per event."""
    started = time.perf_counter()
    for event in events:
        await engine.on_event(rt, event)
    return (time.perf_counter() - started) / len(events)


async def main(count: int, sizes: list[int]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), log_level="WARNING")
        async with open_runtime(settings) as rt:
            store_one, events = await store_messages(rt, count)
            print(f"store one message: {store_one * 1000:8.2f} ms  (baseline, {count} messages)")
            ok = True
            per_rule = []
            for size in sizes:
                await with_rules(rt, size)
                seconds = await evaluate(rt, events)
                per_rule.append(seconds / size)
                print(
                    f"rules {size:>5}: {seconds * 1000:8.2f} ms per event  "
                    f"= {seconds / store_one:6.2f} x storing a message  "
                    f"({seconds / size * 1e6:7.1f} µs per rule)"
                )
                if size == 100 and seconds >= store_one:
                    ok = False
            growth = per_rule[-1] / per_rule[0]
            print(f"cost per rule, {sizes[-1]} rules / {sizes[0]}: {growth:.2f} (linear: <= 1.5)")
            ok &= growth <= 1.5
    print("OK" if ok else "FAILED: 100 rules must cost less than storing a message, linearly")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rules", type=int, nargs="+", default=[10, 100, 1000])
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.messages, args.rules)))
