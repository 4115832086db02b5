"""A from-scratch spec whose action raises KeyboardInterrupt at its N-th call: Ctrl-C at a known point of a run.

tests/test_cli_errors.py runs every check mode on it and expects exit 130 with the figures so far.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from spec.core import Eventually, Spec, Temporal, action, action_invariant, invariant


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


class Line(NamedTuple):
    x: int


class Blocks(Spec):
    """x counts up to 1,000; the step from x = ``at`` waits, as a slow action (``slow='action'``) or a slow action
    invariant (``slow='step'``) would, until a real Ctrl-C: it writes a line to the pipe ``pipes``/ready (the test
    waits for it), then opens the pipe ``pipes``/hold, which no one ever writes. A file as the trigger, never a
    sleep: the test signals once the spec waits, on any machine."""

    name = "blocks"
    variables = ("x",)

    def __init__(self, at: int = 200, pipes: str = "", slow: str = "action") -> None:
        self.at, self.pipes, self.slow = at, pipes, slow
        super().__init__()

    def init_states(self) -> list[Line]:
        return [Line(0)]

    def wait_at(self, s: Line, here: str) -> None:
        if s.x == self.at and self.pipes and self.slow == here:
            with open(Path(self.pipes) / "ready", "w") as ready:
                ready.write("waiting\n")
            with open(Path(self.pipes) / "hold") as hold:  # blocks: no writer, ever
                hold.read()

    @action()
    def Inc(self, s: Line) -> Line | None:
        self.wait_at(s, "action")
        return Line(s.x + 1) if s.x < 1_000 else None

    @action_invariant
    def Up(self, s: Line, t: Line) -> bool:
        self.wait_at(s, "step")
        return t.x > s.x
