"""Agents and admins: accounts, roles, teams, availability."""

from __future__ import annotations

import secrets
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from inbox import clock
from inbox.errors import Conflict, Invalid
from inbox.events import Actor, EventType, Scope, emit
from inbox.ids import new_id, parse_id
from inbox.models.agents import AgentCreate, AgentPatch, Availability, Role
from inbox.passwords import hash_password, needs_rehash, verify_password
from inbox.runtime import Runtime
from inbox.services import teams


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def create(rt: Runtime, body: AgentCreate) -> dict[str, Any]:
    team_ids = [parse_id(t, "team") for t in body.team_ids]
    await teams.require_all(rt, team_ids)
    agent = {
        "_id": new_id(),
        "email": normalise_email(body.email),
        "name": body.name.strip(),
        "role": str(body.role),
        "password_hash": hash_password(body.password),
        "team_ids": team_ids,
        "level": body.level,
        "capacity": body.capacity,
        "availability": str(Availability.OFFLINE),
        "language": body.language,
        "active": True,
        "created_at": clock.now(),
    }
    try:
        await rt.store["agents"].insert_one(agent)
    except DuplicateKeyError:
        raise Conflict(f"An agent with email {agent['email']} already exists.") from None
    return agent


async def get(rt: Runtime, agent_id: ObjectId) -> dict[str, Any]:
    return await rt.store.get("agents", agent_id, "agent")


async def list_all(rt: Runtime) -> list[dict[str, Any]]:
    return await rt.store["agents"].find({}, sort=[("name", 1)]).to_list(None)


async def update(rt: Runtime, agent_id: ObjectId, body: AgentPatch) -> dict[str, Any]:
    agent = await get(rt, agent_id)
    changes: dict[str, Any] = {}
    for field in ("name", "level", "capacity", "language", "active"):
        if field in body.model_fields_set:
            changes[field] = getattr(body, field)
    for field in ("role", "availability"):
        value = getattr(body, field)
        if value is not None:
            changes[field] = str(value)
    if changes.get("availability", agent.get("availability")) != agent.get("availability"):
        changes["availability_changed_at"] = clock.now()
        await _close_presence(rt, agent, changes["availability_changed_at"])
    if body.team_ids is not None:
        changes["team_ids"] = [parse_id(t, "team") for t in body.team_ids]
        await teams.require_all(rt, changes["team_ids"])
    if body.password is not None:
        changes["password_hash"] = hash_password(body.password)
    if agent["role"] == Role.ADMIN and (
        changes.get("role") == Role.AGENT or changes.get("active") is False
    ):
        await _keep_one_admin(rt, agent_id)
    if changes:
        await rt.store["agents"].update_one({"_id": agent_id}, {"$set": changes})
    return {**agent, **changes}


PRESENT = (str(Availability.ONLINE), str(Availability.BUSY))


async def _close_presence(rt: Runtime, agent: dict[str, Any], now: Any) -> None:
    """An agent who was online (or busy) since their last change has a span of time to count
    (the reports' time online keeps it when its event is handled)."""
    since = agent.get("availability_changed_at")
    if agent.get("availability") not in PRESENT or since is None or since >= now:
        return
    span = {
        "_id": new_id(),
        "agent_id": agent["_id"],
        "status": agent["availability"],
        "start": since,
        "end": now,
    }
    await rt.store["agent_presence"].insert_one(span)
    await emit(
        rt,
        EventType.AGENT_PRESENCE,
        subject_type="presence",
        subject_id=span["_id"],
        data={"agent_id": str(agent["_id"]), "status": span["status"]},
        scope=Scope(agent_ids=[str(agent["_id"])], private=True),
        actor=Actor(type="agent", id=str(agent["_id"]), name=agent["name"]),
    )


async def _keep_one_admin(rt: Runtime, leaving: ObjectId) -> None:
    others = [
        a
        for a in await list_all(rt)
        if a["_id"] != leaving and a["role"] == Role.ADMIN and a.get("active", True)
    ]
    if not others:
        raise Conflict("This is the last active admin; make someone else admin first.")


async def check_current_password(rt: Runtime, agent_id: ObjectId, given: str | None) -> None:
    """Changing one's own password needs the current one (a stolen session is not enough)."""
    agent = await get(rt, agent_id)
    if not given or not verify_password(agent["password_hash"], given):
        raise Invalid(
            "Give your current password to set a new one.",
            [{"field": "current_password", "message": "missing or wrong"}],
            code="current_password",
        )


async def authenticate(rt: Runtime, email: str, password: str) -> dict[str, Any] | None:
    """The active agent with these credentials, or None (same cost whether or not it exists)."""
    agent = await rt.store["agents"].find_one({"email": normalise_email(email)})
    ok = verify_password(agent["password_hash"] if agent else None, password)
    if not ok or agent is None or not agent.get("active", True):
        return None
    if needs_rehash(agent["password_hash"]):
        await rt.store["agents"].update_one(
            {"_id": agent["_id"]}, {"$set": {"password_hash": hash_password(password)}}
        )
    return agent


async def any_admin(rt: Runtime) -> bool:
    return await rt.store["agents"].find_one({"role": str(Role.ADMIN)}) is not None


async def ensure_first_admin(rt: Runtime) -> tuple[str, str | None] | None:
    """Create the first admin when there is none.

    Uses INBOX_ADMIN_EMAIL/INBOX_ADMIN_PASSWORD when set; on the embedded store with neither
    set, creates admin@example.com with a generated password. Returns (email, generated
    password or None), or None when an admin already existed or none could be created.
    """
    if await any_admin(rt):
        return None
    settings = rt.settings
    email, password = settings.admin_email, settings.admin_password
    generated = None
    if email and password:
        secret = password.get_secret_value()
    elif settings.embedded_store and not email and not password:
        email, secret = "admin@example.com", secrets.token_urlsafe(12)
        generated = secret
    else:
        return None
    await create(rt, AgentCreate(email=email, name="Admin", password=secret, role=Role.ADMIN))
    return email, generated
