"""An HTML page showing a history on a time line with its longest linearizable prefix (as Porcupine's).

One section per partition, failing ones first.  Each client is a row; each operation a bar
from its call to its return (a bar running off the right edge never returned).  Operations
in the longest linearizable prefix are green and numbered in linearization order, the
operation the prefix could not be extended to is red, the rest are grey.  Hovering a bar
shows the operation, its interval and the model state after it.  Time is drawn by rank
(every distinct call or return instant one column), so short operations stay readable.
"""

from __future__ import annotations

import html
from pathlib import Path

from modelcheck.linearizability.checker import ILLEGAL, LinearizabilityResult, PartitionResult
from modelcheck.linearizability.model import Model

_COL, _ROW, _LEFT, _TOP = 28, 34, 90, 30

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.ok { color: #1a7f37; } .bad { color: #c62828; }
svg text { font: 12px monospace; }
.lin rect { fill: #c8e6c9; stroke: #1a7f37; } .blk rect { fill: #ffcdd2; stroke: #c62828; stroke-width: 2; }
.rest rect { fill: #eeeeee; stroke: #9e9e9e; } .open rect { stroke-dasharray: 4 3; }
ol { font-family: monospace; } .legend span { padding: 2px 8px; margin-right: 8px; border: 1px solid #999; }
"""


def _bars(model: Model, part: PartitionResult) -> str:
    ops = part.ops
    times = sorted({op.call for op in ops} | {op.ret for op in ops if op.ret is not None})
    rank = {t: i for i, t in enumerate(times)}
    right = _LEFT + (len(times) + 1) * _COL
    clients = sorted({op.client for op in ops})
    row = {c: i for i, c in enumerate(clients)}
    order = {i: n for n, i in enumerate(part.linearization, 1)}
    states: dict[int, str] = {}
    state = model.init()
    for i in part.linearization:
        _, state = model.step(state, ops[i].input, ops[i].output)
        states[i] = model.describe_state(state)
    out = [f'<svg width="{right + 20}" height="{_TOP + len(clients) * _ROW + 10}">']
    for c in clients:
        y = _TOP + row[c] * _ROW
        out.append(f'<text x="4" y="{y + 18}">client {html.escape(str(c))}</text>')
        out.append(f'<line x1="{_LEFT}" y1="{y + 13}" x2="{right}" y2="{y + 13}" stroke="#ddd"/>')
    for i, op in enumerate(ops):
        x1 = _LEFT + rank[op.call] * _COL
        x2 = right if op.ret is None else _LEFT + rank[op.ret] * _COL + _COL - 4
        y = _TOP + row[op.client] * _ROW
        cls = "lin" if i in order else "blk" if i == part.blocked else "rest"
        if op.ret is None:
            cls += " open"
        text = model.describe_operation(op.input, op.output)
        tip = f"{text}\ncalled {op.call:g}, returned {'never' if op.ret is None else format(op.ret, 'g')}"
        if i in order:
            tip += f"\nlinearized #{order[i]}; state after: {states[i]}"
        elif i == part.blocked:
            tip += "\ncannot be linearized after the prefix"
        label = (f"#{order[i]} " if i in order else "") + text
        out.append(
            f'<g class="{cls}"><title>{html.escape(tip)}</title>'
            f'<rect x="{x1}" y="{y}" width="{max(x2 - x1, 8)}" height="26" rx="4"/>'
            f'<text x="{x1 + 4}" y="{y + 17}">{html.escape(label)}</text></g>'
        )
    out.append("</svg>")
    return "\n".join(out)


def render_html(result: LinearizabilityResult, title: str = "Linearizability check") -> str:
    """The whole page as a string."""
    model = result.model
    verdict = result.verdict
    parts = sorted(result.partitions, key=lambda p: p.verdict != ILLEGAL)
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>Model <b>{html.escape(model.name)}</b>, {sum(len(p.ops) for p in parts)} operations in "
        f'{len(parts)} partitions: <b class="{"ok" if verdict == "ok" else "bad"}">{verdict}</b>'
        + (f" ({len(result.failing())} partitions not linearizable)" if verdict == ILLEGAL else "")
        + "</p>",
        '<p class="legend"><span style="background:#c8e6c9">linearized (#order)</span>'
        '<span style="background:#ffcdd2">cannot be linearized next</span>'
        '<span style="background:#eee">not reached</span> dashed: never returned</p>',
    ]
    for p in parts:
        status = "linearizable" if p.verdict == "ok" else "NOT linearizable" if p.verdict == ILLEGAL else "unknown"
        body.append(
            f'<h2>{html.escape(p.name)}: <span class="{"ok" if p.verdict == "ok" else "bad"}">{status}</span>, '
            f"longest linearizable prefix {len(p.linearization)} of {len(p.ops)}</h2>"
        )
        body.append(_bars(model, p))
        if p.verdict == ILLEGAL:
            lin = [p.ops[i] for i in p.linearization]
            shown = [(op.client, model.describe_operation(op.input, op.output)) for op in lin]
            items = "".join(f"<li>client {c}: {html.escape(t)}</li>" for c, t in shown)
            body.append(f"<ol>{items}</ol>")
            if p.blocked is not None:
                op = p.ops[p.blocked]
                body.append(
                    f'<p class="bad">Then client {op.client}: '
                    f"{html.escape(model.describe_operation(op.input, op.output))} cannot be linearized.</p>"
                )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )


def write_html(result: LinearizabilityResult, path: str | Path, title: str = "Linearizability check") -> Path:
    """Write the page; returns its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result, title))
    return path
