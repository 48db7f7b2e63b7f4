"""The contract every channel connector keeps, and the data it exchanges with the core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal, Protocol

from aiohttp import web
from pydantic import BaseModel

from connectors import http
from inbox.errors import NotFound


class InboundKind(StrEnum):
    MESSAGE = "message"
    COMMENT = "comment"
    POSTBACK = "postback"
    EDIT = "edit"
    REACTION = "reaction"
    DELIVERY = "delivery"
    READ = "read"
    ECHO = "echo"
    """Something the page/OA/mailbox itself sent (from us or from the platform's own app)."""
    BOUNCE = "bounce"
    """A delivery failure report about messages we sent (`target_ids`)."""


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
    data: bytes | None = field(default=None, compare=False, repr=False)
    """The content itself, when the platform sends it inline (email) or we send a file."""


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
    """For edits and reactions: the external id of the message they concern."""
    target_ids: tuple[str, ...] = ()
    """For receipts and bounces: the external ids of the messages they concern."""
    watermark: datetime | None = None
    """For receipts: everything we sent in the thread up to this time is delivered/read."""
    thread_hints: tuple[str, ...] = ()
    """External ids of earlier messages this one answers (email References): if one is known,
    the message joins that message's thread instead of `thread_id`."""
    subject: str | None = None
    html: str | None = None
    """The HTML body as received (emails); shown only after sanitising."""
    automated: bool = False
    """Sent by a machine (auto-reply, list, bounce): stored, but never answered automatically."""
    echo_of: str | None = None
    """For echoes of our own sends: our message id, when the platform carries it back."""
    conversation_ref: str | None = None
    """A conversation reference found in the message (an email subject's [#C-000123])."""
    quoted: str | None = None
    """Quoted history cut from `text` for display (emails); kept, not lost."""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection, and for the platform's answer once a request left."""

    connect: float = 5.0
    answer: float = 30.0


@dataclass(frozen=True)
class ChannelRef:
    """A channel as a connector sees it: config holds the decrypted credentials."""

    id: str
    kind: str
    name: str
    config: dict[str, Any]
    webhook_url: str
    demo: bool = False
    timeouts: Timeouts = field(default_factory=Timeouts)


@dataclass(frozen=True)
class Outbound:
    """A message to send to a customer."""

    message_id: str
    thread_id: str
    recipient_id: str
    text: str | None
    attachments: tuple[Attachment, ...] = ()
    reply_to: str | None = None
    """External id of the customer's message being answered (latest in the conversation)."""
    references: tuple[str, ...] = ()
    """External ids of the thread so far, oldest first (email References)."""
    subject: str | None = None
    reference: str | None = None
    """The conversation's short reference (C-000123), for subjects that must thread back."""
    mode: str | None = None
    """Channel-specific way to answer, e.g. "public" or "private" for a Facebook comment."""
    thread_kind: str = "message"
    """message, or comment for a thread of page comments."""
    last_customer_at: datetime | None = None
    """When the customer last wrote: messaging windows are counted from it."""
    automatic: bool = False
    """Sent by the bot or a rule rather than typed by an agent (email marks it auto-replied)."""
    options: tuple[Option, ...] = ()
    """Choices offered as buttons (connectors with `native_options`); else numbered in text."""


@dataclass(frozen=True)
class Option:
    """A choice the bot offers: what the button says and what a press sends back."""

    label: str
    payload: str


@dataclass(frozen=True)
class ReplyWindow:
    """Whether the platform lets us answer now, until when, and under what terms."""

    open: bool
    closes_at: datetime | None = None
    note: str | None = None


ALWAYS_OPEN = ReplyWindow(open=True)


@dataclass(frozen=True)
class RateLimit:
    """At most `per_second` sends (bursts of `burst`) for everything sharing `key`."""

    key: str
    per_second: float
    burst: int = 1


@dataclass(frozen=True)
class SentRef:
    """What the platform gave back: our message's id there (and a new thread id if it moved)."""

    external_id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class Refreshed:
    """New credentials from the platform (e.g. an OAuth token pair) and when they expire."""

    secrets: dict[str, str]
    expires_at: datetime | None = None


class PollError(Exception):
    """Reading a polled channel (a mailbox) failed; it is tried again at the next poll."""


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
        reauthorise: bool = False,
        stale_credentials: bool = False,
        unknown: bool = False,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable and not unknown
        self.retry_after = retry_after
        self.code = code
        self.reauthorise = reauthorise
        """The channel's credentials are no longer valid: an admin must connect it again."""
        self.stale_credentials = stale_credentials
        """The access token expired: refresh the credentials, then send once more."""
        self.unknown = unknown
        """The request may have reached the platform (a timeout or a dropped connection after
        it was written): never tried again automatically, shown to the agent as such."""


class OptionalCapabilities:
    """Defaults for what only some platforms have; a connector overrides what applies."""

    native_options: ClassVar[bool] = False
    """Sends `Outbound.options` as buttons; otherwise the core numbers them in the text."""
    attachment_urls_expire: ClassVar[bool] = False
    """Inbound files come as links that stop working after a while (Meta's and Zalo's CDNs):
    the inbox keeps its own copy of each."""

    async def handshake(self, channel: ChannelRef, request: web.Request) -> web.Response | None:
        return None  # no subscription check

    async def teardown(self, channel: ChannelRef) -> tuple[bool, str]:
        return True, "Nothing was registered at the platform."

    def reply_window(
        self,
        channel: ChannelRef,
        last_customer_at: datetime | None,
        now: datetime,
        thread_kind: str,
    ) -> ReplyWindow:
        return ALWAYS_OPEN  # no messaging window

    async def refresh_credentials(self, channel: ChannelRef) -> Refreshed | None:
        return None  # credentials that do not expire

    async def fetch_profile(self, channel: ChannelRef, external_id: str) -> Sender | None:
        return None  # messages carry the sender's name

    async def fetch_attachment(
        self, channel: ChannelRef, attachment: Attachment, limit: int
    ) -> tuple[bytes, str | None]:
        """The file behind the attachment's link (raises `http.DownloadFailed`)."""
        if not attachment.url:
            raise NotFound("This attachment has no link to fetch.")
        return await http.download(attachment.url, limit)

    async def acknowledge_choice(self, channel: ChannelRef, external_id: str) -> None:
        return None  # pressing a button needs no answer


class Connector(Protocol):
    kind: ClassVar[str]
    config_model: ClassVar[type[BaseModel]]
    """Validates the channel config; fields typed SecretStr are stored encrypted."""
    payload_format: ClassVar[Literal["json", "raw"]]
    attachment_urls_expire: ClassVar[bool]

    async def setup(self, channel: ChannelRef) -> dict[str, Any]:
        """Register the webhook with the platform; returns public facts (e.g. the bot's name)."""
        ...

    async def teardown(self, channel: ChannelRef) -> tuple[bool, str]:
        """Stop the platform sending us this channel's events (raises SetupError): whether
        the platform took it (False: it has no way), and what was done, for the admin."""
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

    def reply_window(
        self,
        channel: ChannelRef,
        last_customer_at: datetime | None,
        now: datetime,
        thread_kind: str,
    ) -> ReplyWindow:
        """Whether an agent may answer this thread now (messaging windows)."""
        ...

    def rate_limits(self, channel: ChannelRef, out: Outbound) -> list[RateLimit]:
        """The platform's sending limits that this send counts against."""
        ...

    async def fetch_attachment(
        self, channel: ChannelRef, attachment: Attachment, limit: int
    ) -> tuple[bytes, str | None]:
        """The content of an inbound attachment the platform holds (bytes, MIME type), at
        most `limit` bytes."""
        ...

    async def refresh_credentials(self, channel: ChannelRef) -> Refreshed | None:
        """New credentials when the platform's expire (None: they never do)."""
        ...

    async def fetch_profile(self, channel: ChannelRef, external_id: str) -> Sender | None:
        """The person's name and picture when webhooks do not carry them (None: unknown).

        Raises `SendError` when the platform refuses or cannot be reached."""
        ...
