"""The `inbox` command as a newcomer runs it: serve on embedded parts, create-admin, seed-demo,
files backfill."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.processes import process_env

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def inbox(*args: str, data_dir: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inbox", *args],
        env=process_env(data_dir, admin=False, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


@contextmanager
def serving(data_dir: Path, **extra: str) -> Iterator[tuple[str, list[str]]]:
    """Start `inbox serve`, wait until it prints its URL, stop it with SIGTERM afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "inbox", "serve", "--port", str(port)],
        env=process_env(data_dir, admin=False, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                raise AssertionError("inbox serve exited:\n" + "".join(lines))
            lines.append(line)
            if "Inbox is ready at" in line:
                break
        yield f"http://127.0.0.1:{port}", lines
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=60)
        lines.append(rest)
        assert process.returncode == 0, "".join(lines)


def get_json(url: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_healthy(base: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        status, body = get_json(f"{base}/healthz")
        if status == 200 or time.monotonic() > deadline:
            return body
        time.sleep(0.3)


def test_serve_runs_everything_on_embedded_parts_and_keeps_data_across_restarts(tmp_path):
    with serving(tmp_path, INBOX_DEMO="1") as (base, lines):
        output = "".join(lines)
        assert re.search(r"First admin created: admin@example.com / password \S+", output)
        assert "Demo data added" in output
        assert "a killed process loses nothing acknowledged" in output
        assert wait_healthy(base) == {
            "status": "ok",
            "checks": {"store": "ok", "redis": "ok", "worker": "ok"},
        }
        status, issued = get_json(
            f"{base}/api/v1/auth/token",
            body={"email": "minh@demo.example", "password": "demo-password"},
        )
        assert status == 200
        status, page = get_json(
            f"{base}/api/v1/conversations?status=open,pending,resolved", issued["token"]
        )
        before = {c["id"] for c in page["items"]}
        assert len(before) >= 2

    assert list((tmp_path / "store").glob("journal-*.log"))
    with serving(tmp_path, INBOX_DEMO="1") as (base, lines):
        assert "First admin created" not in "".join(lines), "the admin password is shown once"
        assert "Demo data added" not in "".join(lines)
        _, issued = get_json(
            f"{base}/api/v1/auth/token",
            body={"email": "minh@demo.example", "password": "demo-password"},
        )
        _, page = get_json(
            f"{base}/api/v1/conversations?status=open,pending,resolved", issued["token"]
        )
        assert {c["id"] for c in page["items"]} == before


def test_create_admin_and_seed_demo_work_on_the_embedded_store(tmp_path):
    created = inbox(
        "create-admin",
        "--email",
        "Boss@Example.com",
        "--password",
        "long enough pw",
        data_dir=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    assert "Admin boss@example.com created." in created.stdout
    again = inbox(
        "create-admin",
        "--email",
        "boss@example.com",
        "--password",
        "long enough pw",
        data_dir=tmp_path,
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr
    seeded = inbox("seed-demo", data_dir=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    assert "lan@demo.example" in seeded.stdout
    assert "already there" in inbox("seed-demo", data_dir=tmp_path).stdout
    backfilled = inbox("files", "backfill", data_dir=tmp_path)
    assert backfilled.returncode == 0, backfilled.stderr
    assert "already kept here" in backfilled.stdout  # demo channels have no expiring links
    rebuilt = inbox("reports", "rebuild", data_dir=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert re.search(r"rebuilt from [1-9]\d* records", rebuilt.stdout), rebuilt.stdout
    recent = inbox("reports", "rebuild", "--since", "2099-01-01", data_dir=tmp_path)
    assert recent.returncode == 0 and "rebuilt from 0 records" in recent.stdout, recent.stderr
    wrong = inbox("reports", "rebuild", "--since", "last week", data_dir=tmp_path)
    assert wrong.returncode == 2 and "is not a day like" in wrong.stderr

    with serving(tmp_path) as (base, lines):
        assert "First admin created" not in "".join(lines)
        status, issued = get_json(
            f"{base}/api/v1/auth/token",
            body={"email": "boss@example.com", "password": "long enough pw"},
        )
        assert status == 200
        _, page = get_json(
            f"{base}/api/v1/conversations?status=open,pending,resolved", issued["token"]
        )
        assert len(page["items"]) == 6
        _, people = get_json(f"{base}/api/v1/contacts?q=chau", issued["token"])
        walk_in = next(c for c in people["items"] if c["identities"] == [])
        _, suggested = get_json(
            f"{base}/api/v1/contacts/{walk_in['id']}/suggestions", issued["token"]
        )
        assert [s["contact"]["name"] for s in suggested["items"]] == ["Phạm Minh Châu"]


def test_a_short_admin_password_is_refused(tmp_path):
    result = inbox(
        "create-admin", "--email", "boss@example.com", "--password", "short", data_dir=tmp_path
    )

    assert result.returncode == 1
    assert "password" in result.stderr


def test_commands_refuse_a_data_dir_another_process_uses(tmp_path):
    with serving(tmp_path):
        result = inbox(
            "create-admin",
            "--email",
            "x@example.com",
            "--password",
            "long enough pw",
            data_dir=tmp_path,
        )
    assert result.returncode == 1
    assert "Another inbox process is using" in result.stderr


def test_worker_and_beat_need_the_shared_servers(tmp_path):
    for command in ("worker", "beat"):
        result = inbox(command, data_dir=tmp_path)
        assert result.returncode == 1
        assert "INBOX_MONGODB_URL and INBOX_REDIS_URL" in result.stderr


def test_production_settings_without_a_secret_key_stop_with_a_clear_message(tmp_path):
    result = inbox(
        "serve",
        data_dir=tmp_path,
        INBOX_MONGODB_URL="mongodb://127.0.0.1:1",
        INBOX_REDIS_URL="redis://127.0.0.1:1",
    )

    assert result.returncode != 0
    assert "INBOX_SECRET_KEY must be set" in result.stderr + result.stdout
