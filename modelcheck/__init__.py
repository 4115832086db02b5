"""paxraft's explicit-state model checker: ``check(spec)`` explores a spec and returns a Result."""

from __future__ import annotations

from modelcheck.engine.bfs import bfs
from modelcheck.engine.faults import verify_symmetry
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import DEADLOCK, OK, VIOLATION, Result, Step
from spec.core import Spec

__all__ = ["check", "Result", "Step", "OK", "VIOLATION", "DEADLOCK", "Progress"]



def check(
    spec: Spec,
    *,
    symmetry: bool = False,
    trust_symmetry: bool = False,
    check_invariants: bool = True,
    check_deadlock: bool = False,
    max_states: int | None = None,
    progress: Progress | None = None,
) -> Result:
    """The breadth-first exhaustive check of ``spec``: invariants, optionally deadlock, the shortest
    counterexample; TLC's counts and depth.

    With ``symmetry`` the search stores one state per renaming, which is sound only if ``permute`` (or
    ``canonical``) is a symmetry of the model; as ``paxraft check --symmetry`` does, the renamings are first
    checked on the first states (a spec object once), and a ``SpecContractError`` says what breaks. TLC trusts
    its SYMMETRY; ``trust_symmetry=True`` does too (a deliberate quotient, or a test of the search itself)."""
    if symmetry and not trust_symmetry:
        verify_symmetry(spec, check_invariants)
    return bfs(spec, symmetry=symmetry, check_invariants=check_invariants, check_deadlock=check_deadlock,
               max_states=max_states, progress=progress)
