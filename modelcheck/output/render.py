"""Pictures of traces and state graphs as Graphviz DOT, and SVG when Graphviz's ``dot`` is installed.

* :func:`msc_dot`: a message-sequence chart, one lifeline per node (the spec's
  ``msc_event`` hook says who acts and what it sends and receives), arrows from each send
  to each receive, the violated property marked at the end.
* :func:`table_dot`: the trace's states as a table, one row per state, changed cells shaded.
* :func:`graph_dot`: a whole (small) state graph, a counterexample path in red.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from typing import Any

from modelcheck.engine.explain import compact
from modelcheck.engine.graph import BrokenStep, StateGraph
from modelcheck.engine.lanes import lane_order
from modelcheck.engine.result import Step, shown_state
from modelcheck.output.dot import quoted
from modelcheck.output.msc_layout import Geometry, arrow_bends, arrow_pos, control_point, line_pos, pt, toward
from spec.core import MscEvent, Spec


def pair_messages(events: Sequence[MscEvent]) -> list[tuple[str, int, int]]:
    """The chart's arrows, ``(message, row of its send, row of its receipt)``, rows numbering ``events`` from 1
    (the explorer's chart draws the same). A receipt of ``m`` takes the earliest send of ``m`` no receipt has
    taken yet (a FIFO channel's copies: the alternating-bit protocol sends ``ack 0`` again and again, and each
    receipt was drawn from the first), else the latest send before it (a message in a set is received by many:
    Paxos's 1a reaches each acceptor); one sent before the trace began gets no arrow."""
    sends: dict[str, list[int]] = {}
    unread: dict[str, list[int]] = {}
    arrows: list[tuple[str, int, int]] = []
    for r, ev in enumerate(events, 1):
        for m in ev.received:
            waiting = unread.get(m)
            if waiting:
                arrows.append((m, waiting.pop(0), r))
            elif sends.get(m):
                arrows.append((m, sends[m][-1], r))
        for m in ev.sent:
            sends.setdefault(m, []).append(r)
            unread.setdefault(m, []).append(r)
    return arrows


#: The explorer's chart spacing, in pixels (modelcheck/output/explore/static/app.js draws with these).
PAGE = Geometry(lane=110.0, row=26.0, clear=9.0)


def _bent_arrows(events: Sequence[MscEvent], arrows: list[tuple[str, int, int]], col: dict[Any, int],
                 g: Geometry) -> list[tuple[str, int, int, float]]:
    """The arrows of :func:`pair_messages`, each with the bend it is drawn with in a chart of spacing ``g`` whose
    lanes are ``col`` (:func:`modelcheck.output.msc_layout.arrow_bends`): ``(message, send's row, receipt's row,
    bend)``."""
    ends = [(col[events[sr - 1].node], sr, col[events[r - 1].node], r) for _, sr, r in arrows]
    bends = arrow_bends(ends, [(col[ev.node], r) for r, ev in enumerate(events, 1)], g)
    return [(m, sr, r, b) for (m, sr, r), b in zip(arrows, bends)]


def chart_arrows(spec: Spec, events: Sequence[MscEvent]) -> list[dict[str, Any]]:
    """The explorer's arrows: the message, its send's and receipt's steps (0-based) and the bend to draw it
    with on the page (the rule the DOT chart follows)."""
    col = {n: i for i, n in enumerate(lane_order(spec, events))}
    return [{"message": m, "from": sr - 1, "to": r - 1, "bend": b} for m, sr, r, b in
            _bent_arrows(events, pair_messages(events), col, PAGE)]


#: The DOT chart's spacing, in points: between lanes (at least), between rows (at least), a character of the
#: step column and of a lane's name (Helvetica 11, about), the radius of a step's dot.
LANE, ROW, CHAR, NAME_CHAR, DOT = 100.0, 40.0, 6.2, 7.0, 5.0


def _arrow_pos(p0: tuple[float, float], p1: tuple[float, float], q: tuple[float, float]) -> str:
    """An arrow from the dot at p0 to the dot at p1 along the curve through control point q (see arrow_pos)."""
    return arrow_pos(toward(p0, q, DOT), toward(p1, q, DOT), q)


def msc_dot(spec: Spec, trace: Sequence[Step], violated: str | None = None, loop_start: int | None = None,
            deadlock: bool = False) -> str:
    """The message-sequence chart of ``trace`` in DOT, laid out here (Graphviz's ``nop2`` layout draws it as
    given): the step column, a lane per node, a row per step, and each message's arrow straight or bent around
    the steps it would cross (:mod:`modelcheck.output.msc_layout`)."""
    events = [spec.msc_event(trace[i - 1].state, trace[i].label, trace[i].state)  # type: ignore[arg-type]
              for i in range(1, len(trace))]  # (a step after the first has a label)
    nodes = lane_order(spec, events) or list(spec.msc_nodes())[:1]  # the lanes' columns, as the explorer's
    col = {n: i for i, n in enumerate(nodes)}
    rows = len(events)
    arrows = pair_messages(events)
    heard = {(m, sr) for m, sr, _ in arrows}
    texts, shaded = [], []
    for r, ev in enumerate(events, 1):
        text = f"{r + 1}. {spec.show_label(trace[r].label)}"  # type: ignore[arg-type]
        unheard = [m for m in ev.sent if (m, r) not in heard]
        if unheard:  # sent but not received within the trace: named beside the step, no arrow
            text += "\nsends " + ", ".join(unheard)
        if loop_start is not None and r == loop_start + 1:  # the first step out of the loop's state
            text = "loop from here:\n" + text
        texts.append(text)
        shaded.append(loop_start is not None and r > loop_start)
    note = "deadlock: no step is enabled here" if deadlock else None  # (the pictures of one said nothing)
    if violated:
        note = f"{violated} is violated here" if loop_start is None else _lasso_note(violated, trace, loop_start)
    lines = max([t.count("\n") + 1 for t in texts], default=1)
    row = max(ROW, 14.0 * lines + 14)
    step_w = max([len(part) for t in [*texts, note or "", "step"] for part in t.split("\n")]) * CHAR + 24
    lane = max([LANE] + [len(n) * NAME_CHAR + 40 for n in nodes])
    bottom = rows + (2 if note else 1)  # the note's row, if any, then a margin

    def at(c: float, r: float) -> tuple[float, float]:  # Graphviz's y grows upward: row 0 (the names) on top
        return step_w + lane * (c + 0.5), (bottom - r) * row

    out = [
        "digraph msc {",
        '  graph [layout=nop2, splines=true, outputorder=edgesfirst, forcelabels=true, fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=9];',
        f'  step_h [shape=plaintext, label="step", pos="{pt((step_w / 2, bottom * row))}"];',
    ]
    for n in nodes:  # the names, and their lifelines down to an invisible end
        c = col[n]
        out.append(f'  h{c} [shape=box, style=filled, fillcolor="#e8eef7", label={quoted(n)}, pos="{pt(at(c, 0))}"];')
        out.append(f'  end{c} [shape=point, style=invis, pos="{pt(at(c, rows + 0.5))}"];')
        line = line_pos(at(c, 0), at(c, rows + 0.5))
        out.append(f'  h{c} -> end{c} [arrowhead=none, color="#9aa7b8", pos="{line}"];')
    for r, (ev, text, shade) in enumerate(zip(events, texts, shaded), 1):
        fill = ', style=filled, fillcolor="#fff3c4"' if shade else ""
        out.append(f'  s{r} [shape=plaintext, label={quoted(text)}{fill}, pos="{pt((step_w / 2, at(0, r)[1]))}"];')
        out.append(f'  p{col[ev.node]}_{r} [shape=circle, width=0.14, fixedsize=true, style=filled, fillcolor=black, '
                   f'label="", pos="{pt(at(col[ev.node], r))}"];')
    for m, sr, r, bend in _bent_arrows(events, arrows, col, Geometry(lane, row, DOT + 5)):
        c, cr = col[events[sr - 1].node], col[events[r - 1].node]
        p0, p1 = at(c, sr), at(cr, r)
        # (the layout's rows run down, Graphviz's y up: the same bend is on the other side, mirrored alike)
        q = control_point(p0, p1, -bend)
        out.append(f'  p{c}_{sr} -> p{cr}_{r} [xlabel={quoted(m)}, color="#2c6fbb", fontcolor="#2c6fbb", '
                   f'pos="{_arrow_pos(p0, p1, q)}"];')
    if note is not None:
        out.append(f'  s{rows + 1} [shape=box, style=filled, fillcolor="#f8d0d0", color="#c00000", '
                   f'fontcolor="#c00000", label={quoted(note)}, pos="{pt((step_w / 2, at(0, rows + 1)[1]))}"];')
    out.append("}")
    return "\n".join(out) + "\n"


def _lasso_note(violated: str, trace: Sequence[Step], loop_start: int) -> str:
    """What a liveness counterexample's picture says at its end: a temporal property is violated by the whole
    infinite behaviour, not in a state (the table said "violated in the last state", the chart "the loop
    repeats for ever" of a behaviour that stutters)."""
    if loop_start >= len(trace) - 1:
        return f"{violated}: the behaviour stutters for ever in the last state"
    return f"{violated}: the loop back to state {loop_start + 1} repeats for ever"


def _cell(text: str) -> str:
    """``text`` in an HTML-like label: escaped as HTML, and each backslash doubled, since Graphviz still reads
    ``\\E``, ``\\G``, ``\\N``, ``\\T``, ``\\H`` and ``\\L`` there as its own escapes (a property's ``\\E j \\in Proc``
    was drawn ``j \\in Proc``; ``&#92;E`` is decoded first and lost the same way)."""
    return html.escape(text).replace("\\", "\\\\")


def table_dot(spec: Spec, trace: Sequence[Step], violated: str | None = None, loop_start: int | None = None,
              deadlock: bool = False) -> str:
    """The trace's states as one table in DOT (an HTML-like label); changed cells are shaded."""
    shown = [shown_state(spec, st.state) for st in trace]
    variables = list(shown[0])
    head = "".join(f'<TD BGCOLOR="#e8eef7"><B>{_cell(v)}</B></TD>' for v in variables)
    rows = [f'<TR><TD BGCOLOR="#e8eef7"><B>#</B></TD><TD BGCOLOR="#e8eef7"><B>action</B></TD>{head}</TR>']
    for i, (st, cur) in enumerate(zip(trace, shown)):
        prev = shown[i - 1] if i else None
        action = "Init" if st.label is None else spec.show_label(st.label)
        mark = " (loop)" if loop_start is not None and i == loop_start else ""
        cells = []
        for v in variables:
            val = cur[v]
            changed = prev is not None and prev[v] != val
            if isinstance(val, list) and prev is not None:
                added = [x for x in val if x not in prev[v]]
                text = ("+ " + ", ".join(compact(x) for x in added)) if added else "(same)"
            else:
                text = compact(val)
            color = ' BGCOLOR="#fff3c4"' if changed else ""
            cells.append(f"<TD{color}>{_cell(text)}</TD>")
        rows.append(f'<TR><TD>{i + 1}</TD><TD ALIGN="LEFT">{_cell(action + mark)}</TD>{"".join(cells)}</TR>')
    if violated or deadlock:
        span = len(variables) + 2
        note = "deadlock: no step is enabled in the last state" if not violated else \
            f"{violated} is violated in the last state" if loop_start is None else \
            _lasso_note(violated, trace, loop_start)
        rows.append(
            f'<TR><TD COLSPAN="{span}" BGCOLOR="#f8d0d0"><FONT COLOR="#c00000">{_cell(note)}</FONT></TD></TR>'
        )
    label = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">' + "".join(rows) + "</TABLE>"
    return (
        f'digraph trace {{\n  node [shape=plaintext, fontname="Helvetica", fontsize=10];\n  t [label=<{label}>];\n}}\n'
    )


def state_text(spec: Spec, state: Any, width: int = 48) -> str:
    """A state as a few short lines (variables in order), for graph nodes: broken at spaces, so that a value
    such as ``<<req(1)>>`` is not cut in two (a token longer than a line is still cut)."""
    lines = []
    for k, v in shown_state(spec, state).items():
        lines.extend(textwrap.wrap(f"{k} = {compact(v)}", width, break_on_hyphens=False, replace_whitespace=False))
    return "\n".join(lines)


def graph_dot(g: StateGraph, path: Sequence[int] = (), bad: int | None = None,
              broken: BrokenStep | None = None) -> str:
    """The state graph in DOT; the edges along ``path`` and the state ``bad`` are drawn in red, and so are the
    path to the step ``broken`` that breaks an action invariant and that step, marked with the invariant's name
    (to a dashed box where it leaves the constraint)."""
    assert g.states is not None, "explore(..., keep_states=True) for pictures"
    spec = g.spec
    step_path = [i for i, _ in g.path_to(broken.source)] if broken is not None else []
    on_path = set(zip(path, path[1:])) | set(zip(step_path, step_path[1:]))
    marked = set(path) | set(step_path)
    out = [
        "digraph states {",
        # nslimit bounds dot's network-simplex passes placing nodes across (4 per node): unbounded, a 178-state graph
        # with 560 labelled edges and cycles (tests/user_specs/ewd687a.py --bound 2) took 86 CPU s and ran past
        # DOT_SECONDS on a loaded machine, picture skipped; bounded, 8 s. Small graphs converge well within it (the
        # 49-state Paxos graph is the same picture, pixel for pixel), Paxos's 1,681 states take half the time.
        '  graph [rankdir=TB, nslimit=4, fontname="Helvetica"];',
        '  node [shape=box, fontname="Helvetica", fontsize=8, style=rounded];',
        '  edge [fontname="Helvetica", fontsize=7, color="#888888"];',
    ]
    inits = set(g.inits)
    for i, s in enumerate(g.states):
        style = []
        if i in inits:
            style.append('penwidth=2, color="#2c6fbb"')
        if i == bad:
            style.append('style="rounded,filled", fillcolor="#f8d0d0", color="#c00000", penwidth=2')
        elif i in marked:
            style.append('style="rounded,filled", fillcolor="#fde8e8"')
        out.append(
            f"  n{i} [label={quoted(f'#{i}' + chr(10) + state_text(spec, s))}{', ' if style else ''}"
            f"{', '.join(style)}];"
        )
    red = ', color="#c00000", fontcolor="#c00000", penwidth=2.2'
    for i in range(len(g)):
        for j, lid in g.edges(i):
            if broken is not None and (i, j, g.labels[lid]) == (broken.source, broken.target, broken.label):
                continue  # drawn below, marked
            lab = spec.show_label(g.labels[lid])
            extra = red if (i, j) in on_path else ""
            out.append(f"  n{i} -> n{j} [label={quoted(lab)}{extra}];")
    if broken is not None:
        target = f"n{broken.target}"
        if broken.target < 0:
            target = "cut"
            text = "outside the constraint" + chr(10) + state_text(spec, broken.state)
            out.append(f'  cut [label={quoted(text)}, style="rounded,dashed", color="#c00000"];')
        lab = f"{spec.show_label(broken.label)}{chr(10)}breaks {broken.invariant}"
        out.append(f'  n{broken.source} -> {target} [label={quoted(lab)}, color="#c00000", fontcolor="#c00000", '
                   'style=bold, penwidth=3];')
    out.append("}")
    return "\n".join(out) + "\n"


