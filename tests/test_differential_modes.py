"""The checker's other modes against plain references: symmetry, liveness, checkpoints, dfs, simulate, graph.

tests/test_differential.py compares the breadth-first search with a reference search on random specs.
This file compares what that one does not, each with a reference written here that a reader can check
by eye (brute force: the models are tiny):

- **Symmetry.** A random spec over ``n`` interchangeable processes (2-4; a local counter, a vote that
  names another process, messages that name their sender), some with a second symmetric set (tokens
  the processes hold). Under ``--symmetry`` the distinct count is the number of orbits of the reachable
  states (plain search without symmetry, then states grouped by the least member of their orbit over
  *every* permutation of every set); an orbit's depth is its nearest member's (the initial states need
  not be a union of orbits); states generated is, as docs/checking.md counts it, every
  initial state plus every successor of every stored state (one stored per orbit: every member of an
  orbit has as many successors, the spec being symmetric). A violation is a real behaviour, replayed
  with the spec's own actions, as short as the plain search's. Specs go through the full-orbit path,
  ``symmetry_keys`` (the sorting path) and, with four processes, twins. A third of the specs have a
  state constraint (counters and messages add up to at most a cap), in every mode below too: a state
  outside it is checked and counted but neither stored nor expanded (docs/checking.md).
- **Liveness.** Tiny random graphs (2-9 nodes, up to three actions with a parameter, self-loops,
  WF/SF over action families with parameter filters, ``<>G``, ``[]<>G``, ``P ~> G``) written as specs:
  the verdict equals a brute-force reference (every subset of the states a violation may run through,
  tried as a fair cycle; the fairness rule is restated at its section), and a reported lasso is real:
  each step the spec's own action, out of the goal after its trigger, the loop closes, every loop step
  changes the state, the loop (or the stutter) is fair, the prefix is the shortest to any violating tail.
  On the symmetric specs (too large to try subsets) the verdict is compared with a second, plain
  implementation of the same rule (Kosaraju components, Streett splitting).
- **Checkpoints.** A run stopped after a random chunk by SIGTERM/SIGINT (or dying there, as under
  kill -9) and resumed, up to three times, reports the uninterrupted run's verdict, counts, depth and
  coverage; one process and two workers.
- **dfs and simulate.** ``dfs`` stores and expands what the plain search does (depth is its own: see
  the section); with a depth bound it explores exactly the states within it. Simulated walks replay
  and their violations are real and first.
- **graph.** The DOT file of ``paxraft graph`` (and ``graph_dot``) has the plain search's states as
  nodes and its distinct state-changing steps as edges, each matched by text and label.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import io
import itertools
import json
import os
import random
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from modelcheck import check
from modelcheck.cli import main
from modelcheck.engine.coordinator import StoppedError, search
from modelcheck.engine.dfs import dfs
from modelcheck.engine.graph import explore, explore_checked
from modelcheck.engine.liveness import ALWAYS_EVENTUALLY, EVENTUALLY, EVENTUALLY_ALWAYS, LEADS_TO, check_property
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import Result, Step, count
from modelcheck.engine.simulate import simulate
from modelcheck.output import dot as dot_output
from modelcheck.output.render import graph_dot, state_text
from spec.core import (
    SF,
    WF,
    AlwaysEventually,
    Eventually,
    EventuallyAlways,
    Fair,
    Label,
    LeadsTo,
    Spec,
    State,
    Temporal,
    action,
    invariant,
    order_key,
)

ROOT = Path(__file__).resolve().parents[1]

# -- a random symmetric spec -----------------------------------------------------------------------


class Sym(NamedTuple):
    loc: tuple[int, ...]  # each process's counter, 0..k
    vote: tuple[int, ...]  # the process each one voted for, or -1
    msgs: frozenset[tuple[int, int]]  # (sender, value)
    own: tuple[int, ...] = ()  # the process holding each token, or -1 (a second symmetric set)


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
    tokens: int = 0  # a second symmetric set, of tokens the processes grab and give away (0: none)
    cap: int | None = None  # the state constraint: counters and messages add up to at most cap


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


def _grab(self: Any, s: Sym, p: int, t: int) -> Sym | None:
    if s.own[t] >= 0 or s.loc[p] == 0:
        return None
    return s._replace(own=_set(s.own, t, p))


def _give(self: Any, s: Sym, t: int, q: int) -> Sym | None:
    if s.own[t] < 0 or s.own[t] == q:
        return None
    return s._replace(own=_set(s.own, t, q))


def _set(t: tuple[int, ...], i: int, v: int) -> tuple[int, ...]:
    return t[:i] + (v,) + t[i + 1:]


def _each(self: Any, s: Sym) -> list[tuple[int]]:
    return [(p,) for p in range(self.n)]


def _pairs(self: Any, s: Sym) -> list[tuple[int, int]]:
    return [(p, q) for p in range(self.n) for q in range(self.n)]


def _sent(self: Any, s: Sym) -> list[tuple[tuple[int, int]]]:
    return [(m,) for m in sorted(s.msgs)]


def _process_token(self: Any, s: Sym) -> list[tuple[int, int]]:
    return [(p, t) for p in range(self.n) for t in range(self.recipe.tokens)]


def _token_process(self: Any, s: Sym) -> list[tuple[int, int]]:
    return [(t, q) for t in range(self.recipe.tokens) for q in range(self.n)]


def _to_each(self: Any, s: Sym) -> list[tuple[int, tuple[int, int]]]:
    return [(p, m) for p in range(self.n) for m in sorted(s.msgs)]


STEPS: dict[str, tuple[Callable, Callable]] = {
    "Inc": (_each, _inc), "Send": (_each, _send), "Recv": (_to_each, _recv), "Vote": (_pairs, _vote),
    "Reset": (_each, _reset), "Drop": (_sent, _drop), "Copy": (_pairs, _copy),
    "Grab": (_process_token, _grab), "Give": (_token_process, _give),
}


class SymBase(Spec):
    """Processes 0..n-1, interchangeable; the random part (actions, invariant, keys) is the subclass's."""

    variables = ("loc", "vote", "msgs", "own")
    recipe: Recipe

    def __init__(self) -> None:
        self.n, self.k, self.guarded = self.recipe.n, self.recipe.k, self.recipe.seed % 2 == 0
        super().__init__()

    def init_states(self) -> list[Sym]:
        n = self.n
        own = (-1,) * self.recipe.tokens
        inits = [Sym((0,) * n, (-1,) * n, frozenset(), own)]
        if self.recipe.seed % 3 == 0:  # an orbit of initial states: the first process already counted once
            inits.append(Sym((1,) + (0,) * (n - 1), (-1,) * n, frozenset(), own))
        return inits

    def symmetric_sets(self) -> dict[str, int]:
        return {"P": self.n, "T": self.recipe.tokens} if self.recipe.tokens else {"P": self.n}

    def permute(self, s: Sym, perm: Any) -> Sym:
        pi, tau = perm["P"], perm.get("T", ())
        loc, vote, own = [0] * self.n, [-1] * self.n, [-1] * len(s.own)
        for i in range(self.n):
            loc[pi[i]] = s.loc[i]
            vote[pi[i]] = pi[s.vote[i]] if s.vote[i] >= 0 else -1
        for t, holder in enumerate(s.own):
            own[tau[t]] = pi[holder] if holder >= 0 else -1
        return Sym(tuple(loc), tuple(vote), frozenset((pi[q], v) for q, v in s.msgs), tuple(own))

    def votes_for(self, s: Sym, p: int) -> int:
        return sum(v == p for v in s.vote)


def _keys_fine(self: SymBase, s: Sym) -> dict[str, list]:
    """Everything about a process that names no other: its counter, whether it voted, its votes, its messages,
    its tokens; about a token, whether it is held and its holder's counter."""
    keys: dict[str, list] = {"P": [(s.loc[i], s.vote[i] < 0, self.votes_for(s, i),
                                    tuple(sorted(v for q, v in s.msgs if q == i)), s.own.count(i))
                                   for i in range(self.n)]}
    if s.own:
        keys["T"] = [(h < 0, s.loc[h] if h >= 0 else -1) for h in s.own]
    return keys


def _keys_coarse(self: SymBase, s: Sym) -> dict[str, list]:
    """Only the counter: large tie groups, so the renamings within them (and twins) do the work."""
    return {"P": [s.loc[i] for i in range(self.n)]}


def _within_cap(self: SymBase, s: Sym) -> bool:
    return sum(s.loc) + len(s.msgs) <= self.recipe.cap


def _few_votes(self: SymBase, s: Sym) -> bool:
    return all(self.votes_for(s, p) < self.recipe.threshold for p in range(self.n))


def _small_sum(self: SymBase, s: Sym) -> bool:
    return sum(s.loc) + len(s.msgs) < self.recipe.threshold + self.n


def _not_all_equal(self: SymBase, s: Sym) -> bool:
    return not (s.loc[0] > 0 and all(x == s.loc[0] for x in s.loc) and -1 not in s.vote)


INV_FUNCS = {"FewVotes": _few_votes, "SmallSum": _small_sum, "NotAllEqual": _not_all_equal}


def make_spec(r: Recipe, on_step: Callable[[], None] | None = None) -> type[SymBase]:
    """The spec class of recipe ``r``: its actions in the recipe's order, its invariant, its keys;
    ``on_step`` is called before every step (a test's hook into a run in another process)."""
    ns: dict[str, Any] = {"recipe": r, "__doc__": f"Random symmetric spec {r}."}
    for name in r.actions:
        enum, step = STEPS[name]
        ns[name] = action(enum)(step if on_step is None else _hooked(step, on_step))
    if r.invariant:
        ns[r.invariant] = invariant(INV_FUNCS[r.invariant])
    if r.cap is not None:
        ns["constraint"] = _within_cap
    if r.keys == "fine":
        ns["symmetry_keys"] = _keys_fine
    elif r.keys == "coarse":
        ns["symmetry_keys"] = _keys_coarse
    return type(f"SymGen{r.seed}", (SymBase,), ns)


def _hooked(step: Callable, hook: Callable[[], None]) -> Callable:
    def hooked(self: SymBase, s: Sym, *params: Any) -> Sym | None:
        hook()
        return step(self, s, *params)

    hooked.__name__ = step.__name__
    hooked.__signature__ = inspect.signature(step)  # type: ignore[attr-defined]  # its parameters' names
    return hooked


def recipe(seed: int) -> Recipe:
    """A random recipe; four processes get fewer actions (the plain search must stay small)."""
    rng = random.Random(seed)
    n = rng.choice((2, 3, 3, 4))
    k = rng.choice((1, 2)) if n < 4 else 1
    pool = list(ACTIONS) if n < 4 else ["Inc", "Send", "Recv", "Vote", "Reset", "Drop"]
    acts = ["Inc"] + rng.sample([a for a in pool if a != "Inc"], rng.randint(1, 3 if n < 4 else 2))
    rng.shuffle(acts)
    inv = rng.choice((None, *INVARIANTS))
    more = random.Random(f"{seed}:tokens")  # drawn apart: the recipes above stay those of the seeds before
    tokens = more.choice((0, 2, 3)) if n == 2 else more.choice((0, 0, 2)) if n == 3 and len(acts) <= 2 else 0
    if tokens:
        acts += ["Grab", "Give"]
    cap = more.randint(1, n * k + 1) if more.random() < 0.3 else None
    return Recipe(n, k, tuple(acts), inv, rng.randint(1, n), rng.choice(("none", "fine", "coarse")), seed, tokens,
                  cap)


# -- the plain reference ---------------------------------------------------------------------------


@dataclass
class Plain:
    """The plain breadth-first search's answer: every reachable state with its depth and parent."""

    states: dict[State, int]  # state -> depth (1 for an initial state)
    succ: dict[State, list[tuple[str, tuple, State]]]
    inits: list[State]
    bad: State | None  # the first violating state found, breadth-first
    bad_depth: int | None


def plain_search(spec: Spec, *, limit: int = 60_000) -> Plain:
    """Every reachable state, by calling the spec's actions (enumerator, then step) and nothing else. A state
    outside the constraint (TLC's rule, docs/checking.md) is checked against the invariants, but neither
    stored nor expanded: it is in no ``states``, only among the successors of the state that reached it."""
    inits = list(spec.init_states())
    invs = [getattr(spec, n) for n in spec.invariants]
    constraint = spec.constraint
    states: dict[State, int] = {}
    succ: dict[State, list[tuple[str, tuple, State]]] = {}
    bad: State | None = None
    bad_depth: int | None = None

    def reached(t: State, depth: int) -> bool:
        """Note ``t``, reached at ``depth``; whether it is new and within the constraint (to expand)."""
        nonlocal bad, bad_depth
        if t in states:
            return False
        if bad is None and not all(f(t) for f in invs):
            bad, bad_depth = t, depth
        if not constraint(t):
            return False
        states[t] = depth
        return True

    frontier = [s for s in inits if reached(s, 1)]
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
                    if reached(t, depth + 1):
                        nxt.append(t)
        assert len(states) < limit, "a generated model is larger than this test means to search"
        frontier = nxt
        if frontier:
            depth += 1
    return Plain(states, succ, inits, bad, bad_depth)


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


def orbits_of(spec: Spec, plain: Plain) -> tuple[dict[State, State], dict[State, int]]:
    """The orbits of the plain search's states: orbit key -> a member, and orbit key -> its depth, the
    least of its members' (the initial states need not be a union of orbits: with initial state (1, 0)
    and not (0, 1), (0, 1) may lie deeper than its orbit)."""
    orbits: dict[State, State] = {}
    nearest: dict[State, int] = {}
    for s, d in plain.states.items():
        k = orbit_key(spec, s)
        orbits.setdefault(k, s)
        nearest[k] = min(nearest.get(k, d), d)
    return orbits, nearest


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
    got = (check(cls(), symmetry=True, trust_symmetry=True) if not workers  # initial states need not be orbits
           else search(cls(), symmetry=True, workers=workers))
    if plain.bad is None:
        orbits, nearest = orbits_of(spec, plain)
        depth = max(nearest.values())
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


SEEDS = range(20)  # the default run; make test-slow runs the rest (the suite's 10 minutes)


@pytest.mark.parametrize("seed", SEEDS)
def test_symmetry_counts_orbits(seed: int) -> None:
    _symmetry_case(seed)


@pytest.mark.parametrize("seed", range(1, 40, 5))
def test_symmetry_counts_orbits_with_two_workers(seed: int) -> None:
    _symmetry_case(seed, workers=2)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(20, 400))
def test_symmetry_counts_orbits_many(seed: int) -> None:
    _symmetry_case(seed)


# -- 2. liveness under fairness --------------------------------------------------------------------
#
# The fairness the checker implements (spec.core.Fair, modelcheck.engine.liveness), restated: only a
# step that changes the state counts, for taking a family and for enabling it. A family F is enabled
# at s when some step of F leaves s for another state. An infinite behaviour that stutters for ever
# at s is fair when no condition is enabled at s. One that runs for ever through the set C of states
# it visits infinitely often, taking the set E of steps infinitely often, is fair when each
# WF(F) has a step of F in E or a state of C where F is disabled, and each SF(F) has a step of F in E
# or no state of C where F is enabled. Taking every step inside C only adds steps, so a fair cycle
# exists on C exactly when C is strongly connected (with at least one step inside) and "every step
# inside C" is fair: the reference tries every subset of the states a violation may run through.
# <>G is violated from an initial non-G state staying in non-G; []<>G and P ~> G from any reachable
# (P and) non-G state, staying in non-G from there. Under a state constraint a behaviour runs through
# the states within it only (TLC's CONSTRAINT: the rest is never stored or expanded), but a step to a
# state outside still enables its family: ENABLED is a property of the state (graph.out_labels).


class Node(NamedTuple):
    at: int


@dataclass(frozen=True)
class Graph:
    """A tiny random transition system: ``table[action][(node, i)]`` is the target of ``action(i)`` at node."""

    n: int
    inits: tuple[int, ...]
    table: dict[str, dict[tuple[int, int], int]]
    fairness: tuple[tuple[str, tuple[str, ...], int | None], ...]  # (WF/SF, actions, i filter)
    kind: str
    goal: frozenset[int]
    trigger: frozenset[int]
    seed: int
    cut: frozenset[int] = frozenset()  # states outside the constraint


def random_graph(seed: int) -> Graph:
    rng = random.Random(seed)
    n = rng.randint(2, 9)
    table: dict[str, dict[tuple[int, int], int]] = {}
    for a in ("A", "B", "C")[: rng.randint(1, 3)]:
        table[a] = {(u, i): rng.randrange(n) for u in range(n) for i in range(2) if rng.random() < 0.35}
    fairness = tuple(
        (rng.choice(("WF", "SF")), tuple(rng.sample(sorted(table), rng.randint(1, len(table)))),
         rng.choice((None, None, 0, 1)))
        for _ in range(rng.randint(0, 3)))
    goal = frozenset(u for u in range(n) if rng.random() < 0.25)
    trigger = frozenset(u for u in range(n) if rng.random() < 0.4)
    inits = tuple(sorted(rng.sample(range(n), rng.choice((1, 1, 2)))))
    cut = frozenset(u for u in range(n) if rng.random() < 0.15) if rng.random() < 0.3 else frozenset()
    kind = rng.choice((EVENTUALLY, ALWAYS_EVENTUALLY, LEADS_TO, EVENTUALLY_ALWAYS))
    return Graph(n, inits, table, fairness, kind, goal, trigger,
                 seed, cut)


def graph_spec(g: Graph) -> Spec:
    """The graph as a spec: one action per table, its parameter ``i`` (0 or 1)."""

    def make(name: str) -> Callable:
        tab = g.table[name]

        def step(self: Spec, s: Node, i: int) -> Node | None:
            t = tab.get((s.at, i))
            return None if t is None else Node(t)

        step.__name__ = name
        return action(lambda self, s: [(0,), (1,)])(step)

    def fairness(self: Spec) -> list[Fair]:
        return [(WF if k == "WF" else SF)(*acts, **({} if i is None else {"i": i})) for k, acts, i in g.fairness]

    def properties(self: Spec) -> dict[str, Temporal]:
        goal, trig = (lambda s: s.at in g.goal), (lambda s: s.at in g.trigger)
        prop = {EVENTUALLY: Eventually(goal), ALWAYS_EVENTUALLY: AlwaysEventually(goal),
                LEADS_TO: LeadsTo(trig, goal), EVENTUALLY_ALWAYS: EventuallyAlways(goal)}[g.kind]
        return {"P": prop}

    ns: dict[str, Any] = {name: make(name) for name in g.table}
    ns.update(variables=("at",), init_states=lambda self: [Node(u) for u in g.inits], fairness=fairness,
              properties=properties, __doc__=f"Random graph {g.seed}.")
    if g.cut:
        ns["constraint"] = lambda self, s: s.at not in g.cut
    return type(f"Graph{g.seed}", (Spec,), ns)()


def _steps_of(g: Graph, u: int) -> list[tuple[str, int, int]]:
    """Every state-changing step leaving ``u``: (action, i, target), the target perhaps outside the constraint."""
    return [(a, i, t) for a, tab in g.table.items() for (v, i), t in tab.items() if v == u and t != u]


def _moves_of(g: Graph, u: int) -> list[tuple[str, int, int]]:
    """The steps a behaviour can take from ``u``: to a state within the constraint."""
    return [(a, i, t) for a, i, t in _steps_of(g, u) if t not in g.cut]


def _in_family(g: Graph, k: int, a: str, i: int) -> bool:
    _, acts, only = g.fairness[k]
    return a in acts and (only is None or only == i)


def _enabled(g: Graph, k: int, u: int) -> bool:
    return any(_in_family(g, k, a, i) for a, i, _ in _steps_of(g, u))


def _fair_on(g: Graph, states: set[int], steps: list[tuple[int, str, int, int]]) -> bool:
    """Is running for ever through ``states`` taking ``steps`` (at least once each, infinitely often) fair?"""
    for k, (kind, _, _) in enumerate(g.fairness):
        if any(_in_family(g, k, a, i) for _, a, i, _ in steps):
            continue
        enabled = [u for u in states if _enabled(g, k, u)]
        if kind == "WF" and len(enabled) == len(states) or kind == "SF" and enabled:
            return False
    return True


def reference_liveness(g: Graph) -> tuple[bool, set[int]]:
    """(property holds, the states at which a violating tail can start: stutters and fair cycles' states)."""
    inits = [u for u in g.inits if u not in g.cut]  # an initial state outside the constraint is not kept
    reach, todo = set(inits), list(inits)
    while todo:
        u = todo.pop()
        for _, _, t in _moves_of(g, u):
            if t not in reach:
                reach.add(t)
                todo.append(t)
    if g.kind == EVENTUALLY_ALWAYS:  # <>[]G: a fair tail anywhere that visits a non-G state for ever
        tails = {u for u in reach if u not in g.goal and not any(_enabled(g, k, u) for k in range(len(g.fairness)))}
        members = sorted(reach)
        for bits in range(1, 1 << len(members)):
            c = {u for j, u in enumerate(members) if bits >> j & 1}
            inside = [(u, a, i, t) for u in c for a, i, t in _moves_of(g, u) if t in c]
            if inside and c - g.goal and _strongly_connected(c, inside) and _fair_on(g, c, inside):
                tails |= c - g.goal
        return not tails, tails
    if g.kind == EVENTUALLY:
        starts = {u for u in inits if u not in g.goal}
    elif g.kind == ALWAYS_EVENTUALLY:
        starts = {u for u in reach if u not in g.goal}
    else:
        starts = {u for u in reach if u in g.trigger and u not in g.goal}
    region, todo = set(starts), list(starts)
    while todo:
        u = todo.pop()
        for _, _, t in _moves_of(g, u):
            if t not in g.goal and t not in region:
                region.add(t)
                todo.append(t)
    tails = {u for u in region if not any(_enabled(g, k, u) for k in range(len(g.fairness)))}
    members = sorted(region)
    for bits in range(1, 1 << len(members)):
        c = {u for j, u in enumerate(members) if bits >> j & 1}
        inside = [(u, a, i, t) for u in c for a, i, t in _moves_of(g, u) if t in c]
        if inside and _strongly_connected(c, inside) and _fair_on(g, c, inside):
            tails |= c
    return not tails, tails


def _shortest_prefix(g: Graph, tails: set[int]) -> int:
    """Steps from an initial state to a tail: for <>G through non-G states only, otherwise anywhere to a
    (trigger and) non-G state, then through non-G states (a search over (state, past the trigger))."""
    def start(u: int) -> bool:
        return u not in g.goal and (g.kind != LEADS_TO or u in g.trigger)

    def nodes(u: int, past: bool) -> set[tuple[int, bool]]:
        """Where being at ``u`` puts a behaviour: past the trigger (staying there), or not yet, or at it now."""
        if g.kind == EVENTUALLY:
            return set() if u in g.goal else {(u, True)}
        if g.kind == EVENTUALLY_ALWAYS:  # anywhere, goal or not, to a tail
            return {(u, True)}
        if past:
            return set() if u in g.goal else {(u, True)}
        return {(u, False)} | ({(u, True)} if start(u) else set())

    level = set().union(*(nodes(u, False) for u in g.inits if u not in g.cut))
    seen, steps = set(level), 0
    while level:
        if any(past and u in tails for u, past in level):
            return steps
        nxt = set()
        for u, past in level:
            for _, _, t in _moves_of(g, u):
                for node in nodes(t, past) - seen:
                    seen.add(node)
                    nxt.add(node)
        level, steps = nxt, steps + 1
    raise AssertionError("a tail is reachable")


def _strongly_connected(c: set[int], edges: list[tuple[int, str, int, int]]) -> bool:
    def reached(start: int, forward: bool) -> set[int]:
        seen, todo = {start}, [start]
        while todo:
            u = todo.pop()
            for a_, _, _, b_ in edges:
                x, y = (a_, b_) if forward else (b_, a_)
                if x == u and y not in seen:
                    seen.add(y)
                    todo.append(y)
        return seen

    first = next(iter(c))
    return reached(first, True) == c == reached(first, False)


def _replay_steps(spec: Spec, steps: list[Step], start: State) -> None:
    state = start
    for st in steps:
        assert st.label is not None
        act = spec.action(st.label.name)
        assert tuple(st.label.params) in [tuple(p) for p in act.enumerate(state)]
        assert getattr(spec, st.label.name)(state, *st.label.params) == st.state
        state = st.state


def _liveness_case(seed: int) -> None:
    g = random_graph(seed)
    spec = graph_spec(g)
    holds, tails = reference_liveness(g)
    got = check_property(spec, "P")
    assert got.holds == holds, g
    if holds:
        assert got.lasso is None
        return
    lasso = got.lasso
    assert lasso is not None and lasso.prefix[0].label is None and lasso.prefix[0].state.at in g.inits
    _replay_steps(spec, lasso.prefix[1:], lasso.prefix[0].state)
    _replay_steps(spec, lasso.loop, lasso.prefix[-1].state)
    path = [st.state.at for st in lasso.prefix]
    loop = [st.state.at for st in lasso.loop]
    assert not set(path + loop) & g.cut, "a behaviour stays within the constraint"
    if g.kind == EVENTUALLY_ALWAYS:
        assert path[-1] not in g.goal, "<>[]G: the state the loop leaves and returns to fails G"
    else:
        assert not set(loop) & g.goal
    if g.kind == EVENTUALLY_ALWAYS:
        pass  # any prefix: G may hold on the way
    elif g.kind == EVENTUALLY:
        assert not set(path) & g.goal, "<>G: no goal state on the way"
    else:  # a trigger (any state for []<>G), then no goal state to the end
        from_ = [j for j, u in enumerate(path) if (g.kind == ALWAYS_EVENTUALLY or u in g.trigger)
                 and not set(path[j:]) & g.goal]
        assert from_, "no trigger after which the behaviour stays out of the goal"
    last = path[-1]
    assert last in tails
    assert len(path) - 1 == _shortest_prefix(g, tails), "the prefix is the shortest to a violating tail"
    if not loop:  # stutters for ever: no fair family can change the state
        assert not any(_enabled(g, k, last) for k in range(len(g.fairness))), g
    else:
        assert loop[-1] == last, "the loop closes"
        steps = []
        prev = last
        for st, u in zip(lasso.loop, loop):
            assert u != prev, "every loop step changes the state"
            steps.append((prev, st.label.name, st.label.params[0], u))
            prev = u
        assert _fair_on(g, set(loop), steps), "the loop is fair"


@pytest.mark.parametrize("seed", range(75))
def test_liveness_agrees_with_brute_force(seed: int) -> None:
    _liveness_case(seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(75, 3000))
def test_liveness_agrees_with_brute_force_many(seed: int) -> None:
    _liveness_case(seed)


def _components(nodes: list[State], succ: dict[State, list[State]]) -> list[list[State]]:
    """Strongly connected components (Kosaraju: finishing order, then the reversed graph), without recursion."""
    order: list[State] = []
    seen: set[State] = set()
    for root in nodes:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(succ[root]))]
        while stack:
            u, it = stack[-1]
            v = next(it, None)
            if v is None:
                stack.pop()
                order.append(u)
            elif v not in seen:
                seen.add(v)
                stack.append((v, iter(succ[v])))
    pred: dict[State, list[State]] = {u: [] for u in nodes}
    for u in nodes:
        for v in succ[u]:
            pred[v].append(u)
    done: set[State] = set()
    out = []
    for u in reversed(order):
        if u in done:
            continue
        comp, todo = [u], [u]
        done.add(u)
        while todo:
            for y in pred[todo.pop()]:
                if y not in done:
                    done.add(y)
                    comp.append(y)
                    todo.append(y)
        out.append(comp)
    return out


def _larger_liveness_case(seed: int) -> None:
    """The random symmetric specs (up to 3,000 states, no symmetry) with random fairness and a property on one
    process's counter, against a second implementation of the same rule, written plainly: a stutter state
    with no family enabled, or a component (Kosaraju) that takes a step of each WF family or has a state
    where it is disabled, and takes a step of each SF family or, if not, loses the states enabling it and
    is split again (Streett)."""
    rng = random.Random(seed)
    r = recipe(seed)
    cls = make_spec(r)
    plain = plain_search(cls())
    params = {a.name: a.param_names for a in cls().actions}
    drawn = [((WF if rng.random() < 0.5 else SF), rng.sample(r.actions, rng.randint(1, len(r.actions))),
              rng.choice((None, None, 0, 1))) for _ in range(rng.randint(0, 3))]
    fair = [kind(*acts, **({} if p is None or not any("p" in params[a] for a in acts) else {"p": p}))
            for kind, acts, p in drawn]
    j, level = rng.randrange(r.n), rng.randint(1, r.k)

    def goal(s: Sym) -> bool:
        return s.loc[j] >= level

    def trigger(s: Sym) -> bool:
        return s.loc[j] == 0

    kind = rng.choice((EVENTUALLY, ALWAYS_EVENTUALLY, LEADS_TO, EVENTUALLY_ALWAYS))
    prop = {EVENTUALLY: Eventually(goal), ALWAYS_EVENTUALLY: AlwaysEventually(goal), LEADS_TO: LeadsTo(trigger, goal),
            EVENTUALLY_ALWAYS: EventuallyAlways(goal)}
    spec = type(cls.__name__, (cls,), {"properties": lambda self: {"P": prop[kind]}, "fairness": lambda self: fair})()

    def family(f: Fair, a: str, p: tuple) -> bool:
        return f.matches(Label(a, p), params[a])

    changing = {s: [(a, p, t) for a, p, t in out if t != s] for s, out in plain.succ.items()}
    moves = {s: [(a, p, t) for a, p, t in out if t in plain.states] for s, out in changing.items()}

    def enabled(f: Fair, s: State) -> bool:
        return any(family(f, a, p) for a, p, _ in changing[s])

    stable = kind == EVENTUALLY_ALWAYS  # <>[]goal: a fair tail anywhere that visits a ~goal state for ever
    if kind == EVENTUALLY:
        starts = {s for s in plain.inits if s in plain.states and not goal(s)}
    elif stable:
        starts = {s for s in plain.inits if s in plain.states}
    else:
        starts = {s for s in plain.states if not goal(s) and (kind == ALWAYS_EVENTUALLY or trigger(s))}
    region, todo = set(starts), list(starts)
    while todo:
        for _, _, t in moves[todo.pop()]:
            if (stable or not goal(t)) and t not in region:
                region.add(t)
                todo.append(t)
    violated = any(not any(enabled(f, s) for f in fair) and not (stable and goal(s)) for s in region)
    pending = [sorted(region, key=order_key)]
    while pending and not violated:
        group = pending.pop()
        members = set(group)
        for comp in _components(group, {u: [t for _, _, t in moves[u] if t in members] for u in group}):
            inside = set(comp)
            taken = [(a, p) for u in comp for a, p, t in moves[u] if t in inside]
            if not taken:
                continue
            fair_here, remove = True, set()
            for f in fair:
                if any(family(f, a, p) for a, p in taken):
                    continue
                on = [u for u in comp if enabled(f, u)]
                if f.kind == "WF" and len(on) == len(comp):
                    fair_here = False
                    break
                if f.kind == "SF":
                    remove.update(on)
            if fair_here and remove:
                pending.extend([[u for u in comp if u not in remove]] if len(remove) < len(comp) else [])
            elif fair_here and not (stable and all(goal(u) for u in comp)):
                violated = True
                break
    got = check_property(spec, "P")
    assert got.holds == (not violated), (r, drawn, kind, j, level)
    if got.lasso is not None:
        assert got.lasso.prefix[0].state in plain.inits
        _replay_steps(spec, got.lasso.prefix[1:] + got.lasso.loop, got.lasso.prefix[0].state)


@pytest.mark.parametrize("seed", [1, 2, 5, 8, 9, 10])
def test_liveness_on_larger_specs_agrees_with_a_second_implementation(seed: int) -> None:
    _larger_liveness_case(seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(11, 300))
def test_liveness_on_larger_specs_agrees_with_a_second_implementation_many(seed: int) -> None:
    _larger_liveness_case(seed)


# -- 3. checkpoint and resume ----------------------------------------------------------------------
#
# docs/scaling.md: a run with a checkpoint directory writes one at level ends (at most every
# ``checkpoint_every`` seconds) and on SIGINT/SIGTERM, and ``resume`` continues it, "also after kill -9"
# (from the last whole checkpoint). Here a run is stopped after a random chunk (chunks of a few states,
# so the stop falls inside a level) by the signal sent to this process, or dies there without a word
# (an exception from its progress hook: the kill -9 case), and is resumed, perhaps stopped again; the
# end must report what the uninterrupted run reports.


class CrashError(Exception):
    """The run dies here, as under kill -9: nothing is saved but what was saved before."""


class StopAt(Progress):
    """Counts progress ticks (one per chunk); at tick ``at`` sends ``how`` (a signal) or crashes."""

    def __init__(self, at: int | None = None, how: int | None = None) -> None:
        super().__init__("test", silent=True)
        self.ticks, self.at, self.how = 0, at, how

    def tick(self, *args: Any, **kwargs: Any) -> None:
        super().tick(*args, **kwargs)
        self.ticks += 1
        if self.ticks == self.at:
            if self.how is None:
                raise CrashError
            os.kill(os.getpid(), self.how)


def summary(r: Result) -> tuple:
    """What an interruption may not change."""
    return (r.verdict, r.violated, r.trace_length, r.distinct_states, r.states_generated, r.depth,
            {a: (c.fired, c.new) for a, c in r.coverage.items()}, r.complete)


def _checkpoint_case(seed: int, tmp: Path, workers: int = 1) -> None:
    rng = random.Random(seed)
    r = recipe(seed)
    cls = make_spec(r)
    sym = rng.random() < 0.5
    chunk = rng.randint(1, 4)
    memory = rng.choice((None, 2048))  # 2 KiB: the store and the frontier spill to disk at once
    capper = random.Random(f"{seed}:cap")  # drawn apart: the other draws stay those of the seeds before
    cap = capper.randint(1, 300) if capper.random() < 0.3 else None  # --max-states: the same cap resumed
    counter = StopAt()
    whole = search(cls(), symmetry=sym, workers=workers, chunk=chunk, progress=counter, max_states=cap)
    assert summary(whole) == summary(check(cls(), symmetry=sym, trust_symmetry=True, max_states=cap))
    ck = tmp / f"ck{seed}"
    resume, stops = False, 0
    while True:  # at most three stops: the fourth run goes to the end
        at = rng.randint(1, max(1, counter.ticks)) if stops < 3 else None  # past its last chunk: no stop
        how = rng.choice((signal.SIGTERM, signal.SIGINT, None))
        if how is None and not (ck / "current").exists():
            how = signal.SIGTERM  # a crash before the first checkpoint leaves nothing to resume
        hook = StopAt(at, how)
        try:
            got = search(cls(), symmetry=sym, workers=workers, chunk=chunk, progress=hook, checkpoint=ck,
                         checkpoint_every=0.0, resume=resume, memory=memory, max_states=cap)
            break
        except (StoppedError, CrashError):
            stops += 1
            resume = True
    assert summary(got) == summary(whole), (r, sym, chunk, memory, cap, stops)
    if got.verdict == "violation":
        replays(cls(), got)


@pytest.mark.parametrize("seed", range(12))
def test_a_stopped_and_resumed_run_reports_the_uninterrupted_one(seed: int, tmp_path: Path) -> None:
    _checkpoint_case(seed, tmp_path)


@pytest.mark.parametrize("seed", range(12, 16))
def test_a_stopped_and_resumed_run_reports_the_uninterrupted_one_with_two_workers(seed: int, tmp_path: Path) -> None:
    _checkpoint_case(seed, tmp_path, workers=2)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(16, 200))
def test_a_stopped_and_resumed_run_reports_the_uninterrupted_one_many(seed: int, tmp_path: Path) -> None:
    _checkpoint_case(seed, tmp_path, workers=1 + seed % 2)


# -- 4. depth-first search and simulation ----------------------------------------------------------
#
# dfs (modelcheck/engine/dfs.py): without a bound it stores every reachable state once and expands it
# once, so distinct states, states generated and each action's firings are the breadth-first search's;
# its depth is the longest path of states it held (a successor already seen counts for one more), not
# the shortest distance, so it lies between the plain depth and the distinct count plus one. With a
# bound K every state within K steps of an initial state is explored (a state found again by a
# shorter path is expanded again), and a run that misses a state says it was cut. A violation it
# reports is a real behaviour, no shorter than the shortest. Under symmetry it stores one state per
# orbit (with a bound, the orbits whose nearest member lies within it). simulate: every walk it reports replays,
# and the invariant it names is violated in the walk's last state and in no earlier one.


def _plain_summary(plain: Plain) -> tuple[int, int, dict[str, int]]:
    fired: dict[str, int] = {}
    for out in plain.succ.values():
        for a, _, _ in out:
            fired[a] = fired.get(a, 0) + 1
    return len(plain.states), len(plain.inits) + sum(fired.values()), fired


def _dfs_case(seed: int) -> None:
    r = recipe(seed)
    cls = make_spec(r)
    spec = cls()
    plain = plain_search(spec)
    distinct, generated, fired = _plain_summary(plain)
    depth = max(plain.states.values())
    got = dfs(cls())
    if plain.bad is None:
        assert (got.verdict, got.distinct_states, got.states_generated, got.complete) == \
               ("ok", distinct, generated, True), r
        assert {a: c.fired for a, c in got.coverage.items() if c.fired} == fired
        # every state is new once: as an initial state, or by the step that reached it first (depth-first,
        # an initial state can be reached from an earlier one before its turn)
        assert distinct - len(set(plain.inits)) <= sum(c.new for c in got.coverage.values()) <= distinct - 1
        assert depth <= got.depth <= distinct + 1
    else:
        assert (got.verdict, got.violated) == ("violation", r.invariant), r
        replays(spec, got)
        assert got.trace_length >= plain.bad_depth - 1
    bound = random.Random(seed).randint(1, depth)
    cut = dfs(cls(), depth_bound=bound)
    within = sum(1 for d in plain.states.values() if d <= bound)
    if plain.bad is not None and plain.bad_depth <= bound:
        assert (cut.verdict, cut.violated) == ("violation", r.invariant), (r, bound)
        replays(spec, cut)
        assert cut.trace_length <= bound - 1
        return
    assert cut.verdict == "ok" and cut.distinct_states == within, (r, bound)
    assert cut.extra["cut_by_bound"] or within == len(plain.states), "states beyond the bound, yet not cut"
    assert cut.complete == (not cut.extra["cut_by_bound"])
    if plain.bad is None:  # under symmetry: one state per orbit, within the bound too
        orbits, nearest = orbits_of(spec, plain)
        sym = dfs(cls(), symmetry=True)
        assert (sym.verdict, sym.distinct_states, sym.states_generated) == \
               ("ok", len(orbits), len(plain.inits) + sum(len(plain.succ[s]) for s in orbits.values())), r
        sym_cut = dfs(cls(), symmetry=True, depth_bound=bound)
        assert sym_cut.distinct_states == sum(1 for d in nearest.values() if d <= bound), (r, bound)


def _simulate_case(seed: int) -> None:
    r = recipe(seed)
    cls = make_spec(r)
    spec = cls()
    plain = plain_search(spec)
    got = simulate(cls(), walks=20, depth=12, seed=seed)
    for walk in [got.trace, got.deepest_trace]:  # type: ignore[attr-defined]
        if walk is None:
            continue
        fake = Result(spec, trace=walk)
        replays(spec, fake)
        # a walk that steps outside the constraint ends there
        assert len(walk) <= 12 and all(st.state in plain.states for st in walk[:-1])
        assert walk[-1].state in plain.states or not spec.constraint(walk[-1].state)
    inv = getattr(spec, r.invariant) if r.invariant else None
    if got.verdict == "violation":
        assert got.violated == r.invariant and inv is not None
        assert not inv(got.trace[-1].state) and all(inv(st.state) for st in got.trace[:-1])
    else:
        assert got.verdict == "ok"
        assert inv is None or all(inv(st.state) for st in got.deepest_trace)  # type: ignore[attr-defined]
    assert got.distinct_states <= len(plain.states)


def _deadlock_case(seed: int) -> None:
    """A deadlock (a state where no step is enabled, a stuttering one included) is found by bfs, by dfs (within
    its bound) exactly when the plain search has one there; what any mode reports is one, at the end of a real
    behaviour."""
    r = recipe(seed)
    cls = make_spec(r)
    spec = cls()
    plain = plain_search(spec)
    dead = {s for s, out in plain.succ.items() if not out}
    bound = random.Random(seed).randint(1, max(plain.states.values()))
    runs = [(check(cls(), check_deadlock=True, check_invariants=False), dead),
            (dfs(cls(), check_deadlock=True, check_invariants=False), dead),
            (dfs(cls(), check_deadlock=True, check_invariants=False, depth_bound=bound),
             {s for s in dead if plain.states[s] <= bound}),
            (simulate(cls(), walks=10, depth=20, seed=seed, check_deadlock=True, check_invariants=False), None)]
    for got, expected in runs:
        if expected is not None:
            assert (got.verdict == "deadlock") == bool(expected), (r, got.mode, bound)
        if got.verdict == "deadlock":
            replays(spec, got)
            assert got.trace[-1].state in dead
    assert runs[0][0].verdict != "deadlock" or runs[0][0].trace_length == min(plain.states[s] for s in dead) - 1


@pytest.mark.parametrize("seed", range(15))
def test_dfs_agrees_with_the_plain_search(seed: int) -> None:
    _dfs_case(seed)


@pytest.mark.parametrize("seed", range(15))
def test_simulated_walks_are_real_behaviours(seed: int) -> None:
    _simulate_case(seed)


@pytest.mark.parametrize("seed", range(15))
def test_deadlocks_agree_with_the_plain_search(seed: int) -> None:
    _deadlock_case(seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(15, 300))
def test_dfs_and_simulate_many(seed: int) -> None:
    _dfs_case(seed)
    _simulate_case(seed)
    _deadlock_case(seed)


# -- 5. the state graph (paxraft graph, DOT) -------------------------------------------------------
#
# ``paxraft graph`` draws every reachable state once and every state-changing step once per label
# (self-loops omitted, as it prints): the DOT file's nodes are the plain search's states and its
# edges are the plain search's distinct (state, action, parameters) steps to another state; each node
# is found by its text, each edge by its label. An invariant violated somewhere is drawn with the
# shortest path to it.

_DOT_NODE = re.compile(r'^  n(\d+) \[label="((?:[^"\\]|\\.)*)"')
_DOT_EDGE = re.compile(r'^  n(\d+) -> n(\d+) \[label="((?:[^"\\]|\\.)*)"')


def _undot(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _graph_case(seed: int, tmp: Path, cli: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    r = recipe(seed)
    cls = make_spec(r)
    spec = cls()
    plain = plain_search(spec)
    if cli:
        src = tmp / f"gen{seed}.py"
        src.write_text("from tests.test_differential_modes import make_spec, recipe\n\n"
                       f"Gen = make_spec(recipe({seed}))\n")
        out = io.StringIO()
        monkeypatch.setattr(dot_output, "dot_available", lambda: False)  # the DOT text is compared; no layout
        with contextlib.redirect_stdout(out):
            assert main(["graph", f"{src}:Gen", "--out", str(tmp / "g"), "--max-states", "100000"]) == 0
        dot = (tmp / "g" / "states.dot").read_text()
        printed = out.getvalue()
    else:
        g = explore(cls(), keep_states=True)
        dot, printed = graph_dot(g), ""
    by_text = {state_text(spec, s): s for s in plain.states}
    assert len(by_text) == len(plain.states), "state texts tell states apart"
    nodes: dict[str, State] = {}
    for m in filter(None, map(_DOT_NODE.match, dot.splitlines())):
        head, _, text = _undot(m.group(2)).partition("\n")
        assert head == f"#{m.group(1)}"
        nodes[m.group(1)] = by_text[text]
    edges = [(nodes[m.group(1)], _undot(m.group(3)), nodes[m.group(2)])
             for m in filter(None, map(_DOT_EDGE.match, dot.splitlines()))]
    steps = {(s, spec.show_label(Label(a, p)), t) for s, out in plain.succ.items() for a, p, t in out
             if t != s and t in plain.states}  # nor a step out of the constraint
    assert sorted(nodes.values(), key=order_key) == sorted(plain.states, key=order_key), r
    assert len(edges) == len(set(edges)) and set(edges) == steps, r
    if cli:
        assert f": {len(plain.states):,} states, {len(steps):,} edges" in printed
        bad = [d for s, d in plain.states.items() if not all(getattr(spec, n)(s) for n in spec.invariants)]
        if bad:  # the graph holds the states within the constraint only
            assert f"its shortest path ({count(min(bad) - 1, 'step')})" in printed


@pytest.mark.parametrize("seed", range(10))
def test_the_state_graph_is_the_plain_search_graph(seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _graph_case(seed, tmp_path, seed % 5 == 0, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10, 200))
def test_the_state_graph_is_the_plain_search_graph_many(seed: int, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _graph_case(seed, tmp_path, seed % 10 == 0, monkeypatch)


STOPPING = """from os import environ, getpid, kill
from signal import SIG_DFL, SIGTERM, getsignal

from modelcheck.cli.errors import terminate
from tests.test_differential_modes import make_spec, recipe

calls = [0]


def stop() -> None:
    \"\"\"Send this process $STOP_WITH at the $STOP_AT_STEP-th step of the search (counted once the run has
    caught SIGTERM, its own handler in place of the command's: the checks before it step the spec too): a signal
    at a point chosen by the test.\"\"\"
    if getsignal(SIGTERM) in (SIG_DFL, terminate):
        return
    calls[0] += 1
    if calls[0] == int(environ.get("STOP_AT_STEP", "0")):
        kill(getpid(), int(environ["STOP_WITH"]))


Gen = make_spec(recipe({seed}), on_step=stop)
"""


def _cli_json(args: list[str], tmp: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``paxraft check ARGS --json`` in a process of its own: exit status and stdout."""
    done = subprocess.run([sys.executable, "-m", "modelcheck.cli", "check", *args, "--json"], cwd=tmp,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, capture_output=True,
                          text=True, timeout=120)
    return done.returncode, done.stdout


@pytest.mark.parametrize(("seed", "how"), [(9, signal.SIGTERM), (5, signal.SIGINT)])
def test_the_command_line_stopped_by_a_signal_and_resumed_reports_the_uninterrupted_run(
        seed: int, how: int, tmp_path: Path) -> None:
    """docs/scaling.md's way: ``check --checkpoint ck``, a signal, then ``check --resume ck`` alone."""
    src = tmp_path / "gen.py"
    src.write_text(STOPPING.format(seed=seed))
    spec_arg = f"{src}:Gen"
    code, whole = _cli_json([spec_arg], tmp_path)
    assert code == 0
    calls = random.Random(seed).randint(100, 2000)
    code, out = _cli_json([spec_arg, "--checkpoint", "ck", "--checkpoint-every", "0"], tmp_path,
                          {"STOP_AT_STEP": str(calls), "STOP_WITH": str(int(how))})
    assert code == 130, out  # stopped, with a checkpoint
    code, resumed = _cli_json(["--resume", "ck"], tmp_path)
    assert code == 0
    keys = ("verdict", "distinct_states", "states_generated", "depth", "coverage", "complete")
    a, b = json.loads(whole), json.loads(resumed)
    assert {k: b[k] for k in keys} == {k: a[k] for k in keys}


@pytest.mark.parametrize("seed", [3, 7, 22, 38])  # each kind of property; 7, 22, 38 hold only under fairness
def test_the_command_line_liveness_verdict_is_the_reference_one(seed: int, tmp_path: Path) -> None:
    """``check --liveness P --json``, with the declared fairness and with ``--no-fairness``: the reference's
    verdict (fairness dropped), and the lasso the one ``check_property`` reports."""
    g = random_graph(seed)
    src = tmp_path / "graph.py"
    src.write_text("from tests.test_differential_modes import graph_spec, random_graph\n\n"
                   f"Gen = type(graph_spec(random_graph({seed})))\n")
    for flags, fair in (([], g), (["--no-fairness"], dataclasses.replace(g, fairness=()))):
        code, out = _cli_json([f"{src}:Gen", "--liveness", "P", *flags], tmp_path)
        j = json.loads(out)
        holds = reference_liveness(fair)[0]
        assert (code, j["verdict"]) == ((0, "ok") if holds else (1, "violation")), (g, flags)
        mine = check_property(graph_spec(g), "P", fairness=None if not flags else [])
        if not holds:
            assert mine.lasso is not None
            assert [len(j["prefix"]), len(j["loop"])] == [len(mine.lasso.prefix), len(mine.lasso.loop)]


# -- 7. one exploration for the invariants and the graph (check --liveness) --------------------------------


def _one_pass_case(seed: int) -> None:
    """The exploration that builds the liveness graph checks the invariants (and deadlock) as the plain search
    does: the same verdict, shortest counterexample, counts, depth and coverage, with and without symmetry,
    within a state constraint or not; complete, its graph holds every distinct state."""
    r = recipe(seed)
    cls = make_spec(r)
    rng = random.Random(f"{seed}:one-pass")
    for symmetry, deadlock in ((False, False), (rng.random() < 0.5, rng.random() < 0.5)):
        want = check(cls(), symmetry=symmetry, trust_symmetry=True, check_deadlock=deadlock)
        g, got = explore_checked(cls(), symmetry=symmetry, check_deadlock=deadlock)
        keys = ("verdict", "violated", "trace", "distinct_states", "states_generated", "depth", "coverage",
                "complete")
        assert {k: getattr(got, k) for k in keys} == {k: getattr(want, k) for k in keys}, (r, symmetry, deadlock)
        if got.verdict == "ok":
            assert len(g) == got.distinct_states and g.generated == got.states_generated


@pytest.mark.parametrize("seed", range(20))
def test_the_liveness_exploration_checks_the_invariants_as_check_does(seed: int) -> None:
    _one_pass_case(seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(20, 400))
def test_the_liveness_exploration_checks_the_invariants_as_check_does_many(seed: int) -> None:
    _one_pass_case(seed)
