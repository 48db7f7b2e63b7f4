"""The portal's settings (name, colour, logo, the email channel its mails go out through,
how long a solved request may be reopened) and its channel: every conversation a customer
starts in the portal lives on one channel of kind `portal`."""

from __future__ import annotations

import contextlib
from typing import Any

from bson import ObjectId
from pydantic import Field
from pymongo.errors import DuplicateKeyError

from inbox import clock
from inbox.errors import Invalid
from inbox.i18n import gettext as _
from inbox.ids import new_id, parse_id
from inbox.models.common import Body
from inbox.runtime import Runtime

SETTINGS_ID = "portal"
PORTAL_KIND = "portal"


class PortalSettings(Body):
    """What admins set for the portal (`PUT /api/v1/portal`)."""

    enabled: bool = True
    name: str = Field(default="Support", min_length=1, max_length=80)
    colour: str = Field(default="#2563eb", pattern=r"^#[0-9a-fA-F]{6}$")
    logo_url: str | None = Field(default=None, max_length=500, pattern=r"^(https://|/)[^\s\"'<>]*$")
    email_channel_id: str | None = Field(
        default=None, description="the email channel sign-in links and notices go out through"
    )
    reopen_days: int = Field(
        default=14, ge=0, le=365, description="days a customer may reopen a solved request"
    )
    visible_fields: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="keys of ticket fields customers see on their request (order status...)",
    )
    support_hours: str | None = Field(
        default=None,
        max_length=200,
        description="shown under the portal's name (empty: the default calendar's hours)",
    )


class PortalOut(PortalSettings):
    url: str
    channel_id: str


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


async def hours_text(rt: Runtime, settings: PortalSettings) -> str | None:
    """The support hours customers see: what admins wrote, else the default calendar's."""
    if settings.support_hours:
        return settings.support_hours
    calendar = await rt.store["calendars"].find_one({"default": True})
    return describe_hours(calendar["hours"]) if calendar else None


def describe_hours(hours: dict[str, list[list[str]]]) -> str:
    """`Mon-Fri 08:00-17:00 · Sat 08:00-12:00`: days in a row with the same hours together."""
    names = {
        "mon": _("Mon"), "tue": _("Tue"), "wed": _("Wed"), "thu": _("Thu"),
        "fri": _("Fri"), "sat": _("Sat"), "sun": _("Sun"),
    }  # fmt: skip
    runs: list[tuple[list[str], str]] = []
    for day in DAYS:
        spans = ", ".join(f"{start}-{end}" for start, end in hours.get(day) or [])
        if not spans:
            continue
        previous = runs[-1] if runs else None
        if previous and previous[1] == spans and DAYS.index(previous[0][-1]) == DAYS.index(day) - 1:
            previous[0].append(day)
        else:
            runs.append(([day], spans))
    return " · ".join(
        f"{names[days[0]]}{'-' + names[days[-1]] if len(days) > 1 else ''} {spans}"
        for days, spans in runs
    )


async def settings_of(rt: Runtime) -> PortalSettings:
    stored = await rt.store["installation"].find_one({"_id": SETTINGS_ID}) or {}
    return PortalSettings.model_validate(
        {k: v for k, v in stored.items() if k in PortalSettings.model_fields}
    )


async def view(rt: Runtime) -> PortalOut:
    settings = await settings_of(rt)
    channel = await channel_doc(rt)
    return PortalOut(
        **settings.model_dump(),
        url=f"{rt.settings.base_url}/portal",
        channel_id=str(channel["_id"]),
    )


async def save(rt: Runtime, body: PortalSettings) -> PortalOut:
    if body.email_channel_id is not None:
        doc = await rt.store["channels"].find_one(
            {"_id": parse_id(body.email_channel_id, "channel")}
        )
        if doc is None or doc["kind"] != "email":
            raise Invalid(
                "email_channel_id must be one of your email channels.",
                [{"field": "email_channel_id", "message": "not an email channel"}],
            )
    current = await rt.store["installation"].find_one({"_id": SETTINGS_ID}) or {}
    await rt.store["installation"].replace_one(
        {"_id": SETTINGS_ID},
        {**body.model_dump(), "channel_id": current.get("channel_id")},
        upsert=True,
    )
    if current.get("channel_id") is not None:  # agents see the portal by the name customers do
        await rt.store["channels"].update_one(
            {"_id": current["channel_id"]}, {"$set": {"name": body.name}}
        )
    return await view(rt)


async def channel_doc(rt: Runtime) -> dict[str, Any]:
    """The portal's channel, created the first time it is needed."""
    installation = rt.store["installation"]
    stored = await installation.find_one({"_id": SETTINGS_ID})
    if stored is None or stored.get("channel_id") is None:  # first use: name its channel once
        if stored is None:
            with contextlib.suppress(DuplicateKeyError):
                await installation.insert_one({"_id": SETTINGS_ID, "channel_id": new_id()})
        await installation.update_one(
            {"_id": SETTINGS_ID, "channel_id": None}, {"$set": {"channel_id": new_id()}}
        )
        stored = await installation.find_one({"_id": SETTINGS_ID})
    channel_id: ObjectId = stored["channel_id"]
    doc = await rt.store["channels"].find_one({"_id": channel_id})
    if doc is not None:
        return doc
    doc = {
        "_id": channel_id,
        "kind": PORTAL_KIND,
        "name": (await settings_of(rt)).name,
        "config": {},
        "secrets": None,
        "info": {},
        "settings": {},
        "demo": False,
        "created_at": clock.now(),
    }
    try:
        await rt.store["channels"].insert_one(doc)
    except DuplicateKeyError:
        return await rt.store["channels"].find_one({"_id": channel_id})
    return doc
