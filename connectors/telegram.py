"""Telegram Bot API: webhook with a secret token in, python-telegram-bot's `Bot` out."""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re
import secrets
from datetime import timedelta
from typing import Any, ClassVar, Literal

from aiohttp import web

# Opt in to python-telegram-bot's coming behaviour (time periods as timedelta; both handled).
os.environ.setdefault("PTB_TIMEDELTA", "true")

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from connectors import http
from connectors.base import (
    Attachment,
    ChannelRef,
    Inbound,
    InboundKind,
    OptionalCapabilities,
    Outbound,
    PayloadInvalid,
    RateLimit,
    Sender,
    SendError,
    SentRef,
    SetupError,
    WebhookRejected,
)
from connectors.outcomes import after_parts, transport_error
from inbox.errors import NotFound, Upstream

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105  (a header name)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
TEXT_LIMIT = 4096
CALLBACK_PREFIX = "callback:"

log = logging.getLogger(__name__)
CAPTION_LIMIT = 1024
DEFAULT_API = "https://api.telegram.org"
BOT_RATE = 29.0
CHAT_RATE = 1.0
GROUP_RATE = 20 / 60
UPLOAD_LIMIT = 50 * 1024 * 1024
PHOTO_LIMIT = 10 * 1024 * 1024


def _new_secret() -> SecretStr:
    return SecretStr(secrets.token_urlsafe(32))


class TelegramConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bot_token: SecretStr = Field(description="from @BotFather, like 123456:ABC-DEF...")
    secret_token: SecretStr = Field(
        default_factory=_new_secret,
        description="sent by Telegram with every update; generated when not given",
    )
    api_base_url: str = Field(default=DEFAULT_API, pattern=r"^https?://")

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, token: SecretStr) -> SecretStr:
        bot_id, _, rest = token.get_secret_value().partition(":")
        if not bot_id.isdigit() or not rest:
            raise ValueError("bot_token must look like 123456789:AA... (from @BotFather)")
        return token

    @field_validator("secret_token")
    @classmethod
    def _secret_shape(cls, secret: SecretStr) -> SecretStr:
        value = secret.get_secret_value()
        if not (1 <= len(value) <= 256) or not all(c.isalnum() or c in "_-" for c in value):
            raise ValueError("secret_token must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return secret


class TelegramConnector(OptionalCapabilities):
    kind: ClassVar[str] = "telegram"
    native_options: ClassVar[bool] = True
    config_model: ClassVar[type[BaseModel]] = TelegramConfig
    payload_format: ClassVar[Literal["json", "raw"]] = "json"

    def __init__(self) -> None:
        self._bots: dict[tuple[int, str, str], Bot] = {}

    # ---- connecting -------------------------------------------------------------------

    async def setup(self, channel: ChannelRef) -> dict[str, Any]:
        bot = _new_bot(channel)
        try:
            async with bot:
                await bot.set_webhook(
                    url=channel.webhook_url,
                    secret_token=channel.config["secret_token"],
                    allowed_updates=ALLOWED_UPDATES,
                )
                return {"bot_username": bot.username, "bot_id": bot.id}
        except InvalidToken as error:
            status = _foreign_status(error)
            if status is not None:
                raise SetupError(
                    f"{_api_base(channel)} does not answer like the Telegram Bot API "
                    f"(HTTP {status}): check the Bot API address.",
                    retryable=False,
                ) from None
            raise SetupError(
                "Telegram rejected the bot token: copy it again from @BotFather.",
                retryable=False,
            ) from None
        except BadRequest as error:
            raise SetupError(
                f"Telegram refused the webhook: {error.message}", retryable=False
            ) from None
        except TelegramError as error:
            raise SetupError(
                f"Could not reach the Bot API at {_api_base(channel)}: {error.message}",
                retryable=True,
            ) from None

    async def teardown(self, channel: ChannelRef) -> tuple[bool, str]:
        bot = _new_bot(channel)
        try:
            async with bot:
                await bot.delete_webhook()
        except InvalidToken:
            raise SetupError(
                "Telegram rejected the bot token, so the webhook could not be removed.",
                retryable=False,
            ) from None
        except TelegramError as error:
            raise SetupError(
                f"Telegram did not remove the webhook: {error.message}", retryable=True
            ) from None
        return True, "Telegram no longer sends this bot's messages here (webhook removed)."

    async def verify(self, channel: ChannelRef, request: web.Request, body: bytes) -> None:
        given = request.headers.get(SECRET_HEADER, "")
        expected = channel.config["secret_token"]
        if not given or not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected("missing or wrong X-Telegram-Bot-Api-Secret-Token")

    def rate_limits(self, channel: ChannelRef, out: Outbound) -> list[RateLimit]:
        """Bot FAQ: about 30 messages/s per bot, 1/s per chat (short bursts), 20/min per group."""
        group = out.thread_id.startswith("-")
        per_chat = RateLimit(
            f"telegram:{channel.id}:{out.thread_id}", GROUP_RATE if group else CHAT_RATE, burst=3
        )
        return [RateLimit(f"telegram:{channel.id}", BOT_RATE), per_chat]

    async def fetch_attachment(
        self, channel: ChannelRef, attachment: Attachment, limit: int
    ) -> tuple[bytes, str | None]:
        if not attachment.file_id:
            raise NotFound("This attachment has no Telegram file id.")
        bot = await self._bot(channel)
        try:
            file = await bot.get_file(attachment.file_id)
            if (file.file_size or 0) > limit:
                raise http.too_large(limit)
            return bytes(await file.download_as_bytearray()), attachment.mime_type
        except TelegramError as error:
            raise Upstream(f"Telegram could not give the file: {error.message}") from None

    async def acknowledge_choice(self, channel: ChannelRef, external_id: str) -> None:
        """Answer the callback query of a pressed inline button, so its spinner stops."""
        if not external_id.startswith(CALLBACK_PREFIX):
            return
        bot = await self._bot(channel)
        try:
            await bot.answer_callback_query(external_id.removeprefix(CALLBACK_PREFIX))
        except TelegramError as error:  # too late (queries expire) or gone: nothing to do
            log.info("callback query not answered: %s", error)

    # ---- receiving --------------------------------------------------------------------

    def parse(self, channel: ChannelRef, payload: Any) -> list[Inbound]:
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            raise PayloadInvalid("a Telegram update is a JSON object with an integer update_id")
        try:
            update = Update.de_json(payload, None)
        except (KeyError, TypeError, ValueError) as error:
            raise PayloadInvalid(f"not a Telegram update: {error}") from None
        if update.message is not None and update.message.from_user is not None:
            return [_message(update.message, payload)]
        if update.edited_message is not None and update.edited_message.from_user is not None:
            return [_edit(update.edited_message, payload)]
        if update.callback_query is not None:
            return [_callback(update, payload)]
        return []

    # ---- sending ----------------------------------------------------------------------

    async def send(self, channel: ChannelRef, out: Outbound) -> SentRef:
        bot = await self._bot(channel)
        try:
            return await _send_all(bot, out.thread_id, out)
        except ChatMigrated as moved:
            new_chat = str(moved.new_chat_id)
            return SentRef((await _send_all(bot, new_chat, out)).external_id, thread_id=new_chat)

    async def _bot(self, channel: ChannelRef) -> Bot:
        """One initialised Bot per token and event loop (its HTTP client is bound to the loop)."""
        loop = asyncio.get_running_loop()
        key = (id(loop), channel.config["bot_token"], _api_base(channel), channel.timeouts)
        bot = self._bots.get(key)
        if bot is None:
            bot = _new_bot(channel)
            try:
                await bot.initialize()
            except TelegramError as error:
                raise _send_error(error) from None
            self._bots[key] = bot
        return bot


def _new_bot(channel: ChannelRef) -> Bot:
    base = _api_base(channel)
    timeouts = channel.timeouts
    request = HTTPXRequest(
        connection_pool_size=8,
        connect_timeout=timeouts.connect,
        pool_timeout=timeouts.connect,
        read_timeout=timeouts.answer,
        write_timeout=timeouts.answer,
        media_write_timeout=timeouts.answer,
    )
    return Bot(
        channel.config["bot_token"],
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=request,
    )


def _foreign_status(error: TelegramError) -> str | None:
    """The HTTP status of an answer that was not the Bot API's own (a web server at a wrong
    address): python-telegram-bot then names the status ("Not Found (404)") where the Bot API
    gives its description ("Unauthorized"). None when the Bot API itself answered."""
    cause: BaseException | None = error
    while isinstance(cause, TelegramError):
        found = re.search(r"\((\d{3})\)", cause.message)
        if found:
            return found.group(1)
        cause = cause.__cause__
    return None


def _api_base(channel: ChannelRef) -> str:
    return channel.config.get("api_base_url", DEFAULT_API).rstrip("/")


async def _send_all(bot: Bot, chat_id: str, out: Outbound) -> SentRef:
    """Send the attachments (caption on the first) then the text in 4096-character parts.

    A failure after some parts arrived is never retried (the customer would get those again).
    """
    delivered = 0
    try:
        sent: Message | None = None
        text = out.text or ""
        for attachment in out.attachments:
            caption, text = (text, "") if len(text) <= CAPTION_LIMIT else (None, text)
            media = _media(attachment)
            if attachment.type == "image" and (attachment.size or 0) <= PHOTO_LIMIT:
                sent = await bot.send_photo(chat_id, media, caption=caption)
            else:
                sent = await bot.send_document(chat_id, media, caption=caption)
            delivered += 1
        parts = split_text(text, TEXT_LIMIT)
        for index, part in enumerate(parts):
            buttons = _keyboard(out) if index == len(parts) - 1 else None
            sent = await bot.send_message(chat_id, part, reply_markup=buttons)
            delivered += 1
    except asyncio.CancelledError:
        raise
    except ChatMigrated:
        if delivered:
            raise after_parts(SendError("the chat moved", retryable=True), delivered) from None
        raise
    except TelegramError as error:
        raise after_parts(_send_error(error), delivered) from None
    if sent is None:
        raise SendError(
            "nothing to send: the message has no text and no attachment", retryable=False
        )
    return SentRef(external_id=f"{sent.chat_id}:{sent.message_id}")


def _keyboard(out: Outbound) -> InlineKeyboardMarkup | None:
    """The bot's choices as inline buttons, one per row (callback data is at most 64 bytes)."""
    if not out.options:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(o.label[:64], callback_data=o.payload[:64])] for o in out.options]
    )


def _media(attachment: Attachment) -> InputFile | str:
    """Our file's bytes, or what Telegram already knows (a file id or a public URL)."""
    if attachment.data is not None:
        if len(attachment.data) > UPLOAD_LIMIT:
            raise SendError(
                "Telegram bots can send files up to 50 MB.", retryable=False, code="too_large"
            )
        return InputFile(attachment.data, filename=attachment.name or "file")
    media = attachment.file_id or attachment.url
    if media is None:
        raise SendError("The attachment has no content.", retryable=False, code="bad_attachment")
    return media


def _send_error(error: TelegramError) -> SendError:
    """Map python-telegram-bot's errors onto retry, give up, or "may have arrived" (CHANNELS.md).

    A NetworkError caused by the HTTP client (TimedOut is one) means no answer was read: it is
    sorted by whether the request left. One without a cause is an error answer (5xx) that
    Telegram sent, so the message was not taken.
    """
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return SendError(error.message, retryable=True, retry_after=seconds, code="rate_limited")
    if isinstance(error, Forbidden):
        return SendError(error.message, retryable=False, code="blocked")
    if isinstance(error, InvalidToken):
        return SendError(error.message, retryable=False, code="invalid_token")
    if isinstance(error, BadRequest):
        return SendError(error.message, retryable=False, code="bad_request")
    if isinstance(error, NetworkError):
        if error.__cause__ is not None:
            return transport_error("Telegram", error.__cause__)
        return SendError(error.message, retryable=True, code="network")
    return SendError(error.message, retryable=True, code="telegram_error")


def split_text(text: str, limit: int) -> list[str]:
    """Cut text into parts of at most `limit` characters, preferring line breaks."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text:
        parts.append(text)
    return parts


# ---- parsing helpers ------------------------------------------------------------------


def _sender(message: Message) -> Sender:
    user = message.from_user
    assert user is not None
    phone = None
    if message.contact is not None and message.contact.user_id == user.id:
        phone = message.contact.phone_number
    return Sender(
        external_id=str(user.id),
        name=user.full_name,
        language=user.language_code,
        phone=phone,
    )


def _attachments(message: Message) -> tuple[Attachment, ...]:
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
        return (Attachment("image", file_id=largest.file_id, size=largest.file_size),)
    if message.document is not None:
        doc = message.document
        return (
            Attachment(
                "file",
                file_id=doc.file_id,
                name=doc.file_name,
                size=doc.file_size,
                mime_type=doc.mime_type,
            ),
        )
    for kind, media in (
        ("audio", message.voice),
        ("audio", message.audio),
        ("video", message.video),
        ("sticker", message.sticker),
    ):
        if media is not None:
            mime = getattr(media, "mime_type", None)
            return (Attachment(kind, file_id=media.file_id, size=media.file_size, mime_type=mime),)
    if message.location is not None:
        where = message.location
        url = f"https://maps.google.com/?q={where.latitude},{where.longitude}"
        return (Attachment("location", url=url),)
    return ()


def _text(message: Message) -> str | None:
    if message.text is not None:
        return message.text
    if message.caption is not None:
        return message.caption
    if message.sticker is not None:
        return message.sticker.emoji
    if message.contact is not None:
        return f"{message.contact.full_name} {message.contact.phone_number}"
    return None


def _external_id(message: Message) -> str:
    return f"{message.chat_id}:{message.message_id}"


def _message(message: Message, raw: dict[str, Any]) -> Inbound:
    reply = message.reply_to_message
    return Inbound(
        kind=InboundKind.MESSAGE,
        external_id=_external_id(message),
        thread_id=str(message.chat_id),
        sender=_sender(message),
        sent_at=message.date,
        text=_text(message),
        attachments=_attachments(message),
        reply_to=_external_id(reply) if reply is not None else None,
        raw=raw,
    )


def _edit(message: Message, raw: dict[str, Any]) -> Inbound:
    edited_at = message.edit_date or message.date
    return Inbound(
        kind=InboundKind.EDIT,
        external_id=f"{_external_id(message)}:edit:{int(edited_at.timestamp())}",
        thread_id=str(message.chat_id),
        sender=_sender(message),
        sent_at=edited_at,
        text=_text(message),
        target_id=_external_id(message),
        raw=raw,
    )


def _callback(update: Update, raw: dict[str, Any]) -> Inbound:
    query = update.callback_query
    assert query is not None
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    return Inbound(
        kind=InboundKind.POSTBACK,
        external_id=f"{CALLBACK_PREFIX}{query.id}",
        thread_id=str(chat_id),
        sender=Sender(
            external_id=str(query.from_user.id),
            name=query.from_user.full_name,
            language=query.from_user.language_code,
        ),
        text=_button_label(query) or query.data,
        payload=query.data,
        raw=raw,
    )


def _button_label(query: Any) -> str | None:
    """The label of the pressed inline button, so agents read what the customer chose."""
    markup = getattr(query.message, "reply_markup", None) if query.message else None
    for row in getattr(markup, "inline_keyboard", ()) or ():
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None
