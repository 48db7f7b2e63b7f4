"""Custom ticket fields defined by admins (text, number, date, select) and their checking."""

from __future__ import annotations

from datetime import date
from typing import Any

from pymongo.errors import DuplicateKeyError

from inbox import clock
from inbox.errors import Conflict, Invalid
from inbox.ids import new_id
from inbox.models.tickets import TicketFieldCreate
from inbox.runtime import Runtime


async def create(rt: Runtime, body: TicketFieldCreate) -> dict[str, Any]:
    if body.type == "select" and not body.options:
        raise Invalid("A select field needs its options.")
    doc = {"_id": new_id(), **body.model_dump(), "created_at": clock.now()}
    try:
        await rt.store["ticket_fields"].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"A field with key {body.key!r} already exists.") from None
    return doc


async def list_all(rt: Runtime) -> list[dict[str, Any]]:
    return await rt.store["ticket_fields"].find({}, sort=[("created_at", 1)]).to_list(None)


async def delete(rt: Runtime, key: str) -> None:
    result = await rt.store["ticket_fields"].delete_one({"key": key})
    if result.deleted_count == 0:
        raise Invalid(f"No custom field {key!r}.")


async def clean(rt: Runtime, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Check values against the defined fields; returns them in their stored form."""
    fields = {f["key"]: f for f in await list_all(rt)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise Invalid(
            f"Unknown custom fields: {', '.join(unknown)}.",
            [{"field": f"custom.{k}", "message": "not defined"} for k in unknown],
        )
    cleaned: dict[str, Any] = {}
    errors = []
    for key, value in values.items():
        try:
            cleaned[key] = None if value is None else _convert(fields[key], value)
        except (TypeError, ValueError) as error:
            errors.append({"field": f"custom.{key}", "message": str(error)})
    if creating:
        errors += [
            {"field": f"custom.{k}", "message": "required"}
            for k, f in fields.items()
            if f["required"] and cleaned.get(k) is None
        ]
    if errors:
        raise Invalid("Invalid custom field values.", errors)
    return cleaned


def _convert(field: dict[str, Any], value: Any) -> Any:
    kind = field["type"]
    if kind == "text":
        if not isinstance(value, str) or len(value) > 1000:
            raise ValueError("expected text (1000 characters at most)")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("expected a number")
        return value
    if kind == "date":
        return date.fromisoformat(str(value)).isoformat()
    if value not in field["options"]:
        raise ValueError(f"expected one of {field['options']}")
    return value
