"""The whole loop on the real parts: webhook -> event -> Celery worker over valkey -> reply
delivered to (fake) Telegram -> state visible over the API and the WebSocket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from inbox import events
from inbox.queue import DELIVER_MESSAGE
from inbox.services import delivery
from tests.conftest import customer_writes, eventually
from tests.test_realtime import connect, event, wait_for


async def test_customer_message_to_delivered_reply_end_to_end(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    ws = await connect(admin)

    answer = await customer_writes(http, telegram_channel, 5511223344, "Tôi cần đổi size áo")

    assert answer["stored"] == 1
    live = await wait_for(ws, event("message.created", text="Tôi cần đổi size áo"))
    conversation_id = live["data"]["conversation_id"]

    async def all_events_processed() -> bool:
        pending = await rt.store.db["events"].count_documents({"processed_at": None})
        return pending == 0 and await rt.store.db["events"].count_documents({}) >= 3

    assert await eventually(all_events_processed), "the worker processes every event"

    _, reply = await admin.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"text": "Dạ, chị cần size nào ạ?"},
    )
    sent = await wait_for(ws, event("message.updated", id=reply["id"]))

    assert sent["data"]["delivery"]["status"] == "sent"
    assert fake.sent()[-1]["text"] == "Dạ, chị cần size nào ạ?"
    _, page = await admin.get(f"/api/v1/conversations/{conversation_id}/messages")
    stored = next(m for m in page["items"] if m["id"] == reply["id"])
    assert stored["delivery"]["status"] == "sent"
    assert stored["external_id"].startswith("5511223344:")
    await ws.close()


async def test_the_sweep_reenqueues_events_the_worker_never_got(rt):
    stranded = {
        "_id": ObjectId(),
        "type": "conversation.updated",
        "subject": {"type": "conversation", "id": ObjectId()},
        "data": {},
        "changes": None,
        "scope": {},
        "actor": {"type": "system"},
        "caused_by": None,
        "depth": 0,
        "created_at": datetime.now(UTC) - timedelta(minutes=5),
        "processed_at": None,
        "retry_at": datetime.now(UTC) - timedelta(minutes=4),
        "sweeps": 0,
    }
    await rt.store.db["events"].insert_one(stranded)

    assert await events.sweep(rt) == 1

    async def processed() -> bool:
        doc = await rt.store.db["events"].find_one({"_id": stranded["_id"]})
        return doc["processed_at"] is not None

    assert await eventually(processed)
    assert await events.sweep(rt) == 0


async def test_an_event_that_keeps_failing_is_given_up_after_a_limit(rt):
    await rt.store.db["events"].insert_one(
        {
            "_id": ObjectId(),
            "type": "x",
            "subject": {"type": "x", "id": None},
            "data": {},
            "changes": None,
            "scope": {},
            "actor": {},
            "caused_by": None,
            "depth": 0,
            "created_at": datetime.now(UTC),
            "processed_at": None,
            "retry_at": datetime.now(UTC) - timedelta(seconds=1),
            "sweeps": events.MAX_SWEEPS - 1,
        }
    )

    assert await events.sweep(rt) == 0
    doc = await rt.store.db["events"].find_one({"type": "x"})
    assert (doc["sweeps"], doc["retry_at"]) == (events.MAX_SWEEPS, None)


async def test_a_failing_handler_leaves_its_error_on_the_event_for_the_retry(rt):
    event_id = await events.emit(
        rt,
        events.EventType.CONTACT_UPDATED,
        subject_type="contact",
        subject_id=ObjectId(),
        data={},
        scope=events.Scope(),
        actor=events.SYSTEM,
    )
    calls = []

    async def flaky(rt, event):
        calls.append(event["_id"])
        if len(calls) == 1:
            raise ConnectionError("platform away")

    with pytest.raises(ConnectionError):
        await events.process(rt, str(event_id), [flaky])
    failed = await rt.store.db["events"].find_one({"_id": event_id})
    assert failed["processed_at"] is None and failed["failures"] == 1
    assert failed["last_error"].endswith("flaky: ConnectionError: platform away")

    assert await events.process(rt, str(event_id), [flaky]) is True
    assert (await rt.store.db["events"].find_one({"_id": event_id}))["processed_at"] is not None


async def test_a_reply_whose_delivery_task_was_lost_is_sent_by_the_sweep(
    http, admin, rt, telegram_channel, fake_telegram, monkeypatch
):
    fake, _ = fake_telegram
    await customer_writes(http, telegram_channel, 1, "hi")
    _, page = await admin.get("/api/v1/conversations")
    real_enqueue = rt.queue.enqueue

    async def lose_deliveries(task, *args, **kwargs):
        if task == DELIVER_MESSAGE:
            return False
        return await real_enqueue(task, *args, **kwargs)

    monkeypatch.setattr(rt.queue, "enqueue", lose_deliveries)
    _, reply = await admin.post(
        f"/api/v1/conversations/{page['items'][0]['id']}/messages", json={"text": "lost?"}
    )
    monkeypatch.setattr(rt.queue, "enqueue", real_enqueue)
    assert await delivery.sweep(rt) == 0, "not overdue yet"
    await rt.store.db["messages"].update_one(
        {"_id": ObjectId(reply["id"])},
        {"$set": {"delivery.retry_at": datetime.now(UTC) - timedelta(seconds=1)}},
    )

    assert await delivery.sweep(rt) == 1

    async def delivered() -> bool:
        doc = await rt.store.db["messages"].find_one({"_id": ObjectId(reply["id"])})
        return doc["delivery"]["status"] == "sent"

    assert await eventually(delivered)
    assert [c["text"] for c in fake.sent()] == ["lost?"]


async def test_a_delivery_task_run_twice_sends_once(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await customer_writes(http, telegram_channel, 1, "hi")
    _, page = await admin.get("/api/v1/conversations")
    _, reply = await admin.post(
        f"/api/v1/conversations/{page['items'][0]['id']}/messages", json={"text": "once"}
    )

    outcomes = [(await delivery.deliver(rt, reply["id"])).outcome for _ in range(3)]

    async def sent() -> bool:
        doc = await rt.store.db["messages"].find_one({"_id": ObjectId(reply["id"])})
        return doc["delivery"]["status"] == "sent"

    assert await eventually(sent)
    assert outcomes.count("sent") <= 1
    assert [c["text"] for c in fake.sent()] == ["once"]


async def test_processed_events_past_retention_are_pruned(rt):
    old = datetime.now(UTC) - timedelta(hours=rt.settings.event_retention_hours + 1)
    base = {
        "type": "x",
        "subject": {"type": "x", "id": None},
        "data": {},
        "created_at": old,
        "retry_at": None,
    }
    await rt.store.db["events"].insert_many(
        [
            {**base, "_id": ObjectId(), "processed_at": old},
            {**base, "_id": ObjectId(), "processed_at": datetime.now(UTC)},
            {**base, "_id": ObjectId(), "processed_at": None},
        ]
    )

    assert await events.prune(rt) == 1
    assert await rt.store.db["events"].count_documents({}) == 2
