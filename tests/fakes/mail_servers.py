"""Real mail servers for the tests: aiosmtpd for SMTP, Debian's dovecot for IMAP."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.fakes.slowness import Slowness

SMTP_USER = "support@shop.example"
SMTP_PASSWORD = "smtp-password"


@dataclass
class SmtpRecorder:
    """An aiosmtpd handler: keeps every accepted message; can refuse on cue."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse_recipients: dict[str, str] = field(default_factory=dict)
    data_failures: list[str] = field(default_factory=list)
    logins: dict[str, str] = field(default_factory=lambda: {SMTP_USER: SMTP_PASSWORD})
    slowness: Slowness = field(default_factory=Slowness)
    """How a message is answered once taken (a late reply to DATA, a dropped connection)."""

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            self.logins.get(auth_data.login.decode()) == auth_data.password.decode()
        )
        return AuthResult(success=ok, handled=False)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_recipients:
            return self.refuse_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_failures:
            return self.data_failures.pop(0)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        if not await self.slowness.before_answer(server.transport):
            return "421 Closing"  # never reaches the client: the connection is gone
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def smtp_server(port: int) -> Iterator[SmtpRecorder]:
    recorder = SmtpRecorder()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        authenticator=recorder.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield recorder
    finally:
        controller.stop()


POOL = 40
"""Mailboxes created at start: dovecot re-reads its user file by mtime, too coarse to add
users one by one during the run."""


@dataclass
class Dovecot:
    port: int
    users: list[tuple[str, str]]

    def add_user(self) -> tuple[str, str]:
        """A fresh, empty mailbox: (login, password)."""
        return self.users.pop()


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@contextlib.contextmanager
def dovecot(port: int) -> Iterator[Dovecot]:
    """Debian's dovecot on a free port, as root, with throw-away mailboxes."""
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        raise RuntimeError("dovecot is not installed: run scripts/ensure-test-deps (as root)")
    root = Path(tempfile.mkdtemp(prefix="inbox-dovecot-"))
    root.chmod(0o755)
    for folder in ("run", "state", "home"):
        (root / folder).mkdir()
    shutil.chown(root / "home", user="nobody", group="nogroup")
    users = [(f"box-{uuid.uuid4().hex[:10]}@shop.example", uuid.uuid4().hex) for _ in range(POOL)]
    (root / "users").write_text(
        "".join(f"{login}:{{PLAIN}}{password}\n" for login, password in users)
    )
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port))
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        _wait_for_port(port, process)
        yield Dovecot(port=port, users=users)
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    import socket

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("dovecot exited at start")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("dovecot did not start listening")
