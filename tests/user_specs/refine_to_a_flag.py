"""A hostile tester's spec (hostile5): a counter 0 -> 1 mapped onto a flag FALSE -> TRUE by ``done = n``.

Python takes ``0 == False`` and ``1 == True``, so ``paxraft refine ...:Count Once`` said "Count implements Once"
of a mapping whose images hold numbers the abstract spec never holds (TLC refuses to compare 1 with TRUE).
``CountAsBool`` maps ``done = n == 1`` and refines Once.
"""
from __future__ import annotations

from typing import NamedTuple

from spec.core import Spec, action, invariant, refines


class Flag(NamedTuple):
    done: bool


class Once(Spec):
    """done goes from FALSE to TRUE."""
    variables = ("done",)

    def init_states(self) -> list[Flag]:
        return [Flag(False)]

    @action()
    def Finish(self, s):
        return None if s.done else Flag(True)

    @invariant
    def Ok(self, s):
        return True


class N(NamedTuple):
    n: int


class Count(Spec):
    """n goes 0 -> 1."""
    variables = ("n",)

    def init_states(self):
        return [N(0)]

    @action()
    def Inc(self, s):
        return N(s.n + 1) if s.n < 1 else None

    @invariant
    def Ok(self, s):
        return True

    @refines(Once)
    def as_once(self):
        return Once(), lambda s: Flag(s.n)


class CountAsBool(Count):
    """The same counter, mapped to the flag's own values."""

    @refines(Once)
    def as_once(self):
        return Once(), lambda s: Flag(s.n == 1)
