"""A killed `inbox serve` loses nothing it acknowledged: webhooks answered 200 are there after
`kill -9` and a restart on the same data dir, with a torn last journal record too, and while
the journal is being compacted."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import eventually, telegram_update
from tests.processes import (
    admin_token,
    alive,
    broker_pid,
    connect_telegram,
    inbox_process,
    post_update,
)

pytestmark = [
    pytest.mark.skipif(
        bool(os.environ.get("INBOX_MONGODB_URL")), reason="about the embedded store only"
    ),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

WEBHOOKS = 60


async def send_webhooks(session: aiohttp.ClientSession, url: str, first: int, count: int) -> None:
    bodies = [
        json.dumps(telegram_update(7000 + n, n + 1, f"Tin nhắn số {n}")).encode()
        for n in range(first, first + count)
    ]
    statuses = await asyncio.gather(*(post_update(session, url, b) for b in bodies))
    assert set(statuses) == {200}


async def stored_state(session: aiohttp.ClientSession, base: str) -> dict[str, object]:
    """What the API shows: every conversation with its messages' texts, channels, agents."""
    token = await admin_token(session, base)
    headers = {"Authorization": f"Bearer {token}"}

    async def get(path: str) -> dict:
        async with session.get(f"{base}/api/v1{path}", headers=headers) as answer:
            assert answer.status == 200, await answer.text()
            return await answer.json()

    conversations, cursor = [], ""
    while True:
        page = await get(f"/conversations?status=bot,open,pending,resolved&limit=100{cursor}")
        conversations += page["items"]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    texts = {}
    for conversation in conversations:
        messages = await get(f"/conversations/{conversation['id']}/messages?limit=100")
        texts[conversation["id"]] = sorted(
            m["text"] for m in messages["items"] if m["direction"] == "in"
        )
    return {
        "texts": texts,
        "contacts": sorted(c["contact"]["name"] for c in conversations),
        "channels": sorted(c["name"] for c in (await get("/channels"))["items"]),
        "agents": sorted(a["email"] for a in (await get("/agents"))["items"]),
    }


def tear_last_record(data_dir: Path) -> None:
    """What a crash in the middle of a write leaves: half a record at the journal's end."""
    journals = sorted((data_dir / "store").glob("journal-*.log"))
    with open(journals[-1], "ab") as handle:
        handle.write(b"\x40\x00\x00\x00\x12\x34")


@pytest.mark.parametrize("torn", [False, True], ids=["clean-tail", "torn-tail"])
async def test_acknowledged_webhooks_survive_kill_9(tmp_path, fake_telegram, torn):
    async with aiohttp.ClientSession() as session:
        async with inbox_process(tmp_path) as served:
            url = await connect_telegram(session, served.base, fake_telegram[1])
            await send_webhooks(session, url, 0, WEBHOOKS)
            before = await stored_state(session, served.base)
            valkey = broker_pid(tmp_path)
            served.kill()
            await served.process.wait()

            async def broker_gone() -> bool:
                return not alive(valkey)

            await eventually(broker_gone, timeout=5)
        assert len(before["texts"]) == WEBHOOKS
        if torn:
            tear_last_record(tmp_path)

        async with inbox_process(tmp_path) as served:
            assert await stored_state(session, served.base) == before
            if torn:
                assert any("torn record" in line for line in served.output)
            again = served.base + url.removeprefix(url.split("/webhooks")[0])
            await send_webhooks(session, again, 0, 5)
            assert await stored_state(session, served.base) == before, "duplicates stay out"


async def test_nothing_is_lost_while_the_journal_is_compacted(tmp_path, fake_telegram):
    tiny = {"INBOX_JOURNAL_COMPACT_MB": "0.02"}  # compact again and again while writing
    async with aiohttp.ClientSession() as session:
        async with inbox_process(tmp_path, **tiny) as served:
            url = await connect_telegram(session, served.base, fake_telegram[1])
            for batch in range(4):
                await send_webhooks(session, url, batch * 20, 20)
            before = await stored_state(session, served.base)
            served.kill()
            await served.process.wait()
        assert (tmp_path / "store" / "snapshot.bson").exists()
        assert len(before["texts"]) == 80

        async with inbox_process(tmp_path, **tiny) as served:
            assert await stored_state(session, served.base) == before


async def test_a_clean_stop_is_quick_and_keeps_everything(tmp_path, fake_telegram):
    async with aiohttp.ClientSession() as session:
        async with inbox_process(tmp_path) as served:
            url = await connect_telegram(session, served.base, fake_telegram[1])
            await send_webhooks(session, url, 0, 20)
            before = await stored_state(session, served.base)
        assert served.process.returncode == 0
        async with inbox_process(tmp_path) as served:
            assert await stored_state(session, served.base) == before
