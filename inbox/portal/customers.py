"""Who a portal customer is: the address they sign in with (email, or phone where SMS is
on), the contact behind it (found by that address, or made when their link is first used),
and the portal identity their messages come from."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Literal

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from connectors.base import Sender
from inbox import clock
from inbox.errors import Invalid
from inbox.i18n import gettext as _
from inbox.portal import config
from inbox.runtime import Runtime
from inbox.services import channels
from inbox.services.contacts import normalise
from inbox.services.contacts import records as contacts


@dataclass(frozen=True)
class Address:
    kind: Literal["email", "phone"]
    value: str
    """lower-cased email, or E.164 phone number"""


def address(raw: Any, region: str, *, phones: bool) -> Address:
    """The address a sign-in form gave (`phones`: whether phone numbers are taken), or a
    422 naming the field."""
    text = raw.strip() if isinstance(raw, str) else ""
    if "@" in text:
        email = normalise.email(text)
        if email is not None:
            return Address("email", email)
    elif phones and text:
        phone = normalise.phone(text, region)
        if phone is not None:
            return Address("phone", phone)
    message = (
        _("Enter a valid email address or phone number.")
        if phones
        else _("Enter a valid email address.")
    )
    raise Invalid(
        message, [{"field": "email", "message": "not an address"}], code="invalid_address"
    )


async def contact_for(rt: Runtime, where: Address) -> dict[str, Any]:
    """The customer who uses this address: the contact with it, or a new one."""
    portal = await _portal(rt)
    external_id = f"{where.kind}:{where.value}"
    identity = await rt.store["contact_identities"].find_one({"_id": f"{portal.id}:{external_id}"})
    if identity is None:
        field = "emails" if where.kind == "email" else "phones"
        known = await rt.store["contacts"].find_one(
            {field: where.value, "merged_into": None, "erased": {"$ne": True}}
        )
        if known is not None:
            await _claim(rt, portal.id, external_id, known["_id"])
    name = where.value.split("@", 1)[0] if where.kind == "email" else where.value
    found = Sender(
        external_id=external_id,
        name=name,
        email=where.value if where.kind == "email" else None,
        phone=where.value if where.kind == "phone" else None,
    )
    return await contacts.resolve(rt, portal, found)


async def sender(rt: Runtime, contact_id: ObjectId, name: str) -> Sender:
    """Who portal messages of this contact come from (its identity on the portal channel,
    made the first time)."""
    portal = await _portal(rt)
    await _claim(rt, portal.id, f"c:{contact_id}", contact_id)
    return Sender(external_id=f"c:{contact_id}", name=name)


async def _claim(rt: Runtime, channel_id: str, external_id: str, contact_id: ObjectId) -> None:
    with contextlib.suppress(DuplicateKeyError):  # there already (or made at the same moment)
        await rt.store["contact_identities"].insert_one(
            {
                "_id": f"{channel_id}:{external_id}",
                "contact_id": contact_id,
                "channel_id": ObjectId(channel_id),
                "external_id": external_id,
                "created_at": clock.now(),
            }
        )


async def _portal(rt: Runtime) -> Any:
    return channels.ref(rt, await config.channel_doc(rt))


async def remember_language(rt: Runtime, contact: dict[str, Any], language: str) -> None:
    """A customer without a known language gets the one they use the portal in (their
    updates and surveys are then written in it)."""
    await rt.store["contacts"].update_one(
        {"_id": contact["_id"], "language": None}, {"$set": {"language": language}}
    )
