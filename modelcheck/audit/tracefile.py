"""Reading trace files (docs/trace-format.md): headers, events, and errors that name file and line.

A file is JSON lines: a header (``{"format": "paxraft-trace", "version": 2, "node": N, ...}``)
then that boot's events, possibly followed by further headers (one per restart).  Within a
file the Lamport clock strictly increases.  A last line without its newline that is not
valid JSON is what a crashed node leaves behind: it is reported as a warning and skipped.
A compact trace file (what our store's nodes write; impl/trace.py) is read as its JSON lines, by a decoder
the caller passes.
"""

from __future__ import annotations

import heapq
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from operator import attrgetter
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

from modelcheck.audit.fastjson import loads
from modelcheck.engine.gcpause import gc_paused
from spec.trace_format import (
    ALL_INT,
    COMPACT_MAGIC,
    COMPRESSED_MAGIC,
    EVENT_FIELDS,
    FORMAT,
    READ_VERSIONS,
    given_compressed,
    shift_message,
    shift_state,
)
from spec.userfiles import MAX_FILE_BYTES, open_user_file, read_bytes


class TraceError(ValueError):
    """A trace that cannot be audited: names the file, the line and what was wrong."""


@dataclass(slots=True)
class Event:
    """One implementation step as the trace records it (slots: no per-event __dict__ to build and collect)."""

    file: str
    line: int
    node: int
    boot: int
    clock: int
    action: str
    params: dict[str, Any]
    recv: dict[str, Any] | None
    sent: list[dict[str, Any]]
    state: dict[str, Any]
    header: dict[str, Any] = field(repr=False, default_factory=dict)
    extra: dict[str, Any] = field(repr=False, default_factory=dict)
    #: what a mapping decoded from this event, once (its own slot: an object per event fewer for the collector)
    cache: Any = field(repr=False, default=None, compare=False)
    #: set by :func:`merge` when ``recv`` differs from the message its sender sent under that id: (where it was
    #: sent, the sender's copy); the audit fails at this event unless the sending event failed first
    sent_as: tuple[str, dict[str, Any]] | None = field(repr=False, default=None, compare=False)

    @property
    def where(self) -> str:
        """``file:line`` (a plain property: functools.cached_property takes a lock on every first read)."""
        return f"{self.file}:{self.line}"

    def describe(self) -> str:
        """``node 2 HandleAppendEntriesRequest(j=1)``."""
        params = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"node {self.node} {self.action}({params})"


@dataclass
class TraceFile:
    """The events of one file and the warnings met while reading it."""

    path: str
    headers: list[dict[str, Any]]
    events: list[Event]
    warnings: list[str]


_EVENT_KEYS = frozenset(EVENT_FIELDS)


def _need(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise TraceError(f"{where}: {what}")


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


#: Reads a compact trace given its (first) file's path and bytes: yields its JSON lines a batch at a time (a
#: segment's: a node's trace may be several files, read one at a time), a line as text or as the dict JSON reads
#: of it, appends warnings to the list given; ValueError when damaged.
Decoder = Callable[[Path, bytes, list[str]], Iterable[list[Any]]]
#: What a survey reads of a compact trace given its (first) file's path and bytes, a batch at a time: for each JSON
#: line, the decoded line (a header, or an event as JSON), or an event's (node, clock, action, params, received
#: message id or None, sent message ids); ValueError when something does not decode (impl.trace.survey_compact).
Surveyor = Callable[[Path, bytes], Iterable[list[Any]]]


def _decoded(batches: Iterable[list[str]]) -> Iterator[str]:
    """A decoder's lines, one at a time; its ValueError (damage) as a TraceError."""
    try:
        for batch in batches:
            yield from batch
    except ValueError as exc:
        raise TraceError(str(exc)) from None


class _Torn(str):
    """The last line of a JSON-lines file when it has no newline (a crash may have cut it short)."""


_CHUNK = 1 << 16
_NL = b"\n"


def _file_lines(fh: BinaryIO, name: str, limit: int = MAX_FILE_BYTES, end: int | None = None) -> Iterator[str]:
    """A JSON-lines file's lines without their newlines, decoded 64 KB at a time (the file is never whole in
    memory: an audit reads several at once); the last one, when it has no newline, as a :class:`_Torn`. A line
    longer than ``limit`` is refused where it starts (a file of zeros held every block it read, copied again at
    each: 30 MB of one line took 6 s, and a larger one grew without end). ``end``: the file's first ``end``
    bytes only (what a survey read of a file that may grow since)."""
    base, parts, held = 0, [], 0  # (lines before this block; the blocks of a line not ended yet, their bytes)
    left = -1 if end is None else end
    while block := fh.read(_CHUNK if left < 0 else min(_CHUNK, left)):
        left -= len(block) if left >= 0 else 0
        cut = block.rfind(_NL) + 1
        if not cut:
            parts.append(block)
            held += len(block)
            if held > limit:
                raise TraceError(f"{name}:{base + 1}: a line longer than {limit:,} bytes; not a trace line")
            continue
        whole = b"".join((*parts, block[:cut])) if parts else block[:cut]
        rest = block[cut:]
        parts, held = ([rest] if rest else []), len(rest)
        del block
        try:
            lines = whole.decode("utf-8").split("\n")
        except UnicodeDecodeError as exc:
            raise TraceError(f"{name}:{base + whole[: exc.start].count(_NL) + 1}: not UTF-8 text") from exc
        del whole
        lines.pop()  # the empty string after the block's last newline
        base += len(lines)
        yield from lines
    if parts:
        try:
            yield _Torn(b"".join(parts).decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise TraceError(f"{name}:{base + 1}: not UTF-8 text") from exc


def _open(path: str | Path, name: str) -> io.BufferedReader:
    """The file, open for reading, or a TraceError saying why not (closed by the reader's generator); a regular
    file: the audit reads its traces twice."""
    return open_user_file(path, name, TraceError, regular=True)


class TraceReader:
    """One trace file, read lazily: iterating yields its events, each checked as it is read (structure, the clock
    strictly increasing, the header rules); ``headers`` and ``warnings`` fill as it goes. Each iteration reads
    the file again. A compact file (our store's nodes' ``trace.bin``) is read as its JSON lines by ``decode``
    (impl.trace.decode_compact, which `paxraft audit` and modelcheck.harness.read_node_traces pass: this layer
    does not import the store), a segment at a time."""

    def __init__(self, path: str | Path, decode: Decoder | None = None, survey: Surveyor | None = None,
                 end: int | None = None) -> None:
        self.path = path
        self.name = str(path)
        self.decode, self.survey = decode, survey
        self.headers: list[dict[str, Any]] = []
        self.warnings: list[str] = []
        self.count = 0  # events yielded by the last iteration
        #: a JSON-lines file: read its first ``end`` bytes only (those a survey read: a file still written grows)
        self.end = end
        self.size: int | None = None  # a JSON-lines file: the bytes the last iteration read (None: a compact one)

    def __iter__(self) -> Iterator[Event]:
        self.headers, self.warnings, self.count = [], [], 0
        return self._events()

    def _lines(self, fh: io.BufferedReader) -> Iterator[str]:
        if fh.peek(len(COMPACT_MAGIC))[: len(COMPACT_MAGIC)] != COMPACT_MAGIC:  # (fh: a BufferedReader)
            return self._json_lines(fh)
        return self._lines_of(read_bytes(self.path, error=TraceError))

    def _json_lines(self, fh: io.BufferedReader) -> Iterator[str]:
        """A JSON-lines file's lines, up to ``end``; what it read is ``size``; a file grown past ``end`` is said in
        a warning (its new tail is not read: an audit's second pass chased a file its node was still writing)."""
        yield from _file_lines(fh, self.name, end=self.end)
        self.size = fh.tell()
        if self.end is not None and fh.read(1):
            grown = os.fstat(fh.fileno()).st_size - self.end
            self.warnings.append(f"{self.name}: grew by {grown:,} bytes after the first reading; the audit reads the "
                                 f"{self.end:,} bytes read then (the events written since are not audited)")

    def _lines_of(self, data: bytes) -> Iterator[str]:
        """A compact file's JSON lines (line N: the Nth line of `paxraft trace-json`), a segment at a time."""
        if self.decode is None:
            raise TraceError(f"{self.name}: a compact trace file (a node's trace.bin): read it with `paxraft audit` "
                             "or convert it with `paxraft trace-json`")
        return _decoded(self.decode(Path(self.path), data, self.warnings))

    def _events(self) -> Iterator[Event]:
        name = self.name
        with _open(self.path, name) as fh:
            if fh.peek(len(COMPRESSED_MAGIC))[: len(COMPRESSED_MAGIC)] == COMPRESSED_MAGIC:
                raise TraceError(given_compressed(name))
            if self.survey is not None and self.decode is not None and fh.peek(len(COMPACT_MAGIC))[
                    : len(COMPACT_MAGIC)] == COMPACT_MAGIC:
                yield from self._surveyed(read_bytes(self.path, error=TraceError))
            else:
                yield from self._parse(self._lines(fh))
        if not self.headers:
            raise TraceError(f"{name}:1: empty trace file (expected a header line)")

    def _surveyed(self, data: bytes) -> Iterator[Event]:
        """A compact file's events as a survey reads them (``survey``), unchecked: no state, messages as their ids.
        Where the records do not read so, the file is read (from there) as the audit reads it, which says why."""
        name, headers = self.name, self.headers
        header: dict[str, Any] | None = None
        n = 0
        try:
            for batch in self.survey(Path(self.path), data):  # type: ignore[misc]
                for rec in batch:
                    n += 1
                    if type(rec) is dict:
                        if "format" in rec:
                            try:
                                _check_header(rec, headers, f"{name}:{n}")
                            except TraceError:
                                raise ValueError("a header the reading refuses") from None
                            header = rec
                            headers.append(rec)
                            continue
                        recv = rec.get("recv")
                        rec = (rec.get("node"), rec.get("clock"), rec.get("action"), rec.get("params", {}),
                               None if recv is None else recv.get("id"), [m.get("id") for m in rec.get("sent", [])])
                    node, clock, action, params, rid, sids = rec
                    if header is None or type(node) is not int or type(clock) is not int or type(
                            action) is not str or type(params) is not dict or not (
                            rid is None or type(rid) is list and ALL_INT(map(type, rid))) or not all(
                            type(m) is list and ALL_INT(map(type, m)) for m in sids):
                        raise ValueError("not as a survey reads it")
                    self.count += 1
                    yield Event(name, n, node, len(headers) - 1, clock, action, params,
                                None if rid is None else {"id": rid}, [{"id": m} for m in sids], {}, header)
        except (ValueError, TypeError, AttributeError):
            del data
            self.headers, self.count = [], 0
            for e in self._parse(self._lines_of(read_bytes(self.path, error=TraceError))):
                if e.line > n - 1:  # (the line that did not read, and those after it)
                    yield e

    def _parse(self, lines: Iterator[str]) -> Iterator[Event]:
        name, headers, warnings = self.name, self.headers, self.warnings
        header: dict[str, Any] | None = None
        last_clock: int | None = None
        last_line = 0
        for n, line in enumerate(lines, 1):
            where = f"{name}:{n}"
            if type(line) is dict:  # (a compact file's event, read as the dict its JSON line is: ``Decoder``)
                rec = line
            elif not line.strip():
                continue
            else:
                try:
                    rec = loads(line)
                except RecursionError:
                    raise TraceError(f"{where}: JSON nested too deeply (more than about 1,000 levels)") from None
                except ValueError as exc:  # JSONDecodeError, or an integer of more than 4,300 digits
                    if not isinstance(exc, json.JSONDecodeError):
                        raise TraceError(f"{where}: unreadable JSON value ({str(exc).split(';')[0]})") from None
                    if type(line) is _Torn:
                        warnings.append(
                            f"{where}: the last line is cut short ({len(line)} bytes, no newline): "
                            "a node that crashed while writing; ignored"
                        )
                        continue  # (the last line: the reading ends, and says what it read)
                    raise TraceError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
            if type(rec) is not dict:
                raise TraceError(f"{where}: expected a JSON object")
            if "format" in rec:
                _check_header(rec, headers, where)
                header = rec
                headers.append(rec)
                continue
            if header is None:
                raise TraceError(f"{where}: an event before the file's header line")
            # The checks below run once per event: each message is built only when its check fails.
            node = rec.get("node")
            if type(node) is not int:  # (a decoded JSON integer is exactly int; bool is not)
                raise TraceError(f'{where}: "node" must be an integer, got {node!r}')
            if node != header["node"]:
                raise TraceError(f"{where}: event of node {node} in node {header['node']}'s file")
            clock = rec.get("clock")
            if type(clock) is not int:
                raise TraceError(f'{where}: "clock" must be an integer, got {clock!r}')
            if last_clock is not None and clock <= last_clock:
                raise TraceError(
                    f"{where}: out of order: clock {clock} does not exceed {last_clock} (line {last_line}); "
                    "a node's clock must strictly increase"
                )
            action = rec.get("action")
            if type(action) is not str or not action:
                raise TraceError(f'{where}: "action" must be a name, got {action!r}')
            params = rec.get("params", {})
            if type(params) is not dict:
                raise TraceError(f'{where}: "params" must be an object')
            recv = rec.get("recv")
            if recv is not None and type(recv) is not dict:
                raise TraceError(f'{where}: "recv" must be a message object')
            sent = rec.get("sent", [])
            if type(sent) is not list or (sent and not all(type(m) is dict for m in sent)):
                raise TraceError(f'{where}: "sent" must be a list of message objects')
            if recv or sent:
                for m in ([recv] if recv else []) + sent:
                    mid = m.get("id")
                    if not (type(mid) is list and all(type(x) is int for x in mid)):
                        raise TraceError(f'{where}: a message needs an "id" list of integers, got {mid!r}')
            state = rec.get("state")
            if type(state) is not dict:
                raise TraceError(f'{where}: "state" must be an object (the node\'s state after the step; {{}} when '
                                 "the line says nothing of it)")
            extra = {k: v for k, v in rec.items() if k not in _EVENT_KEYS} if rec.keys() - _EVENT_KEYS else {}
            offset = header.get("term_offset", 0)
            if offset:  # the tracer declared its numbering: every term read in raft.tla's (starting at 1)
                state = shift_state(state, offset)
                recv = shift_message(recv, offset) if recv is not None else None
                sent = [shift_message(m, offset) for m in sent]
            self.count += 1
            yield Event(name, n, node, len(headers) - 1, clock, action, params, recv, sent, state, header, extra)
            last_clock, last_line = clock, n


def _check_header(rec: dict[str, Any], headers: list[dict[str, Any]], where: str) -> None:
    """A header line's rules (docs/trace-format.md); ``headers``: the file's earlier ones."""
    _need(rec["format"] == FORMAT, where, f"unknown format {rec['format']!r} (expected {FORMAT!r})")
    _need(rec.get("version") in READ_VERSIONS, where,
          f"unsupported version {rec.get('version')!r} (this reader reads {', '.join(map(str, READ_VERSIONS))})")
    _need(_is_int(rec.get("node")), where, f'the header\'s "node" must be an integer, got {rec.get("node")!r}')
    _need(_is_int(rec.get("term_offset", 0)), where,
          f'the header\'s "term_offset" must be an integer, got {rec.get("term_offset")!r}')
    _need(rec.get("version") == 2 or "term_offset" not in rec, where, '"term_offset" needs version 2')
    _need(isinstance(rec.get("spec", ""), str), where, f'the header\'s "spec" must be a name, got {rec.get("spec")!r}')
    if headers:
        _need(rec["node"] == headers[0]["node"], where,
              f"a header for node {rec['node']} in node {headers[0]['node']}'s file")


def read_trace(path: str | Path, decode: Decoder | None = None) -> TraceFile:
    """Parse one trace file whole (:class:`TraceReader` reads it lazily), checking its structure and that its
    clock only increases."""
    reader = TraceReader(path, decode)
    with gc_paused(promote=True):  # (events: no cycles, tens of thousands alive)
        events = list(reader)
    return TraceFile(reader.name, reader.headers, events, reader.warnings)


MessageId = tuple[int, ...]


class IdCounts:
    """A count per message id in about a byte per id: an id ``[..., seq]`` (ours: ``[source, boot, seq]``) is the
    byte at ``seq`` of its prefix's row, the sequence numbers of one sender's boot being dense; other ids
    (a negative or far-off last number), and counts past 255, in a dict."""

    __slots__ = ("_rows", "_other")

    def __init__(self) -> None:
        self._rows: dict[MessageId, bytearray] = {}
        self._other: dict[MessageId, int] = {}

    def add(self, mid: MessageId, n: int = 1) -> int:
        """Count ``mid`` ``n`` more times; returns its count."""
        row = None
        if mid:
            seq = mid[-1]
            row = self._rows.get(mid[:-1])
            if row is None:
                row = self._rows[mid[:-1]] = bytearray()
            size = len(row)
            if not 0 <= seq < 9 * size + 65536:
                row = None
            elif seq >= size:
                row.extend(bytes(max(seq + 1 - size, size)))
        if row is not None:
            cur = row[seq]
            if cur or mid not in self._other:  # (in the row, or not counted yet)
                c = cur + n
                if 0 <= c < 255:
                    row[seq] = c
                    return c
                row[seq] = 0
                self._other[mid] = c
                return c
        c = self._other.get(mid, 0) + n
        self._other[mid] = c
        return c

    def get(self, mid: MessageId) -> int:
        """The count of ``mid`` (0 when never counted)."""
        if mid:
            row = self._rows.get(mid[:-1])
            seq = mid[-1]
            if row is not None and 0 <= seq < len(row) and row[seq]:
                return row[seq]
        return self._other.get(mid, 0) if self._other else 0

    def take(self, mid: MessageId) -> int:
        """The count of ``mid``, which becomes 0."""
        if mid:
            row = self._rows.get(mid[:-1])
            seq = mid[-1]
            if row is not None and type(seq) is int and 0 <= seq < len(row) and row[seq]:
                c, row[seq] = row[seq], 0
                return c
        return self._other.pop(mid, 0) if self._other else 0

    def copy(self) -> IdCounts:
        """Counts of their own, the same."""
        out = IdCounts()
        out._rows = {k: bytearray(v) for k, v in self._rows.items()}
        out._other = dict(self._other)
        return out

    def nbytes(self) -> int:
        """About how much memory the counts take (for the docs' figures)."""
        return sum(len(r) for r in self._rows.values()) + 100 * len(self._other)


class _Causality:
    """The happens-before checks of the merged events, one event at a time (in their merged order).

    Every receipt must come after its send, of a message the sender's trace sends; a receipt that differs from
    the copy sent under its id is marked (``Event.sent_as``) for the audit to fail at. With ``receipts`` None (a
    merge of events all in memory anyway), every sent message's copy is kept for good; with the receipts of each
    message id (a stream's survey), a sent message's copy only until its last receipt, and a message never
    received not at all: what is kept is the messages in flight, whatever the trace's length.
    """

    def __init__(self, traced: set[int], find_send: Callable[[MessageId], Event | None],
                 end_clock: Callable[[int], int], receipts: IdCounts | None = None) -> None:
        self.traced, self.find_send, self.end_clock = traced, find_send, end_clock
        #: receipts still to come of each id no event has sent yet (taken by its first sender)
        self.receipts = None if receipts is None else receipts.copy()
        #: id -> [receipts still to come, sender's file, line, the sender's messages]
        self.flying: dict[MessageId, list[Any]] = {}

    def check(self, e: Event) -> None:
        """Check (and mark) one event, the next in merged order."""
        if e.recv is not None:
            mid = tuple(e.recv["id"])
            entry = self.flying.get(mid)
            if entry is None:
                self._unsent(e, mid)
            if e.recv not in entry[3]:  # one id is one message: the copy sent under it must be the one received
                e.sent_as = f"{entry[1]}:{entry[2]}", next(m for m in entry[3] if tuple(m["id"]) == mid)
            if self.receipts is not None:
                entry[0] -= 1
                if not entry[0]:
                    del self.flying[mid]
        for m in e.sent:
            mid = tuple(m["id"])
            if self.receipts is None:
                if mid not in self.flying:
                    self.flying[mid] = [0, e.file, e.line, e.sent]
            else:  # (the first event to send an id is its sender, as with all in memory: it takes the receipts)
                r = self.receipts.take(mid)
                if r:
                    self.flying[mid] = [r, e.file, e.line, e.sent]

    def _unsent(self, e: Event, mid: MessageId) -> NoReturn:
        """The error of a receipt of a message not sent before it."""
        src = mid[0] if mid else None
        if src not in self.traced:
            raise TraceError(f"{e.where}: receives message {list(mid)} from node {src}, whose trace was not given")
        later = self.find_send(mid)
        if later is not None and (later.clock, later.node) < (e.clock, e.node):  # (so: a survey's count)
            raise TraceError(f"{e.where}: receives message {list(mid)} more often than when the trace files were "
                             "first read: they changed while they were audited")
        if later is not None:
            raise TraceError(f"{e.where}: receives message {list(mid)} before it is sent ({later.where}, clock "
                             f"{later.clock} >= {e.clock}): the clocks are not consistent with happens-before")
        end = self.end_clock(src)
        raise TraceError(
            f"{e.where}: receives message {list(mid)} that node {src}'s trace never sends"
            + (f" (it ends at clock {end}, before this receipt's {e.clock}: a file read while its node was still "
               "writing it, or one cut short, by a power cut or by hand)" if end < e.clock else "")
        )


def _one_per_node(files: Iterable[tuple[str, dict[str, Any]]]) -> set[int]:
    """The nodes of the files (path, first header); each node's trace given once."""
    first: dict[int, str] = {}
    for path, header in files:  # (one node's events from two files were merged as one history: the same file given
        # twice was judged a violation, exit 1, at the second copy's first receipt)
        node = header["node"]
        if node in first:
            raise TraceError(f"{path}: a second trace of node {node} (after {first[node]}): give each node's "
                             "trace once")
        first[node] = path
    return set(first)


_ORDER = attrgetter("clock", "node")


def merge(files: list[TraceFile]) -> list[Event]:
    """All events in one order consistent with happens-before: by (clock, node), then file order.

    Also checks what the clocks promise: every received message was sent by an earlier event
    (when its sender's trace is among the files); a receipt that differs from the copy sent under its id
    is marked (``Event.sent_as``) for the audit to fail at.
    """
    traced = _one_per_node((f.path, f.headers[0]) for f in files)
    events = sorted((e for f in files for e in f.events), key=_ORDER)
    ends = {f.headers[0]["node"]: max((e.clock for e in f.events), default=0) for f in files}
    causality = _Causality(
        traced, lambda mid: next((x for x in events if any(tuple(m["id"]) == mid for m in x.sent)), None),
        ends.__getitem__)
    for e in events:
        causality.check(e)
    return events


class TraceStream:
    """The merged events of trace files, read lazily, file by file and segment by segment: the events in
    (clock, node) order (a k-way merge of the files, each in its order), checked for happens-before as
    :func:`merge` checks them. Each iteration reads the files again; what it keeps is bounded by the
    messages in flight (:class:`_Causality`).

    The first pass is a survey: it counts the events (``count``; each file's too) and each message id's receipts,
    and runs the checks of the whole trace (``after_survey``); :meth:`light` surveys compact files from their
    records (``survey``: impl.trace.survey_compact), without their states. The audit's pass, after it, checks
    everything, marks ``Event.sent_as``, keeps a sent message's copy only until its last receipt, and reads each
    file as far as the survey did: a JSON-lines file its bytes the survey read (a node still writing its file
    adds events after them: not read, and said in a warning), a compact one its events the survey counted.

    What the reading refuses is said as when the files were read whole before anything else: a file's error
    after those of the files before it; a receipt of nothing sent, or a node's second trace, once all the files
    have been read."""

    def __init__(self, paths: Iterable[str | Path], decode: Decoder | None = None,
                 survey: Surveyor | None = None) -> None:
        self.paths = list(paths)
        if not self.paths:
            raise TraceError("no trace files given")
        self.decode, self.surveyor = decode, survey
        self.count: int | None = None  # events, once a survey has read them all
        self.warnings: list[str] = []  # (those of the last pass that read every file through)
        self._receipts: IdCounts | None = None
        self._lengths: list[int] = []  # each file's events, as the survey read them
        self._sizes: list[int | None] = []  # each JSON-lines file's bytes the survey read (later passes read those)
        self._traced: set[int] = set()  # the nodes whose traces are given
        #: each header that some event follows, in the order of their first events, with that event's file
        self.boots: list[tuple[dict[str, Any], str]] = []
        #: checks of the whole trace run when the survey has read it through (a failing one ends the pass)
        self.after_survey: list[Callable[[TraceStream], None]] = []

    def __iter__(self) -> Iterator[Event]:
        return self._merged(light=False)

    def light(self) -> Iterator[Event]:
        """The survey's pass (the audit's when surveyed), compact files read off their records: their events
        with node, clock, action, params, message ids and header, but no state and no message fields."""
        return self._merged(light=True)

    def __len__(self) -> int:
        """The events (known after a survey)."""
        if self.count is None:
            raise TypeError("the length of a trace stream is known once it has been read through")
        return self.count

    def survey(self) -> None:
        """Read it through, lightly (when no pass has): count, receipts, the checks of the whole trace."""
        if self.count is None:
            for _ in self.light():
                pass

    def read_through(self) -> None:
        """Read every event with every check (after a survey, if none has been made): for what the reading refuses,
        which outranks what a mapping or the audit would say of the trace."""
        self.survey()
        for _ in self:
            pass

    @property
    def surveyed(self) -> bool:
        """Whether a survey has read every event."""
        return self.count is not None

    def _readers(self, survey: Surveyor | None = None) -> list[TraceReader]:
        ends = self._sizes or [None] * len(self.paths)
        return [TraceReader(p, self.decode, survey, end) for p, end in zip(self.paths, ends)]

    def _merged(self, light: bool) -> Iterator[Event]:
        surveying = self.count is None
        readers = self._readers(self.surveyor if light and surveying else None)
        streams: list[Iterator[Event]] = []
        for k, r in enumerate(readers):
            it = _after_earlier(iter(r), self.paths[:k], self.decode)
            if not surveying:
                it = _first(it, self._lengths[k])  # (checked below: a file that has fewer now changed)
            head = next(it, None)  # (reads the file's header)
            streams.append(it if head is None else chain((head,), it))
        if surveying:
            try:
                self._traced = _one_per_node((r.name, r.headers[0]) for r in readers)
            except TraceError as exc:
                _drain(streams, exc)
            yield from self._survey(readers, streams)
            return
        traced = self._traced  # (a file the survey found no events in is not read again: its header neither)
        causality = _Causality(traced, self._find_send, self._end_clock, self._receipts)
        check = causality.check
        merged = heapq.merge(*streams, key=_ORDER)
        with gc_paused():  # (events come and go: no cycles among them)
            for e in merged:
                try:
                    check(e)
                except TraceError as exc:
                    _drain([merged], exc)
                yield e
        for r, n in zip(readers, self._lengths):
            if r.count < n:
                raise TraceError(f"{r.name}: {r.count} events where the first reading found {n}: the file changed "
                                 "while it was audited")
        self.warnings = [w for r in readers for w in r.warnings]

    def _survey(self, readers: list[TraceReader], streams: list[Iterator[Event]]) -> Iterator[Event]:
        seen = IdCounts()
        add = seen.add
        n = 0
        boots: dict[int, tuple[dict[str, Any], str]] = {}  # id(header) -> (the header, its first event's file)
        with gc_paused():  # (events come and go: no cycles among them)
            for e in heapq.merge(*streams, key=_ORDER):
                n += 1
                if e.recv is not None:
                    add(tuple(e.recv["id"]))
                if id(e.header) not in boots:  # (the header is kept: its id stays its own)
                    boots[id(e.header)] = e.header, e.file
                yield e
        self._lengths, self._sizes = [r.count for r in readers], [r.size for r in readers]
        self.warnings = [w for r in readers for w in r.warnings]
        self._receipts, self.count = seen, n
        self.boots = list(boots.values())
        for after in self.after_survey:
            after(self)

    def _find_send(self, mid: MessageId) -> Event | None:
        """The first event, in merged order, that sends ``mid`` (a second, lazy read of the files)."""
        every = heapq.merge(*(iter(r) for r in self._readers()), key=_ORDER)
        return next((x for x in every if any(tuple(m["id"]) == mid for m in x.sent)), None)

    def _end_clock(self, node: int) -> int:
        """The clock of node ``node``'s last event (a second, lazy read of its file)."""
        for r in self._readers():
            it = iter(r)
            first = next(it, None)  # (reads the file's header)
            if r.headers[0]["node"] == node:
                last = 0 if first is None else first.clock
                for e in it:
                    last = e.clock
                return last
        return 0


def _first(events: Iterator[Event], n: int) -> Iterator[Event]:
    """The first ``n`` events (those the survey counted); the rest of what the survey read is read, not yielded
    (a cut last line after them is a warning all the same)."""
    yield from islice(events, n)
    for _ in events:
        pass


def _drain(streams: list[Iterator[Event]], exc: TraceError) -> NoReturn:
    """Read what is left of the files (what the reading refuses is said first), then raise ``exc``."""
    for _ in heapq.merge(*streams, key=_ORDER):
        pass
    raise exc


def _after_earlier(events: Iterator[Event], earlier: list[str | Path], decode: Decoder | None) -> Iterator[Event]:
    """A file's events; its error after those of the files ``earlier`` (read through, lazily, only then)."""
    try:
        yield from events
    except TraceError:
        for p in earlier:
            for _ in TraceReader(p, decode):
                pass
        raise


def read_traces(paths: list[str | Path], decode: Decoder | None = None) -> tuple[list[Event], list[str]]:
    """Read and merge several trace files whole (compact ones by ``decode``: see :class:`TraceReader`); returns
    the events and the warnings. :class:`TraceStream` reads them lazily."""
    if not paths:
        raise TraceError("no trace files given")
    with gc_paused(promote=True):  # the audit's events: no cycles, tens of thousands alive
        files = [read_trace(p, decode) for p in paths]
        return merge(files), [w for f in files for w in f.warnings]
