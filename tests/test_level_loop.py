"""The expansion loops generated per spec (modelcheck/engine/_level_loop.py): the edges of the
generation, in both engines (`check` and the chunked `search`), on specs written here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import pytest

from modelcheck import DEADLOCK, OK, VIOLATION, check
from modelcheck.engine._fingerprint import plain_or_apart
from modelcheck.engine.coordinator import search
from spec.core import Spec, SpecError, action, bundled, invariant


class XY(NamedTuple):
    x: int
    y: int


class Jump(Spec):
    """A point moved by (dx, dy) of a fixed list; points past ``stop`` are outside the constraint."""

    name = "jump"
    variables = ("x", "y")

    def __init__(self, stop: int = 3, bad: int = 99) -> None:
        self.stop, self.bad = stop, bad
        super().__init__()

    def init_states(self) -> list[XY]:
        return [XY(0, 0)]

    @action(lambda self, s: [(1, 0), (0, 2)])
    def Move(self, s: XY, dx: int, dy: int) -> XY:
        return XY(s.x + dx, s.y + dy)

    @action(lambda self, s: [()])
    def Stay(self, s: XY) -> XY:
        return s  # changes nothing: counted, never stored again

    def constraint(self, s: XY) -> bool:
        return s.x <= self.stop and s.y <= self.stop

    @invariant
    def SumBelowBad(self, s: XY) -> bool:
        return s.x + s.y < self.bad


class Idle(Spec):
    """No action at all: the initial states are the whole model, each a deadlock."""

    name = "idle"
    variables = ("x", "y")

    def init_states(self) -> list[XY]:
        return [XY(0, 0), XY(1, 1)]


ENGINES = {"check": check, "search": search}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_complete_run_counts_every_firing(engine: str) -> None:
    r = ENGINES[engine](Jump())
    # x in 0..3, y in {0, 2}: 8 states; every stored state fires Move twice and Stay once
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == (OK, 8, 1 + 8 * 3, 5)
    assert {k: (c.fired, c.new) for k, c in r.coverage.items()} == {"Move": (16, 7), "Stay": (8, 0)}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_violation_outside_the_constraint_names_the_step_and_its_parameters(engine: str) -> None:
    r = ENGINES[engine](Jump(stop=1, bad=3))
    # (0,0) -> (0,2) is outside the constraint and fine; (1,0) -> (1,2) is outside and violates
    assert (r.verdict, r.violated, r.depth) == (VIOLATION, "SumBelowBad", 3)
    assert [(st.label.name, st.label.params) if st.label else None for st in r.trace] == [
        None, ("Move", (1, 0)), ("Move", (0, 2))]
    assert r.trace[-1].state == XY(1, 2)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_spec_without_actions_is_its_initial_states(engine: str) -> None:
    r = ENGINES[engine](Idle())
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == (OK, 2, 2, 1)
    r = ENGINES[engine](Idle(), check_deadlock=True)
    assert (r.verdict, [st.state for st in r.trace]) == (DEADLOCK, [XY(0, 0)])


def _both_moves(self: Spec, s: XY) -> tuple:
    self.bundles += 1
    return ([(1, 0), (0, 2)], [()])


class BundledJump(Jump):
    """Jump with both enumerators read from one per-state bundle (spec.core.bundled)."""

    canonical_order = False  # else each enumerator is called (and sorted) on its own

    def __init__(self, stop: int = 3, bad: int = 99) -> None:
        self.bundles = 0  # calls of the bundle
        super().__init__(stop, bad)

    @action(bundled(_both_moves, 0))
    def Move(self, s: XY, dx: int, dy: int) -> XY:
        return XY(s.x + dx, s.y + dy)

    @action(bundled(_both_moves, 1))
    def Stay(self, s: XY) -> XY:
        return s


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("bounds", [{}, {"stop": 1, "bad": 3}, {"stop": 3, "bad": 2}])
def test_bundled_enumerators_give_the_run_of_separate_ones(engine: str, bounds: dict) -> None:
    unsorted = type("Unsorted", (Jump,), {"canonical_order": False})  # Move's parameters in the bundle's order
    bundled_run, plain = ENGINES[engine](BundledJump(**bounds)), ENGINES[engine](unsorted(**bounds))
    assert (bundled_run.verdict, bundled_run.violated, bundled_run.distinct_states, bundled_run.states_generated,
            bundled_run.depth, bundled_run.coverage) == (plain.verdict, plain.violated, plain.distinct_states,
                                                          plain.states_generated, plain.depth, plain.coverage)
    assert [st.state for st in bundled_run.trace or []] == [st.state for st in plain.trace or []]


def test_the_loop_asks_a_bundle_once_per_state() -> None:
    spec = BundledJump()
    plain_or_apart(spec)  # the fingerprint's sample walk (-1 against -2) runs the spec's code: before the count
    spec.bundles = 0
    assert check(spec).distinct_states == 8
    assert spec.bundles == 8  # once per expanded state, for both actions
    assert spec.action("Stay").enumerate(XY(0, 0)) == [()]  # every other user calls the enumerator
    with pytest.raises(SpecError, match="Move's enumerator is bundled, but sorted enumerators are called one by one"):
        type("Sorted", (BundledJump,), {"canonical_order": True})()  # the bundle once per action: refused, not slow


def _moves(self: Spec, s: XY) -> list[tuple[int, int]]:
    self.asked_moves += 1
    return [(0, 2), (1, 0)] if s.x <= s.y else [(1, 0), (0, 2)]  # reads the state, in no fixed order


class SharedJump(Jump):
    """Jump and a second action declared with the same enumerator function (three handlers of one message set
    in a user's MultiPaxos: ``@action(each_message)``); the enumerator counts its calls."""

    def __init__(self, stop: int = 3, bad: int = 99) -> None:
        self.asked_moves = 0
        super().__init__(stop, bad)

    @action(_moves)
    def Move(self, s: XY, dx: int, dy: int) -> XY:
        return XY(s.x + dx, s.y + dy)

    @action(_moves)
    def Back(self, s: XY, dx: int, dy: int) -> XY | None:
        return XY(s.x - dx, s.y - dy) if s.x >= dx and s.y >= dy else None


class BackAlone(SharedJump):
    """SharedJump with Back's enumerator its own function (the same parameters)."""

    @action(lambda self, s: _moves(self, s))
    def Back(self, s: XY, dx: int, dy: int) -> XY | None:
        return super().Back(s, dx, dy)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("canonical", [True, False])
def test_actions_sharing_an_enumerator_ask_it_once_per_state(engine: str, canonical: bool) -> None:
    cls = type("Shared", (SharedJump,), {"canonical_order": canonical})
    spec = cls()
    plain_or_apart(spec)  # the fingerprint's sample walk runs the spec's code: before the count
    spec.asked_moves = 0
    run = ENGINES[engine](spec)
    assert (run.distinct_states, run.states_generated, run.depth) == (8, 35, 5)
    assert spec.asked_moves == 8  # once per expanded state for both actions: it was asked twice per state
    alone = type("Alone", (cls, BackAlone), {})()
    plain_or_apart(alone)
    alone.asked_moves = 0
    other = ENGINES[engine](alone)  # the same model with Back's enumerator its own: the same run
    assert (other.distinct_states, other.states_generated, other.depth, other.coverage) == (
        run.distinct_states, run.states_generated, run.depth, run.coverage)
    assert alone.asked_moves == 16


def _moves_once(self: Spec, s: XY) -> Iterator[tuple[int, int]]:
    return (m for m in _moves(self, s))  # a generator: it can be read once


class SharedGenerator(SharedJump):
    """SharedJump whose shared enumerator gives a generator, in the order the spec yields (canonical_order off)."""

    canonical_order = False

    @action(_moves_once)
    def Move(self, s: XY, dx: int, dy: int) -> XY:
        return XY(s.x + dx, s.y + dy)

    @action(_moves_once)
    def Back(self, s: XY, dx: int, dy: int) -> XY | None:
        return XY(s.x - dx, s.y - dy) if s.x >= dx and s.y >= dy else None


class GeneratorAlone(SharedGenerator):
    """SharedGenerator with Back's enumerator its own function."""

    @action(lambda self, s: _moves_once(self, s))
    def Back(self, s: XY, dx: int, dy: int) -> XY | None:
        return XY(s.x - dx, s.y - dy) if s.x >= dx and s.y >= dy else None


@pytest.mark.parametrize("engine", ENGINES)
def test_a_shared_enumerator_that_gives_a_generator_serves_every_action(engine: str) -> None:
    """The first action read the shared generator to its end and the later ones found it empty: the shipped
    RaftConfig (canonical_order False; AddServer and RemoveServer share a generator) had 1,306 states of its
    1,531, silently; here 25 generated of 35."""
    a, b = ENGINES[engine](SharedGenerator()), ENGINES[engine](GeneratorAlone())
    assert (a.distinct_states, a.states_generated, a.depth) == (8, 35, 5)
    assert (b.distinct_states, b.states_generated, b.depth, b.coverage) == (
        a.distinct_states, a.states_generated, a.depth, a.coverage)


class KeptJump(Jump):
    """Jump declaring that Stay keeps the constraint; the constraint counts its calls."""

    def __init__(self, stop: int = 3, bad: int = 99) -> None:
        self.asked = 0
        super().__init__(stop, bad)

    def constraint(self, s: XY) -> bool:
        self.asked += 1
        return super().constraint(s)

    @action(lambda self, s: [()])
    def Stay(self, s: XY) -> XY:
        return XY(s.x, s.y)  # an equal state, not s itself: asked the constraint unless kept, then found again

    def keeps_constraint(self) -> tuple[str, ...]:
        return ("Stay",) if self.keeps else ()

    keeps = True


@pytest.mark.parametrize("engine", ENGINES)
def test_a_kept_action_is_not_asked_the_constraint_and_the_run_is_the_same(engine: str) -> None:
    kept, asked, plain = KeptJump(), KeptJump(), Jump()
    asked.keeps = False
    for sp in (kept, asked):  # the fingerprint's sample walks (-1 against -2) ask the constraint: before the count
        plain_or_apart(sp)
        sp.asked = 0
    assert _figures(ENGINES[engine](kept)) == _figures(ENGINES[engine](asked)) == _figures(ENGINES[engine](plain))
    if engine == "check":
        assert (kept.asked, asked.asked) == (1 + 16, 1 + 16 + 8)  # the initial state, Move's 16, Stay's 8


def _figures(r):  # noqa: ANN001, ANN202 - a Result
    return r.verdict, r.violated, r.distinct_states, r.states_generated, r.depth, r.coverage


def test_keeps_constraint_naming_no_action_is_refused_by_name() -> None:
    class Misspelt(KeptJump):
        def keeps_constraint(self) -> tuple[str, ...]:
            return ("Stay", "Stya")

    with pytest.raises(SpecError, match=r"keeps_constraint\(\) names no action 'Stya'"):
        check(Misspelt())
