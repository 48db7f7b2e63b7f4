"""Canned responses: text agents insert from the composer by typing its shortcode (`/refund`),
with the rule templates' placeholders filled for the conversation or ticket at hand. Global
ones are for everybody; a team's are for its members (admins see all)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from bson import ObjectId
from pydantic import BaseModel, ConfigDict, Field
from pymongo.errors import DuplicateKeyError

from automations.rules import fields, templates
from inbox import clock
from inbox.auth import Principal
from inbox.errors import Conflict, Invalid
from inbox.ids import new_id, parse_id
from inbox.models.common import Partial
from inbox.runtime import Runtime

SHORTCODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")


class CannedBody(Partial):
    """A canned response as the API takes it; on PATCH only the fields given change."""

    nullable: ClassVar[frozenset[str]] = frozenset({"team_id"})

    model_config = ConfigDict(extra="forbid")

    shortcode: str | None = Field(default=None, examples=["refund"])
    title: str | None = Field(default=None, min_length=1, max_length=80)
    text: str | None = Field(default=None, description="may use {{contact.name}} and the rest")
    team_id: str | None = Field(default=None, description="null: for everybody")


class RenderFor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: str | None = None
    ticket_id: str | None = None


async def _validated(
    rt: Runtime, body: CannedBody, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    merged = {**(current or {}), **given}
    problems: list[dict[str, str]] = []
    if not SHORTCODE.match(merged.get("shortcode") or ""):
        message = "1 to 30 of a-z, 0-9, - and _, starting with a letter or digit"
        problems.append({"field": "shortcode", "message": message})
    if not merged.get("title"):
        problems.append({"field": "title", "message": "required"})
    problems.extend(templates.check(merged.get("text"), "text"))
    team_id = given.get("team_id")
    if team_id is not None:
        valid = ObjectId.is_valid(team_id)
        if not valid or await rt.store["teams"].find_one({"_id": ObjectId(team_id)}) is None:
            problems.append({"field": "team_id", "message": f"no team {team_id}"})
    if problems:
        names = ", ".join(sorted({p["field"] for p in problems}))
        raise Invalid(f"The canned response is not valid: {names}.", problems, code="invalid")
    if "team_id" in given:
        given["team_id"] = ObjectId(team_id) if team_id else None
    return given


async def create(rt: Runtime, body: CannedBody, author_id: ObjectId | None) -> dict[str, Any]:
    doc = {
        "_id": new_id(),
        "team_id": None,
        **await _validated(rt, body),
        "created_by": author_id,
        "created_at": clock.now(),
    }
    try:
        await rt.store["canned_responses"].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"The shortcode /{doc['shortcode']} is taken.") from None
    return doc


async def update(rt: Runtime, canned: dict[str, Any], body: CannedBody) -> dict[str, Any]:
    changes = await _validated(rt, body, canned)
    try:
        await rt.store["canned_responses"].update_one({"_id": canned["_id"]}, {"$set": changes})
    except DuplicateKeyError:
        raise Conflict(f"The shortcode /{changes['shortcode']} is taken.") from None
    return {**canned, **changes}


async def delete(rt: Runtime, canned: dict[str, Any]) -> None:
    await rt.store["canned_responses"].delete_one({"_id": canned["_id"]})


async def get_visible(rt: Runtime, canned_id: str, principal: Principal) -> dict[str, Any]:
    also = {} if principal.is_admin else {"team_id": {"$in": [*principal.team_ids, None]}}
    oid = parse_id(canned_id, "canned response")
    return await rt.store.get("canned_responses", oid, "canned response", also)


async def visible(rt: Runtime, principal: Principal) -> list[dict[str, Any]]:
    """The global ones and those of the agent's teams (all, for admins), by shortcode."""
    found = await rt.store["canned_responses"].find({}, sort=[("shortcode", 1)]).to_list(None)
    teams = set(principal.team_ids)
    return [c for c in found if principal.is_admin or c["team_id"] is None or c["team_id"] in teams]


async def render(
    rt: Runtime, canned: dict[str, Any], where: RenderFor, principal: Principal
) -> str:
    """The text with its placeholders filled for this conversation or ticket, as this agent."""
    event = await fields.event_about(
        rt,
        principal,
        "canned.render",
        ticket_id=where.ticket_id,
        conversation_id=where.conversation_id,
    )
    context = await fields.context_for(rt, event)
    return await templates.fill(rt, canned["text"], context, {"agent.name": principal.name})


def view(canned: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(canned["_id"]),
        "shortcode": canned["shortcode"],
        "title": canned["title"],
        "text": canned["text"],
        "team_id": str(canned["team_id"]) if canned["team_id"] else None,
    }
