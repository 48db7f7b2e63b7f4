"""The embedded broker heals: killed during traffic, it is restarted on its port; meanwhile
webhooks are stored and acknowledged, sign-in works and /healthz says `degraded`; afterwards
every event is processed without a restart by hand. Killing `inbox serve` with SIGKILL takes
the broker with it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import eventually, telegram_update
from tests.processes import (
    ADMIN,
    admin_token,
    alive,
    broker_pid,
    connect_telegram,
    inbox_process,
    post_update,
)

pytestmark = [
    pytest.mark.skipif(
        bool(os.environ.get("INBOX_MONGODB_URL") or os.environ.get("INBOX_REDIS_URL")),
        reason="about the embedded broker only",
    ),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

MESSAGES = 40


async def tag_every_customer_message(session: aiohttp.ClientSession, base: str) -> None:
    """A rule whose effect shows that a message's event went through the worker."""
    token = await admin_token(session, base)
    rule = {
        "name": "Seen by the worker",
        "event": "message.created",
        "conditions": {
            "all": [{"field": "message.direction", "operator": "equals", "value": "in"}]
        },
        "actions": [{"type": "add_tag", "tag": "seen"}],
    }
    async with session.post(
        f"{base}/api/v1/rules", json=rule, headers={"Authorization": f"Bearer {token}"}
    ) as answer:
        assert answer.status == 201, await answer.text()


async def untagged(session: aiohttp.ClientSession, base: str) -> int:
    token = await admin_token(session, base)
    async with session.get(
        f"{base}/api/v1/conversations?status=open,pending,bot&limit=100",
        headers={"Authorization": f"Bearer {token}"},
    ) as answer:
        page = await answer.json()
    assert len(page["items"]) == MESSAGES
    return sum(1 for c in page["items"] if "seen" not in c["tags"])


async def test_a_killed_broker_comes_back_and_nothing_is_left_unprocessed(tmp_path, fake_telegram):
    async with aiohttp.ClientSession() as session, inbox_process(tmp_path) as served:
        url = await connect_telegram(session, served.base, fake_telegram[1])
        await tag_every_customer_message(session, served.base)
        port = (tmp_path / "broker" / "port").read_text()
        health: list[str] = []
        sign_ins: list[int] = []

        async def watch() -> None:
            while True:
                async with session.get(f"{served.base}/healthz") as answer:
                    health.append((await answer.json())["status"])
                async with session.post(f"{served.base}/api/v1/auth/token", json=ADMIN) as answer:
                    sign_ins.append(answer.status)
                await asyncio.sleep(0.05)

        watcher = asyncio.create_task(watch())
        statuses = []
        first = broker_pid(tmp_path)
        for n in range(MESSAGES):
            if n == 10:
                os.kill(first, signal.SIGKILL)
            body = json.dumps(telegram_update(9100 + n, n + 1, f"Còn hàng không {n}?")).encode()
            statuses.append(await post_update(session, url, body))
            await asyncio.sleep(0.05)

        async def broker_back() -> bool:
            return broker_pid(tmp_path) != first and health[-1] == "ok"

        await eventually(broker_back, timeout=30)
        watcher.cancel()
        assert statuses == [200] * MESSAGES
        assert "degraded" in health
        assert all(status < 500 for status in sign_ins) and 200 in sign_ins
        assert (tmp_path / "broker" / "port").read_text() == port

        async def all_tagged() -> bool:
            return await untagged(session, served.base) == 0

        await eventually(all_tagged, timeout=60, interval=0.5)


async def test_sigkill_of_the_server_leaves_no_broker_behind(tmp_path):
    async with inbox_process(tmp_path) as served:
        valkey = broker_pid(tmp_path)
        assert alive(valkey)
        served.kill()
        await served.process.wait()

    async def gone() -> bool:
        return not alive(valkey)

    await eventually(gone, timeout=5)


async def test_two_servers_on_one_machine_get_brokers_of_their_own(tmp_path):
    first_dir, second_dir = tmp_path / "a", tmp_path / "b"
    async with inbox_process(first_dir), inbox_process(second_dir):
        ports = {Path(d, "broker", "port").read_text() for d in (first_dir, second_dir)}
        pids = {broker_pid(d) for d in (first_dir, second_dir)}
    assert len(ports) == 2 and len(pids) == 2
