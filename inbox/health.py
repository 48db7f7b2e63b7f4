"""The operator's endpoints: GET /healthz (and the worker heartbeats it reads from Redis) and
GET /metrics (Prometheus text: an admin's Bearer token, or any request from this machine
when `INBOX_METRICS_LOCAL=true`)."""

from __future__ import annotations

import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from inbox import auth, clock, metrics
from inbox.auth import Access, access
from inbox.errors import Forbidden, Unauthorized
from inbox.keys import runtime

WORKERS_KEY = "inbox:workers"
"""A sorted set: worker name -> unix time of its last heartbeat."""
HEARTBEAT_SECONDS = 15
WORKER_FRESH_SECONDS = 60


@access(Access.PUBLIC)
async def healthz(request: web.Request) -> web.Response:
    """200 once the store, Redis and at least one worker answer; 503 and which part is not
    (`degraded` while the embedded broker restarts: webhooks are still stored)."""
    rt = runtime(request)
    checks: dict[str, str] = {}
    try:
        await rt.store.ping()
        checks["store"] = "ok"
    except Exception as error:
        checks["store"] = f"unreachable: {error}"
    try:
        fresh_since = time.time() - WORKER_FRESH_SECONDS
        workers = await rt.redis.zcount(WORKERS_KEY, fresh_since, "+inf")
        checks["redis"] = "ok"
        checks["worker"] = "ok" if workers else "no worker seen in the last minute"
    except Exception as error:
        checks["redis"] = f"unreachable: {error}"
        checks["worker"] = "unknown"
    healthy = all(value == "ok" for value in checks.values())
    problem = rt.degraded()
    if problem is not None:
        checks["embedded"] = problem
        status = "degraded"
    else:
        status = "ok" if healthy else "unavailable"
    body = {"status": status, "checks": checks}
    return web.json_response(body, status=200 if healthy and problem is None else 503)


async def _shared_gauges(request: web.Request) -> None:
    rt = runtime(request)
    try:
        metrics.QUEUE.set(await rt.redis.llen(metrics.CELERY_QUEUE))
        metrics.WORKERS.set(
            await rt.redis.zcount(WORKERS_KEY, time.time() - WORKER_FRESH_SECONDS, "+inf")
        )
    except Exception:  # the broker restarting: the store's figures still come
        metrics.QUEUE.set(float("nan"))
        metrics.WORKERS.set(float("nan"))
    events = rt.store["events"]
    metrics.UNPROCESSED.set(await events.count_documents({"processed_at": None}))
    oldest = await events.find_one({"processed_at": None}, sort=[("created_at", 1)])
    metrics.OLDEST.set((clock.now() - oldest["created_at"]).total_seconds() if oldest else 0)


def _local(request: web.Request) -> bool:
    return request.remote in ("127.0.0.1", "::1") and not request.headers.get("X-Forwarded-For")


@access(Access.PUBLIC)
async def metrics_page(request: web.Request) -> web.Response:
    rt = runtime(request)
    if not (rt.settings.metrics_local and _local(request)):
        principal = await auth.identify(rt, request)
        if principal is None:
            raise Unauthorized("Send an admin's Authorization: Bearer <token>.")
        if not principal.is_admin:
            raise Forbidden("Only admins can read the metrics.", code="admin_only")
    await _shared_gauges(request)
    body = generate_latest(metrics.REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
