"""The shared parts every process needs: settings, store, Redis, the task queue, the keys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from redis.asyncio import Redis

from inbox.crypto import SecretBox
from inbox.queue import TaskQueue
from inbox.settings import Settings
from inbox.store import Store


@dataclass
class Runtime:
    """Handed to every service call; holds no request state."""

    settings: Settings
    store: Store
    redis: Redis
    queue: TaskQueue
    secrets: SecretBox
    degraded: Callable[[], str | None] = lambda: None
    """Why a part this process supervises (the embedded broker) is not serving; None if all are."""

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings, store: Store | None = None) -> AsyncIterator[Runtime]:
        """Connect everything; `settings.redis_url` must already point at a running server.

        A store passed in must already have its indexes (whoever opens a store ensures them).
        """
        if not settings.redis_url:
            raise RuntimeError("Runtime.open needs settings.redis_url (embedded mode sets it)")
        if store is None:
            store = Store.open(settings)
            await store.ensure_indexes()
        redis = Redis.from_url(settings.redis_url, decode_responses=True)
        queue = TaskQueue(settings.redis_url)
        try:
            yield cls(settings, store, redis, queue, SecretBox(settings.resolved_secret_key()))
        finally:
            queue.close()
            await redis.aclose()
