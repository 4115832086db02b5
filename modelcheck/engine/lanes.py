"""A trace as swim lanes in plain text: one column per process, each step in its actor's column.

The lanes and the actor of each step are the message-sequence chart's (the spec's
``msc_nodes``/``msc_event``), so the text and the picture agree. A step's cell holds its
action with compact parameters, then what it receives (``<-``) and sends (``->``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from modelcheck.engine.explain import compact
from modelcheck.engine.result import Step
from spec.core import MscEvent, Spec


def lane_order(spec: Spec, events: Sequence[MscEvent]) -> list[str]:
    """The declared lifelines that act, in their order, then any other actor in order of appearance."""
    nodes = list(spec.msc_nodes())
    for ev in events:
        if ev.node not in nodes:
            nodes.append(ev.node)
    used = {ev.node for ev in events}
    return [n for n in nodes if n in used]


def _cell(spec: Spec, step: Step, ev: MscEvent) -> list[str]:
    label = step.label
    assert label is not None
    shown = {k: compact(v) for k, v in spec.params_json(label).items()}
    # the lane already names the actor; a long value (a whole message) is cut: the full trace has it
    args = [
        f"{k}={v if len(v) <= 20 else v[:19] + '~'}" for k, v in shown.items() if ev.node not in (v, f"{k}={v}")
    ]
    act = f"{label.name}(" + ", ".join(args) + ")"
    return [act] + [f"<- {m}" for m in ev.received] + [f"-> {m}" for m in ev.sent]


def format_lanes(spec: Spec, trace: Sequence[Step], width: int = 30, violated: str | None = None) -> str:
    """The trace in columns, one per process; the initial state is named, later rows are steps."""
    events = [spec.msc_event(trace[i - 1].state, trace[i].label, trace[i].state)  # type: ignore[arg-type]
              for i in range(1, len(trace))]  # (a step after the first has a label)
    lanes = lane_order(spec, events)
    col = {n: i for i, n in enumerate(lanes)}
    sep = " | "
    out = ["step  " + sep.join(n.center(width) for n in lanes), "-" * (6 + len(lanes) * (width + len(sep)) - 3)]
    out.append("  1.  Initial state")
    for r, ev in enumerate(events, 2):
        wrapped = [ln for piece in _cell(spec, trace[r - 1], ev) for ln in textwrap.wrap(piece, width) or [""]]
        for k, text in enumerate(wrapped):
            cells = ["".ljust(width)] * len(lanes)
            cells[col[ev.node]] = text.ljust(width)
            out.append((f"{r:>3}.  " if k == 0 else " " * 6) + sep.join(cells).rstrip())
    if violated:
        out.append(f"      --> {violated}")
    return "\n".join(out)
