"""Signing in without a password: a one-time link and a 6-digit code sent by email, or a
link the bot, a rule or an agent sends on the customer's chat channel.

Links and codes are single-use and expire after 15 minutes; only their hashes are stored.
Requests are limited per address and per IP, and the answer never says whether the address
is known: an unknown address gets a link too, and its contact is made only when the link is
used. Wrong codes are limited per address, so six digits cannot be guessed.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from connectors.base import Sender
from inbox import clock
from inbox.crypto import token_hash
from inbox.errors import Invalid, TooManyRequests
from inbox.i18n import gettext as _
from inbox.ids import new_id
from inbox.portal import config
from inbox.runtime import Runtime
from inbox.services import channels
from inbox.services.contacts import normalise
from inbox.services.contacts import records as contacts

LIFETIME = timedelta(minutes=15)
WINDOW_SECONDS = 15 * 60
PER_IP_FACTOR = 4
"""An IP may ask for this many times the links of one address, whatever the addresses."""
WRONG_CODES = 5
"""Wrong codes one address may try in 15 minutes."""


@dataclass(frozen=True)
class Issued:
    token: str
    code: str
    email: str | None


class LinkUnusable(Exception):
    """The link or code is unknown, used or expired; `email` is where a new one could go."""

    def __init__(self, message: str, email: str | None = None) -> None:
        super().__init__(message)
        self.email = email


def address(raw: Any) -> str:
    """The email address a sign-in form gave, or a 422 naming the field."""
    email = normalise.email(raw) if isinstance(raw, str) else None
    if email is None:
        raise Invalid(
            _("Enter a valid email address."),
            [{"field": "email", "message": "not an email address"}],
            code="invalid_email",
        )
    return email


async def request_by_email(rt: Runtime, email: str, ip: str, next_path: str) -> Issued:
    """A link and code for `email` (known or not), within the limits."""
    per_address = rt.settings.portal_links_per_15_min
    await _count(rt, f"portal:link:ip:{ip}", per_address * PER_IP_FACTOR)
    await _count(rt, f"portal:link:addr:{email}", per_address)
    return await issue(rt, email=email, contact_id=None, next_path=next_path)


async def issue(
    rt: Runtime,
    *,
    email: str | None,
    contact_id: ObjectId | None,
    next_path: str = "/portal",
    lifetime: timedelta = LIFETIME,
) -> Issued:
    """A fresh one-time link (and code) for an address, or for a known contact (chat links)."""
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = clock.now()
    await rt.store["portal_links"].insert_one(
        {
            "_id": new_id(),
            "token_hash": token_hash(token),
            "code_hash": token_hash(f"{email}:{code}") if email else None,
            "email": email,
            "contact_id": contact_id,
            "next": next_path,
            "created_at": now,
            "expires_at": now + lifetime,
            "used_at": None,
        }
    )
    return Issued(token, code, email)


async def peek(rt: Runtime, token: str) -> dict[str, Any] | LinkUnusable:
    """The link, if it can still be used (nothing is spent); else why not."""
    link = await rt.store["portal_links"].find_one({"token_hash": token_hash(token)})
    if link is None:
        return LinkUnusable(_("This sign-in link is not known."))
    return _why_unusable(link) or link


def _why_unusable(link: dict[str, Any]) -> LinkUnusable | None:
    if link["used_at"] is not None:
        return LinkUnusable(_("This sign-in link was already used."), link.get("email"))
    if link["expires_at"] <= clock.now():
        return LinkUnusable(_("This sign-in link expired."), link.get("email"))
    return None


async def redeem_token(rt: Runtime, token: str) -> tuple[dict[str, Any], str]:
    """The contact a link signs in, and where it leads; the link is spent."""
    link = await _spend(rt, {"token_hash": token_hash(token)})
    return await _contact_of(rt, link), link["next"]


async def redeem_code(rt: Runtime, email: str, code: str) -> tuple[dict[str, Any], str]:
    """The contact a code signs in (the latest unexpired link of the address)."""
    key = f"portal:code:addr:{email}"
    if int(await rt.redis.get(key) or 0) >= WRONG_CODES:
        raise _too_many(await rt.redis.ttl(key))
    try:
        link = await _spend(rt, {"code_hash": token_hash(f"{email}:{code.strip()}")})
    except LinkUnusable:
        await _count(rt, key, WRONG_CODES + 1)
        raise LinkUnusable(_("That code is not right, or it expired."), email) from None
    return await _contact_of(rt, link), link["next"]


async def _spend(rt: Runtime, query: dict[str, Any]) -> dict[str, Any]:
    """Mark the link used, once; say why when it cannot be."""
    now = clock.now()
    link = await rt.store["portal_links"].find_one_and_update(
        {**query, "used_at": None, "expires_at": {"$gt": now}},
        {"$set": {"used_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    if link is not None:
        return link
    known = await rt.store["portal_links"].find_one(query)
    raise (known and _why_unusable(known)) or LinkUnusable(_("This sign-in link is not known."))


async def _count(rt: Runtime, key: str, limit: int) -> None:
    """One more use of a limited thing; 429 past the limit (the window starts at the first)."""
    async with rt.redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, WINDOW_SECONDS, nx=True)
        pipe.ttl(key)
        used, _set, ttl = await pipe.execute()
    if used > limit:
        raise _too_many(ttl)


def _too_many(ttl: int) -> TooManyRequests:
    wait = max(1, int(ttl))
    minutes = max(1, round(wait / 60))
    return TooManyRequests(
        _("Too many requests. Try again in %(minutes)s min.") % {"minutes": minutes},
        wait,
        code="too_many_requests",
    )


async def contact_for_email(rt: Runtime, email: str) -> dict[str, Any]:
    """The customer who uses this address: the contact with it, or a new one."""
    portal = channels.ref(rt, await config.channel_doc(rt))
    identity = await rt.store["contact_identities"].find_one({"_id": f"{portal.id}:{email}"})
    if identity is None:
        known = await rt.store["contacts"].find_one(
            {"emails": email, "merged_into": None, "erased": {"$ne": True}}
        )
        if known is not None:
            with contextlib.suppress(DuplicateKeyError):  # signed in twice at once
                await rt.store["contact_identities"].insert_one(
                    {
                        "_id": f"{portal.id}:{email}",
                        "contact_id": known["_id"],
                        "channel_id": ObjectId(portal.id),
                        "external_id": email,
                        "created_at": clock.now(),
                    }
                )
    name = email.split("@", 1)[0]
    return await contacts.resolve(rt, portal, Sender(external_id=email, name=name, email=email))


async def remember_language(rt: Runtime, contact: dict[str, Any], language: str) -> None:
    """A customer without a known language gets the one they use the portal in (their
    updates and surveys are then written in it)."""
    await rt.store["contacts"].update_one(
        {"_id": contact["_id"], "language": None}, {"$set": {"language": language}}
    )


async def _contact_of(rt: Runtime, link: dict[str, Any]) -> dict[str, Any]:
    if link.get("contact_id") is not None:
        return await contacts.current(rt, await contacts.get(rt, link["contact_id"]))
    return await contact_for_email(rt, link["email"])
