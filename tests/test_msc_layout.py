"""The chart layout's arrows (modelcheck/output/msc_layout.py) give the same bends as the first algorithm, which
compared every arrow with every dot of the rows it spans: a window of messages in flight across many rows was
quadratic (hostile7: 1.7 CPU s at 1,200 events, 6.0 at 2,400). Each point of a curve is now compared with the
dots of the few rows within ``clear`` of it. The charts' bytes are the first algorithm's: on random layouts, on
the checker's, the audit's and the explorer's charts, and on hostile7's window of messages in flight."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from modelcheck.output import msc_layout
from modelcheck.output.msc_layout import SAMPLES, TRIES, Geometry, control_point, curve_point


def _reference_clear(p0, q, p1, dots, clear):  # noqa: ANN001, ANN202  (the first algorithm, as it was)
    for k in range(1, SAMPLES):
        x, y = curve_point(p0, q, p1, k / SAMPLES)
        for dx, dy, half in dots:
            off = max(0.0, abs(x - dx) - half)
            if off * off + (y - dy) ** 2 < clear * clear:
                return False
    return True


def reference_bends(arrows: Sequence[tuple[int, int, int, int]], dots: Sequence[tuple[int, int]], g: Geometry,
                    halves: Sequence[float] | None = None) -> list[float]:
    """arrow_bends as first written: every arrow against every dot of the rows it spans."""
    out = []
    widths = halves if halves is not None else [0.0] * len(dots)
    for c0, r0, c1, r1 in arrows:
        p0, p1 = (c0 * g.lane, r0 * g.row), (c1 * g.lane, r1 * g.row)
        lo, hi = min(r0, r1), max(r0, r1)
        near = [(c * g.lane, r * g.row, w) for (c, r), w in zip(dots, widths)
                if lo <= r <= hi and (c, r) not in ((c0, r0), (c1, r1))]
        bend = 0.0
        if near and not _reference_clear(p0, p0, p1, near, g.clear):
            for t in TRIES:
                bend = t * g.row
                if _reference_clear(p0, control_point(p0, p1, bend), p1, near, g.clear):
                    break
        out.append(bend)
    return out


def test_random_layouts_bend_as_the_first_algorithm_bent() -> None:
    """Lanes, rows (one dot or two a row), boxes of any width, clearances below and above a row's height, rows
    running up (a negative row), arrows between any two dots."""
    rng = random.Random(8)
    bent = 0
    for _ in range(600):
        lanes, rows = rng.randint(1, 6), rng.randint(1, 40)
        dots = [(rng.randrange(lanes), r) for r in range(1, rows + 1) for _ in range(rng.choice((1, 1, 2)))]
        halves = [rng.choice((0.0, rng.uniform(0, 80))) for _ in dots] if rng.random() < 0.5 else None
        arrows = [(*rng.choice(dots), *rng.choice(dots)) for _ in range(rng.randint(0, 30))]
        g = Geometry(lane=rng.choice((110.0, rng.uniform(5, 200))), row=rng.choice((26.0, -30.0, rng.uniform(3, 60))),
                     clear=rng.choice((9.0, rng.uniform(1, 120))))
        want = reference_bends(arrows, dots, g, halves)
        assert msc_layout.arrow_bends(arrows, dots, g, halves) == want
        bent += sum(b != 0 for b in want)
    assert bent > 1000  # (the layouts bend: the comparison is not of straight lines only)


def _in_flight(n: int) -> list:
    """hostile7's generator: node 1 sends n messages while node 2 is busy, then node 3 receives them all."""
    from modelcheck.audit.tracefile import Event

    events, c = [], 0
    for i in range(n):
        c += 1
        events.append(Event("f", i + 1, 1, 0, c, "Send", {}, None, [{"id": [1, 0, i], "type": "m"}], {}))
        c += 1
        events.append(Event("h", i + 1, 2, 0, c, "Busy", {}, None, [], {}))
    for i in range(n):
        c += 1
        events.append(Event("g", i + 1, 3, 0, c, "Recv", {}, {"id": [1, 0, i], "type": "m"}, [], {}))
    return events


def _charts(tmp_path: Path) -> list[str]:
    """The charts the tests draw: the checker's DOT chart and the explorer's arrows of a Paxos counterexample,
    the audit's charts of a Paxos and a Raft trace (whole, and a failing one's window), hostile7's window."""
    from impl.paxos.sim import simulate
    from modelcheck import check
    from modelcheck.audit import read_traces
    from modelcheck.audit.msc import msc_dot, window_dot
    from modelcheck.audit.raft_sim import write_traces
    from modelcheck.harness import audit_raft_run
    from modelcheck.output.explore.session import Session, path_text
    from modelcheck.output.render import msc_dot as checker_msc
    from spec.registry import build

    out = []
    for variant in ("ignore-votes", "accept-below-promise"):
        r = check(build("paxos", variant))
        out.append(checker_msc(r.spec, r.trace, r.violated))
        out.append(repr(Session(r.spec).view(path_text([s.label for s in r.trace[1:]]))["arrows"]))
    for seed in range(3):
        events, _ = read_traces(simulate(seed, proposers=2 + seed % 2, rounds=2).write(tmp_path / f"p{seed}"))
        out.append(msc_dot(events, None, last=len(events)))
        out.append(msc_dot(events, len(events) // 2, last=20))
    cluster, _ = audit_raft_run(1, 300, online=False)
    events, _ = read_traces(write_traces(cluster.trace, tmp_path / "raft"))
    out.append(msc_dot(events, None, last=120))
    out.append(window_dot(_in_flight(150), 0, [1, 2, 3]))
    return out


def test_the_charts_are_the_first_algorithms_byte_for_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import modelcheck.audit.msc as audit_msc
    import modelcheck.output.render as render

    drawn = _charts(tmp_path)
    for module in (audit_msc, render):
        monkeypatch.setattr(module, "arrow_bends", reference_bends)
    assert drawn == _charts(tmp_path)  # (the same files written again: their names are in the tooltips)
    assert sum(chart.count(" -> e") for chart in drawn) > 300


class _CountedDots(list):
    """The dots, counting how often they are read through."""

    reads = 0

    def __iter__(self):  # noqa: ANN204
        type(self).reads += 1
        return super().__iter__()


def test_the_dots_are_read_once_not_once_per_arrow() -> None:
    """hostile7's window of 300 messages in flight: the first algorithm read every dot for each of the 300 arrows
    (then compared each curve point with those of the rows the arrow spans: about 450 each); now the dots are
    indexed by row once, and a point is compared with a few rows' dots."""
    n = 300
    dots = _CountedDots([(0, 2 * i + 1) for i in range(n)] + [(1, 2 * i + 2) for i in range(n)]
                        + [(2, 2 * n + i + 1) for i in range(n)])
    arrows = [(0, 2 * i + 1, 2, 2 * n + i + 1) for i in range(n)]
    g = Geometry(lane=154.0, row=36.0, clear=14.0)
    bends = msc_layout.arrow_bends(arrows, dots, g)
    assert _CountedDots.reads == 1
    assert bends == reference_bends(arrows, list(dots), g) and sum(b != 0 for b in bends) > n // 2
