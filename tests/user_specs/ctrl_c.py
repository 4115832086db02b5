"""A from-scratch spec whose action raises KeyboardInterrupt at its N-th call: Ctrl-C at a known point of a run.

tests/test_cli_errors.py runs every check mode on it and expects exit 130 with the figures so far.
"""

from __future__ import annotations

from typing import NamedTuple

from spec.core import Eventually, Spec, Temporal, action, invariant


class S(NamedTuple):
    x: int
    y: int


class Grid(Spec):
    """x and y count up to ``limit`` each (limit**2 states); the ``stop_after``-th step is interrupted."""

    name = "grid"
    variables = ("x", "y")

    def __init__(self, limit: int = 400, stop_after: int = 15_000) -> None:
        self.limit, self.stop_after, self.calls = limit, stop_after, 0
        super().__init__()

    def init_states(self) -> list[S]:
        return [S(0, 0)]

    @action(lambda self, s: [("x",), ("y",)])
    def Inc(self, s: S, v: str) -> S | None:
        self.calls += 1
        if self.calls == self.stop_after:
            raise KeyboardInterrupt  # as Ctrl-C arriving here
        if v == "x":
            return S(s.x + 1, s.y) if s.x < self.limit else None
        return S(s.x, s.y + 1) if s.y < self.limit else None

    @invariant
    def InRange(self, s: S) -> bool:
        return s.x <= self.limit and s.y <= self.limit

    def properties(self) -> dict[str, Temporal]:
        """Something for --liveness to explore the graph for (it is interrupted first)."""
        return {"Full": Eventually(lambda s: s.x == s.y == self.limit, "<>(x = y = limit)")}

    def bounds(self) -> dict[str, int]:
        return {"limit": self.limit, "stop_after": self.stop_after}
