"""Stands in for the platform on the demo seed's channels: sends succeed and go nowhere."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from connectors.base import (
    ALWAYS_OPEN,
    Attachment,
    ChannelRef,
    Inbound,
    Outbound,
    RateLimit,
    Refreshed,
    ReplyWindow,
    Sender,
    SentRef,
    WebhookRejected,
)
from inbox.errors import NotFound


class DemoConfig(BaseModel):
    model_config = ConfigDict(extra="allow")


class DemoConnector:
    kind: ClassVar[str] = "demo"
    config_model: ClassVar[type[BaseModel]] = DemoConfig
    payload_format: ClassVar[Literal["json", "raw"]] = "json"

    async def setup(self, channel: ChannelRef) -> dict[str, Any]:
        return {}

    async def verify(self, channel: ChannelRef, request: web.Request, body: bytes) -> None:
        raise WebhookRejected("demo channels take no webhooks")

    def parse(self, channel: ChannelRef, payload: Any) -> list[Inbound]:
        return []

    async def send(self, channel: ChannelRef, out: Outbound) -> SentRef:
        return SentRef(external_id=f"demo:{out.message_id}")

    async def handshake(self, channel: ChannelRef, request: web.Request) -> web.Response | None:
        return None

    def reply_window(
        self,
        channel: ChannelRef,
        last_customer_at: datetime | None,
        now: datetime,
        thread_kind: str,
    ) -> ReplyWindow:
        return ALWAYS_OPEN

    def rate_limits(self, channel: ChannelRef, out: Outbound) -> list[RateLimit]:
        return []

    async def refresh_credentials(self, channel: ChannelRef) -> Refreshed | None:
        return None

    async def fetch_profile(self, channel: ChannelRef, external_id: str) -> Sender | None:
        return None  # the messages carry the sender's name

    async def fetch_attachment(
        self, channel: ChannelRef, attachment: Attachment
    ) -> tuple[bytes, str | None]:
        raise NotFound("Demo channels hold no files.")
