"""Makes `_id` lookups on the embedded store O(1).

mongomock answers every query by scanning the whole collection, even `{"_id": x}`. Most of
our hot queries name the `_id` (events in the worker, conversations, messages by id), so for
filters with a plain top-level `_id` value (or `$in` list) we start from mongomock's own id map
and still apply the whole filter to those candidates: results are the same as a scan.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mongomock.collection import Collection
from mongomock.filtering import filter_applies

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
    _patched = True
