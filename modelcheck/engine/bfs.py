"""Breadth-first exhaustive search: shortest counterexamples, TLC's counts and depth."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable

from modelcheck.engine._fingerprint import fingerprinter
from modelcheck.engine._store import StateStore
from modelcheck.engine.gcpause import gc_paused
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import DEADLOCK, OK, VIOLATION, Coverage, Result, Step
from spec.behaviour import invariant_check, state_constraint
from spec.core import Label, Spec, State


def bfs(*args: object, **kwargs: object) -> Result:
    """Explore every reachable state of ``spec`` level by level (initial states are depth 1)."""
    with gc_paused():
        return _bfs(*args, **kwargs)  # type: ignore[arg-type]


def _bfs(
    spec: Spec,
    *,
    symmetry: bool = False,
    check_invariants: bool = True,
    check_deadlock: bool = False,
    max_states: int | None = None,
    progress: Progress | None = None,
    goal: Callable[[State], str | None] | None = None,
) -> Result:
    started = time.perf_counter()
    fingerprint = fingerprinter(spec, symmetry)
    invariants = list(spec.invariants.items()) if check_invariants or goal else []
    # The invariants in order (or a spec's equivalent fast path); ``goal`` replaces them when the
    # search looks for a state (a witness, `--reach`) instead of a violation: the same stop, the same trace.
    violated = goal or invariant_check(spec)
    constraint = state_constraint(spec)  # None when the spec has none: one test per successor
    actions = [(a.enumerate, a.step) for a in spec.actions]
    fired = [0] * len(actions)
    new = [0] * len(actions)
    store = StateStore()
    index = store.index
    add = store.add
    fps_append, parents_append, via_append = store.fps.append, store.parents.append, store.via.append
    result = Result(spec, symmetry=symmetry)
    # Successors generated = the initial states + every action firing; the loop counts firings per
    # action in a local and adds them once per (state, action), the cheapest count it can keep.
    n_init = 0

    def finish(verdict: str, violated: str | None, trace: list[Step] | None, depth: int) -> Result:
        result.verdict, result.violated, result.trace = verdict, violated, trace
        result.distinct_states, result.states_generated, result.depth = len(store), n_init + sum(fired), depth
        result.seconds = time.perf_counter() - started
        result.coverage = {a.name: Coverage(fired[i], new[i]) for i, a in enumerate(spec.actions)}
        result.store_bytes = store.nbytes()
        result.peak_rss_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if progress:
            progress.done(result)
        return result

    def trace_to(i: int, last: Step | None = None) -> list[Step]:
        steps = store.rebuild(spec, fingerprint, spec.init_states(), i)
        return steps + [last] if last else steps

    frontier: list[tuple[State, int]] = []
    for s in spec.init_states():
        n_init += 1
        bad = violated(s) if invariants else None
        if constraint is not None and not constraint(s):
            if bad:
                return finish(VIOLATION, bad, [Step(None, s)], 1)
            continue
        fp = fingerprint(s)
        if fp in index:
            continue
        i = add(fp, -1, -1)
        if bad:
            return finish(VIOLATION, bad, [Step(None, s)], 1)
        frontier.append((s, i))
    depth = 1 if frontier else 0

    while frontier:
        next_frontier: list[tuple[State, int]] = []
        append = next_frontier.append
        for n_expanded, (s, si) in enumerate(frontier):
            if progress and not n_expanded & 255:
                progress.tick(len(store), n_init + sum(fired), depth, len(frontier) - n_expanded + len(next_frontier))
            enabled = False
            for ai, (enum, step) in enumerate(actions):
                nf = 0  # this action's firings from s
                for params in enum(s):
                    t = step(s, *params)
                    if t is None:
                        continue
                    nf += 1
                    if t is s:  # a step that changed nothing (the same object): s is stored and checked
                        continue
                    if constraint is not None and not constraint(t):
                        bad = violated(t) if invariants else None
                        if bad:
                            fired[ai] += nf
                            return finish(
                                VIOLATION, bad, trace_to(si, Step(Label(spec.actions[ai].name, params), t)), depth + 1
                            )
                        continue
                    fp = fingerprint(t)
                    if fp in index:
                        continue
                    ti = index[fp] = len(index)  # StateStore.add, inlined: this is the hot loop
                    fps_append(fp)
                    parents_append(si)
                    via_append(ai)
                    new[ai] += 1
                    if invariants:
                        bad = violated(t)
                        if bad:
                            fired[ai] += nf
                            return finish(VIOLATION, bad, trace_to(ti), depth + 1)
                    append((t, ti))
                if nf:
                    fired[ai] += nf
                    enabled = True
            if check_deadlock and not enabled:
                return finish(DEADLOCK, None, trace_to(si), depth)
            if max_states is not None and len(store) >= max_states:
                result.complete = False
                return finish(OK, None, None, depth + (1 if next_frontier else 0))
        frontier = next_frontier
        if frontier:
            depth += 1
    return finish(OK, None, None, depth)


def main_memory_note() -> str:  # pragma: no cover - informational
    """Where the peak RSS figure comes from."""
    return f"peak RSS from getrusage on {sys.platform}"
