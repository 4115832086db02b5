"""Where a message-sequence chart's arrows go: straight, or bent around the steps they would cross.

A chart puts one lane per node and one row per step; each step is a dot on its node's lane. A straight
arrow from a send to a receipt several rows and lanes away can run exactly through the dots between
(Paxos's 1a from the first leader, received by the second acceptor three steps later, ran through the
second leader's and the first acceptor's steps), and the chart then reads as a chain of messages that
never happened. Such an arrow is drawn as a curve that keeps clear of every other dot. Both pictures
use this rule: the checker's DOT chart (:mod:`modelcheck.output.render`) and the explorer's page, each
with its own spacing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class Geometry(NamedTuple):
    """A chart's spacing, in its own units (points for DOT, pixels for the page)."""

    lane: float  # distance between two lanes
    row: float  # distance between two rows
    clear: float  # how far an arrow must stay from a dot it does not join


SAMPLES = 24
"""Points tested along a candidate curve."""

TRIES = (0.5, -0.5, 1.0, -1.0, 1.6, -1.6, 2.4, -2.4)
"""The bends tried, in rows: the control point's distance from the straight line's middle, either side."""


def _point(p0: tuple[float, float], q: tuple[float, float], p1: tuple[float, float], t: float) -> tuple[float, float]:
    """The quadratic Bezier curve from p0 to p1 with control point q, at t."""
    a, b, c = (1 - t) ** 2, 2 * t * (1 - t), t * t
    return a * p0[0] + b * q[0] + c * p1[0], a * p0[1] + b * q[1] + c * p1[1]


def control_point(p0: tuple[float, float], p1: tuple[float, float], bend: float) -> tuple[float, float]:
    """The control point ``bend`` units from the middle of p0-p1, on its left looking from p0 to p1
    (a negative bend: its right)."""
    dx, dy = p1[0] - p0[0], p1[1] - p0[1]
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    return (p0[0] + p1[0]) / 2 - dy / length * bend, (p0[1] + p1[1]) / 2 + dx / length * bend


def _clear(p0: tuple[float, float], q: tuple[float, float], p1: tuple[float, float],
           dots: Sequence[tuple[float, float]], clear: float) -> bool:
    """Whether the curve keeps ``clear`` away from every dot (its own ends excluded by the caller)."""
    for k in range(1, SAMPLES):
        x, y = _point(p0, q, p1, k / SAMPLES)
        for dx, dy in dots:
            if (x - dx) ** 2 + (y - dy) ** 2 < clear * clear:
                return False
    return True


def arrow_bends(arrows: Sequence[tuple[int, int, int, int]], dots: Sequence[tuple[int, int]],
                g: Geometry) -> list[float]:
    """For each arrow ``(lane, row, lane, row)`` from a send to its receipt, the bend to draw it with, in
    ``g``'s units: 0 for a straight line, else the offset of a quadratic curve's control point (see
    :func:`control_point`). ``dots`` are the steps' ``(lane, row)``. The least bend of :data:`TRIES` whose
    curve clears every dot in the rows it spans but its own two; the largest when none does."""
    out = []
    for c0, r0, c1, r1 in arrows:
        p0, p1 = (c0 * g.lane, r0 * g.row), (c1 * g.lane, r1 * g.row)
        lo, hi = min(r0, r1), max(r0, r1)
        near = [(c * g.lane, r * g.row) for c, r in dots if lo <= r <= hi and (c, r) not in ((c0, r0), (c1, r1))]
        bend = 0.0
        if near and not _clear(p0, p0, p1, near, g.clear):  # (a control point on the line: the straight one)
            for t in TRIES:
                bend = t * g.row
                if _clear(p0, control_point(p0, p1, bend), p1, near, g.clear):
                    break
        out.append(bend)
    return out
