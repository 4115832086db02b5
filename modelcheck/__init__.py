"""paxraft's explicit-state model checker: ``check(spec)`` explores a spec and returns a Result."""

from __future__ import annotations

from modelcheck.engine.bfs import bfs
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import DEADLOCK, OK, VIOLATION, Result, Step

__all__ = ["check", "Result", "Step", "OK", "VIOLATION", "DEADLOCK", "Progress"]

#: ``check(spec, *, symmetry, check_invariants, check_deadlock, max_states, progress)``: the breadth-first
#: exhaustive check of ``spec`` (invariants, optional deadlock, shortest counterexample) is the bfs engine itself
check = bfs
