"""spec.core.OUTSIDE: a step that answers "outside the constraint, invariants hold" is counted and
never built, with the counts, coverage and depth of a run that builds every successor; only the
exhaustive searches allow it, and a --reach goal (which may hold outside the constraint) does not."""

from __future__ import annotations

from typing import NamedTuple

from modelcheck import OK, VIOLATION, check
from modelcheck.engine.coordinator import search
from modelcheck.engine.reach import REACHED, reach
from spec.core import OUTSIDE, Spec, action, invariant
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
