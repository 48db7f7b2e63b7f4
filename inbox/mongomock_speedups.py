"""Two shortcuts for the embedded store, with results identical to mongomock's own.

mongomock answers every query by scanning the whole collection:
- `_id` lookups: most hot queries name the `_id` (events in the worker, conversations and
  messages by id), so for a plain top-level `_id` value (or `$in` list) we start from
  mongomock's id map and still apply the whole filter to those candidates;
- unique checks: after every insert and update it scans for duplicates of each unique index,
  even when the document lies outside a partial index, or an update left the indexed values
  as they were, and so cannot collide; we skip those;
- TTL indexes: it scans a collection for expired documents on every access; like MongoDB's
  TTL monitor, we remove them at most once a minute per collection.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from time import monotonic
from typing import Any

from mongomock import DuplicateKeyError, helpers
from mongomock.collection import Collection
from mongomock.filtering import filter_applies
from mongomock.store import CollectionStore

TTL_EVERY = 60.0
"""Seconds between removals of expired documents (MongoDB's TTL monitor runs every 60 s)."""

_patched = False


def _candidate_ids(filter_: Any) -> list[Any] | None:
    if not isinstance(filter_, Mapping) or "_id" not in filter_:
        return None
    wanted = filter_["_id"]
    if isinstance(wanted, Mapping):
        if set(wanted) == {"$in"} and isinstance(wanted["$in"], list | tuple):
            ids = list(wanted["$in"])
        elif set(wanted) == {"$eq"}:
            ids = [wanted["$eq"]]
        else:
            return None
    else:
        ids = [wanted]
    try:
        return [i for i in ids if hash(i) is not None]
    except TypeError:  # unhashable ids (documents as _id): scan
        return None


def install() -> None:
    global _patched
    if _patched:
        return
    scan = Collection._iter_documents

    def iter_documents(self: Collection, filter_: Any) -> Iterator[dict[str, Any]]:
        ids = _candidate_ids(filter_)
        if ids is None:
            return scan(self, filter_)
        found = [self._store[i] for i in ids if i in self._store]
        return (doc for doc in found if filter_applies(filter_, doc))

    Collection._iter_documents = iter_documents  # type: ignore[method-assign]
    Collection._ensure_uniques = _ensure_uniques  # type: ignore[method-assign]
    update = Collection._update

    def update_remembering(
        self: Collection, spec: Any, document: Any, *args: Any, **kw: Any
    ) -> Any:
        """Note the unique-indexed values of the documents an update will change."""
        before = (
            {doc["_id"]: _unique_values(self, doc) for doc in self._iter_documents(spec)}
            if _unique_indexes(self)
            else {}
        )
        token = _before_update.set(before)
        try:
            return update(self, spec, document, *args, **kw)
        finally:
            _before_update.reset(token)

    Collection._update = update_remembering  # type: ignore[method-assign]
    expire = CollectionStore._remove_expired_documents

    def remove_expired_documents(self: CollectionStore) -> None:
        if not self._ttl_indexes or monotonic() < getattr(self, "_next_expiry", 0.0):
            return
        self._next_expiry = monotonic() + TTL_EVERY
        expire(self)

    CollectionStore._remove_expired_documents = remove_expired_documents  # type: ignore[method-assign]
    _patched = True


_before_update: ContextVar[dict[Any, dict[str, dict[str, Any]]] | None] = ContextVar(
    "before_update", default=None
)
"""During an update: each changed document's unique-indexed values before the change."""


def _unique_indexes(self: Collection) -> list[tuple[str, dict[str, Any]]]:
    return [(name, i) for name, i in self._store.indexes.items() if i.get("unique")]


def _index_values(index: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for key, _ in index.get("key"):
        try:
            values[key] = helpers.get_value_by_dot(doc, key)
        except KeyError:
            values[key] = None
    return values


def _unique_values(self: Collection, doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: copy.deepcopy(_index_values(i, doc)) for name, i in _unique_indexes(self)}


def _ensure_uniques(self: Collection, new_data: dict[str, Any]) -> None:
    """mongomock's check (new_data is already stored), minus indexes that exclude new_data
    and indexes whose values an update left unchanged (the document was valid before)."""
    before = (_before_update.get() or {}).get(new_data.get("_id"))
    for name, index in _unique_indexes(self):
        partial = index.get("partialFilterExpression")
        if partial is not None and not filter_applies(partial, new_data):
            continue  # outside the partial index: it cannot collide with anything
        values = _index_values(index, new_data)
        if before is not None and before.get(name) == values:
            continue  # unchanged by this update
        if index.get("sparse") and set(values.values()) == {None}:
            continue
        query = values if partial is None else {"$and": [partial, values]}
        if len(list(self._iter_documents(query))) > 1:
            raise DuplicateKeyError("E11000 Duplicate Key Error", 11000)
