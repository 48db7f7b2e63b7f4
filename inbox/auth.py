"""Who is asking: sessions (cookie + CSRF), API tokens (Bearer), roles, and route access levels.

Every route declares its access level with `@access(...)`; a route without one is treated as
admin-only, so forgetting the declaration locks a route rather than opening it.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any, TypeVar

from aiohttp import web
from bson import ObjectId

from inbox import clock
from inbox.crypto import token_hash
from inbox.events import Actor
from inbox.models.agents import Role
from inbox.runtime import Runtime

SESSION_COOKIE = "inbox_session"
LOGIN_CSRF_COOKIE = "inbox_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
TOKEN_TOUCH_INTERVAL = timedelta(hours=1)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Access(Enum):
    PUBLIC = "public"
    CUSTOMER = "customer"
    """A customer signed in to the portal (its own session, never an agent's)."""
    AGENT = "agent"
    ADMIN = "admin"


H = TypeVar("H", bound=Callable[..., Awaitable[Any]])


def access(level: Access) -> Callable[[H], H]:
    """Declare who may call a route handler."""

    def mark(handler: H) -> H:
        handler.access = level  # type: ignore[attr-defined]
        return handler

    return mark


def access_of(handler: Any) -> Access:
    return getattr(handler, "access", Access.ADMIN)


@dataclass(frozen=True)
class Principal:
    """The signed-in agent for this request."""

    id: ObjectId
    name: str
    email: str
    role: Role
    team_ids: tuple[ObjectId, ...]
    language: str | None
    via: str
    """"session" (browser cookie, CSRF checked) or "token" (Bearer)."""
    session_hash: str | None = None
    """The hash of the session cookie or of the Bearer token this request came with."""

    is_bot: bool = False
    """An external bot's account: what it writes is the bot's, not an agent's."""

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def actor(self) -> Actor:
        """Who this principal is in events and messages."""
        return Actor(type="bot" if self.is_bot else "agent", id=str(self.id), name=self.name)

    @classmethod
    def of(cls, agent: dict[str, Any], via: str, session_hash: str | None = None) -> Principal:
        return cls(
            id=agent["_id"],
            name=agent["name"],
            email=agent["email"],
            role=Role(agent["role"]),
            team_ids=tuple(agent.get("team_ids", [])),
            language=agent.get("language"),
            via=via,
            session_hash=session_hash,
            is_bot=agent.get("bot", False),
        )


# ---- sessions and tokens ----------------------------------------------------------------


async def start_session(rt: Runtime, agent_id: ObjectId) -> str:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    await rt.store["sessions"].insert_one(
        {
            "token_hash": token_hash(token),
            "agent_id": agent_id,
            "created_at": now,
            "expires_at": now + timedelta(hours=rt.settings.session_hours),
        }
    )
    return token


async def end_session(rt: Runtime, session_hash: str) -> None:
    await rt.store["sessions"].delete_one({"token_hash": session_hash})


async def issue_token(rt: Runtime, agent_id: ObjectId, name: str) -> tuple[str, Any]:
    token = "inb_" + secrets.token_urlsafe(32)
    now = clock.now()
    expires_at = now + timedelta(days=rt.settings.token_days)
    await rt.store["api_tokens"].insert_one(
        {
            "token_hash": token_hash(token),
            "agent_id": agent_id,
            "name": name,
            "created_at": now,
            "last_used_at": now,
            "expires_at": expires_at,
        }
    )
    return token, expires_at


async def revoke_token(rt: Runtime, token: str) -> None:
    await rt.store["api_tokens"].delete_one({"token_hash": token_hash(token)})


async def end_other_credentials(rt: Runtime, agent_id: ObjectId, keep: str | None) -> int:
    """Sign the agent out everywhere but the session or token whose hash is `keep` (after a
    password change); returns how many were ended."""
    ended = 0
    for collection in ("sessions", "api_tokens"):
        query: dict[str, Any] = {"agent_id": agent_id}
        if keep is not None:
            query["token_hash"] = {"$ne": keep}
        ended += (await rt.store[collection].delete_many(query)).deleted_count
    return ended


async def _active_agent(rt: Runtime, agent_id: ObjectId) -> dict[str, Any] | None:
    agent = await rt.store["agents"].find_one({"_id": agent_id})
    return agent if agent is not None and agent.get("active", True) else None


async def principal_from_token(rt: Runtime, token: str) -> Principal | None:
    record = await rt.store["api_tokens"].find_one({"token_hash": token_hash(token)})
    now = clock.now()
    if record is None or record["expires_at"] <= now:
        return None
    agent = await _active_agent(rt, record["agent_id"])
    if agent is None:
        return None
    if now - record["last_used_at"] > TOKEN_TOUCH_INTERVAL:
        await rt.store["api_tokens"].update_one(
            {"_id": record["_id"]}, {"$set": {"last_used_at": now}}
        )
    return Principal.of(agent, "token", record["token_hash"])


async def principal_from_session(rt: Runtime, token: str) -> Principal | None:
    session_hash = token_hash(token)
    record = await rt.store["sessions"].find_one({"token_hash": session_hash})
    if record is None or record["expires_at"] <= clock.now():
        return None
    agent = await _active_agent(rt, record["agent_id"])
    return None if agent is None else Principal.of(agent, "session", session_hash)


async def identify(rt: Runtime, request: web.Request) -> Principal | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return await principal_from_token(rt, header.removeprefix("Bearer ").strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return await principal_from_session(rt, cookie)
    return None


# ---- CSRF ------------------------------------------------------------------------------


def csrf_token(rt: Runtime, principal: Principal) -> str:
    """The token pages embed for a session; derived from it, so nothing is stored."""
    assert principal.session_hash is not None
    return rt.secrets.sign("csrf:" + principal.session_hash)


async def csrf_ok(rt: Runtime, request: web.Request, principal: Principal) -> bool:
    """Bearer requests need no CSRF token; cookie requests that change state must carry one."""
    if principal.via != "session" or request.method in SAFE_METHODS:
        return True
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type == "application/x-www-form-urlencoded":
        given = (await request.post()).get(CSRF_FIELD)
    return isinstance(given, str) and hmac.compare_digest(given, csrf_token(rt, principal))


def login_csrf_ok(
    request: web.Request, form_value: Any, cookie_name: str = LOGIN_CSRF_COOKIE
) -> bool:
    """Double-submit check for a sign-in form, which has no session yet."""
    cookie = request.cookies.get(cookie_name, "")
    return bool(cookie) and isinstance(form_value, str) and hmac.compare_digest(cookie, form_value)
