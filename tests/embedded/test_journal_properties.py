"""Properties of the journaled embedded store, over random sequences of the operations the
services use: replaying snapshot + journal gives back exactly the same documents, and every
lookup the value maps answer returns what a scan of the collection returns."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from inbox.embedded import journal
from inbox.embedded.durable import DurableStore
from inbox.embedded.mongomock_hooks import keeper
from inbox.settings import Settings
from inbox.store import Store

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("INBOX_MONGODB_URL")), reason="about the embedded store only"
)

IDS = [ObjectId() for _ in range(12)]
STATUSES = ["open", "pending", "resolved", None]
TAGS = ["vip", "refund", "đơn hàng"]
BASE = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

ids = st.sampled_from(IDS)
statuses = st.sampled_from(STATUSES)
keys = st.sampled_from([f"k{n}" for n in range(5)] + [None])
times = st.integers(0, 5).map(lambda h: BASE + timedelta(hours=h))
documents = st.fixed_dictionaries(
    {
        "_id": ids,
        "status": statuses,
        "open_key": keys,
        "tags": st.lists(st.sampled_from(TAGS), max_size=3),
        "last_message_at": times,
        "contact": st.fixed_dictionaries({"name": st.sampled_from(["Lan", "Minh", "Thu"])}),
    }
)
changes = st.fixed_dictionaries(
    {},
    optional={
        "status": statuses,
        "open_key": keys,
        "last_message_at": times,
        "contact.name": st.sampled_from(["Lan", "Minh", "Hoa"]),
    },
)
filters = st.one_of(
    st.builds(lambda s: {"status": s}, statuses),
    st.builds(lambda s: {"status": {"$in": s}}, st.lists(statuses, min_size=1, max_size=3)),
    st.builds(lambda k: {"open_key": k}, keys),
    st.builds(lambda t: {"tags": t}, st.sampled_from(TAGS)),
    st.builds(lambda t: {"tags": {"$all": t}}, st.lists(st.sampled_from(TAGS), min_size=1)),
    st.builds(lambda t: {"last_message_at": t}, times),
    st.builds(lambda n: {"contact.name": n}, st.sampled_from(["Lan", "Minh", "Hoa"])),
    st.builds(lambda i, s: {"_id": i, "status": s}, ids, statuses),
    st.builds(
        lambda s, t: {"$and": [{"status": s}, {"last_message_at": {"$gte": t}}]}, statuses, times
    ),
    st.builds(lambda s, k: {"$or": [{"status": s}, {"open_key": k}]}, statuses, keys),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), documents),
        st.tuples(st.just("update"), filters, changes),
        st.tuples(st.just("update_many"), filters, changes),
        st.tuples(st.just("upsert"), ids, changes),
        st.tuples(st.just("push_tag"), ids, st.sampled_from(TAGS)),
        st.tuples(st.just("find_and_update"), filters, changes),
        st.tuples(st.just("replace"), ids, documents),
        st.tuples(st.just("delete"), filters),
        st.tuples(st.just("delete_many"), filters),
        st.tuples(st.just("compact")),
    ),
    max_size=40,
)


async def apply(collection: Any, durable: DurableStore, operation: tuple) -> None:
    kind, *args = operation
    try:
        if kind == "insert":
            await collection.insert_one(dict(args[0]))
        elif kind == "update":
            if args[1]:
                await collection.update_one(args[0], {"$set": args[1]})
        elif kind == "update_many":
            if args[1]:
                await collection.update_many(args[0], {"$set": args[1]})
        elif kind == "upsert":
            await collection.update_one(
                {"_id": args[0]}, {"$set": args[1], "$setOnInsert": {"tags": []}}, upsert=True
            )
        elif kind == "push_tag":
            await collection.update_one({"_id": args[0]}, {"$addToSet": {"tags": args[1]}})
        elif kind == "find_and_update":
            if args[1]:
                await collection.find_one_and_update(
                    args[0], {"$set": args[1]}, return_document=ReturnDocument.AFTER
                )
        elif kind == "replace":
            replacement = {k: v for k, v in args[1].items() if k != "_id"}
            await collection.replace_one({"_id": args[0]}, replacement)
        elif kind == "delete":
            await collection.delete_one(args[0])
        elif kind == "delete_many":
            await collection.delete_many(args[0])
        elif kind == "compact":
            await durable.compact()
    except DuplicateKeyError:
        pass  # refused writes must leave no trace either


async def opened(directory: Path) -> tuple[Store, DurableStore]:
    store = Store.open(Settings(_env_file=None, data_dir=directory))
    await store.ensure_indexes()
    durable = DurableStore(store, directory, fsync_every=0.05)
    await durable.open()
    return store, durable


async def everything(store: Store) -> list[dict[str, Any]]:
    return await store.db["conversations"].find({}).to_list(None)


def scan(store: Store, filter_: dict[str, Any]) -> list[Any]:
    """What plain mongomock answers: every document, in order, that the filter matches."""
    from mongomock.filtering import filter_applies

    documents = store.db["conversations"]._store._documents
    return [d["_id"] for d in documents.values() if filter_applies(filter_, d)]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=operations, probes=st.lists(filters, min_size=1, max_size=6))
def test_replay_gives_back_the_same_documents_and_lookups_match_scans(
    tmp_path_factory, operations, probes
):
    directory = tmp_path_factory.mktemp("journal")

    async def run() -> None:
        store, durable = await opened(directory)
        collection = store.db["conversations"]
        for operation in operations:
            await apply(collection, durable, operation)
        for probe in probes:
            found = [d["_id"] for d in await collection.find(probe).to_list(None)]
            assert found == scan(store, probe), probe
        expected = await everything(store)
        await durable.close()

        again, durable = await opened(directory)
        assert await everything(again) == expected
        for probe in probes:
            found = [d["_id"] for d in await again.db["conversations"].find(probe).to_list(None)]
            assert found == scan(again, probe), probe
        await durable.close()

    asyncio.run(run())


async def test_unique_indexes_hold_across_a_replay(tmp_path):
    store, durable = await opened(tmp_path)
    messages = store.db["messages"]
    channel = ObjectId()
    await messages.insert_one({"channel_id": channel, "external_id": "m1", "created_at": BASE})
    await durable.close()

    again, durable = await opened(tmp_path)
    with pytest.raises(DuplicateKeyError):
        await again.db["messages"].insert_one(
            {"channel_id": channel, "external_id": "m1", "created_at": BASE}
        )
    await durable.close()


async def test_the_journal_files_are_private_and_a_torn_tail_is_cut_off(tmp_path):
    store, durable = await opened(tmp_path)
    await store.db["conversations"].insert_one({"_id": IDS[0], "status": "open"})
    await durable.close()
    files = list((tmp_path / "store").iterdir())
    assert files and all(f.stat().st_mode & 0o077 == 0 for f in files)

    last = sorted((tmp_path / "store").glob("journal-*.log"))[-1]
    intact = last.stat().st_size
    with open(last, "ab") as handle:
        handle.write(journal.put_record("conversations", {"_id": IDS[1]})[:-3])
    again, durable = await opened(tmp_path)
    assert [d["_id"] for d in await everything(again)] == [IDS[0]]
    assert last.stat().st_size == intact
    await durable.close()


def test_an_equality_on_an_indexed_field_reads_only_its_bucket():
    """The flat cost comes from here: the candidates are the bucket, not the collection."""

    async def run() -> tuple[int, int]:
        store = Store.open(Settings(_env_file=None))
        await store.ensure_indexes()
        messages = store.db["messages"]
        wanted = ObjectId()
        await messages.insert_many(
            [
                {"conversation_id": wanted if n % 100 == 7 else ObjectId(), "created_at": BASE}
                for n in range(300)
            ]
        )
        found = await messages.find({"conversation_id": wanted}).to_list(None)
        kept = keeper(messages._store).values.candidates({"conversation_id": wanted})
        return len(found), len(kept or ())

    assert asyncio.run(run()) == (3, 3)


async def test_a_full_disk_refuses_the_change_and_journals_it_once_the_disk_takes_it(
    tmp_path, monkeypatch
):
    import errno

    store, durable = await opened(tmp_path)
    conversations = store.db["conversations"]
    real_write = journal.write_all
    calls = {"n": 0}

    def full_once(fd: int, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            real_write(fd, data[:5])  # part of it reached the file, like a real ENOSPC
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(fd, data)

    monkeypatch.setattr(journal, "write_all", full_once)
    with pytest.raises(OSError):
        await conversations.insert_one({"_id": IDS[0], "status": "open"})
    assert "No space left" in durable.problem
    await conversations.insert_one({"_id": IDS[1], "status": "open"})
    assert durable.problem is None
    await durable.close()

    again, durable = await opened(tmp_path)
    assert [d["_id"] for d in await everything(again)] == [IDS[0], IDS[1]]
    await durable.close()
