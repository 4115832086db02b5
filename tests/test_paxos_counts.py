"""Paxos.tla's published TLC figures, reproduced exactly (ballots 0..1, majority quorums)."""

from __future__ import annotations

import pytest

from modelcheck import OK, check
from spec.paxos import Paxos


@pytest.mark.parametrize(
    ("acceptors", "values", "symmetry", "distinct", "depth"),
    [
        (1, 1, False, 25, 9),  # TLC 2.20, MCPaxos with one acceptor and one value
        (3, 2, False, 3921, 17),  # TLC 2.20, no symmetry
        (3, 2, True, 443, 17),  # TLC 2.20, SYMMETRY over acceptors and values
    ],
)
def test_tlc_counts(acceptors: int, values: int, symmetry: bool, distinct: int, depth: int) -> None:
    r = check(Paxos(acceptors=acceptors, values=values, max_ballot=1), symmetry=symmetry)
    assert (r.distinct_states, r.depth, r.verdict) == (distinct, depth, OK)


def test_generated_and_coverage_are_exact_and_consistent() -> None:
    r = check(Paxos())
    # One successor per enabled (action, params); TLC's 23,563 also counts each
    # quorum witnessing Phase2a separately (see README).
    assert r.states_generated == 22995
    assert sum(c.fired for c in r.coverage.values()) + 1 == r.states_generated  # + the initial state
    assert sum(c.new for c in r.coverage.values()) == r.distinct_states - 1
    assert all(c.fired > 0 for c in r.coverage.values())


def test_counts_are_deterministic_across_runs() -> None:
    a, b = check(Paxos(), symmetry=True), check(Paxos(), symmetry=True)
    assert (a.distinct_states, a.states_generated, a.depth) == (b.distinct_states, b.states_generated, b.depth)


def test_collision_probability_reported_as_tlc_does() -> None:
    r = check(Paxos())
    assert r.collision_probability == pytest.approx(3921 * (22995 - 3921) / 2**64)


def test_state_constraint_checks_but_does_not_expand() -> None:
    class Capped(Paxos):
        def constraint(self, s):  # at most 3 messages: TLC CONSTRAINT semantics
            return len(s.msgs) <= 3

    r = check(Capped(acceptors=1, values=1))
    assert r.verdict == OK
    # Paths stop at the third message: depth is 4 (initial state + three sends).
    assert r.depth == 4
    assert r.distinct_states < 25


def test_invariant_checked_on_constraint_violating_successor() -> None:
    class CappedBroken(Paxos):
        variant = "capped-broken"

        def constraint(self, s):
            return not s.msgs  # only the initial state is stored

        def never_any_message(self, s):
            return not s.msgs

    CappedBroken.never_any_message.__paxraft_invariant__ = True  # type: ignore[attr-defined]
    spec = CappedBroken(acceptors=1, values=1)
    r = check(spec)
    assert r.verdict == "violation" and r.violated == "never_any_message"
    assert r.trace_length == 1 and r.distinct_states == 1
