"""The tracer kit: writing paxraft traces (docs/trace-format.md) from any Raft, reading them back.

Public API (docs/auditing-your-raft.md shows it at work):

- :class:`Recorder`: one node's trace: the header, the Lamport clock, message ids, log deltas
  and the JSON-lines file. A tracer maps each handler of its implementation to one
  :meth:`Recorder.event` call; the recorder does the bookkeeping the format asks for.
- :class:`TraceWriter`: the bare JSON-lines file (our store's nodes format their own lines).
- :func:`last_clock`, :func:`read_events`, :func:`expand_logs`: reading a trace back; :func:`json_lines`: a
  compact trace file (what our store's nodes write) as its JSON lines.
"""

from __future__ import annotations

import json
import marshal
import os
import re
import subprocess
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from impl import tracezip
from impl.kv.machine import describe_command
from impl.raft.messages import ALL_INT, message_id
from impl.raft.tracing import LineFormatter
from impl.storage.files import name_file, not_a_file
from impl.storage.records import HEAD, REC, cut_short, problem, record, write_all
from impl.tracezip import LINK as _SEG
from impl.tracezip import NEXT, SEGMENT, CompressedSegmentError, decompress, segment_numbers, segment_path, zipped
from spec.trace_format import BOOT_ACTIONS, COMPACT_MAGIC, FORMAT, VERSION


def header(node: int, nodes: Iterable[int], **fields: Any) -> dict[str, Any]:
    """A version-2 header line for ``node`` of the cluster ``nodes`` (more header fields by keyword)."""
    return {"format": FORMAT, "version": VERSION, "node": node, "nodes": sorted(nodes), **fields}


class Recorder:
    """One node's trace, written as JSON lines: clock, message ids and log deltas kept for the tracer.

    ``state`` passed to :meth:`event` holds the node's variables after the step with the *whole*
    log as a list of ``[term, value]`` pairs; the recorder writes the delta against the previous
    event. Messages are dicts with ``type``, ``mdest`` and the raft.tla fields; the recorder adds
    ``id``, ``clock``, ``msource`` (and ``mterm`` from the state when absent) to the messages an
    event sends, so the tracer can copy ``id`` and ``clock`` onto what goes on the wire and hand
    them back, as received, with ``recv``.
    """

    def __init__(self, path: str | os.PathLike[str], node: int, nodes: Iterable[int], *, boot: int = 0,
                 flush: bool = True, **header_fields: Any) -> None:
        self.node, self.boot, self.seq = node, boot, 0
        self.clock = last_clock(path)  # a restarted node continues its clock
        self._flush = flush
        self._f = open(path, "a", encoding="utf-8")  # noqa: SIM115 (kept open while the node runs)
        self._dumps = json.JSONEncoder(separators=(",", ":")).encode
        self._log: list[Any] = []
        self._first = True
        self.events = 0
        self._write(header(node, nodes, **header_fields))

    def _write(self, rec: dict[str, Any]) -> None:
        self._f.write(self._dumps(rec) + "\n")
        if self._flush:
            self._f.flush()  # to the OS: a SIGKILL after this loses nothing

    def event(self, action: str, params: dict[str, Any] | None = None, *, state: dict[str, Any],
              recv: dict[str, Any] | None = None, sent: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
        """Write one step: advance the clock, stamp the sent messages, delta-encode the log; returns the event."""
        self.clock = max(self.clock, recv["clock"] if recv else 0) + 1
        for m in sent:
            self.seq += 1
            m["id"], m["clock"] = [self.node, self.boot, self.seq], self.clock
            m.setdefault("msource", self.node)
            m.setdefault("mterm", state.get("currentTerm"))
        log = state["log"]
        if isinstance(log, list):
            old, k = self._log, 0
            if self._first:
                old = []
            top = min(len(old), len(log))
            while k < top and old[k] == log[k]:
                k += 1
            self._log, self._first = list(log), False
            state = dict(state, log={"from": k + 1, "entries": log[k:]})
        ev: dict[str, Any] = {"node": self.node, "clock": self.clock, "action": action, "params": params or {}}
        if recv is not None:
            ev["recv"] = recv
        ev["sent"] = list(sent)
        ev["state"] = state
        self._write(ev)
        self.events += 1
        return ev

    def close(self) -> None:
        """Flush and close the file."""
        self._f.close()


JSON_LINES, RAFT_EVENTS = 1, 2  # its record types: JSON lines as text; a list of CompactTracer events, marshalled
# and SEGMENT, NEXT (impl/tracezip.py, with the segments' names): a compact trace in segments (docs/trace-format.md)
_TYPES = (JSON_LINES, RAFT_EVENTS, SEGMENT, NEXT)
SEGMENT_BYTES = 64 << 20  # the default of cluster.json's "trace_segment_bytes"


class TraceFileError(ValueError):
    """A trace file that cannot be read or appended to: names the file, the byte offset and what was wrong."""


class TraceWriter:
    """Appends one node's events to its trace file (a header line per boot).

    Lines wait in memory until :meth:`flush` hands them to the OS in one write, never earlier (a
    buffer that filled up would write them out before the step they describe had reached the log);
    ``size`` counts the bytes handed to the OS and :meth:`extent` the bytes once the waiting lines
    are, which the store's log records with each write (impl/storage/wal.py, ``TRACE_MARK``).

    With ``compact`` the file is a compact trace: the Raft core's events (:class:`CompactTracer` tuples)
    are written marshalled, one checksummed record per flush; JSON lines (the header, a Multi-Paxos
    core's events) go in records of their own. :func:`json_lines` turns the file back into JSON lines.
    With ``segment_bytes`` too, the trace goes on in a new file (a segment: docs/trace-format.md) after the
    first flush that takes the current one to that size; ``size`` and :meth:`extent` count the whole trace. With
    ``compress`` too, a child process compresses the closed segments (impl/tracezip.py), started when one closes
    and here when one was left uncompressed."""

    def __init__(self, path: str | os.PathLike[str], node: int, nodes: Iterable[int], *, compact: bool = False,
                 segment_bytes: int = 0, compress: bool = False, **fields: Any) -> None:
        self.path = Path(path)
        self.compact = compact
        self.node = node
        # (compact) a new segment once the current one holds segment_bytes (0: never): self.path is the first
        # segment, self._seg the current one (number, where it starts in the whole trace, its path)
        self.segment_bytes = segment_bytes if compact and segment_bytes > 0 else 1 << 62
        self._seg = trace_tail(self.path, node) if compact else (1, 0, self.path)
        start, current = self._seg[1], self._seg[2]
        self._rotate_at = start + self.segment_bytes  # (the size at which flush rotates: one compare per flush)
        self._fd: int | None = os.open(current, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        size = os.fstat(self._fd).st_size
        self.size = start + (_cut_partial_record(current, size) if compact else _cut_partial_line(current, size))
        if compact and self.size == 0:
            write_all(self._fd, COMPACT_MAGIC)
            self.size = len(COMPACT_MAGIC)
        self.compress = compact and compress
        self.compressors: list[subprocess.Popen[bytes]] = []  # (the children started, until seen done)
        if compact:
            self._finish_rotation()  # (a crash between a segment's last record and the next segment's file)
        if self.compress and tracezip.pending(self.path):
            self._compress()
        # events are trees built by the core, never cyclic: skipping the cycle check saves ~15% per event
        self._dumps = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
        self._pending: list[Any] = [self._dumps(header(node, nodes, **fields))]
        self._bytes = len(self._pending[0]) + 1  # the lines are ASCII (the encoders escape the rest)
        self._ready = b""  # (compact) the waiting events, encoded by extent()
        self.marked = False
        self.count = 0

    def write(self, events: list[dict[str, Any]]) -> None:
        """Append events (buffered; :meth:`flush` writes them out)."""
        self.write_lines([self._dumps(e) for e in events])

    def write_lines(self, lines: list[Any]) -> None:
        """Append events already encoded as JSON lines, or (compact files) :class:`CompactTracer` events
        (``Ready.trace``; buffered like :meth:`write`)."""
        self._pending += lines
        if not self.compact:
            self._bytes += sum(map(len, lines)) + len(lines)
        self.count += len(lines)

    def extent(self) -> tuple[int, int]:
        """(bytes handed to the OS, bytes once the waiting lines are too); until :meth:`flush`, ``marked``
        says that a log record's trace mark counts the waiting lines."""
        self.marked = True
        if self.compact:
            if self._pending:
                self._ready += self._encode()
            return self.size, self.size + len(self._ready)
        return self.size, self.size + self._bytes

    def _encode(self) -> bytes:
        """The waiting events as compact records (one per run of JSON lines or of core events)."""
        pending, self._pending = self._pending, []
        if str not in map(type, pending):  # (a Raft node's events after its header: one marshal call)
            return record(RAFT_EVENTS, marshal.dumps(pending, MARSHAL_VERSION))
        if all(type(x) is str for x in pending):  # (a Multi-Paxos node's lines: one record, 8% less per flush)
            return record(JSON_LINES, ("\n".join(pending) + "\n").encode())
        return b"".join(_run_record(list(run)) for _, run in groupby(pending, key=lambda x: type(x) is str))

    def flush(self) -> None:
        """Hand the waiting lines to the OS (one write)."""
        if self._fd is None:
            return
        self.marked = False
        if self.compact:
            data = self._ready + self._encode() if self._pending else self._ready
            self._ready = b""
        elif self._pending:
            data = ("\n".join(self._pending) + "\n").encode()
            self._pending, self._bytes = [], 0
        else:
            return
        if data:
            try:
                write_all(self._fd, data)
                self.size += len(data)
                if self.size >= self._rotate_at:
                    self._rotate()
            except OSError as exc:
                raise name_file(exc, self._seg[2]) from None

    def _rotate(self) -> None:
        """Close the current segment with a NEXT record and go on in a new one (between writes: no trace mark of
        the log spans two segments, so a cut at the next start falls in the last one)."""
        assert self._fd is not None
        number, _, _ = self._seg
        start = self.size + REC + _SEG.size
        link = _SEG.pack(self.node, number + 1, start, os.urandom(8))
        write_all(self._fd, record(NEXT, link))
        self.size = start
        self._open_segment(link)
        if self.compress and number > 1:  # (the first segment, the name the trace is given by, stays as it is)
            self._compress()

    def _compress(self) -> None:
        """Start a child that compresses the closed segments, unless one does now (it lists them again when done)."""
        self.compressors = [c for c in self.compressors if c.poll() is None]
        child = tracezip.spawn(self.path)
        if child is not None:
            self.compressors.append(child)

    def _finish_rotation(self) -> None:
        """At start: a last segment that ends with its NEXT record (a crash before the next file was in place)
        goes on in that next segment."""
        assert self._fd is not None
        link = tracezip.next_link(self._seg[2])  # (the file is self.size - its start long: cut to its last record)
        if link is not None:
            self._open_segment(link)

    def _open_segment(self, link: bytes) -> None:
        """Make the segment ``link`` (a NEXT payload) names, atomically and synced (once per segment), and
        append to it from now on."""
        assert self._fd is not None
        _, number, start, _ = _SEG.unpack(link)
        path = segment_path(self.path, number)
        head = COMPACT_MAGIC + record(SEGMENT, link)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            write_all(fd, head)
            os.fsync(fd)
        except OSError as exc:
            raise name_file(exc, tmp) from None
        finally:
            os.close(fd)
        os.replace(tmp, path)
        os.close(self._fd)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        self._seg = (number, start, path)
        self.size = start + len(head)
        self._rotate_at = start + self.segment_bytes

    def close(self) -> None:
        """Flush and close (a compressing child goes on: it ends by itself)."""
        self.flush()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        for c in self.compressors:
            c.poll()  # (reaped when done; else the child outlives the node, and init reaps it)


MARSHAL_VERSION = 2  # (no object references: versions 3 and 4 track every object, ~30% more work)


def _run_record(run: list[Any]) -> bytes:
    if type(run[0]) is str:
        return record(JSON_LINES, ("\n".join(run) + "\n").encode())
    return record(RAFT_EVENTS, marshal.dumps(run, MARSHAL_VERSION))


def _cut_partial_line(path: Path, size: int) -> int:
    """Cut a last line without its newline (a kill -9 during a write of more than a page can leave one), so that
    the next line does not run on from it; the size after. Its step's messages never left (they go after the
    trace lines) and a log write of its own would be dropped at start too (impl/storage/wal.py, ``TRACE_MARK``)."""
    if size == 0:
        return 0
    with open(path, "rb") as f:
        end = size
        while end > 0:
            start = max(0, end - 65536)
            f.seek(start)
            chunk = f.read(end - start)
            nl = chunk.rfind(b"\n")
            if nl >= 0:
                keep = start + nl + 1
                break
            end = start
        else:
            keep = 0
    if keep < size:
        os.truncate(path, keep)
    return keep


def compact_records(data: bytes, name: str) -> tuple[list[tuple[int, int, memoryview]], int]:
    """The records of a compact trace file's bytes as ``(byte offset, type, payload)``, and where the intact
    records end: a last record cut short (a kill -9 during its write) ends them; damage anywhere else, or a
    record of an unknown type, is a :class:`TraceFileError` naming the offset."""
    if not data.startswith(COMPACT_MAGIC):
        raise TraceFileError(f"{name}: not a compact trace file (it does not start with {COMPACT_MAGIC!r})")
    out, pos, n = [], len(COMPACT_MAGIC), len(data)
    view = memoryview(data)
    while pos < n:
        why = problem(data, pos)
        if why is not None:
            if cut_short(why):
                break
            raise TraceFileError(f"{name}: damaged record at byte offset {pos}: {why}")
        length, typ, _ = HEAD.unpack_from(data, pos + 4)
        if typ not in _TYPES:
            raise TraceFileError(f"{name}: record of unknown type {typ} at byte offset {pos}")
        out.append((pos, typ, view[pos + REC : pos + REC + length]))
        pos += REC + length
    return out, pos


LAST_RECORDS = 64  # the records :func:`stream_records` remembers, for :func:`last_clock`


def stream_records(path: Path) -> tuple[deque[tuple[int, int, int]], int]:
    """:func:`compact_records`'s verdicts on a compact trace file read one record at a time, so that a node's start
    holds one record in memory, not the file (it read the whole file, twice; a trace grows with every write):
    the last :data:`LAST_RECORDS` records as ``(byte offset, type, payload length)``, and where the intact
    records end. TraceFileError as compact_records."""
    name = str(path)
    last: deque[tuple[int, int, int]] = deque(maxlen=LAST_RECORDS)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if f.read(len(COMPACT_MAGIC)) != COMPACT_MAGIC:
            raise TraceFileError(f"{name}: not a compact trace file (it does not start with {COMPACT_MAGIC!r})")
        pos = len(COMPACT_MAGIC)
        while pos < size:
            head = f.read(REC)
            why = problem(head, 0)  # (the header alone: intact, its payload not read yet, or cut short or damaged)
            if why is not None and cut_short(why) and len(head) == REC:
                length = HEAD.unpack_from(head, 4)[0]
                why = None if pos + REC + length <= size else why
                if why is None:
                    why = problem(head + f.read(length), 0)
            else:
                length = 0
            if why is not None:
                if cut_short(why):
                    break
                raise TraceFileError(f"{name}: damaged record at byte offset {pos}: {why}")
            typ = head[8]
            if typ not in _TYPES:
                raise TraceFileError(f"{name}: record of unknown type {typ} at byte offset {pos}")
            last.append((pos, typ, length))
            pos += REC + length
    return last, pos


def _cut_partial_record(path: Path, size: int) -> int:
    """The compact file's :func:`_cut_partial_line`: cut a last record cut short; the size after (0 for an empty
    file). Damage is refused (:class:`TraceFileError`), as is a file that is not a compact trace."""
    if size == 0:
        return 0
    _, keep = stream_records(path)
    if keep < size:
        os.truncate(path, keep)
    return keep


def _present(segment: Path) -> bool:
    """Whether a segment is there, as itself or compressed (impl/tracezip.py)."""
    return os.path.lexists(segment) or os.path.lexists(zipped(segment))


def read_segment(path: Path, what: str = "trace segment") -> tuple[Path, bytes]:
    """A segment's bytes, read from ``path`` or else from its compressed form (``path`` + ``.z``, decompressed and
    checked): (the file read, the segment's bytes). TraceFileError naming the file when it cannot be read, or a
    ``.z`` is damaged. A crash that left both reads the segment; one compressed while it is read is read as that."""
    from spec.userfiles import MAX_FILE_BYTES, read_bytes  # (here: the write path's benchmark imports this module
    # without spec's, which add some 2,700 instructions per write there, in the collector; a node has them loaded)

    z = zipped(path)
    if os.path.lexists(path) or not os.path.lexists(z):
        try:
            return path, read_bytes(path, what, error=TraceFileError)
        except TraceFileError:
            if os.path.lexists(path) or not os.path.lexists(z):  # (else removed by its compression meanwhile)
                raise
    try:
        return z, decompress(read_bytes(z, what, error=TraceFileError), str(z), MAX_FILE_BYTES)
    except CompressedSegmentError as exc:
        raise TraceFileError(str(exc)) from None


def is_segment_name(first: Path, path: Path) -> bool:
    """Whether ``path`` is where a continuation segment of the trace whose first segment is ``first`` would be
    (either form)."""
    m = tracezip.segment_pattern(first).fullmatch(path.name)
    return m is not None and int(m.group(1)) > 1 and path.absolute().parent == first.absolute().parent


def _segment_head(path: Path, data: bytes) -> tuple[int, int, int, bytes]:
    """A continuation segment's SEGMENT record (its first), unpacked; TraceFileError if it has none."""
    n = len(COMPACT_MAGIC)
    if not data.startswith(COMPACT_MAGIC) or problem(data, n) is not None or data[n + 8] != SEGMENT:
        raise TraceFileError(f"{path}: not a segment of a compact trace (it does not start with {COMPACT_MAGIC!r} "
                             "and a segment record)")
    return _SEG.unpack_from(data, n + REC)


def trace_tail(first: Path, node: int | None = None) -> tuple[int, int, Path]:
    """The last segment of a node's compact trace, for the node's start: (its number, where it starts in the
    whole trace, its path). Only that segment's head is read; ``(1, 0, first)`` when there is no continuation
    segment. ``node``: the node it must be of, given at the node's start: then every segment's head is checked
    (:func:`_check_heads`)."""
    numbers = segment_numbers(first)
    for p in (first, segment_path(first, numbers[-1])) if numbers else (first,):
        if what := not_a_file(p):  # (a FIFO held the node's start and `wal check` for ever)
            raise TraceFileError(f"{p}: {what}, where the node keeps its trace (a file)")
    if not numbers:
        if node is not None:
            _check_first_header(first, node)
        return 1, 0, first
    if not os.path.lexists(first):  # (a node went on in its last segment, a trace the audit can no longer read)
        there = segment_path(first, numbers[0])
        there = there if os.path.lexists(there) else zipped(there)
        raise TraceFileError(f"{first}: missing, while {there.name} of its trace is there: "
                             "the trace's first segment moved or deleted")
    path = segment_path(first, numbers[-1])
    if not os.path.lexists(path):  # (never compressed by the node: it appends to it, or makes the next at start)
        raise TraceFileError(f"{zipped(path)}: the trace's last segment is compressed, yet its node appends to it "
                             "(it never compresses its last segment: one moved in, or the ones after it moved out?)")
    if node is not None:
        _check_heads(first, numbers, node)
    with open(path, "rb") as f:
        head = f.read(_HEAD_BYTES)
    of, number, start, _ = _segment_head(path, head)
    _check_head(path, numbers[-1], number, of, node)
    return number, start, path


_HEAD_BYTES = len(COMPACT_MAGIC) + REC + _SEG.size  # a continuation segment's magic and SEGMENT record


def _check_head(path: Path, want: int, number: int, of: int, node: int | None) -> None:
    if number != want:
        raise TraceFileError(f"{path}: holds segment {number}, not {want} (a segment renamed or copied?)")
    if node is not None and of != node:
        raise TraceFileError(f"{path}: a segment of node {of}'s trace, not node {node}'s (copied from another "
                             "node's folder?)")


def _check_heads(first: Path, numbers: list[int], node: int) -> None:
    """What a node's start checks of its trace's segments (`wal check` too, before reading them whole): each one up
    to the last is there (in either form) and its head says it is segment n of this node's trace, starting where
    the one before ends and carrying the link the one before closes with (when that one is not compressed: a
    ``.z``'s last record is read only by inflating it all). Heads only (a ``.z``'s first bytes inflated); the records
    are the audit's to read. A middle segment missing, of another node or of another cluster's node went unseen
    (only the last one's head was read): the node started, its trace one the audit refuses."""
    expected, link, before = os.path.getsize(first), tracezip.next_link(first), first
    for n in range(2, numbers[-1] + 1):
        path = segment_path(first, n)
        if not _present(path):
            raise TraceFileError(f"{path}: missing, segment {n} of the node's trace, while {before.name} continues "
                                 f"in it and {segment_path(first, numbers[-1]).name} is there (moved or deleted?)")
        if link is None and before.suffix != ".z":
            raise TraceFileError(f"{before}: does not end with the record that names the next segment, yet "
                                 f"{path.name} is there (this one cut short, or that one not of this trace)")
        held = path if os.path.lexists(path) else zipped(path)  # (both: a crash while compressing; the segment read)
        if what := not_a_file(held):  # (a FIFO would hold the start for ever)
            raise TraceFileError(f"{held}: {what}, where the node keeps a segment of its trace (a file)")
        if held == path:
            with open(path, "rb") as f:
                head, size = f.read(_HEAD_BYTES), os.fstat(f.fileno()).st_size
        else:
            try:
                size, head = tracezip.segment_start(held, _HEAD_BYTES)
            except CompressedSegmentError as exc:
                raise TraceFileError(str(exc)) from None
        of, number, start, _ = _segment_head(held, head)
        _check_head(held, n, number, of, node)
        if start != expected:
            raise TraceFileError(f"{held}: starts at byte {start:,} of its trace, but {before.name} ends at byte "
                                 f"{expected:,} (a segment of another trace: another cluster's node {node}?)")
        if link is not None and head[-_SEG.size:] != link:
            raise TraceFileError(f"{held}: does not continue {before.name} "
                                 f"({_mismatch(_SEG.unpack(head[-_SEG.size:]), _SEG.unpack(link))})")
        expected += size
        link = tracezip.next_link(path) if held == path and n < numbers[-1] else None
        before = held


def _check_first_header(first: Path, node: int) -> None:
    """A one-segment trace's first record is its first boot's header line: TraceFileError when it is another
    node's (a node's start appended to a copied trace.bin, which only the audit refused)."""
    try:
        with open(first, "rb") as f:
            data = f.read(len(COMPACT_MAGIC) + REC + 4096)
    except FileNotFoundError:
        return
    at = len(COMPACT_MAGIC)
    if not data.startswith(COMPACT_MAGIC) or len(data) < at + REC or data[at + 8] != JSON_LINES:
        return  # (not a compact trace, or none yet: the start's other checks say so)
    length = HEAD.unpack_from(data, at + 4)[0]
    line = data[at + REC : at + REC + length].split(b"\n", 1)[0]
    try:
        of = json.loads(line).get("node")
    except (ValueError, AttributeError):
        return  # (a damaged record: stream_records names it)
    if isinstance(of, int) and of != node:
        raise TraceFileError(f"{first}: the trace of node {of}, not node {node}'s (copied from another node's "
                             "folder?)")


def set_aside(folder: Path) -> str:
    """The way out for a node whose trace refuses its start, said where the refusal is: the trace is evidence,
    not state."""
    return (f"its trace: move every trace*.bin* of {folder} aside to start it with a new one; the audit then lacks "
            "this node's history before")


def check_tail(first: Path, node: int | None = None) -> None:
    """What a node's start checks of its compact trace, changing nothing: every segment's head (with ``node``, the
    node they must be of) and its last segment's records. TraceFileError (or OSError) when the start would refuse
    it."""
    _, _, path = trace_tail(first, node)
    stream_records(path)


def check_trace(first: Path, node: int | None = None) -> None:
    """What `paxraft wal check` reads of a node's compact trace: what its start checks (:func:`check_tail`), then
    every segment whole, as the audit reads them (a damaged or foreign segment before the last one was the audit's
    to find). TraceFileError (or OSError) naming the file at the first fault."""
    check_tail(first, node)
    for _ in read_segments(first, open_end=True):
        pass


def trace_size(first: Path) -> int:
    """The size of a node's whole compact trace (its segments end to end): what its log's trace marks count."""
    _, start, path = trace_tail(first)
    return start + path.stat().st_size


def cut_trace(first: Path, size: int) -> None:
    """Cut a node's compact trace back to ``size`` bytes (its log dropped a write whose trace lines were cut
    short): in its last segment, where every write's lines are (a new segment starts only between writes)."""
    number, start, path = trace_tail(first)
    if size < start + len(COMPACT_MAGIC) + (REC + _SEG.size if number > 1 else 0):
        raise TraceFileError(f"{path}: the log's last write says the trace held {size:,} bytes before it, but its "
                             f"last segment starts at byte {start:,}")
    os.truncate(path, size - start)


def read_segments(first: Path, data: bytes | None = None, *,
                  open_end: bool = False) -> Iterator[tuple[str, bytes, list[Any], int]]:
    """A node's compact trace segment by segment, in order, each checked to continue the one before: yields
    (file name, its bytes, its records as :func:`compact_records` gives them without the SEGMENT and NEXT ones,
    where its intact records end). One segment's bytes at a time (``data``: the first one's, already read).
    A segment missing, reordered, duplicated, of another trace or damaged is a TraceFileError naming the file.
    A segment may be compressed (impl/tracezip.py): then the ``.z`` is read and named (byte offsets count the
    segment's bytes, decompressed). ``open_end``: a last segment closed without its successor is the trace's end
    (a node stopped between the two makes it at its start; its log's trace marks say whether events are lost)."""
    number, start, link = 1, 0, b""
    path = before = first  # (before: the file the previous segment was read from)
    while True:
        if data is None:
            path, data = read_segment(path, "trace segment" if number > 1 else "")
        name = str(path)
        records, end = compact_records(data, name)
        head = records[0] if records and records[0][1] == SEGMENT else None
        if number == 1 and head is not None:
            _, n, at, _ = _SEG.unpack(head[2])
            first_name = re.sub(r"\.\d{6,}$", "", path.stem) + path.suffix
            raise TraceFileError(f"{name}: segment {n} of a node's trace (from its byte {at:,}), not its start: give "
                                 f"its first segment ({first_name} if not renamed); the ones after it are read in "
                                 "order")
        if number > 1:
            if head is None:
                raise TraceFileError(f"{name}: does not start with a segment record: not segment {number} of "
                                     f"{first}'s trace")
            if bytes(head[2]) != link:
                raise TraceFileError(f"{name}: does not continue {before} "
                                     f"({_mismatch(_SEG.unpack(head[2]), _SEG.unpack(link))})")
            records = records[1:]
        closed = records and records[-1][1] == NEXT
        stray = next((pos for pos, typ, _ in records[:-1] if typ in (SEGMENT, NEXT)), None)
        if stray is not None:
            raise TraceFileError(f"{name}: a segment record in the middle of the segment (byte offset {stray})")
        nxt = segment_path(first, number + 1)
        if not closed:
            if _present(nxt) and path.stat().st_size != len(data) and path.suffix != ".z":
                raise TraceFileError(f"{name}: grew while it was read, and {nxt.name} appeared after it: its node is "
                                     "running; read its trace again once it has stopped (or from a copy)")
            if _present(nxt):
                raise TraceFileError(f"{name}: does not end with the record that names the next segment, yet "
                                     f"{nxt.name} is there (this one cut short, or that one not of this trace)")
            yield name, data, records, end
            return
        link = bytes(records[-1][2])
        _, _, at, _ = _SEG.unpack(link)
        if end != len(data):
            raise TraceFileError(f"{name}: {len(data) - end:,} bytes after its last record, which closes it")
        if at != start + len(data):
            raise TraceFileError(f"{name}: its last record says it ends at byte {at:,} of its trace, but it ends at "
                                 f"{start + len(data):,} (a segment cut or extended)")
        if not _present(nxt) and open_end and max(segment_numbers(first), default=1) <= number:
            yield name, data, records[:-1], end
            return
        if not _present(nxt):
            raise TraceFileError(f"{name}: continues in {nxt.name}, which is missing (segment {number + 1} of the "
                                 "node's trace): a trace read without it would lose its events silently")
        yield name, data, records[:-1], end
        number, start, path, before, data = number + 1, at, nxt, path, None


def _mismatch(got: tuple[Any, ...], want: tuple[Any, ...]) -> str:
    """What differs between a segment's record and the one its predecessor's NEXT expects."""
    if got[0] != want[0]:
        return f"a segment of node {got[0]}'s trace, not node {want[0]}'s"
    if got[1] != want[1]:
        return f"it is segment {got[1]}, expected {want[1]}: segments renamed or reordered?"
    if got[2] != want[2]:
        return f"it starts at byte {got[2]:,} of its trace, expected {want[2]:,}"
    return "another run's segment, or an older copy: its link differs"


def _record_lines(typ: int, payload: memoryview, formatter: LineFormatter, where: str,
                  records: bool = False) -> list[Any]:
    """A compact record's events as JSON lines (no newlines); with ``records``, each event as the dict JSON reads
    of its line where one is built without the text (LineFormatter.record)."""
    if typ == JSON_LINES:
        try:
            text = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise TraceFileError(f"{where}: a JSON-lines record that is not UTF-8 text") from None
        if not text.endswith("\n"):
            raise TraceFileError(f"{where}: a JSON-lines record whose last line has no newline")
        return text[:-1].split("\n")
    if typ != RAFT_EVENTS:
        raise TraceFileError(f"{where}: a segment record: read the trace with its segments (impl.trace.segment_lines)")
    try:
        events = raft_events(payload)
        if records:
            return [_record(formatter, ev) for ev in events]
        return [formatter.line(ev) for ev in events]
    except (ValueError, EOFError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise TraceFileError(f"{where}: a record of events that does not decode ({exc})") from None


def raft_events(payload: bytes | memoryview) -> list[Any]:
    """A RAFT_EVENTS record's events, checked to be what :class:`CompactTracer` writes, the one check of the full
    reading and of the audit's survey (:func:`survey_compact`): each a tuple of its 14 fields, those the JSON line
    prints as numbers exactly ints (not a bool, a str, a float: a line prints them as they are, so a str "1" read
    as the number 1 and True was no JSON), the received message None or a message, the sent ones a tuple of
    messages, a message its wire bytes or its 17 fields (:func:`_not_a_message`). Anything else is a TypeError (or
    ValueError, EOFError: not marshal) naming the event: a set of sent messages was read in its hashes' order, which
    for bytes differs from one run to the next (``trace-json`` printed one file two ways)."""
    events = marshal.loads(payload)
    if type(events) is not list:
        raise TypeError("not a list")
    for k, ev in enumerate(events):  # (written out: 0.6 us an event, where map/all/issuperset took 3.5)
        if (type(ev) is not tuple or len(ev) != EVENT_FIELDS or type(ev[0]) is not int or type(ev[1]) is not int
                or type(ev[2]) is not str or type(ev[6]) is not int or type(ev[7]) is not int
                or (ev[8] is not None and type(ev[8]) is not int) or type(ev[9]) is not int or type(ev[12]) is not int
                or type(ev[10]) is not tuple):
            raise TypeError(f"event {k + 1} of the record is {_kind(ev)}, not a tuple of {EVENT_FIELDS} fields"
                            if type(ev) is not tuple or len(ev) != EVENT_FIELDS else _OTHER_TYPE.format(k + 1))
        for e in ev[10]:
            if type(e) is not tuple or len(e) != 2 or type(e[0]) is not int:
                raise TypeError(_OTHER_TYPE.format(k + 1))
        recv, sent = ev[4], ev[5]
        if recv is not None and type(recv) is not bytes and (why := _not_a_message(recv)):
            raise TypeError(f"event {k + 1} of the record receives {why}")
        if type(sent) is not tuple:
            raise TypeError(f"event {k + 1} of the record sends {_kind(sent)}, not a tuple of messages")
        for m in sent:
            if type(m) is not bytes and (why := _not_a_message(m)):
                raise TypeError(f"event {k + 1} of the record sends {why}")
    return events


_OTHER_TYPE = ("event {} of the record has a field of another type than the writer's (node, clock, term, role, vote, "
               "from, commit: ints; action: a str; entries: (term, value) pairs)")
EVENT_FIELDS = 14  # (node, clock, action, params, recv, sent, term, role, vote, from, entries, snapshot, commit, extra)
_VALUES = (str, bytes)  # an entry's value: its name, or the key the node kept of its data (named when read)


def _not_a_message(m: Any) -> str:
    """What ``m`` is when it is not a traced message ("" when it is): its wire bytes (decoded when read), or its
    17 fields with ints where the wire has numbers, its entries (term, value) pairs (a value its name, or bytes the
    reader names) and no snapshot bytes."""
    if type(m) is bytes:
        return ""
    if type(m) is not tuple:
        return f"{_kind(m)}, not a message"
    if len(m) != 17:
        return f"{_kind(m)}, not a message's 17"
    if not (ALL_INT(map(type, m[:12])) and ALL_INT(map(type, m[14:])) and type(m[12]) is tuple
            and all(type(e) is tuple and len(e) == 2 and type(e[0]) is int and type(e[1]) in _VALUES for e in m[12])
            and m[13] == b""):
        return "a message with a field of another type than the writer's (numbers: ints; entries: (term, value) pairs)"
    return ""


def _kind(x: Any) -> str:
    """What a marshalled value is, for a sentence: ``a tuple of 3 fields``, ``an int``, ``None``, ``bytes``."""
    if x is None or type(x) is bytes:
        return "None" if x is None else "bytes"
    if type(x) is tuple:
        return f"a tuple of {len(x)} fields"
    name = type(x).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _record(formatter: LineFormatter, ev: Any) -> Any:
    """The event as the dict its JSON line reads as, or that line when the dict is not built (LineFormatter.record)."""
    try:
        return formatter.record(ev)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError):
        return formatter.line(ev)


def json_lines(data: bytes, name: str) -> tuple[list[str], int | None]:
    """One compact file's bytes (a trace of one segment) as its JSON lines (no newlines), and the byte offset of
    a last record cut short (None when there is none). :func:`segment_lines` reads a trace in segments."""
    records, end = compact_records(data, name)
    formatter = LineFormatter(describe_command)
    lines: list[str] = []
    for pos, typ, payload in records:
        lines += _record_lines(typ, payload, formatter, f"{name}: record at byte offset {pos}")
    return lines, (end if end < len(data) else None)


def segment_lines(first: Path, data: bytes | None = None) -> Iterator[tuple[list[str], str | None]]:
    """A node's compact trace (``first``: its first segment, ``data`` its bytes if read) as its JSON lines, one
    segment at a time (:func:`read_segments`): the segment's lines, and a warning when its last record is cut
    short (only the last segment's can be). The one way from the compact form to the documented one."""
    formatter = LineFormatter(describe_command)
    for name, seg, records, end in read_segments(first, data):
        lines: list[str] = []
        for pos, typ, payload in records:
            lines += _record_lines(typ, payload, formatter, f"{name}: record at byte offset {pos}")
        del records  # (their payloads are views of the segment's bytes)
        yield lines, _cut_short(name, seg, end)


def _cut_short(name: str, seg: bytes, end: int) -> str | None:
    """The warning for a segment whose last record is cut short (intact records ending at ``end``)."""
    return None if end == len(seg) else (f"{name}: the last record is cut short (byte offset {end}, "
                                         f"{len(seg) - end} bytes): a node that crashed while writing; ignored")


def decode_compact(path: str | os.PathLike[str], data: bytes, warnings: list[str]) -> Iterator[list[Any]]:
    """What the audit's reader needs of a compact file (modelcheck/audit/tracefile.py, ``Decoder``): given the
    first segment's path and bytes, the trace's JSON lines record by record (as :func:`segment_lines` makes
    them), an event as the dict its line reads as (LineFormatter.record: a record's events in memory at a time,
    not a segment's); a warning appended when a last record was cut short; TraceFileError when damaged."""
    formatter = LineFormatter(describe_command)
    for name, seg, records, end in read_segments(Path(path), data):
        for pos, typ, payload in records:
            yield _record_lines(typ, payload, formatter, f"{name}: record at byte offset {pos}", True)
        del records
        warning = _cut_short(name, seg, end)
        if warning is not None:
            warnings.append(warning)


def survey_compact(path: str | os.PathLike[str], data: bytes) -> Iterator[list[Any]]:
    """What the audit's survey reads of a compact file (modelcheck/audit/tracefile.py, ``Surveyor``), record by
    record: for each of its JSON lines, in order, the line decoded when it is a header or JSON text, else the
    event's (node, clock, action, params, received message id or None, sent message ids), read off its record
    without the rest. ValueError when something does not decode: the reader then reads the file as
    :func:`decode_compact` gives it, which says what."""
    try:
        for _, _, records, _ in read_segments(Path(path), data):
            for _, typ, payload in records:
                if typ == RAFT_EVENTS:
                    yield [(ev[0], ev[1], ev[2], ev[3], None if ev[4] is None else message_id(ev[4]),
                            [message_id(m) for m in ev[5]]) for ev in raft_events(payload)]
                elif typ == JSON_LINES:
                    yield [json.loads(line) for line in bytes(payload).decode("utf-8").split("\n")[:-1]]
                else:
                    raise ValueError(f"record type {typ}")
    except (ValueError, EOFError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise ValueError(f"{path}: not surveyed ({exc})") from None


def is_compact(data: bytes) -> bool:
    """Whether a trace file's bytes are a compact trace."""
    return data.startswith(COMPACT_MAGIC)


def last_clock(path: str | os.PathLike[str]) -> int:
    """The clock of the last complete event in a trace file (0 if none): a restarted node continues from it."""
    return last_clock_term(path)[0]


def last_clock_term(path: str | os.PathLike[str]) -> tuple[int, int]:
    """(clock, currentTerm) of the last complete event in a trace file ((0, 0) if none)."""
    p = Path(path)
    if not p.exists():
        return 0, 0
    with open(p, "rb") as f:
        head = f.read(len(COMPACT_MAGIC))
        if is_compact(head):
            number = trace_tail(p)[0]
            for n in range(number, 0, -1):  # (the segments before the last: only when it holds no event yet)
                last = _segment_last(segment_path(p, n))
                if last[0]:
                    return last
            return 0, 0
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 65536))
        tail = f.read().split(b"\n")
    return _last_of(tail)


def _segment_last(path: Path) -> tuple[int, int]:
    """(clock, term) of the last event of one compact file ((0, 0): none), or of its compressed form."""
    if not os.path.lexists(path) and os.path.lexists(zipped(path)):  # (a closed segment: read whole, once)
        name, data = read_segment(path)
        records, _ = compact_records(data, str(name))
        return next((c for _, typ, payload in reversed(records) if (c := _record_last(typ, payload))[0]), (0, 0))
    last, _ = stream_records(path)
    with open(path, "rb") as f:
        for pos, typ, length in reversed(last):
            f.seek(pos + REC)
            found = _record_last(typ, f.read(length))
            if found[0]:
                return found
        if len(last) < LAST_RECORDS:
            return 0, 0
        f.seek(0)  # (every one of the last records is a header: rare; the earlier ones are read too)
        records, _ = compact_records(f.read(), str(path))
    return next((c for _, typ, payload in reversed(records) if (c := _record_last(typ, payload))[0]), (0, 0))


def _record_last(typ: int, payload: bytes | memoryview) -> tuple[int, int]:
    """(clock, term) of a compact record's last event ((0, 0): it holds none): a CompactTracer event is
    ``(node, clock, action, params, recv, sent, term, ...)``."""
    if typ == RAFT_EVENTS:
        events = marshal.loads(payload)
        return (int(events[-1][1]), int(events[-1][6])) if events else (0, 0)
    return _last_of(bytes(payload).split(b"\n")) if typ == JSON_LINES else (0, 0)


def _last_of(lines: list[bytes]) -> tuple[int, int]:
    for line in reversed(lines):
        try:
            ev = json.loads(line)
        except ValueError:
            continue  # a partial last line from a crash
        if isinstance(ev, dict) and "clock" in ev:
            term = ev.get("state", {}).get("currentTerm", 0) if isinstance(ev.get("state"), dict) else 0
            return int(ev["clock"]), int(term) if type(term) is int else 0
    return 0, 0


def read_events(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Every event (headers skipped) of a trace file, JSON lines or compact; a partial last line or record is
    skipped."""
    with open(path, "rb") as f:
        data = f.read()
    if is_compact(data):
        lines = [line for chunk, _ in segment_lines(Path(path), data) for line in chunk]
    else:
        lines = data.decode("utf-8").split("\n")
        lines.pop()  # after the last newline: empty, or a partial line
    for line in lines:
        ev = json.loads(line)
        if "action" in ev:
            yield ev


def expand_logs(events: Iterable[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], list[list[Any] | None]]]:
    """Yield ``(event, full log)`` with each node's log rebuilt from the deltas (compacted entries: None)."""
    logs: dict[int, list[list[Any] | None]] = {}
    for ev in events:
        lj = ev["state"]["log"]
        cur = logs.setdefault(ev["node"], [])
        if ev["action"] in BOOT_ACTIONS:
            cur = logs[ev["node"]] = []
        if "snapshot" in lj:
            idx, term = lj["snapshot"]
            cur = logs[ev["node"]] = [None] * (idx - 1) + [[term, None]] if idx else []
        del cur[lj["from"] - 1 :]
        cur.extend(lj["entries"])
        yield ev, list(cur)
