"""Reading a mailbox over IMAP (aioimaplib): new messages by UID, never deleting anything.

The poll state is the folder's UIDVALIDITY and the last UID read. A changed UIDVALIDITY
means the server renumbered the folder: everything is read again, and the unique message
ids make the re-read store nothing twice.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

import aioimaplib

from connectors.base import PollError, SetupError

BATCH = 50
TIMEOUT = 30
UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
FETCHED_UID = re.compile(rb"UID (\d+)")


@dataclass
class Batch:
    """Messages read in one poll, oldest first, and the state to store after each one."""

    messages: list[tuple[int, bytes]] = field(default_factory=list)
    uidvalidity: int | None = None
    more: bool = False


async def _open(config: dict[str, Any]) -> aioimaplib.IMAP4:
    host, port = config["imap_host"], int(config.get("imap_port", 993))
    client = (aioimaplib.IMAP4_SSL if config.get("use_tls", True) else aioimaplib.IMAP4)(
        host=host, port=port, timeout=TIMEOUT
    )
    await client.wait_hello_from_server()
    answer = await client.login(config["username"], config["password"])
    if answer.result != "OK":
        raise PollError(f"The IMAP server refused the login: {_text(answer.lines)}")
    return client


async def check(config: dict[str, Any]) -> None:
    """Sign in and open the folder, for set-up: a wrong password or folder fails here."""
    try:
        client = await _open(config)
        answer = await client.select(config.get("imap_folder", "INBOX"))
        await client.logout()
    except PollError as error:
        raise SetupError(str(error), retryable=False) from None
    except (OSError, TimeoutError, aioimaplib.Abort) as error:
        raise SetupError(f"Could not reach the IMAP server: {error}", retryable=True) from None
    if answer.result != "OK":
        raise SetupError(
            f"Cannot open folder {config.get('imap_folder')}: {_text(answer.lines)}",
            retryable=False,
        )


async def fetch_new(config: dict[str, Any], state: dict[str, Any]) -> Batch:
    """Up to BATCH messages with a UID above the last one read."""
    try:
        client = await _open(config)
    except (OSError, TimeoutError, aioimaplib.Abort) as error:
        raise PollError(f"Could not reach the IMAP server: {error}") from None
    try:
        selected = await client.select(config.get("imap_folder", "INBOX"))
        if selected.result != "OK":
            raise PollError(f"Cannot open the folder: {_text(selected.lines)}")
        found = UIDVALIDITY.search(b" ".join(_bytes(line) for line in selected.lines))
        uidvalidity = int(found.group(1)) if found else None
        last = int(state.get("last_uid", 0)) if state.get("uidvalidity") == uidvalidity else 0
        searched = await client.uid_search(f"UID {last + 1}:*")
        uids = sorted(
            int(u)
            for u in b" ".join(_bytes(x) for x in searched.lines[:-1]).split()
            if u.isdigit() and int(u) > last
        )
        batch = Batch(uidvalidity=uidvalidity, more=len(uids) > BATCH)
        for uid in uids[:BATCH]:
            fetched = await client.uid("fetch", str(uid), "(UID BODY.PEEK[])")
            raw = next((bytes(x) for x in fetched.lines if isinstance(x, bytearray)), None)
            if raw is not None:
                batch.messages.append((uid, raw))
        return batch
    finally:
        with contextlib.suppress(OSError, TimeoutError, aioimaplib.Abort):
            await client.logout()


def _bytes(line: Any) -> bytes:
    return bytes(line) if isinstance(line, bytes | bytearray) else str(line).encode()


def _text(lines: list[Any]) -> str:
    return " ".join(_bytes(line).decode(errors="replace") for line in lines)
