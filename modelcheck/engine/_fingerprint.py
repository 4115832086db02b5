"""Fingerprints: a 64-bit hash of the state, or of its symmetry-canonical representative.

Python's structural hash of ints, tuples and frozensets is the same in every
process and run (only str/bytes hashes are salted), so it serves as TLC's
fingerprint. Under symmetry the fingerprint is the least hash over the state's
orbit: every member of an orbit gets the same fingerprint, and the state kept
for expansion is the one actually reached, so traces stay real behaviours.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Callable

from spec.core import Spec, SpecError, State


def fingerprinter(spec: Spec, symmetry: bool) -> Callable[[State], int]:
    """The fingerprint function for ``spec``, canonicalising under symmetry when asked."""
    if not symmetry:
        return hash
    perms = spec.permutations()[1:]  # identity first: use the state's own hash for it
    if not spec.symmetric_sets():
        raise SpecError(f"{spec.name}: --symmetry asked for, but this spec declares no symmetric sets")
    if spec.asymmetric:
        raise SpecError(f"{spec.name}: --symmetry cannot go with the restriction(s) {', '.join(spec.restricted)}: "
                        "one of them singles out a server, so renaming is no longer a symmetry of the model")
    if not perms:
        return hash
    if type(spec).symmetry_keys is not Spec.symmetry_keys:
        return _sorting_fingerprinter(spec)
    permute = spec.permute

    def canonical_fp(s: State) -> int:
        best = hash(s)
        for p in perms:
            h = hash(permute(s, p))
            if h < best:
                best = h
        return best

    return canonical_fp


def _sorting_fingerprinter(spec: Spec) -> Callable[[State], int]:
    """Least hash over the renamings that sort the spec's :meth:`Spec.symmetry_keys`.

    Those renamings are determined by the state up to renaming (sorting commutes with it), so
    every member of an orbit gets the same set of renamed states, hence the same least hash:
    the orbits, and the counts, are those of the full-group search. A state whose keys are all
    different needs one renaming instead of the group's n! - 1.
    """
    sets = spec.symmetric_sets()
    names = list(sets)
    every = {n: list(itertools.permutations(range(sets[n]))) for n in names}
    identity = {n: tuple(range(sets[n])) for n in names}
    permute, keys_of = spec.permute, spec.symmetry_keys
    # rank vector per set (each element's first sorted position) -> (renamings to try, identity among them?)
    cache: dict[tuple[tuple[int, ...], ...], tuple[list[dict[str, tuple[int, ...]]], bool]] = {}

    def candidates(ranks: tuple[tuple[int, ...], ...]) -> tuple[list[dict[str, tuple[int, ...]]], bool]:
        allowed = []
        for n, r in zip(names, ranks):
            # element i may go to any position of its tie group: r[i] .. r[i] + (size of the group) - 1
            allowed.append([p for p in every[n] if all(ri <= pi < ri + r.count(ri) for pi, ri in zip(p, r))])
        combos = [dict(zip(names, c)) for c in itertools.product(*allowed)]
        out = [c for c in combos if c != identity], identity in combos
        cache[ranks] = out
        return out

    def canonical_fp(s: State) -> int:
        keys = keys_of(s) or {}
        ranks = []
        for n in names:
            ks = keys.get(n)
            if ks is None:
                ranks.append((0,) * sets[n])  # no keys: one tie group, every renaming
            else:
                srt = sorted(ks)
                ranks.append(tuple([bisect_left(srt, k) for k in ks]))
        key = tuple(ranks)
        perms, with_identity = cache.get(key) or candidates(key)
        best = hash(s) if with_identity else None
        for p in perms:
            h = hash(permute(s, p))
            if best is None or h < best:
                best = h
        assert best is not None
        return best

    return canonical_fp
