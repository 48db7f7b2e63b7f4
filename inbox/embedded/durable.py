"""Keeps the embedded store on disk: loads snapshot + journal at start, journals every write,
compacts in the background, and closes in well under a second whatever the store's size."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import time
from datetime import UTC
from pathlib import Path
from typing import Any

from bson import json_util
from mongomock import helpers
from mongomock.store import CollectionStore, DatabaseStore

from inbox.embedded import journal
from inbox.embedded.mongomock_hooks import keeper
from inbox.store import COLLECTIONS, Store

log = logging.getLogger(__name__)

STORE_DIR = "store"
LEGACY_SNAPSHOT = "store.json"


class DurableStore:
    """The journal and snapshot of one embedded store (the data dir's lock is held by the
    caller: one process per data dir)."""

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        fsync_every: float = 1.0,
        compact_bytes: int = 64 * 1024 * 1024,
        keep_journal: bool = True,
    ) -> None:
        self.store = store
        self.data_dir = data_dir
        self.directory = data_dir / STORE_DIR
        self.fsync_every = fsync_every
        self.compact_bytes = compact_bytes
        self.keep_journal = keep_journal
        self.journal: journal.Journal | None = None
        self._databases: DatabaseStore = store.db._store
        self._compacting: asyncio.Task[None] | None = None
        self._one_compaction = asyncio.Lock()
        self._replayed_bytes = 0
        """Journal bytes from before this start that no snapshot covers yet."""

    async def open(self) -> int:
        """Load what is on disk, then journal every write; returns how many documents."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        started = time.perf_counter()
        first, snapshot = journal.read_snapshot(self.directory)
        for change in snapshot:
            self._apply(change)
        replayed = journal.generations(self.directory)
        for generation in (g for g in replayed if g >= first):
            path = journal.journal_path(self.directory, generation)
            for change in journal.changes_of(journal.read_records(path)):
                self._apply(change)
            self._replayed_bytes += path.stat().st_size
        count = 0
        for collection in self._collections():
            keeper(collection).rebuild()
            count += len(collection._documents)
        gc.collect()
        gc.freeze()  # the loaded documents live on: keep the collector from walking them again
        log.info(
            "embedded store: %d documents loaded from %s in %.2f s",
            count,
            self.directory,
            time.perf_counter() - started,
        )
        if not self.keep_journal:
            log.warning("embedded store: the journal is off; nothing written from now on is kept")
            return count
        self.journal = journal.Journal(
            self.directory, max([first, *replayed]) + 1 if replayed else first, self.fsync_every
        )
        for collection in self._collections(also_declared=True):
            keeper(collection).journal = self
        count += await self._import_legacy_snapshot()
        return count

    def write(self, collection: str, changes: list[tuple[Any, dict[str, Any] | None]]) -> None:
        """Journal after-images (the hooks call this as each write operation ends)."""
        assert self.journal is not None
        self.journal.append(
            [
                journal.put_record(collection, doc)
                if doc is not None
                else journal.delete_record(collection, doc_id)
                for doc_id, doc in changes
            ]
        )
        if self._replayed_bytes + self.journal.bytes_written >= self.compact_bytes:
            with contextlib.suppress(RuntimeError):  # no running loop: compact at next start
                self.compact_soon()

    @property
    def problem(self) -> str | None:
        """Why the store cannot be trusted to keep changes right now (for /healthz)."""
        return self.journal.problem if self.journal is not None else None

    def dropped(self, collection: str) -> None:
        assert self.journal is not None
        self.journal.append([journal.drop_record(collection)])

    def compact_soon(self) -> None:
        if self._compacting is None or self._compacting.done():
            self._compacting = asyncio.get_running_loop().create_task(self.compact())

    async def compact(self) -> None:
        """A new snapshot of everything, then the journals it covers are removed.

        Documents are listed on the loop right after the journal is rotated; the thread
        encodes each one whole (BSON encoding does not release the GIL). A document changed
        after the rotation may be newer in the snapshot than at the rotation, which is
        harmless: its after-image is in the new journal and replays over it.
        """
        async with self._one_compaction:
            await self._compact()

    async def _compact(self) -> None:
        assert self.journal is not None
        started = time.perf_counter()
        first_kept = self.journal.rotate() + 1
        self._replayed_bytes = 0
        collections = {
            collection.name: list(collection._documents.values())
            for collection in self._collections()
        }
        size = await asyncio.to_thread(
            journal.write_snapshot, self.directory, first_kept, collections
        )
        for generation in journal.generations(self.directory):
            if generation < first_kept:
                os.remove(journal.journal_path(self.directory, generation))
        log.info(
            "embedded store: compacted into a %.1f MB snapshot in %.2f s",
            size / 1e6,
            time.perf_counter() - started,
        )

    async def close(self) -> None:
        """Wait for a compaction in progress, sync and close the journal."""
        if self._compacting is not None:
            await asyncio.shield(self._compacting)
        for collection in self._collections(also_declared=True):
            keeper(collection).journal = None
        if self.journal is not None:
            await asyncio.to_thread(self.journal.close)
            self.journal = None

    def _collections(self, also_declared: bool = False) -> list[CollectionStore]:
        names = set(self._databases._collections)
        if also_declared:
            names |= set(COLLECTIONS)
        return [self._databases[name] for name in sorted(names)]

    def _apply(self, change: journal.Change) -> None:
        """Replay one record straight into mongomock's storage (no hooks, no checks)."""
        documents = self._databases[change.collection]._documents
        if change.drop:
            documents.clear()
        elif change.doc is not None:
            documents[_key(change.doc["_id"])] = change.doc
        else:
            documents.pop(_key(change.doc_id), None)

    async def _import_legacy_snapshot(self) -> int:
        """A `store.json` from before the journal: load it once through the store (so it is
        journaled) and keep the file renamed."""
        legacy = self.data_dir / LEGACY_SNAPSHOT
        if not legacy.exists():
            return 0
        count = await load_json_snapshot(self.store, legacy)
        legacy.rename(legacy.with_suffix(".json.imported"))
        log.info("embedded store: imported %d documents from %s", count, legacy)
        return count


def _key(doc_id: Any) -> Any:
    return helpers.hashdict(doc_id) if isinstance(doc_id, dict) else doc_id


async def load_json_snapshot(store: Store, path: Path) -> int:
    """Fill the store from a `store.json` written by versions before the journal."""
    options = json_util.JSONOptions(tz_aware=True, tzinfo=UTC)
    text = await asyncio.to_thread(path.read_text)
    data: dict[str, list[dict[str, Any]]] = json_util.loads(text, json_options=options)
    count = 0
    for name, docs in data.items():
        if name in COLLECTIONS and docs:
            await store.db[name].insert_many(docs)
            count += len(docs)
    return count
