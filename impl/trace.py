"""The tracer kit: writing paxraft traces (docs/trace-format.md) from any Raft, reading them back.

Public API (docs/auditing-your-raft.md shows it at work):

- :class:`Recorder`: one node's trace: the header, the Lamport clock, message ids, log deltas
  and the JSON-lines file. A tracer maps each handler of its implementation to one
  :meth:`Recorder.event` call; the recorder does the bookkeeping the format asks for.
- :class:`TraceWriter`: the bare JSON-lines file (our store's nodes format their own lines).
- :func:`last_clock`, :func:`read_events`, :func:`expand_logs`: reading a trace back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from spec.trace_format import FORMAT, VERSION


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


class TraceWriter:
    """Appends one node's events to its trace file (a header line per boot).

    Lines wait in memory until :meth:`flush` hands them to the OS in one write, never earlier (a
    buffer that filled up would write them out before the step they describe had reached the log);
    ``size`` counts the bytes handed to the OS and :meth:`extent` the bytes once the waiting lines
    are, which the store's log records with each write (impl/storage/wal.py, ``TRACE_MARK``)."""

    def __init__(self, path: str | os.PathLike[str], node: int, nodes: Iterable[int], **fields: Any) -> None:
        self.path = Path(path)
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.size = _cut_partial_line(self.path, os.fstat(self._fd).st_size)
        # events are trees built by the core, never cyclic: skipping the cycle check saves ~15% per event
        self._dumps = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
        self._pending: list[str] = [self._dumps(header(node, nodes, **fields))]
        self._bytes = len(self._pending[0]) + 1  # the lines are ASCII (the encoders escape the rest)
        self.count = 0

    def write(self, events: list[dict[str, Any]]) -> None:
        """Append events (buffered; :meth:`flush` writes them out)."""
        self.write_lines([self._dumps(e) for e in events])

    def write_lines(self, lines: list[str]) -> None:
        """Append events already encoded as JSON lines (``Ready.trace``; buffered like :meth:`write`)."""
        self._pending += lines
        self._bytes += sum(map(len, lines)) + len(lines)
        self.count += len(lines)

    def extent(self) -> tuple[int, int]:
        """(bytes handed to the OS, bytes once the waiting lines are too)."""
        return self.size, self.size + self._bytes

    def flush(self) -> None:
        """Hand the waiting lines to the OS (one write)."""
        if self._pending and self._fd is not None:
            data = ("\n".join(self._pending) + "\n").encode()
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            self.size += len(data)
            self._pending, self._bytes = [], 0

    def close(self) -> None:
        """Flush and close."""
        self.flush()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


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


def last_clock(path: str | os.PathLike[str]) -> int:
    """The clock of the last complete event in a trace file (0 if none): a restarted node continues from it."""
    p = Path(path)
    if not p.exists():
        return 0
    with open(p, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 65536))
        tail = f.read().split(b"\n")
    for line in reversed(tail):
        try:
            ev = json.loads(line)
        except ValueError:
            continue  # a partial last line from a crash
        if isinstance(ev, dict) and "clock" in ev:
            return int(ev["clock"])
    return 0


def read_events(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Every event (headers skipped) of a trace file; a partial last line is skipped."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                break
            ev = json.loads(line)
            if "action" in ev:
                yield ev


def expand_logs(events: Iterable[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], list[list[Any]]]]:
    """Yield ``(event, full log)`` with each node's log rebuilt from the deltas (compacted entries: None)."""
    logs: dict[int, list[list[Any] | None]] = {}
    for ev in events:
        lj = ev["state"]["log"]
        cur = logs.setdefault(ev["node"], [])
        if ev["action"] in ("Init", "Restart"):
            cur = logs[ev["node"]] = []
        if "snapshot" in lj:
            idx, term = lj["snapshot"]
            cur = logs[ev["node"]] = [None] * (idx - 1) + [[term, None]] if idx else []
        del cur[lj["from"] - 1 :]
        cur.extend(lj["entries"])
        yield ev, list(cur)  # type: ignore[misc]
