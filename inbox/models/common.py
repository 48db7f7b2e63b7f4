"""What every other model module builds on: request bodies, pages, priorities."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler, ValidationInfo, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Body(BaseModel):
    """Request bodies refuse unknown fields, so a typo is an error rather than ignored."""

    model_config = ConfigDict(extra="forbid")


class Partial(BaseModel):
    """A body whose absent fields keep the current value (PATCH, and bodies shared by create
    and update). An explicit null is refused with a 422 naming the field, unless the field is
    listed in `nullable`, where null means "clear it"; so a null never reaches the store in
    place of a required value."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_it_clears(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("null is not allowed here; leave the field out to keep its value")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The OpenAPI document says the same: null only where it clears."""
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        for name, field in target.get("properties", {}).items():
            if name in cls.nullable or "anyOf" not in field:
                continue
            kept = [option for option in field["anyOf"] if option.get("type") != "null"]
            field.pop("anyOf")
            field.pop("default", None)
            if len(kept) == 1:
                field.update(kept[0])
            else:
                field["anyOf"] = kept
        return schema


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
