"""Channels as admins create and see them, and the webhook payloads kept as dead letters."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from inbox.clock import iso
from inbox.models.common import Body, Partial


class ChannelSettings(Body):
    """How the inbox treats a channel's conversations (the same for every kind)."""

    auto_ticket: bool | None = Field(
        default=None,
        description="open a ticket for every new conversation (default: on for email only)",
    )


class ChannelCreate(Body):
    kind: str = Field(description="telegram, facebook, zalo or email")
    name: str = Field(min_length=1, max_length=80)
    config: dict[str, Any] = Field(default_factory=dict)
    settings: ChannelSettings = Field(default_factory=ChannelSettings)


class ChannelPatch(Partial, Body):
    settings: ChannelSettings


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
