"""Stands in for the platform on the demo seed's channels: sends succeed and go nowhere."""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from connectors.base import (
    ChannelRef,
    Inbound,
    OptionalCapabilities,
    Outbound,
    RateLimit,
    SentRef,
    WebhookRejected,
)

log = logging.getLogger(__name__)


class DemoConfig(BaseModel):
    model_config = ConfigDict(extra="allow")


class DemoConnector(OptionalCapabilities):
    kind: ClassVar[str] = "demo"
    config_model: ClassVar[type[BaseModel]] = DemoConfig
    payload_format: ClassVar[Literal["json", "raw"]] = "json"

    async def setup(self, channel: ChannelRef) -> dict[str, Any]:
        return {}

    async def verify(self, channel: ChannelRef, request: web.Request, body: bytes) -> None:
        raise WebhookRejected("demo channels take no webhooks")

    def parse(self, channel: ChannelRef, payload: Any) -> list[Inbound]:
        return []

    def rate_limits(self, channel: ChannelRef, out: Outbound) -> list[RateLimit]:
        return []

    async def send(self, channel: ChannelRef, out: Outbound) -> SentRef:
        """Nothing leaves; the log shows what would have (a portal sign-in link, say)."""
        log.info("demo channel %s would send to %s: %s", channel.name, out.recipient_id, out.text)
        return SentRef(external_id=f"demo:{out.message_id}")
