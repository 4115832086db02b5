"""A counter that may jump to 10, and a model that forbids the jump: --restrict against TLC's ACTION_CONSTRAINT.

ActionConstraint/ActionConstraint.tla is the same model as TLC reads it, its ACTION_CONSTRAINT ``x' # 10``
(TLC 2.20, -workers 1): with INVARIANT NotTen (``_inv.cfg``) TLC reports NotTen violated by the 1-step
behaviour Init, Jump (3 states generated, 2 distinct): it checks the invariants on a successor before the
ACTION_CONSTRAINT discards it. Without the invariant (``.cfg``, deadlock checked) no error: 6 states generated,
4 distinct, depth 4, and x = 3, whose one step (Jump) is discarded, is no deadlock.

``--restrict no-jump`` is a guard on Jump, so its steps are never generated: no violation, 4 generated, and
``--deadlock`` stops at x = 3. :class:`DiscardedJump` is the model written as TLC reads it (docs/writing-a-spec.md):
the jump's successor is marked and ``constraint`` refuses the mark, so it is generated, checked and dropped.
"""

from __future__ import annotations

from typing import NamedTuple

from spec.core import Spec, action, invariant, restriction


class Counter(NamedTuple):
    x: int


class Discarded(Counter):
    """A successor the ACTION_CONSTRAINT discards: equal fields, another type (its hash and equality are a
    NamedTuple's, so it is marked by the check below, not told apart from the counter it equals)."""

    __slots__ = ()


class JumpingCounter(Spec):
    """x counts to 3; from 0 and from 3 it may jump to 10, which NotTen forbids."""

    name = "jumping-counter"
    variables = ("x",)

    def init_states(self) -> list[Counter]:
        return [Counter(0)]

    @action(params=lambda self, s: [()])
    def Inc(self, s: Counter) -> Counter | None:
        return Counter(s.x + 1) if s.x < 3 else None

    @action(params=lambda self, s: [()])
    def Jump(self, s: Counter) -> Counter | None:
        return Counter(10) if s.x in (0, 3) else None

    @restriction("no-jump", action="Jump")
    def no_jump(self, s: Counter) -> bool:
        return False  # x' # 10: every Jump step goes to 10

    @invariant
    def NotTen(self, s: Counter) -> bool:
        return s.x != 10


class DiscardedJump(JumpingCounter):
    """The ACTION_CONSTRAINT as TLC reads it: Jump's successor is generated, checked, then dropped."""

    name = "discarded-jump"

    @action(params=lambda self, s: [()])
    def Jump(self, s: Counter) -> Counter | None:
        return Discarded(10) if s.x in (0, 3) else None

    def constraint(self, s: Counter) -> bool:
        return type(s) is not Discarded
