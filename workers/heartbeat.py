"""Tells /healthz that a worker is alive: a timestamp in Redis every few seconds."""

from __future__ import annotations

import contextlib
import logging
import threading
import time

import redis
from celery.signals import worker_ready, worker_shutdown

from inbox.health import HEARTBEAT_SECONDS, WORKERS_KEY

log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, redis_url: str, name: str) -> None:
        self._client = redis.Redis.from_url(redis_url)
        self._name = name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="inbox-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._client.zadd(WORKERS_KEY, {self._name: time.time()})
            except redis.RedisError:
                log.warning("worker heartbeat to Redis failed", exc_info=True)
            self._stop.wait(HEARTBEAT_SECONDS)
        with contextlib.suppress(redis.RedisError):
            self._client.zrem(WORKERS_KEY, self._name)
        self._client.close()


_running: list[Heartbeat] = []


@worker_ready.connect
def _start(sender: object, **_: object) -> None:
    """A standalone worker (`inbox worker`) starts beating once it consumes."""
    app, name = sender.app, sender.hostname  # type: ignore[attr-defined]
    _running.append(Heartbeat(app.conf.broker_url, name).start())


@worker_shutdown.connect
def _end(**_: object) -> None:
    while _running:
        _running.pop().stop()
