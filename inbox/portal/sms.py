"""The SMS gateway admins set for customer notices and phone sign-in: stored with its
authorisation value encrypted, shown without it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from connectors.sms import SmsGateway
from inbox.runtime import Runtime

SETTINGS_ID = "sms_gateway"


class SmsGatewayBody(SmsGateway):
    """`PUT /api/v1/portal/sms`: leave `auth_value` out to keep the one stored."""

    enabled: bool = True


class SmsGatewayOut(BaseModel):
    enabled: bool
    gateway: dict[str, Any] | None
    auth_value_set: bool


async def gateway(rt: Runtime) -> SmsGateway | None:
    """The gateway to send through, or None when SMS is off."""
    stored = await rt.store["installation"].find_one({"_id": SETTINGS_ID})
    if stored is None or not stored.get("enabled"):
        return None
    secret = rt.secrets.decrypt(stored["secret"]) if stored.get("secret") else {}
    return SmsGateway(**stored["gateway"], auth_value=secret.get("auth_value"))


async def view(rt: Runtime) -> SmsGatewayOut:
    stored = await rt.store["installation"].find_one({"_id": SETTINGS_ID}) or {}
    return SmsGatewayOut(
        enabled=bool(stored.get("enabled")),
        gateway=stored.get("gateway"),
        auth_value_set=bool(stored.get("secret")),
    )


async def save(rt: Runtime, body: SmsGatewayBody) -> SmsGatewayOut:
    current = await rt.store["installation"].find_one({"_id": SETTINGS_ID}) or {}
    fields = body.model_dump(mode="json", exclude={"enabled", "auth_value"})
    secret = current.get("secret")
    if "auth_value" in body.model_fields_set:
        secret = rt.secrets.encrypt({"auth_value": body.auth_value}) if body.auth_value else None
    await rt.store["installation"].replace_one(
        {"_id": SETTINGS_ID},
        {"enabled": body.enabled, "gateway": fields, "secret": secret},
        upsert=True,
    )
    return await view(rt)
