"""Fingerprints: a 64-bit hash of the state, or of its symmetry-canonical representative.

Python's structural hash of ints, tuples and frozensets is the same in every
process and run (only str/bytes hashes are salted), so it serves as TLC's
fingerprint. Under symmetry the fingerprint is the least hash over the state's
orbit: every member of an orbit gets the same fingerprint, and the state kept
for expansion is the one actually reached, so traces stay real behaviours.

The orbit is searched as little as it can be: a spec may give the canonical form
itself (:meth:`Spec.canonical`); otherwise only the renamings that sort the
spec's :meth:`Spec.symmetry_keys` are tried, and among elements with equal keys,
"twins" (elements whose exchange leaves the state unchanged) are not reordered,
since every ordering of twins gives the same renamed state.
"""

from __future__ import annotations

import enum
import itertools
import random
from bisect import bisect_left
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

from modelcheck.engine._identity import ByIdentity
from spec.behaviour import initial_states
from spec.core import OUTSIDE, Spec, SpecError, State

SAMPLE = 64
"""States of a breadth-first walk from the initial states that :func:`_holds_below_minus_one` looks at."""

WALKS, WALK_DEPTH, TRIES, STARTS = 64, 32, 8, 4096
"""Then seeded random walks from initial states spread over the first :data:`STARTS`, deeper than the
breadth-first walk goes: a counter going down one receipt at a time (EWD998Chan's, below -1 after two
receipts, for 2 to 6 nodes) shows there. Their cost, once per spec object: 2-25 ms of CPU (MultiPaxos 4,
BcastByz 24)."""


def _apart(x: Any) -> Any:
    """``x`` with every negative number moved down by one, which keeps it injective and never makes -1.

    Python hashes -1 as -2 (so do -1 as a Fraction or a float), and a tuple's hash is made of its elements'
    hashes: two states differing only by a -1 where the other holds -2 had the same fingerprint, and the
    second one reached was taken for the first (a counter going down from 0 stopped at -1)."""
    cls = x.__class__
    if cls is bool or cls is str:
        return x
    if isinstance(x, (int, float, Fraction)):
        return x - 1 if x < 0 else x
    if isinstance(x, tuple):
        return tuple([_apart(y) for y in x])
    if isinstance(x, frozenset):
        return frozenset([_apart(y) for y in x])
    return x


def _holds_below_minus_one(x: Any) -> bool:
    cls = x.__class__
    if cls is bool or cls is str:
        return False
    if isinstance(x, (int, float, Fraction)):
        return x < -1
    if isinstance(x, (tuple, frozenset)):
        return any(_holds_below_minus_one(y) for y in x)
    return False


def holds_salted(x: Any) -> bool:
    """Whether ``x`` holds a value whose hash Python salts per process (PYTHONHASHSEED): a str, bytes, or an
    enum member (hashed by its name).  Such a state's fingerprint differs between processes, so a checkpoint
    resumed, or Ray's workers, need the seed the run had (:mod:`modelcheck.engine.checkpoint`)."""
    cls = x.__class__
    if cls is str or cls is bytes or isinstance(x, (str, bytes, enum.Enum)):
        return True
    if isinstance(x, (tuple, frozenset)):
        return any(holds_salted(y) for y in x)
    return False


_DECIDED: ByIdentity[tuple[bool, bool]] = ByIdentity()
""":func:`_sample`'s answers per spec object: the walk runs the spec's own steps, so it runs once per
spec, and a tool counting a search's step calls (benchmarks/step_outcomes.py) asks first, then counts."""


def _sample(spec: Spec) -> tuple[bool, bool]:
    """Whether the model's first states (a breadth-first walk of at most :data:`SAMPLE`, then seeded random walks
    deeper down) hold a number below -1, so that -1 and -2 may stand at one place in two states (then
    fingerprints hash :func:`_apart` of a state, about 30 times the cost of ``hash``), and whether the first
    states hold a value :func:`holds_salted`.  A model whose numbers fall below -1 only where neither walk goes
    is not seen here (docs/checking.md says so); Paxos's -1 for "no ballot" alone keeps the plain hash."""
    decided = _DECIDED.get(spec)
    if decided is None:
        readers = _state_readers(spec)
        seen = _walk(spec, readers)
        below = any(_below(spec, s) for s in seen) or _deep_walks_find_below_minus_one(spec, readers)
        decided = (below, any(holds_salted(s) for s in seen))
        _DECIDED.put(spec, decided)
    return decided


def _below(spec: Spec, s: State) -> bool:
    """Whether ``s``, or the view the search hashes in its place (:meth:`Spec.view`), holds a number below -1 (a
    view may make one the state does not hold: a difference of two lengths). A view that fails here fails
    again in the preflight or the search, which name it."""
    if _holds_below_minus_one(s):
        return True
    if not spec.has_view:
        return False
    try:
        return _holds_below_minus_one(spec.view(s))
    except Exception:  # noqa: BLE001 - the spec's own failure, reported where it is met again
        return False


def _needs_apart(spec: Spec) -> bool:
    return _sample(spec)[0]


def sample_holds_salted(spec: Spec) -> bool:
    """Whether the model's first states hold a str, bytes or enum member (:func:`holds_salted`)."""
    return _sample(spec)[1]


def _state_readers(spec: Spec) -> list[str]:
    """The actions whose enumerators the walks below ask for at most a million parameter tuples in each state they
    expand (faults.finite_parameters), an endless one refused: the walks take an enumerator's parameters into a
    tuple, and one endless in a state past the first held them for ever, silent, their memory growing. An
    enumerator that never reads its state is left out: it is taken once, in the first state, where the preflight
    asks it (asked in every state, it ran 1,377 times on test_enumerators' 64-state model instead of once)."""
    from modelcheck.engine.faults import _taken_once  # it builds on this module

    return [a.name for a in spec.actions if _taken_once(a) is None]


def _finite(spec: Spec, state: State, actions: list[str]) -> None:
    """:func:`_state_readers`' check in ``state`` for ``actions``; outside the walks' ``try``: it is the one
    failure they report themselves."""
    from modelcheck.engine.faults import finite_parameters  # it builds on this module

    finite_parameters(spec, state, actions)


def _walk(spec: Spec, readers: list[str]) -> set[State]:
    seen: set[State] = set()
    frontier: list[State] = []
    try:
        for s in initial_states(spec):
            if len(seen) >= SAMPLE:
                break
            if s not in seen:
                seen.add(s)
                frontier.append(s)
    except Exception:  # noqa: BLE001 - the spec's own failure: the search meets it again and reports it
        return seen
    while frontier and len(seen) < SAMPLE:
        nxt = []
        for s in frontier:
            _finite(spec, s, readers)
            try:
                for _, _, t in spec.successors(s):
                    if t not in seen and len(seen) < SAMPLE:
                        seen.add(t)
                        nxt.append(t)
            except Exception:  # noqa: BLE001 - as above
                return seen
        frontier = nxt
    return seen


def _deep_walks_find_below_minus_one(spec: Spec, readers: list[str]) -> bool:
    """:data:`WALKS` walks of up to :data:`WALK_DEPTH` steps from initial states spread over the first
    :data:`STARTS` (Random(0): the same walks every run); each step tries up to :data:`TRIES` times an action
    and parameters at random (one step call each, not a whole expansion: a tenth of the cost on broad models);
    a walk ends where no try was enabled or outside the spec's constraint (the search expands nothing there)."""
    try:
        starts = list(itertools.islice(initial_states(spec), STARTS))
    except Exception:  # noqa: BLE001 - the spec's own failure: the search meets it again and reports it
        return False
    rng, actions = random.Random(0), spec.actions
    for w in range(WALKS if starts and actions else 0):
        s = starts[w * len(starts) // WALKS]
        for _ in range(WALK_DEPTH):
            nxt = None
            for _ in range(TRIES):
                act = actions[rng.randrange(len(actions))]
                if act.name in readers:
                    _finite(spec, s, [act.name])
                try:
                    offered = act.enumerate(s)
                    offered = offered if isinstance(offered, (list, tuple)) else list(offered)
                    t = act.step(s, *offered[rng.randrange(len(offered))]) if offered else None
                except Exception:  # noqa: BLE001 - as above
                    return False
                if t is not None and t is not OUTSIDE:
                    nxt = t
                    break
            if nxt is None:
                break
            s = nxt
            try:
                if _below(spec, s):
                    return True
                if not spec.constraint(s):
                    break
            except Exception:  # noqa: BLE001 - as above
                return False
    return False


def plain_or_apart(spec: Spec) -> Callable[[State], int]:
    """``hash``, or the hash of :func:`_apart` of the state where the model's numbers go below -1."""
    if _needs_apart(spec):
        return lambda s: hash(_apart(s))
    return hash


def refuse_symmetry_with_view(spec: Spec) -> None:
    """--symmetry and a view do not go together; said first, before what --symmetry would need else (a spec with
    a view and no symmetric sets was told to declare them, only to be refused for its view)."""
    if spec.has_view:
        raise SpecError(f"{spec.name}: --symmetry is not offered with a view: TLC applies a VIEW to the one "
                        "renaming of a state it picks, by its own order of values, and another pick can merge "
                        "other states; check without --symmetry (or fold the renaming into the view)")


def fingerprinter(spec: Spec, symmetry: bool) -> Callable[[State], int]:
    """The fingerprint function for ``spec``: of its view (:meth:`Spec.view`) where it declares one, TLC's
    ``VIEW``; canonicalising under symmetry when asked."""
    if spec.has_view:
        if symmetry:
            refuse_symmetry_with_view(spec)
        fp, view = plain_or_apart(spec), spec.view
        return lambda s: fp(view(s))
    if not symmetry:
        return plain_or_apart(spec)
    if not spec.symmetric_sets():
        raise SpecError(f"{spec.name}: --symmetry asked for, but this spec declares no symmetric sets")
    if spec.asymmetric:
        raise SpecError(f"{spec.name}: --symmetry cannot go with the restriction(s) {', '.join(spec.restricted)}: "
                        "one of them singles out a server, so renaming is no longer a symmetry of the model")
    fp = plain_or_apart(spec)
    if type(spec).canonical is not Spec.canonical:
        canonical = spec.canonical
        return lambda s: fp(canonical(s))
    perms = spec.permutations()[1:]  # identity first: use the state's own hash for it
    if not perms:
        return fp
    has_keys = type(spec).symmetry_keys is not Spec.symmetry_keys
    if has_keys or max(spec.symmetric_sets().values()) >= TWINS_FROM:
        return _sorting_fingerprinter(spec, fp)
    permute = spec.permute

    def canonical_fp(s: State) -> int:
        best = fp(s)
        for p in perms:
            h = fp(permute(s, p))
            if h < best:
                best = h
        return best

    return canonical_fp


TWINS_FROM = 4
"""Tie groups this large are searched for twins first (a few renamings, against k! orderings);
smaller ones are cheaper to enumerate whole (3! = 6 renamings)."""

Renaming = dict[str, tuple[int, ...]]


def _sorting_fingerprinter(spec: Spec, fp: Callable[[State], int] = hash) -> Callable[[State], int]:
    """Least hash over the renamings that sort the spec's :meth:`Spec.symmetry_keys`, twins kept in order.

    Those renamings are determined by the state up to renaming (sorting commutes with it), so
    every member of an orbit gets the same set of renamed states, hence the same least hash:
    the orbits, and the counts, are those of the full-group search. Two elements of one tie
    group are twins when exchanging them leaves the state unchanged; renamings that differ only
    in how they order twins give the same state, so only the one keeping twins in order is tried.
    A state whose keys all differ needs one renaming instead of the group's n! - 1; a state
    whose tied elements are all twins (say, eight resource managers all still working), one too.
    """
    sets = spec.symmetric_sets()
    names = list(sets)
    identity: Renaming = {n: tuple(range(sets[n])) for n in names}
    permute, keys_of = spec.permute, spec.symmetry_keys
    # (rank vector, twin classes) per set -> (renamings to try, identity among them?)
    cache: dict[tuple, tuple[list[Renaming], bool]] = {}

    def twin_classes(s: State, n: str, ranks: tuple[int, ...]) -> tuple[int, ...]:
        """Each element's twin class within its tie group (the least element of the class)."""
        cls = list(range(len(ranks)))
        for i in range(len(ranks)):
            if ranks.count(ranks[i]) < TWINS_FROM:
                continue
            for j in range(i):  # the first earlier twin: twinship is an equivalence relation
                if ranks[j] == ranks[i] and cls[j] == j:
                    swap = list(identity[n])
                    swap[i], swap[j] = j, i
                    if permute(s, {**identity, n: tuple(swap)}) == s:
                        cls[i] = j
                        break
        return tuple(cls)

    def candidates(key: tuple) -> tuple[list[Renaming], bool]:
        per_set = [list(_orderings(ranks, classes)) for ranks, classes in key]
        combos = [dict(zip(names, c)) for c in itertools.product(*per_set)]
        out = [c for c in combos if c != identity], identity in combos
        cache[key] = out
        return out

    def canonical_fp(s: State) -> int:
        keys = keys_of(s) or {}
        parts = []
        for n in names:
            ks = keys.get(n)
            if ks is None:
                ranks: tuple[int, ...] = (0,) * sets[n]  # no keys: one tie group, every renaming
            else:
                srt = sorted(ks)
                ranks = tuple([bisect_left(srt, k) for k in ks])
            parts.append((ranks, twin_classes(s, n, ranks)))
        key = tuple(parts)
        perms, with_identity = cache.get(key) or candidates(key)
        best = fp(s) if with_identity else None
        for p in perms:
            h = fp(permute(s, p))
            if best is None or h < best:
                best = h
        assert best is not None
        return best

    return canonical_fp


def _orderings(ranks: tuple[int, ...], classes: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    """Every renaming that sends element i into its tie group's positions ``ranks[i]..`` and keeps
    the elements of each twin class in their order (one renaming per distinct renamed state)."""
    n = len(ranks)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(ranks[i], []).append(i)
    per_group = []
    for start, members in groups.items():
        labels = [classes[i] for i in members]
        options = []
        for seq in _multiset_permutations(labels):  # which class takes each position of the group
            p: dict[int, int] = {}
            queues = {c: [i for i in members if classes[i] == c] for c in set(labels)}
            for offset, c in enumerate(seq):
                p[queues[c].pop(0)] = start + offset
            options.append(p)
        per_group.append(options)
    for combo in itertools.product(*per_group):
        out = [0] * n
        for p in combo:
            for i, pos in p.items():
                out[i] = pos
        yield tuple(out)


def _multiset_permutations(items: list[int]) -> Iterator[tuple[int, ...]]:
    """The distinct orderings of ``items`` (each once, however many items are equal)."""
    counts: dict[int, int] = {}
    for x in items:
        counts[x] = counts.get(x, 0) + 1
    values = sorted(counts)

    def rec(prefix: list[int], left: int) -> Iterator[tuple[int, ...]]:
        if not left:
            yield tuple(prefix)
            return
        for v in values:
            if counts[v]:
                counts[v] -= 1
                prefix.append(v)
                yield from rec(prefix, left - 1)
                prefix.pop()
                counts[v] += 1

    return rec([], len(items))
