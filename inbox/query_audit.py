"""Records the shape of every store query and says which ones no declared index serves.

A shape is the collection, the filter's field names (each `$or` branch separately) and the
sort fields. An index serves it when its first field is filtered on and it holds every sort
field, or when the filter is empty and the index starts with the sort field. Exact `_id`
lookups are always served; collections declared `small` may be read whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

READ_WRITE_METHODS = (
    "find_one",
    "find_one_and_update",
    "find_one_and_delete",
    "find_one_and_replace",
    "update_one",
    "update_many",
    "delete_one",
    "delete_many",
    "replace_one",
    "count_documents",
)


class _IndexLike(Protocol):
    @property
    def fields(self) -> tuple[str, ...]: ...


class _SpecLike(Protocol):
    indexes: list[Any]
    small: bool


@dataclass(frozen=True)
class QueryShape:
    collection: str
    fields: frozenset[str]
    sort: tuple[str, ...] = ()
    by_id: bool = False
    """The filter names exact `_id` values, so the primary key serves it."""

    def __str__(self) -> str:
        return f"{self.collection}: filter {sorted(self.fields)} sort {list(self.sort)}"


def shapes_of(collection: str, query: Mapping[str, Any] | None, sort: Any) -> list[QueryShape]:
    """The shapes one query needs served: one per branch of its `$or`s (within `$and`s too)."""
    sort_fields = tuple(_sort_fields(sort))
    by_id = _is_id_lookup((query or {}).get("_id", {"$gt": None}))
    return [QueryShape(collection, branch, sort_fields, by_id) for branch in _branches(query or {})]


def _branches(query: Mapping[str, Any]) -> list[frozenset[str]]:
    branches = [frozenset(k for k in query if not k.startswith("$"))]
    for clause in query.get("$and", []):
        branches = [b | c for b in branches for c in _branches(clause)]
    if query.get("$or"):
        alternatives = [alt for clause in query["$or"] for alt in _branches(clause)]
        branches = [b | alt for b in branches for alt in alternatives]
    return branches


def _is_id_lookup(value: Any) -> bool:
    return not isinstance(value, Mapping) or set(value) <= {"$eq", "$in"}


def _sort_fields(sort: Any) -> Iterable[str]:
    if not sort:
        return []
    if isinstance(sort, str):
        return [sort]
    return [item if isinstance(item, str) else item[0] for item in sort]


def is_served(shape: QueryShape, spec: _SpecLike) -> bool:
    if shape.by_id or spec.small:
        return True
    fields = shape.fields - {"_id"}
    sort_needed = set(shape.sort) - {"_id"}
    if not fields:  # a walk in sort order, served by _id or by an index led by the sort field
        return bool(shape.sort) and (
            not sort_needed or any(index.fields[0] == shape.sort[0] for index in spec.indexes)
        )
    return any(
        index.fields[0] in fields and sort_needed <= set(index.fields) for index in spec.indexes
    )


class QueryAudit:
    """Collects query shapes; `unserved()` lists those no declared index serves."""

    def __init__(
        self,
        specs: Mapping[str, _SpecLike],
        on_unserved: Callable[[QueryShape], None] | None = None,
    ) -> None:
        self.specs = specs
        self.on_unserved = on_unserved
        self.seen: set[QueryShape] = set()

    def record(self, collection: str, query: Mapping[str, Any] | None, sort: Any = None) -> None:
        for shape in shapes_of(collection, query, sort):
            if shape in self.seen:
                continue
            self.seen.add(shape)
            if self.on_unserved is not None and not is_served(shape, self.specs[collection]):
                self.on_unserved(shape)

    def unserved(self) -> list[QueryShape]:
        return sorted((s for s in self.seen if not is_served(s, self.specs[s.collection])), key=str)


class AuditedCollection:
    """A motor collection that reports each query's shape before running it."""

    def __init__(self, collection: Any, name: str, audit: QueryAudit) -> None:
        self._collection = collection
        self._name = name
        self._audit = audit

    def __getattr__(self, attr: str) -> Any:
        target = getattr(self._collection, attr)
        if attr in READ_WRITE_METHODS:
            return self._recording(target)
        return target

    def _recording(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(query: Mapping[str, Any] | None = None, *args: Any, **kwargs: Any) -> Any:
            self._audit.record(self._name, query, kwargs.get("sort"))
            return method(query, *args, **kwargs)

        return call

    def find(self, query: Mapping[str, Any] | None = None, *args: Any, **kwargs: Any) -> Any:
        self._audit.record(self._name, query, kwargs.get("sort"))
        return self._collection.find(query, *args, **kwargs)

    def aggregate(self, pipeline: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
        first = pipeline[0] if pipeline else {}
        self._audit.record(self._name, first.get("$match", {}))
        return self._collection.aggregate(pipeline, *args, **kwargs)

    def distinct(self, key: str, query: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        self._audit.record(self._name, query)
        return self._collection.distinct(key, query, **kwargs)
