"""Reading trace files (docs/trace-format.md): headers, events, and errors that name file and line.

A file is JSON lines: a header (``{"format": "paxraft-trace", "version": 2, "node": N, ...}``)
then that boot's events, possibly followed by further headers (one per restart).  Within a
file the Lamport clock strictly increases.  A last line without its newline that is not
valid JSON is what a crashed node leaves behind: it is reported as a warning and skipped.
A compact trace file (what our store's nodes write; impl/trace.py) is read as its JSON lines, by a decoder
the caller passes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelcheck.audit.fastjson import loads
from modelcheck.engine.gcpause import gc_paused
from spec.trace_format import COMPACT_MAGIC, EVENT_FIELDS, FORMAT, READ_VERSIONS, shift_message, shift_state
from spec.userfiles import read_bytes


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
#: segment's: a node's trace may be several files, read one at a time), appends warnings to the list given;
#: ValueError when damaged.
Decoder = Callable[[Path, bytes, list[str]], Iterable[list[str]]]


def _decoded(batches: Iterable[list[str]]) -> Iterator[str]:
    """A decoder's lines, one at a time; its ValueError (damage) as a TraceError."""
    try:
        for batch in batches:
            yield from batch
    except ValueError as exc:
        raise TraceError(str(exc)) from None


def read_trace(path: str | Path, decode: Decoder | None = None) -> TraceFile:
    """Parse one trace file, checking its structure and that its clock only increases. A compact file (our
    store's nodes' ``trace.bin``) is read as its JSON lines by ``decode`` (impl.trace.decode_compact, which
    `paxraft audit` and modelcheck.harness.read_node_traces pass: this layer does not import the store)."""
    name = str(path)
    data = read_bytes(path, error=TraceError)
    warnings: list[str] = []
    lines: list[str] | Iterator[str]
    if data.startswith(COMPACT_MAGIC):  # line N: the Nth line of `paxraft trace-json`
        if decode is None:
            raise TraceError(f"{name}: a compact trace file (a node's trace.bin): read it with `paxraft audit` "
                             "or convert it with `paxraft trace-json`")
        lines = _decoded(decode(Path(path), data, warnings))  # (a segment at a time: read below)
        del data
        total, complete = 0, True
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise TraceError(f"{name}:{line}: not UTF-8 text") from exc
        lines = text.split("\n")
        complete = text.endswith("\n") or not text
        if complete:
            lines.pop()  # the empty string after the final newline
        total = len(lines)
    headers: list[dict[str, Any]] = []
    events: list[Event] = []
    header: dict[str, Any] | None = None
    last_clock: int | None = None
    last_line = 0
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{name}:{n}"
        try:
            rec = loads(line)
        except RecursionError:
            raise TraceError(f"{where}: JSON nested too deeply (more than about 1,000 levels)") from None
        except ValueError as exc:  # JSONDecodeError, or an integer of more than 4,300 digits
            if not isinstance(exc, json.JSONDecodeError):
                raise TraceError(f"{where}: unreadable JSON value ({str(exc).split(';')[0]})") from None
            if n == total and not complete:
                warnings.append(
                    f"{where}: the last line is cut short ({len(line)} bytes, no newline): "
                    "a node that crashed while writing; ignored"
                )
                break
            raise TraceError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
        if type(rec) is not dict:
            raise TraceError(f"{where}: expected a JSON object")
        if "format" in rec:
            _need(rec["format"] == FORMAT, where, f"unknown format {rec['format']!r} (expected {FORMAT!r})")
            _need(rec.get("version") in READ_VERSIONS, where,
                  f"unsupported version {rec.get('version')!r} "
                  f"(this reader reads {', '.join(map(str, READ_VERSIONS))})")
            _need(_is_int(rec.get("node")), where, f'the header\'s "node" must be an integer, got {rec.get("node")!r}')
            _need(_is_int(rec.get("term_offset", 0)), where,
                  f'the header\'s "term_offset" must be an integer, got {rec.get("term_offset")!r}')
            _need(rec.get("version") == 2 or "term_offset" not in rec, where, '"term_offset" needs version 2')
            _need(isinstance(rec.get("spec", ""), str), where,
                  f'the header\'s "spec" must be a name, got {rec.get("spec")!r}')
            if headers:
                _need(
                    rec["node"] == headers[0]["node"],
                    where,
                    f"a header for node {rec['node']} in node {headers[0]['node']}'s file",
                )
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
            raise TraceError(f'{where}: "state" must be an object (the node\'s state after the step; {{}} when the '
                             "line says nothing of it)")
        extra = {k: v for k, v in rec.items() if k not in _EVENT_KEYS} if rec.keys() - _EVENT_KEYS else {}
        offset = header.get("term_offset", 0)
        if offset:  # the tracer declared its numbering: every term read in raft.tla's (starting at 1)
            state = shift_state(state, offset)
            recv = shift_message(recv, offset) if recv is not None else None
            sent = [shift_message(m, offset) for m in sent]
        events.append(
            Event(name, n, rec["node"], len(headers) - 1, clock, action, params, recv, sent, state, header, extra)
        )
        last_clock, last_line = clock, n
    if not headers:
        raise TraceError(f"{name}:1: empty trace file (expected a header line)")
    return TraceFile(name, headers, events, warnings)


def merge(files: list[TraceFile]) -> list[Event]:
    """All events in one order consistent with happens-before: by (clock, node), then file order.

    Also checks what the clocks promise: every received message was sent by an earlier event
    (when its sender's trace is among the files); a receipt that differs from the copy sent under its id
    is marked (``Event.sent_as``) for the audit to fail at.
    """
    first: dict[int, str] = {}
    for f in files:  # (one node's events from two files were merged as one history: the same file given twice
        # was judged a violation, exit 1, at the second copy's first receipt)
        node = f.headers[0]["node"]
        if node in first:
            raise TraceError(f"{f.path}: a second trace of node {node} (after {first[node]}): give each node's "
                             "trace once")
        first[node] = f.path
    events = sorted((e for f in files for e in f.events), key=lambda e: (e.clock, e.node))
    traced_nodes = set(first)
    ends = {f.headers[0]["node"]: max((e.clock for e in f.events), default=0) for f in files}
    sent_at: dict[tuple[int, ...], Event] = {}
    for e in events:
        if e.recv is not None:
            mid = tuple(e.recv["id"])
            if mid not in sent_at:
                src = mid[0] if mid else None
                if src in traced_nodes:
                    later = next((x for x in events if any(tuple(m["id"]) == mid for m in x.sent)), None)
                    raise TraceError(
                        f"{e.where}: receives message {list(mid)} "
                        + (
                            f"before it is sent ({later.where}, clock {later.clock} >= {e.clock}): "
                            "the clocks are not consistent with happens-before"
                            if later
                            else f"that node {src}'s trace never sends"
                            + (
                                f" (it ends at clock {ends[src]}, before this receipt's {e.clock}: a file read while "
                                "its node was still writing it, or one cut short, by a power cut or by hand)"
                                if ends[src] < e.clock
                                else ""
                            )
                        )
                    )
                raise TraceError(f"{e.where}: receives message {list(mid)} from node {src}, whose trace was not given")
            sender = sent_at[mid]
            if e.recv not in sender.sent:  # one id is one message: the copy sent under it must be the one received
                e.sent_as = sender.where, next(m for m in sender.sent if tuple(m["id"]) == mid)
        for m in e.sent:
            sent_at.setdefault(tuple(m["id"]), e)
    return events


def read_traces(paths: list[str | Path], decode: Decoder | None = None) -> tuple[list[Event], list[str]]:
    """Read and merge several trace files (compact ones by ``decode``: see :func:`read_trace`); returns the
    events and the warnings."""
    if not paths:
        raise TraceError("no trace files given")
    with gc_paused(promote=True):  # the audit's events: no cycles, tens of thousands alive
        files = [read_trace(p, decode) for p in paths]
        return merge(files), [w for f in files for w in f.warnings]
