"""spec.core.OUTSIDE: a step that answers "outside the constraint, invariants hold" is counted and
never built, with the counts, coverage and depth of a run that builds every successor; only the
exhaustive searches allow it, and a --reach goal (which may hold outside the constraint) does not."""

from __future__ import annotations

import pickle
from typing import NamedTuple

import pytest

from modelcheck import OK, VIOLATION, check
from modelcheck.engine._fingerprint import plain_or_apart
from modelcheck.engine.coordinator import search
from modelcheck.engine.reach import REACHED, reach
from spec.core import OUTSIDE, Counted, Spec, SpecError, action, counts_outside, invariant
from spec.raft import Raft


def _built(spec: Raft) -> Raft:
    """The same model with OUTSIDE never answered: every successor built, constrained and checked."""
    spec._may_cut = False
    return spec


def _figures(r):  # noqa: ANN001, ANN202 - a Result
    return r.verdict, r.distinct_states, r.states_generated, r.depth, r.coverage


def test_raft_steps_answer_outside_only_while_a_search_counts_them() -> None:
    spec = Raft(servers=2, max_term=1, max_in_flight=1)
    s = next(iter(spec.init_states()))
    assert spec.Timeout(s, 0) is not OUTSIDE and spec.count_outside is False  # term 1 -> 2: past MaxTerm 1
    spec.count_outside = True
    assert spec.Timeout(s, 0) is OUTSIDE
    check(spec)
    assert spec.count_outside is False  # set back when the search ends (it was set here by hand)


def test_raft_counts_and_coverage_are_those_of_building_every_successor() -> None:
    bounds = {"servers": 2, "max_term": 2, "max_log": 1, "max_copies": 1, "max_in_flight": 1}
    counted, built = check(Raft(**bounds)), check(_built(Raft(**bounds)))
    assert _figures(counted) == _figures(built)
    assert (counted.distinct_states, counted.states_generated, counted.depth) == (1760, 13797, 28)
    two = search(Raft(**bounds), workers=2)
    assert (two.distinct_states, two.states_generated, two.depth) == (1760, 13797, 28)
    assert {k: (c.fired, c.new) for k, c in two.coverage.items()} == {
        k: (c.fired, c.new) for k, c in built.coverage.items()
    }


def test_raft_with_two_copies_allowed_counts_the_third_copy_only() -> None:
    bounds = {"servers": 2, "max_term": 2, "max_log": 0, "max_copies": 2, "max_in_flight": 1}
    counted, built = check(Raft(**bounds)), check(_built(Raft(**bounds)))
    assert _figures(counted) == _figures(built)
    assert (counted.distinct_states, counted.states_generated, counted.depth) == (3566, 28973, 24)


def test_a_reach_goal_that_holds_only_outside_the_constraint_is_found() -> None:
    # Two messages in flight: outside MaxInFlight 1, so only a successor the steps would count.
    r = reach(Raft(servers=2, max_term=2, max_in_flight=1), "TwoInFlight", lambda s: len(s.messages) >= 2)
    assert r.verdict == REACHED and len(r.trace) == 4  # Timeout, RequestVote, RequestVote


# -- a spec written from scratch ------------------------------------------------------------------
class Tank(NamedTuple):
    level: int
    spilled: int


class Cistern(Spec):
    """Fill by 1 or 2 up to a cap (the constraint); a spill of 2 or more is the planted bug."""

    name = "cistern"
    variables = Tank._fields
    counts_cut = True  # Fill answers OUTSIDE when it knows the fill passes the cap

    def __init__(self, cap: int = 4, spill_at: int = 9) -> None:
        self.cap, self.spill_at = cap, spill_at
        self.answered = 0  # how often Fill answered OUTSIDE
        super().__init__()

    def init_states(self):  # noqa: ANN201
        yield Tank(0, 0)

    def constraint(self, s: Tank) -> bool:
        return s.level <= self.cap

    @action(params=lambda self, s: ((1,), (2,)))
    def Fill(self, s: Tank, k: int) -> Tank | None:
        if self.counts_cut and self.count_outside and s.level + k > self.cap and s.level + k < self.spill_at:
            self.answered += 1
            return OUTSIDE  # past the cap and no spill there: counted only
        return Tank(s.level + k, int(s.level + k >= self.spill_at))

    @action(params=lambda self, s: ((),))
    def Drain(self, s: Tank) -> Tank | None:
        return Tank(0, 0) if s.level else None

    @invariant
    def NoSpill(self, s: Tank) -> bool:
        return not s.spilled


def test_a_user_spec_counts_its_outside_successors_as_the_built_run_does() -> None:
    counted, built = Cistern(), Cistern()
    built.counts_cut = False
    assert _figures(check(counted)) == _figures(check(built))
    assert counted.answered == 3 and built.answered == 0  # Fill(2) from 3 and 4, Fill(1) from 4
    assert (check(counted).distinct_states, check(counted).states_generated) == (5, 15)
    # A violation outside the constraint (cap 4, a fill to 5 spills) is still found: Fill builds it.
    bad = check(Cistern(spill_at=5))
    assert bad.verdict == VIOLATION and bad.violated == "NoSpill" and len(bad.trace) == 4
    assert check(Cistern(spill_at=7)).verdict == OK  # the highest fill reaches 6


# -- an enumerator that counts a whole state's OUTSIDE answers at once (spec.core.Counted) ----------
class Climb(Spec):
    """Climb by 1, 2 or 3 up to a cap (the constraint); ``bad`` is a planted violation. While a search counts,
    the enumerator (``counted``) gives the steps within the cap and counts the rest: they come last."""

    name = "climb"
    variables = Tank._fields
    canonical_order = False
    counted = True

    def __init__(self, cap: int = 5, bad: int = 99) -> None:
        self.cap, self.bad = cap, bad
        self.called = 0  # Up's calls
        super().__init__()

    def init_states(self):  # noqa: ANN201
        yield Tank(0, 0)

    def constraint(self, s: Tank) -> bool:
        return s.level <= self.cap

    @action(params=counts_outside(lambda self, s: self.steps(s)))
    def Up(self, s: Tank, k: int) -> Tank | None:
        self.called += 1
        if self.count_outside and s.level + k > self.cap:
            return OUTSIDE
        return Tank(s.level + k, 0)

    def steps(self, s: Tank) -> tuple:
        ks = ((1,), (2,), (3,))
        if not (self.counted and self.count_outside):
            return ks
        within = tuple(p for p in ks if s.level + p[0] <= self.cap)
        return Counted(within, len(ks) - len(within))

    @action(params=lambda self, s: ((),))
    def Down(self, s: Tank) -> Tank | None:
        return Tank(s.level - 1, 0) if s.level and s.level < self.cap else None  # none at the cap

    @invariant
    def NotBad(self, s: Tank) -> bool:
        return s.level != self.bad


def _one_by_one(**bounds: int) -> Climb:
    spec = Climb(**bounds)
    spec.counted = False
    return spec


@pytest.mark.parametrize("workers", [None, 1, 2])
@pytest.mark.parametrize("bounds", [{}, {"bad": 3}, {"cap": 2, "bad": 2}])
def test_counted_parameters_count_as_the_steps_answering_outside_one_by_one(workers: int | None, bounds: dict) -> None:
    def run(spec: Climb):  # noqa: ANN202
        return check(spec, check_deadlock=True) if workers is None else search(spec, workers=workers)

    counted, one_by_one = Climb(**bounds), _one_by_one(**bounds)
    for sp in (counted, one_by_one):  # the fingerprint's sample walk (-1 against -2) runs the steps: before the count
        plain_or_apart(sp)
        sp.called = 0
    assert _figures(run(counted)) == _figures(run(one_by_one))
    if workers != 2 and not bounds:  # (two workers call the steps in their own processes)
        assert (counted.called, one_by_one.called) == (12, 18)  # 3 + 3 + 3 + 2 + 1 + 0: the counted ones not called
    if bounds:  # a violation in the middle of Up's parameters: the counted ones after it are not counted
        assert run(counted).violated == "NotBad"


def test_a_state_whose_successors_are_all_counted_is_no_deadlock() -> None:
    r = check(Climb(cap=2, bad=99), check_deadlock=True)  # at level 2 every Up is past the cap, Down none
    assert r.verdict == OK and (r.distinct_states, r.states_generated) == (3, 1 + 3 * 3 + 1)


def test_counted_parameters_pickle_with_their_count() -> None:
    c = pickle.loads(pickle.dumps(Counted(((1,),), 2)))
    assert (c.__class__, tuple(c), c.outside) == (Counted, ((1,),), 2)


def test_an_enumerator_that_counts_needs_the_order_it_gives() -> None:
    class Sorted(Climb):
        canonical_order = True

    with pytest.raises(SpecError, match="canonical_order = False"):
        Sorted()


def test_raft_enumerators_count_a_whole_state_only_while_a_search_counts() -> None:
    spec = Raft(servers=2, max_term=1, max_in_flight=1)
    s = next(iter(spec.init_states()))
    timeout = spec.action("Timeout").enumerate
    assert timeout(s) == ((0,), (1,)) and timeout(s).__class__ is tuple
    spec.count_outside = True  # both servers are at MaxTerm 1: every Timeout answers OUTSIDE
    assert timeout(s).__class__ is Counted and (tuple(timeout(s)), timeout(s).outside) == ((), 2)
    spec.count_outside = False


def test_raft_restricted_or_overridden_steps_are_called_one_by_one() -> None:
    bounds = {"servers": 3, "max_term": 2, "max_log": 0, "max_copies": 1, "max_in_flight": 1}
    for restriction in ("passive-last", "restart-leaders"):
        counted = check(Raft(**bounds).restrict([restriction]), max_states=20_000)
        built = check(_built(Raft(**bounds)).restrict([restriction]), max_states=20_000)
        assert _figures(counted) == _figures(built)

    class LoudTimeout(Raft):
        def Timeout(self, s, i):  # noqa: ANN001, ANN202 - an override: its OUTSIDE answers are its own
            return super().Timeout(s, i)

    spec = LoudTimeout(**bounds)
    spec.count_outside = True
    assert spec._count[0] is False and spec._count[1] is True
    spec.count_outside = False
    assert _figures(check(LoudTimeout(**bounds), max_states=20_000)) == _figures(
        check(_built(Raft(**bounds)), max_states=20_000))
