"""A hostile tester's spec (hostile5): a bool beside a number, for traces edited by hand.

A trace whose ``false`` was edited to ``0`` replayed as this spec's behaviour (Python takes ``False == 0``), and
the invariant OnIsBool was then judged on a state the spec never reaches.

    paxraft check tests/user_specs/flag_counter.py:Flag      # Small violated in 2 steps
"""

from __future__ import annotations

from typing import NamedTuple

from spec.core import Spec, action, invariant


class F(NamedTuple):
    on: bool
    n: int


class Flag(Spec):
    """A flag turned on once, and a counter."""

    variables = ("on", "n")

    def init_states(self) -> list[F]:
        return [F(False, 0)]

    @action()
    def TurnOn(self, s: F) -> F | None:
        return None if s.on else F(True, s.n)

    @action()
    def Count(self, s: F) -> F | None:
        return F(s.on, s.n + 1) if s.n < 2 else None

    @invariant
    def OnIsBool(self, s: F) -> bool:
        return s.on is True or s.on is False

    @invariant
    def Small(self, s: F) -> bool:
        return s.n < 2
