"""A counter whose state constraint cuts its last steps: where a deadlock is, in every mode, and where none is.

CappedCounter/CappedCounter.tla is the same model as TLC reads it (CONSTRAINT x <= 2, deadlock checked; TLC 2.20,
-workers 1). x counts to 4 while y = 0; the constraint keeps x <= 2, so x = 2's one step (Inc, while the search
counts such steps: OUTSIDE) leaves it: no deadlock there, as TLC says (3 distinct states, 4 generated, depth 3).
``side=1``: from x = 1, Side sets y = 1, where nothing is enabled: a deadlock after 2 steps (4 distinct, 5
generated, depth 3). ``stay=1``: then Stay changes nothing at y = 1, a step all the same: no deadlock (4 distinct,
6 generated, depth 3). x = 4, reached through x = 3 outside the constraint, has no step: no search expands x = 3,
so none reaches it, and replay of a trace that ends there (tests/test_deadlock_modes.py) says it is no deadlock.
"""

from __future__ import annotations

from typing import NamedTuple

from spec.core import OUTSIDE, Spec, action, invariant


class Counter(NamedTuple):
    x: int
    y: int


class CappedCounter(Spec):
    """x counts up to 4 (while y = 0); the state constraint keeps x <= 2."""

    name = "capped-counter"
    variables = ("x", "y")

    def __init__(self, side: int = 0, stay: int = 0) -> None:
        self.side, self.stay = side, stay
        super().__init__()

    def init_states(self) -> list[Counter]:
        return [Counter(0, 0)]

    @action(params=lambda self, s: [()])
    def Inc(self, s: Counter) -> Counter | None:
        if s.y != 0 or s.x >= 4:
            return None
        if s.x + 1 > 2 and self.count_outside:  # (its invariant holds: x <= 4)
            return OUTSIDE
        return Counter(s.x + 1, 0)

    @action(params=lambda self, s: [()])
    def Side(self, s: Counter) -> Counter | None:
        return Counter(s.x, 1) if self.side and s.x == 1 and s.y == 0 else None

    @action(params=lambda self, s: [()])
    def Stay(self, s: Counter) -> Counter | None:
        return Counter(s.x, s.y) if self.stay and s.y == 1 else None

    def constraint(self, s: Counter) -> bool:
        return s.x <= 2

    @invariant
    def Bounded(self, s: Counter) -> bool:
        return s.x <= 4
