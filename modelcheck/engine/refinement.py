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
    progress: Progress | None = None, workers: int = 1, chunk: int | None = None,
) -> RefinementResult:
    """Check that ``concrete`` implements ``abstract`` under ``mapping`` on every reachable state (within the
    concrete spec's constraint: a step leaving it is checked, the state it reaches is not expanded).

    The initial states are checked here; every step after them by the checker's own breadth-first search
    (:func:`modelcheck.engine.bfs.bfs` with a step check, or with ``workers`` > 1 the workers' search of
    :mod:`modelcheck.engine.coordinator`, each worker checking the steps of the states it expands), so the
    distinct states, the transitions and the failing step are the ones ``check`` reaches, in its order, with
    any number of workers (``chunk``: the workers' gids per chunk, the coordinator's default if ``None``)."""
    started = time.perf_counter()
    res = RefinementResult(concrete, abstract)
    steps = RefinementSteps(concrete, abstract, mapping)

    def finish() -> RefinementResult:
        res.abstract_states = len(steps.seen_abs)
        res.seconds = time.perf_counter() - started
        return res

    fingerprint = plain_or_apart(concrete)  # a -1 and a -2 hash alike (modelcheck.engine._fingerprint)
    inits: set[int] = set()
    for s in initial_states(concrete):
        fp = fingerprint(s)
        if fp in inits:
            continue
        inits.add(fp)
        a = steps.mapped(s)
        if a not in steps.abs_inits:
            steps.seen_abs.add(a)
            res.holds, res.trace, res.distinct_states = False, [Step(None, s)], len(inits)
            res.reason = f"initial state maps to {_show(abstract, a)}, not an initial state of {abstract.name}"
            return finish()
        if a not in steps.seen_abs:
            steps.first_seen(a)

    if workers > 1:
        from modelcheck.engine.coordinator import search  # the workers' engine, only when asked for

        sized: dict[str, Any] = {} if chunk is None else {"chunk": chunk}
        result = search(concrete, workers=workers, check_invariants=False, max_states=max_states,
                        progress=progress, steps=steps.fresh, **sized)
        moves, failed, seen = steps.gather(result.extra.pop("step_reports"))
        steps.seen_abs |= seen
    else:
        result = bfs(concrete, check_invariants=False, max_states=max_states, progress=progress, steps=steps)
        moves, failed = steps.moves, steps.failed
    res.distinct_states = result.distinct_states
    res.transitions = sum(c.fired for c in result.coverage.values())
    res.stutters = res.transitions - sum(moves.values()) - failed
    names = [a.name for a in concrete.actions]
    res.explained = Counter({f"{names[ai]} -> {via}": n for (ai, via), n in moves.items()})
    if failed:
        trace = result.trace
        assert trace is not None and trace[-1].label is not None and len(trace) > 1
        res.holds, res.trace = False, trace
        res.reason = _no_step(concrete, abstract, trace[-1].label, mapping(trace[-2].state), mapping(trace[-1].state))
    elif not result.complete:
        res.complete, res.reason = False, f"stopped at {count(max_states or 0, 'state')} (incomplete)"
    return finish()


class RefinementSteps:
    """The search's check of each step ``(s, t, action index)``: the image of ``s`` (worked out once per state),
    the image of ``t``, and the abstract step between them if they differ; it counts the abstract action
    explaining each step and the abstract states reached.

    A worker of the parallel search (:mod:`modelcheck.engine.search`) holds its own (:meth:`fresh`); it marks
    its counts as a chunk starts and, where the one-process search stops inside the chunk, rolls back to the
    mark and replays the steps before the stop (:meth:`mark`, :meth:`rollback`), as it recounts firings, so the
    counts gathered from the workers are the one-process run's."""

    def __init__(self, concrete: Spec, abstract: Spec, mapping: Callable[[State], State]) -> None:
        self.concrete, self.abstract, self.mapping = concrete, abstract, mapping
        self.abs_inits = set(abstract.init_states())
        self.state_types = {type(x) for x in self.abs_inits}
        self.abs_next: dict[State, dict[State, str]] = {}
        self.own: dict[State, State] = {a: a for a in self.abs_inits}  # each abstract state as its spec makes it
        self.seen_abs: set[State] = set()
        self.moves: Counter = Counter()  # (concrete action index, abstract action) -> steps
        self.failed = 0  # steps that map to no abstract step
        self.last: list[Any] = [None, None]  # the state whose image is at hand, and that image
        self._mark: tuple[Counter, int, int] = (Counter(), 0, 0)
        self._added: list[State] = []  # abstract states first seen since the mark, in order

    def fresh(self) -> RefinementSteps:
        """A check of its own for one worker, knowing the abstract states the initial states map to."""
        out = RefinementSteps(self.concrete, self.abstract, self.mapping)
        out.seen_abs = set(self.seen_abs)
        return out

    def mapped(self, s: State) -> State:
        """The mapping's image of ``s``, checked in every state: an exception it raises is the spec's code
        failing (exit 3, naming the mapping); a value that is not an abstract state (``None``, a plain tuple,
        which equals a NamedTuple and would pass as one) is one line, exit 2. Either was blamed on the
        abstract spec's own code or show_state (exit 3), or reported as paxraft's failure (exit 4)."""
        concrete, abstract = self.concrete, self.abstract
        try:
            a = self.mapping(s)
        except Exception as exc:
            raise raised(concrete, f"the refinement mapping to {abstract.name}", exc, s) from exc
        if self.state_types and type(a) not in self.state_types:
            want = " or ".join(sorted(t.__name__ for t in self.state_types))
            raise SpecError(f"the mapping from {concrete.name} to {abstract.name} returned {returned(a)}; "
                            f"expected a state of {abstract.name} ({want}, as its init_states() give)")
        return a

    def abstract_steps(self, a: State) -> dict[State, str]:
        """The abstract successors of ``a``, each with the abstract action that reaches it first."""
        out = self.abs_next.get(a)
        if out is None:
            out = {}
            abstract = self.abstract
            for i, params, b in abstract.successors(a):
                out.setdefault(b, str(abstract.show_label(abstract.label(i, params))).split("(")[0])
                self.own.setdefault(b, b)
            self.abs_next[a] = out
        return out

    def first_seen(self, a: State) -> None:
        """An image seen for the first time is like the abstract state it equals, not only equal to it as Python
        compares: a mapping giving ``1`` where the abstract spec holds ``True`` passed every step as that one."""
        theirs = self.own.get(a)
        found = unlike_part(theirs, a, "") if theirs is not None else None
        if found:
            where, ours, mine = found
            c, ab = self.concrete.name, self.abstract.name
            raise SpecError(f"the mapping from {c} to {ab} gives {where} = {show_value(mine)} where {ab}'s own "
                            f"state holds {show_value(ours)} ({show_value(mine)} == {show_value(ours)} only as "
                            "Python compares): map to the abstract spec's values")
        self.seen_abs.add(a)
        self._added.append(a)

    def __call__(self, s: State, t: State, ai: int) -> str | None:
        last = self.last
        if s is not last[0]:
            last[0], last[1] = s, self.mapped(s)
        a, b = last[1], self.mapped(t)
        if b == a:
            return None
        via = self.abstract_steps(a).get(b)
        if via is None:
            self.failed += 1
            return "refinement"
        self.moves[ai, via] += 1
        if b not in self.seen_abs:
            self.first_seen(b)
        return None

    def mark(self) -> None:
        """A chunk starts: what :meth:`rollback` returns to."""
        self._mark = (self.moves.copy(), self.failed, len(self.seen_abs))
        self._added.clear()

    def rollback(self) -> None:
        """Back to the counts at the mark (the steps after it are replayed up to the search's stop)."""
        moves, self.failed, _ = self._mark
        self.moves = moves.copy()
        self.seen_abs.difference_update(self._added)
        self._added.clear()

    def report(self) -> tuple[Counter, int, set[State]]:
        """This worker's counts, for :meth:`gather`."""
        return self.moves, self.failed, self.seen_abs

    @staticmethod
    def gather(reports: list[tuple[Counter, int, set[State]]]) -> tuple[Counter, int, set[State]]:
        """The workers' counts together: each step was checked by the one worker that expanded its state."""
        moves: Counter = Counter()
        seen: set[State] = set()
        for m, _, s in reports:
            moves.update(m)
            seen |= s
        return moves, sum(f for _, f, _ in reports), seen


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
        lines.append(f"Error: refinement fails at state {k + 1} (step {k}): {res.reason}")  # type: ignore[operator]
        lines.append("")
        assert res.trace is not None
        lines.append(format_trace(c, res.trace))
        lines.append("")
    lines.append(
        f"{count(res.distinct_states, f'distinct {c.name} state')}, {count(res.transitions, 'transition')} checked "
        f"({res.stutters:,} map to stutters), {count(res.abstract_states, f'distinct {a.name} state')} reached, "
        f"{res.seconds:.2f}s"
    )
    width = max([32, *map(len, res.explained)])  # "HandleRequestVoteRequest -> Phase1b" is 35: the counts stay a column
    for k, n in sorted(res.explained.items()):
        lines.append(f"  {k:<{width}} {n:>10,}")
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
