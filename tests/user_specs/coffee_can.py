"""The Coffee Can problem (Scholten, via Dijkstra and Gries): tlaplus/Examples' CoffeeCan.tla with its two action
properties, ``MonotonicDecrease`` and ``LoopInvariant``, and its liveness, written as a paxraft spec.

tests/user_specs/CoffeeCan/ holds the TLA+ text (CoffeeCan.tla verbatim), the models TLC 2.20 ran and the planted
bug (MCCoffeeCanBug.tla):

    paxraft check tests/user_specs/coffee_can.py:CoffeeCan --max-beans 100
    paxraft check tests/user_specs/coffee_can.py:CoffeeCan --max-beans 100 --liveness
    paxraft check tests/user_specs/coffee_can.py:CoffeeCan --variant white-out

Every state is initial (``Init`` takes any can of 1..MaxBeanCount beans), so the search has depth 1; a can of one
bean takes ``Termination``, a stutter (``UNCHANGED can``), which TLC counts in its states generated.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, NamedTuple

from spec.core import WF, Eventually, Spec, SpecError, action, action_invariant, invariant


class CanState(NamedTuple):
    black: int  # can.black
    white: int  # can.white


class CoffeeCan(Spec):
    """The Coffee Can problem: every step takes out one bean, and the parity of the white beans never changes."""

    name = "CoffeeCan"
    variables = CanState._fields

    def __init__(self, max_beans: Annotated[int, "MaxBeanCount: a can holds 1..N beans initially"] = 10) -> None:
        if not isinstance(max_beans, int) or not 1 <= max_beans <= 400:
            raise SpecError(f"CoffeeCan: --max-beans must be an integer from 1 to 400, got {max_beans!r}")
        self.M = max_beans
        super().__init__()

    def init_states(self) -> Iterator[CanState]:
        """Init == can \\in {c \\in Can : c.black + c.white \\in 1..MaxBeanCount}"""
        for b in range(self.M + 1):
            for w in range(self.M + 1):
                if 1 <= b + w <= self.M:
                    yield CanState(b, w)

    @action()
    def PickSameColorWhite(self, s: CanState) -> CanState | None:
        if s.black + s.white <= 1 or s.white < 2:
            return None
        return CanState(s.black + 1, s.white - 2)

    @action()
    def PickSameColorBlack(self, s: CanState) -> CanState | None:
        if s.black + s.white <= 1 or s.black < 2:
            return None
        return CanState(s.black - 1, s.white)

    @action()
    def PickDifferentColor(self, s: CanState) -> CanState | None:
        if s.black + s.white <= 1 or s.black < 1 or s.white < 1:
            return None
        return self.different_color(s)

    def different_color(self, s: CanState) -> CanState:
        """Put the white bean back, throw the black one away."""
        return CanState(s.black - 1, s.white)

    @action()
    def Termination(self, s: CanState) -> CanState | None:
        """A can of one bean stutters (UNCHANGED can), so that TLC sees no deadlock."""
        return s if s.black + s.white == 1 else None

    @invariant
    def TypeInvariant(self, s: CanState) -> bool:
        return 0 <= s.black <= self.M and 0 <= s.white <= self.M

    @action_invariant
    def MonotonicDecrease(self, s: CanState, t: CanState) -> bool:
        """``[][BeanCount' < BeanCount]_can``"""
        return t.black + t.white < s.black + s.white

    @action_invariant
    def LoopInvariant(self, s: CanState, t: CanState) -> bool:
        """``[][can.white % 2 = 0 <=> can'.white % 2 = 0]_can``"""
        return (s.white % 2 == 0) == (t.white % 2 == 0)

    def fairness(self) -> list:
        return [WF("PickSameColorWhite", "PickSameColorBlack", "PickDifferentColor", "Termination")]

    def properties(self) -> dict:
        return {
            "EventuallyTerminates": Eventually(lambda s: s.black + s.white == 1, "<>(ENABLED Termination)"),
            # TerminationHypothesis's IF reads the initial can; LoopInvariant keeps its parity in every state.
            "TerminationHypothesis": Eventually(
                lambda s: (s.black, s.white) == ((1, 0) if s.white % 2 == 0 else (0, 1)),
                "<>(the last bean's colour is the parity of the white beans)",
            ),
        }


class WhiteOut(CoffeeCan):
    """PickDifferentColor throws the white bean away instead of the black one (MCCoffeeCanBug.tla)."""

    variant = "white-out"
    rule = "PickDifferentColor puts the black bean back and throws the white one away"
    breaks = "LoopInvariant"
    failing_bounds = {"max_beans": 2}
    trace_length = 1

    def different_color(self, s: CanState) -> CanState:
        return CanState(s.black, s.white - 1)
