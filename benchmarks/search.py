"""Contact search and conversation search as the store grows, on the embedded store.

For each size (contacts; each with one conversation of four messages, so 50k contacts make
200k messages; 90 % of conversations resolved, searches cover all) the store is filled with
documents made by the product's own functions (the contact's search words, the messages'
words), then the searches an agent types run through the services an API call uses, as an
admin and as an agent (whose results are filtered to what they may see). Printed: p50 and
p95 per search, and their ratio to the inbox's first page of open conversations measured in
the same run and store. Then, for each query shape, the index that serves it: the declared
index on the embedded store, or real MongoDB's winning plan (`explain`) when
INBOX_MONGODB_URL is set.

    python -m benchmarks.search [--sizes 5000,50000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bson import ObjectId

from inbox import clock, search
from inbox.auth import Principal
from inbox.embedded.runtime import open_runtime
from inbox.models.agents import Role
from inbox.models.contacts import ContactQuery
from inbox.models.conversations import ConversationQuery
from inbox.query_audit import is_served, shapes_of
from inbox.runtime import Runtime
from inbox.services import conversations
from inbox.services.contacts import lists, records
from inbox.settings import Settings
from inbox.store import COLLECTIONS

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Ngọc", "Thanh", "Quang", "Hồng"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Thu", "Vinh"]
COMMON = ["giao", "hàng", "đơn", "giá", "shop", "ạ", "cho", "mình", "hỏi", "không"]
TOPICS = [
    ["bảo", "hành", "máy", "giặt"],
    ["đổi", "trả", "size", "áo"],
    ["hoá", "đơn", "VAT", "công", "ty"],
    ["thanh", "toán", "chuyển", "khoản"],
    ["combo", "gia", "đình", "khuyến", "mãi"],
    ["giao", "chậm", "shipper", "địa", "chỉ"],
] + [[f"sanpham{n}", f"mau{n % 37}", f"ma{n % 101}"] for n in range(200)]
BATCH = 2000

SEARCHES = {
    "contacts: name prefix 'nguy'": ("contacts", "nguy"),
    "contacts: two words, no accents 'tran thi'": ("contacts", "tran thi"),
    "contacts: phone '0912000123'": ("contacts", "0912000123"),
    "contacts: email": ("contacts", "customer123@example.com"),
    "conversations: name 'Phạm Lan'": ("conversations", "Phạm Lan"),
    "conversations: message words 'bao hanh'": ("conversations", "bao hanh"),
    "conversations: rare words 'sanpham42 mau5'": ("conversations", "sanpham42 mau5"),
    "conversations: name + common word 'vinh giao'": ("conversations", "vinh giao"),
}


def person(rt: Runtime, number: int, channel_id: ObjectId, rng: random.Random) -> dict[str, Any]:
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    contact = {
        "_id": ObjectId(),
        "name": name,
        "avatar_url": None,
        "emails": [f"customer{number}@example.com"] if number % 2 else [],
        "phones": [f"+84912{number:06d}"] if number % 3 else [],
        "identities": [
            {"channel_id": channel_id, "kind": "telegram", "external_id": str(10**6 + number)}
        ],
        "attributes": {},
        "tags": [],
        "merged_into": None,
        "created_at": clock.now(),
        "last_seen_at": clock.now(),
    }
    return {**contact, **records.derived(rt, contact)}


async def fill(rt: Runtime, size: int, start: int, team_id: ObjectId) -> None:
    """Add contacts `start`..`size`, each with a conversation of four messages."""
    rng = random.Random(start)
    channel_id = ObjectId()
    for first in range(start, size, BATCH):
        people, threads, messages = [], [], []
        for number in range(first, min(first + BATCH, size)):
            contact = person(rt, number, channel_id, rng)
            topic = rng.choice(TOPICS)
            texts = [" ".join(rng.sample(COMMON, 3) + rng.sample(topic, 2)) for _ in range(4)]
            conversation = {
                "_id": ObjectId(),
                "channel_id": channel_id,
                "channel": {"kind": "telegram", "name": "bench"},
                "contact_id": contact["_id"],
                "contact": {"name": contact["name"], "avatar_url": None},
                "status": "open" if number % 10 == 0 else "resolved",
                "team_id": team_id if number % 4 == 0 else None,
                "assignee_id": None,
                "tags": [],
                "search_terms": [*contact["search_terms"], *search.terms(*texts)],
                "last_message_at": clock.now(),
                "created_at": clock.now(),
            }
            people.append(contact)
            threads.append(conversation)
            messages += [
                {"conversation_id": conversation["_id"], "text": t, "created_at": clock.now()}
                for t in texts
            ]
        await rt.store["contacts"].insert_many(people)
        await rt.store["conversations"].insert_many(threads)
        await rt.store["messages"].insert_many(messages)


def timed(run: Callable[[], Awaitable[Any]], repeat: int) -> Callable[[], Awaitable[list[float]]]:
    async def measure() -> list[float]:
        seconds = []
        for _ in range(repeat):
            started = time.perf_counter()
            await run()
            seconds.append(time.perf_counter() - started)
        return seconds

    return measure


def p(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1] * 1000


async def plan(rt: Runtime, collection: str, query: dict[str, Any], sort: list[Any]) -> str:
    """Which index serves the query: real MongoDB's winning plan, or the declared one."""
    if not rt.settings.embedded_store:
        explained = await rt.store[collection].find(query, sort=sort).explain()
        winning = explained["queryPlanner"]["winningPlan"]
        stages = []
        while winning:
            stages.append(winning.get("indexName") or winning["stage"])
            winning = winning.get("inputStage")
        return " <- ".join(stages)
    spec = COLLECTIONS[collection]
    shape = shapes_of(collection, query, sort)[0]
    served = [i for i in spec.indexes if is_served(shape, type(spec)([i]))]
    return ", ".join(str(list(i.fields)) for i in served) or "NOT SERVED"


async def run_size(
    rt: Runtime, size: int, admin: Principal, agent: Principal, repeat: int
) -> list[tuple[str, float, float, float]]:
    async def open_list() -> Any:
        return await conversations.list_page(rt, admin, ConversationQuery(status="open"), None, 25)

    seconds = await timed(open_list, repeat)()
    baseline = statistics.median(seconds)
    rows = [
        ("inbox: open conversations, first page (baseline)", baseline * 1000, p(seconds, 0.95), 1.0)
    ]
    for label, (kind, words) in SEARCHES.items():
        for who, principal in (("admin", admin), ("agent", agent)):
            if kind == "contacts":

                async def go(principal: Principal = principal, words: str = words) -> Any:
                    return await lists.list_page(rt, principal, ContactQuery(q=words), None, 25)
            else:

                async def go(principal: Principal = principal, words: str = words) -> Any:
                    query = ConversationQuery(q=words)
                    return await conversations.list_page(rt, principal, query, None, 25)

            seconds = await timed(go, repeat)()
            median = statistics.median(seconds)
            rows.append((f"{label} [{who}]", median * 1000, p(seconds, 0.95), median / baseline))
    return rows


async def main(sizes: list[int], repeat: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), log_level="WARNING")
        async with open_runtime(settings) as rt:
            team_id = ObjectId()
            admin = Principal(ObjectId(), "Admin", "a@bench", Role.ADMIN, (), None, "bench")
            agent = Principal(ObjectId(), "Agent", "b@bench", Role.AGENT, (), None, "bench")
            filled = 0
            for size in sizes:
                started = time.perf_counter()
                await fill(rt, size, filled, team_id)
                filled = size
                print(
                    f"\n{size} contacts, {size} conversations, {size * 4} messages "
                    f"(filled in {time.perf_counter() - started:.0f} s)"
                )
                for label, median, p95, ratio in await run_size(rt, size, admin, agent, repeat):
                    print(f"  {label:<58} p50 {median:7.2f} ms  p95 {p95:7.2f} ms  {ratio:5.2f}x")
            print("\nquery plans:")
            for label, query, sort in (
                (
                    "contact search",
                    lists.conditions(ContactQuery(q="nguyen an")),
                    [("created_at", -1)],
                ),
                (
                    "conversation search",
                    {"search_terms": {"$all": ["bao", "hanh"]}},
                    [("last_message_at", -1)],
                ),
            ):
                collection = "contacts" if label.startswith("contact ") else "conversations"
                print(f"  {label:<22} {await plan(rt, collection, query, sort)}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,50000")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    sys.exit(asyncio.run(main([int(s) for s in args.sizes.split(",")], args.repeat)))
