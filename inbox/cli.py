"""What each `inbox` command does (argument parsing lives in `inbox.__main__`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from pydantic import ValidationError
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from inbox import demo
from inbox.embedded.runtime import DataDirBusy, open_runtime
from inbox.errors import AppError
from inbox.models.agents import AgentCreate, Role
from inbox.reports import rollups
from inbox.runtime import Runtime
from inbox.serve import serve as serve_forever
from inbox.services import agents, attachment_copies
from inbox.settings import Settings

T = TypeVar("T")


class CommandFailed(Exception):
    pass


def check_settings(settings: Settings) -> None:
    """Fail before connecting to anything when the settings cannot work."""
    try:
        settings.resolved_secret_key()
    except SystemExit as error:
        raise CommandFailed(str(error)) from None


async def serve(settings: Settings, with_worker: bool | None) -> None:
    check_settings(settings)
    try:
        await serve_forever(settings, with_worker)
    except (DataDirBusy, PyMongoError, RedisError) as error:
        raise CommandFailed(f"Cannot start: {error}") from None


def _needs_servers(settings: Settings, command: str) -> None:
    if settings.embedded_store or settings.embedded_redis:
        raise CommandFailed(
            f"`inbox {command}` runs beside web processes, so it needs the shared servers: set "
            "INBOX_MONGODB_URL and INBOX_REDIS_URL. Without them, `inbox serve` runs the worker "
            "and beat itself."
        )


def worker(settings: Settings, concurrency: int | None) -> None:
    _needs_servers(settings, "worker")
    check_settings(settings)
    from workers.celery_app import configure

    app = configure(settings)
    if settings.worker_metrics_port:
        from prometheus_client import start_http_server

        from inbox.metrics import REGISTRY

        start_http_server(settings.worker_metrics_port, registry=REGISTRY)
    app.worker_main(
        [
            "worker",
            "--pool=threads",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            f"--loglevel={settings.log_level}",
        ]
    )


def beat(settings: Settings) -> None:
    _needs_servers(settings, "beat")
    from workers.celery_app import configure

    schedule = settings.data_dir / "beat-schedule"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    configure(settings).start(
        ["beat", f"--loglevel={settings.log_level}", f"--schedule={schedule}"]
    )


async def _in_runtime(settings: Settings, work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run one piece of work on the store (and broker) these settings name."""
    check_settings(settings)
    try:
        async with open_runtime(settings) as rt:
            return await work(rt)
    except (DataDirBusy, AppError, PyMongoError, RedisError) as error:
        raise CommandFailed(str(error)) from None


async def create_admin(settings: Settings, email: str, password: str, name: str) -> None:
    try:
        body = AgentCreate(email=email, password=password, name=name, role=Role.ADMIN)
    except ValidationError as error:
        raise CommandFailed(f"Invalid admin: {error}") from None
    agent = await _in_runtime(settings, lambda rt: agents.create(rt, body))
    print(f"Admin {agent['email']} created.")


async def backfill_files(settings: Settings) -> None:
    counts = await _in_runtime(settings, attachment_copies.backfill)
    if not counts:
        print("Every attachment is already kept here (or marked with why it could not be).")
        return
    print(", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) + ".")
    if counts.get("retrying"):
        print("The worker tries the others again; `inbox serve` or `inbox worker` runs it.")


async def rebuild_reports(settings: Settings, since: datetime | None = None) -> None:
    records = await _in_runtime(settings, lambda rt: rollups.rebuild(rt, since))
    print(f"Report figures rebuilt from {records} records (conversations, tickets, messages...).")


async def seed_demo(settings: Settings) -> None:
    seeded = await _in_runtime(settings, demo.seed)
    if seeded:
        print(f"Demo data added; demo agents sign in with password {demo.DEMO_PASSWORD!r}:")
        for email in demo.DEMO_AGENT_EMAILS:
            print(f"  {email}")
    else:
        print("Demo data was already there.")
