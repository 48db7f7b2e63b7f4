"""Facebook Messenger and Page comments: signed webhooks in, Graph API (facebook-sdk) out."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

import facebook
import requests
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.base import (
    Attachment,
    ChannelRef,
    Inbound,
    InboundKind,
    OptionalCapabilities,
    Outbound,
    PayloadInvalid,
    RateLimit,
    ReplyWindow,
    Sender,
    SendError,
    SentRef,
    SetupError,
    WebhookRejected,
)
from connectors.outcomes import after_parts, transport_error
from connectors.telegram import split_text

SIGNATURE_HEADER = "X-Hub-Signature-256"
DEFAULT_GRAPH = "https://graph.facebook.com"
SUBSCRIBED_FIELDS = (
    "messages,messaging_postbacks,message_deliveries,message_reads,message_echoes,feed"
)
TEXT_LIMIT = 2000
RESPONSE_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PAGE_RATE = 285.0
"""Send API: 300 calls/s per Page for text (Meta's rate-limiting page), with a margin."""
MEDIA_RATE = 9.5
"""Send API: 10 calls/s per Page for audio and video."""
METADATA_PREFIX = "inbox:"

RATE_LIMIT_RETRY_SECONDS = 30.0
"""Meta asks callers to back off on rate-limit errors; wait this long before trying again."""
RETRY_CODES = {1, 2, 1200}
RATE_LIMIT_CODES = {4, 17, 32, 613}
REAUTHORISE_CODES = {190}
ERROR_TEXT = {
    10: "The app lacks the permission to send this message.",
    200: "The app lacks the permission to send this message.",
    100: "Facebook refused the message: {message}",
    190: "The page access token is no longer valid: reconnect the page.",
    551: "This person is not available to receive messages.",
    2018278: "Outside the messaging window: the customer must write again first.",
    2018108: "Outside the messaging window: the customer must write again first.",
    2018001: "No matching user for this message.",
}


def _new_verify_token() -> str:
    return secrets.token_urlsafe(24)


class FacebookConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page_id: str = Field(pattern=r"^\d+$")
    page_access_token: SecretStr
    app_secret: SecretStr = Field(description="signs every webhook (X-Hub-Signature-256)")
    verify_token: str = Field(
        default_factory=_new_verify_token,
        min_length=8,
        description="paste into the Meta app's webhook settings; generated when not given",
    )
    graph_base_url: str = Field(default=DEFAULT_GRAPH, pattern=r"^https?://")
    graph_version: str = Field(default="v21.0", pattern=r"^v\d+\.\d+$")
    human_agent_tag: bool = Field(
        default=False,
        description="the app has Meta's human agent permission: replies up to 7 days",
    )


class _RebasedSession(requests.Session):
    """facebook-sdk prefixes every path with its module-level Graph URL; send it elsewhere."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/") + "/"

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if url.startswith(facebook.FACEBOOK_GRAPH_URL):
            url = self.base + url[len(facebook.FACEBOOK_GRAPH_URL) :]
        return super().request(method, url, *args, **kwargs)


class FacebookConnector(OptionalCapabilities):
    native_options: ClassVar[bool] = True  # quick replies
    attachment_urls_expire: ClassVar[bool] = True
    kind: ClassVar[str] = "facebook"
    config_model: ClassVar[type[BaseModel]] = FacebookConfig
    payload_format: ClassVar[Literal["json", "raw"]] = "json"

    def __init__(self) -> None:
        self._sessions: dict[str, _RebasedSession] = {}

    # ---- connecting -------------------------------------------------------------------

    async def setup(self, channel: ChannelRef) -> dict[str, Any]:
        """Check the token belongs to the page, then subscribe the app to the page's events."""
        try:
            page = await self._graph(channel, "me", args={"fields": "id,name"})
            wanted = channel.config["page_id"]
            if str(page.get("id")) != wanted:
                message = f"The access token is for page {page.get('id')}, not {wanted}."
                raise SetupError(message, retryable=False)
            await self._graph(
                channel,
                f"{channel.config['page_id']}/subscribed_apps",
                post={"subscribed_fields": SUBSCRIBED_FIELDS},
            )
        except SendError as error:
            raise SetupError(f"Facebook refused: {error}", retryable=error.retryable) from None
        return {"page_name": page.get("name")}

    async def teardown(self, channel: ChannelRef) -> tuple[bool, str]:
        """Unsubscribe the app from the page's events."""
        path = f"{channel.config['page_id']}/subscribed_apps"
        try:
            await self._graph(channel, path, method="DELETE")
        except SendError as error:
            raise SetupError(
                f"Facebook did not unsubscribe the page: {error}", retryable=error.retryable
            ) from None
        return True, "The app is unsubscribed from the page: Facebook no longer sends its events."

    async def verify(self, channel: ChannelRef, request: web.Request, body: bytes) -> None:
        given = request.headers.get(SIGNATURE_HEADER, "")
        secret = channel.config["app_secret"].encode()
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        if not given or not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected(f"missing or wrong {SIGNATURE_HEADER}")

    async def handshake(self, channel: ChannelRef, request: web.Request) -> web.Response | None:
        """Meta's subscription check: echo hub.challenge when hub.verify_token matches."""
        query = request.query
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(
            token.encode(), channel.config["verify_token"].encode()
        ):
            return web.Response(text=query.get("hub.challenge", ""))
        return web.json_response(
            {
                "error": {
                    "code": "bad_verify_token",
                    "message": "hub.verify_token does not match.",
                    "details": None,
                }
            },
            status=403,
        )

    def reply_window(
        self,
        channel: ChannelRef,
        last_customer_at: datetime | None,
        now: datetime,
        thread_kind: str,
    ) -> ReplyWindow:
        if thread_kind == "comment":
            return ReplyWindow(
                open=True,
                note="Replies go under the comment; choose private to answer in Messenger.",
            )
        return _messenger_window(channel, last_customer_at, now)

    def rate_limits(self, channel: ChannelRef, out: Outbound) -> list[RateLimit]:
        page = channel.config["page_id"]
        limits = [RateLimit(f"facebook:{page}", PAGE_RATE)]
        if any(a.type in ("audio", "video") for a in out.attachments):
            limits.append(RateLimit(f"facebook:{page}:media", MEDIA_RATE))
        return limits

    async def fetch_profile(self, channel: ChannelRef, external_id: str) -> Sender | None:
        """Messenger webhooks carry only the PSID; the User Profile API gives the name."""
        profile = await self._graph(
            channel, external_id, args={"fields": "first_name,last_name,profile_pic"}
        )
        name = " ".join(p for p in (profile.get("first_name"), profile.get("last_name")) if p)
        return Sender(
            external_id=external_id, name=name or None, avatar_url=profile.get("profile_pic")
        )

    # ---- receiving --------------------------------------------------------------------

    def parse(self, channel: ChannelRef, payload: Any) -> list[Inbound]:
        if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
            raise PayloadInvalid("a Page webhook is a JSON object with an `entry` list")
        if payload.get("object") != "page":
            return []
        items: list[Inbound] = []
        try:
            for entry in payload["entry"]:
                page_id = str(entry.get("id"))
                items.extend(_messaging(event) for event in entry.get("messaging", []))
                items.extend(
                    _feed(change["value"], page_id)
                    for change in entry.get("changes", [])
                    if change.get("field") == "feed"
                )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise PayloadInvalid(f"unexpected Page webhook shape: {error!r}") from None
        return [item for item in items if item is not None]

    # ---- sending ----------------------------------------------------------------------

    async def send(self, channel: ChannelRef, out: Outbound) -> SentRef:
        if out.thread_kind == "comment" and out.mode != "private":
            return await self._comment_reply(channel, out)
        recipient = (
            {"comment_id": out.reply_to} if out.mode == "private" else {"id": out.recipient_id}
        )
        envelope = self._envelope(channel, out, recipient)
        last: SentRef | None = None
        delivered = 0
        try:
            for attachment in out.attachments:
                last = await self._send_attachment(channel, envelope, attachment)
                delivered += 1
            parts = split_text(out.text or "", TEXT_LIMIT)
            for index, part in enumerate(parts):
                message = {"text": part, "metadata": METADATA_PREFIX + out.message_id}
                if out.options and index == len(parts) - 1:
                    message["quick_replies"] = _quick_replies(out)
                answer = await self._graph(
                    channel, "me/messages", post={**envelope, "message": json.dumps(message)}
                )
                last = SentRef(external_id=answer["message_id"])
                delivered += 1
        except SendError as error:
            raise after_parts(error, delivered) from None
        if last is None:
            raise SendError("Nothing to send.", retryable=False, code="empty")
        return last

    def _envelope(self, channel: ChannelRef, out: Outbound, recipient: dict) -> dict[str, str]:
        envelope = {"recipient": json.dumps(recipient), "messaging_type": "RESPONSE"}
        if out.mode == "private":
            return envelope
        window = _messenger_window(channel, out.last_customer_at, datetime.now(UTC))
        if not window.open:
            raise SendError(
                window.note or "Outside the messaging window.",
                retryable=False,
                code="window_closed",
            )
        if window.note:  # past 24 hours: only as a human agent's reply
            envelope.update(messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
        return envelope

    async def _send_attachment(
        self, channel: ChannelRef, envelope: dict[str, str], attachment: Attachment
    ) -> SentRef:
        kind = attachment.type if attachment.type in ("image", "video", "audio") else "file"
        if attachment.data is not None:
            message = {"attachment": {"type": kind, "payload": {"is_reusable": False}}}
            files = {
                "filedata": (
                    attachment.name or "file",
                    attachment.data,
                    attachment.mime_type or "application/octet-stream",
                )
            }
        elif attachment.url:
            message = {"attachment": {"type": kind, "payload": {"url": attachment.url}}}
            files = None
        else:
            raise SendError(
                "The attachment has no content.", retryable=False, code="bad_attachment"
            )
        answer = await self._graph(
            channel, "me/messages", post={**envelope, "message": json.dumps(message)}, files=files
        )
        return SentRef(external_id=answer["message_id"])

    async def _comment_reply(self, channel: ChannelRef, out: Outbound) -> SentRef:
        if not out.reply_to:
            raise SendError("There is no comment to reply to.", retryable=False, code="no_comment")
        answer = await self._graph(
            channel, f"{out.reply_to}/comments", post={"message": out.text or ""}
        )
        return SentRef(external_id=str(answer["id"]))

    async def _graph(
        self,
        channel: ChannelRef,
        path: str,
        *,
        args: dict[str, str] | None = None,
        post: dict[str, str] | None = None,
        files: dict[str, Any] | None = None,
        method: str | None = None,
    ) -> dict[str, Any]:
        """One Graph API call through facebook-sdk, in a thread (it is synchronous)."""
        session = self._session(channel)
        timeouts = channel.timeouts
        graph = facebook.GraphAPI(
            access_token=channel.config["page_access_token"],
            timeout=(timeouts.connect, timeouts.answer),
            session=session,
        )
        versioned = f"{channel.config.get('graph_version', 'v21.0')}/{path}"
        try:
            return await asyncio.to_thread(
                graph.request, versioned, args=args, post_args=post, files=files, method=method
            )
        except facebook.GraphAPIError as error:
            raise _send_error(error) from None
        except requests.RequestException as error:
            raise transport_error("Facebook", error) from None

    def _session(self, channel: ChannelRef) -> _RebasedSession:
        base = channel.config.get("graph_base_url", DEFAULT_GRAPH)
        session = self._sessions.get(base)
        if session is None:
            session = self._sessions[base] = _RebasedSession(base)
        return session


def _messenger_window(
    channel: ChannelRef, last_customer_at: datetime | None, now: datetime
) -> ReplyWindow:
    """Messenger: 24 hours after the customer's last message, 7 days with the human agent tag."""
    if last_customer_at is None:
        return ReplyWindow(open=False, note="The customer has not written to the page yet.")
    if now < last_customer_at + RESPONSE_WINDOW:
        return ReplyWindow(open=True, closes_at=last_customer_at + RESPONSE_WINDOW)
    if channel.config.get("human_agent_tag") and now < last_customer_at + HUMAN_AGENT_WINDOW:
        return ReplyWindow(
            open=True,
            closes_at=last_customer_at + HUMAN_AGENT_WINDOW,
            note="More than 24 hours since the customer wrote: sent as a human agent's reply.",
        )
    return ReplyWindow(
        open=False,
        note="Facebook allows replies within 24 hours of the customer's last message "
        "(7 days for a human agent's reply when the app has that permission). "
        "The customer must write again first.",
    )


def _send_error(error: facebook.GraphAPIError) -> SendError:
    """Map a Graph API error onto retry or give up (CHANNELS.md)."""
    code = error.code
    detail = error.message if isinstance(error.message, str) else str(error.message)
    if code in RATE_LIMIT_CODES:
        message = f"Facebook rate limit: {detail}"
        wait = RATE_LIMIT_RETRY_SECONDS
        return SendError(message, retryable=True, retry_after=wait, code=f"graph_{code}")
    if code in RETRY_CODES or code is None:
        return SendError(f"Facebook: {detail}", retryable=True, code=f"graph_{code}")
    text = ERROR_TEXT.get(code, "Facebook refused the message: {message}").format(message=detail)
    return SendError(
        text, retryable=False, code=f"graph_{code}", reauthorise=code in REAUTHORISE_CODES
    )


# ---- parsing helpers ------------------------------------------------------------------


def _at_ms(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value) / 1000, UTC) if value is not None else None


def _attachments(raw: list[dict[str, Any]] | None) -> tuple[Attachment, ...]:
    found = []
    for item in raw or []:
        kind = item.get("type")
        payload = item.get("payload") or {}
        if kind in ("image", "video", "audio", "file"):
            found.append(Attachment(kind, url=payload.get("url"), name=payload.get("title")))
        elif kind == "location":
            where = payload.get("coordinates") or {}
            url = f"https://maps.google.com/?q={where.get('lat')},{where.get('long')}"
            found.append(Attachment("location", url=url))
        elif kind == "fallback":
            found.append(  # a shared web page, not a file
                Attachment(
                    "link", url=payload.get("url") or item.get("url"), name=item.get("title")
                )
            )
    return tuple(found)


def _messaging(event: dict[str, Any]) -> Inbound | None:
    sender, recipient = str(event["sender"]["id"]), str(event["recipient"]["id"])
    at = _at_ms(event.get("timestamp"))
    if "message" in event:
        message = event["message"]
        if message.get("is_echo"):
            metadata = message.get("metadata") or ""
            return Inbound(
                kind=InboundKind.ECHO,
                external_id=message["mid"],
                thread_id=recipient,
                sender=Sender(external_id=recipient),
                sent_at=at,
                text=message.get("text"),
                attachments=_attachments(message.get("attachments")),
                echo_of=metadata.removeprefix(METADATA_PREFIX)
                if metadata.startswith(METADATA_PREFIX)
                else None,
                raw=event,
            )
        return Inbound(
            kind=InboundKind.MESSAGE,
            external_id=message["mid"],
            thread_id=sender,
            sender=Sender(external_id=sender),
            sent_at=at,
            text=message.get("text"),
            attachments=_attachments(message.get("attachments")),
            reply_to=(message.get("reply_to") or {}).get("mid"),
            payload=(message.get("quick_reply") or {}).get("payload"),
            raw=event,
        )
    if "postback" in event:
        postback = event["postback"]
        return Inbound(
            kind=InboundKind.POSTBACK,
            external_id=postback.get("mid") or f"postback:{sender}:{event.get('timestamp')}",
            thread_id=sender,
            sender=Sender(external_id=sender),
            sent_at=at,
            text=postback.get("title"),
            payload=postback.get("payload"),
            raw=event,
        )
    if "delivery" in event:
        delivery = event["delivery"]
        return Inbound(
            kind=InboundKind.DELIVERY,
            external_id=f"delivery:{sender}:{delivery.get('watermark')}",
            thread_id=sender,
            sender=Sender(external_id=sender),
            target_ids=tuple(delivery.get("mids") or ()),
            watermark=_at_ms(delivery.get("watermark")),
            raw=event,
        )
    if "read" in event:
        read = event["read"]
        return Inbound(
            kind=InboundKind.READ,
            external_id=f"read:{sender}:{read.get('watermark')}",
            thread_id=sender,
            sender=Sender(external_id=sender),
            watermark=_at_ms(read.get("watermark")),
            raw=event,
        )
    return None  # reactions, referrals, opt-ins: not conversation content


def _created(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float) or str(value).isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)


def _feed(value: dict[str, Any], page_id: str) -> Inbound | None:
    """A comment on one of the page's posts: one conversation per post and commenter."""
    if value.get("item") != "comment" or str((value.get("from") or {}).get("id")) == page_id:
        return None  # likes, reactions, posts, and the page's own comment replies
    author = value["from"]
    thread = f"{value['post_id']}:{author['id']}"
    sender = Sender(external_id=str(author["id"]), name=author.get("name"))
    if value.get("verb") == "edited":
        return Inbound(
            kind=InboundKind.EDIT,
            external_id=f"{value['comment_id']}:edit",
            thread_id=thread,
            sender=sender,
            text=value.get("message"),
            target_id=value["comment_id"],
            raw=value,
        )
    if value.get("verb") != "add":
        return None
    photo = value.get("photo")
    parent = value.get("parent_id")
    return Inbound(
        kind=InboundKind.COMMENT,
        external_id=value["comment_id"],
        thread_id=thread,
        sender=sender,
        sent_at=_created(value.get("created_time")),
        text=value.get("message"),
        attachments=(Attachment("image", url=photo),) if photo else (),
        reply_to=parent if parent and parent != value["post_id"] else None,
        raw=value,
    )


def _quick_replies(out: Outbound) -> list[dict[str, str]]:
    """The bot's choices as Messenger quick replies (13 at most, titles up to 20 characters)."""
    return [
        {"content_type": "text", "title": o.label[:20], "payload": o.payload[:1000]}
        for o in out.options[:13]
    ]
