"""Channels: a connected page, bot, OA or mailbox, with its credentials stored encrypted."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pydantic import BaseModel, SecretStr, ValidationError

from connectors import registry
from connectors.base import ChannelRef, SetupError, Timeouts
from inbox import clock
from inbox.errors import Conflict, Invalid, NotFound, Upstream
from inbox.ids import new_id
from inbox.models.channels import (
    ChannelCreate,
    ChannelOut,
    ChannelPatch,
    ChannelRemoved,
    ChannelSettings,
)
from inbox.runtime import Runtime

log = logging.getLogger(__name__)

REVEALED_ONCE = ("webhook_secret",)
"""Config secrets the creating answer shows in full, because the admin must copy them."""


def webhook_url(rt: Runtime, kind: str, channel_id: ObjectId) -> str:
    return f"{rt.settings.base_url}/webhooks/{kind}/{channel_id}"


def _split(config: BaseModel) -> tuple[dict[str, Any], dict[str, str]]:
    """Separate plain settings from secrets (fields typed SecretStr)."""
    public: dict[str, Any] = {}
    secret: dict[str, str] = {}
    for name in type(config).model_fields:
        value = getattr(config, name)
        if isinstance(value, SecretStr):
            secret[name] = value.get_secret_value()
        elif value is not None:
            public[name] = value
    return public, secret


def _mask(value: str) -> str:
    return "••••" + value[-4:] if len(value) > 8 else "••••"


def ref(rt: Runtime, doc: dict[str, Any]) -> ChannelRef:
    secrets = rt.secrets.decrypt(doc["secrets"]) if doc.get("secrets") else {}
    return ChannelRef(
        id=str(doc["_id"]),
        kind=doc["kind"],
        name=doc["name"],
        config={**doc.get("config", {}), **secrets},
        webhook_url=webhook_url(rt, doc["kind"], doc["_id"]),
        demo=doc.get("demo", False),
        timeouts=timeouts(rt, doc["kind"]),
    )


def timeouts(rt: Runtime, kind: str) -> Timeouts:
    settings = rt.settings
    return Timeouts(settings.send_connect_timeout_seconds, settings.answer_timeout(kind))


def view(rt: Runtime, doc: dict[str, Any], revealed: dict[str, str] | None = None) -> ChannelOut:
    secrets = rt.secrets.decrypt(doc["secrets"]) if doc.get("secrets") else {}
    config = {**doc.get("config", {}), **{k: _mask(v) for k, v in secrets.items()}}
    config.update(doc.get("info", {}))
    return ChannelOut(
        id=str(doc["_id"]),
        kind=doc["kind"],
        name=doc["name"],
        config=config,
        webhook_url=webhook_url(rt, doc["kind"], doc["_id"]),
        webhook_secret=(revealed or {}).get("webhook_secret"),
        health=_health(doc),
        settings=settings_of(doc),
        enabled=doc.get("enabled", True),
        demo=doc.get("demo", False),
        created_at=clock.iso(doc["created_at"]),
    )


def settings_of(doc: dict[str, Any]) -> dict[str, Any]:
    """The channel's inbox settings, defaults filled in."""
    defaults = {"auto_ticket": doc["kind"] == "email", "csat": True, "csat_conversations": False}
    return {**defaults, **doc.get("settings", {})}


def _given(settings: ChannelSettings) -> dict[str, Any]:
    return {k: v for k, v in settings.model_dump(exclude_unset=True).items() if v is not None}


async def update(rt: Runtime, channel_id: ObjectId, body: ChannelPatch) -> ChannelOut:
    """Change the channel's inbox settings, or pause and resume it at the platform."""
    doc = await get_doc(rt, channel_id)
    changes: dict[str, Any] = {}
    if body.settings is not None:
        changes["settings"] = {**doc.get("settings", {}), **_given(body.settings)}
    note = None
    if body.enabled is not None and body.enabled != doc.get("enabled", True):
        note = await _switch(rt, doc, body.enabled)
        changes["enabled"] = body.enabled
    if changes:
        await rt.store["channels"].update_one({"_id": channel_id}, {"$set": changes})
    return view(rt, {**doc, **changes}).model_copy(update={"platform_note": note})


async def _switch(rt: Runtime, doc: dict[str, Any], enabled: bool) -> str:
    """Register the channel at the platform again, or unregister it; what was done."""
    channel = ref(rt, doc)
    connector = registry.for_channel(channel)
    try:
        if enabled:
            await connector.setup(channel)
            return "Registered at the platform again: its events arrive here."
        _, note = await connector.teardown(channel)
    except SetupError as error:
        raise Conflict(
            f"{error} The channel is unchanged.",
            {"retryable": error.retryable},
            code="platform_refused",
        ) from None
    return note


def _health(doc: dict[str, Any]) -> dict[str, Any]:
    health = doc.get("health") or {"state": "ok"}
    return {**health, "at": clock.iso(health["at"])} if "at" in health else health


async def create(rt: Runtime, body: ChannelCreate) -> ChannelOut:
    """Validate the config, register the webhook with the platform, then store the channel."""
    connector = registry.get(body.kind)
    if body.kind == "portal":
        raise Invalid(
            "The portal's channel comes with the portal: set it up with PUT /api/v1/portal.",
            code="portal_channel",
        )
    if connector is None:
        raise Invalid(
            f"Unknown channel kind {body.kind!r}.", {"kinds": registry.kinds()}, code="unknown_kind"
        )
    try:
        config = connector.config_model.model_validate(body.config)
    except ValidationError as error:
        raise Invalid(
            f"The {body.kind} config is not valid.", _config_errors(error), code="invalid_config"
        ) from None
    public, secret = _split(config)
    channel_id = new_id()
    channel = ChannelRef(
        id=str(channel_id),
        kind=body.kind,
        name=body.name,
        config={**public, **secret},
        webhook_url=webhook_url(rt, body.kind, channel_id),
        timeouts=timeouts(rt, body.kind),
    )
    try:
        info = await connector.setup(channel)
    except SetupError as error:
        cls = Upstream if error.retryable else Invalid
        raise cls(str(error), code="channel_setup_failed") from None
    doc = {
        "_id": channel_id,
        "kind": body.kind,
        "name": body.name,
        "config": public,
        "secrets": rt.secrets.encrypt(secret),
        "info": {k: v for k, v in info.items() if k != "credentials_expire_at"},
        "credentials_expire_at": info.get("credentials_expire_at"),
        "settings": _given(body.settings),
        "demo": False,
        "created_at": clock.now(),
    }
    await rt.store["channels"].insert_one(doc)
    return view(rt, doc, {k: secret[k] for k in REVEALED_ONCE if k in secret})


def _config_errors(error: ValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "config", "message": e["msg"]}
        for e in error.errors(include_url=False, include_input=False)
    ]


async def create_demo(rt: Runtime, kind: str, name: str, info: dict[str, Any]) -> dict[str, Any]:
    """A channel for the demo seed: no platform behind it, sends succeed and go nowhere."""
    doc = {
        "_id": new_id(),
        "kind": kind,
        "name": name,
        "config": {},
        "secrets": None,
        "info": info,
        "demo": True,
        "created_at": clock.now(),
    }
    await rt.store["channels"].insert_one(doc)
    return doc


async def get_doc(rt: Runtime, channel_id: ObjectId) -> dict[str, Any]:
    return await rt.store.get("channels", channel_id, "channel")


async def load(rt: Runtime, channel_id: ObjectId) -> ChannelRef:
    return ref(rt, await get_doc(rt, channel_id))


async def list_all(rt: Runtime) -> list[dict[str, Any]]:
    return await rt.store["channels"].find({}, sort=[("created_at", 1)]).to_list(None)


async def delete(rt: Runtime, channel_id: ObjectId, *, force: bool = False) -> ChannelRemoved:
    """Tell the platform to stop sending this channel's events, then remove the channel.
    When the platform refuses, the channel stays unless `force`: the admin decides."""
    channel = ref(rt, await get_doc(rt, channel_id))
    try:
        unregistered, message = await registry.for_channel(channel).teardown(channel)
    except SetupError as error:
        if not force:
            raise Conflict(
                f"{error} The channel is still connected; remove it anyway to stop using it here.",
                {"retryable": error.retryable},
                code="platform_refused",
            ) from None
        message, unregistered = str(error), False
    result = await rt.store["channels"].delete_one({"_id": channel_id})
    if result.deleted_count == 0:
        raise NotFound(f"No channel with id {channel_id}.")
    return ChannelRemoved(id=str(channel_id), unregistered=unregistered, message=message)


async def mark_broken(rt: Runtime, channel_id: ObjectId, reason: str) -> None:
    """The platform no longer accepts the channel's credentials: admins must connect it again."""
    await rt.store["channels"].update_one(
        {"_id": channel_id},
        {
            "$set": {
                "health": {"state": "needs_reauthorisation", "message": reason, "at": clock.now()}
            }
        },
    )


REFRESH_AHEAD = timedelta(hours=1)
"""Credentials expiring within this long are refreshed by the beat task."""


async def refresh(rt: Runtime, channel_id: ObjectId, used: ChannelRef | None = None) -> ChannelRef:
    """Renew the channel's expiring credentials, one process at a time.

    Platforms like Zalo accept each refresh token once: a lock serialises refreshes, and a
    caller whose credentials (`used`) were already replaced by another process gets the new
    ones without refreshing again.
    """
    async with rt.redis.lock(
        f"lock:channel-credentials:{channel_id}", timeout=60, blocking_timeout=60
    ):
        doc = await get_doc(rt, channel_id)
        current = ref(rt, doc)
        if used is not None and used.config != current.config:
            return current
        connector = registry.for_channel(current)
        try:
            refreshed = await connector.refresh_credentials(current)
        except SetupError as error:
            if not error.retryable:
                await mark_broken(rt, channel_id, str(error))
            raise
        if refreshed is None:
            return current
        secrets = {**rt.secrets.decrypt(doc["secrets"]), **refreshed.secrets}
        await rt.store["channels"].update_one(
            {"_id": channel_id},
            {
                "$set": {
                    "secrets": rt.secrets.encrypt(secrets),
                    "credentials_expire_at": refreshed.expires_at,
                    "health": {"state": "ok"},
                }
            },
        )
        return ref(rt, {**doc, "secrets": rt.secrets.encrypt(secrets)})


async def refresh_expiring(rt: Runtime) -> int:
    """Refresh every channel whose credentials expire soon; returns how many were renewed."""
    soon = clock.now() + REFRESH_AHEAD
    due = (
        await rt.store["channels"]
        .find({"credentials_expire_at": {"$lte": soon}}, sort=[("credentials_expire_at", 1)])
        .to_list(None)
    )
    renewed = 0
    for doc in due:
        try:
            await refresh(rt, doc["_id"])
            renewed += 1
        except SetupError as error:
            log.warning("could not refresh channel %s: %s", doc["_id"], error)
    return renewed


async def pollable(rt: Runtime, kinds: list[str]) -> list[dict[str, Any]]:
    """Channels of these kinds (configured to be read by polling, e.g. email with IMAP)."""
    docs = (
        await rt.store["channels"].find({"kind": {"$in": kinds}}, sort=[("_id", 1)]).to_list(None)
    )
    return [
        doc
        for doc in docs
        if not doc.get("demo")
        and doc.get("enabled", True)
        and doc.get("config", {}).get("imap_host")
    ]


async def save_poll_state(rt: Runtime, channel_id: ObjectId, state: dict[str, Any]) -> None:
    await rt.store["channels"].update_one(
        {"_id": channel_id}, {"$set": {"poll_state": state, "health": {"state": "ok"}}}
    )


async def record_poll_error(rt: Runtime, channel_id: ObjectId, reason: str) -> None:
    await rt.store["channels"].update_one(
        {"_id": channel_id},
        {"$set": {"health": {"state": "mailbox_error", "message": reason, "at": clock.now()}}},
    )
