"""The embedded store: lookups answer like a scan, unique checks hold, an old snapshot is imported."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from bson import ObjectId, json_util
from pymongo.errors import DuplicateKeyError

from inbox.embedded.durable import DurableStore
from inbox.store import Store

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("INBOX_MONGODB_URL")), reason="about the embedded store only"
)


async def test_id_lookups_answer_exactly_like_a_scan(settings):
    store = Store.open(settings)
    collection = store.db["conversations"]
    ids = [ObjectId() for _ in range(5)]
    await collection.insert_many(
        [{"_id": i, "n": n, "status": "open" if n % 2 else "resolved"} for n, i in enumerate(ids)]
    )
    await collection.insert_one({"_id": "text-id", "n": 99})

    assert (await collection.find_one({"_id": ids[1]}))["n"] == 1
    assert await collection.find_one({"_id": ids[1], "status": "resolved"}) is None
    assert await collection.find_one({"_id": ObjectId()}) is None
    assert (await collection.find_one({"_id": "text-id"}))["n"] == 99
    found = await collection.find({"_id": {"$in": [ids[0], ids[3], ObjectId()]}}).to_list(None)
    assert sorted(d["n"] for d in found) == [0, 3]
    assert (await collection.find_one({"_id": {"$eq": ids[4]}}))["n"] == 4
    assert len(await collection.find({"_id": {"$gt": ids[2]}}).to_list(None)) >= 2
    updated = await collection.update_one({"_id": ids[2], "status": "resolved"}, {"$set": {"x": 1}})
    assert updated.modified_count == 1


async def test_unique_indexes_still_refuse_duplicates_made_by_updates(settings):
    store = Store.open(settings)
    collection = store.db["unique_check"]
    await collection.create_index("seq", unique=True)
    first, second = ObjectId(), ObjectId()
    await collection.insert_many([{"_id": first, "seq": 1}, {"_id": second, "seq": 2}])

    await collection.update_one({"_id": first}, {"$set": {"title": "kept its number"}})
    with pytest.raises(DuplicateKeyError):
        await collection.update_one({"_id": second}, {"$set": {"seq": 1}})
    with pytest.raises(DuplicateKeyError):
        await collection.find_one_and_update({"seq": 2}, {"$set": {"seq": 1}})
    with pytest.raises(DuplicateKeyError):
        await collection.insert_one({"seq": 2})
    await collection.update_one({"_id": second}, {"$set": {"seq": 3}})
    assert sorted(d["seq"] for d in await collection.find({}).to_list(None)) == [1, 3]


async def test_a_store_json_from_before_the_journal_is_imported_once(settings, tmp_path):
    moment = datetime(2026, 11, 23, 9, 30, 15, 123000, tzinfo=UTC)
    doc = {
        "_id": ObjectId(),
        "contact_id": ObjectId(),
        "last_message_at": moment,
        "contact": {"name": "Lan Nguyễn"},
        "tags": ["vip"],
        "open_key": "c:1",
    }
    legacy = {"conversations": [doc], "unknown_collection": [{"_id": 1}]}
    (tmp_path / "store.json").write_text(json_util.dumps(legacy))

    first = Store.open(settings)
    await first.ensure_indexes()
    durable = DurableStore(first, tmp_path)
    assert await durable.open() == 1
    await durable.close()
    assert not (tmp_path / "store.json").exists()
    assert (tmp_path / "store.json.imported").exists()

    second = Store.open(settings)
    await second.ensure_indexes()
    durable = DurableStore(second, tmp_path)
    assert await durable.open() == 1, "read back from the journal, not imported again"
    await durable.close()
    restored = await second.db["conversations"].find_one({"_id": doc["_id"]})
    assert restored == doc
    assert restored["last_message_at"].tzinfo is not None
