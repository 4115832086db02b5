"""Random simulation: many seeded random walks of a given depth, reproducible walk by walk.

Walk ``w`` of a run with seed ``S`` draws from ``random.Random(f"{S}:{w}")``, so the same
seed gives the same walks on every machine, and one walk can be re-run on its own.  At each
step the walk picks uniformly among the enabled action instances.
"""

from __future__ import annotations

import random
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


def walk_rng(seed: int, walk: int) -> random.Random:
    """The random source of walk ``walk`` under ``seed``."""
    return random.Random(f"{seed}:{walk}")


def simulate(
    spec: Spec,
    *,
    walks: int = 100,
    depth: int = 50,
    seed: int = 0,
    check_invariants: bool = True,
    check_deadlock: bool = False,
    first_walk: int = 0,
    progress: Progress | None = None,
) -> Result:
    """Run ``walks`` random walks of at most ``depth`` states; stop at the first violation.

    The result's ``trace`` is the violating walk (``None`` without one); ``extra`` holds the
    seed, the walks run and the violating walk's number; ``result.deepest_trace`` is the
    longest walk (its last state is the deepest reached; ``depth`` is its length).
    """
    if walks < 1 or depth < 1:
        raise ValueError("walks and depth must be at least 1")
    started = time.perf_counter()
    first_bad = invariant_check(spec, check_invariants)
    step_bad = step_check(spec, check_invariants)  # on the step each walk takes (TLC's simulation does too)
    constraint = state_constraint(spec)
    fingerprint = fingerprinter(spec, False)  # the exhaustive search's: by the view where there is one
    spot = view_spot(spec, fingerprint, "generated state")  # None without a view
    inits = initial_states(spec)
    fired = [0] * len(spec.actions)
    new = [0] * len(spec.actions)
    seen: set[int] = set()
    generated = 0
    deepest: list[Step] = []
    result = Result(spec, mode="simulate", complete=False)
    verdict, violated, bad_trace, bad_walk = OK, None, None, None
    run, trace = 0, []
    try:
        with gc_paused():
            for w in range(first_walk, first_walk + walks):
                run += 1
                rng = walk_rng(seed, w)
                state = rng.choice(inits)
                generated += 1
                seen.add(fingerprint(state))
                trace = [Step(None, state)]
                bad: str | Literal[False] | None = first_bad(state)  # (False: a step's check passed)
                while not bad and len(trace) < depth:
                    if constraint is not None and not constraint(state):
                        break
                    succs = list(spec.successors(state))
                    if not succs:
                        if check_deadlock:
                            verdict, bad_trace, bad_walk = DEADLOCK, trace, w
                        break
                    prev = state
                    ai, params, state = succs[rng.randrange(len(succs))]
                    generated += 1
                    fired[ai] += 1
                    fp = fingerprint(state)
                    # distinct states are those the exhaustive search stores: not one outside the constraint
                    # (checked, then the walk ends), so a simulation never reports more than the model has
                    if fp not in seen and (constraint is None or constraint(state)):
                        seen.add(fp)
                        new[ai] += 1
                    if spot is not None:
                        spot.note(state, fp, generated)
                    trace.append(Step(Label(spec.actions[ai].name, params), state))
                    bad = first_bad(state) or (step_bad is not None and step_bad(prev, state, ai))  # TLC's order
                if bad:
                    verdict, violated, bad_trace, bad_walk = VIOLATION, bad, trace, w
                if len(trace) > len(deepest):
                    deepest = trace
                if progress:
                    progress.tick(len(seen), generated, len(deepest), 0, f"{run:,} of {walks:,} walks done")
                if bad_trace is not None:
                    break
    except KeyboardInterrupt:  # Ctrl-C: the figures so far, the walk under way too (it said "interrupted" alone)
        if progress:
            progress.tick(len(seen), generated, max(len(deepest), len(trace)), 0,
                          f"{run - 1:,} of {walks:,} walks done, walk {run:,} at depth {len(trace):,}")
        raise
    result.verdict, result.violated = verdict, violated
    result.trace = bad_trace
    result.distinct_states, result.states_generated, result.depth = len(seen), generated, len(deepest)
    result.seconds = time.perf_counter() - started
    result.coverage = {a.name: Coverage(fired[i], new[i]) for i, a in enumerate(spec.actions)}
    result.peak_rss_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result.extra.update({"seed": seed, "walks": run, "walk": bad_walk, "walk_depth": depth})
    result.deepest_trace = deepest  # type: ignore[attr-defined]  # not JSON: kept off ``extra``
    if progress:
        progress.done(result)
    return result
