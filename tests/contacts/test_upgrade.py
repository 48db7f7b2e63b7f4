"""Contacts and conversations stored before search words existed are found after an upgrade."""

from __future__ import annotations

from bson import ObjectId

from inbox import clock
from inbox.services.contacts import upgrade


async def test_old_records_get_search_words_once(rt, admin, telegram_channel):
    contact_id, conversation_id, now = ObjectId(), ObjectId(), clock.now()
    channel_id = ObjectId(telegram_channel["id"])
    await rt.store["contacts"].insert_one(
        {
            "_id": contact_id,
            "name": "Đỗ Quang Vinh",
            "avatar_url": None,
            "emails": [],
            "phones": [],
            "identities": [{"channel_id": channel_id, "external_id": "555"}],
            "language": "vi",
            "attributes": {},
            "tags": [],
            "created_at": now,
        }
    )
    await rt.store["conversations"].insert_one(
        {
            "_id": conversation_id,
            "channel_id": channel_id,
            "channel": {"kind": "telegram", "name": telegram_channel["name"]},
            "contact_id": contact_id,
            "contact": {"name": "Đỗ Quang Vinh", "avatar_url": None},
            "status": "open",
            "tags": [],
            "last_message_at": now,
            "created_at": now,
        }
    )
    await rt.store["messages"].insert_one(
        {"conversation_id": conversation_id, "text": "Bảo hành máy giặt", "created_at": now}
    )
    _, found = await admin.get("/api/v1/conversations?q=vinh")
    assert found["items"] == []

    await rt.store["counters"].delete_one({"_id": upgrade.MARKER})
    await upgrade.ensure(rt)

    for words in ("vinh", "quang", "bao hanh", "555"):
        _, found = await admin.get(f"/api/v1/conversations?q={words}")
        assert [c["id"] for c in found["items"]] == [str(conversation_id)], words
    _, people = await admin.get("/api/v1/contacts?q=do%20qu")
    assert [p["identities"][0]["kind"] for p in people["items"]] == ["telegram"]
    assert await rt.store["counters"].find_one({"_id": upgrade.MARKER}) is not None
