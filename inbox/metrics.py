"""The operator's view: Prometheus metrics at GET /metrics.

Counters and histograms are kept by the process that does the work (webhooks and WebSocket
clients in `web`; events and deliveries in the worker, which in embedded mode is the same
process; a standalone `inbox worker` serves its own on `INBOX_WORKER_METRICS_PORT`). Gauges
that describe the whole installation (queue depth, live workers, unprocessed events and the
oldest one's age) are read from Redis and the store at scrape time, so any web process
answers them for all.

The page itself is `inbox.health.metrics_page`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from inbox import clock

REGISTRY = CollectorRegistry()

WEBHOOKS = Counter(
    "inbox_webhooks_total",
    "Webhooks received, by channel kind and outcome "
    "(stored, duplicate, ignored, rejected, dead_letter)",
    ["channel", "outcome"],
    registry=REGISTRY,
)
WEBHOOK_SECONDS = Histogram(
    "inbox_webhook_ack_seconds",
    "Time from receiving a webhook to answering it",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
EVENT_LAG = Histogram(
    "inbox_event_lag_seconds",
    "Time from an event's creation to the end of its processing (bot, rules, SLA)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "inbox_deliveries_total",
    "Delivery attempts by channel kind and outcome "
    "(sent, retrying, failed, unknown, waiting, skipped)",
    ["channel", "outcome"],
    registry=REGISTRY,
)
WEBSOCKETS = Gauge(
    "inbox_websocket_clients", "Browsers connected to this web process", registry=REGISTRY
)
QUEUE = Gauge("inbox_queue_depth", "Tasks waiting in the broker's queue", registry=REGISTRY)
WORKERS = Gauge(
    "inbox_workers_alive", "Workers whose heartbeat is less than a minute old", registry=REGISTRY
)
UNPROCESSED = Gauge(
    "inbox_events_unprocessed", "Events not processed yet (all processes)", registry=REGISTRY
)
OLDEST = Gauge(
    "inbox_oldest_unprocessed_event_seconds",
    "Age of the oldest event not processed yet (0 when none)",
    registry=REGISTRY,
)
CELERY_QUEUE = "celery"


def count_websockets(clients: Callable[[], int]) -> None:
    WEBSOCKETS.set_function(clients)


def observe_event(created_at: Any) -> None:
    EVENT_LAG.observe(max(0.0, (clock.now() - created_at).total_seconds()))
