"""Auditing Paxos traces against ``spec/paxos.py`` (Lamport's Paxos.tla).

Nodes named in the header's ``acceptors`` are Paxos.tla's acceptors (in that order); the
others are ballot leaders (proposers), which have no variables of their own.  Values are
whatever the implementation writes; the audit numbers the distinct ones in sorted order.

| event | spec steps |
|---|---|
| ``Phase1a(b)`` | ``Phase1a(b)`` |
| ``Phase1b(b)`` on acceptor a | ``Phase1b(a, b)`` |
| ``Phase2a(b, v)`` | ``Phase2a(b, v)`` (``v`` left out: every value the spec allows is tried) |
| ``Phase2b(b, v)`` on acceptor a | ``Phase2b(a, b, v)`` |
| ``DropMessage`` | a stuttering step |

After each step the acceptor's ``maxBal``, ``maxVBal`` and ``maxVal`` must equal the spec's,
and every message the event sent must be in the spec's ``msgs``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from modelcheck.audit.mapping import ANY, Explanation, Mapping, StepPattern
from modelcheck.audit.tracefile import Event, TraceError
from spec.core import Label
from spec.paxos import M1A, M1B, M2A, M2B, NONE, Paxos, PaxosState

_TYPES = {"1a": M1A, "1b": M1B, "2a": M2A, "2b": M2B}


def _kind(m: tuple[int, ...]) -> tuple[int, ...]:
    """What identifies a message of one sender in one ballot: (type, acceptor, ballot) or (type, ballot)."""
    return m[:3] if m[0] in (M1B, M2B) else m[:2]


class PaxosMapping(Mapping):
    """Paxos.tla's vocabulary for a trace of acceptors and ballot leaders."""

    known_actions = frozenset({"Phase1a", "Phase1b", "Phase2a", "Phase2b", "DropMessage"})
    known_fields = frozenset({"maxBal", "maxVBal", "maxVal"})
    #: (none required: a ballot or value left out is searched over the spec's choices)
    action_params = {"Phase1a": frozenset("b"), "Phase1b": frozenset("b"), "Phase2a": frozenset("bv"),
                     "Phase2b": frozenset("bv"), "DropMessage": frozenset()}
    stutter_actions = frozenset({"DropMessage"})

    def __init__(self, acceptors: Sequence[int], values: Sequence[Any], bounds: dict[str, Any] | None = None) -> None:
        self.acc_index = {n: i for i, n in enumerate(acceptors)}
        self.values = list(values)
        self.val_index = {v: i for i, v in enumerate(self.values)}
        self.bounds: dict[str, Any] = {"acceptors": len(acceptors), "values": max(1, len(values)), "max_ballot": 0}
        self.bounds.update(bounds or {})
        self.spec = Paxos(**self.bounds)

    @classmethod
    def from_events(cls, events: Iterable[Event], bounds: dict[str, Any] | None = None) -> PaxosMapping:
        """The mapping for a recorded trace: acceptors from the header, values and ballots read off the events
        (one pass: a stream's survey)."""
        first: Event | None = None
        values: set[Any] = set()
        ballots = {0}
        for e in events:
            if first is None:
                first = e
            if "v" in e.params:
                values.add(e.params["v"])
            if e.state.get("maxVal") is not None:
                values.add(e.state["maxVal"])
            for m in e.sent + ([e.recv] if e.recv else []):
                values.update(x for x in (m.get("val"), m.get("mval")) if x is not None)
                if isinstance(m.get("bal"), int):
                    ballots.add(m["bal"])
            if isinstance(e.params.get("b"), int):
                ballots.add(e.params["b"])
        if first is None:
            raise TraceError("the trace has no events")
        acceptors = first.header.get("acceptors")
        if not isinstance(acceptors, list) or not acceptors:
            raise TraceError(f'{first.file}:1: a Paxos trace header needs "acceptors": the acceptor node ids')
        mapping = cls(acceptors, sorted(values, key=str), {"max_ballot": max(ballots), **(bounds or {})})
        return mapping

    # -- vocabulary -----------------------------------------------------------------------
    def _val(self, v: Any, where: str) -> int:
        if v is None:
            return NONE
        if v not in self.val_index:
            raise TraceError(f"{where}: value {v!r} is not among the model's values")
        return self.val_index[v]

    def _acc(self, node: Any, where: str) -> int:
        if node not in self.acc_index:
            raise TraceError(f"{where}: node {node!r} is not an acceptor (acceptors: {list(self.acc_index)})")
        return self.acc_index[node]

    def spec_message(self, m: dict[str, Any], where: str) -> tuple[int, ...]:
        """A trace message as a Paxos.tla message tuple."""
        t = _TYPES.get(m.get("type"))  # type: ignore[arg-type]
        if t is None:
            raise TraceError(f"{where}: unknown message type {m.get('type')!r} (expected 1a, 1b, 2a, 2b)")
        bal = m.get("bal")
        if t == M1A:
            return (M1A, bal)  # type: ignore[return-value]
        if t == M1B:
            return (M1B, self._acc(m.get("acc"), where), bal, m.get("mbal"), self._val(m.get("mval"), where))  # type: ignore[return-value]
        if t == M2A:
            return (M2A, bal, self._val(m.get("val"), where))  # type: ignore[return-value]
        return (M2B, self._acc(m.get("acc"), where), bal, self._val(m.get("val"), where))  # type: ignore[return-value]

    # -- the mapping ----------------------------------------------------------------------
    def explanations(self, event: Event) -> list[Explanation]:
        """One explanation per event: its own Paxos.tla action (or a stutter for a dropped message)."""
        p, w = event.params, event.where
        b = p.get("b", ANY)
        v = self._val(p["v"], w) if "v" in p else ANY
        if event.action == "Phase1a":
            return [[StepPattern("Phase1a", (b,))]]
        if event.action == "Phase1b":
            return [[StepPattern("Phase1b", (self._acc(event.node, w), b))]]
        if event.action == "Phase2a":
            return [[StepPattern("Phase2a", (b, v))]]
        if event.action == "Phase2b":
            return [[StepPattern("Phase2b", (self._acc(event.node, w), b, v))]]
        return [[]]

    def _sent(self, event: Event) -> list[tuple[int, ...]]:
        return sorted({self.spec_message(m, event.where) for m in event.sent})

    def node_view(self, event: Event, state: PaxosState) -> dict[str, Any]:
        """The acceptor's three variables, and the spec's messages of the kinds the event sent."""
        view: dict[str, Any] = {}
        if event.node in self.acc_index:
            a = self.acc_index[event.node]
            view = {
                "maxBal": state.maxBal[a],
                "maxVBal": state.maxVBal[a],
                "maxVal": None if state.maxVal[a] == NONE else self.value_name(state.maxVal[a]),
            }
        kinds = {_kind(m) for m in self._sent(event)}
        view["sent"] = [self.show_message(m) for m in sorted(state.msgs) if _kind(m) in kinds]
        return view

    def event_view(self, event: Event) -> dict[str, Any]:
        """The acceptor's reported variables and the messages it sent, shown as Paxos.tla records."""
        view: dict[str, Any] = {k: event.state[k] for k in ("maxBal", "maxVBal", "maxVal") if k in event.state}
        view["sent"] = [self.show_message(m) for m in self._sent(event)]
        return view

    def show_message(self, m: tuple[int, ...]) -> dict[str, Any]:
        """A spec message as a record in the trace's names (acceptors by node id, values as written)."""
        rec = self.spec.show_message(m)
        if "acc" in rec:
            rec["acc"] = list(self.acc_index)[m[1]]
        for f, i in (("mval", 4), ("val", 3 if m[0] == M2B else 2)):
            if f in rec:
                rec[f] = None if m[i] == NONE else self.value_name(m[i])
        return rec

    def value_name(self, v: int) -> Any:
        """The trace's name of spec value ``v``; a trace naming no value still has one in the model (Value is
        never empty), which has no name: shown as ``<a value>``."""
        return self.values[v] if v < len(self.values) else "<a value>"

    def agrees(self, event: Event, state: PaxosState) -> bool:
        """The acceptor's variables match, and every message the step sent is in ``msgs``."""
        if event.node in self.acc_index:
            a = self.acc_index[event.node]
            s = event.state
            if (
                s.get("maxBal") != state.maxBal[a]
                or s.get("maxVBal") != state.maxVBal[a]
                or self._val(s.get("maxVal"), event.where) != state.maxVal[a]
            ):
                return False
        return all(m in state.msgs for m in self._sent(event))

    def involves(self, event: Event, label: Label) -> bool:
        """An acceptor's own Phase1b/Phase2b steps; a leader's Phase1a/Phase2a steps."""
        if event.node in self.acc_index:
            return label.name in ("Phase1b", "Phase2b") and label.params[0] == self.acc_index[event.node]
        return label.name in ("Phase1a", "Phase2a")

    def show_param(self, action: str, name: str, value: Any) -> Any:
        """Acceptors and values by the trace's names: ``Phase2b(a=node 2, b=1, v='v4')``."""
        if name == "a":
            return f"node {list(self.acc_index)[value]}"
        if name == "v":
            return repr(self.value_name(value)) if value != NONE else "None"
        return value
