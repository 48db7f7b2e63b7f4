"""The embedded store's files: an append-only journal of after-images and a snapshot.

A record is `length (4 bytes) | CRC-32 of the body (4 bytes) | body (BSON)`; the body is
`{"c": collection, "d": document}` (a put), `{"c", "i": id}` (a delete) or `{"c", "x": 1}`
(a drop). Records are written with `os.write` as each change happens, so a killed process
loses nothing the kernel has; a background thread calls `fsync` at least once a second (like
Redis's `appendfsync everysec`), so a power cut loses at most about a second.

Files (0600) under `<data dir>/store/`: `journal-<generation>.log`, and `snapshot.bson` whose
first record names the first generation to replay after it. Compaction rotates the journal,
writes a new snapshot beside the old one, syncs it, renames it over, and only then deletes
the journals the snapshot covers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bson

log = logging.getLogger(__name__)

HEADER = struct.Struct("<II")
SNAPSHOT = "snapshot.bson"
JOURNAL_PREFIX = "journal-"
FILE_MODE = 0o600


def encode(body: dict[str, Any]) -> bytes:
    payload = bson.encode(body)
    return HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def put_record(collection: str, doc: dict[str, Any]) -> bytes:
    return encode({"c": collection, "d": doc})


def delete_record(collection: str, doc_id: Any) -> bytes:
    return encode({"c": collection, "i": doc_id})


def drop_record(collection: str) -> bytes:
    return encode({"c": collection, "x": 1})


@dataclass(frozen=True)
class Change:
    """One record read back: a put (doc), a delete (doc_id) or a drop of the collection."""

    collection: str
    doc: dict[str, Any] | None = None
    doc_id: Any = None
    drop: bool = False


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of one file; a torn or corrupt tail is reported, cut off and skipped."""
    data = path.read_bytes()
    offset = 0
    while offset < len(data):
        if offset + HEADER.size > len(data):
            break
        length, checksum = HEADER.unpack_from(data, offset)
        start, end = offset + HEADER.size, offset + HEADER.size + length
        if end > len(data) or zlib.crc32(data[start:end]) != checksum:
            break
        yield bson.decode(data[start:end])
        offset = end
    if offset < len(data):
        log.warning(
            "embedded store: dropped a torn record at byte %d of %s (%d bytes; a crash mid-write)",
            offset,
            path,
            len(data) - offset,
        )
        with open(path, "r+b") as handle:
            handle.truncate(offset)


def changes_of(records: Iterable[dict[str, Any]]) -> Iterator[Change]:
    for record in records:
        if "d" in record:
            yield Change(record["c"], doc=record["d"])
        elif "i" in record:
            yield Change(record["c"], doc_id=record["i"])
        elif "x" in record:
            yield Change(record["c"], drop=True)


def journal_path(directory: Path, generation: int) -> Path:
    return directory / f"{JOURNAL_PREFIX}{generation:06d}.log"


def generations(directory: Path) -> list[int]:
    found = []
    for path in directory.glob(f"{JOURNAL_PREFIX}*.log"):
        number = path.stem.removeprefix(JOURNAL_PREFIX)
        if number.isdigit():
            found.append(int(number))
    return sorted(found)


def open_append(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """The journal being written: appends, a once-a-second fsync, rotation for compaction."""

    def __init__(self, directory: Path, generation: int, fsync_every: float = 1.0) -> None:
        self.directory = directory
        self.generation = generation
        self.fsync_every = fsync_every
        self._lock = threading.Lock()
        self._fd = open_append(journal_path(directory, generation))
        sync_directory(directory)
        self._unsynced = False
        self._refused = b""
        self.problem: str | None = None
        """Why the last write failed (a full disk), until one succeeds again."""
        self.bytes_written = os.fstat(self._fd).st_size
        self._stopped = threading.Event()
        self._syncer = threading.Thread(target=self._sync_loop, name="journal-fsync", daemon=True)
        self._syncer.start()

    def append(self, records: list[bytes]) -> None:
        """Write records at the end. When the disk refuses (full), the file is cut back to
        where it was, the records are kept to go first with the next append, and the error
        is raised: the change is not acknowledged, and is journaled once the disk takes it."""
        data = self._refused + b"".join(records)
        end = os.lseek(self._fd, 0, os.SEEK_END)
        try:
            write_all(self._fd, data)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, end)  # never leave a torn record before later ones
            self._refused = data
            self.problem = f"the journal cannot be written: {error}"
            log.error("embedded store: %s; the change is kept in memory", self.problem)
            raise
        self._refused = b""
        self.problem = None
        self._unsynced = True
        self.bytes_written += len(data)

    def rotate(self) -> int:
        """Continue in a new generation; returns the one just closed (synced)."""
        with self._lock:
            old, closed = self._fd, self.generation
            self.generation += 1
            self._fd = open_append(journal_path(self.directory, self.generation))
            self.bytes_written = 0
            os.fsync(old)
            os.close(old)
        sync_directory(self.directory)
        return closed

    def sync(self) -> None:
        with self._lock:
            if self._unsynced:
                self._unsynced = False
                os.fsync(self._fd)

    def close(self) -> None:
        self._stopped.set()
        self._syncer.join()
        self.sync()
        os.close(self._fd)

    def _sync_loop(self) -> None:
        while not self._stopped.wait(self.fsync_every):
            try:
                self.sync()
            except OSError:
                log.exception("embedded store: fsync of the journal failed")


def write_snapshot(
    directory: Path, first_generation: int, collections: dict[str, list[dict[str, Any]]]
) -> int:
    """Write every document as a snapshot valid from `first_generation` on; returns bytes."""
    temporary = directory / f"{SNAPSHOT}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    size = 0
    try:
        chunk = [encode({"snapshot": 1, "generation": first_generation})]
        for name, docs in collections.items():
            for doc in docs:
                chunk.append(put_record(name, doc))
                if len(chunk) >= 1000:
                    size += _flush_chunk(fd, chunk)
        size += _flush_chunk(fd, chunk)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, directory / SNAPSHOT)
    sync_directory(directory)
    return size


def _flush_chunk(fd: int, chunk: list[bytes]) -> int:
    data = b"".join(chunk)
    write_all(fd, data)
    chunk.clear()
    return len(data)


def read_snapshot(directory: Path) -> tuple[int, Iterator[Change]]:
    """The first generation to replay after the snapshot, and its documents as puts."""
    path = directory / SNAPSHOT
    if not path.exists():
        return 0, iter(())
    records = read_records(path)
    header = next(records, None)
    if header is None or "snapshot" not in header:
        raise RuntimeError(f"{path} is not a snapshot of the embedded store")
    return int(header["generation"]), changes_of(records)
