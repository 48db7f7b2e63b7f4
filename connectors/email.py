"""Email: IMAP polling or a signed raw-MIME relay in, SMTP (aiosmtplib) out."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, ClassVar, Literal

import aiosmtplib
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors import email_imap
from connectors.base import (
    ChannelRef,
    Inbound,
    OptionalCapabilities,
    Outbound,
    PayloadInvalid,
    RateLimit,
    SendError,
    SentRef,
    SetupError,
    WebhookRejected,
)
from connectors.email_mime import build_reply, outbound_message_id, parse_email
from connectors.outcomes import transport_error

SIGNATURE_HEADER = "X-Inbox-Signature-256"
SMTP_TIMEOUT = 30


def _new_secret() -> SecretStr:
    return SecretStr(secrets.token_urlsafe(32))


class EmailConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="the support address")
    display_name: str | None = Field(default=None, max_length=80)
    imap_host: str | None = Field(default=None, description="empty: mail arrives by the relay only")
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_folder: str = "INBOX"
    smtp_host: str
    smtp_port: int = Field(default=587, ge=1, le=65535)
    username: str
    password: SecretStr
    use_tls: bool = Field(
        default=True, description="IMAP over TLS; SMTP over TLS on port 465, else STARTTLS"
    )
    webhook_secret: SecretStr = Field(
        default_factory=_new_secret, description="signs raw MIME posted to the relay webhook"
    )
    max_per_second: float = Field(default=5.0, gt=0, le=100)


class EmailConnector(OptionalCapabilities):
    kind: ClassVar[str] = "email"
    config_model: ClassVar[type[BaseModel]] = EmailConfig
    payload_format: ClassVar[Literal["json", "raw"]] = "raw"

    async def teardown(self, channel: ChannelRef) -> tuple[bool, str]:
        return True, "The mailbox is no longer read and nothing more is sent from its address."

    # ---- connecting -------------------------------------------------------------------

    async def setup(self, channel: ChannelRef) -> dict[str, Any]:
        """Sign in to SMTP (and IMAP when configured) so a wrong password shows at once."""
        smtp = _smtp(channel)
        try:
            await smtp.connect()
            await smtp.login(channel.config["username"], channel.config["password"])
            await smtp.quit()
        except aiosmtplib.SMTPAuthenticationError as error:
            raise SetupError(
                f"The SMTP server refused the login: {error.message}", retryable=False
            ) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            raise SetupError(f"Could not reach the SMTP server: {error}", retryable=True) from None
        if channel.config.get("imap_host"):
            await email_imap.check(channel.config)
        return {}

    async def verify(self, channel: ChannelRef, request: web.Request, body: bytes) -> None:
        """The relay signs the raw message: sha256=<HMAC-SHA256 of the body, channel secret>."""
        given = request.headers.get(SIGNATURE_HEADER, "")
        key = channel.config["webhook_secret"].encode()
        expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        if not given or not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected(f"missing or wrong {SIGNATURE_HEADER}")

    def rate_limits(self, channel: ChannelRef, out: Outbound) -> list[RateLimit]:
        rate = float(channel.config.get("max_per_second", 5.0))
        return [RateLimit(f"email:{channel.id}", rate)]

    # ---- receiving --------------------------------------------------------------------

    def parse(self, channel: ChannelRef, payload: Any) -> list[Inbound]:
        if not isinstance(payload, bytes | bytearray) or not payload.strip():
            raise PayloadInvalid("post the raw message (message/rfc822) as the body")
        if b":" not in payload.split(b"\n", 1)[0]:
            raise PayloadInvalid("the body does not start with email headers")
        item = parse_email(bytes(payload), channel.config["address"])
        return [item] if item is not None else []

    async def poll(self, channel: ChannelRef, state: dict[str, Any]) -> email_imap.Batch:
        """New messages in the mailbox since `state` (left there, only read)."""
        return await email_imap.fetch_new(channel.config, state)

    # ---- sending ----------------------------------------------------------------------

    async def send(self, channel: ChannelRef, out: Outbound) -> SentRef:
        address = channel.config["address"]
        domain = address.split("@", 1)[1]
        name = channel.config.get("display_name") or channel.name
        message = build_reply(out, address, name, domain)
        smtp = _smtp(channel)
        try:
            await smtp.connect(
                username=channel.config["username"],
                password=channel.config["password"],
                timeout=channel.timeouts.connect,
            )
        except aiosmtplib.SMTPResponseException as error:
            raise _refused(error) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            raise SendError(
                f"Could not reach the SMTP server: {error}", retryable=True, code="network"
            ) from None
        try:
            await smtp.send_message(message, timeout=channel.timeouts.answer)
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused) as error:
            raise _refused(error) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            # No final reply to the message: the server may have taken it (RFC 5321 6.1).
            raise transport_error("the SMTP server", error) from None
        finally:
            smtp.close()
        return SentRef(external_id=outbound_message_id(out.message_id, domain))


def _refused(
    error: aiosmtplib.SMTPResponseException | aiosmtplib.SMTPRecipientsRefused,
) -> SendError:
    """The server answered with an error: the message was not taken (4xx: try again)."""
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return SendError(
            f"The SMTP server refused the login: {error.message}",
            retryable=False,
            code="smtp_auth",
            reauthorise=True,
        )
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        reasons = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in error.recipients)
        permanent = all(r.code >= 500 for r in error.recipients)
        return SendError(
            f"The recipient was refused: {reasons}",
            retryable=not permanent,
            code="smtp_recipient",
        )
    assert isinstance(error, aiosmtplib.SMTPResponseException)
    return SendError(
        f"SMTP {error.code}: {error.message}",
        retryable=error.code < 500,
        code=f"smtp_{error.code}",
    )


def _tls(config: dict[str, Any]) -> dict[str, bool]:
    if not config.get("use_tls", True):
        return {"use_tls": False, "start_tls": False}
    if int(config["smtp_port"]) == 465:
        return {"use_tls": True, "start_tls": False}
    return {"use_tls": False, "start_tls": True}


def _smtp(channel: ChannelRef) -> aiosmtplib.SMTP:
    return aiosmtplib.SMTP(
        hostname=channel.config["smtp_host"],
        port=channel.config["smtp_port"],
        timeout=SMTP_TIMEOUT,
        **_tls(channel.config),
    )
