"""GET /healthz, and the worker heartbeats it reads from Redis."""

from __future__ import annotations

import time

from aiohttp import web

from inbox.auth import Access, access
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
        checks["broker"] = problem
        status = "degraded"
    else:
        status = "ok" if healthy else "unavailable"
    body = {"status": status, "checks": checks}
    return web.json_response(body, status=200 if healthy and problem is None else 503)
