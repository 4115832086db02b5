"""paxraft's explicit-state model checker: ``check(spec)`` explores a spec and returns a Result."""

from __future__ import annotations

from modelcheck.engine.bfs import bfs
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import DEADLOCK, OK, VIOLATION, Result, Step
from spec.core import Spec

__all__ = ["check", "Result", "Step", "OK", "VIOLATION", "DEADLOCK", "Progress"]


def check(
    spec: Spec,
    *,
    symmetry: bool = False,
    check_invariants: bool = True,
    check_deadlock: bool = False,
    max_states: int | None = None,
    progress: Progress | None = None,
) -> Result:
    """Breadth-first exhaustive check of ``spec``: invariants, optional deadlock, shortest trace."""
    return bfs(
        spec,
        symmetry=symmetry,
        check_invariants=check_invariants,
        check_deadlock=check_deadlock,
        max_states=max_states,
        progress=progress,
    )
