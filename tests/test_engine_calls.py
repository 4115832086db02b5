"""The search loops call a step with its parameters spread out when its signature fixes their number
(modelcheck.engine.calls): same successors, counts and coverage as ``step(s, *params)``, and a
parameter tuple of the wrong length still stops the run with the spec's mistake named."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, NamedTuple

import pytest

from modelcheck import check
from modelcheck.engine.calls import GENERIC, step_arity
from modelcheck.engine.coordinator import search
from modelcheck.engine.faults import SpecContractError, locate
from spec.core import Spec, action, invariant


class P(NamedTuple):
    a: int
    b: int


class Moves(Spec):
    """Two counters moved by actions of 0 to 4 parameters (a spec written from scratch)."""

    name = "moves"
    variables = ("a", "b")

    def __init__(self, limit: int = 6) -> None:
        self.limit = limit
        super().__init__()

    def init_states(self) -> list[P]:
        return [P(0, 0)]

    def _ok(self, a: int, b: int) -> P | None:
        return P(a, b) if a <= self.limit and b <= self.limit else None

    @action(lambda self, s: [()])
    def Swap(self, s: P) -> P | None:
        return self._ok(s.b, s.a)

    @action(lambda self, s: [(1,), (2,)])
    def IncA(self, s: P, d: int) -> P | None:
        return self._ok(s.a + d, s.b)

    @action(lambda self, s: [(1, 0), (0, 1)])
    def Inc2(self, s: P, da: int, db: int) -> P | None:
        return self._ok(s.a + da, s.b + db)

    @action(lambda self, s: [(1, 1, 0), (0, 1, 1)])
    def Inc3(self, s: P, da: int, db: int, k: int) -> P | None:
        return self._ok(s.a + da + k, s.b + db)

    @action(lambda self, s: [(1, 0, 1, 0)])
    def Inc4(self, s: P, da: int, db: int, k: int, m: int) -> P | None:
        return self._ok(s.a + da + k + m, s.b + db)

    @invariant
    def Bounded(self, s: P) -> bool:
        return s.a <= self.limit and s.b <= self.limit


class StarMoves(Moves):
    """The same steps behind ``*params`` wrappers: every call takes the generic path."""

    def __init__(self, limit: int = 6) -> None:
        super().__init__(limit)
        self._actions = [replace(a, step=_generic(a.step)) for a in self.actions]


def _generic(step: Callable[..., P | None]) -> Callable[..., P | None]:
    def call(s: P, *params: Any) -> P | None:
        return step(s, *params)

    return call


class LateWrongLength(Moves):
    """IncA's enumerator yields a pair for its one parameter, but only once a reaches 5."""

    @action(lambda self, s: [(1,), (2,)] if s.a < 5 else [(1, 2)])
    def IncA(self, s: P, d: int) -> P | None:
        return self._ok(s.a + d, s.b)


def test_arity_read_from_the_signature() -> None:
    def f(s: Any, i: int, j: int) -> None: ...
    def star(s: Any, *params: Any) -> None: ...
    def default(s: Any, i: int, j: int = 0) -> None: ...
    def kwonly(s: Any, i: int, *, extra: int = 0) -> None: ...
    def four(s: Any, a: int, b: int, c: int, d: int) -> None: ...

    m = Moves()
    assert [step_arity(a.step) for a in m.actions] == [GENERIC, 1, 2, 3, GENERIC]  # none, 1-3 spread, 4 generic
    assert (step_arity(f), step_arity(kwonly)) == (2, 1)
    assert step_arity(star) == step_arity(default) == step_arity(four) == step_arity(len) == GENERIC
    assert all(step_arity(a.step) == GENERIC for a in StarMoves().actions)


@pytest.mark.parametrize("engine", ["check", "search"])
def test_spread_calls_give_the_generic_calls_counts(engine: str) -> None:
    run = check if engine == "check" else search
    fast, slow = run(Moves()), run(StarMoves())
    assert (fast.distinct_states, fast.states_generated, fast.depth) == (49, 318, 7)
    assert (slow.distinct_states, slow.states_generated, slow.depth) == (49, 318, 7)
    assert fast.coverage == slow.coverage
    assert all(c.fired > 0 for c in fast.coverage.values())  # every arity was called


@pytest.mark.parametrize("engine", ["check", "search"])
def test_wrong_parameter_count_deep_in_a_run_stops_it_named(engine: str) -> None:
    run = check if engine == "check" else search
    with pytest.raises(ValueError, match="unpack") as info:
        run(LateWrongLength())
    found = locate(info.value)
    assert isinstance(found, SpecContractError)
    assert "the parameter enumerator of IncA yielded (1, 2)" in str(found), str(found)
