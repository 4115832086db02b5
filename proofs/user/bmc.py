"""Bounded model checking of a user's encoding on the finite instance the spec's bounds give.

Depth 0, 1, ... in turn: is there a behaviour of exactly k steps of the encoding's Next from Init (all
quantifiers expanded over the instance's elements) ending in a state that violates a safety property? The
first such k is the shortest counterexample, the length ``paxraft check --mode bfs`` finds too. The trace
is read back as abstract states, each step named by its action and parameters, and then followed by the
spec itself (a spec step of the same action to a state of the same abstraction), so it reads as spec states.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import z3

from proofs.evaluate import closure, ground
from proofs.logic import deepen, renamed_apart
from proofs.user.encoding import Prepared
from proofs.user.instance import Instance, Tables
from spec.core import Label


@dataclass
class Step:
    """One step of the Z3 trace: the action and its parameters (None for the initial state), and the state."""

    action: str | None
    params: dict[str, Any]
    state: Tables


@dataclass
class BmcResult:
    depth: int
    violated: list[str] = field(default_factory=list)
    length: int | None = None
    trace: list[Step] = field(default_factory=list)
    seconds_per_depth: list[float] = field(default_factory=list)
    unknown: str | None = None
    #: the spec's own trace through the same abstract states, or None when the spec cannot follow
    spec_trace: list[tuple[Label | None, Any]] | None = None

    @property
    def seconds(self) -> float:
        return sum(self.seconds_per_depth)


def bmc(prep: Prepared, spec: Any, depth: int, timeout_ms: int = 300_000) -> BmcResult:
    """The shortest violation of a safety property within ``depth`` steps."""
    inst = Instance(prep, spec)
    elems = inst.elements()
    states = [prep.state(f"@{i}") for i in range(depth + 1)]
    solver = z3.Solver()
    solver.set(timeout=timeout_ms)
    solver.add(*inst.facts(), *inst.closure(states[0]), ground(prep.init(states[0]), elems))
    result = BmcResult(depth)
    chosen: list[list[tuple[z3.BoolRef, str, list[tuple[str, z3.ExprRef]]]]] = []

    def extend(k: int) -> None:
        pre, post = states[k - 1], states[k]
        disjuncts, here = [], []
        for act, formula, fresh in renamed_apart(prep.actions(pre, post), f"@{k}"):
            pick = z3.Bool(f"{act.name}@{k}")
            disjuncts.append(z3.And(pick, ground(formula, elems)))
            here.append((pick, act.name, [(str(p), f) for p, f in fresh]))
            solver.add(*closure([f for _, f in fresh], elems))
        solver.add(z3.Or(disjuncts), *inst.closure(post))
        chosen.append(here)

    found = deepen(solver, depth, extend,
                   lambda k: ground(z3.Not(z3.And(list(prep.safety(states[k]).values()))), elems))
    result.seconds_per_depth, result.unknown = found.seconds_per_depth, found.unknown
    model, k = found.model, found.length
    if model is None or k is None:
        return result
    result.length = k
    result.violated = [n for n, f in prep.safety(states[k]).items()
                       if not z3.is_true(model.eval(ground(f, elems), model_completion=True))]
    result.trace = [Step(None, {}, inst.read(model, states[0]))]
    for i, here in enumerate(chosen[:k], 1):
        pick, name, params = next(h for h in here if z3.is_true(model.eval(h[0], model_completion=True)))
        values = {p: inst.value(model, f.sort().name(), f) for p, f in params}
        result.trace.append(Step(name, values, inst.read(model, states[i])))
    result.spec_trace = follow(inst, spec, result.trace)
    return result


def follow(inst: Instance, spec: Any, trace: list[Step]) -> list[tuple[Label | None, Any]] | None:
    """The spec's behaviour through the trace's abstract states (each step by the same action), or None when it
    has none. Every spec state of each abstract state is followed, not only the first: an abstraction drops what
    it does not need (a hidden variable), and the first initial state of the right abstraction may be one from
    which the next step is not enabled while another's is (the greedy walk said "drifted" of a followable trace)."""
    names = [a.name for a in spec.actions]
    # each layer: the spec states reached so far, each with its step's label and its parent's index in the layer before
    layers: list[list[tuple[Label | None, Any, int]]] = [
        [(None, s, -1) for s in dict.fromkeys(spec.init_states()) if inst.abstract(s) == trace[0].state]]
    for step in trace[1:]:
        seen: set[Any] = set()
        layer: list[tuple[Label | None, Any, int]] = []
        for k, (_, s, _) in enumerate(layers[-1]):
            for i, p, t in spec.successors(s):
                if names[i] == step.action and t not in seen and inst.abstract(t) == step.state:
                    seen.add(t)
                    layer.append((Label(names[i], p), t, k))
        layers.append(layer)
    if not layers[-1]:
        return None
    out: list[tuple[Label | None, Any]] = []
    k = 0
    for layer in reversed(layers):
        label, s, k2 = layer[k]
        out.append((label, s))
        k = k2
    return out[::-1]
