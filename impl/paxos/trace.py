"""Trace events of the Paxos implementation, in the documented JSON-lines format (docs/trace-format.md).

Each node keeps a Lamport clock: a step without a received message adds one; a step that
receives a message takes the max with the message's clock, plus one.  Messages carry the
sending step's clock and an id ``[source, boot, seq]`` that the receiver's event repeats.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from impl.paxos.core import Msg
from spec.trace_format import FORMAT, VERSION

FIELDS = ("bal", "acc", "mbal", "mval", "val")


class NodeTracer:
    """One node's clock, message numbering and event list."""

    def __init__(self, node: int, nodes: list[int], role: str, acceptors: list[int]) -> None:
        self.node = node
        self.clock = 0
        self.seq = 0
        self.header = {
            "format": FORMAT,
            "version": VERSION,
            "node": node,
            "nodes": nodes,
            "spec": "paxos",
            "role": role,
            "acceptors": acceptors,
        }
        self.lines: list[dict[str, Any]] = [self.header]

    def observe(self, received: dict[str, Any]) -> None:
        """A message arrived that no event records (a proposer tallying): the clock still moves on."""
        self.clock = max(self.clock, received["clock"])

    def message(self, m: Msg, dest: int | None) -> dict[str, Any]:
        """A message as the trace writes it, stamped with a fresh id and the current clock."""
        rec: dict[str, Any] = {"id": [self.node, 0, self.seq], "clock": self.clock, "type": m.type}
        self.seq += 1
        rec.update({f: getattr(m, f) for f in FIELDS if getattr(m, f) is not None or f in ("mval",) and m.type == "1b"})
        rec["msource"], rec["mdest"] = self.node, dest
        return rec

    def event(
        self,
        action: str,
        params: dict[str, Any],
        state: dict[str, Any],
        recv: dict[str, Any] | None,
        sent: list[tuple[Msg, int | None]],
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Record one step; returns the event and the stamped messages to put on the network."""
        self.clock = (max(self.clock, recv["clock"]) if recv else self.clock) + 1
        msgs = [self.message(m, d) for m, d in sent]
        ev: dict[str, Any] = {"node": self.node, "clock": self.clock, "action": action, "params": params}
        if recv is not None:
            ev["recv"] = recv
        ev["sent"] = msgs
        ev["state"] = state
        self.lines.append(ev)
        return ev, msgs

    def write(self, path: str | Path) -> Path:
        """Write the header and events as JSON lines."""
        path = Path(path)
        with open(path, "w") as f:
            for rec in self.lines:
                f.write(json.dumps(rec, separators=(",", ":")) + "\n")
        return path


def to_msg(rec: dict[str, Any]) -> Msg:
    """A received trace message back as a :class:`Msg`."""
    return Msg(rec["type"], rec["bal"], rec.get("acc"), rec.get("mbal"), rec.get("mval"), rec.get("val"))
