"""`inbox serve`: the web process, plus worker and beat when running on embedded parts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from inbox import demo
from inbox.app import create_app
from inbox.embedded.runtime import EmbeddedWorker, open_runtime
from inbox.runtime import Runtime
from inbox.services import agents
from inbox.settings import Settings

log = logging.getLogger(__name__)


async def serve(settings: Settings, with_worker: bool | None = None) -> None:
    """Run until SIGINT/SIGTERM. The worker runs in-process when any part is embedded."""
    if with_worker is None:
        with_worker = settings.embedded_store or settings.embedded_redis
    async with open_runtime(settings) as rt:
        await _first_run(rt)
        worker = EmbeddedWorker(rt, settings.worker_concurrency) if with_worker else None
        if worker is not None:
            await worker.start()
        runner = web.AppRunner(create_app(rt.settings, rt), access_log=None)
        await runner.setup()
        try:
            stopped = _stop_signal()  # before announcing: a SIGTERM right after must stop cleanly
            await web.TCPSite(runner, settings.host, settings.port).start()
            _announce(rt, with_worker)
            await stopped.wait()
            print("Stopping…", flush=True)
        finally:
            await runner.cleanup()
            if worker is not None:
                await worker.stop()


async def _first_run(rt: Runtime) -> None:
    created = await agents.ensure_first_admin(rt)
    if created is not None:
        email, generated = created
        if generated:
            print(f"First admin created: {email} / password {generated}  (shown once)", flush=True)
        else:
            print(f"First admin created: {email}", flush=True)
    if rt.settings.demo:
        seeded = await demo.seed(rt)
        if seeded:
            print(
                f"Demo data added. Demo agents sign in with password {demo.DEMO_PASSWORD!r}:",
                flush=True,
            )
            for email in demo.DEMO_AGENT_EMAILS:
                print(f"  {email}", flush=True)


def _announce(rt: Runtime, with_worker: bool) -> None:
    settings = rt.settings
    if settings.embedded_store:
        print(
            f"Embedded store: in memory, journaled to {settings.data_dir / 'store'} (a killed "
            "process loses nothing acknowledged). One machine only; set INBOX_MONGODB_URL for "
            "more.",
            flush=True,
        )
    if with_worker:
        print("Worker and beat are running inside this process.", flush=True)
    url = f"http://{settings.host}:{settings.port}"
    if settings.host in ("0.0.0.0", "::"):  # noqa: S104
        url = settings.base_url
    print(f"Inbox is ready at {url}  (sign in at {url}/login)", flush=True)


def _stop_signal() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop
