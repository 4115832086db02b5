"""A message-sequence chart of a trace prefix, as Graphviz DOT (and SVG when ``dot`` is installed).

One column per node, one row per event, top to bottom in merged order; an arrow joins the
event that sent a message to each event that received it.  The failing event is red.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from modelcheck.audit.tracefile import Event
from modelcheck.output.dot import write_dot


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


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


def window_dot(shown: list[Event], start: int, nodes: list[int], failing: int | None = None) -> str:
    """DOT for the events ``shown``, the first being event ``start``, with a column per node of ``nodes``."""
    col = {n: i for i, n in enumerate(nodes)}
    out = [
        "digraph msc {",
        "  rankdir=TB; newrank=true; splines=false; nodesep=0.6; ranksep=0.25;",
        '  node [shape=box, fontsize=10, fontname="monospace", height=0.3];',
        '  edge [fontsize=9, fontname="monospace"];',
    ]
    out.append("  { rank=same; " + " ".join(f"h{col[n]} [label={_q(f'node {n}')}, style=bold];" for n in nodes) + " }")
    for i in range(len(nodes) - 1):
        out.append(f"  h{i} -> h{i + 1} [style=invis];")
    for r, e in enumerate(shown):
        cells = []
        for n in nodes:
            if n == e.node:
                red = start + r == failing
                label = (
                    f"{e.action}{'(' + ', '.join(f'{k}={v}' for k, v in e.params.items()) + ')' if e.params else ''}"
                )
                style = ", color=red, fontcolor=red, penwidth=2" if red else ""
                cells.append(f"e{r} [label={_q(label)}, tooltip={_q(e.where)}{style}];")
            else:
                cells.append(f'p{r}_{col[n]} [shape=point, width=0.02, label=""];')
        out.append("  { rank=same; " + " ".join(cells) + " }")
    # lifelines: chain each column's cells top to bottom
    for n in nodes:
        prev = f"h{col[n]}"
        for r, e in enumerate(shown):
            cur = f"e{r}" if e.node == n else f"p{r}_{col[n]}"
            out.append(f"  {prev} -> {cur} [arrowhead=none, color=gray80, weight=100];")
            prev = cur
    sent_by: dict[tuple[int, ...], int] = {}
    for r, e in enumerate(shown):
        if e.recv is not None:
            src = sent_by.get(tuple(e.recv["id"]))
            if src is not None:
                mtype = e.recv.get("type", "msg")
                out.append(f"  e{src} -> e{r} [label={_q(str(mtype))}, constraint=false, color=blue];")
        for m in e.sent:
            sent_by[tuple(m["id"])] = r
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
