"""Breadth-first exhaustive search: shortest counterexamples, TLC's counts and depth."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable

from modelcheck.engine._fingerprint import fingerprinter
from modelcheck.engine._state_store import StateStore
from modelcheck.engine.calls import step_arity
from modelcheck.engine.gcpause import gc_paused
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import DEADLOCK, OK, VIOLATION, Coverage, Result, Step
from spec.behaviour import invariant_check, outside_counted, state_constraint
from spec.core import OUTSIDE, Label, Spec, State


def bfs(
    spec: Spec,
    *,
    symmetry: bool = False,
    check_invariants: bool = True,
    check_deadlock: bool = False,
    max_states: int | None = None,
    progress: Progress | None = None,
    goal: Callable[[State], str | None] | None = None,
) -> Result:
    """Explore every reachable state of ``spec`` level by level (initial states are depth 1)."""
    with gc_paused():
        return _Search(spec, symmetry, check_invariants, check_deadlock, max_states, progress, goal).run()


class _Stop(Exception):  # noqa: N818 - not an error: how a phase ends the search
    """The search ends before the state space does (a violation, a deadlock, the state cap): its report."""

    def __init__(self, result: Result) -> None:
        self.result = result


class _Search:
    """One breadth-first search, phase by phase: the initial level (:meth:`initial_level`), then each
    level's expansion (:meth:`expand_level`, :meth:`expand`: every successor is checked against the
    constraint and the invariants and recorded in the store once), then the report (:meth:`report`).
    A phase that finds the end of the search raises :class:`_Stop` with the report."""

    def __init__(
        self,
        spec: Spec,
        symmetry: bool,
        check_invariants: bool,
        check_deadlock: bool,
        max_states: int | None,
        progress: Progress | None,
        goal: Callable[[State], str | None] | None,
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
        self.counts_outside = goal is None  # a goal may hold outside the constraint: steps then build every successor
        self.constraint = state_constraint(spec)  # None when the spec has none: one test per successor
        self.actions = [(ai, a.enumerate, a.step, step_arity(a.step)) for ai, a in enumerate(spec.actions)]
        self.fired = [0] * len(self.actions)  # firings per action (successors generated, but the initial states)
        self.new = [0] * len(self.actions)  # new distinct states per action
        self.store = StateStore()
        self.result = Result(spec, symmetry=symmetry)
        self.n_init = 0
        self.depth = 0

    def run(self) -> Result:
        """The phases in order: the initial level, each next level while there is one, the report."""
        try:
            frontier = self.initial_level()
            self.depth = 1 if frontier else 0
            with outside_counted(self.spec, self.counts_outside):
                while frontier:
                    frontier = self.expand_level(frontier)
                    if frontier:
                        self.depth += 1
        except _Stop as stop:
            return stop.result
        return self.report(OK, None, None, self.depth)

    # -- init: the initial states are level 1 -----------------------------------------------------------

    def initial_level(self) -> list[State]:
        """The distinct initial states within the constraint, checked and stored: the first frontier."""
        frontier: list[State] = []
        for s in self.spec.init_states():
            self.n_init += 1
            bad = self.violated(s) if self.invariants else None
            if self.constraint is not None and not self.constraint(s):
                if bad:
                    raise _Stop(self.report(VIOLATION, bad, [Step(None, s)], 1))
                continue
            fp = self.fingerprint(s)
            if fp in self.store.index:
                continue
            i = self.store.add(fp, -1, -1)
            if bad:
                raise _Stop(self.report(VIOLATION, bad, [Step(None, s)], 1))
            frontier.append(s)
            if i + 1 >= self.limit:
                raise _Stop(self.full(1))
        return frontier

    # -- expand: one level, state by state ------------------------------------------------------------

    def expand_level(self, frontier: list[State]) -> list[State]:
        """Fire every action from every state of the level; check each successor and record the new ones:
        the next level. A level's states have consecutive store indices (a new state is stored and queued
        at once), from ``len(store) - len(frontier)`` on. This is the hot loop: the store's add is
        inlined, names are locals, and the loop runs once per level, not once per state."""
        fingerprint, constraint, violated = self.fingerprint, self.constraint, self.violated
        invariants, store, fired, new = self.invariants, self.store, self.fired, self.new
        index, fps_append = store.index, store.fps.append
        seen, n = index.setdefault, len(index)  # one dict operation per successor: new ones get index n
        parents_append, via_append = store.parents.append, store.via.append
        limit, progress, depth, check_deadlock = self.limit, self.progress, self.depth, self.check_deadlock
        outside = OUTSIDE
        next_frontier: list[State] = []
        append = next_frontier.append
        first = n - len(frontier)  # store index of the level's first state
        for si, s in enumerate(frontier, first):
            if progress and not (si - first) & 255:
                progress.tick(n, self.generated(), depth, len(frontier) - (si - first) + len(next_frontier))
            enabled = False
            for ai, enum, step, arity in self.actions:
                nf = 0  # this action's firings from s
                for params in enum(s):
                    if arity == 1:  # the specialised call (modelcheck.engine.calls); the same as step(s, *params)
                        (p0,) = params
                        t = step(s, p0)
                    elif arity == 2:
                        p0, p1 = params
                        t = step(s, p0, p1)
                    elif arity == 3:
                        p0, p1, p2 = params
                        t = step(s, p0, p1, p2)
                    else:
                        t = step(s, *params)
                    if t is None:
                        continue
                    nf += 1
                    if t is s or t is outside:  # changed nothing (s is stored and checked), or counted only
                        continue
                    # check: a successor outside the constraint is checked, not stored nor expanded (TLC's rule)
                    if constraint is not None and not constraint(t):
                        bad = violated(t) if invariants else None
                        if bad:
                            fired[ai] += nf
                            raise _Stop(self.violation(bad, si, Step(Label(self.spec.actions[ai].name, params), t)))
                        continue
                    # record: a new distinct state, stored once (StateStore.add, inlined)
                    fp = fingerprint(t)
                    ti = seen(fp, n)
                    if ti != n:
                        continue
                    n += 1
                    fps_append(fp)
                    parents_append(si)
                    via_append(ai)
                    new[ai] += 1
                    if invariants:
                        bad = violated(t)
                        if bad:
                            fired[ai] += nf
                            raise _Stop(self.violation(bad, ti))
                    if n >= limit:  # the N-th distinct state: stored and checked, then the search stops
                        fired[ai] += nf
                        raise _Stop(self.full(depth + 1))
                    append(t)
                if nf:
                    fired[ai] += nf
                    enabled = True
            if check_deadlock and not enabled:
                raise _Stop(self.report(DEADLOCK, None, self.trace_to(si), depth))
        return next_frontier

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
        result.coverage = {a.name: Coverage(self.fired[i], self.new[i]) for i, a in enumerate(self.spec.actions)}
        result.store_bytes = store.nbytes()
        result.peak_rss_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if self.progress:
            self.progress.done(result)
        return result


def main_memory_note() -> str:  # pragma: no cover - informational
    """Where the peak RSS figure comes from."""
    return f"peak RSS from getrusage on {sys.platform}"
