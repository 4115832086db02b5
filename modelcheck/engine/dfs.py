"""Depth-first search with an optional depth bound: finds deep errors fast, not shortest ones.

With a bound, a state reached again by a shorter path is expanded again (its earlier visit
may have been cut by the bound), so every state within the bound is explored: the search
is exhaustive up to that depth, as TLC's ``-dfid`` is for its depth.
"""

from __future__ import annotations

import resource
import time
from typing import Literal

from modelcheck.engine._fingerprint import fingerprinter
from modelcheck.engine.gcpause import gc_paused
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import DEADLOCK, OK, VIOLATION, Coverage, Result, Step
from modelcheck.engine.view_spot import view_spot
from spec.behaviour import initial_states, invariant_check, state_constraint, step_check
from spec.core import Label, Spec


def dfs(
    spec: Spec,
    *,
    depth_bound: int | None = None,
    symmetry: bool = False,
    check_invariants: bool = True,
    check_deadlock: bool = False,
    max_states: int | None = None,
    progress: Progress | None = None,
) -> Result:
    """Explore ``spec`` depth-first (initial states are depth 1); stop at the first error."""
    if depth_bound is not None and depth_bound < 1:
        raise ValueError("depth bound must be at least 1")
    with gc_paused():
        return _dfs(spec, depth_bound, symmetry, check_invariants, check_deadlock, max_states, progress)


def _dfs(
    spec: Spec,
    depth_bound: int | None,
    symmetry: bool,
    check_invariants: bool,
    check_deadlock: bool,
    max_states: int | None,
    progress: Progress | None,
) -> Result:
    started = time.perf_counter()
    fingerprint = fingerprinter(spec, symmetry)
    spot = view_spot(spec, fingerprint)  # None without a view
    first_bad = invariant_check(spec, check_invariants)
    step_bad = step_check(spec, check_invariants)
    constraint = state_constraint(spec)
    fired = [0] * len(spec.actions)
    new = [0] * len(spec.actions)
    seen: dict[int, int] = {}  # fingerprint -> shallowest depth it was expanded at
    result = Result(spec, symmetry=symmetry, mode="dfs")
    generated = 0
    deepest = 0
    cut_by_bound = False

    def finish(verdict: str, violated: str | None, trace: list[Step] | None) -> Result:
        result.verdict, result.violated, result.trace = verdict, violated, trace
        result.distinct_states, result.states_generated, result.depth = len(seen), generated, deepest
        result.seconds = time.perf_counter() - started
        result.coverage = {a.name: Coverage(fired[i], new[i]) for i, a in enumerate(spec.actions)}
        result.store_bytes = 100 * len(seen)  # a dict entry and two ints per state, roughly
        result.peak_rss_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        result.complete = result.complete and not cut_by_bound
        result.extra["depth_bound"] = depth_bound
        result.extra["cut_by_bound"] = cut_by_bound
        if progress:
            progress.done(result)
        return result

    # The path: one frame per state on it, (step, successor iterator).
    for init in initial_states(spec):
        generated += 1
        deepest = max(deepest, 1)
        bad: str | Literal[False] | None = first_bad(init)  # (False: a step's check passed)
        if bad:
            return finish(VIOLATION, bad, [Step(None, init)])
        if constraint is not None and not constraint(init):
            continue
        fp = fingerprint(init)
        # an initial state already reached from another one (deeper, so perhaps cut by the bound) is
        # expanded again from depth 1, as any state reached again by a shorter path is
        known = seen.get(fp)
        if known is not None and (depth_bound is None or known <= 1):
            continue
        seen[fp] = 1
        if max_states is not None and len(seen) >= max_states:
            result.complete, result.extra["state_limit"] = False, True
            return finish(OK, None, None)
        path = [(Step(None, init), spec.successors(init), False)]
        while path:
            step, succs, moved = path[-1]
            depth = len(path)
            nxt = next(succs, None) if depth_bound is None or depth < depth_bound else None
            if nxt is None:
                if depth_bound is not None and depth >= depth_bound and next(spec.successors(step.state), None):
                    cut_by_bound = True
                if check_deadlock and not moved and next(spec.successors(step.state), None) is None:
                    return finish(DEADLOCK, None, [f[0] for f in path])
                path.pop()
                continue
            path[-1] = (step, succs, True)
            ai, params, t = nxt
            generated += 1
            if progress and not generated & 255:
                progress.tick(len(seen), generated, deepest, depth, f"{depth:,} states on the current path")
            fired[ai] += 1
            tstep = Step(Label(spec.actions[ai].name, params), t)
            deepest = max(deepest, depth + 1)
            # a state's invariants, then the step's action invariants (TLC's order, as the breadth-first search)
            if constraint is not None and not constraint(t):
                bad = first_bad(t) or (step_bad is not None and step_bad(step.state, t, ai))
                if bad:
                    return finish(VIOLATION, bad, [f[0] for f in path] + [tstep])
                continue
            fp = fingerprint(t)
            known = seen.get(fp)
            if known is None:
                new[ai] += 1
                bad = first_bad(t)
                if bad:
                    seen[fp] = depth + 1
                    return finish(VIOLATION, bad, [f[0] for f in path] + [tstep])
            if step_bad is not None:
                bad = step_bad(step.state, t, ai)
                if bad:
                    if known is None:
                        seen[fp] = depth + 1
                    return finish(VIOLATION, bad, [f[0] for f in path] + [tstep])
            if known is not None and (depth_bound is None or known <= depth + 1):
                continue
            seen[fp] = depth + 1
            if spot is not None and known is None:
                spot.note(t, fp, len(seen))
            if max_states is not None and len(seen) >= max_states:
                result.complete, result.extra["state_limit"] = False, True
                return finish(OK, None, None)
            path.append((tstep, spec.successors(t), False))
    return finish(OK, None, None)
