"""Customer sessions: an HttpOnly cookie scoped to `/portal`, its hash stored, a CSRF token
derived from it for every change, ended on sign-out. Never the agents' session."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web
from bson import ObjectId

from inbox import clock
from inbox.crypto import token_hash
from inbox.errors import NotFound
from inbox.runtime import Runtime
from inbox.services.contacts import records as contacts

COOKIE = "inbox_portal"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
LIFETIME = timedelta(days=30)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/portal/api/"


@dataclass(frozen=True)
class Customer:
    """The signed-in customer of a portal request: the contact they are now."""

    contact_id: ObjectId
    name: str
    email: str | None
    language: str | None
    session_hash: str


async def start(rt: Runtime, contact_id: ObjectId) -> str:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    await rt.store["portal_sessions"].insert_one(
        {
            "token_hash": token_hash(token),
            "contact_id": contact_id,
            "created_at": now,
            "expires_at": now + LIFETIME,
        }
    )
    return token


async def end(rt: Runtime, session_hash: str) -> None:
    await rt.store["portal_sessions"].delete_one({"token_hash": session_hash})


async def identify(rt: Runtime, request: web.Request) -> Customer | None:
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    session_hash = token_hash(cookie)
    record = await rt.store["portal_sessions"].find_one({"token_hash": session_hash})
    if record is None or record["expires_at"] <= clock.now():
        return None
    try:
        contact = await contacts.current(rt, await contacts.get(rt, record["contact_id"]))
    except NotFound:
        return None
    if contact.get("erased"):
        return None
    return _customer(contact, session_hash)


def _customer(contact: dict[str, Any], session_hash: str) -> Customer:
    emails = contact.get("emails") or []
    return Customer(
        contact_id=contact["_id"],
        name=contact["name"],
        email=emails[0] if emails else None,
        language=contact.get("language"),
        session_hash=session_hash,
    )


CUSTOMER = web.RequestKey("customer", Customer)


def customer(request: web.Request) -> Customer:
    return request[CUSTOMER]


def csrf_token(rt: Runtime, customer: Customer) -> str:
    return rt.secrets.sign("portal-csrf:" + customer.session_hash)


async def csrf_ok(rt: Runtime, request: web.Request, customer: Customer) -> bool:
    """Changes must carry the session's token (header for scripts, field for plain forms;
    uploads come from scripts, so their body is left for the handler to stream)."""
    if request.method in SAFE_METHODS:
        return True
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type == "application/x-www-form-urlencoded":
        given = (await request.post()).get(CSRF_FIELD)
    return isinstance(given, str) and hmac.compare_digest(given, csrf_token(rt, customer))
