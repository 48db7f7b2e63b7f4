"""Opaque cursors for lists sorted by (a time, _id), newest or oldest first."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bson import ObjectId
from bson.errors import InvalidId

from inbox.errors import BadRequest

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


@dataclass(frozen=True)
class Position:
    """Where the previous page ended: its last item's sort value (a time or text) and id."""

    at: datetime | str
    id: ObjectId


def encode(at: datetime | str, item_id: ObjectId) -> str:
    value = ["d", at.isoformat()] if isinstance(at, datetime) else ["s", at]
    raw = json.dumps([*value, str(item_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None) -> Position | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, at, item_id = json.loads(base64.urlsafe_b64decode(padded))
        value = datetime.fromisoformat(at) if kind == "d" else str(at)
        return Position(value, ObjectId(item_id))
    except (ValueError, TypeError, InvalidId):
        raise BadRequest("The cursor is not one this server gave out.") from None


def after(
    field: str, position: Position | None, descending: bool, id_descending: bool | None = None
) -> dict[str, Any]:
    """The filter for items strictly after `position` in (field, _id) order."""
    if position is None:
        return {}
    op = "$lt" if descending else "$gt"
    id_op = op if id_descending is None else ("$lt" if id_descending else "$gt")
    return {
        "$or": [
            {field: {op: position.at}},
            {field: position.at, "_id": {id_op: position.id}},
        ]
    }


def page(
    docs: list[dict[str, Any]], limit: int, field: str
) -> tuple[list[dict[str, Any]], str | None]:
    """Trim the extra document fetched to learn whether a next page exists."""
    if len(docs) <= limit:
        return docs, None
    docs = docs[:limit]
    return docs, encode(docs[-1][field], docs[-1]["_id"])


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}.")
    return limit


class PageQuery(Protocol):
    limit: int | None
    cursor: str | None


Fetch = Callable[[Position | None, int], Awaitable[list[dict[str, Any]]]]


async def fetch_page(
    query: PageQuery, field: str, fetch: Fetch
) -> tuple[list[dict[str, Any]], str | None]:
    """One page for a list query: check its limit, read its cursor, fetch (the service returns
    up to `limit + 1` items, the extra one telling that more exist) and trim."""
    limit = clamp_limit(query.limit)
    return page(await fetch(decode(query.cursor), limit), limit, field)
