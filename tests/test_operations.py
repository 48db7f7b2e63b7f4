"""The operator's view: Prometheus metrics at /metrics and JSON logs whose request id
follows a webhook into the processing of its events."""

from __future__ import annotations

import io
import json
import logging

from prometheus_client.parser import text_string_to_metric_families

from inbox import logs
from tests.conftest import customer_writes, eventually, telegram_update


async def scrape(client) -> dict[tuple[str, tuple], float]:
    status, text = await client.get("/metrics")
    assert status == 200, text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_need_an_admin_or_a_local_scraper(http, agent, admin, rt):
    assert (await http.get("/metrics"))[0] == 401
    assert (await agent.get("/metrics"))[0] == 403
    assert (await admin.get("/metrics"))[0] == 200
    rt.settings.metrics_local = True
    assert (await http.get("/metrics"))[0] == 200


async def test_webhooks_deliveries_and_event_lag_are_counted(
    http, admin, telegram_channel, fake_telegram
):
    before = await scrape(admin)
    await customer_writes(http, telegram_channel, 61, "Xin chào", message_id=1)
    await customer_writes(http, telegram_channel, 61, "Xin chào", message_id=1)  # redelivered
    status, _ = await http.post(
        f"/webhooks/telegram/{telegram_channel['id']}",
        json=telegram_update(61, 2, "x"),
        headers={"X-Telegram-Bot-Api-Secret-Token": "wrong-secret"},
    )
    assert status == 401
    status, _ = await http.post(
        f"/webhooks/telegram/{telegram_channel['id']}",
        json={"update_id": 5, "message": "not a message"},
        headers={"X-Telegram-Bot-Api-Secret-Token": telegram_channel["secret_token"]},
    )
    assert status == 400
    _, page = await admin.get("/api/v1/conversations")
    conversation = page["items"][0]["id"]
    await admin.post(f"/api/v1/conversations/{conversation}/messages", json={"text": "Chào bạn"})

    async def counted() -> dict | None:
        after = await scrape(admin)
        sent = value(after, "inbox_deliveries_total", channel="telegram", outcome="sent")
        return (
            after
            if sent > value(before, "inbox_deliveries_total", channel="telegram", outcome="sent")
            else None
        )

    after = await eventually(counted)
    for outcome, added in (("stored", 1), ("duplicate", 1), ("rejected", 1), ("dead_letter", 1)):
        labels = {"channel": "telegram", "outcome": outcome}
        grown = value(after, "inbox_webhooks_total", **labels) - value(
            before, "inbox_webhooks_total", **labels
        )
        assert grown == added, outcome
    acks = value(after, "inbox_webhook_ack_seconds_count", channel="telegram") - value(
        before, "inbox_webhook_ack_seconds_count", channel="telegram"
    )
    assert acks == 4
    assert value(after, "inbox_event_lag_seconds_count") > value(
        before, "inbox_event_lag_seconds_count"
    )
    assert ("inbox_workers_alive", ()) in after
    assert ("inbox_queue_depth", ()) in after
    assert ("inbox_events_unprocessed", ()) in after


async def test_a_webhooks_request_id_follows_it_into_its_events_in_json_logs(
    http, admin, telegram_channel
):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs._RequestId())
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        status, _ = await http.post(
            f"/webhooks/telegram/{telegram_channel['id']}",
            json=telegram_update(62, 1, "Cho mình hỏi"),
            headers={
                "X-Telegram-Bot-Api-Secret-Token": telegram_channel["secret_token"],
                "X-Request-Id": "trace-6a41f0",
            },
        )
        assert status == 200

        async def processed() -> bool:
            lines = [json.loads(line) for line in stream.getvalue().splitlines() if line]
            return any(
                entry["request_id"] == "trace-6a41f0" and entry["logger"] == "inbox.events"
                for entry in lines
            )

        await eventually(processed)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    entries = [json.loads(line) for line in stream.getvalue().splitlines() if line]
    assert all({"time", "level", "logger", "message", "request_id"} <= set(e) for e in entries)


async def test_every_answer_names_its_request(http):
    async with http.session.get(
        http.base + "/healthz", headers={"X-Request-Id": "abc-1"}
    ) as answer:
        assert answer.headers["X-Request-Id"] == "abc-1"
    async with http.session.get(
        http.base + "/healthz", headers={"X-Request-Id": "bad id!"}
    ) as answer:
        assert len(answer.headers["X-Request-Id"]) == 16
