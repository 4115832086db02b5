"""The checker's other modes against plain references: symmetry, liveness, checkpoints, dfs, simulate, graph.

tests/test_differential.py compares the breadth-first search with a reference search on random specs.
This file compares what that one does not, each with a reference written here that a reader can check
by eye (brute force: the models are tiny):

- **Symmetry.** A random spec over ``n`` interchangeable processes (2-4; a local counter, a vote that
  names another process, messages that name their sender). Under ``--symmetry`` the distinct count is
  the number of orbits of the reachable states (plain search without symmetry, then states grouped by
  the least member of their orbit over *every* permutation); depth is the plain depth (renaming keeps a
  state's distance from the initial states); states generated is, as docs/checking.md counts it, every
  initial state plus every successor of every stored state (one stored per orbit: every member of an
  orbit has as many successors, the spec being symmetric). A violation is a real behaviour, replayed
  with the spec's own actions, as short as the plain search's. Specs go through the full-orbit path,
  ``symmetry_keys`` (the sorting path) and, with four processes, twins.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import pytest

from modelcheck import check
from modelcheck.engine.coordinator import search
from modelcheck.engine.result import Result
from spec.core import Spec, State, action, invariant, order_key

# -- a random symmetric spec -----------------------------------------------------------------------


class Sym(NamedTuple):
    loc: tuple[int, ...]  # each process's counter, 0..k
    vote: tuple[int, ...]  # the process each one voted for, or -1
    msgs: frozenset[tuple[int, int]]  # (sender, value)


@dataclass(frozen=True)
class Recipe:
    """What one random symmetric spec is made of."""

    n: int
    k: int
    actions: tuple[str, ...]
    invariant: str | None  # one of INVARIANTS, or none
    threshold: int
    keys: str  # "none" (every renaming, or twins from four processes), "fine" or "coarse" symmetry_keys
    seed: int


ACTIONS = ("Inc", "Send", "Recv", "Vote", "Reset", "Drop", "Copy")
INVARIANTS = ("FewVotes", "SmallSum", "NotAllEqual")


def _inc(self: Any, s: Sym, p: int) -> Sym | None:
    if s.loc[p] >= self.k or (self.guarded and s.vote[p] >= 0):
        return None
    return s._replace(loc=_set(s.loc, p, s.loc[p] + 1))


def _send(self: Any, s: Sym, p: int) -> Sym | None:
    if s.loc[p] == 0 or (p, s.loc[p]) in s.msgs:
        return None
    return s._replace(msgs=s.msgs | {(p, s.loc[p])})


def _recv(self: Any, s: Sym, p: int, m: tuple[int, int]) -> Sym | None:
    if m[0] == p or m[1] <= s.loc[p]:
        return None
    return s._replace(loc=_set(s.loc, p, m[1]))


def _vote(self: Any, s: Sym, p: int, q: int) -> Sym | None:
    if s.vote[p] >= 0 or p == q or s.loc[q] < s.loc[p]:
        return None
    return s._replace(vote=_set(s.vote, p, q))


def _reset(self: Any, s: Sym, p: int) -> Sym | None:
    if s.loc[p] < self.k or s.vote[p] < 0:
        return None
    return s._replace(loc=_set(s.loc, p, 0), vote=_set(s.vote, p, -1))


def _drop(self: Any, s: Sym, m: tuple[int, int]) -> Sym | None:
    return s._replace(msgs=s.msgs - {m})


def _copy(self: Any, s: Sym, p: int, q: int) -> Sym | None:
    """p takes q's vote (a step whose effect names a third process)."""
    if p == q or s.vote[q] < 0 or s.vote[q] == p or s.vote[p] == s.vote[q]:
        return None
    return s._replace(vote=_set(s.vote, p, s.vote[q]))


def _set(t: tuple[int, ...], i: int, v: int) -> tuple[int, ...]:
    return t[:i] + (v,) + t[i + 1:]


def _each(self: Any, s: Sym) -> list[tuple[int]]:
    return [(p,) for p in range(self.n)]


def _pairs(self: Any, s: Sym) -> list[tuple[int, int]]:
    return [(p, q) for p in range(self.n) for q in range(self.n)]


def _sent(self: Any, s: Sym) -> list[tuple[tuple[int, int]]]:
    return [(m,) for m in sorted(s.msgs)]


def _to_each(self: Any, s: Sym) -> list[tuple[int, tuple[int, int]]]:
    return [(p, m) for p in range(self.n) for m in sorted(s.msgs)]


STEPS: dict[str, tuple[Callable, Callable]] = {
    "Inc": (_each, _inc), "Send": (_each, _send), "Recv": (_to_each, _recv), "Vote": (_pairs, _vote),
    "Reset": (_each, _reset), "Drop": (_sent, _drop), "Copy": (_pairs, _copy),
}


class SymBase(Spec):
    """Processes 0..n-1, interchangeable; the random part (actions, invariant, keys) is the subclass's."""

    variables = ("loc", "vote", "msgs")
    recipe: Recipe

    def __init__(self) -> None:
        self.n, self.k, self.guarded = self.recipe.n, self.recipe.k, self.recipe.seed % 2 == 0
        super().__init__()

    def init_states(self) -> list[Sym]:
        n = self.n
        inits = [Sym((0,) * n, (-1,) * n, frozenset())]
        if self.recipe.seed % 3 == 0:  # an orbit of initial states: the first process already counted once
            inits.append(Sym((1,) + (0,) * (n - 1), (-1,) * n, frozenset()))
        return inits

    def symmetric_sets(self) -> dict[str, int]:
        return {"P": self.n}

    def permute(self, s: Sym, perm: Any) -> Sym:
        pi = perm["P"]
        loc, vote = [0] * self.n, [-1] * self.n
        for i in range(self.n):
            loc[pi[i]] = s.loc[i]
            vote[pi[i]] = pi[s.vote[i]] if s.vote[i] >= 0 else -1
        return Sym(tuple(loc), tuple(vote), frozenset((pi[q], v) for q, v in s.msgs))

    def votes_for(self, s: Sym, p: int) -> int:
        return sum(v == p for v in s.vote)


def _keys_fine(self: SymBase, s: Sym) -> dict[str, list]:
    """Everything about a process that names no other: its counter, whether it voted, its votes, its messages."""
    return {"P": [(s.loc[i], s.vote[i] < 0, self.votes_for(s, i), tuple(sorted(v for q, v in s.msgs if q == i)))
                  for i in range(self.n)]}


def _keys_coarse(self: SymBase, s: Sym) -> dict[str, list]:
    """Only the counter: large tie groups, so the renamings within them (and twins) do the work."""
    return {"P": [s.loc[i] for i in range(self.n)]}


def _few_votes(self: SymBase, s: Sym) -> bool:
    return all(self.votes_for(s, p) < self.recipe.threshold for p in range(self.n))


def _small_sum(self: SymBase, s: Sym) -> bool:
    return sum(s.loc) + len(s.msgs) < self.recipe.threshold + self.n


def _not_all_equal(self: SymBase, s: Sym) -> bool:
    return not (s.loc[0] > 0 and all(x == s.loc[0] for x in s.loc) and -1 not in s.vote)


INV_FUNCS = {"FewVotes": _few_votes, "SmallSum": _small_sum, "NotAllEqual": _not_all_equal}


def make_spec(r: Recipe) -> type[SymBase]:
    """The spec class of recipe ``r``: its actions in the recipe's order, its invariant, its keys."""
    ns: dict[str, Any] = {"recipe": r, "__doc__": f"Random symmetric spec {r}."}
    for name in r.actions:
        enum, step = STEPS[name]
        ns[name] = action(enum)(step)
    if r.invariant:
        ns[r.invariant] = invariant(INV_FUNCS[r.invariant])
    if r.keys == "fine":
        ns["symmetry_keys"] = _keys_fine
    elif r.keys == "coarse":
        ns["symmetry_keys"] = _keys_coarse
    return type(f"SymGen{r.seed}", (SymBase,), ns)


def recipe(seed: int) -> Recipe:
    """A random recipe; four processes get fewer actions (the plain search must stay small)."""
    rng = random.Random(seed)
    n = rng.choice((2, 3, 3, 4))
    k = rng.choice((1, 2)) if n < 4 else 1
    pool = list(ACTIONS) if n < 4 else ["Inc", "Send", "Recv", "Vote", "Reset", "Drop"]
    acts = ["Inc"] + rng.sample([a for a in pool if a != "Inc"], rng.randint(1, 3 if n < 4 else 2))
    rng.shuffle(acts)
    inv = rng.choice((None, *INVARIANTS))
    return Recipe(n, k, tuple(acts), inv, rng.randint(1, n), rng.choice(("none", "fine", "coarse")), seed)


# -- the plain reference ---------------------------------------------------------------------------


@dataclass
class Plain:
    """The plain breadth-first search's answer: every reachable state with its depth and parent."""

    states: dict[State, int]  # state -> depth (1 for an initial state)
    succ: dict[State, list[tuple[str, tuple, State]]]
    inits: list[State]
    bad: State | None  # the first violating state found, breadth-first
    bad_depth: int | None


def plain_search(spec: Spec, *, stop_at_violation: bool = False, limit: int = 60_000) -> Plain:
    """Every reachable state, by calling the spec's actions (enumerator, then step) and nothing else."""
    inits = list(spec.init_states())
    invs = [getattr(spec, n) for n in spec.invariants]
    states: dict[State, int] = {}
    succ: dict[State, list[tuple[str, tuple, State]]] = {}
    frontier = []
    for s in inits:
        if s not in states:
            states[s] = 1
            frontier.append(s)
    bad = next((s for s in frontier if not all(f(s) for f in invs)), None)
    if bad is not None and stop_at_violation:
        return Plain(states, succ, inits, bad, 1)
    depth = 1
    while frontier:
        nxt = []
        for s in frontier:
            out = succ[s] = []
            for a in spec.actions:
                for p in a.enumerate(s):
                    t = getattr(spec, a.name)(s, *p)
                    if t is None:
                        continue
                    out.append((a.name, tuple(p), t))
                    if t not in states:
                        states[t] = depth + 1
                        nxt.append(t)
                        if bad is None and not all(f(t) for f in invs):
                            bad = t
                            if stop_at_violation:
                                return Plain(states, succ, inits, bad, depth + 1)
        assert len(states) < limit, "a generated model is larger than this test means to search"
        frontier = nxt
        if frontier:
            depth += 1
    return Plain(states, succ, inits, bad, states[bad] if bad is not None else None)


def orbit_key(spec: Spec, s: State) -> State:
    """The least member of ``s``'s orbit over every permutation of every symmetric set (brute force)."""
    sets = spec.symmetric_sets()
    names = list(sets)
    best = s
    for combo in itertools.product(*(itertools.permutations(range(sets[n])) for n in names)):
        t = spec.permute(s, dict(zip(names, combo)))
        if order_key(t) < order_key(best):
            best = t
    return best


def replays(spec: Spec, result: Result) -> None:
    """Each step of ``result.trace`` is the spec's own action applied to the state before it."""
    trace = result.trace
    assert trace, "a violation comes with a trace"
    assert trace[0].label is None and trace[0].state in list(spec.init_states())
    for before, after in zip(trace, trace[1:]):
        assert after.label is not None
        name, params = after.label.name, tuple(after.label.params)
        assert name in [a.name for a in spec.actions]
        assert params in [tuple(p) for p in next(a for a in spec.actions if a.name == name).enumerate(before.state)]
        assert getattr(spec, name)(before.state, *params) == after.state, f"{name}{params} does not give the next state"


# -- 1. symmetry -----------------------------------------------------------------------------------


def _symmetry_case(seed: int, workers: int = 0) -> None:
    r = recipe(seed)
    cls = make_spec(r)
    spec = cls()
    plain = plain_search(spec)
    got = check(cls(), symmetry=True) if not workers else search(cls(), symmetry=True, workers=workers)
    if plain.bad is None:
        orbits: dict[State, State] = {}  # orbit key -> a member
        for s in plain.states:
            orbits.setdefault(orbit_key(spec, s), s)
        depth = max(plain.states.values())
        generated = len(plain.inits) + sum(len(plain.succ[s]) for s in orbits.values())
        assert (got.verdict, got.distinct_states, got.states_generated, got.depth) == \
               ("ok", len(orbits), generated, depth), r
        assert sum(c.fired for c in got.coverage.values()) == generated - len(plain.inits)
        assert {a: c.fired for a, c in got.coverage.items()} == {
            a: sum(1 for s in orbits.values() for lab, _, _ in plain.succ[s] if lab == a) for a in r.actions}
    else:
        assert (got.verdict, got.violated) == ("violation", r.invariant), r
        replays(spec, got)
        assert not getattr(spec, r.invariant)(got.trace[-1].state)
        assert got.trace_length == plain.bad_depth - 1, r  # as short as the plain search's


SEEDS = range(40)


@pytest.mark.parametrize("seed", SEEDS)
def test_symmetry_counts_orbits(seed: int) -> None:
    _symmetry_case(seed)


@pytest.mark.parametrize("seed", range(1, 40, 5))
def test_symmetry_counts_orbits_with_two_workers(seed: int) -> None:
    _symmetry_case(seed, workers=2)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(40, 400))
def test_symmetry_counts_orbits_many(seed: int) -> None:
    _symmetry_case(seed)
