"""A spec written from scratch in its own file, as a user would: two processes count to 2.

Used by the tests of explanations, witnesses, counterexamples and the explorer, loaded as
``tests/user_specs/two_counters.py:TwoCounters`` (and ``:SymmetricCounters``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from spec.core import Spec, action, explains, invariant, witness


class Counters(NamedTuple):
    c: tuple[int, int]


class TwoCounters(Spec):
    """Two processes each count to 2; the 'invariant' that they never both reach 2 is false."""

    name = "two-counters"
    variables = ("c",)

    def init_states(self) -> Iterator[Counters]:
        yield Counters((0, 0))

    @action(params=lambda self, s: ((0,), (1,)))
    def Inc(self, s: Counters, i: int) -> Counters | None:
        if s.c[i] >= 2:
            return None
        return Counters(s.c[:i] + (s.c[i] + 1,) + s.c[i + 1 :])

    @invariant
    def NotBothDone(self, s: Counters) -> bool:
        return s.c != (2, 2)

    @explains("NotBothDone")
    def why(self, s: Counters) -> str | None:
        return f"p1 counted to {s.c[0]} and p2 to {s.c[1]}"

    @witness
    def BothMoved(self, s: Counters) -> bool:
        return min(s.c) >= 1

    @witness
    def Overflow(self, s: Counters) -> bool:
        return max(s.c) > 2  # the guard forbids it: never reachable


class SymmetricCounters(TwoCounters):
    """The same, with the two processes declared interchangeable."""

    def symmetric_sets(self) -> dict[str, int]:
        return {"P": 2}

    def permute(self, s: Counters, perm: dict) -> Counters:
        p = perm["P"]
        c = [0, 0]
        for i in range(2):
            c[p[i]] = s.c[i]
        return Counters(tuple(c))  # type: ignore[arg-type]


class DoublingCounters(TwoCounters):
    """A counter at 1 may also double: each reaches 2 by Inc, Inc or by Inc, Double, so the shortest
    counterexamples (4 steps) take one of 4 sets of steps, each in several orders."""

    @action(params=lambda self, s: ((0,), (1,)))
    def Double(self, s: Counters, i: int) -> Counters | None:
        if s.c[i] != 1:
            return None
        return Counters(s.c[:i] + (2,) + s.c[i + 1 :])


class SymmetricDoublingCounters(DoublingCounters, SymmetricCounters):
    """The same, the two processes interchangeable: Inc, Inc for p1 and Inc, Double for p2 is a renaming of the
    other way round, so 3 sets of steps."""
