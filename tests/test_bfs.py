"""The breadth-first engine's phases (modelcheck/engine/bfs.py): each end of a search, on a spec written here.

``Walk`` is a from-scratch user spec: a token on a line 0..n that moves right by one or two, with a
state constraint (the token stays below ``stop``), so every phase is reached: the initial level, the
expansion, the check of a successor inside and outside the constraint, the deadlock, the state cap,
and the report (counts, depth, coverage, trace).
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck import DEADLOCK, OK, VIOLATION, check
from modelcheck.engine.bfs import bfs
from modelcheck.engine.reach import REACHED, UNREACHABLE, reach
from spec.core import Spec, action, invariant


class At(NamedTuple):
    pos: int


class Walk(Spec):
    """A token moving right by one or two steps from 0; positions past ``stop`` are not expanded."""

    name = "walk"
    variables = ("pos",)

    def __init__(self, stop: int = 4, bad: int = -1) -> None:
        self.stop, self.bad = stop, bad
        super().__init__()

    def init_states(self) -> list[At]:
        return [At(0)]

    @action(lambda self, s: [(1,), (2,)])
    def Move(self, s: At, d: int) -> At:
        return At(s.pos + d)

    def constraint(self, s: At) -> bool:
        return s.pos <= self.stop

    @invariant
    def NotBad(self, s: At) -> bool:
        return s.pos != self.bad


class Plain(Spec):
    """No invariant at all: a counter 0..3."""

    name = "plain"
    variables = ("pos",)

    def init_states(self) -> list[At]:
        return [At(0)]

    @action(lambda self, s: [()])
    def Inc(self, s: At) -> At | None:
        return At(s.pos + 1) if s.pos < 3 else None


def _figures(r) -> tuple:  # type: ignore[no-untyped-def]
    trace = None if r.trace is None else [st.state.pos for st in r.trace]
    cov = {k: (c.fired, c.new) for k, c in r.coverage.items()}
    return r.verdict, r.violated, r.distinct_states, r.states_generated, r.depth, trace, cov, r.complete


def test_a_complete_search_counts_every_phase() -> None:
    # levels {0}, {1, 2}, {3, 4}; 5 and 6 are generated outside the constraint and not stored:
    # generated = 1 initial + 2 firings from each of the 5 stored states
    assert _figures(check(Walk())) == (OK, None, 5, 11, 3, None, {"Move": (10, 4)}, True)


def test_a_violation_inside_the_constraint_is_stored_and_its_shortest_trace_rebuilt() -> None:
    # 0 gives 1, 2; then 1 gives 2 (seen) and 3, which is stored and violates: 0 -> 1 -> 3
    assert _figures(check(Walk(bad=3))) == (VIOLATION, "NotBad", 4, 5, 3, [0, 1, 3], {"Move": (4, 3)}, True)


def test_a_violation_outside_the_constraint_is_found_but_not_stored() -> None:
    # 0, 1, 2 stored; 3 (from 1 and 2) is outside and fine, 4 (from 2) is outside and violates: not stored
    assert _figures(check(Walk(stop=2, bad=4))) == (VIOLATION, "NotBad", 3, 7, 3, [0, 2, 4], {"Move": (6, 2)}, True)


def test_a_violation_in_an_initial_state() -> None:
    assert _figures(check(Walk(bad=0))) == (VIOLATION, "NotBad", 1, 1, 1, [0], {"Move": (0, 0)}, True)


def test_the_state_cap_stops_a_level_and_marks_the_result_incomplete() -> None:
    # after expanding 0 the store holds 0, 1, 2: the cap; the depth counts the level begun
    assert _figures(check(Walk(stop=10), max_states=3)) == (OK, None, 3, 3, 2, None, {"Move": (2, 2)}, False)
    # the cap is exact: the search stops as the N-th distinct state is stored, in the middle of an expansion
    assert _figures(check(Walk(stop=10), max_states=2)) == (OK, None, 2, 2, 2, None, {"Move": (1, 1)}, False)
    assert _figures(check(Walk(stop=10), max_states=1)) == (OK, None, 1, 1, 1, None, {"Move": (0, 0)}, False)


def test_a_deadlock_is_reported_at_the_state_with_no_successor() -> None:
    assert _figures(check(Plain(), check_deadlock=True)) == (DEADLOCK, None, 4, 4, 4, [0, 1, 2, 3], {"Inc": (3, 3)},
                                                               True)


def test_reach_works_on_a_spec_without_invariants() -> None:
    """The goal replaces the invariants: a spec that declares none still has its states searched."""
    r = reach(Plain(), "three", lambda s: s.pos == 3)
    assert (r.verdict, r.trace_length, r.distinct_states) == (REACHED, 3, 4)
    assert reach(Plain(), "four", lambda s: s.pos == 4).verdict == UNREACHABLE


def test_a_step_check_sees_every_step_once_and_stops_the_search_at_the_first_it_refuses() -> None:
    """bfs(steps=): what refine runs in the level loop. Every step from a stored state is asked once, the
    steps into states the constraint cuts (5 and 6) included; a refused step ends the search as a violation of
    the name returned, the trace ending with that step (here into 5, a state the constraint cuts)."""
    seen: list[tuple[int, int, int]] = []

    def record(s: At, t: At, ai: int) -> None:
        seen.append((s.pos, t.pos, ai))

    r = bfs(Walk(stop=4), steps=record)
    assert sorted(seen) == [(p, p + d, 0) for p in range(5) for d in (1, 2)]
    assert (r.verdict, r.distinct_states, r.states_generated) == (OK, 5, 11)

    def no_jump_from_3(s: At, t: At, ai: int) -> str | None:
        return "NoJumpFrom3" if (s.pos, t.pos) == (3, 5) else None

    r = bfs(Walk(stop=4), steps=no_jump_from_3)
    assert (r.verdict, r.violated, [st.state.pos for st in r.trace]) == (VIOLATION, "NoJumpFrom3", [0, 1, 3, 5])
    assert r.trace[-1].label.name == "Move" and r.trace[-1].label.params == (2,)
