"""The customer portal as a channel: the inbox itself is the platform. A reply is
"sent" once it is stored (the portal shows it); telling the customer it is there is the
portal's notice (an email with a sign-in link), not this connector's job. Customers write
through the portal's pages, never through webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from connectors.base import (
    ChannelRef,
    Inbound,
    OptionalCapabilities,
    Outbound,
    RateLimit,
    ReplyWindow,
    SentRef,
    WebhookRejected,
)


class PortalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PortalConnector(OptionalCapabilities):
    kind: ClassVar[str] = "portal"
    config_model: ClassVar[type[BaseModel]] = PortalConfig
    payload_format: ClassVar[Literal["json", "raw"]] = "json"

    async def setup(self, channel: ChannelRef) -> dict[str, Any]:
        return {}

    async def verify(self, channel: ChannelRef, request: web.Request, body: bytes) -> None:
        raise WebhookRejected("the portal takes no webhooks: customers write on its pages")

    def parse(self, channel: ChannelRef, payload: Any) -> list[Inbound]:
        return []

    def reply_window(
        self,
        channel: ChannelRef,
        last_customer_at: datetime | None,
        now: datetime,
        thread_kind: str,
    ) -> ReplyWindow:
        return ReplyWindow(
            open=True,
            note="A reply shows in the customer's portal and is emailed to them; "
            "a private note stays internal.",
        )

    def rate_limits(self, channel: ChannelRef, out: Outbound) -> list[RateLimit]:
        return []

    async def send(self, channel: ChannelRef, out: Outbound) -> SentRef:
        return SentRef(external_id=f"portal:{out.message_id}")
