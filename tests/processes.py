"""`inbox serve` as a real process on embedded parts, for tests and benchmarks that stop it
the hard way (SIGKILL) or measure it from outside."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.conftest import free_port

ADMIN = {"email": "admin@example.com", "password": "admin-password-123"}
TELEGRAM_SECRET = "process-secret-token"


@dataclass
class Served:
    base: str
    process: asyncio.subprocess.Process
    output: list[str] = field(default_factory=list)

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, like a crash or an impatient supervisor."""
        self.process.kill()


def process_env(data_dir: Path, admin: bool = True, **extra: str) -> dict[str, str]:
    """This environment without any INBOX_* setting, then the data dir, quiet logs, `extra`
    and (unless `admin` is False, to see one generated) the first admin's credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBOX_")}
    env.update(INBOX_DATA_DIR=str(data_dir), INBOX_LOG_LEVEL="WARNING")
    if admin:
        env.update(INBOX_ADMIN_EMAIL=ADMIN["email"], INBOX_ADMIN_PASSWORD=ADMIN["password"])
    env.update(extra)
    return env


@asynccontextmanager
async def inbox_process(data_dir: Path, **extra: str) -> AsyncIterator[Served]:
    """Start `inbox serve`, wait until it says it is ready; SIGTERM at the end if still alive."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "inbox",
        "serve",
        "--port",
        str(port),
        env=process_env(data_dir, **extra),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    served = Served(f"http://127.0.0.1:{port}", process)
    assert process.stdout is not None
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        if not line:
            raise AssertionError("inbox serve exited:\n" + "".join(served.output))
        served.output.append(line)
        if "Inbox is ready at" in line:
            break
    drain = asyncio.create_task(_drain(process.stdout, served.output))
    try:
        yield served
    finally:
        if process.returncode is None:
            with suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)
        await drain


async def _drain(stream: asyncio.StreamReader, lines: list[str]) -> None:
    """Keep reading the output, so a full pipe never blocks the server."""
    while line := await stream.readline():
        lines.append(line.decode())


async def admin_token(session: aiohttp.ClientSession, base: str) -> str:
    async with session.post(f"{base}/api/v1/auth/token", json=ADMIN) as answer:
        assert answer.status == 200, await answer.text()
        return (await answer.json())["token"]


async def connect_telegram(session: aiohttp.ClientSession, base: str, api_base_url: str) -> str:
    """A Telegram channel whose Bot API is a local fake; returns the webhook URL."""
    token = await admin_token(session, base)
    config = {
        "bot_token": "123456:process-test",
        "secret_token": TELEGRAM_SECRET,
        "api_base_url": api_base_url,
    }
    async with session.post(
        f"{base}/api/v1/channels",
        headers={"Authorization": f"Bearer {token}"},
        json={"kind": "telegram", "name": "process test", "config": config},
    ) as answer:
        assert answer.status == 201, await answer.text()
        channel = await answer.json()
    return f"{base}/webhooks/telegram/{channel['id']}"


async def post_update(session: aiohttp.ClientSession, url: str, body: bytes) -> int:
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }
    async with session.post(url, data=body, headers=headers) as answer:
        await answer.read()
        return answer.status


def broker_pid(data_dir: Path) -> int:
    return int((data_dir / "broker" / "pid").read_text())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()
