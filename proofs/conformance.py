"""What a conformance check found: the explicit spec and a Z3 encoding compared on a small instance.

One report for the proofs (proofs/paxos/conformance.py compares states directly and samples Z3
successors; Raft's and Multi-Paxos's compare through an abstraction, where a step may be a stutter,
with :func:`abstract_check`); the certificate's manifest reads its first lines.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import z3

from proofs.evaluate import Structure, closure, compile_formula, ground
from proofs.logic import ActionEncoding, renamed_apart, solve
from spec.behaviour import reachable
from spec.core import Label


@dataclass
class Report:
    """Counts and failures; empty failure lists mean conformance."""

    states: int = 0
    transitions: int = 0
    seconds: float = 0.0
    abstract: bool = False  #: compared through an abstraction (the counts below it apply)
    abstract_states: int = 0
    stutters: int = 0  #: transitions the abstraction does not see
    by_action: Counter = field(default_factory=Counter)  #: the abstract action that explained each step
    sampled: int = 0  #: states whose every Z3 successor was looked for among the spec's
    invariant_failures: list[tuple[Any, str]] = field(default_factory=list)
    transition_failures: list[tuple[Any, Label, Any]] = field(default_factory=list)
    extra_successors: list[tuple[Any, Any]] = field(default_factory=list)
    stopped: bool = False  #: the walk stopped at its failure cap: states and transitions are those walked so far

    @property
    def disagreements(self) -> int:
        """The failures of every kind found so far."""
        return len(self.invariant_failures) + len(self.transition_failures) + len(self.extra_successors)

    def stop_at(self, max_failures: int) -> bool:
        """Whether the walk has found ``max_failures`` disagreements and stops (the summary then says so)."""
        self.stopped = self.disagreements >= max_failures
        return self.stopped

    @property
    def ok(self) -> bool:
        """No disagreement found."""
        return not (self.invariant_failures or self.transition_failures or self.extra_successors)

    def summary(self) -> str:
        """One line per check, then the abstract actions that explained the steps (or the sampled successors)."""
        if self.abstract:
            steps = ", ".join(f"{a} {n}" for a, n in sorted(self.by_action.items()))
            lines = [
                f"{self.states} reachable states ({self.abstract_states} abstract): "
                f"{len(self.invariant_failures)} violate a Z3 invariant conjunct",
                f"{self.transitions} transitions ({self.stutters} stutters): "
                f"{len(self.transition_failures)} not a step of the Z3 model",
                f"abstract steps: {steps}",
            ]
            if self.sampled:  # a user's encoding: Z3's successors were compared with the spec's too
                extra = len(self.extra_successors)
                lines.append(f"{self.sampled} sampled states: {extra} Z3 successors the spec lacks")
        else:
            lines = [
                f"{self.states} reachable states: {len(self.invariant_failures)} violate a Z3 invariant conjunct",
                f"{self.transitions} transitions: {len(self.transition_failures)} not allowed by the Z3 action",
                f"{self.sampled} sampled states: {len(self.extra_successors)} Z3 successors the spec lacks",
            ]
        if self.stopped:  # "48 reachable states" of a 504-state model read as a count of all of them
            lines.append(f"stopped at {self.disagreements} disagreements: the counts above are of the states walked "
                         "so far")
        return "\n".join([*lines, f"{self.seconds:.2f}s"])


class Abstraction(Protocol):
    """An abstraction function from a spec's states to a Z3 model's relations, on one finite instance."""

    def abstract(self, s: Any) -> Hashable:
        """The model's relations in spec state ``s``."""
        ...

    def structure(self, states: dict[str, Any], params: dict[str, Any] | None = None) -> Structure:
        """The rigid symbols, each abstract state's relations (by tag) and the free parameters."""
        ...


#: The model's actions (every parameter bound) that may explain a spec step ``(s, label, t)``; [] a stutter.
Steps = Callable[[Any, Label, Any], list[tuple[str, dict[str, Any]]]]


def abstract_check(spec: Any, enc: Any, inst: Abstraction, steps: Steps, max_failures: int = 20) -> Report:
    """Breadth first over ``spec``'s reachable states under ``inst``'s abstraction: every abstract state
    satisfies each conjunct of ``enc``'s invariant, and every transition is a stutter or satisfies the
    formula of one of the actions ``steps`` names for it, with exactly that action's parameters bound
    (a candidate binding a parameter to None does not bind it). Distinct abstract states and steps are
    evaluated once each; stops after ``max_failures``."""
    started = time.perf_counter()
    pre, post = enc.state(""), enc.state("'")
    conjuncts = {k: compile_formula(f) for k, f in enc.invariant(pre).items()}
    acts = enc.actions(pre, post)
    formulas = {a.name: compile_formula(a.formula) for a in acts}
    param_names = {a.name: {str(p) for p in a.params} for a in acts}
    inv_seen: set = set()
    step_seen: dict[tuple, bool] = {}
    rep = Report(abstract=True)
    names = [a.name for a in spec.actions]
    # An abstraction that reads history the spec does not keep walks (state, history) pairs of its own.
    walk = inst.reachable() if hasattr(inst, "reachable") else reachable(spec)
    for s, _inside, raw in walk:
        rep.states += 1
        a = inst.abstract(s)
        if a not in inv_seen:
            inv_seen.add(a)
            st = inst.structure({"": a})
            rep.invariant_failures += [(s, name) for name, holds in conjuncts.items() if not holds(st)]
        for i, params, t in raw:
            rep.transitions += 1
            b = inst.abstract(t)
            if a == b:
                rep.stutters += 1
                continue
            label = Label(names[i], params)
            found = None
            for name, bound in steps(s, label, t):
                ps = {k: v for k, v in bound.items() if k in param_names.get(name, ()) and v is not None}
                if name not in formulas or set(ps) != param_names[name]:
                    continue
                key = (name, a, b, tuple(sorted(ps.items())))
                if key not in step_seen:
                    step_seen[key] = bool(formulas[name](inst.structure({"": a, "'": b}, ps)))
                if step_seen[key]:
                    found = name
                    break
            if found is None:
                rep.transition_failures.append((s, label, t))
            else:
                rep.by_action[found] += 1
        if rep.stop_at(max_failures):
            break
    rep.abstract_states = len(inv_seen)
    rep.seconds = time.perf_counter() - started
    return rep


class NextOracle:
    """Z3 asked for a successor of a given state outside a given set: Next (the actions renamed apart, grounded
    over the instance's elements) asserted once with the instance's facts, each question in a push/pop."""

    def __init__(self, facts: Iterable[z3.BoolRef], acts: Iterable[ActionEncoding], elems: Any) -> None:
        renamed = renamed_apart(acts)
        self.solver = z3.Solver()
        self.solver.set(timeout=30_000)
        self.solver.add(*facts)
        self.solver.add(ground(z3.Or([f for _, f, _ in renamed]), elems),
                        *closure([c for _, _, fresh in renamed for _, c in fresh], elems))

    def extra(self, given: Iterable[z3.BoolRef], excluded: Iterable[z3.BoolRef], what: str) -> z3.ModelRef | None:
        """A model of Next with ``given`` (the state before) and every one of ``excluded`` (each: "the state after
        is not this one"), or None when Z3 proves there is none; ``what`` names the state for an undecided answer."""
        solver = self.solver
        solver.push()
        try:
            solver.add(*given, *excluded)
            return decided_model(solver, f"the successors of {what}")
        finally:
            solver.pop()


def decided_model(solver: z3.Solver, what: str) -> z3.ModelRef | None:
    """The solver's model, or None when Z3 proves there is none; a RuntimeError naming ``what`` when it cannot tell."""
    verdict = solve(solver)
    if verdict == z3.unsat:
        return None
    if verdict == z3.sat:
        return solver.model()
    raise RuntimeError(f"Z3 could not decide {what}: {solver.reason_unknown()}")
