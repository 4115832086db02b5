"""Bounded model checking with Z3: unroll the encoding's Next K steps on a finite instance of the spec.

``bmc(spec, depth)`` asks, for k = 0, 1, ..., depth in turn, whether some behaviour of
exactly k steps from Init ends in a state violating Agreement; the first such k is
the shortest counterexample length, which must equal the explicit checker's. The
trace Z3 finds is read back as spec states, and each step is matched to the spec
action (label) that takes it, so a BMC counterexample is a trace of the spec itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import z3

from proofs.evaluate import closure, ground
from proofs.logic import deepen, renamed_apart
from proofs.paxos.encoding import PaxosEncoding, State
from proofs.paxos.instance import PaxosInstance, encoding_for
from spec.core import Label, SpecError
from spec.paxos import Paxos, PaxosState


@dataclass
class BmcResult:
    """Outcome of a bounded run: the violation's length and trace, or none up to ``depth``."""

    spec: Paxos
    depth: int
    violated: str | None = None
    length: int | None = None
    trace: list[tuple[Label | None, PaxosState]] = field(default_factory=list)
    seconds_per_depth: list[float] = field(default_factory=list)
    unknown: str | None = None

    @property
    def seconds(self) -> float:
        """Total solver time."""
        return sum(self.seconds_per_depth)


def bmc(spec: Paxos, depth: int, enc: PaxosEncoding | None = None, timeout_ms: int = 300_000) -> BmcResult:
    """The shortest violation of Agreement within ``depth`` steps, by incremental unrolling."""
    if getattr(spec, "MaxRestarts", 0):  # the encoding's Restart is unbounded and its states have no restart count
        raise SpecError("bmc: Restart has no Z3 encoding; drop --max-restarts")
    enc = enc or encoding_for(spec, spec.variant)
    inst = PaxosInstance(spec, enc)
    states = [enc.state(f"@{i}") for i in range(depth + 1)]
    solver = z3.Solver()
    solver.set(timeout=timeout_ms)
    elems = inst.elements()
    solver.add(*inst.facts(quantified_closure=False))
    solver.add(ground(enc.init(states[0]), elems))
    result = BmcResult(spec, depth)

    def extend(k: int) -> None:
        formula, params = step(enc, states[k - 1], states[k], k - 1)
        solver.add(ground(formula, elems), *closure(params, elems))

    found = deepen(solver, depth, extend, lambda k: ground(z3.Not(enc.agreement(states[k])), elems))
    result.seconds_per_depth, result.unknown = found.seconds_per_depth, found.unknown
    if found.model is not None and found.length is not None:
        result.violated, result.length = "Agreement", found.length
        result.trace = label_trace(spec, [inst.read_state(found.model, st) for st in states[: found.length + 1]])
    return result


def step(enc: PaxosEncoding, pre: State, post: State, i: int) -> tuple[z3.BoolRef, list[z3.ExprRef]]:
    """Next from ``pre`` to ``post`` with each action's parameters renamed for step ``i``; and those parameters."""
    renamed = renamed_apart(enc.actions(pre, post), f"@{i}")
    return z3.Or([f for _, f, _ in renamed]), [c for _, _, fresh in renamed for _, c in fresh]


def label_trace(spec: Paxos, states: list[PaxosState]) -> list[tuple[Label | None, PaxosState]]:
    """Name each step of a Z3 trace by the spec action that takes it; a step the spec cannot take is an error."""
    out: list[tuple[Label | None, PaxosState]] = [(None, states[0])]
    names = [a.name for a in spec.actions]
    for i, (s, t) in enumerate(zip(states, states[1:]), 1):
        label = next((Label(names[ai], p) for ai, p, u in spec.successors(s) if u == t), None)
        if label is None:
            raise RuntimeError(
                f"BMC step {i} is no transition of {spec.describe()}: the encoding drifted from the spec"
            )
        out.append((label, t))
    return out
