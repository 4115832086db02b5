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
from modelcheck.engine.bfs import bfs
from modelcheck.engine.explain import compact, format_trace
from modelcheck.engine.faults import raised, show_value, unlike_part
from modelcheck.engine.progress import Progress
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
    complete: bool = True  # False: the search stopped at max_states before a verdict

    @property
    def failing_step(self) -> int | None:
        """Number of the failing transition (1-based), or ``None``."""
        return None if self.trace is None else len(self.trace) - 1


def check_refinement(
    concrete: Spec, abstract: Spec, mapping: Callable[[State], State], *, max_states: int | None = None,
    progress: Progress | None = None,
) -> RefinementResult:
    """Check that ``concrete`` implements ``abstract`` under ``mapping`` on every reachable state (within the
    concrete spec's constraint: a step leaving it is checked, the state it reaches is not expanded).

    The initial states are checked here; every step after them by the checker's own breadth-first search
    (:func:`modelcheck.engine.bfs.bfs` with a step check), so the distinct states, the transitions and the
    failing step are the ones ``check`` reaches, in its order."""
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
                out.setdefault(b, str(abstract.show_label(abstract.label(i, params))).split("(")[0])
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

    def finish() -> RefinementResult:
        res.abstract_states = len(seen_abs)
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

    fingerprint = plain_or_apart(concrete)  # a -1 and a -2 hash alike (modelcheck.engine._fingerprint)
    inits: set[int] = set()
    for s in initial_states(concrete):
        fp = fingerprint(s)
        if fp in inits:
            continue
        inits.add(fp)
        a = mapped(s)
        if a not in abs_inits:
            seen_abs.add(a)
            res.holds, res.trace, res.distinct_states = False, [Step(None, s)], len(inits)
            res.reason = f"initial state maps to {_show(abstract, a)}, not an initial state of {abstract.name}"
            return finish()
        if a not in seen_abs:
            first_seen(a)

    # The step check of the search: the image of the step's state (the same for all its steps, so worked out
    # once per state), the image of the successor, and the abstract step between them if they differ.
    moves: Counter = Counter()  # (concrete action index, abstract action) -> steps
    last: list[Any] = [None, None]  # the state whose image is at hand, and that image
    failed: list[tuple[State, State]] = []

    def step_bad(s: State, t: State, ai: int) -> str | None:
        if s is not last[0]:
            last[0], last[1] = s, mapped(s)
        a, b = last[1], mapped(t)
        if b == a:
            return None
        via = abstract_steps(a).get(b)
        if via is None:
            failed.append((a, b))
            return "refinement"
        moves[ai, via] += 1
        if b not in seen_abs:
            first_seen(b)
        return None

    result = bfs(concrete, check_invariants=False, max_states=max_states, progress=progress, steps=step_bad)
    res.distinct_states = result.distinct_states
    res.transitions = sum(c.fired for c in result.coverage.values())
    res.stutters = res.transitions - sum(moves.values()) - len(failed)
    names = [a.name for a in concrete.actions]
    res.explained = Counter({f"{names[ai]} -> {via}": n for (ai, via), n in moves.items()})
    if failed:
        assert result.trace is not None and result.trace[-1].label is not None
        a, b = failed[0]
        res.holds, res.trace = False, result.trace
        res.reason = _no_step(concrete, abstract, result.trace[-1].label, a, b)
    elif not result.complete:
        res.complete, res.reason = False, f"stopped at {max_states:,} states (incomplete)"
    return finish()


def last_step_unexplained(concrete: Spec, abstract_name: str, steps: list[Step]) -> str | None:
    """Why the last step of ``steps`` (a behaviour of ``concrete``, replayed) maps to no step of the abstract spec
    nor to a stutter, as :func:`check_refinement` words it; ``None`` when it maps to one (a trace of one state: its
    initial state must map to an abstract initial state)."""
    from spec.refinements import refinement  # spec.refinements builds the mapping; the rule is the search's

    abstract, mapping = refinement(concrete, abstract_name)
    b = mapping(steps[-1].state)
    if len(steps) == 1:
        if b in set(abstract.init_states()):
            return None
        return f"initial state maps to {_show(abstract, b)}, not an initial state of {abstract.name}"
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
    if not res.complete:  # stopped at --max-states
        lines.append(f"Every step checked maps to a step of {a.name} or to a stutter; {res.reason}: no verdict "
                     "beyond them.")
    elif res.holds:
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
        "complete": res.complete,
        "reason": res.reason,
        "failing_step": res.failing_step,
        "distinct_states": res.distinct_states,
        "transitions": res.transitions,
        "stutters": res.stutters,
        "abstract_states": res.abstract_states,
        "explained": dict(res.explained),
    }
