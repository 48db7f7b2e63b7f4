"""In-memory hash indexes for the embedded store: for each field of a declared index, which
documents hold which value, so an equality filter reads a few candidates instead of the whole
collection.

A lookup answers a *superset* of the matching documents; the caller still applies the whole
filter to each candidate, so results are exactly a scan's. Documents whose value at a field
cannot be keyed (sub-documents, decimals, nested arrays) are kept apart and always included.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from bson import ObjectId

UNKEYED = object()
"""The bucket of documents whose value at a field is not a plain scalar."""

_KEYABLE = (str, int, float, ObjectId, uuid.UUID, type(None))


def key_of(value: Any) -> Any:
    """The bucket a value belongs to; UNKEYED for anything equality cannot bucket safely."""
    if isinstance(value, datetime):  # stored naive UTC with millisecond precision
        if value.tzinfo is not None:
            offset = value.utcoffset()
            value = (value - offset if offset else value).replace(tzinfo=None)
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    if isinstance(value, _KEYABLE) and value == value:  # NaN is not equal to itself
        return value
    return UNKEYED


def values_at(value: Any, parts: list[str]) -> Iterator[Any]:
    """Every value a dotted path reaches, arrays walked as MongoDB does; None where missing."""
    if not parts:
        if isinstance(value, list):
            yield from value if value else ()
        else:
            yield value
        return
    head, rest = parts[0], parts[1:]
    if isinstance(value, Mapping):
        yield from values_at(value[head], rest) if head in value else (None,)
    elif isinstance(value, list):
        if head.isdigit() and int(head) < len(value):
            yield from values_at(value[int(head)], rest)
        for item in value:
            yield from values_at(item, parts) if isinstance(item, Mapping) else (None,)
        if not value:
            yield None
    else:
        yield None


class ValueMaps:
    """The buckets of one collection: field -> key -> ids, and what each id is filed under."""

    def __init__(self) -> None:
        self.maps: dict[str, dict[Any, set[Any]]] = {}
        self._filed: dict[Any, list[tuple[str, Any]]] = {}

    def add_field(self, field: str, documents: Mapping[Any, dict[str, Any]]) -> None:
        """Start keeping a field (a declared index's); files the documents already stored."""
        if field in self.maps:
            return
        self.maps[field] = {}
        for doc_id, doc in documents.items():
            self._file(doc_id, doc, [field])

    def knows(self, doc_id: Any) -> bool:
        """Whether the document was filed (it existed at the last re-index)."""
        return doc_id in self._filed

    def reindex(self, doc_id: Any, doc: dict[str, Any] | None) -> None:
        """File a document again after a change (None: it was deleted)."""
        for field, key in self._filed.pop(doc_id, ()):
            bucket = self.maps[field].get(key)
            if bucket is not None:
                bucket.discard(doc_id)
                if not bucket:
                    del self.maps[field][key]
        if doc is not None:
            self._file(doc_id, doc, list(self.maps))

    def clear(self) -> None:
        self.maps = {field: {} for field in self.maps}
        self._filed = {}

    def _file(self, doc_id: Any, doc: dict[str, Any], fields: Iterable[str]) -> None:
        filed = self._filed.setdefault(doc_id, [])
        for field in fields:
            keys = {key_of(v) for v in values_at(doc, field.split("."))} or {UNKEYED}
            for key in keys:
                self.maps[field].setdefault(key, set()).add(doc_id)
                filed.append((field, key))

    def candidates(self, filter_: Any) -> set[Any] | None:
        """Ids that may match `filter_`, or None when no kept field narrows it. Only the
        narrowest condition's buckets are copied, so a large bucket costs nothing."""
        parts = self._narrowest(filter_)
        return None if parts is None else set().union(*parts)

    def _narrowest(self, filter_: Any) -> list[set[Any]] | None:
        if not isinstance(filter_, Mapping):
            return None
        best: list[set[Any]] | None = None
        for field, condition in filter_.items():
            if field == "$and" and isinstance(condition, list):
                found = [p for p in map(self._narrowest, condition) if p is not None]
                parts = min(found, key=_size) if found else None
            elif field == "$or" and isinstance(condition, list) and condition:
                found = [self._narrowest(part) for part in condition]
                parts = None if any(f is None for f in found) else [s for f in found for s in f]
            elif field in self.maps:
                parts = self._buckets(self.maps[field], condition)
            else:
                continue
            if parts is not None and (best is None or _size(parts) < _size(best)):
                best = parts
        return best

    @staticmethod
    def _buckets(buckets: dict[Any, set[Any]], condition: Any) -> list[set[Any]] | None:
        """The buckets holding every document that may satisfy `condition` on one field."""
        unkeyed = buckets.get(UNKEYED, set())
        if isinstance(condition, Mapping):
            if "$eq" in condition:
                wanted = [condition["$eq"]]
            elif isinstance(condition.get("$in"), list | tuple):
                wanted = list(condition["$in"])
            elif isinstance(condition.get("$all"), list | tuple) and condition["$all"]:
                keys = [key_of(v) for v in condition["$all"]]
                if UNKEYED in keys:
                    return None
                return [min((buckets.get(k, set()) for k in keys), key=len), unkeyed]
            else:
                return None
        else:
            wanted = [condition]
        keys = [key_of(v) for v in wanted]
        if UNKEYED in keys:
            return None
        return [buckets.get(key, set()) for key in keys] + [unkeyed]


def _size(parts: list[set[Any]]) -> int:
    return sum(len(part) for part in parts)
