"""The ticket lists agents work from: filters, search, the default order, saved views."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pydantic import ValidationError
from pymongo.errors import DuplicateKeyError

from inbox import clock, search
from inbox.auth import Principal
from inbox.errors import Conflict, Invalid
from inbox.ids import new_id, parse_id
from inbox.models.common import Priority
from inbox.models.tickets import OPEN_TICKET_STATUSES, TicketQuery, TicketStatus, ViewCreate
from inbox.pagination import Position, after
from inbox.runtime import Runtime
from inbox.visibility import ticket_filter


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _filter(query: TicketQuery, principal: Principal) -> dict[str, Any]:
    conditions: dict[str, Any] = {}
    statuses = _split(query.status) if query.status else ["open"]
    if statuses != ["all"]:
        wanted = [s for v in statuses for s in (OPEN_TICKET_STATUSES if v == "open" else [v])]
        unknown = set(wanted) - set(TicketStatus)
        if unknown:
            raise Invalid(
                f"Unknown status {sorted(unknown)}; use {[str(s) for s in TicketStatus]}, "
                "open or all."
            )
        conditions["status"] = {"$in": wanted}
    if query.priority:
        wanted = _split(query.priority)
        if set(wanted) - set(Priority):
            raise Invalid(f"Unknown priority in {wanted}.")
        conditions["priority"] = {"$in": wanted}
    view = query.view or ("mine" if not (query.assignee or query.team) else "all")
    if query.assignee == "none":
        conditions["assignee_ids"] = []
    elif query.assignee:
        conditions["assignee_ids"] = (
            principal.id if query.assignee == "me" else parse_id(query.assignee, "agent")
        )
    elif view == "mine":
        conditions["assignee_ids"] = principal.id
    if query.team:
        conditions["team_id"] = None if query.team == "none" else parse_id(query.team, "team")
    elif view == "team":
        conditions["team_id"] = {"$in": list(principal.team_ids)}
    for name, field in (
        ("category", "category_ids"),
        ("channel", "channel_id"),
        ("contact", "contact_id"),
    ):
        value = getattr(query, name)
        if value:
            conditions[field] = parse_id(value, name)
    if query.tag:
        conditions["tags"] = query.tag
    if query.created_from or query.created_to:
        conditions["created_at"] = {
            **({"$gte": query.created_from} if query.created_from else {}),
            **({"$lt": query.created_to} if query.created_to else {}),
        }
    if query.q:
        words = search.query_terms(query.q)
        if words:
            conditions["search_terms"] = {"$all": words}
    return conditions


async def page(
    rt: Runtime, principal: Principal, query: TicketQuery, position: Position | None, limit: int
) -> list[dict[str, Any]]:
    """Up to limit+1 tickets: due soonest first, then by priority, then the newest."""
    clauses = [c for c in (ticket_filter(principal), after("rank", position, False, True)) if c]
    mongo_query = {**_filter(query, principal), **({"$and": clauses} if clauses else {})}
    cursor = rt.store["tickets"].find(mongo_query, sort=[("rank", 1), ("_id", -1)], limit=limit + 1)
    return await cursor.to_list(None)


# ---- saved views ----------------------------------------------------------------------------


async def save_view(rt: Runtime, principal: Principal, body: ViewCreate) -> dict[str, Any]:
    try:  # a view must be a list the API would accept
        _filter(TicketQuery.model_validate(body.query), principal)
    except ValidationError as error:
        fields = ", ".join(str(e["loc"][0]) for e in error.errors())
        raise Invalid(f"The view's query is not a ticket list query ({fields}).") from None
    doc = {
        "_id": new_id(),
        "agent_id": principal.id,
        "name": body.name.strip(),
        "query": body.query,
        "created_at": clock.now(),
    }
    try:
        await rt.store["ticket_views"].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"You already have a view named {doc['name']!r}.") from None
    return doc


async def views(rt: Runtime, principal: Principal) -> list[dict[str, Any]]:
    cursor = rt.store["ticket_views"].find({"agent_id": principal.id}, sort=[("name", 1)])
    return await cursor.to_list(None)


async def delete_view(rt: Runtime, principal: Principal, view_id: ObjectId) -> None:
    await rt.store.get("ticket_views", view_id, "view", {"agent_id": principal.id})
    await rt.store["ticket_views"].delete_one({"_id": view_id})
