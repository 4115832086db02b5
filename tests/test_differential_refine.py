"""``paxraft refine`` and ``paxraft bmc`` against plain references.

**refine**, on random pairs of specs.

Each example is one generated source holding an abstract spec ``Abs`` (a random graph over
``AState(v)``), a concrete spec ``Gen`` (a random graph over ``CState(x, y)``, two actions, one with a
parameter, an optional ``constraint``) and an ``@refines(Abs)`` method mapping each concrete state to an
abstract one by a table. The source is loaded by paxraft's loader and the mapping found as the command
line finds it (:func:`spec.refinements.refinement`).

**The reference** (TLA+'s ``Init => Abs!Init`` and ``[Next]_vars => [Abs!Next]_absvars``; TLC's
``CONSTRAINT``): a breadth-first search calling only the specs' own methods. Every reachable concrete
initial state must map to an abstract initial state; every step from a reachable state must map to an
abstract step (an enabled ``Abs`` action's successor) or to a stutter (the same abstract state). A state
outside the constraint is checked (its mapping and the step reaching it) but not expanded, an initial
state included. :func:`modelcheck.engine.refinement.check_refinement` searches breadth first, so a
failure it reports must be a real one, at the least depth any failure has: an initial state (step 0)
when one maps outside ``Abs``'s initial states, else the step after the shallowest state with a failing
step, and its trace must be a path of real concrete steps from an initial state.

Mappings are drawn correct (``Abs`` built from the image of the reachable graph, plus extras), wrong on
one step (one image edge removed), wrong only on an initial state (one image initial state removed), or
at random.

**bmc** (docs/proofs.md: Paxos and its ``ignore-votes`` variant; every Raft variant, its own exact encoding;
the command line refuses other Paxos variants and ``--max-restarts``): on every small instance, the shortest
violation within K steps must be the breadth-first counterexample length of ``check`` when that is <= K,
and none exactly when ``check`` finds none that short (K = length - 1, length; a safe instance: K = the
depth of its whole state graph, so no behaviour of any length is missed).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelcheck import check
from modelcheck.cli import main
from modelcheck.engine.refinement import check_refinement
from proofs.paxos.bmc import bmc
from proofs.raft.bmc import bmc_raft
from spec.core import Spec, SpecError, State
from spec.refinements import refinement
from spec.registry import build, load_user_spec
from tests.test_differential import plain_enumerator

WIDTH = 3
"""A concrete node ``n`` is the state ``CState(n // WIDTH, n % WIDTH)``."""


@dataclass
class Pair:
    """The tables of one generated pair of specs, and how its mapping was drawn."""

    nodes: int
    inits: list[int]
    go: dict[tuple[int, int], int]  # Go(k): (node, k) -> node
    hop: dict[int, int]  # Hop(): node -> node
    allowed: list[int] | None  # the constraint: nodes expanded (None: no constraint)
    mapping: list[int]  # node -> abstract value
    abs_inits: list[int]
    abs_edges: list[tuple[int, int]]
    kind: str

    @property
    def source(self) -> str:
        constraint = ("" if self.allowed is None else
                      f"\n    def constraint(self, s):\n        return s.x * {WIDTH} + s.y in {set(self.allowed)!r}\n")
        return f'''
from typing import NamedTuple
from spec.core import Spec, action, refines


class AState(NamedTuple):
    v: int


class Abs(Spec):
    """The abstract graph."""

    EDGES = {set(self.abs_edges) or "set()"}

    def init_states(self):
        return [AState(v) for v in {self.abs_inits!r}]

    def targets(self, s):
        return [(b,) for a, b in sorted(self.EDGES) if a == s.v]

    @action(targets)
    def Move(self, s, b):
        return AState(b) if (s.v, b) in self.EDGES else None


class CState(NamedTuple):
    x: int
    y: int


GO = {self.go!r}
HOP = {self.hop!r}
MAP = {tuple(self.mapping)!r}


class Gen(Spec):
    """The concrete graph."""

    def init_states(self):
        return [CState(n // {WIDTH}, n % {WIDTH}) for n in {self.inits!r}]

    def each_k(self, s):
        return [(0,), (1,), (2,)]

    @action(each_k)
    def Go(self, s, k):
        n = GO.get((s.x * {WIDTH} + s.y, k))
        return None if n is None else CState(n // {WIDTH}, n % {WIDTH})

    @action()
    def Hop(self, s):
        n = HOP.get(s.x * {WIDTH} + s.y)
        return None if n is None else CState(n // {WIDTH}, n % {WIDTH})
{constraint}
    @refines(Abs)
    def as_abs(self):
        return Abs(), lambda s: AState(MAP[s.x * {WIDTH} + s.y])
'''


def _table_edges(nodes: int, inits: list[int], go: dict, hop: dict, allowed: list[int] | None) -> tuple[set, set]:
    """The initial nodes and the steps from reachable expanded nodes, read from the tables (to draw mappings)."""
    def expanded(n: int) -> bool:
        return allowed is None or n in allowed

    steps: set[tuple[int, int]] = set()
    seen, todo = set(inits), [n for n in inits if expanded(n)]
    while todo:
        n = todo.pop()
        for t in [go[(n, k)] for k in range(3) if (n, k) in go] + ([hop[n]] if n in hop else []):
            steps.add((n, t))
            if t not in seen:
                seen.add(t)
                if expanded(t):
                    todo.append(t)
    return set(inits), steps


@st.composite
def pairs(draw: st.DrawFn) -> Pair:
    nodes = draw(st.integers(2, 9))
    node = st.integers(0, nodes - 1)
    inits = draw(st.lists(node, min_size=1, max_size=3))
    go = draw(st.dictionaries(st.tuples(node, st.integers(0, 2)), node, max_size=2 * nodes))
    hop = draw(st.dictionaries(node, node, max_size=nodes))
    allowed = draw(st.none() | st.lists(node, min_size=1, unique=True))
    m = draw(st.integers(1, 4))
    mapping = draw(st.lists(st.integers(0, m - 1), min_size=nodes, max_size=nodes))
    kind = draw(st.sampled_from(["correct", "wrong_step", "wrong_init", "random"]))
    value = st.integers(0, m - 1)
    extra_inits = draw(st.lists(value, max_size=2))
    extra_edges = draw(st.lists(st.tuples(value, value), max_size=3))
    if kind == "random":
        abs_inits, abs_edges = draw(st.lists(value, max_size=3)), draw(st.lists(st.tuples(value, value), max_size=8))
    else:
        init_nodes, steps = _table_edges(nodes, inits, go, hop, allowed)
        image_inits = {mapping[n] for n in init_nodes}
        image_edges = {(mapping[a], mapping[b]) for a, b in steps if mapping[a] != mapping[b]}
        inits_set, edges_set = image_inits | set(extra_inits), image_edges | set(extra_edges)
        if kind == "wrong_step" and image_edges:
            edges_set.discard(draw(st.sampled_from(sorted(image_edges))))
        elif kind == "wrong_init":
            inits_set.discard(draw(st.sampled_from(sorted(image_inits))))
        else:
            kind = "correct" if kind == "correct" or not image_edges else kind
        abs_inits, abs_edges = sorted(inits_set), sorted(edges_set)
    return Pair(nodes, inits, go, hop, allowed, mapping, abs_inits, abs_edges, kind)


@dataclass
class Verdict:
    """The reference's answer: no failure, or the least failing step number and every failure there."""

    holds: bool
    step: int | None = None
    failures: frozenset = frozenset()  # (state, successor) pairs at that step; (state, None) for an initial state
    depth_of: dict | None = None


def reference(concrete: Spec, abstract: Spec, mapping: callable) -> Verdict:
    """Brute force, by the rules in the module's text."""
    abs_inits = set(abstract.init_states())

    def abstract_next(a: State) -> set[State]:
        out = set()
        for act in abstract.actions:
            enum, step = plain_enumerator(abstract, act.name), getattr(abstract, act.name)
            for p in enum(a):
                b = step(a, *p)
                if b is not None:
                    out.add(b)
        return out

    has_constraint = type(concrete).constraint is not Spec.constraint
    inits = list(concrete.init_states())
    bad_inits = frozenset((s, None) for s in inits if mapping(s) not in abs_inits)
    if bad_inits:
        return Verdict(False, 0, bad_inits)
    depth = {s: 0 for s in inits}
    frontier = [s for s in dict.fromkeys(inits) if not has_constraint or concrete.constraint(s)]
    level = 0
    while frontier:
        bad, nxt = set(), []
        for s in frontier:
            a = mapping(s)
            for act in concrete.actions:
                enum, step = plain_enumerator(concrete, act.name), getattr(concrete, act.name)
                for p in enum(s):
                    t = step(s, *p)
                    if t is None:
                        continue
                    b = mapping(t)
                    if b != a and b not in abstract_next(a):
                        bad.add((s, t))
                    if t not in depth:
                        depth[t] = level + 1
                        if not has_constraint or concrete.constraint(t):
                            nxt.append(t)
        if bad:
            return Verdict(False, level + 1, frozenset(bad), depth)
        frontier, level = nxt, level + 1
    return Verdict(True)


_files = itertools.count()


def load_pair(tmp: Path, pair: Pair) -> tuple[Spec, Spec, callable]:
    path = tmp / f"refine_{next(_files)}.py"
    path.write_text(pair.source)
    concrete = load_user_spec(f"{path}:Gen")()
    abstract, mapping = refinement(concrete, "Abs")
    return concrete, abstract, mapping


def agree(tmp: Path, pair: Pair) -> Verdict:
    """``check_refinement`` and the reference on ``pair``: the same verdict, a real failure at the least step."""
    concrete, abstract, mapping = load_pair(tmp, pair)
    ref = reference(concrete, abstract, mapping)
    got = check_refinement(concrete, abstract, mapping)
    assert got.holds == ref.holds, (got.reason, ref)
    if ref.holds:
        return ref
    assert got.failing_step == ref.step, (got.reason, ref.step)
    assert got.trace is not None
    states = [st_.state for st_ in got.trace]
    assert states[0] in concrete.init_states()
    for s, t in zip(states, states[1:]):  # a path of real steps
        assert any(u == t for _, _, u in concrete.successors(s))
    last = (states[-2], states[-1]) if ref.step else (states[0], None)
    assert last in ref.failures
    return ref


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("refine")


DEFAULT = settings(max_examples=800, derandomize=True, database=None, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@settings(DEFAULT, max_examples=400)  # (4,000 in make test-slow: the default run's 10 minutes)
@given(pair=pairs())
def test_refine_agrees_with_the_reference(gen_dir: Path, pair: Pair) -> None:
    ref = agree(gen_dir, pair)
    if pair.kind == "correct":
        assert ref.holds
    elif pair.kind == "wrong_init":
        assert ref.step == 0
    elif pair.kind == "wrong_step":
        assert not ref.holds and ref.step and ref.step >= 1


@settings(DEFAULT, max_examples=25)
@given(pair=pairs())
def test_the_refine_command_agrees_with_the_reference(gen_dir: Path, pair: Pair, capsys: pytest.CaptureFixture) -> None:
    """``paxraft refine FILE.py:Gen Abs``: exit 0 exactly when the reference holds, else 1 and the least failing
    step, in the text ("fails at state k + 1 (step k)") and in ``--json``."""
    concrete, abstract, mapping = load_pair(gen_dir, pair)
    ref = reference(concrete, abstract, mapping)
    path = gen_dir / f"refine_cli_{next(_files)}.py"
    path.write_text(pair.source)
    assert main(["refine", f"{path}:Gen", "Abs"]) == (0 if ref.holds else 1)
    out = capsys.readouterr().out
    assert ("implements Abs" in out) == ref.holds
    if not ref.holds:
        assert f"refinement fails at state {ref.step + 1} (step {ref.step})" in out
    assert main(["refine", f"{path}:Gen", "Abs", "--json"]) == (0 if ref.holds else 1)
    assert json.loads(capsys.readouterr().out)["failing_step"] == ref.step


@pytest.mark.slow
@settings(DEFAULT, max_examples=4000, derandomize=False)
@given(pair=pairs())
def test_many_refine_pairs_agree_with_the_reference(gen_dir: Path, pair: Pair) -> None:
    agree(gen_dir, pair)


def test_an_initial_state_outside_the_constraint_is_not_expanded(gen_dir: Path) -> None:
    """Found by the test above: ``refine`` expanded an initial state outside the concrete ``constraint``
    (``check`` and TLC check it and stop there), so a step TLC never takes failed the refinement."""
    pair = Pair(nodes=2, inits=[0], go={}, hop={0: 1}, allowed=[1], mapping=[0, 1], abs_inits=[0], abs_edges=[],
                kind="correct")
    concrete, abstract, mapping = load_pair(gen_dir, pair)
    got = check_refinement(concrete, abstract, mapping)
    assert (got.holds, got.distinct_states, got.transitions) == (True, 0, 0)
    wrong = Pair(nodes=2, inits=[0], go={}, hop={0: 1}, allowed=[1], mapping=[1, 1], abs_inits=[0], abs_edges=[],
                 kind="wrong_init")
    got = check_refinement(*load_pair(gen_dir, wrong))
    assert (got.holds, got.failing_step) == (False, 0)  # its mapping is still checked


# -- bmc -------------------------------------------------------------------------------------------


def bmc_agrees(spec_of: Callable[[], Spec], run: Callable[[Spec, int], Any]) -> tuple[str | None, int | None]:
    """``run(spec, K)`` (a BMC) against ``check`` on fresh specs from ``spec_of``; returns check's verdict."""
    explicit = check(spec_of())
    length = explicit.trace_length
    for k in [length - 1, length] if length is not None else [explicit.depth]:
        res = run(spec_of(), k)
        assert res.unknown is None
        want = length if length is not None and length <= k else None
        assert res.length == want, k
        if want is not None:  # a trace of the spec, ending where the invariant it names first fails
            # (Raft's 20-step traces of volatile-term break OneLeaderPerTerm or ElectionSafety: either is shortest)
            # The steps are replayed by their labels on the spec's own states: bmc_raft's are those of its
            # history-free copy (proofs/raft/bmc.py: the encoding drops allLogs and elections), not field for field.
            labels = [st_[0] if isinstance(st_, tuple) else st_.label for st_ in res.trace]
            spec = spec_of()
            first = res.trace[0][1] if isinstance(res.trace[0], tuple) else res.trace[0].state
            states = [next((s for s in spec.init_states() if s == first), None)]
            assert len(labels) == length + 1 and states[0] is not None
            for label in labels[1:]:
                states.append(getattr(spec, label.name)(states[-1], *label.params))
                assert states[-1] is not None, label
            for name in res.violated.split(" and "):
                assert not spec.invariants[name](states[-1])
            assert all(spec.invariants[n](s) for n in spec.invariants for s in states[:-1])
        else:
            assert res.violated is None
    return explicit.violated, length


PAXOS_GRID = [pytest.param(v, a, vals, mb, marks=[pytest.mark.slow] if (a, vals, mb) == (2, 2, 1) else [])
              for v in (None, "ignore-votes") for a in (1, 2) for vals in (1, 2) for mb in (0, 1)]
"""Two acceptors, two values and ballots 0..1 (a 12-step violation, a 19-deep safe graph) take ~10 s: slow."""


@pytest.mark.parametrize(("variant", "acceptors", "values", "max_ballot"), PAXOS_GRID)
def test_paxos_bmc_agrees_with_breadth_first_search(variant: str | None, acceptors: int, values: int,
                                                    max_ballot: int) -> None:
    got = bmc_agrees(lambda: build("paxos", variant, acceptors=acceptors, values=values, max_ballot=max_ballot), bmc)
    planted = variant == "ignore-votes" and values == 2 and max_ballot == 1  # the only failing ones
    assert got == (("Agreement", 8 if acceptors == 1 else 12) if planted else (None, None))


RAFT = {"servers": 2, "values": 1, "max_term": 2, "max_log": 0, "max_copies": 1, "max_in_flight": 1}
"""The smallest failing model of the Raft catalog (volatile-term's); the others are safe there."""


@pytest.mark.slow
@pytest.mark.parametrize(("variant", "want"), [(None, None), ("volatile-term", 20), ("count-stale-votes", None),
                                               ("volatile-vote", None)])
def test_raft_bmc_agrees_with_breadth_first_search(variant: str | None, want: int | None) -> None:
    got = bmc_agrees(lambda: build("raft", variant, **RAFT), bmc_raft)
    assert got[1] == want


@pytest.mark.parametrize("variant", [None, "volatile-promise", "amnesia"])
def test_paxos_bmc_refuses_restarts(variant: str | None, capsys: pytest.CaptureFixture) -> None:
    """Found while choosing the variants: ``bmc()`` took a model with restarts (the command line refuses
    ``--max-restarts``) and crashed reading Z3's trace back (AttributeError: no ``restarts`` field), its
    encoding's Restart unbounded where the spec allows ``max_restarts``; it now refuses, as the command does."""
    with pytest.raises(SpecError, match="Restart has no Z3 encoding"):
        bmc(build("paxos", variant, acceptors=1, values=2, max_ballot=1, max_restarts=1), 10)
    argv = ["bmc", "paxos", "--depth", "3", "--acceptors", "1", "--values", "2", "--max-ballot", "1",
            "--max-restarts", "1"]
    assert main(argv) == 2
    assert "bmc: Restart has no Z3 encoding; drop --max-restarts" in capsys.readouterr().err
