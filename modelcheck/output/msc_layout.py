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

import math
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


Point = tuple[float, float]


def curve_point(p0: Point, q: Point, p1: Point, t: float) -> Point:
    """The quadratic Bezier curve from p0 to p1 with control point q, at t."""
    a, b, c = (1 - t) ** 2, 2 * t * (1 - t), t * t
    return a * p0[0] + b * q[0] + c * p1[0], a * p0[1] + b * q[1] + c * p1[1]


def control_point(p0: Point, p1: Point, bend: float) -> Point:
    """The control point ``bend`` units from the middle of p0-p1, on its left looking from p0 to p1
    (a negative bend: its right)."""
    dx, dy = p1[0] - p0[0], p1[1] - p0[1]
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    return (p0[0] + p1[0]) / 2 - dy / length * bend, (p0[1] + p1[1]) / 2 + dx / length * bend


#: the dots of a chart by row: row -> [(lane, x, y, half width)]
Rows = dict[int, list[tuple[int, float, float, float]]]


def _clear(p0: Point, q: Point, p1: Point, rows: Rows, g: Geometry, lo: int, hi: int,
           ends: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    """Whether the curve keeps ``g.clear`` away from every dot (a box is a dot as wide as it) in rows ``lo..hi``
    but the arrow's own ``ends``. Each point tested is compared with the dots of the rows within ``clear`` of it
    (a few rows, a superset of those it can come near: none further has ``(y - dy)**2 < clear**2``), not with
    every dot of the rows the arrow spans: a window of messages in flight across many rows was quadratic."""
    clear, row = g.clear, g.row
    reach = clear / abs(row) + 1 if row else 0.0  # (rows either side of a point's own to look at; +1: rounding)
    for k in range(1, SAMPLES):
        x, y = curve_point(p0, q, p1, k / SAMPLES)
        if row:
            mid = y / row
            first, last = max(lo, math.floor(mid - reach)), min(hi, math.ceil(mid + reach))
        else:  # (every row at one height)
            first, last = lo, hi
        for r in range(first, last + 1):
            for c, dx, dy, half in rows.get(r, ()):
                if (c, r) in ends:
                    continue
                off = max(0.0, abs(x - dx) - half)
                if off * off + (y - dy) ** 2 < clear * clear:
                    return False
    return True


def arrow_bends(arrows: Sequence[tuple[int, int, int, int]], dots: Sequence[tuple[int, int]],
                g: Geometry, halves: Sequence[float] | None = None) -> list[float]:
    """For each arrow ``(lane, row, lane, row)`` from a send to its receipt, the bend to draw it with, in
    ``g``'s units: 0 for a straight line, else the offset of a quadratic curve's control point (see
    :func:`control_point`). ``dots`` are the steps' ``(lane, row)``, ``halves`` their half widths (boxes; none:
    points). The least bend of :data:`TRIES` whose curve clears every dot in the rows it spans but its own two;
    the largest when none does."""
    widths = halves if halves is not None else [0.0] * len(dots)
    rows: Rows = {}
    for (c, r), w in zip(dots, widths):
        rows.setdefault(r, []).append((c, c * g.lane, r * g.row, w))
    out = []
    for c0, r0, c1, r1 in arrows:
        p0, p1 = (c0 * g.lane, r0 * g.row), (c1 * g.lane, r1 * g.row)
        span = (min(r0, r1), max(r0, r1), ((c0, r0), (c1, r1)))
        bend = 0.0
        if not _clear(p0, p0, p1, rows, g, *span):  # (a control point on the line: the straight one)
            for t in TRIES:
                bend = t * g.row
                if _clear(p0, control_point(p0, p1, bend), p1, rows, g, *span):
                    break
        out.append(bend)
    return out


# -- DOT's pos attributes (Graphviz's y grows upward; the callers flip their rows) --------------------------------

HEAD = 9.0
"""An arrowhead's length, in points."""


def pt(p: Point) -> str:
    """A point as DOT's ``pos`` writes it."""
    return f"{p[0]:.1f},{p[1]:.1f}"


def toward(p: Point, q: Point, d: float) -> Point:
    """The point ``d`` from p toward q."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    n = (dx * dx + dy * dy) ** 0.5 or 1.0
    return p[0] + dx / n * d, p[1] + dy / n * d


def rim(p: Point, q: Point, half_w: float, half_h: float) -> Point:
    """Where the ray from the centre p of a box ``2 half_w`` by ``2 half_h`` toward q leaves the box."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    t = min(half_w / abs(dx) if dx else float("inf"), half_h / abs(dy) if dy else float("inf"))
    return (p[0] + dx * t, p[1] + dy * t) if t != float("inf") else p


def line_pos(p0: Point, p1: Point) -> str:
    """DOT's ``pos`` of a straight line without an arrowhead (a lifeline)."""
    return f"{pt(p0)} {pt(p0)} {pt(p1)} {pt(p1)}"


def arrow_pos(start: Point, tip: Point, q: Point) -> str:
    """DOT's ``pos`` of an arrow from ``start`` to its head's ``tip`` along the quadratic curve with control point
    q (the middle for a straight one): a cubic spline from start to the head's base, then the head."""
    base = toward(tip, q, HEAD)
    c1 = (start[0] + 2 / 3 * (q[0] - start[0]), start[1] + 2 / 3 * (q[1] - start[1]))
    c2 = (base[0] + 2 / 3 * (q[0] - base[0]), base[1] + 2 / 3 * (q[1] - base[1]))
    return f"e,{pt(tip)} {pt(start)} {pt(c1)} {pt(c2)} {pt(base)}"
