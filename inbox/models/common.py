"""What every other model module builds on: request bodies, pages, priorities."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator


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


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
