"""One rule for the state constraint (spec.behaviour), shared by the checker's loops and the proofs' reachable()."""

from __future__ import annotations

from modelcheck import check
from modelcheck.engine.dfs import dfs
from modelcheck.engine.graph import explore
from modelcheck.engine.simulate import simulate
from spec.behaviour import invariant_check, reachable, state_constraint
from spec.core import Spec, action, invariant
from spec.paxos import Paxos


class Stairs(Spec):
    """A user's spec written from scratch: two counters up to 3, a constraint keeping their sum below ``limit``."""

    name = "stairs"

    def __init__(self, limit: int = 4, bad: tuple[int, int] | None = None) -> None:
        self.limit, self.bad = limit, bad
        super().__init__()

    def init_states(self):
        return [(0, 0)]

    @action(params=lambda self, s: ((0,), (1,)))
    def Up(self, s, i):
        return s[:i] + (s[i] + 1,) + s[i + 1 :] if s[i] < 3 else None

    def constraint(self, s) -> bool:
        return sum(s) < self.limit

    @invariant
    def NotBad(self, s) -> bool:
        return s != self.bad


def test_the_constraint_is_none_only_when_the_spec_declares_none() -> None:
    assert state_constraint(Paxos(acceptors=1, values=1)) is None
    within = state_constraint(Stairs())
    assert within is not None and within((1, 2)) and not within((2, 2))


def test_reachable_reaches_states_outside_the_constraint_but_does_not_expand_them() -> None:
    seen = list(reachable(Stairs(limit=4)))
    inside = [s for s, ok, _ in seen if ok]
    outside = [s for s, ok, succ in seen if not ok and succ == []]
    assert len(inside) == 10  # sum 0..3 over two counters up to 3
    assert sorted(outside) == [(1, 3), (2, 2), (3, 1)]  # sum 4: reached, not stepped from
    assert len(seen) == len(inside) + len(outside)
    # the explicit checker applies the same rule: it stores exactly the states inside
    r = check(Stairs(limit=4))
    assert r.distinct_states == 10
    assert r.states_generated == 1 + sum(len(succ) for _, _, succ in seen)
    assert explore(Stairs(limit=4)).cut == 6  # the graph cuts the six edges into those three states
    assert dfs(Stairs(limit=4)).distinct_states == 10


def test_a_violation_outside_the_constraint_is_still_found_by_every_loop() -> None:
    spec = Stairs(limit=4, bad=(2, 2))  # (2, 2) is outside the constraint
    assert check(spec).violated == "NotBad" and check(spec).trace_length == 4
    assert dfs(spec).violated == "NotBad"
    assert simulate(spec, walks=50, depth=10, seed=1).violated == "NotBad"
    assert invariant_check(spec)((2, 2)) == "NotBad" and invariant_check(spec, False)((2, 2)) is None


def test_reachable_without_a_constraint_expands_everything() -> None:
    spec = Paxos(acceptors=1, values=1)
    seen = list(reachable(spec))
    assert len(seen) == 25 == check(spec).distinct_states  # TLC's figure for MCPaxos 1 acceptor, 1 value
    assert all(ok for _, ok, _ in seen)
