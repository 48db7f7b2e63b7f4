"""Fixtures: a running app on embedded parts, a real Celery worker over valkey, fake platforms.

Each test gets a fresh store (mongomock, or a throw-away database on a real MongoDB when
INBOX_MONGODB_URL is set) and its own app on a real port. The valkey server and the Celery
worker live for the whole session; the worker hands coroutines to the current test's loop.
Every store query of the session is recorded, and the session fails if any query shape has
no declared index (see inbox.query_audit).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from inbox.app import create_app
from inbox.auth import issue_token
from inbox.models.agents import AgentCreate, Role
from inbox.query_audit import QueryAudit
from inbox.runtime import Runtime
from inbox.services import agents
from inbox.settings import Settings
from inbox.store import COLLECTIONS, Store
from tests.fakes.telegram_api import FakeTelegram

pytest_plugins = ("tests.browser",)


def _parse_one_at_a_time() -> None:
    """CPython 3.11 keeps the AST constructor's recursion depth per interpreter, not per
    thread (gh-106905): `ast.parse` in two threads at once can fail with "AST constructor
    recursion depth mismatch". That happens when pytest formats a failure while a worker
    thread logs a traceback (3.11 parses source lines for the carets), and it crashed an xdist
    worker, hiding the failure. Tests parse one at a time."""
    import ast
    import threading

    parse, lock = ast.parse, threading.RLock()

    def parse_alone(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return parse(*args, **kwargs)

    ast.parse = parse_alone


_parse_one_at_a_time()

FIXTURES = Path(__file__).parent / "fixtures"
QUERY_AUDIT = QueryAudit(COLLECTIONS)
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


UNSERVED_ON_WORKERS: set[str] = set()
"""Query shapes without an index that xdist workers reported (the controller reports them)."""


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    unserved = sorted({str(shape) for shape in QUERY_AUDIT.unserved()} | UNSERVED_ON_WORKERS)
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:  # an xdist worker: hand the shapes to the controller
        worker_output["unserved_queries"] = unserved
        return
    if unserved:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = "\n".join(f"  {shape}" for shape in unserved)
        message = f"\nQueries without a declared index (add them to inbox/store.py):\n{lines}\n"
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist: a worker finished; keep the unindexed query shapes it saw."""
    UNSERVED_ON_WORKERS.update(getattr(node, "workeroutput", {}).get("unserved_queries", []))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---- session: Redis and the Celery worker ----------------------------------------------------


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("INBOX_REDIS_URL"):
        yield os.environ["INBOX_REDIS_URL"]
        return
    from inbox.embedded.broker import running_broker

    with running_broker(tmp_path_factory.mktemp("broker")) as broker:
        yield broker.url


@pytest.fixture(scope="session")
def celery_worker(redis_url: str) -> Iterator[Any]:
    """A real Celery worker (threads pool) consuming from the session's valkey."""
    from celery.contrib.testing.worker import start_worker

    from workers.celery_app import configure
    from workers.heartbeat import Heartbeat

    app = configure(Settings(redis_url=redis_url))
    with start_worker(
        app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=20,
    ) as worker:
        heartbeat = Heartbeat(redis_url, worker.hostname).start()
        yield worker
        heartbeat.stop()


# ---- per test: settings, store, runtime, app ---------------------------------------------------


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def settings(tmp_path: Path, redis_url: str, port: int) -> Settings:
    return Settings(
        _env_file=None,
        mongodb_url=os.environ.get("INBOX_MONGODB_URL", ""),
        mongodb_database=f"inbox_test_{uuid.uuid4().hex[:12]}",
        redis_url=redis_url,
        secret_key="test-secret-key-0123456789",
        public_url=f"http://127.0.0.1:{port}",
        data_dir=tmp_path / "data",
        login_attempts_per_15_min=1000,
        portal_links_per_15_min=1000,
        delivery_retry_base_seconds=0.2,
        delivery_max_attempts=4,
    )


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    store = Store.open(settings, audit=QUERY_AUDIT)
    await store.ensure_indexes()
    yield store
    if not settings.embedded_store:
        await store.client.drop_database(settings.mongodb_database)
    store.close()


@pytest.fixture
async def rt(settings: Settings, store: Store, celery_worker: Any) -> AsyncIterator[Runtime]:
    from workers import loop

    async with Runtime.open(settings, store) as runtime:
        loop.bind_embedded(asyncio.get_running_loop(), runtime)
        yield runtime
        loop.unbind_embedded()
        from connectors import http

        await http.close()


@dataclass
class RunningApp:
    url: str
    app: web.Application
    rt: Runtime


@pytest.fixture
async def server(settings: Settings, rt: Runtime, port: int) -> AsyncIterator[RunningApp]:
    app = create_app(settings, rt)
    test_server = TestServer(app, host="127.0.0.1", port=port)
    await test_server.start_server()
    yield RunningApp(f"http://127.0.0.1:{port}", app, rt)
    await test_server.close()


# ---- people and HTTP clients ----------------------------------------------------------------


@dataclass
class Client:
    """An HTTP client bound to the app, optionally with a Bearer token."""

    session: aiohttp.ClientSession
    base: str
    token: str | None = None

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        async with self.session.request(
            method,
            self.base + path,
            json=json,
            data=data,
            headers=self._headers(headers),
            allow_redirects=False,
        ) as response:
            body = await response.read()
            try:
                parsed = await response.json(content_type=None) if body else None
            except ValueError:
                parsed = body.decode(errors="replace")
            return response.status, parsed

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.request("GET", path, **kwargs)

    async def get_bytes(self, path: str) -> tuple[int, bytes]:
        """A download: the status and the body as it came."""
        async with self.session.get(self.base + path, headers=self._headers(None)) as response:
            return response.status, await response.read()

    async def post(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.request("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.request("PATCH", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.request("PUT", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.request("DELETE", path, **kwargs)


@pytest.fixture
async def http(server: RunningApp) -> AsyncIterator[Client]:
    """Anonymous client."""
    async with aiohttp.ClientSession() as session:
        yield Client(session, server.url)


async def make_agent(
    rt: Runtime, email: str, role: Role = Role.AGENT, **fields: Any
) -> dict[str, Any]:
    body = AgentCreate(
        email=email,
        name=fields.pop("name", email.split("@")[0].title()),
        password=fields.pop("password", "correct horse battery"),
        role=role,
        **fields,
    )
    return await agents.create(rt, body)


@pytest.fixture
async def admin(rt: Runtime, server: RunningApp) -> AsyncIterator[Client]:
    """A signed-in admin (Bearer token)."""
    agent = await make_agent(rt, "admin@example.com", Role.ADMIN, name="Ada Admin")
    token, _ = await issue_token(rt, agent["_id"], "tests")
    async with aiohttp.ClientSession() as session:
        client = Client(session, server.url, token)
        client.agent = agent  # type: ignore[attr-defined]
        yield client


@pytest.fixture
async def agent(rt: Runtime, server: RunningApp) -> AsyncIterator[Client]:
    """A signed-in agent without teams (Bearer token)."""
    doc = await make_agent(rt, "agent@example.com", name="Andy Agent")
    token, _ = await issue_token(rt, doc["_id"], "tests")
    async with aiohttp.ClientSession() as session:
        client = Client(session, server.url, token)
        client.agent = doc  # type: ignore[attr-defined]
        yield client


# ---- fake platforms ---------------------------------------------------------------------------


@pytest.fixture
async def fake_telegram() -> AsyncIterator[tuple[FakeTelegram, str]]:
    """A local Bot API server; yields it and its base URL for the channel's api_base_url."""
    async with serving(FakeTelegram()) as running:
        yield running


@contextlib.asynccontextmanager
async def serving(fake: Any) -> AsyncIterator[tuple[Any, str]]:
    """Run a fake platform's app on a free port: (the fake, its base URL)."""
    test_server = TestServer(fake.app(), host="127.0.0.1", port=free_port())
    await test_server.start_server()
    try:
        yield fake, f"http://127.0.0.1:{test_server.port}"
    finally:
        await test_server.close()


@pytest.fixture
async def telegram_channel(
    admin: Client, fake_telegram: tuple[FakeTelegram, str]
) -> dict[str, Any]:
    """A Telegram channel connected through the API against the fake Bot API."""
    _, base = fake_telegram
    status, channel = await admin.post(
        "/api/v1/channels",
        json={
            "kind": "telegram",
            "name": "Shop bot",
            "config": {
                "bot_token": BOT_TOKEN,
                "secret_token": "s3cret-token_ABC",
                "api_base_url": base,
            },
        },
    )
    assert status == 201, channel
    channel["secret_token"] = "s3cret-token_ABC"
    return channel


def load_fixture(channel: str, name: str) -> bytes:
    return (FIXTURES / channel / name).read_bytes()


async def eventually(check: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll an async check until it returns something truthy; fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(interval)


_update_ids = iter(range(1_000_000, 10_000_000))


async def events_settled(rt: Runtime) -> None:
    """Wait until the worker has handled every event so far (automatic messages included)."""

    async def done():
        return await rt.store["events"].find_one({"processed_at": None}) is None

    try:
        await eventually(done, timeout=20)
    except AssertionError:
        waiting = await rt.store["events"].find({"processed_at": None}).to_list(None)
        shown = [(e["type"], e.get("failures", 0), e.get("last_error")) for e in waiting]
        raise AssertionError(f"events still unprocessed after 20 s: {shown}") from None


def telegram_update(
    chat_id: int, message_id: int, text: str, name: str = "Khách Hàng"
) -> dict[str, Any]:
    """A Telegram text-message update from a private chat."""
    first, _, last = name.partition(" ")
    user = {
        "id": chat_id,
        "is_bot": False,
        "first_name": first,
        "last_name": last,
        "language_code": "vi",
    }
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": message_id,
            "from": user,
            "chat": {"id": chat_id, "first_name": first, "last_name": last, "type": "private"},
            "date": 1795000000 + message_id,
            "text": text,
        },
    }


async def customer_writes(
    http: Client,
    channel: dict[str, Any],
    chat_id: int,
    text: str,
    message_id: int = 1,
    name: str = "Khách Hàng",
) -> dict[str, Any]:
    """Post a customer's Telegram message to the webhook; returns the webhook's answer."""
    status, body = await http.post(
        f"/webhooks/telegram/{channel['id']}",
        json=telegram_update(chat_id, message_id, text, name),
        headers={"X-Telegram-Bot-Api-Secret-Token": channel["secret_token"]},
    )
    assert status == 200, body
    return body


FACEBOOK_APP_SECRET = "f4c3b00k-app-secret-for-tests"


@pytest.fixture
async def fake_graph() -> AsyncIterator[tuple[Any, str]]:
    """A local Graph API; yields it and its base URL for the channel's graph_base_url."""
    from tests.fakes.graph_api import FakeGraph

    async with serving(FakeGraph()) as running:
        yield running


@pytest.fixture
async def facebook_channel(admin: Client, fake_graph: tuple[Any, str]) -> dict[str, Any]:
    from tests.fakes.graph_api import PAGE_ID, PAGE_TOKEN

    _, base = fake_graph
    status, channel = await admin.post(
        "/api/v1/channels",
        json={
            "kind": "facebook",
            "name": "Shop page",
            "config": {
                "page_id": PAGE_ID,
                "page_access_token": PAGE_TOKEN,
                "app_secret": FACEBOOK_APP_SECRET,
                "verify_token": "verify-me-please",
                "graph_base_url": base,
            },
        },
    )
    assert status == 201, channel
    return channel


def facebook_signature(body: bytes, secret: str = FACEBOOK_APP_SECRET) -> str:
    import hashlib
    import hmac

    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def facebook_posts(
    http: Client, channel: dict[str, Any], body: bytes, signature: str | None = "valid"
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if signature == "valid":
        signature = facebook_signature(body)
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return await http.post(f"/webhooks/facebook/{channel['id']}", data=body, headers=headers)


ZALO_OA_SECRET = "zalo-oa-secret-key-for-webhooks"


@pytest.fixture
async def fake_zalo() -> AsyncIterator[tuple[Any, str]]:
    from tests.fakes.zalo_api import FakeZalo

    async with serving(FakeZalo()) as running:
        yield running


@pytest.fixture
async def zalo_channel(admin: Client, fake_zalo: tuple[Any, str]) -> dict[str, Any]:
    from tests.fakes.zalo_api import ACCESS_TOKEN, APP_ID, APP_SECRET, OA_ID, REFRESH_TOKEN

    _, base = fake_zalo
    status, channel = await admin.post(
        "/api/v1/channels",
        json={
            "kind": "zalo",
            "name": "Shop OA",
            "config": {
                "oa_id": OA_ID,
                "app_id": APP_ID,
                "oa_secret_key": ZALO_OA_SECRET,
                "app_secret_key": APP_SECRET,
                "access_token": ACCESS_TOKEN,
                "refresh_token": REFRESH_TOKEN,
                "api_base_url": base,
                "oauth_base_url": base,
            },
        },
    )
    assert status == 201, channel
    return channel


def zalo_signature(body: bytes, secret: str = ZALO_OA_SECRET) -> str:
    import hashlib
    import json as json_module

    payload = json_module.loads(body)
    signed = (
        payload["app_id"].encode() + body + str(payload["timestamp"]).encode() + secret.encode()
    )
    return "mac=" + hashlib.sha256(signed).hexdigest()


async def zalo_posts(
    http: Client, channel: dict[str, Any], body: bytes, signature: str | None = "valid"
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if signature == "valid":
        signature = zalo_signature(body)
    if signature is not None:
        headers["X-ZEvent-Signature"] = signature
    return await http.post(f"/webhooks/zalo/{channel['id']}", data=body, headers=headers)


EMAIL_RELAY_SECRET = "relay-secret-for-tests-0123456789"


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) recording what it accepts; yields (recorder, port)."""
    from tests.fakes.mail_servers import smtp_server

    port = free_port()
    with smtp_server(port) as recorder:
        yield recorder, port


@pytest.fixture(scope="session")
def dovecot_server():
    from tests.fakes.mail_servers import dovecot

    with dovecot(free_port()) as server:
        yield server


def email_config(smtp_port: int, **extra: Any) -> dict[str, Any]:
    from tests.fakes.mail_servers import SMTP_PASSWORD, SMTP_USER

    return {
        "address": "support@shop.example",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "username": SMTP_USER,
        "password": SMTP_PASSWORD,
        "use_tls": False,
        "webhook_secret": EMAIL_RELAY_SECRET,
        **extra,
    }


NO_AUTO_TICKET = {"auto_ticket": False}
"""Connector tests watch mail alone; the ticket tests switch automatic tickets on."""


@pytest.fixture
async def email_channel(admin: Client, smtp) -> dict[str, Any]:
    _, port = smtp
    status, channel = await admin.post(
        "/api/v1/channels",
        json={
            "kind": "email",
            "name": "Shop support",
            "config": email_config(port),
            "settings": NO_AUTO_TICKET,
        },
    )
    assert status == 201, channel
    return channel


async def relay_email(
    http: Client, channel: dict[str, Any], raw: bytes, signature: str | None = "valid"
) -> tuple[int, Any]:
    import hashlib
    import hmac

    headers = {"Content-Type": "message/rfc822"}
    if signature == "valid":
        signature = (
            "sha256=" + hmac.new(EMAIL_RELAY_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        )
    if signature is not None:
        headers["X-Inbox-Signature-256"] = signature
    return await http.post(f"/webhooks/email/{channel['id']}", data=raw, headers=headers)
