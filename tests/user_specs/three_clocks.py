"""A spec written from scratch with a huge, simple state space: three clocks that tick independently.

Each clock counts 0..limit; any clock may tick while below its limit, so every point of the
cube is reachable: (limit + 1) ** 3 distinct states, about three successors each. It exists
to push the store past tens of millions of states in little time per state (the 50-million-
state run of docs/scaling.md); ``skew`` breaks the invariant that no clock runs ahead of the
slowest by more than ``skew`` once set.
"""

from __future__ import annotations

from spec.core import Spec, action, invariant


class ThreeClocks(Spec):
    name = "three-clocks"
    variables = ("a", "b", "c")

    def __init__(self, limit: int = 9, skew: int | None = None) -> None:
        self.limit, self.skew = limit, skew
        super().__init__()

    def bounds(self) -> dict[str, int | None]:
        return {"limit": self.limit, "skew": self.skew}

    def show_state(self, state: tuple[int, int, int]) -> dict[str, int]:
        return dict(zip(self.variables, state))

    def init_states(self) -> list[tuple[int, int, int]]:
        return [(0, 0, 0)]

    @action(params=lambda self, s: ((0,), (1,), (2,)))
    def Tick(self, s: tuple[int, int, int], i: int) -> tuple[int, int, int] | None:
        if s[i] >= self.limit:
            return None
        return s[:i] + (s[i] + 1,) + s[i + 1 :]

    @invariant
    def BoundedSkew(self, s: tuple[int, int, int]) -> bool:
        return self.skew is None or max(s) - min(s) <= self.skew
