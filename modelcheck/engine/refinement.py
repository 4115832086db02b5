"""Refinement checking: every step of a concrete spec maps to a step of the abstract spec, or to a stutter.

This is what TLC checks for ``PROPERTY VotingSpecBar`` in MCPaxos (safety part):
``Init => Abs!Init`` and ``[Next]_vars => [Abs!Next]_absvars`` under the mapping, over every
reachable concrete state.  The search is breadth-first, so the first failure comes with a
shortest concrete trace; the abstract successors of each mapped state are computed once.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from modelcheck.engine._fingerprint import plain_or_apart
from modelcheck.engine._state_store import StateStore
from modelcheck.engine.explain import compact, format_trace
from modelcheck.engine.faults import raised, show_value, unlike_part
from modelcheck.engine.result import Step, count, shown_state
from spec.behaviour import initial_states
from spec.core import Label, Spec, SpecError, State, returned


@dataclass
class RefinementResult:
    """The outcome: counts, the abstract action explaining each kind of step, and the first failure."""

    concrete: Spec
    abstract: Spec
    holds: bool = True
    reason: str | None = None
    trace: list[Step] | None = None  # concrete trace ending with the step no abstract step explains
    distinct_states: int = 0
    transitions: int = 0
    stutters: int = 0
    explained: Counter = field(default_factory=Counter)  # "Phase2b -> VoteFor" -> count
    abstract_states: int = 0  # distinct abstract states the mapping reaches
    seconds: float = 0.0

    @property
    def failing_step(self) -> int | None:
        """Number of the failing transition (1-based), or ``None``."""
        return None if self.trace is None else len(self.trace) - 1


def check_refinement(
    concrete: Spec, abstract: Spec, mapping: Callable[[State], State], *, max_states: int | None = None
) -> RefinementResult:
    """Check that ``concrete`` implements ``abstract`` under ``mapping`` on every reachable state (within the
    concrete spec's constraint: a step leaving it is checked, the state it reaches is not expanded)."""
    started = time.perf_counter()
    res = RefinementResult(concrete, abstract)
    abs_inits = set(abstract.init_states())
    abs_next: dict[State, dict[State, str]] = {}
    seen_abs: set[State] = set()
    own: dict[State, State] = {a: a for a in abs_inits}  # each abstract state as the abstract spec makes it

    def abstract_steps(a: State) -> dict[State, str]:
        out = abs_next.get(a)
        if out is None:
            out = {}
            for i, params, b in abstract.successors(a):
                out.setdefault(b, str(abstract.show_label(abstract.label(i, params))))
                own.setdefault(b, b)
            abs_next[a] = out
        return out

    def first_seen(a: State) -> None:
        """An image seen for the first time is like the abstract state it equals, not only equal to it as Python
        compares: a mapping giving ``1`` where the abstract spec holds ``True`` passed every step as that one."""
        theirs = own.get(a)
        found = unlike_part(theirs, a, "") if theirs is not None else None
        if found:
            where, ours, mine = found
            raise SpecError(f"the mapping from {concrete.name} to {abstract.name} gives {where} = {show_value(mine)} "
                            f"where {abstract.name}'s own state holds {show_value(ours)} ({show_value(mine)} == "
                            f"{show_value(ours)} only as Python compares): map to the abstract spec's values")
        seen_abs.add(a)

    store = StateStore()
    fingerprint = plain_or_apart(concrete)  # a -1 and a -2 hash alike (modelcheck.engine._fingerprint)
    frontier: list[tuple[State, int]] = []

    def fail(reason: str, i: int, last: Step | None) -> RefinementResult:
        steps = store.rebuild(concrete, fingerprint, concrete.init_states(), i)
        res.holds, res.reason, res.trace = False, reason, steps + ([last] if last else [])
        return finish()

    def finish() -> RefinementResult:
        res.distinct_states, res.abstract_states = len(store), len(seen_abs)
        res.seconds = time.perf_counter() - started
        return res

    state_types = {type(x) for x in abs_inits}

    def mapped(s: State) -> State:
        """The mapping's image of ``s``, checked in every state: an exception it raises is the spec's code
        failing (exit 3, naming the mapping); a value that is not an abstract state (``None``, a plain tuple,
        which equals a NamedTuple and would pass as one) is one line, exit 2. Either was blamed on the
        abstract spec's own code or show_state (exit 3), or reported as paxraft's failure (exit 4)."""
        try:
            a = mapping(s)
        except Exception as exc:
            raise raised(concrete, f"the refinement mapping to {abstract.name}", exc, s) from exc
        if state_types and type(a) not in state_types:
            want = " or ".join(sorted(t.__name__ for t in state_types))
            raise SpecError(f"the mapping from {concrete.name} to {abstract.name} returned {returned(a)}; "
                            f"expected a state of {abstract.name} ({want}, as its init_states() give)")
        return a

    for s in initial_states(concrete):
        if fingerprint(s) in store.index:
            continue
        a = mapped(s)
        if a not in abs_inits:
            seen_abs.add(a)
            return fail(f"initial state maps to {_show(abstract, a)}, not an initial state of {abstract.name}",
                        store.add(fingerprint(s), -1, -1), None)
        if a not in seen_abs:
            first_seen(a)
        if concrete.constraint(s):  # TLC's CONSTRAINT holds initial states too: checked, not stored or expanded
            frontier.append((s, store.add(fingerprint(s), -1, -1)))
    while frontier:
        nxt: list[tuple[State, int]] = []
        for s, si in frontier:
            a = mapped(s)
            for ai, params, t in concrete.successors(s):
                res.transitions += 1
                b = mapped(t)
                label = Label(concrete.actions[ai].name, params)
                if b == a:
                    res.stutters += 1
                else:
                    via = abstract_steps(a).get(b)
                    if via is None:
                        return fail(_no_step(concrete, abstract, label, a, b), si, Step(label, t))
                    res.explained[f"{label.name} -> {via.split('(')[0]}"] += 1
                if b not in seen_abs:
                    first_seen(b)
                fp = fingerprint(t)
                if fp not in store.index and concrete.constraint(t):  # TLC's CONSTRAINT: checked, not expanded
                    if max_states is not None and len(store) >= max_states:
                        res.reason = f"stopped at {max_states:,} states (incomplete)"
                        return finish()
                    nxt.append((t, store.add(fp, si, ai)))
        frontier = nxt
    return finish()


def last_step_unexplained(concrete: Spec, abstract_name: str, steps: list[Step]) -> str | None:
    """Why the last step of ``steps`` (a behaviour of ``concrete``, replayed) maps to no step of the abstract spec
    nor to a stutter, as :func:`check_refinement` words it; ``None`` when it maps to one (a trace of one state: its
    initial state must map to an abstract initial state)."""
    from spec.refinements import refinement  # spec.refinements builds the mapping; the rule is the search's

    abstract, mapping = refinement(concrete, abstract_name)
    b = mapping(steps[-1].state)
    if len(steps) == 1:
        inits = set(abstract.init_states())
        return None if b in inits else f"initial state maps to {_show(abstract, b)}, not an initial state of " \
            f"{abstract.name}"
    a = mapping(steps[-2].state)
    if b == a or any(t == b for _, _, t in abstract.successors(a)):
        return None
    label = steps[-1].label
    assert label is not None  # a replayed trace's states after the first are steps
    return _no_step(concrete, abstract, label, a, b)


def _no_step(concrete: Spec, abstract: Spec, label: Label, a: State, b: State) -> str:
    """What a refinement failure says: the concrete step, and the abstract states it goes between."""
    return f"{concrete.show_label(label)} maps to no step of {abstract.name}: {_show(abstract, a)}  ->  " \
        f"{_show(abstract, b)}"


def _show(spec: Spec, state: State) -> str:
    return "; ".join(f"{k} = {compact(v)}" for k, v in shown_state(spec, state).items())


def summary(res: RefinementResult) -> str:
    """A readable report."""
    c, a = res.concrete, res.abstract
    lines = [f"Refinement: {c.describe()}  =>  {a.describe()}"]
    if res.holds:
        lines.append(f"Every step maps to a step of {a.name} or to a stutter: {c.name} implements {a.name}.")
    else:
        k = res.failing_step  # the listing below numbers states from 1, so step k leads to state k + 1
        lines.append(f"Error: refinement fails at state {k + 1} (step {k}): {res.reason}")
        lines.append("")
        assert res.trace is not None
        lines.append(format_trace(c, res.trace))
        lines.append("")
    lines.append(
        f"{count(res.distinct_states, f'distinct {c.name} state')}, {count(res.transitions, 'transition')} checked "
        f"({res.stutters:,} map to stutters), {count(res.abstract_states, f'distinct {a.name} state')} reached, "
        f"{res.seconds:.2f}s"
    )
    for k, n in sorted(res.explained.items()):
        lines.append(f"  {k:<32} {n:>10,}")
    if res.holds and (a.fairness() or a.properties()):  # TLA+'s Impl => AbstractSpec includes its fairness
        lines.append(f"Steps only: {a.name}'s fairness and temporal properties are not compared; state them for "
                     f"{c.name} and check them with paxraft check --liveness.")
    return "\n".join(lines)


def as_json(res: RefinementResult) -> dict[str, Any]:
    """Machine-readable form."""
    return {
        "concrete": res.concrete.describe(),
        "abstract": res.abstract.describe(),
        "verdict": "ok" if res.holds else "violation",
        "reason": res.reason,
        "failing_step": res.failing_step,
        "distinct_states": res.distinct_states,
        "transitions": res.transitions,
        "stutters": res.stutters,
        "abstract_states": res.abstract_states,
        "explained": dict(res.explained),
    }
