"""Fields admins define (text, number, date, select) on tickets and on contacts: their
definitions, and the checking of the values agents, imports and rules give them."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel
from pymongo.errors import DuplicateKeyError

from inbox import clock
from inbox.errors import Conflict, Invalid
from inbox.ids import new_id
from inbox.runtime import Runtime


class FieldDefinitions:
    """The definitions kept in one collection; `prefix` names values in error details."""

    def __init__(self, collection: str, prefix: str) -> None:
        self.collection = collection
        self.prefix = prefix

    async def create(self, rt: Runtime, body: BaseModel) -> dict[str, Any]:
        values = body.model_dump()
        if values["type"] == "select" and not values["options"]:
            raise Invalid("A select field needs its options.")
        doc = {"_id": new_id(), **values, "created_at": clock.now()}
        try:
            await rt.store[self.collection].insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(f"A field with key {values['key']!r} already exists.") from None
        return doc

    async def list_all(self, rt: Runtime) -> list[dict[str, Any]]:
        return await rt.store[self.collection].find({}, sort=[("created_at", 1)]).to_list(None)

    async def delete(self, rt: Runtime, key: str) -> None:
        result = await rt.store[self.collection].delete_one({"key": key})
        if result.deleted_count == 0:
            raise Invalid(f"No custom field {key!r}.")

    async def clean(self, rt: Runtime, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        """Check values against the definitions; returns them in their stored form."""
        definitions = await self.list_all(rt)
        errors = self.problems(definitions, values, creating=creating)
        if errors:
            raise Invalid("Invalid custom field values.", errors)
        fields = {f["key"]: f for f in definitions}
        return {k: None if v is None else convert(fields[k], v) for k, v in values.items()}

    def problems(
        self, definitions: list[dict[str, Any]], values: dict[str, Any], *, creating: bool
    ) -> list[dict[str, str]]:
        """What is wrong with the values, as error details (empty when all is well)."""
        fields = {f["key"]: f for f in definitions}
        errors = [
            {"field": f"{self.prefix}.{k}", "message": "not defined"}
            for k in sorted(set(values) - set(fields))
        ]
        for key, value in values.items():
            if key not in fields or value is None:
                continue
            try:
                convert(fields[key], value)
            except (TypeError, ValueError) as error:
                errors.append({"field": f"{self.prefix}.{key}", "message": str(error)})
        if creating:
            errors += [
                {"field": f"{self.prefix}.{k}", "message": "required"}
                for k, f in fields.items()
                if f.get("required") and values.get(k) is None
            ]
        return errors


def convert(field: dict[str, Any], value: Any) -> Any:
    """The stored form of a value for a field, or ValueError saying what was expected."""
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
