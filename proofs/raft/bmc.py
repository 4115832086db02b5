"""Bounded model checking of raft.tla with Z3: the shortest invariant violation within K steps.

``bmc_raft(spec, depth)`` unrolls :mod:`proofs.raft.bmc_encoding` from Init and asks, for
k = 0, 1, ..., depth in turn, whether some behaviour of exactly k steps, every state but
the last within the spec's bounds (the explicit checker's constraint semantics: a state
outside the bounds is checked, not extended), ends in a state violating an invariant. The
first such k is the shortest counterexample length. The trace is read back as labels and
history-free spec states and replayed on spec/raft.py (``validate_trace``): a trace the
spec cannot take is an encoding error, never a reported counterexample.

The encoding drops the history variables; ``ElectionSafety`` (which reads the ``elections``
history) is checked on the unrolled trace instead: two ``BecomeLeader`` steps of different
servers in the same term. It is checked only when the given spec keeps its history, as the
explicit checker does (without history, ``elections`` stays empty and it cannot fail).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import z3

from proofs.logic import deepen
from proofs.raft.bmc_encoding import RaftBmcEncoding
from proofs.raft.bmc_variants import encoding_class
from spec.behaviour import Step, validate_trace
from spec.core import Label, SpecError
from spec.raft import Raft


class EncodingError(RuntimeError):
    """The Z3 encoding disagrees with spec/raft.py (a message outside the universe, an invariant drift)."""


@dataclass
class RaftBmcResult:
    """A violation's name, length and replayed trace, or none up to ``depth``; Z3 seconds per depth."""

    spec: Raft
    depth: int
    violated: str | None = None
    broken: list[str] = field(default_factory=list)  # every invariant the last state violates, in spec order
    length: int | None = None
    trace: list[Step] = field(default_factory=list)
    seconds_per_depth: list[float] = field(default_factory=list)
    build_seconds: float = 0.0
    unknown: str | None = None
    messages: int = 0
    instances: int = 0

    @property
    def seconds(self) -> float:
        """Total solver time."""
        return sum(self.seconds_per_depth)


def history_free(spec: Raft) -> Raft:
    """The same variant and bounds without the history variables (what the encoding covers)."""
    return spec if not spec.history else type(spec)(**{**spec.bounds(), "no_history": True})


def elections_conflict(trace: list[Step]) -> bool:
    """Two BecomeLeader steps of different servers in one term (ElectionSafety over the trace)."""
    leader: dict[int, int] = {}
    for prev, step in zip(trace, trace[1:]):
        if step.label is not None and step.label.name == "BecomeLeader":
            i = step.label.params[0]
            if leader.setdefault(prev.state.currentTerm[i], i) != i:
                return True
    return False


def bmc_raft(
    spec: Raft, depth: int, timeout_ms: int = 300_000, encoding: type[RaftBmcEncoding] | None = None
) -> RaftBmcResult:
    """The shortest violation of spec's invariants within ``depth`` steps, by incremental unrolling."""
    election_safety = spec.history
    spec = history_free(spec)
    started = time.perf_counter()
    enc = (encoding or encoding_class(spec))(spec)
    labels = enc.labels()
    missing = set(spec.invariants) - set(enc.violations(enc.state(-1))) - {"ElectionSafety"}
    if missing:
        raise SpecError(f"bmc: invariants without a Z3 encoding: {', '.join(sorted(missing))}")
    leader_acts = [(labels.index(Label("BecomeLeader", (i,))), i) for i in spec.Server]
    res = RaftBmcResult(spec, depth, messages=len(enc.universe), instances=len(labels))
    symmetric = enc.symmetric
    solver = z3.SolverFor("QF_BV")
    solver.set(timeout=timeout_ms)
    states = [enc.state(0)]
    solver.add(enc.init(states[0]))
    acts: list[z3.BitVecRef] = []
    escape: z3.BoolRef = z3.BoolVal(False)  # "the last step's message left the encoded universe"
    es: z3.BoolRef = z3.BoolVal(False)  # "two elections of one term so far"
    elected: list[tuple[z3.BoolRef, z3.BitVecRef, int]] = []
    res.build_seconds = time.perf_counter() - started

    def extend(k: int) -> None:
        nonlocal escape, es, elected
        t0 = time.perf_counter()
        states.append(enc.state(k))
        formula, act, escape = enc.step(states[k - 1], states[k], k - 1)
        # A shortest trace has no stuttering step (dropping it would shorten the trace), so none is asked
        # for; a step whose message escaped the universe may look like one, and must stay visible.
        moved = z3.Or([escape] + [states[k][key] != states[k - 1][key] for key in states[k]])
        solver.add(enc.constraint(states[k - 1]), formula, moved)
        acts.append(act)
        if k == 1 and symmetric:
            # From Init every step but a Timeout stutters, and servers are interchangeable: a shortest
            # violation can be renamed so that s1 times out first.
            solver.add(act == labels.index(Label("Timeout", (0,))))
        if election_safety:
            here = [(act == a, states[k - 1]["ct", i], i) for a, i in leader_acts]
            pairs = [z3.And(p, q, t == u) for p, t, i in elected for q, u, j in here if i != j]
            es_k = z3.Bool(f"es@{k}")
            solver.add(es_k == z3.Or(es, *pairs))
            es, elected = es_k, elected + here
        res.build_seconds += time.perf_counter() - t0

    found = deepen(solver, depth, extend,
                   lambda k: z3.Or(list(enc.violations(states[k]).values()) + [escape, es]))
    res.seconds_per_depth, res.unknown = found.seconds_per_depth, found.unknown
    if found.model is not None:
        read_back(res, enc, found.model, states, acts, escape, election_safety)
    return res


def read_back(
    res: RaftBmcResult,
    enc: RaftBmcEncoding,
    model: z3.ModelRef,
    states: list[dict],
    acts: list[z3.BitVecRef],
    escape: z3.BoolRef,
    election_safety: bool,
) -> None:
    """Fill res with the model's trace, replayed on the spec, and the invariant its last state violates."""
    labels = enc.labels()
    if z3.is_true(model.eval(escape, model_completion=True)):
        raise EncodingError(
            f"step {len(acts)} ({labels[model.eval(acts[-1]).as_long()]}) sends a message outside the encoded universe"
        )
    trace = [Step(None, enc.read(model, states[0]))]
    trace += [Step(labels[model.eval(a).as_long()], enc.read(model, st)) for a, st in zip(acts, states[1:])]
    validate_trace(res.spec, trace)  # raises ReplayError at the first step spec/raft.py does not take

    def broken(upto: int) -> list[str]:
        out = []
        for name, inv in res.spec.invariants.items():
            if name == "ElectionSafety":
                if election_safety and elections_conflict(trace[: upto + 1]):
                    out.append(name)
            elif not inv(trace[upto].state):
                out.append(name)
        return out

    names = broken(len(trace) - 1)
    if not names:
        raise EncodingError(f"Z3's {len(acts)}-step trace ends in a state that violates no invariant of the spec")
    earlier = next((k for k in range(len(trace) - 1) if broken(k)), None)
    if earlier is not None:
        raise EncodingError(f"the spec's invariants fail after {earlier} steps, which Z3 found unsatisfiable")
    res.violated, res.broken, res.length, res.trace = names[0], names, len(acts), trace
