"""The `inbox` command: serve, worker, beat, create-admin, seed-demo, files backfill, reports
rebuild."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime, time

from pydantic import ValidationError

from inbox.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="inbox", description="Omnichannel inbox")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web server (and, embedded, worker and beat)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--with-worker",
        action="store_true",
        default=None,
        help="also run the worker and beat in this process (default when any part is embedded)",
    )
    worker = commands.add_parser(
        "worker", help="run a Celery worker (needs MongoDB and Redis URLs)"
    )
    worker.add_argument("--concurrency", type=int)
    commands.add_parser("beat", help="run Celery beat: sweeps and timers (needs the Redis URL)")
    admin = commands.add_parser("create-admin", help="create an admin account")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    admin.add_argument("--name", default="Admin")
    commands.add_parser("seed-demo", help="fill the store with demo agents and conversations")
    files = commands.add_parser("files", help="stored files")
    files.add_subparsers(dest="files_command", required=True).add_parser(
        "backfill",
        help="keep copies of attachments stored as platform links before copies existed",
    )
    reports = commands.add_parser("reports", help="report figures")
    rebuild = reports.add_subparsers(dest="reports_command", required=True).add_parser(
        "rebuild", help="compute the report rollups afresh from conversations, tickets, surveys"
    )
    rebuild.add_argument(
        "--since",
        type=_day,
        help="only records created on or after this day (YYYY-MM-DD, UTC); default: all",
    )
    args = parser.parse_args(argv)

    try:
        settings = Settings()
    except ValidationError as error:
        print(f"Invalid INBOX_* setting:\n{error}", file=sys.stderr)
        return 2
    overrides = {
        k: v
        for k, v in (("host", getattr(args, "host", None)), ("port", getattr(args, "port", None)))
        if v is not None
    }
    settings = settings.model_copy(update=overrides)
    from inbox import cli, logs

    logs.configure(settings.log_level, settings.log_format)

    handlers = {
        "serve": lambda: asyncio.run(cli.serve(settings, args.with_worker)),
        "worker": lambda: cli.worker(settings, args.concurrency),
        "beat": lambda: cli.beat(settings),
        "create-admin": lambda: asyncio.run(
            cli.create_admin(settings, args.email, args.password, args.name)
        ),
        "seed-demo": lambda: asyncio.run(cli.seed_demo(settings)),
        "files": lambda: asyncio.run(cli.backfill_files(settings)),
        "reports": lambda: asyncio.run(cli.rebuild_reports(settings, args.since)),
    }
    try:
        return handlers[args.command]() or 0
    except cli.CommandFailed as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _day(text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2026-11-01") from None
    if not 1970 <= day.year < 2100:  # what record ids can hold
        raise argparse.ArgumentTypeError(f"{text!r} is not a day between 1970 and 2099")
    return datetime.combine(day, time.min, UTC)


if __name__ == "__main__":
    sys.exit(main())
