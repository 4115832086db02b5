"""Fingerprints: a 64-bit hash of the state, or of its symmetry-canonical representative.

Python's structural hash of ints, tuples and frozensets is the same in every
process and run (only str/bytes hashes are salted), so it serves as TLC's
fingerprint. Under symmetry the fingerprint is the least hash over the state's
orbit: every member of an orbit gets the same fingerprint, and the state kept
for expansion is the one actually reached, so traces stay real behaviours.
"""

from __future__ import annotations

from collections.abc import Callable

from spec.core import Spec, SpecError, State


def fingerprinter(spec: Spec, symmetry: bool) -> Callable[[State], int]:
    """The fingerprint function for ``spec``, canonicalising under symmetry when asked."""
    if not symmetry:
        return hash
    perms = spec.permutations()[1:]  # identity first: use the state's own hash for it
    if not spec.symmetric_sets():
        raise SpecError(f"{spec.name}: --symmetry asked for, but this spec declares no symmetric sets")
    if not perms:
        return hash
    permute = spec.permute

    def canonical_fp(s: State) -> int:
        best = hash(s)
        for p in perms:
            h = hash(permute(s, p))
            if h < best:
                best = h
        return best

    return canonical_fp
