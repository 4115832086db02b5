"""One rule for the state constraint (spec.behaviour), shared by the checker's loops and the proofs' reachable().

Ladder (tests/test_parallel.py): two counters up to 3, a constraint keeping their sum below ``limit``.
"""

from __future__ import annotations

from test_parallel import Ladder  # a user's spec written from scratch, with a constraint

from modelcheck import check
from modelcheck.engine.dfs import dfs
from modelcheck.engine.graph import explore
from modelcheck.engine.simulate import simulate
from spec.behaviour import invariant_check, reachable, state_constraint
from spec.paxos import Paxos


def test_the_constraint_is_none_only_when_the_spec_declares_none() -> None:
    assert state_constraint(Paxos(acceptors=1, values=1)) is None
    within = state_constraint(Ladder(limit=4))
    assert within is not None and within((1, 2)) and not within((2, 2))


def test_reachable_reaches_states_outside_the_constraint_but_does_not_expand_them() -> None:
    seen = list(reachable(Ladder(limit=4)))
    inside = [s for s, ok, _ in seen if ok]
    outside = [s for s, ok, succ in seen if not ok and succ == []]
    assert len(inside) == 10  # sum 0..3 over two counters up to 3
    assert sorted(outside) == [(1, 3), (2, 2), (3, 1)]  # sum 4: reached, not stepped from
    assert len(seen) == len(inside) + len(outside)
    # the explicit checker applies the same rule: it stores exactly the states inside
    r = check(Ladder(limit=4))
    assert r.distinct_states == 10
    assert r.states_generated == 1 + sum(len(succ) for _, _, succ in seen)
    assert explore(Ladder(limit=4)).cut == 6  # the graph cuts the six edges into those three states
    assert dfs(Ladder(limit=4)).distinct_states == 10


def test_a_violation_outside_the_constraint_is_still_found_by_every_loop() -> None:
    spec = Ladder(limit=4, bad=(2, 2))  # (2, 2) is outside the constraint
    assert check(spec).violated == "NotBad" and check(spec).trace_length == 4
    assert dfs(spec).violated == "NotBad"
    assert simulate(spec, walks=50, depth=10, seed=1).violated == "NotBad"
    assert invariant_check(spec)((2, 2)) == "NotBad" and invariant_check(spec, False)((2, 2)) is None


def test_reachable_without_a_constraint_expands_everything() -> None:
    spec = Paxos(acceptors=1, values=1)
    seen = list(reachable(spec))
    assert len(seen) == 25 == check(spec).distinct_states  # TLC's figure for MCPaxos 1 acceptor, 1 value
    assert all(ok for _, ok, _ in seen)
