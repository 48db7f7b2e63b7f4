"""How tasks reach the store: the web loop in embedded mode, an own loop in a standalone worker."""

from __future__ import annotations

import asyncio
import threading

import pytest

from inbox.settings import Settings
from workers import loop


def test_a_standalone_worker_runs_tasks_on_its_own_loop_and_connections(redis_url, tmp_path):
    target = loop._start_own_loop(
        Settings(_env_file=None, redis_url=redis_url, secret_key="k" * 20, data_dir=tmp_path)
    )
    try:

        async def job():
            await target.runtime.redis.set("worker-loop-check", "ok")
            return threading.current_thread().name, await target.runtime.redis.get(
                "worker-loop-check"
            )

        future = asyncio.run_coroutine_threadsafe(job(), target.loop)
        assert future.result(10) == ("inbox-worker-loop", "ok")
    finally:
        target.loop.call_soon_threadsafe(target.loop.stop)


def test_tasks_fail_fast_when_the_embedded_loop_is_gone(rt):
    loop.unbind_embedded()

    async def job(_):
        return "never"

    with pytest.raises(loop.LoopGone):
        loop.run(job)


async def test_tasks_run_on_the_bound_web_loop(rt):
    async def job(runtime):
        return runtime is rt, threading.current_thread() is threading.main_thread()

    result = await asyncio.to_thread(loop.run, job)

    assert result == (True, True)
