"""Signing in without a password: a one-time link and a 6-digit code sent by email (or by
SMS to a phone), or a link a rule or an agent sends on the customer's chat channel.

Links and codes are single-use and expire after 15 minutes; only their hashes are stored.
Requests are limited per address and per IP, and the answer never says whether the address
is known: an unknown address gets a link too, and its contact is made only when the link is
used. Wrong codes are limited per address, so six digits cannot be guessed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from inbox import clock
from inbox.crypto import token_hash
from inbox.errors import TooManyRequests
from inbox.i18n import gettext as _
from inbox.ids import new_id
from inbox.portal import customers
from inbox.portal.customers import Address
from inbox.runtime import Runtime
from inbox.services.contacts import records as contacts

LIFETIME = timedelta(minutes=15)
SENT_LINK_LIFETIME = timedelta(days=3)
"""How long a link in a notice or on a chat works (once): read later than a typed-for one."""
WINDOW_SECONDS = 15 * 60
PER_IP_FACTOR = 4
"""An IP may ask for this many times the links of one address, whatever the addresses."""
WRONG_CODES = 5
"""Wrong codes one address may try in 15 minutes."""


@dataclass(frozen=True)
class Issued:
    token: str
    code: str
    address: Address | None
    """where it goes (none for links sent on a chat or in a notice)"""


class LinkUnusable(Exception):
    """The link or code is unknown, used or expired; `address` is where a new one could go."""

    def __init__(self, message: str, address: str | None = None) -> None:
        super().__init__(message)
        self.address = address


async def link_for(rt: Runtime, contact_id: ObjectId, next_path: str) -> str:
    """A link to send the customer (in a notice, on a chat) that signs them in once, at
    `next_path`."""
    issued = await issue(
        rt, None, contact_id=contact_id, next_path=next_path, lifetime=SENT_LINK_LIFETIME
    )
    return f"{rt.settings.base_url}/portal/auth/{issued.token}"


async def request_link(rt: Runtime, where: Address, ip: str, next_path: str) -> Issued:
    """A link and code for an address (known or not), within the limits."""
    per_address = rt.settings.portal_links_per_15_min
    await _count(rt, f"portal:link:ip:{ip}", per_address * PER_IP_FACTOR)
    await _count(rt, f"portal:link:addr:{where.value}", per_address)
    return await issue(rt, where, contact_id=None, next_path=next_path)


async def issue(
    rt: Runtime,
    where: Address | None,
    *,
    contact_id: ObjectId | None,
    next_path: str = "/portal",
    lifetime: timedelta = LIFETIME,
) -> Issued:
    """A fresh one-time link (and code) for an address, or for a known contact (chat and
    notice links)."""
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = clock.now()
    await rt.store["portal_links"].insert_one(
        {
            "_id": new_id(),
            "token_hash": token_hash(token),
            "code_hash": token_hash(f"{where.value}:{code}") if where else None,
            "kind": where.kind if where else None,
            "address": where.value if where else None,
            "contact_id": contact_id,
            "next": next_path,
            "created_at": now,
            "expires_at": now + lifetime,
            "used_at": None,
        }
    )
    return Issued(token, code, where)


async def peek(rt: Runtime, token: str) -> dict[str, Any] | LinkUnusable:
    """The link, if it can still be used (nothing is spent); else why not."""
    link = await rt.store["portal_links"].find_one({"token_hash": token_hash(token)})
    if link is None:
        return LinkUnusable(_("This sign-in link is not known."))
    return _why_unusable(link) or link


def _why_unusable(link: dict[str, Any]) -> LinkUnusable | None:
    if link["used_at"] is not None:
        return LinkUnusable(_("This sign-in link was already used."), link.get("address"))
    if link["expires_at"] <= clock.now():
        return LinkUnusable(_("This sign-in link expired."), link.get("address"))
    return None


async def redeem_token(rt: Runtime, token: str) -> tuple[dict[str, Any], str]:
    """The contact a link signs in, and where it leads; the link is spent."""
    link = await _spend(rt, {"token_hash": token_hash(token)})
    return await _contact_of(rt, link), link["next"]


async def redeem_code(rt: Runtime, where: Address, code: str) -> tuple[dict[str, Any], str]:
    """The contact a code signs in (the latest unexpired link of the address)."""
    key = f"portal:code:addr:{where.value}"
    if int(await rt.redis.get(key) or 0) >= WRONG_CODES:
        raise _too_many(await rt.redis.ttl(key))
    try:
        link = await _spend(rt, {"code_hash": token_hash(f"{where.value}:{code.strip()}")})
    except LinkUnusable:
        await _count(rt, key, WRONG_CODES + 1)
        raise LinkUnusable(_("That code is not right, or it expired."), where.value) from None
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


async def _contact_of(rt: Runtime, link: dict[str, Any]) -> dict[str, Any]:
    if link.get("contact_id") is not None:
        return await contacts.current(rt, await contacts.get(rt, link["contact_id"]))
    return await customers.contact_for(rt, customers.Address(link["kind"], link["address"]))
