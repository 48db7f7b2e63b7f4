"""Channels as admins create and see them, and the webhook payloads kept as dead letters."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, SecretStr

from inbox.clock import iso
from inbox.models.common import Body, Partial


class ChannelSettings(Body):
    """How the inbox treats a channel's conversations (the same for every kind)."""

    auto_ticket: bool | None = Field(
        default=None,
        description="open a ticket for every new conversation (default: on for email only)",
    )
    csat: bool | None = Field(
        default=None, description="ask for a satisfaction rating when a ticket is resolved (on)"
    )
    csat_conversations: bool | None = Field(
        default=None,
        description="also when a conversation without a ticket is resolved (off)",
    )
    max_attachment_mb: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="largest customer file kept from this channel, in MB "
        "(default and ceiling: the installation's limit)",
    )


class ChannelCreate(Body):
    kind: str = Field(description="telegram, facebook, zalo or email")
    name: str = Field(min_length=1, max_length=80)
    config: dict[str, Any] = Field(default_factory=dict)
    settings: ChannelSettings = Field(default_factory=ChannelSettings)


class ChannelPatch(Partial, Body):
    settings: ChannelSettings | None = None
    enabled: bool | None = Field(
        default=None,
        description="false pauses the channel: unregistered at the platform where it allows, "
        "no replies or mailbox reads; what still arrives is kept. true registers it again",
    )


class ZaloAuthorize(Body):
    """What connecting an Official Account with Zalo's sign-in needs (the tokens come from
    Zalo); the base URLs only for a test stand-in of Zalo."""

    name: str = Field(min_length=1, max_length=80)
    app_id: str = Field(pattern=r"^\d+$", max_length=40)
    app_secret_key: SecretStr = Field(min_length=1, max_length=200)
    oa_secret_key: SecretStr = Field(
        min_length=1, max_length=200, description="signs the webhooks (the app's webhook page)"
    )
    oauth_base_url: str | None = Field(default=None, pattern=r"^https?://", max_length=300)
    api_base_url: str | None = Field(default=None, pattern=r"^https?://", max_length=300)

    def base_urls(self) -> dict[str, str]:
        given = {"oauth_base_url": self.oauth_base_url, "api_base_url": self.api_base_url}
        return {k: v for k, v in given.items() if v}


class ZaloAuthorization(BaseModel):
    authorize_url: str = Field(description="send the admin here to grant access")
    redirect_uri: str = Field(description="must be the Zalo app's callback URL")
    expires_at: str


class ChannelRemoval(Body):
    force: bool = Field(
        default=False,
        description="remove it even though the platform could not be told to stop sending",
    )


class ChannelRemoved(BaseModel):
    id: str
    unregistered: bool = Field(description="the platform was told to stop sending us events")
    message: str = Field(description="what was done at the platform, or why it could not be")


class ChannelOut(BaseModel):
    id: str
    kind: str
    name: str
    config: dict[str, Any] = Field(description="settings; secrets show only their last characters")
    webhook_url: str
    webhook_secret: str | None = Field(
        default=None, description="only in the answer that creates the channel"
    )
    health: dict[str, Any] = Field(
        default_factory=lambda: {"state": "ok"},
        description="`needs_reauthorisation` (with a message) once the platform refuses our keys",
    )
    settings: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    platform_note: str | None = Field(
        default=None,
        description="only in the answer that enabled or disabled it: what the platform did",
    )
    demo: bool = False
    created_at: str


class DeadLetterOut(BaseModel):
    id: str
    error: str
    body: str
    truncated: bool
    received_at: str

    @classmethod
    def of(cls, doc: dict[str, Any]) -> DeadLetterOut:
        return cls(
            id=str(doc["_id"]),
            error=doc["error"],
            body=doc["body"],
            truncated=doc["truncated"],
            received_at=iso(doc["received_at"]),
        )
