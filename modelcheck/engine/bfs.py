"""Breadth-first exhaustive search: shortest counterexamples, TLC's counts and depth."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Optional

from modelcheck.engine._fingerprint import fingerprinter
from modelcheck.engine._level_loop import level_loop
from modelcheck.engine._state_store import StateStore
from modelcheck.engine.calls import step_arity
from modelcheck.engine.gcpause import gc_paused
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import DEADLOCK, OK, VIOLATION, Coverage, Result, Step
from modelcheck.engine.view_spot import spot_check_views
from spec.behaviour import (
    constraint_keepers,
    initial_states,
    invariant_check,
    outside_counted,
    state_constraint,
    step_check,
)
from spec.core import Label, Spec, State

#: A check of each step (state, successor, action index): None, or the name of what it breaks.
StepCheck = Callable[[State, State, int], Optional[str]]  # noqa: UP045 - Python 3.9 (PyPy) has no `X | None` at run time


def bfs(
    spec: Spec,
    *,
    symmetry: bool = False,
    check_invariants: bool = True,
    check_deadlock: bool = False,
    max_states: int | None = None,
    progress: Progress | None = None,
    goal: Callable[[State], str | None] | None = None,
    steps: StepCheck | None = None,
) -> Result:
    """Explore every reachable state of ``spec`` level by level (initial states are depth 1).

    ``steps(s, t, action index)`` is asked of every step from a stored state ``s`` to a successor ``t`` that is
    not ``s`` itself, inside the constraint or not (a refinement's check, :mod:`modelcheck.engine.refinement`;
    by default the spec's action invariants, :func:`spec.behaviour.step_check`); a name it returns stops the
    search there as a violation of that name, the trace ending with the step."""
    with gc_paused():
        return _Search(spec, symmetry, check_invariants, check_deadlock, max_states, progress, goal, steps).run()


class _Stop(Exception):  # noqa: N818 - not an error: how a phase ends the search
    """The search ends before the state space does (a violation, a deadlock, the state cap): how to
    report it, made once the stopped level's firings are counted."""

    def __init__(self, report: Callable[[], Result]) -> None:
        self.report = report


class _Search:
    """One breadth-first search, phase by phase: the initial level (:meth:`initial_level`), then each
    level's expansion (:meth:`expand_level`, :meth:`expand`: every successor is checked against the
    constraint and the invariants and recorded in the store once), then the report (:meth:`report`).
    A phase that finds the end of the search raises :class:`_Stop` with the report."""

    #: What generates the level loop (:mod:`modelcheck.engine._level_loop`); the graph's search has its own.
    make_level_loop = staticmethod(level_loop)

    def __init__(
        self,
        spec: Spec,
        symmetry: bool,
        check_invariants: bool,
        check_deadlock: bool,
        max_states: int | None,
        progress: Progress | None,
        goal: Callable[[State], str | None] | None,
        steps: StepCheck | None = None,
    ) -> None:
        self.started = time.perf_counter()
        self.spec, self.check_deadlock, self.max_states, self.progress = spec, check_deadlock, max_states, progress
        # The store size that ends the search: the run stops as the N-th distinct state is stored and checked.
        self.limit = sys.maxsize if max_states is None else max_states
        self.fingerprint = fingerprinter(spec, symmetry)
        self.invariants = goal is not None or (check_invariants and bool(spec.invariants))
        # The invariants in order (or a spec's equivalent fast path); ``goal`` replaces them when the
        # search looks for a state (a witness, `--reach`) instead of a violation: the same stop, the same trace.
        self.violated = goal or invariant_check(spec)
        if steps is None and goal is None:  # the spec's action invariants, when it declares some
            steps = step_check(spec, check_invariants)
        # a goal may hold outside the constraint, a step check reads every step: steps then build every successor
        self.counts_outside = goal is None and steps is None
        self.step_bad = steps
        self.constraint = state_constraint(spec)  # None when the spec has none: one test per successor
        self.fired = [0] * len(spec.actions)  # firings per action (successors generated, but the initial states)
        self.level_loop = self.make_level_loop(
            spec,
            [(a.enumerate, a.step, step_arity(a.step)) for a in spec.actions],
            constraint=self.constraint is not None,
            kept=constraint_keepers(spec),
            invariants=self.invariants,
            deadlock=check_deadlock,
            stop=_Stop,
            step_check=steps is not None,
        )
        self.store = StateStore()
        self.views_spotted = spec.has_view  # a view's spot check at each level (none for a spec without one)
        self.result = Result(spec, symmetry=symmetry)
        self.n_init = 0
        self.depth = 0
        self.level_end = 0

    def run(self) -> Result:
        """The phases in order: the initial level, each next level while there is one, the report."""
        try:
            frontier = self.initial_level()
            self.depth = 1 if frontier else 0
            with outside_counted(self.spec, self.counts_outside):
                while frontier:
                    self.level_end = len(self.store)  # the stored states beyond it are the next level's
                    frontier = self.expand_level(frontier)
                    if frontier:
                        self.depth += 1
        except _Stop as stop:
            return stop.report()
        return self.report(OK, None, None, self.depth)

    # -- init: the initial states are level 1 -----------------------------------------------------------

    def initial_level(self) -> list[State]:
        """The distinct initial states within the constraint, checked and stored: the first frontier."""
        frontier: list[State] = []
        for s in initial_states(self.spec):
            self.n_init += 1
            bad = self.violated(s) if self.invariants else None
            if self.constraint is not None and not self.constraint(s):
                if bad:
                    raise _Stop(partial(self.report, VIOLATION, bad, [Step(None, s)], 1))
                self.initial_cut(s)
                continue
            fp = self.fingerprint(s)
            if fp in self.store.index:
                continue
            i = self.store.add(fp, -1, -1)
            self.initial_stored(s, fp, i)
            if bad:
                raise _Stop(partial(self.report, VIOLATION, bad, [Step(None, s)], 1))
            frontier.append(s)
            if i + 1 >= self.limit:
                raise _Stop(partial(self.full, 1))
        return frontier

    def initial_cut(self, s: State) -> None:
        """Initial state ``s`` lies outside the constraint (and satisfies the invariants): a hook, for
        :mod:`modelcheck.engine.graph`'s search, which records what it needs of such a state."""

    def initial_stored(self, s: State, fp: int, i: int) -> None:
        """Initial state ``s`` (fingerprint ``fp``) is stored as ``i``, not yet checked: a hook, as above."""

    # -- expand: one level, state by state ------------------------------------------------------------

    def expand_level(self, frontier: list[State]) -> list[State]:
        """Fire every action from every state of the level; check each successor and record the new ones:
        the next level. A level's states have consecutive store indices (a new state is stored and queued
        at once), from ``len(store) - len(frontier)`` on. This is the hot loop, generated for the spec
        (:mod:`modelcheck.engine._level_loop`); it calls the stops below."""
        if self.views_spotted:
            spot_check_views(self.spec, self.fingerprint, self.store.index, frontier, len(self.store) - len(frontier))
        return self.level_loop(self, frontier)

    def add_fired(self, counts: tuple[int, ...]) -> None:
        """Add a level's (or a stopped level's) firings per action."""
        fired = self.fired
        for ai, c in enumerate(counts):
            fired[ai] += c

    def stop_cut(self, bad: str, si: int, ai: int, params: tuple, t: State) -> None:
        """Invariant ``bad`` fails on ``t``, a successor of stored state ``si`` outside the constraint."""
        last = Step(Label(self.spec.actions[ai].name, params), t)
        raise _Stop(lambda: self.violation(bad, si, last))

    def stored_depth(self) -> int:
        """TLC's depth at a stop during a level's expansion: the deepest level stored so far, the next one only if
        it holds a state already (at a step breaking an action invariant, whose ``t`` may be an old state, and at a
        deadlock, which TLC finds on expanding the state, after the level's earlier states' successors)."""
        return self.depth + (len(self.store) > self.level_end)

    def stop_step(self, bad: str, si: int, ai: int, params: tuple, t: State) -> None:
        """Action invariant ``bad`` fails on the step from stored state ``si`` to ``t``."""
        last = Step(Label(self.spec.actions[ai].name, params), t)
        depth = self.stored_depth()
        raise _Stop(lambda: self.report(VIOLATION, bad, self.trace_to(si, last), depth))

    def stop_violation(self, bad: str, ti: int) -> None:
        """Invariant ``bad`` fails on stored state ``ti``."""
        raise _Stop(lambda: self.violation(bad, ti))

    def stop_full(self, depth: int) -> None:
        """The store holds ``max_states`` states."""
        raise _Stop(lambda: self.full(depth))

    def stop_deadlock(self, si: int) -> None:
        """Stored state ``si`` has no successor."""
        depth = self.stored_depth()
        raise _Stop(lambda: self.report(DEADLOCK, None, self.trace_to(si), depth))

    # -- report -------------------------------------------------------------------------------------------

    def generated(self) -> int:
        """Successors generated: the initial states and every action firing (TLC's count)."""
        return self.n_init + sum(self.fired)

    def full(self, depth: int) -> Result:
        """The report of a search cut at ``max_states`` distinct states (incomplete; no verdict beyond them)."""
        self.result.complete = False
        return self.report(OK, None, None, depth)

    def violation(self, bad: str, i: int, last: Step | None = None) -> Result:
        """The report of invariant ``bad`` violated one level down, at stored state ``i`` (or after it, at ``last``)."""
        return self.report(VIOLATION, bad, self.trace_to(i, last), self.depth + 1)

    def trace_to(self, i: int, last: Step | None = None) -> list[Step]:
        """The steps from an initial state to stored state ``i`` (then ``last``), rebuilt from the store."""
        steps = self.store.rebuild(self.spec, self.fingerprint, self.spec.init_states(), i)
        return steps + [last] if last else steps

    def report(self, verdict: str, violated: str | None, trace: list[Step] | None, depth: int) -> Result:
        """The result: verdict, trace, counts, coverage and memory."""
        result, store = self.result, self.store
        result.verdict, result.violated, result.trace = verdict, violated, trace
        result.distinct_states, result.states_generated, result.depth = len(store), self.generated(), depth
        result.seconds = time.perf_counter() - self.started
        new = store.new_per_action(len(self.fired))
        result.coverage = {a.name: Coverage(self.fired[i], new[i]) for i, a in enumerate(self.spec.actions)}
        result.store_bytes = store.nbytes()
        result.peak_rss_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if self.progress:
            self.progress.done(result)
        return result


def main_memory_note() -> str:  # pragma: no cover - informational
    """Where the peak RSS figure comes from."""
    return f"peak RSS from getrusage on {sys.platform}"
