"""Hooks at mongomock's storage layer that make the embedded store durable and its cost flat,
with query results identical to mongomock's own.

- Every write path (insert, update, upsert, replace, find-and-modify, delete, TTL expiry,
  drop) ends in `CollectionStore.__setitem__`/`__delitem__` or changes a stored document in
  place inside `Collection._update`. Each such document is marked as touched; when the
  outermost write operation returns, touched documents are re-filed in the value maps and
  their after-images (or deletions) go to the journal in one write, before the caller (and
  so the HTTP request) goes on.
- Lookups: a plain `_id` (or `$in`, `$eq`) starts from the id map; an equality on a field of
  a declared index starts from its value map (`inbox.embedded.indexes`); documents touched by
  the write in progress are always added. The whole filter is then applied to each candidate,
  in the collection's natural (insertion) order, so answers are exactly a scan's.
- Unique checks skip documents outside a partial index and updates that left the indexed
  values as they were; TTL indexes are swept at most once a minute, like MongoDB's monitor.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from time import monotonic
from typing import Any, Protocol

from mongomock import DuplicateKeyError, helpers
from mongomock.collection import Collection
from mongomock.filtering import filter_applies
from mongomock.store import CollectionStore

from inbox.embedded.indexes import ValueMaps

TTL_EVERY = 60.0
"""Seconds between removals of expired documents (MongoDB's TTL monitor runs every 60 s)."""


class JournalSink(Protocol):
    def write(self, collection: str, changes: list[tuple[Any, dict[str, Any] | None]]) -> None:
        """Record after-images (None: deleted) before the write that made them returns."""

    def dropped(self, collection: str) -> None: ...


class Keeper:
    """What the hooks keep beside one mongomock collection."""

    def __init__(self, store: CollectionStore) -> None:
        self.store = store
        self.values = ValueMaps()
        self.order: dict[Any, int] = {}
        self.next_position = 0
        self.touched: dict[Any, None] = {}
        self.journal: JournalSink | None = None
        for index in store.indexes.values():
            self.add_index(index)

    def add_index(self, index: dict[str, Any]) -> None:
        for field, _ in index.get("key", ()):
            self.values.add_field(field, self.store._documents)

    def touch(self, doc_id: Any) -> None:
        if doc_id not in self.order and doc_id in self.store._documents:
            self.order[doc_id] = self.next_position
            self.next_position += 1
        self.touched[doc_id] = None
        _writes.touched.add(self)

    def flush(self) -> None:
        """Re-file touched documents and journal their after-images."""
        if not self.touched:
            return
        documents = self.store._documents
        changes: list[tuple[Any, dict[str, Any] | None]] = []
        for doc_id in self.touched:
            doc = documents.get(doc_id)
            known = self.values.knows(doc_id)
            self.values.reindex(doc_id, doc)
            if doc is None:
                self.order.pop(doc_id, None)
                if not known:
                    continue  # inserted and refused within one write: nothing to record
            changes.append((doc_id, doc))
        self.touched = {}
        if self.journal is not None and changes:
            self.journal.write(self.store.name, changes)

    def rebuild(self) -> None:
        """File every stored document afresh (after a load that bypassed the hooks)."""
        self.values.clear()
        self.order = {}
        self.next_position = 0
        for doc_id, doc in self.store._documents.items():
            self.order[doc_id] = self.next_position
            self.next_position += 1
            self.values.reindex(doc_id, doc)

    def candidates(self, filter_: Any) -> list[Any] | None:
        """Ids that may match, in natural order; None when the filter needs a scan."""
        ids = _ids_named(filter_)
        if ids is None:
            ids = self.values.candidates(filter_)
            if ids is None:
                return None
        found = [i for i in {*ids, *self.touched} if i in self.store._documents]
        return sorted(found, key=lambda i: self.order.get(i, self.next_position))


class _Writes(threading.local):
    depth = 0
    touched: set[Keeper]

    def __init__(self) -> None:
        self.touched = set()


_writes = _Writes()
_patched = False


def keeper(store: CollectionStore) -> Keeper:
    found = store.__dict__.get("_inbox_keeper")
    if found is None:
        found = store.__dict__["_inbox_keeper"] = Keeper(store)
    return found


def _ids_named(filter_: Any) -> list[Any] | None:
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


def _store_key(doc_id: Any) -> Any:
    return helpers.hashdict(doc_id) if isinstance(doc_id, dict) else doc_id


def _write_operation(method: Callable[..., Any]) -> Callable[..., Any]:
    """Flush touched documents when the outermost write operation ends (even on error)."""

    def operation(*args: Any, **kwargs: Any) -> Any:
        _writes.depth += 1
        try:
            return method(*args, **kwargs)
        finally:
            _writes.depth -= 1
            if _writes.depth == 0:
                touched, _writes.touched = _writes.touched, set()
                for each in touched:
                    each.flush()

    return operation


def install() -> None:
    global _patched
    if _patched:
        return
    _patched = True
    _install_storage_hooks()
    _install_lookups()


def _install_storage_hooks() -> None:
    set_item, del_item = CollectionStore.__setitem__, CollectionStore.__delitem__
    create_index, drop = CollectionStore.create_index, CollectionStore.drop

    def setitem(self: CollectionStore, key: Any, value: Any) -> None:
        set_item(self, key, value)
        keeper(self).touch(key)

    def delitem(self: CollectionStore, key: Any) -> None:
        del_item(self, key)
        keeper(self).touch(key)

    def create_index_keeping(self: CollectionStore, name: str, index: dict[str, Any]) -> None:
        create_index(self, name, index)
        keeper(self).add_index(index)

    def drop_keeping(self: CollectionStore) -> None:
        drop(self)
        kept = keeper(self)
        kept.touched = {}
        kept.rebuild()
        if kept.journal is not None:
            kept.journal.dropped(self.name)

    CollectionStore.__setitem__ = setitem  # type: ignore[method-assign]
    CollectionStore.__delitem__ = delitem  # type: ignore[method-assign]
    CollectionStore.create_index = create_index_keeping  # type: ignore[method-assign]
    CollectionStore.drop = drop_keeping  # type: ignore[method-assign]
    expire = CollectionStore._remove_expired_documents

    def remove_expired_documents(self: CollectionStore) -> None:
        if not self._ttl_indexes or monotonic() < getattr(self, "_next_expiry", 0.0):
            return
        self._next_expiry = monotonic() + TTL_EVERY
        expire(self)

    CollectionStore._remove_expired_documents = _write_operation(remove_expired_documents)  # type: ignore[method-assign]

    for name in ("_apply_update_document", "_apply_update_pipeline"):
        setattr(Collection, name, _touching(getattr(Collection, name)))
    for name in ("_insert", "_delete"):
        setattr(Collection, name, _write_operation(getattr(Collection, name)))


def _touching(apply: Callable[..., Any]) -> Callable[..., Any]:
    """An update changes the stored document in place: mark it before it changes."""

    def touched_first(self: Collection, existing_document: dict[str, Any], *args: Any) -> Any:
        keeper(self._store).touch(_store_key(existing_document.get("_id")))
        return apply(self, existing_document, *args)

    return touched_first


def _install_lookups() -> None:
    scan = Collection._iter_documents

    def iter_documents(self: Collection, filter_: Any) -> Iterator[dict[str, Any]]:
        store = self._store
        if store.is_empty:  # validates the filter, as mongomock does, and sweeps TTL
            filter_applies(filter_, {})
        ids = keeper(store).candidates(filter_)
        if ids is None:
            return scan(self, filter_)
        documents = store._documents
        return (documents[i] for i in ids if filter_applies(filter_, documents[i]))

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

    Collection._update = _write_operation(update_remembering)  # type: ignore[method-assign]


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
