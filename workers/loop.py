"""Runs a task's coroutine where the store lives.

In embedded mode (`inbox serve` alone) the store is in the web process's memory, so tasks
hand their coroutine to the web event loop. A standalone worker keeps one event loop in a
background thread with its own connections, opened on first use.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TypeVar

from inbox import logs
from inbox.runtime import Runtime
from inbox.settings import Settings

T = TypeVar("T")
TASK_TIMEOUT = 300.0


@dataclass(frozen=True)
class _Target:
    loop: asyncio.AbstractEventLoop
    runtime: Runtime


_embedded: _Target | None = None
_embedded_process = False
_own: dict[int, _Target] = {}
_own_lock = threading.Lock()


class LoopGone(RuntimeError):
    """The web loop this embedded worker served has stopped (the process is shutting down)."""


def bind_embedded(loop: asyncio.AbstractEventLoop, runtime: Runtime) -> None:
    """Send every task's coroutine to this loop and runtime (the serve process's)."""
    global _embedded, _embedded_process
    _embedded = _Target(loop, runtime)
    _embedded_process = True


def unbind_embedded() -> None:
    global _embedded
    _embedded = None


def run(job: Callable[[Runtime], Awaitable[T]], timeout: float = TASK_TIMEOUT) -> T:
    """Run `job(runtime)` to completion from a worker thread and return its result.

    Fails fast, rather than waiting out the timeout, when the target loop stops meanwhile.
    """
    target = _embedded if _embedded_process else _own_target()
    if target is None or not target.loop.is_running():
        raise LoopGone("no running event loop to run this task on")
    request_id = logs.REQUEST_ID.get()  # the loop's thread has a context of its own
    future = asyncio.run_coroutine_threadsafe(_call(job, target.runtime, request_id), target.loop)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return future.result(timeout=1.0)
        except concurrent.futures.TimeoutError:
            if not target.loop.is_running() or time.monotonic() > deadline:
                future.cancel()
                raise


async def _call(
    job: Callable[[Runtime], Awaitable[T]], runtime: Runtime, request_id: str | None
) -> T:
    logs.REQUEST_ID.set(request_id)
    return await job(runtime)


def _own_target() -> _Target:
    """This process's loop thread and runtime (one per process, so prefork children work)."""
    pid = os.getpid()
    with _own_lock:
        if pid not in _own:
            _own[pid] = _start_own_loop(Settings())
        return _own[pid]


def _start_own_loop(settings: Settings) -> _Target:
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="inbox-worker-loop", daemon=True).start()
    stack = AsyncExitStack()

    async def open_runtime() -> Runtime:
        return await stack.enter_async_context(Runtime.open(settings))

    runtime = asyncio.run_coroutine_threadsafe(open_runtime(), loop).result(60)
    return _Target(loop, runtime)
