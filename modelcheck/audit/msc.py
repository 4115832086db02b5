"""A message-sequence chart of a trace prefix, as Graphviz DOT (and SVG when ``dot`` is installed).

One column per node, one row per event, top to bottom in merged order; an arrow joins the
event that sent a message to each event that received it.  The failing event is red.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from modelcheck.audit.tracefile import Event
from modelcheck.output.dot import quoted, write_dot
from modelcheck.output.msc_layout import (
    Geometry,
    arrow_bends,
    arrow_pos,
    control_point,
    curve_point,
    line_pos,
    pt,
    rim,
)


def msc_window(events: Sequence[Event] | int, failing: int | None, window: int = 40,
               first: int | None = None) -> tuple[int, int]:
    """The events drawn, ``[start, end)``: ``window`` events from index ``first``, or the last ``window``
    up to and including ``failing`` (the end of the trace when it is explained); ``events``: the events or
    their number."""
    count = events if isinstance(events, int) else len(events)
    end = count if failing is None else failing + 1
    if first is None:
        return max(0, end - window), end
    return first, min(count, first + window)


def window_of(events: Iterable[Event], start: int, end: int) -> tuple[list[Event], list[int]]:
    """Events ``[start, end)`` of a trace read in order (a stream, read again: nothing else kept) and the nodes
    of its events up to ``end``: what :func:`msc_dot` draws."""
    shown: list[Event] = []
    nodes: set[int] = set()
    for k, e in enumerate(events):
        if k >= end:
            break
        nodes.add(e.node)
        if k >= start:
            shown.append(e)
    return shown, sorted(nodes)


def msc_dot(events: Sequence[Event], failing: int | None = None, last: int = 40, first: int | None = None) -> str:
    """DOT for the window of :func:`msc_window` (``failing``: an index into ``events``, drawn red)."""
    start, end = msc_window(events, failing, last, first)
    return window_dot(list(events[start:end]), start, sorted({e.node for e in events[:end]}), failing)


#: The audit chart's spacing, in points: a character of a label (monospace 10), a box's half height, between rows.
CHAR, HALF_H, ROW = 6.0, 11.0, 36.0


def _label(e: Event) -> str:
    return f"{e.action}{'(' + ', '.join(f'{k}={v}' for k, v in e.params.items()) + ')' if e.params else ''}"


def window_dot(shown: list[Event], start: int, nodes: list[int], failing: int | None = None) -> str:
    """DOT for the events ``shown``, the first being event ``start``, with a column per node of ``nodes``: laid out
    here for Graphviz's ``nop2`` layout, each message's arrow straight or bent around the events it would cross
    (:mod:`modelcheck.output.msc_layout`, the rule of the checker's chart)."""
    col = {n: i for i, n in enumerate(nodes)}
    labels = [_label(e) for e in shown]
    halves = [len(s) * CHAR / 2 + 8 for s in labels]
    lane = max([120.0] + [2 * h + 30 for h in halves] + [len(f"node {n}") * CHAR + 40 for n in nodes])
    bottom = len(shown) + 1

    def at(c: float, r: float) -> tuple[float, float]:  # row 0 the names; Graphviz's y grows upward
        return lane * (c + 0.5), (bottom - r) * ROW

    out = [
        "digraph msc {",
        "  graph [layout=nop2, splines=true, outputorder=edgesfirst];",
        '  node [shape=box, fontsize=10, fontname="monospace", height=0.3];',
        '  edge [fontsize=9, fontname="monospace"];',
    ]
    for n in nodes:
        c = col[n]
        out.append(f'  h{c} [label={quoted(f"node {n}")}, style=bold, pos="{pt(at(c, 0))}"];')
        out.append(f'  end{c} [shape=none, label="", width=0, height=0, pos="{pt(at(c, len(shown) + 0.5))}"];')
        life = line_pos(at(c, 0), at(c, len(shown) + 0.5))
        out.append(f'  h{c} -> end{c} [arrowhead=none, color=gray80, pos="{life}"];')
    for r, (e, label) in enumerate(zip(shown, labels)):
        for n in nodes:
            if n == e.node:
                red = start + r == failing
                style = ", color=red, fontcolor=red, penwidth=2" if red else ""
                out.append(f'  e{r} [label={quoted(label)}, tooltip={quoted(e.where)}{style}, '
                           f'pos="{pt(at(col[n], r + 1))}"];')
            else:
                out.append(f'  p{r}_{col[n]} [shape=point, width=0.02, label="", pos="{pt(at(col[n], r + 1))}"];')
    arrows: list[tuple[int, int, str]] = []  # (sending row, receiving row, message type)
    sent_by: dict[tuple[int, ...], int] = {}
    for r, e in enumerate(shown):
        if e.recv is not None:
            src = sent_by.get(tuple(e.recv["id"]))
            if src is not None:
                arrows.append((src, r, str(e.recv.get("type", "msg"))))
        for m in e.sent:
            sent_by[tuple(m["id"])] = r
    ends = [(col[shown[a].node], a + 1, col[shown[b].node], b + 1) for a, b, _ in arrows]
    dots = [(col[e.node], r + 1) for r, e in enumerate(shown)]
    bends = arrow_bends(ends, dots, Geometry(lane, ROW, HALF_H + 3), halves)  # (clear of a box: its half height)
    for (a, b, mtype), bend in zip(arrows, bends):
        p0, p1 = at(col[shown[a].node], a + 1), at(col[shown[b].node], b + 1)
        q = control_point(p0, p1, -bend)  # (rows run down, Graphviz's y up: the bend mirrored alike)
        start_at, tip = rim(p0, q, halves[a], HALF_H), rim(p1, q, halves[b], HALF_H)
        x, y = curve_point(start_at, q, tip, 0.5)
        mid = (x, y + 7)  # (the label just above the curve's middle)
        out.append(f'  e{a} -> e{b} [label={quoted(mtype)}, color=blue, fontcolor=blue, lp="{pt(mid)}", '
                   f'pos="{arrow_pos(start_at, tip, q)}"];')
    out.append("}")
    return "\n".join(out) + "\n"


def write_msc(events: Sequence[Event] | Iterable[Event], path: str | Path, failing: int | None = None,
              window: int = 40, first: int | None = None, count: int | None = None) -> list[Path]:
    """Write ``path`` (DOT) and, when Graphviz's ``dot`` is installed, the SVG beside it; ``events`` may be a stream
    of ``count`` events, read again as far as the window."""
    if isinstance(events, Sequence):
        return write_dot(msc_dot(events, failing, window, first), path)
    start, end = msc_window(count or 0, failing, window, first)
    shown, nodes = window_of(events, start, end)
    return write_dot(window_dot(shown, start, nodes, failing), path)
