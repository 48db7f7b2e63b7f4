"""The contract every channel connector keeps, and the data it exchanges with the core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal, Protocol

from aiohttp import web
from pydantic import BaseModel


class InboundKind(StrEnum):
    MESSAGE = "message"
    COMMENT = "comment"
    POSTBACK = "postback"
    EDIT = "edit"
    REACTION = "reaction"
    DELIVERY = "delivery"
    READ = "read"


@dataclass(frozen=True)
class Sender:
    """Who wrote, as the platform knows them."""

    external_id: str
    name: str | None = None
    avatar_url: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Attachment:
    type: str
    """image, video, audio, file, sticker, location"""
    url: str | None = None
    file_id: str | None = None
    name: str | None = None
    size: int | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class Inbound:
    """One thing a customer did on a channel, normalised."""

    kind: InboundKind
    external_id: str
    """Unique per channel: the de-duplication key."""
    thread_id: str
    """Chat, PSID, Zalo user, email thread root or post+commenter: one conversation per thread."""
    sender: Sender
    sent_at: datetime | None = None
    """When the platform says it was sent; None means when we received it."""
    text: str | None = None
    attachments: tuple[Attachment, ...] = ()
    reply_to: str | None = None
    payload: str | None = None
    """Button data for postbacks and quick replies."""
    target_id: str | None = None
    """For edits, reactions and receipts: the external id of the message they concern."""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ChannelRef:
    """A channel as a connector sees it: config holds the decrypted credentials."""

    id: str
    kind: str
    name: str
    config: dict[str, Any]
    webhook_url: str
    demo: bool = False


@dataclass(frozen=True)
class Outbound:
    """A message to send to a customer."""

    message_id: str
    thread_id: str
    recipient_id: str
    text: str | None
    attachments: tuple[Attachment, ...] = ()
    reply_to: str | None = None


@dataclass(frozen=True)
class SentRef:
    """What the platform gave back: our message's id there (and a new thread id if it moved)."""

    external_id: str
    thread_id: str | None = None


class WebhookRejected(Exception):
    """The request is not from the platform (bad or missing signature): answer 401."""


class PayloadInvalid(Exception):
    """The request claims to be from the platform but its body is unusable: answer 400."""


class SetupError(Exception):
    """Connecting the channel failed; `retryable` is False when the credentials are wrong."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class SendError(Exception):
    """A send failed. Retryable errors are tried again (after `retry_after` seconds if given)."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.code = code


class Connector(Protocol):
    kind: ClassVar[str]
    config_model: ClassVar[type[BaseModel]]
    """Validates the channel config; fields typed SecretStr are stored encrypted."""
    payload_format: ClassVar[Literal["json", "raw"]]

    async def setup(self, channel: ChannelRef) -> dict[str, Any]:
        """Register the webhook with the platform; returns public facts (e.g. the bot's name)."""
        ...

    async def verify(self, channel: ChannelRef, request: web.Request, body: bytes) -> None:
        """Raise WebhookRejected unless the request provably comes from the platform."""
        ...

    def parse(self, channel: ChannelRef, payload: Any) -> list[Inbound]:
        """Pure: the platform's payload as Inbound items; unknown events give []."""
        ...

    async def send(self, channel: ChannelRef, out: Outbound) -> SentRef:
        """Deliver one message; raise SendError(retryable=...) on failure."""
        ...

    async def handshake(self, channel: ChannelRef, request: web.Request) -> web.Response | None:
        """Answer a platform's GET verification, or None when the platform has none."""
        ...
