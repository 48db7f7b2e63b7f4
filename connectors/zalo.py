"""Zalo Official Account (OA API v3): signed webhooks in, the consultation API out.

Access tokens last about 25 hours; `refresh_credentials` trades the one-time refresh token
for a new pair (the core serialises refreshes and stores the pair).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal
from urllib.parse import quote

import aiohttp
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors import http, zalo_oauth
from connectors.base import (
    Attachment,
    ChannelRef,
    Inbound,
    InboundKind,
    OptionalCapabilities,
    Outbound,
    PayloadInvalid,
    RateLimit,
    Refreshed,
    ReplyWindow,
    Sender,
    SendError,
    SentRef,
    SetupError,
    WebhookRejected,
)
from connectors.outcomes import after_parts, transport_error
from connectors.telegram import split_text
from inbox import jsonbody

SIGNATURE_HEADER = "X-ZEvent-Signature"
DEFAULT_API = "https://openapi.zalo.me"
TEXT_LIMIT = 2000
SAFETY = 0.97
"""Send at this share of the configured rate, evenly spaced, so clock jitter stays under it."""
IMAGE_LIMIT = 1024 * 1024
FILE_LIMIT = 5 * 1024 * 1024
IMAGE_TYPES = {"image/jpeg", "image/png"}
FILE_TYPES = {
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
FREE_REPLY_WINDOW = timedelta(hours=48)
HARD_WINDOW = timedelta(days=7)
UNKNOWN_EXPIRY = timedelta(hours=1)
"""When the admin pastes tokens we do not know their age: refresh within the hour."""

# Every Zalo error code we act on, in one place (CHANNELS.md; HTTP is 200 either way).
TOKEN_EXPIRED = -216
ERRORS: dict[int, tuple[str, bool]] = {
    -216: ("The access token expired.", True),
    -14020: (zalo_oauth.ERRORS[-14020], False),
    -213: ("Outside Zalo's interaction window: the customer must write again first.", False),
    -230: ("Zalo refuses messages to people silent for 7 days.", False),
    -201: ("Zalo refused the message: invalid parameter or user.", False),
    -224: ("The Official Account's package lacks this feature.", False),
    -32: ("Zalo's rate limit was exceeded.", True),
}
REAUTHORISE = {-14020}
RATE_LIMIT_RETRY_SECONDS = 5.0
RATE_LIMITED = {-32}

MEDIA_EVENTS = {
    "user_send_image": "image",
    "user_send_gif": "image",
    "user_send_file": "file",
    "user_send_audio": "audio",
    "user_send_video": "video",
    "user_send_sticker": "sticker",
}


class ZaloConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    oa_id: str = Field(pattern=r"^\d+$")
    app_id: str = Field(pattern=r"^\d+$")
    oa_secret_key: SecretStr = Field(description="signs the webhooks (the app's webhook page)")
    app_secret_key: SecretStr | None = Field(
        default=None, description="refreshes the access token; without it the OA stops after ~25 h"
    )
    access_token: SecretStr
    refresh_token: SecretStr
    api_base_url: str = Field(default=DEFAULT_API, pattern=r"^https?://")
    oauth_base_url: str = Field(default=zalo_oauth.DEFAULT_OAUTH, pattern=r"^https?://")
    max_per_second: float = Field(
        default=10.0, gt=0, le=100, description="Zalo publishes no limit: stay conservative"
    )


class ZaloConnector(OptionalCapabilities):
    native_options: ClassVar[bool] = True  # OA buttons (oa.query.show)
    attachment_urls_expire: ClassVar[bool] = True

    async def teardown(self, channel: ChannelRef) -> tuple[bool, str]:
        return False, (
            "Zalo has no API to remove a webhook: in the Zalo developer console, remove "
            f"{channel.webhook_url} from the app's webhook settings (until then Zalo's calls "
            "are refused here)."
        )

    kind: ClassVar[str] = "zalo"
    config_model: ClassVar[type[BaseModel]] = ZaloConfig
    payload_format: ClassVar[Literal["json", "raw"]] = "json"

    # ---- connecting -------------------------------------------------------------------

    async def setup(self, channel: ChannelRef) -> dict[str, Any]:
        """Check the token opens this OA (Zalo's webhook URL is set in its developer console)."""
        try:
            answer = await _call(channel, "GET", "/v2.0/oa/getoa")
        except SendError as error:
            raise SetupError(f"Zalo refused: {error}", retryable=error.retryable) from None
        oa = answer.get("data") or {}
        if str(oa.get("oa_id")) != channel.config["oa_id"]:
            message = (
                f"The access token is for OA {oa.get('oa_id')}, not {channel.config['oa_id']}."
            )
            raise SetupError(message, retryable=False)
        return {"oa_name": oa.get("name"), "credentials_expire_at": _now() + UNKNOWN_EXPIRY}

    async def refresh_credentials(self, channel: ChannelRef) -> Refreshed | None:
        secret = channel.config.get("app_secret_key")
        if not secret:
            raise SetupError(
                "The access token expired and cannot be refreshed without app_secret_key.",
                retryable=False,
            )
        form = {
            "refresh_token": channel.config["refresh_token"],
            "app_id": channel.config["app_id"],
            "grant_type": "refresh_token",
        }
        oauth_base = channel.config.get("oauth_base_url", zalo_oauth.DEFAULT_OAUTH)
        return await zalo_oauth.request_tokens(oauth_base, secret, form, "refresh the token")

    async def verify(self, channel: ChannelRef, request: web.Request, body: bytes) -> None:
        """mac = SHA-256 (plain hash) of app_id + raw body + timestamp + OA secret key."""
        given = request.headers.get(SIGNATURE_HEADER, "").strip().removeprefix("mac=")
        try:
            payload = jsonbody.loads(body)  # only to read what the signature covers
            app_id, timestamp = str(payload["app_id"]), str(payload["timestamp"])
        except (ValueError, KeyError, TypeError):
            raise WebhookRejected(
                "the body lacks app_id and timestamp to check its signature"
            ) from None
        secret = channel.config["oa_secret_key"]
        signed = app_id.encode() + body + timestamp.encode() + secret.encode()
        expected = hashlib.sha256(signed).hexdigest()
        if not given or not hmac.compare_digest(given.lower().encode(), expected.encode()):
            raise WebhookRejected(f"missing or wrong {SIGNATURE_HEADER}")
        if app_id != channel.config["app_id"]:
            raise WebhookRejected("the webhook is for another Zalo app")

    def reply_window(
        self,
        channel: ChannelRef,
        last_customer_at: datetime | None,
        now: datetime,
        thread_kind: str,
    ) -> ReplyWindow:
        if last_customer_at is None:
            return ReplyWindow(open=False, note="The customer has not written to the OA yet.")
        if now >= last_customer_at + HARD_WINDOW:
            return ReplyWindow(open=False, note=ERRORS[-230][0])
        if now < last_customer_at + FREE_REPLY_WINDOW:
            return ReplyWindow(
                open=True,
                closes_at=last_customer_at + HARD_WINDOW,
                note="Replies are free for 48 hours after the customer's message (8 at most).",
            )
        return ReplyWindow(
            open=True,
            closes_at=last_customer_at + HARD_WINDOW,
            note="More than 48 hours since the customer wrote: Zalo bills this as a proactive "
            "message, which needs a verified OA with quota.",
        )

    def rate_limits(self, channel: ChannelRef, out: Outbound) -> list[RateLimit]:
        rate = float(channel.config.get("max_per_second", 10.0)) * SAFETY
        return [RateLimit(f"zalo:{channel.config['oa_id']}", rate)]

    async def fetch_profile(self, channel: ChannelRef, external_id: str) -> Sender | None:
        """Zalo events carry only the user id; the OA's user detail gives name and avatar."""
        query = json.dumps({"user_id": external_id})
        answer = await _call(channel, "GET", f"/v3.0/oa/user/detail?data={quote(query)}")
        data = answer.get("data") or {}
        return Sender(
            external_id=external_id, name=data.get("display_name"), avatar_url=data.get("avatar")
        )

    # ---- receiving --------------------------------------------------------------------

    def parse(self, channel: ChannelRef, payload: Any) -> list[Inbound]:
        if not isinstance(payload, dict) or not isinstance(payload.get("event_name"), str):
            raise PayloadInvalid("a Zalo OA event is a JSON object with an event_name")
        try:
            item = _event(payload)
        except (KeyError, TypeError, ValueError) as error:
            raise PayloadInvalid(f"unexpected Zalo event shape: {error!r}") from None
        return [item] if item is not None else []

    # ---- sending ----------------------------------------------------------------------

    async def send(self, channel: ChannelRef, out: Outbound) -> SentRef:
        recipient: dict[str, str] = {"user_id": out.recipient_id}
        if out.reply_to:  # quoting the customer's message makes it a (free) reply
            recipient["message_id"] = out.reply_to
        last: SentRef | None = None
        delivered = 0
        try:
            for attachment in out.attachments:
                message = await _attachment_message(channel, attachment)
                last = await _send_one(channel, recipient, message)
                delivered += 1
            parts = split_text(out.text or "", TEXT_LIMIT)
            for index, part in enumerate(parts):
                message: dict[str, Any] = {"text": part}
                if out.options and index == len(parts) - 1:
                    message["attachment"] = _buttons(out)
                last = await _send_one(channel, recipient, message)
                delivered += 1
        except SendError as error:
            raise after_parts(error, delivered) from None
        if last is None:
            raise SendError("Nothing to send.", retryable=False, code="empty")
        return last


def _buttons(out: Outbound) -> dict[str, Any]:
    """The bot's choices as OA buttons; a tap comes back as a text message with the payload."""
    buttons = [
        {"title": o.label[:100], "type": "oa.query.show", "payload": o.payload}
        for o in out.options[:5]
    ]
    return {"type": "template", "payload": {"buttons": buttons}}


def _now() -> datetime:
    return datetime.now(UTC)


async def _call(
    channel: ChannelRef,
    method: str,
    path: str,
    *,
    json_body: dict[str, Any] | None = None,
    form: aiohttp.FormData | None = None,
) -> dict[str, Any]:
    """One OA API call; Zalo answers HTTP 200 even on failure, with a non-zero `error`."""
    url = channel.config.get("api_base_url", DEFAULT_API).rstrip("/") + path
    headers = {"access_token": channel.config["access_token"]}
    timeout = aiohttp.ClientTimeout(
        total=None, connect=channel.timeouts.connect, sock_read=channel.timeouts.answer
    )
    try:
        async with http.session().request(
            method, url, json=json_body, data=form, headers=headers, timeout=timeout
        ) as answer:
            if answer.status >= 500:
                raise SendError(
                    f"Zalo answered HTTP {answer.status}", retryable=True, code="http_5xx"
                )
            body = await answer.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as error:
        raise transport_error("Zalo", error) from None
    code = body.get("error", 0) if isinstance(body, dict) else None
    if code != 0:
        raise _send_error(code, body)
    return body


def _send_error(code: Any, body: Any) -> SendError:
    text, retryable = ERRORS.get(code, (None, False))
    detail = body.get("message") if isinstance(body, dict) else None
    return SendError(
        text or f"Zalo refused the message ({code}): {detail}",
        retryable=retryable and code != TOKEN_EXPIRED,
        retry_after=RATE_LIMIT_RETRY_SECONDS if code in RATE_LIMITED else None,
        code=f"zalo_{code}",
        reauthorise=code in REAUTHORISE,
        stale_credentials=code == TOKEN_EXPIRED,
    )


async def _send_one(channel: ChannelRef, recipient: dict[str, str], message: dict) -> SentRef:
    answer = await _call(
        channel,
        "POST",
        "/v3.0/oa/message/cs",
        json_body={"recipient": recipient, "message": message},
    )
    return SentRef(external_id=str(answer["data"]["message_id"]))


async def _attachment_message(channel: ChannelRef, attachment: Attachment) -> dict[str, Any]:
    """Images and files are uploaded first; Zalo then sends them by reference."""
    if attachment.data is None:
        if attachment.type == "image" and attachment.url:
            element = {"media_type": "image", "url": attachment.url}
            return {
                "attachment": {
                    "type": "template",
                    "payload": {"template_type": "media", "elements": [element]},
                }
            }
        raise SendError(
            "Zalo can only send files uploaded here.", retryable=False, code="bad_attachment"
        )
    mime = attachment.mime_type or ""
    if attachment.type == "image":
        if mime not in IMAGE_TYPES or len(attachment.data) > IMAGE_LIMIT:
            raise SendError(
                "Zalo accepts images up to 1 MB, JPG or PNG.", retryable=False, code="too_large"
            )
        uploaded = await _upload(channel, "/v2.0/oa/upload/image", attachment)
        element = {"media_type": "image", "attachment_id": uploaded["attachment_id"]}
        return {
            "attachment": {
                "type": "template",
                "payload": {"template_type": "media", "elements": [element]},
            }
        }
    if mime not in FILE_TYPES or len(attachment.data) > FILE_LIMIT:
        raise SendError(
            "Zalo accepts files up to 5 MB: PDF, DOC or DOCX.", retryable=False, code="too_large"
        )
    uploaded = await _upload(channel, "/v2.0/oa/upload/file", attachment)
    return {"attachment": {"type": "file", "payload": {"token": uploaded["token"]}}}


async def _upload(channel: ChannelRef, path: str, attachment: Attachment) -> dict[str, Any]:
    form = aiohttp.FormData()
    form.add_field(
        "file",
        attachment.data,
        filename=attachment.name or "file",
        content_type=attachment.mime_type,
    )
    return (await _call(channel, "POST", path, form=form))["data"]


# ---- parsing helpers ------------------------------------------------------------------


def _at(payload: dict[str, Any]) -> datetime | None:
    value = payload.get("timestamp")
    return datetime.fromtimestamp(int(value) / 1000, UTC) if value is not None else None


def _attachments(message: dict[str, Any], kind: str | None) -> tuple[Attachment, ...]:
    found = []
    for item in message.get("attachments") or []:
        payload = item.get("payload") or {}
        item_type = item.get("type") or kind or "file"
        if item_type == "location" or "coordinates" in payload:
            where = payload.get("coordinates") or {}
            url = f"https://maps.google.com/?q={where.get('latitude')},{where.get('longitude')}"
            found.append(Attachment("location", url=url))
            continue
        if item_type == "link":
            continue  # its URL is in the text
        mapped = {"gif": "image", "sticker": "sticker"}.get(item_type, item_type)
        size = payload.get("size")
        found.append(
            Attachment(
                mapped if mapped in ("image", "audio", "video", "sticker") else "file",
                url=payload.get("url"),
                name=payload.get("name"),
                size=int(size) if str(size or "").isdigit() else None,
                mime_type=payload.get("type") if "/" in str(payload.get("type", "")) else None,
            )
        )
    return tuple(found)


def _text(message: dict[str, Any]) -> str | None:
    text = message.get("text")
    for item in message.get("attachments") or []:
        if item.get("type") == "link":
            link = (item.get("payload") or {}).get("url")
            text = f"{text}\n{link}" if text and link and link not in text else text or link
    return text


def _event(payload: dict[str, Any]) -> Inbound | None:
    name = payload["event_name"]
    message = payload.get("message") or {}
    if name in ("user_received_message", "user_seen_message"):
        user = str(payload["recipient"]["id"])
        ids = tuple(str(i) for i in message.get("msg_ids") or ())
        kind = InboundKind.DELIVERY if name == "user_received_message" else InboundKind.READ
        return Inbound(
            kind=kind,
            external_id=f"{name}:{user}:{payload.get('timestamp')}",
            thread_id=user,
            sender=Sender(external_id=user),
            target_ids=ids,
            raw=payload,
        )
    if name.startswith("oa_send_"):
        user = str(payload["recipient"]["id"])
        return Inbound(
            kind=InboundKind.ECHO,
            external_id=str(message["msg_id"]),
            thread_id=user,
            sender=Sender(external_id=user),
            sent_at=_at(payload),
            text=_text(message),
            attachments=_attachments(message, None),
            raw=payload,
        )
    if not (name.startswith("user_send_") or name.startswith("anonymous_send_")):
        return None  # follow, unfollow, tags, button clicks without text...
    user = str(payload["sender"]["id"])
    return Inbound(
        kind=InboundKind.MESSAGE,
        external_id=str(message["msg_id"]),
        thread_id=user,
        sender=Sender(external_id=user),
        sent_at=_at(payload),
        text=_text(message),
        attachments=_attachments(message, MEDIA_EVENTS.get(name)),
        reply_to=message.get("quote_msg_id"),
        raw=payload,
    )
