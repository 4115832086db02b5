"""A progress line on stderr every few seconds of a long run, and nothing on short ones."""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, ClassVar, TextIO

if TYPE_CHECKING:
    from modelcheck.engine.result import Result


class Progress:
    """Prints ``distinct / generated / depth / queue / rate`` lines at most every ``every`` seconds.

    Each tick's figures are kept (``figures``), and the newest Progress is ``Progress.latest``, so
    an interrupted run can still say how far it got; ``silent`` keeps the figures without printing.
    """

    latest: ClassVar[Progress | None] = None

    def __init__(self, label: str, every: float | None = None, stream: TextIO | None = None,
                 silent: bool = False) -> None:
        self.label = label
        if every is None:  # $PAXRAFT_PROGRESS_SECONDS, else 5
            every = float(os.environ.get("PAXRAFT_PROGRESS_SECONDS") or 5.0)
        self.every = float("inf") if silent else every
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.last = self.start
        self.printed = False
        self.figures: tuple[int, int, int, int, float] | None = None  # distinct, generated, depth, queued, seconds
        self.where = ""  # what the figures cover besides the counts (a simulation's walk), for an interrupted run
        Progress.latest = self

    def tick(self, distinct: int, generated: int, depth: int, queued: int, where: str = "") -> None:
        """Record the figures; maybe print a line (cheap when it is not yet time)."""
        now = time.monotonic()
        self.figures = (distinct, generated, depth, queued, now - self.start)
        self.where = where
        if now - self.last < self.every:
            return
        self.last = now
        rate = distinct / max(now - self.start, 1e-9)
        print(
            f"[{self.label}] {now - self.start:7.1f}s  {distinct:>11,} distinct  {generated:>12,} generated  "
            f"depth {depth:>3}  queue {queued:>9,}  {rate:,.0f} states/s",
            file=self.stream,
            flush=True,
        )
        self.printed = True

    def done(self, result: Result) -> None:
        """Close a run that printed progress with its final line."""
        if self.printed:
            print(
                f"[{self.label}] done: {result.distinct_states:,} distinct states in {result.seconds:.1f}s",
                file=self.stream,
                flush=True,
            )
