"""The durable Raft log: an append-only write-ahead log that tells damage from a torn write, plus a snapshot file.

``DIR/wal.log`` (format 2) starts with two header slots, at byte 0 and at byte 4096 (separate pages,
so a torn write of one cannot damage the other); each holds ``magic | seq | synced length | commit
index | crc32``. Records follow from byte 8192: ``header crc (4) | length (4) | type (1) | payload
crc (4) | payload``; the header crc covers length, type and payload crc, so a damaged length is
detected instead of trusted. Record types: hard state (term, vote); entries (first index, then term
+ data per entry; writing at index k replaces whatever the log had from k on); snapshot (index, term,
crc32 of ``DIR/snapshot.bin``, which holds the log up to index); trace mark (see :meth:`WAL.load`); owner
(the cluster's id and the node's, written first in every new or compacted log, and appended when a log
written before is loaded: a log of another cluster or another node is refused, as its term and entries
would win elections over the cluster's own).

:meth:`WAL.sync` writes what :meth:`WAL.save` buffered, then the next header slot (alternating) with
the new length of the file, and makes both durable with one fdatasync (group commit). So the valid
slot with the highest seq bounds what the last completed fsync covered, and recovery
(:meth:`WAL.load`) knows which bytes were promised durable:

* damage (a bad checksum, a malformed record, a record straddling the synced length) *inside* the
  synced length, a file shorter than it, a hard state whose term goes back, a log that ends before
  the recorded commit index, a snapshot record whose file is missing or differs, or a missing
  ``wal.log`` where a node has stored state: :class:`WALError` naming the file and byte offset, and
  nothing is changed;
* a bad record *after* the synced length is the unsynced tail a crash leaves: it and everything
  after it is truncated away, keeping every record before it.

With ``prealloc`` (the runtime's default, ``"wal_prealloc"`` in cluster.json) the file is kept
that many zero bytes longer than its records, written as real zeros ahead of time, so a sync
overwrites allocated blocks without changing the file's size: fdatasync then flushes the data
without a journal commit for the size (one only when the padding is extended). Zero bytes after
the last record (beyond the synced length) end the scan as the end of the log; zero bytes inside
the synced length are damage, as before. A bad record followed by anything but zeros is a torn
tail, truncated (and fsync'd) before anything is written after it, so a stale intact record
further on can never be read back later.

A power cut in the middle of an fdatasync may leave the new header durable without its data; the
node then refuses to start (as for damage) rather than guess, and is recovered from its peers
(``paxraft cluster recover-node``). Logs of format 1 (no header; written before) are read only if
every record is intact, then rewritten in format 2. Compaction after a snapshot writes a new log to
a temporary file and renames it into place.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from impl.raft.core import HardState, Ready, Snapshot
from impl.raft.log import Entry
from impl.storage.files import name_file
from impl.storage.records import REC, problem, write_all
from impl.storage.records import record as _record

log = logging.getLogger(__name__)

HARD_STATE, ENTRIES, SNAPSHOT, TRACE_MARK, OWNER = 1, 2, 3, 4, 5
MAGIC = b"PXRWAL2\n"
SLOT_AT = (0, 4096)
DATA_START = 8192
_SLOT = struct.Struct(">8sQQQ")  # magic, seq, synced length, commit index; then crc32 of these 32 bytes
_HS = struct.Struct(">QQ")
_SNAP_REC = struct.Struct(">QQI")  # index, term, crc32 of the snapshot file's body
_MARK = struct.Struct(">QQQQ")  # the write's first byte, the trace's size before and after its lines, machine boot
_ENT_HEAD = struct.Struct(">QI")  # first index, count
_OWNER = struct.Struct(">8sQ")  # the cluster's id (impl.runtime.cluster.identity), the node's
_ENT = struct.Struct(">QI")  # term, data length
_SNAP_HEAD = struct.Struct(">8sIQQQ")  # magic, crc32 of the rest, index, term, data length
_SNAP_MAGIC = b"PXRSNAP1"
_SNAP_MAGIC2 = b"PXRSNAP2"  # the same, then the configuration's length (>I) and bytes after the data
_SNAP_MAGIC3 = b"PXRSNAP3"  # PXRSNAP2's layout, then the owner (_OWNER) of the node that wrote it
_V1 = struct.Struct(">IIB")  # format 1 record header: crc32 of type + payload, length, type
MAX_RECORD = 1 << 30
TAIL_LIMIT = 2 << 30
"""Bytes a log may hold past what its header says was synced: one round's unsynced records and the zero padding
(``wal_prealloc`` is at most 1 GiB). More is damage, refused before the file is read into memory."""
# What a scan found of snapshot.bin against the log's last snapshot record (WAL._check_snapshot)
ADOPTED = 1  # a newer snapshot.bin, installed before the log recorded it (an older save, or a compaction)
STAGED = 2  # the recorded snapshot still in snapshot.bin.tmp: killed between the log's record and the rename


RECOVER = "recover the node from its peers (paxraft cluster recover-node)"
"""The way out a refusal names: a Raft node's (a Multi-Paxos node's start says another, impl/runtime/server.py)."""


class WALError(Exception):
    """The log or snapshot on disk is damaged in a way recovery must not paper over."""


_CRC = struct.Struct(">I")
_crc = zlib.crc32


def _slot(seq: int, synced: int, commit: int) -> bytes:
    body = _SLOT.pack(MAGIC, seq, synced, commit)
    return body + _CRC.pack(_crc(body))


def _entries_payload(first: int, entries: list[Entry]) -> bytes:
    if len(entries) == 1:  # (one sequential write)
        e = entries[0]
        return _ENT_HEAD.pack(first, 1) + _ENT.pack(e.term, len(e.data)) + e.data
    parts = [_ENT_HEAD.pack(first, len(entries))]
    pack = _ENT.pack
    for e in entries:
        parts.append(pack(e.term, len(e.data)))
        parts.append(e.data)
    return b"".join(parts)


def machine_boot() -> int:
    """This boot of the machine (Linux's boot_id, 64 bits of it; 0 where unknown). The page cache, and so
    what a killed process had written to any file, survives until the machine reboots."""
    try:
        return int(Path("/proc/sys/kernel/random/boot_id").read_text().replace("-", "")[:16], 16)
    except (OSError, ValueError):
        return 0


SYNC_FAILED = "sync-failed"  # in the log's folder: an fdatasync of the log failed (see _sync_failure)


def _record_sync_failure(directory: Path, exc: OSError, boot: int, way_out: str = RECOVER) -> None:
    """Note, durably if the disk still lets us, that an fdatasync of this log failed on this boot of the machine:
    Linux marks the pages it could not write clean, so until the machine restarts the page cache may hand back
    records the disk never got, and a restarted node would read them as synced ("fsyncgate")."""
    tmp = directory / (SYNC_FAILED + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            write_all(fd, json.dumps({"boot": boot, "error": str(exc), "time": time.time()}).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, directory / SYNC_FAILED)
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError as again:  # (the disk refuses that too: a start on this boot then reads what the cache holds)
        log.critical("%s: cannot record that an fdatasync failed (%s): do not restart this node before the machine "
                     "restarts; %s", directory, again, way_out)


def _sync_failure(directory: Path, boot: int, way_out: str = RECOVER) -> bool:
    """Whether an fdatasync of the log in ``directory`` failed on this boot of the machine (or the boot cannot be
    told): then the cache may hold what the disk does not, and the log is read past it (:func:`_read_direct`).
    One that failed before the machine restarted is only logged: the cache is gone. (:meth:`WAL.load` removes
    the record once the log has loaded.)"""
    path = directory / SYNC_FAILED
    try:
        with open(path, "rb") as f:
            text = f.read(4096)  # (its record is some 100 bytes: a damaged file is judged by its start)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise WALError(f"{path}: unreadable ({exc}): an fdatasync of this log failed; {way_out}") from None
    try:  # (damaged, not UTF-8 even, as damaged JSON: the log is read past the cache, as on this boot; it
        # was refused, and a start then needed its peers, `recover-node`, where the disk's log would do)
        rec = json.loads(text)
        then, error = int(rec["boot"]), str(rec["error"])
    except (ValueError, KeyError, TypeError):
        then, error = 0, "its record is damaged"
    if then == 0 or boot == 0 or then == boot:
        log.warning("%s: an fdatasync of this log failed on this boot of the machine (%s): reading it as the disk "
                    "holds it, past the page cache", directory / "wal.log", error)
        return True
    log.warning("%s: an fdatasync of this log failed (%s) before the machine restarted: reading what the disk "
                "holds", directory / "wal.log", error)
    return False


def _read_direct(path: Path, size: int) -> bytes | None:
    """``path``'s bytes as the disk holds them (O_DIRECT: past the page cache, which after a failed fdatasync may
    hold pages the disk never got, marked clean); None where the filesystem cannot (tmpfs: EINVAL)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECT", 0))
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            return None
        raise
    try:
        if not hasattr(os, "O_DIRECT"):
            return None
        import mmap  # (here: loaded with the module it cost the write path's benchmark ~240 instructions a write)

        chunk = 1 << 24
        buf = mmap.mmap(-1, chunk)  # (page-aligned, as O_DIRECT needs; reads at multiples of it)
        out = bytearray()
        while len(out) < size:
            try:
                n = os.preadv(fd, [buf], len(out))
            except OSError as exc:
                if exc.errno == errno.EINVAL:
                    return None
                raise
            out += buf[:n]
            if n < chunk:
                break
        return bytes(out)
    finally:
        os.close(fd)


@dataclass
class Report:
    """What a log holds and what is wrong with it (:func:`check`)."""

    ok: bool = True
    format: int = 2
    term: int = 0
    vote: int = 0
    snapshot_index: int = 0
    last_index: int = 0
    commit_index: int = 0
    synced_bytes: int = 0
    file_bytes: int = 0
    torn_bytes: int = 0
    node: int = 0  # the node the log says it belongs to (0: a log written before it said)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return dict(self.__dict__)


class WAL:
    """A node's stable storage (implements :class:`impl.kv.replica.Storage`).

    ``create``: a missing ``wal.log`` starts an empty log (a new node); otherwise it is an error,
    because a node that has run before and lost its log could vote twice in a term. ``owner``: (cluster id,
    node id) the log must belong to; a log that names another is refused (one that names none, written before
    logs did, is taken, and :meth:`load` stamps it). ``way_out``: what a refusal tells the operator to do (a Raft
    node's is to be rebuilt from its peers; a Multi-Paxos node cannot be)."""

    way_out = RECOVER

    def __init__(self, directory: str | os.PathLike[str], fsync: bool = True, *, create: bool = False,
                 prealloc: int = 0, owner: tuple[bytes, int] | None = None, way_out: str = RECOVER) -> None:
        # (at most 29 attributes: CPython 3.11 keeps an instance's attribute names shared, and reads them fastest,
        # up to 29; a 30th cost every sequential write 0.8% more instructions, benchmarks/write_path_cost.py)
        self.dir = Path(directory)
        self.fsync = fsync
        self.create = create
        self.owner = owner
        if way_out != RECOVER:  # (else the class's: a Raft node's log keeps its 28 attributes, see the comment above)
            self.way_out = way_out
        self._owner_rec: tuple[bytes, int] | None = None  # the owner the log names
        self.prealloc = prealloc  # zero bytes kept written ahead of the records (0: the file ends at them)
        self._alloc = 0  # the file's size (>= _end: the rest is zero padding)
        self._fd: int | None = None  # opened by load()
        self._buf = bytearray()  # records saved since the last sync
        self._end = 0  # bytes in the file (written to the OS)
        self._synced = 0  # bytes the last header slot promised durable
        self._seq = 0  # seq of the last header slot written
        self._commit = 0  # highest committed index seen, kept in the header
        self._synced_commit = 0
        self._pending_sync: tuple[int, int] | None = None  # (length, commit) written out, not yet fdatasync'd
        self.syncs = 0
        self.torn_bytes = 0  # bytes cut from a torn tail by the last load()
        self.format = 2
        # what the log holds after the records written so far (the durable state once synced): the hard
        # state, the snapshot point and the entries after it, kept current by save() so that compaction
        # does not re-read the file; the entries are the core's own Entry objects (no copies)
        self._offset = 0
        self._entries: list[Entry] = []
        self._hs: HardState | None = None
        self._snap: Snapshot | None = None
        self._snap_rec: tuple[int, int, int | None] | None = None  # (index, term, crc) of the last snapshot record
        # the trace's (size so far, size once its waiting lines are written): set, each write ends with a
        # TRACE_MARK record, so that load() can drop a write whose trace lines never reached the OS
        self.trace_extent: Callable[[], tuple[int, int]] | None = None
        self.boot = machine_boot()
        self._mark: tuple[int, int, int, int, int] | None = None  # the last mark read: its end, then _MARK's fields
        self._after_mark = False  # records follow the last mark
        self.trace_cut: int | None = None  # set by load(): the size the trace is to be cut back to

    @property
    def path(self) -> Path:
        """The log file."""
        return self.dir / "wal.log"

    @property
    def snap_path(self) -> Path:
        """The snapshot file."""
        return self.dir / "snapshot.bin"

    # -- recovery -------------------------------------------------------------------------------
    def load(self, trace_size: int | None = None) -> tuple[HardState | None, Snapshot | None, list[Entry]]:
        """Recover (hard state, snapshot, entries after it); opens the log for appending.

        ``trace_size``: the size of the node's trace file. The runtime writes a record to the OS,
        then the trace lines of the steps it holds, then sends what depends on them; a kill -9
        between the first two leaves a log the trace does not explain. So, given the trace's size,
        the last write is dropped (and ``trace_cut`` says where the trace is to be cut, its lines
        being partly written) when its mark says the trace should be longer and was written in this
        boot of the machine (so the trace lost nothing to a power cut); records after the last mark
        (a write cut short) are dropped too. Nothing of such a write had left the node, and no sync
        of it had begun."""
        if not self.path.exists():
            if os.path.lexists(self.snap_path) or not self.create:
                raise self._gone()
            self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._rewrite()
            return None, None, []
        direct = _sync_failure(self.dir, self.boot, self.way_out)
        good, n, torn, found = self._scan(trace_size, direct)
        if found == STAGED:
            log.warning("%s: moving %s into place: the log records it (killed before the rename)", self.path,
                        self.staged_path.name)
            self._install_snapshot_file()
        adopted = found == ADOPTED
        if self.format == 1 or direct or adopted:
            # (direct: what the disk holds goes to a new file, so that no page of the old one, in the cache and
            # never written, is read or written around again; adopted: a snapshot.bin the log did not record yet
            # is recorded, else entries appended after it, past the log's old end, made a log no load could read)
            why = ("format 1 log read intact" if self.format == 1
                   else "read as the disk holds it after a failed fdatasync" if direct  # (adopted: _scan set _snap_rec)
                   else f"snapshot.bin at index {self._snap_rec[0]} adopted (not yet recorded)")  # type: ignore[index]
            log.warning("%s: %s; rewriting it", self.path, why)
            self._rewrite()
            (self.dir / SYNC_FAILED).unlink(missing_ok=True)
            return self._hs, self._snap, list(self._entries)
        if torn:
            self.torn_bytes = torn
            log.warning("%s: truncating the unsynced tail of %d bytes at byte offset %d", self.path, torn, good)
            with open(self.path, "r+b") as f:
                f.truncate(good)
                f.flush()
                os.fsync(f.fileno())
            n = good
        self._end, self._alloc = good, n
        self._fd = os.open(self.path, os.O_RDWR)
        os.lseek(self._fd, good, os.SEEK_SET)
        if good < self._synced:  # a write dropped for its trace (above): a new slot says where the log ends
            self._synced = good
            self._write_slot(self._seq + 1, good, self._commit)
            os.fsync(self._fd)
        if self.owner is not None and self._owner_rec is None:  # a log written before logs named their owner
            self._owner_rec = self.owner
            self._buf += _record(OWNER, _OWNER.pack(*self.owner))
            self.sync()
        (self.dir / SYNC_FAILED).unlink(missing_ok=True)  # (of an earlier boot, if any: the disk's log was judged)
        return self._hs, self._snap, list(self._entries)

    def _scan(self, trace_size: int | None = None, direct: bool = False) -> tuple[int, int, int, int]:
        """Replay the log into memory and cross-check the snapshot; (end of the last good record, file size,
        bytes of a torn tail after it: 0 when only zero padding follows, :meth:`_check_snapshot`'s finding).
        ``trace_size``: see :meth:`load`; ``direct``: read the log as the disk holds it (:func:`_sync_failure`)."""
        buf = self._read_log(direct)
        good, n, adopted = self._replay_all(buf)
        cut = self._unflushed(good, trace_size) if trace_size is not None else good
        last = self._offset + len(self._entries)
        if cut < good:
            good, _, adopted = self._replay_all(buf[:cut], prefix=True)
            last = self._offset + len(self._entries)
            self._commit = self._synced_commit = min(self._commit, last)  # (the dropped write may have moved it)
        if self._commit > last:
            raise WALError(f"{self.path}: the log ends at index {last} but index {self._commit} was recorded "
                           f"as committed (entries lost)")
        return good, n, 0 if buf.count(0, good) == n - good else n - good, adopted

    def _read_log(self, direct: bool = False) -> bytes:
        """The log file's bytes, once its size is plausible for its header (a wal.log of 1 TiB of zeros, a sparse
        file, was read whole: MemoryError, a traceback at the node's start; a smaller one could exhaust memory).
        ``direct``: as the disk holds them, past the page cache (WALError where the filesystem cannot)."""
        with open(self.path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(DATA_START)
            slot = self._best_slot(head)
            synced = slot[1] if slot else 0
            if size > synced + TAIL_LIMIT:
                raise WALError(f"{self.path}: file is {size:,} bytes, more than {TAIL_LIMIT >> 30} GiB past the "
                               f"{synced:,} bytes its header says were synced: neither an unsynced tail nor the log's "
                               f"padding (damaged, or not a log)")
            if not direct:
                return head + f.read()
        disk = _read_direct(self.path, size)  # (the header above, from the cache, only bounded the size)
        if disk is None:
            raise WALError(f"{self.path}: an fdatasync of this log failed on this boot of the machine, and its "
                           "filesystem cannot be read past the page cache (which may hold records the disk never got, "
                           f"marked clean): {self.way_out}, or restart the machine ({self.dir / SYNC_FAILED})")
        return disk

    def _gone(self) -> WALError:
        """The refusal of a node whose log file is missing (a start's and `wal check`'s)."""
        if os.path.lexists(self.snap_path):
            return WALError(f"{self.path}: missing while {self.snap_path.name} exists (the log's hard state and "
                            f"entries after the snapshot are gone; {self.way_out})")
        return WALError(f"{self.path}: missing (this node's log is gone; {self.way_out})")

    def trace_lost(self, trace: Path, trace_size: int) -> str | None:
        """After :meth:`load`: why the node's trace (``trace``, ``trace_size`` bytes) lacks bytes its log's last trace
        mark says it held on this boot of the machine, or None. The page cache keeps what a killed node wrote, so
        only trace files deleted, cut or replaced lose them; a node went on from there (recreating a deleted last
        segment from its predecessor's closing record), and the audit read a trace with events missing."""
        from impl.trace import set_aside  # (here: not on the write path's imports)

        if self._mark is None:
            return None
        _, _, before, _, boot = self._mark
        if not boot or boot != self.boot or trace_size >= before:
            return None
        return (f"{trace}: the trace holds {trace_size:,} bytes, but the log's last write put its lines at byte "
                f"{before:,} of it, on this boot of the machine: trace files deleted, cut or replaced "
                f"({set_aside(trace.parent)})")

    def _unflushed(self, good: int, trace_size: int) -> int:
        """Where the log is to end so that it holds nothing its trace does not (see :meth:`load`)."""
        if self._mark is None:
            return good
        end, start, before, after, boot = self._mark
        if self._after_mark:
            # records after the last mark: a write cut short (its mark is its last record, and its header slot is
            # written after it), or writes made with the marks off ("trace": false, "trace_marks": false), which
            # a slot covers: those were synced, maybe acknowledged (all of them were dropped once the trace was on)
            keep = max(end, min(self._synced, good))
            if keep < good:
                log.warning("%s: dropping records after the last trace mark (byte offset %d to %d): a write cut short",
                            self.path, keep, good)
            return keep
        if boot and boot == self.boot and before <= trace_size < after:
            self.trace_cut = before
            log.warning("%s: dropping the last write (byte offset %d to %d): the trace holds %d of its %d bytes",
                        self.path, start, good, trace_size - before, after - before)
            return start
        return good

    def _replay_all(self, buf: bytes, prefix: bool = False) -> tuple[int, int, int]:
        """Replay ``buf`` (the log file, or a prefix of it) into memory; (end of the last good record, size,
        :meth:`_check_snapshot`'s finding)."""
        self._offset, self._entries, self._hs, self._snap, self._snap_rec = 0, [], None, None, None
        self._mark, self._after_mark, self._owner_rec = None, False, None
        n = len(buf)
        slot = self._best_slot(buf)
        if slot is None:
            if n >= _V1.size and self._v1_looks_valid(buf):
                self.format = 1
                good = self._scan_v1(buf)
            else:
                raise WALError(f"{self.path}: neither header slot (byte offsets 0 and 4096) is valid "
                               f"(damaged header, or not a paxraft log)")
        else:
            self._seq, self._synced, self._commit = slot
            self._synced_commit = self._commit
            good = self._scan_v2(buf, min(self._synced, n) if prefix else self._synced)
        self._check_owner()
        return good, n, self._check_snapshot()

    def _check_owner(self) -> None:
        rec, want = self._owner_rec, self.owner
        if rec is None or want is None or rec == want:
            return
        if rec[0] != want[0]:
            raise WALError(f"{self.path}: the log of node {rec[1]} of another cluster (its cluster id differs from "
                           f"this cluster.json's): a folder copied from elsewhere would replace this cluster's "
                           f"entries with its own")
        raise WALError(f"{self.path}: the log of node {rec[1]} of this cluster, not of node {want[1]} (folders "
                       f"swapped or copied?)")

    def _best_slot(self, buf: bytes) -> tuple[int, int, int] | None:
        best = None
        for at in SLOT_AT:
            raw = buf[at : at + _SLOT.size + 4]
            if len(raw) < _SLOT.size + 4 or raw[:8] != MAGIC:
                continue
            if _crc(raw[: _SLOT.size]) != struct.unpack_from(">I", raw, _SLOT.size)[0]:
                continue
            _, seq, synced, commit = _SLOT.unpack_from(raw)
            if best is None or seq > best[0]:
                best = (seq, synced, commit)
        return best

    def _scan_v2(self, buf: bytes, synced: int) -> int:
        n = len(buf)
        if n < synced:
            raise WALError(f"{self.path}: file is {n} bytes but its header says {synced} bytes were synced "
                           f"(truncated; byte offset {n})")
        pos = DATA_START
        while pos < n:
            why = problem(buf, pos)
            end = pos + REC + (struct.unpack_from(">I", buf, pos + 4)[0] if why is None else 0)
            if why is None and pos < synced < end:
                why = f"record runs past the synced length {synced}"
            if why is not None:
                if pos < synced:
                    raise WALError(f"{self.path}: damaged record at byte offset {pos}, inside the {synced} bytes "
                                   f"that were synced: {why}")
                return pos  # the unsynced tail a crash left
            typ = buf[pos + 8]
            if typ == TRACE_MARK and end - pos == REC + _MARK.size:
                self._mark, self._after_mark = (end, *_MARK.unpack_from(buf, pos + REC)), False
            elif typ == OWNER:  # (not a step of the node: no trace lines go with it)
                self._replay_at(typ, memoryview(buf)[pos + REC : end], pos)
            else:
                self._after_mark = True
                self._replay_at(typ, memoryview(buf)[pos + REC : end], pos)
            pos = end
        return pos

    def _v1_looks_valid(self, buf: bytes) -> bool:
        crc, length, typ = _V1.unpack_from(buf, 0)
        end = _V1.size + length
        return end <= len(buf) and zlib.crc32(buf[_V1.size : end], zlib.crc32(bytes((typ,)))) == crc

    def _scan_v1(self, buf: bytes) -> int:
        """A format 1 log: nothing bounds a torn tail, so every record must be intact."""
        pos, n = 0, len(buf)
        while pos < n:
            if pos + _V1.size > n:
                raise WALError(f"{self.path}: format 1 log damaged at byte offset {pos} (incomplete header); "
                               f"format 1 cannot tell a torn write from damage: {self.way_out}")
            crc, length, typ = _V1.unpack_from(buf, pos)
            end = pos + _V1.size + length
            payload = buf[pos + _V1.size : end]
            if end > n or zlib.crc32(payload, zlib.crc32(bytes((typ,)))) != crc:
                raise WALError(f"{self.path}: format 1 log damaged at byte offset {pos} (bad length or checksum); "
                               f"format 1 cannot tell a torn write from damage: {self.way_out}")
            self._replay_at(typ, memoryview(payload), pos)
            pos = end
        return pos

    def _replay_at(self, typ: int, payload: memoryview, pos: int) -> None:
        try:
            self._replay(typ, payload)
        except (struct.error, ValueError) as exc:
            raise WALError(f"{self.path}: malformed record at byte offset {pos}: {exc}") from exc

    def _replay(self, typ: int, payload: memoryview) -> None:
        if typ == HARD_STATE:
            hs = HardState(*_HS.unpack(payload))
            if self._hs is not None and hs.term < self._hs.term:
                raise ValueError(f"term goes back from {self._hs.term} to {hs.term}")
            self._hs = hs
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
        elif typ == OWNER:
            self._owner_rec = _OWNER.unpack(payload)
        elif typ == SNAPSHOT:
            if len(payload) == _HS.size:  # format 1: no checksum of the file
                index, term = _HS.unpack(payload)
                crc: int | None = None
            else:
                index, term, crc = _SNAP_REC.unpack(payload)
            self._cut(index, term)
            self._snap_rec = (index, term, crc)
        else:
            raise ValueError(f"unknown record type {typ}")

    def _check_snapshot(self) -> int:
        """The snapshot file against the log's last snapshot record: :data:`ADOPTED` when a newer file was adopted,
        :data:`STAGED` when ``snapshot.bin.tmp`` holds the recorded one (to be moved into place), else 0."""
        snap, crc, owner = self._read_snapshot()
        rec = self._snap_rec
        found = 0
        if rec is not None and (snap is None or snap.index < rec[0]):
            staged = self._staged(rec)
            if staged is not None:  # killed between the log's record and the rename (save()): the file is the one
                snap, crc, owner = staged
                found = STAGED
        if snap is not None and owner is not None and self.owner is not None and owner[0] != self.owner[0]:
            raise WALError(f"{self.snap_path}: a snapshot of another cluster (written by its node {owner[1]}; its "
                           f"cluster id differs from this cluster.json's)")
        if rec is not None:
            where = f"{self.path} records a snapshot at index {rec[0]} (term {rec[1]})"
            if snap is None:
                raise WALError(f"{where} but {self.snap_path} is missing")
            if snap.index < rec[0] or (snap.index == rec[0] and (snap.term != rec[1] or rec[2] not in (None, crc))):
                raise WALError(f"{where} but {self.snap_path} holds index {snap.index} (term {snap.term}) "
                               f"with {'the same' if rec[2] in (None, crc) else 'another'} checksum")
        if snap is not None:
            # a snapshot newer than the last record: the crash came between installing the file and
            # logging it, and the file (of committed entries only) is adopted when this node wrote it (a
            # snapshot.bin of another cluster, adopted, won elections by its term and replaced the data)
            if (rec is None or snap.index > rec[0]) and self.owner is not None and owner != self.owner:
                whose = "written before snapshots named their node" if owner is None else f"written by node {owner[1]}"
                raise WALError(f"{self.snap_path}: holds index {snap.index} (term {snap.term}), which {self.path} "
                               f"does not record, and is not this node's ({whose}): not adopted ({self.way_out})")
            self._cut(snap.index, snap.term)
            newer = rec is None or snap.index > rec[0]
            self._snap_rec, self._snap = (snap.index, snap.term, crc), snap
            return ADOPTED if newer else found
        return found

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

    def _staged(self, rec: tuple[int, int, int | None]) -> tuple[Snapshot, int, tuple[bytes, int] | None] | None:
        """``snapshot.bin.tmp`` when it holds exactly the snapshot the log records (index, term, checksum): staged
        and synced, the log's record written, the rename not done (:meth:`save`); else None."""
        if rec[2] is None or not self.staged_path.is_file():
            return None
        try:
            snap, crc, owner = self._read_snapshot(self.staged_path)
        except WALError:  # (a stage cut short: not the recorded snapshot)
            return None
        return (snap, crc, owner) if snap is not None and (snap.index, snap.term, crc) == rec else None

    @property
    def staged_path(self) -> Path:
        """Where a snapshot is written and synced before it is renamed over :attr:`snap_path`."""
        return self.dir / "snapshot.bin.tmp"

    def _read_snapshot(self, path: Path | None = None) -> tuple[Snapshot | None, int, tuple[bytes, int] | None]:
        """The snapshot file (or ``path``), the crc32 of its body and the owner it names (None: none, or no file)."""
        path = self.snap_path if path is None else path
        if not os.path.lexists(path):
            return None, 0, None
        if not path.is_file():
            raise WALError(f"{path}: not a file")
        blob = path.read_bytes()
        if len(blob) < _SNAP_HEAD.size:
            raise WALError(f"{path}: snapshot file of {len(blob)} bytes is shorter than its header")
        magic, crc, index, term, length = _SNAP_HEAD.unpack_from(blob, 0)
        data, config, owner = blob[_SNAP_HEAD.size :], b"", None
        if magic == _SNAP_MAGIC3 and len(data) >= _OWNER.size:
            owner, data = _OWNER.unpack_from(data, len(data) - _OWNER.size), data[: -_OWNER.size]
        if magic in (_SNAP_MAGIC2, _SNAP_MAGIC3) and len(data) >= length + 4:
            (n,) = struct.unpack_from(">I", data, length)
            data, config = data[:length], data[length + 4 :] if len(data) == length + 4 + n else b"?"
        if magic not in (_SNAP_MAGIC, _SNAP_MAGIC2, _SNAP_MAGIC3) or len(data) != length or config == b"?" or \
                zlib.crc32(blob[12:]) != crc:
            raise WALError(f"{path}: snapshot is damaged (bad magic, length or checksum at byte offset 0)")
        return Snapshot(index, term, data, config), crc, owner

    # -- writing --------------------------------------------------------------------------------
    def save(self, rd: Ready, before_install: Callable[[], None] | None = None) -> None:
        """Buffer a ready's hard state, received snapshot and entries (written and durable at :meth:`sync`).
        A received snapshot is put in place at once (written, synced, renamed over snapshot.bin, which a restart
        adopts); ``before_install`` runs just before the rename, once the file is synced (the runtime writes the
        round's trace lines there, so that no kill -9 leaves a snapshot the trace never showed, and none between
        the two takes an fsync's time). The ready's records (the snapshot's, the hard state, the entries) are
        buffered first, so that ``before_install`` writes them out ahead of those lines: killed just after the
        install, a follower that had moved to a new term and voted in the round (a backlog of messages handled in
        one round under load) came back with its old term and no vote from a log that lacked the record, while its
        trace showed the new ones (the suite under load, 2026-12-06); entries appended after the snapshot in the
        round were lost the same way. Killed between those records and the install, a start finds the log
        recording a snapshot that ``snapshot.bin.tmp`` holds and moves it into place (:meth:`_check_snapshot`)."""
        buf = self._buf
        if rd.snapshot is not None:
            crc = self._stage_snapshot_file(rd.snapshot)
            buf += _record(SNAPSHOT, _SNAP_REC.pack(rd.snapshot.index, rd.snapshot.term, crc))
            self._snap = rd.snapshot
            self._snap_rec = (rd.snapshot.index, rd.snapshot.term, crc)
            self._cut(rd.snapshot.index, rd.snapshot.term)
            self._commit = max(self._commit, rd.snapshot.index)
        if rd.hard_state is not None:
            buf += _record(HARD_STATE, _HS.pack(*rd.hard_state))
            self._hs = rd.hard_state
        if rd.entries:
            buf += _record(ENTRIES, _entries_payload(rd.entries_from, rd.entries))
            self._put(rd.entries_from, rd.entries)
        if rd.committed:
            self._commit = max(self._commit, rd.committed[-1][0])
        if rd.snapshot is not None:
            if before_install is not None:
                before_install()
            self._install_snapshot_file()

    def sync(self) -> None:
        """Write what was saved, then the next header slot, and fdatasync once (group commit)."""
        if self.write_out():
            self.fdatasync()
        self.synced()

    def write_out(self) -> bool:
        """The first half of :meth:`sync`: write what was saved and the next header slot to the OS;
        True when :meth:`fdatasync` must follow (then :meth:`synced`). Nothing else may write the log
        until then; a sync pipeline saves the next records meanwhile and writes them out after."""
        fd = self._fd
        assert fd is not None, "load() first"
        self.write_records()
        try:
            if self.prealloc and self._end > self._alloc - self.prealloc // 2:
                self._pad(self._end + self.prealloc)  # this sync also commits the new size (once per prealloc/2 B)
            if self._end == self._synced and self._commit == self._synced_commit:
                self._pending_sync = None
                return False
            self._write_slot(self._seq + 1, self._end, self._commit)
        except OSError as exc:
            raise name_file(exc, self.path) from None
        self._pending_sync = (self._end, self._commit)
        return True

    @property
    def written(self) -> int:
        """Bytes of records written to the OS so far (moves with every record; the runtime's busy poll watches it)."""
        return self._end

    def write_records(self) -> bool:
        """Write what was saved to the OS, no header slot and no sync (the start of :meth:`write_out`; also what
        the runtime does before a trace line leaves while a sync is in flight); whether there was anything."""
        if not self._buf:
            return False
        assert self._fd is not None, "load() first"
        if self.trace_extent is not None:
            self._buf += _record(TRACE_MARK, _MARK.pack(self._end, *self.trace_extent(), self.boot))
        try:  # (free while nothing fails: an exception table, no instruction on the write path)
            write_all(self._fd, self._buf)
        except OSError as exc:
            raise name_file(exc, self.path) from None
        self._end += len(self._buf)
        self._buf.clear()
        return True

    def new_trace(self, size: int) -> None:
        """The node starts a new trace (its old one set aside, docs/trace-format.md): a mark that drops nothing, so
        that the marks before it, which count bytes of the old trace, are never read against the new one (a new
        trace that grew into a stale mark's range made the next start drop a synced, maybe acknowledged, write).
        Only when the log holds a mark; before :attr:`trace_extent` is set (no second mark)."""
        if self._mark is not None and self.trace_extent is None:
            self._buf += _record(TRACE_MARK, _MARK.pack(self._end, size, size, self.boot))
            self.sync()

    def _write_slot(self, seq: int, length: int, commit: int) -> None:
        assert self._fd is not None
        self._seq = seq
        os.pwrite(self._fd, _slot(seq, length, commit), SLOT_AT[seq % 2])

    def _pad(self, size: int) -> None:
        """Write zeros from the end of the records (or of the old padding) up to ``size`` bytes."""
        assert self._fd is not None
        at = max(self._end, self._alloc)
        if size > at:
            os.pwrite(self._fd, bytes(size - at), at)
            self._alloc = size

    def fdatasync(self) -> None:
        """Make what :meth:`write_out` wrote durable: the records and the slot that covers them, in one
        fdatasync (safe to run on another thread; raises OSError when the disk failed)."""
        if self.fsync and self._fd is not None:
            try:
                os.fdatasync(self._fd)
            except OSError as exc:  # what it wrote may be in the cache only: a start on this boot must not trust it
                _record_sync_failure(self.dir, exc, self.boot, self.way_out)
                exc.fdatasync_failed = True  # type: ignore[attr-defined]  # (for the node's last line: fail_stop)
                raise name_file(exc, self.path) from None

    def synced(self) -> None:
        """Record that the sync begun by :meth:`write_out` completed."""
        if self._pending_sync is not None:
            self._synced, self._synced_commit = self._pending_sync
            self._pending_sync = None
        self.syncs += 1

    def save_snapshot(self, snap: Snapshot) -> None:
        """Store a snapshot the node took and compact: rewrite the log without what it covers."""
        self.sync()  # everything save() recorded is durable now: the in-memory view is the durable log
        crc = self._write_snapshot_file(snap)
        self._snap = snap
        self._snap_rec = (snap.index, snap.term, crc)
        self._cut(snap.index, snap.term)
        self._rewrite()

    def _rewrite(self) -> None:
        """Write the log the in-memory view amounts to into a new file and rename it into place."""
        body = bytearray()
        self._owner_rec = self._owner_rec or self.owner
        if self._owner_rec is not None:
            body += _record(OWNER, _OWNER.pack(*self._owner_rec))
        if self._snap_rec is not None:
            index, term, crc = self._snap_rec
            body += _record(SNAPSHOT, _SNAP_REC.pack(index, term, crc or 0))
        if self._hs is not None:
            body += _record(HARD_STATE, _HS.pack(*self._hs))
        if self._entries:
            body += _record(ENTRIES, _entries_payload(self._offset + 1, self._entries))
        if self.trace_extent is not None:  # a mark that drops nothing: a write cut short after it is seen as such
            size = self.trace_extent()[0]
            body += _record(TRACE_MARK, _MARK.pack(DATA_START + len(body), size, size, self.boot))
        end = DATA_START + len(body)
        head = bytearray(DATA_START)
        head[0 : _SLOT.size + 4] = _slot(0, end, self._commit)
        head[SLOT_AT[1] : SLOT_AT[1] + _SLOT.size + 4] = _slot(1, end, self._commit)
        tmp = self.dir / "wal.log.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            write_all(fd, bytes(head) + bytes(body) + bytes(self.prealloc))
            if self.fsync:
                os.fsync(fd)
        except OSError as exc:
            raise name_file(exc, tmp) from None
        finally:
            os.close(fd)
        if self._fd is not None:
            os.close(self._fd)
        os.replace(tmp, self.path)
        self._fsync_dir()
        self._fd = os.open(self.path, os.O_RDWR)
        os.lseek(self._fd, end, os.SEEK_SET)
        self._end = self._synced = end
        self._alloc = end + self.prealloc
        self._seq, self._synced_commit, self.format = 1, self._commit, 2

    def _write_snapshot_file(self, snap: Snapshot) -> int:
        """Write ``snapshot.bin`` durably (temporary file, rename); the crc32 of its body."""
        crc = self._stage_snapshot_file(snap)
        self._install_snapshot_file()
        return crc

    def _stage_snapshot_file(self, snap: Snapshot) -> int:
        """Write and sync ``snapshot.bin.tmp`` (nothing a restart reads); the crc32 of its body."""
        body = struct.pack(">QQQ", snap.index, snap.term, len(snap.data)) + snap.data
        magic = _SNAP_MAGIC
        if snap.config or self.owner:  # the configuration as of the snapshot (format 2; none: the initial one)
            body += struct.pack(">I", len(snap.config)) + snap.config
            magic = _SNAP_MAGIC2
        if self.owner:  # (format 3: the node that wrote it, so that a snapshot.bin of another is not adopted)
            body += _OWNER.pack(*self.owner)
            magic = _SNAP_MAGIC3
        crc = zlib.crc32(body)
        fd = os.open(self.staged_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            write_all(fd, struct.pack(">8sI", magic, crc) + body)
            if self.fsync:
                os.fsync(fd)
        except OSError as exc:
            raise name_file(exc, self.staged_path) from None
        finally:
            os.close(fd)
        return crc

    def _install_snapshot_file(self) -> None:
        """Rename the staged snapshot over ``snapshot.bin`` (atomic; the folder synced)."""
        os.replace(self.staged_path, self.snap_path)
        self._fsync_dir()

    def _fsync_dir(self) -> None:
        if self.fsync:
            fd = os.open(self.dir, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def close(self) -> None:
        """Write what is buffered (durable only after a :meth:`sync`) and close."""
        if self._fd is not None:
            if self._buf:
                try:
                    write_all(self._fd, self._buf)
                except OSError as exc:
                    raise name_file(exc, self.path) from None
                self._end += len(self._buf)
                self._buf.clear()
            os.close(self._fd)
            self._fd = None


def synced_length(path: str | os.PathLike[str]) -> int:
    """The length the last completed sync of a format 2 log promised durable (its best header slot)."""
    slot = WAL(Path(path).parent)._best_slot(Path(path).read_bytes())
    if slot is None:
        raise WALError(f"{path}: neither header slot is valid")
    return slot[1]


def check(directory: str | os.PathLike[str], owner: tuple[bytes, int] | None = None,
          trace: tuple[Path, int] | None = None, way_out: str = RECOVER) -> Report:
    """Read a log without changing it: what it holds and what is wrong with it (``owner``, ``way_out``: see
    :class:`WAL`; ``trace``: the node's trace and its size, checked as a start does, :meth:`WAL.trace_lost`)."""
    w = WAL(directory, owner=owner, way_out=way_out)
    rep = Report()
    size = 0
    try:
        if os.path.lexists(w.dir) and not w.dir.is_dir():  # (a node's wal/ replaced by a file: "wal.log: missing")
            raise WALError(f"{w.dir}: not a folder")
        if not os.path.lexists(w.path):
            raise w._gone()
        if not w.path.is_file():
            raise WALError(f"{w.path}: not a file{' (a symbolic link to nothing)' if not w.path.exists() else ''}")
        size = w.path.stat().st_size
        _, _, rep.torn_bytes, _ = w._scan(direct=_sync_failure(w.dir, w.boot, w.way_out))
        why = w.trace_lost(*trace) if trace else None
        if why is not None:
            raise WALError(why)
    except (WALError, OSError) as exc:
        rep.ok = False
        rep.errors.append(str(name_file(exc, w.path) if isinstance(exc, OSError) else exc))  # ('[Errno 5] ...' alone)
    hs = w._hs or HardState(0, 0)
    rep.format, rep.term, rep.vote = w.format, hs.term, hs.vote
    rep.snapshot_index = w._offset
    rep.last_index = w._offset + len(w._entries)
    rep.commit_index = min(max(w._commit, w._offset), rep.last_index)
    rep.synced_bytes, rep.file_bytes = w._synced, size
    rep.node = w._owner_rec[1] if w._owner_rec else 0
    return rep
