"""Trace events as JSON lines (format: docs/trace-format.md): writing, reading back, expanding log deltas."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

FORMAT, VERSION = "paxraft-trace", 1


class TraceWriter:
    """Appends one node's events to its trace file (a header line per boot)."""

    def __init__(self, path: str | os.PathLike[str], node: int, nodes: Iterable[int]) -> None:
        self.path = Path(path)
        self._f = open(self.path, "a", buffering=1 << 16)  # noqa: SIM115 (kept open while the node runs)
        # events are trees built by the core, never cyclic: skipping the cycle check saves ~15% per event
        self._dumps = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
        self._f.write(self._dumps({"format": FORMAT, "version": VERSION, "node": node, "nodes": sorted(nodes)}) + "\n")
        self.count = 0

    def write(self, events: list[dict[str, Any]]) -> None:
        """Append events (buffered; :meth:`flush` writes them out)."""
        dumps = self._dumps
        self._f.write("".join(dumps(e) + "\n" for e in events))
        self.count += len(events)

    def write_lines(self, lines: list[str]) -> None:
        """Append events already encoded as JSON lines (``Ready.trace``; buffered like :meth:`write`)."""
        self._f.write("\n".join(lines) + "\n")
        self.count += len(lines)

    def flush(self) -> None:
        """Hand buffered lines to the OS."""
        self._f.flush()

    def close(self) -> None:
        """Flush and close."""
        self._f.close()


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
