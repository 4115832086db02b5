"""The durable Raft log: an append-only write-ahead log with a CRC32 per record, plus a snapshot file.

``DIR/wal.log`` is a sequence of records ``crc32 (4) | length (4) | type (1) | payload``; the CRC
covers type and payload. Record types: hard state (term, vote); entries (first index, then
term + data per entry; writing at index k replaces whatever the log had from k on); snapshot
(index, term: the log up to index is in ``DIR/snapshot.bin``). One :meth:`WAL.sync` makes
everything written since the last one durable with a single fsync (group commit).

Recovery (:meth:`WAL.load`) replays the records. A damaged *tail* (an incomplete last record,
or a last record whose checksum fails, as a crash during a write leaves) is truncated away,
keeping every record before it. Damage followed by intact records is not a crash artefact:
it raises :class:`WALError` naming the file and byte offset, and nothing is changed.
Compaction after a snapshot rewrites the log to a temporary file and renames it into place.
"""

from __future__ import annotations

import logging
import os
import struct
import zlib
from pathlib import Path

from impl.raft.core import HardState, Ready, Snapshot
from impl.raft.log import Entry

log = logging.getLogger(__name__)

HARD_STATE, ENTRIES, SNAPSHOT = 1, 2, 3
_REC = struct.Struct(">IIB")  # crc32, payload length, type
_HS = struct.Struct(">QQ")
_ENT_HEAD = struct.Struct(">QI")  # first index, count
_ENT = struct.Struct(">QI")  # term, data length
_SNAP_HEAD = struct.Struct(">8sIQQQ")  # magic, crc32 of the rest, index, term, data length
_MAGIC = b"PXRSNAP1"
MAX_RECORD = 1 << 30


class WALError(Exception):
    """The log or snapshot on disk is damaged in a way recovery must not paper over."""


def _record(typ: int, payload: bytes) -> bytes:
    crc = zlib.crc32(payload, zlib.crc32(bytes((typ,))))
    return _REC.pack(crc, len(payload), typ) + payload


def _entries_payload(first: int, entries: list[Entry]) -> bytes:
    parts = [_ENT_HEAD.pack(first, len(entries))]
    pack = _ENT.pack
    for e in entries:
        parts.append(pack(e.term, len(e.data)))
        parts.append(e.data)
    return b"".join(parts)


class WAL:
    """A node's stable storage (implements :class:`impl.kv.replica.Storage`)."""

    def __init__(self, directory: str | os.PathLike[str], fsync: bool = True) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / "wal.log"
        self.snap_path = self.dir / "snapshot.bin"
        self.fsync = fsync
        self._f = None  # opened by load()
        self.syncs = 0
        self.torn_bytes = 0  # bytes cut from a torn tail by the last load()
        # what the log holds after the records written so far (the durable state once synced): the hard
        # state, the snapshot point and the entries after it, kept current by save() so that compaction
        # does not re-read the file; the entries are the core's own Entry objects (no copies)
        self._offset = 0
        self._entries: list[Entry] = []
        self._hs: HardState | None = None
        self._snap: Snapshot | None = None

    # -- recovery -------------------------------------------------------------------------------
    def load(self) -> tuple[HardState | None, Snapshot | None, list[Entry]]:
        """Recover (hard state, snapshot, entries after it); opens the log for appending."""
        good, n = self._scan()
        if good < n:
            self.torn_bytes = n - good
            log.warning("%s: truncating a torn tail of %d bytes at byte offset %d", self.path, n - good, good)
            with open(self.path, "r+b") as f:
                f.truncate(good)
                f.flush()
                os.fsync(f.fileno())
        self._f = open(self.path, "ab")  # noqa: SIM115 (kept open for appends)
        return self._hs, self._snap, list(self._entries)

    def _scan(self) -> tuple[int, int]:
        """Replay snapshot file and log into memory; return (end of the last good record, file size)."""
        self._snap = self._read_snapshot()
        self._offset = self._snap.index if self._snap else 0
        self._entries = []
        self._hs = None
        if not self.path.exists():
            return 0, 0
        buf = self.path.read_bytes()
        pos = good = 0
        n = len(buf)
        while pos < n:
            if pos + _REC.size > n:
                break  # torn header
            crc, length, typ = _REC.unpack_from(buf, pos)
            end = pos + _REC.size + length
            if length > MAX_RECORD:
                raise WALError(f"{self.path}: record at byte offset {pos} has impossible length {length}")
            if end > n:
                break  # torn payload
            payload = buf[pos + _REC.size : end]
            if zlib.crc32(payload, zlib.crc32(bytes((typ,)))) != crc:
                if end < n:
                    raise WALError(f"{self.path}: checksum mismatch in the record at byte offset {pos} "
                                   f"({n - end} bytes of later records follow; refusing to guess)")
                break  # the last record is damaged: a torn write
            try:
                self._replay(typ, payload)
            except (struct.error, ValueError) as exc:
                raise WALError(f"{self.path}: malformed record at byte offset {pos}: {exc}") from exc
            pos = good = end
        return good, n

    def _replay(self, typ: int, payload: bytes) -> None:
        if typ == HARD_STATE:
            self._hs = HardState(*_HS.unpack(payload))
        elif typ == ENTRIES:
            first, count = _ENT_HEAD.unpack_from(payload, 0)
            pos = _ENT_HEAD.size
            new = []
            for _ in range(count):
                term, dlen = _ENT.unpack_from(payload, pos)
                pos += _ENT.size
                if pos + dlen > len(payload):
                    raise ValueError("entry data runs past the record")
                new.append(Entry(term, bytes(payload[pos : pos + dlen])))
                pos += dlen
            if pos != len(payload):
                raise ValueError("trailing bytes after the entries")
            self._put(first, new)
        elif typ == SNAPSHOT:
            self._cut(*_HS.unpack(payload))
        else:
            raise ValueError(f"unknown record type {typ}")

    def _put(self, first: int, new: list[Entry]) -> None:
        """Entries written at ``first``: they replace whatever the log had from there on."""
        k = first - self._offset - 1
        if k > len(self._entries):
            end = self._offset + len(self._entries)
            raise ValueError(f"entries start at index {first} but the log ends at {end}")
        del self._entries[max(k, 0) :]
        self._entries.extend(new[max(-k, 0) :])

    def _cut(self, index: int, term: int) -> None:
        """Drop the log up to a snapshot at (index, term), keeping a suffix that matches it."""
        k = index - self._offset
        if k <= 0:
            return
        keep = k <= len(self._entries) and self._entries[k - 1].term == term
        self._entries = self._entries[k:] if keep else []
        self._offset = index

    def _read_snapshot(self) -> Snapshot | None:
        if not self.snap_path.exists():
            return None
        blob = self.snap_path.read_bytes()
        if len(blob) < _SNAP_HEAD.size:
            raise WALError(f"{self.snap_path}: snapshot file of {len(blob)} bytes is shorter than its header")
        magic, crc, index, term, length = _SNAP_HEAD.unpack_from(blob, 0)
        data = blob[_SNAP_HEAD.size :]
        if magic != _MAGIC or len(data) != length or zlib.crc32(blob[12:]) != crc:
            raise WALError(f"{self.snap_path}: snapshot is damaged (bad magic, length or checksum at byte offset 0)")
        return Snapshot(index, term, data)

    # -- writing --------------------------------------------------------------------------------
    def save(self, rd: Ready) -> None:
        """Append a ready's hard state, received snapshot and entries (durable after :meth:`sync`)."""
        f = self._f
        assert f is not None, "load() first"
        if rd.snapshot is not None:
            self._write_snapshot_file(rd.snapshot)
            f.write(_record(SNAPSHOT, _HS.pack(rd.snapshot.index, rd.snapshot.term)))
            self._snap = rd.snapshot
            self._cut(rd.snapshot.index, rd.snapshot.term)
        if rd.hard_state is not None:
            f.write(_record(HARD_STATE, _HS.pack(*rd.hard_state)))
            self._hs = rd.hard_state
        if rd.entries:
            f.write(_record(ENTRIES, _entries_payload(rd.entries_from, rd.entries)))
            self._put(rd.entries_from, rd.entries)

    def sync(self) -> None:
        """One fsync for everything written since the last (skipped when fsync is off)."""
        f = self._f
        assert f is not None
        f.flush()
        if self.fsync:
            os.fdatasync(f.fileno())  # appends: the data and the size it needs, not the mtime
        self.syncs += 1

    def save_snapshot(self, snap: Snapshot) -> None:
        """Store a snapshot the node took and compact: rewrite the log without what it covers."""
        self.sync()  # everything save() recorded is durable now: the in-memory view is the durable log
        self._write_snapshot_file(snap)
        self._snap = snap
        self._cut(snap.index, snap.term)
        hs, keep = self._hs, self._entries
        tmp = self.dir / "wal.log.tmp"
        with open(tmp, "wb") as f:
            f.write(_record(SNAPSHOT, _HS.pack(snap.index, snap.term)))
            if hs is not None:
                f.write(_record(HARD_STATE, _HS.pack(*hs)))
            if keep:
                f.write(_record(ENTRIES, _entries_payload(snap.index + 1, keep)))
            f.flush()
            if self.fsync:
                os.fsync(f.fileno())
        assert self._f is not None
        self._f.close()
        os.replace(tmp, self.path)
        self._fsync_dir()
        self._f = open(self.path, "ab")  # noqa: SIM115

    def _write_snapshot_file(self, snap: Snapshot) -> None:
        body = struct.pack(">QQQ", snap.index, snap.term, len(snap.data)) + snap.data
        head = struct.pack(">8sI", _MAGIC, zlib.crc32(body))
        tmp = self.dir / "snapshot.bin.tmp"
        with open(tmp, "wb") as f:
            f.write(head + body)
            f.flush()
            if self.fsync:
                os.fsync(f.fileno())
        os.replace(tmp, self.snap_path)
        self._fsync_dir()

    def _fsync_dir(self) -> None:
        if self.fsync:
            fd = os.open(self.dir, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def close(self) -> None:
        """Flush and close."""
        if self._f is not None:
            self._f.flush()
            self._f.close()
            self._f = None
