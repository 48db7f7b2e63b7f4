"""Document ids: ObjectIds in the store, strings everywhere outside it."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId

from inbox.errors import NotFound


def new_id() -> ObjectId:
    return ObjectId()


def parse_id(value: str | ObjectId, what: str = "resource") -> ObjectId:
    """The ObjectId for an id from a URL or body; a malformed id is simply not found."""
    if isinstance(value, ObjectId):
        return value
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise NotFound(f"No {what} with id {value!r}.") from None


def maybe_id(value: str | None, what: str) -> ObjectId | None:
    return None if value is None else parse_id(value, what)


def str_id(value: ObjectId | None) -> str | None:
    return None if value is None else str(value)
