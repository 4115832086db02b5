"""A counterexample to induction as both proofs show it: text, a DOT picture, and ``paxraft prove``'s print loop.

Each protocol reads its Z3 model back into a :class:`CTI` (proofs/paxos/cti.py, proofs/raft/cti.py):
states as (variable, readable value) rows, the step between them, the goals it breaks.  How a CTI is
printed, framed in Graphviz (the two states side by side, changed rows shaded) and written is here,
once; a protocol only overrides what it shows differently (the key column's width, a value cell).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

import z3

from modelcheck.output.dot import write_dot
from proofs.evaluate import compile_formula, structure_of_model
from proofs.logic import COUNTEREXAMPLE, Outcome

S = TypeVar("S")  # a snapshot of one state


class Snapshot(Protocol):
    """One state of a CTI: (variable, readable value) rows, in display order."""

    @property
    def rows(self) -> list[tuple[str, str]]: ...


@dataclass
class Names:
    """Readable names for the elements of a model's universes."""

    of: dict[str, str] = field(default_factory=dict)  # element's sexpr -> name
    order: dict[str, list[z3.ExprRef]] = field(default_factory=dict)  # sort -> elements in display order

    def __call__(self, e: z3.ExprRef) -> str:
        return self.of.get(e.sexpr(), e.sexpr())

    def numbered(self, model: z3.ModelRef, sort: z3.SortRef, prefix: str, key: str | None = None) -> None:
        """Name the elements of ``sort`` ``prefix1``, ``prefix2``, ... in the model's order (listed under ``key``,
        by default the sort's name)."""
        elems = list(model.get_universe(sort) or [])
        for k, e in enumerate(elems, 1):
            self.of[e.sexpr()] = f"{prefix}{k}"
        self.order[key or sort.name()] = elems

    def ordered(self, model: z3.ModelRef, sort: z3.SortRef, le: z3.FuncDeclRef, zero: z3.ExprRef) -> None:
        """Name the elements of ``sort`` by their place in the order ``le`` (how many are at or below each), ``zero``
        as 0 and any below it negative, and list them in that order."""
        elems = list(model.get_universe(sort) or [])
        below = {e.sexpr(): sum(z3.is_true(model.eval(le(d, e), model_completion=True)) for d in elems) for e in elems}
        ordered = sorted(elems, key=lambda e: below[e.sexpr()])
        z = model.eval(zero, model_completion=True)
        zero_at = next((k for k, e in enumerate(ordered) if e.eq(z)), 0)
        for k, e in enumerate(ordered):
            self.of[e.sexpr()] = str(k - zero_at)
        self.order[sort.name()] = ordered


def read_step(
    outcome: Outcome,
    name: Callable[[z3.ModelRef, Any], Names],
    snapshot: Callable[[z3.ModelRef, Any, Names], S],
    labels: Mapping[str, Sequence[str]],
) -> tuple[z3.ModelRef, Names, S, S | None, str | None]:
    """What every protocol's CTI reads first from a counterexample: its model (a ValueError if none),
    the universe's names (``name(model, encoding)``), the state before, the state after and the step (both
    None for a state's obligation)."""
    model = outcome.model
    if model is None:
        raise ValueError(f"{outcome.name}: no model ({outcome.result})")
    ctx = outcome.obligation.context
    names = name(model, ctx["encoding"])
    before = snapshot(model, ctx["pre"], names)
    after = snapshot(model, ctx["post"], names) if ctx.get("post") is not None else None
    act = ctx.get("action")
    action = action_text(model, act, labels[act.name], names) if act is not None else None
    return model, names, before, after, action


def action_text(model: z3.ModelRef, act: Any, labels: Sequence[str], names: Names) -> str:
    """The CTI's step as ``Action(label=value, ...)``, with the witnesses its guard chose."""
    shown = [f"{n}={names(model.eval(p, model_completion=True))}" for n, p in zip(labels, act.params)]
    extra = [f"{p}={names(model.eval(p, model_completion=True))}" for p in act.witnesses]
    return f"{act.name}({', '.join(shown)})" + (f"  [witnesses: {', '.join(extra)}]" if extra else "")


def false_goals(outcome: Outcome, sorts: list[Any], symbols: list[Any]) -> list[str]:
    """The obligation's goals false in the outcome's model, read over ``symbols`` plus both states'
    relations and the action's parameters."""
    ctx = outcome.obligation.context
    symbols = list(symbols)
    for st in (ctx["pre"], ctx.get("post")):
        if st is not None:
            symbols += list(st.rel.values())
    act = ctx.get("action")
    if act is not None:
        symbols += [p.decl() for p in act.params]
    structure = structure_of_model(outcome.model, sorts, symbols)
    for f in symbols:  # a Bool constant (a parameter, a proposition) is tabulated as an s-expression
        if f.arity() == 0 and f.range() == z3.BoolSort():
            structure.symbols[f.name()] = structure.symbols[f.name()] == "true"
    return [k for k, f in outcome.obligation.goals.items() if not compile_formula(f)(structure)]


def esc(s: str) -> str:
    """Text for an HTML-like Graphviz label."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@dataclass
class CTI:
    """A counterexample: the state satisfying the hypotheses, the step and the next state (for an inductive
    step), and the goals broken."""

    obligation: str
    quorums: dict[str, list[str]]
    before: Any  # a Snapshot
    after: Any | None  # a Snapshot, for an obligation with a step
    action: str | None
    broken: list[str]

    key_width: ClassVar[int] = 10  #: the text's variable column
    rigid_label: ClassVar[str] = "quorums"  #: what the line of :meth:`quorum_text` is called

    def title(self) -> list[str]:
        """The picture's title, line by line."""
        return [self.obligation + (f" violates {', '.join(self.broken)}" if self.broken else "")]

    def quorum_text(self) -> str:
        """``Q1 = {a1, a2}, ...``."""
        return ", ".join(f"{q} = {{{', '.join(m)}}}" for q, m in self.quorums.items())

    def text(self) -> str:
        """The CTI as a person reads it."""
        out = [f"Counterexample to {self.obligation}"]
        if self.quorums:
            out.append(f"  {self.rigid_label}: " + self.quorum_text())
        out.append("  state satisfying the hypotheses:")
        out += [f"    {k:<{self.key_width}} {v}" for k, v in self.before.rows]
        if self.after is not None:
            out.append(f"  step: {self.action}")
            out.append("  next state:")
            old = dict(self.before.rows)
            for k, v in self.after.rows:
                out.append(f"    {k:<{self.key_width}} {v}" + ("" if old.get(k) == v else "    <- changed"))
        out.append("  violates: " + ", ".join(self.broken))
        return "\n".join(out)

    def value_cell(self, key: str, value: str, snap: Any, prev: Any | None, shade: str) -> str:
        """One value's table cell (``shade``: the changed-row colour attribute, or empty)."""
        return f'<td align="left"{shade}>{esc(value)}</td>'

    def dot(self) -> str:
        """The CTI as a DOT graph: the states before and after the step side by side, changed rows shaded."""
        title = "&#10;".join(esc(line).replace("\\", "\\\\") for line in self.title())
        lines = ["digraph CTI {", "  rankdir=LR;", '  node [shape=plaintext, fontname="Helvetica"];']
        lines.append(f'  label="{title}"; labelloc=t;')
        head = f"state (satisfies the hypotheses)  {self.quorum_text()}"
        lines.append(self._table("before", head, self.before, None))
        if self.after is not None:
            lines.append(self._table("after", "next state", self.after, self.before))
            lines.append(f'  before -> after [label="{esc(self.action or "")}", fontname="Helvetica"];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _table(self, name: str, head: str, snap: Any, prev: Any | None) -> str:
        old = dict(prev.rows) if prev is not None else {}
        rows = [f'<tr><td colspan="2" bgcolor="lightgrey"><b>{esc(head)}</b></td></tr>']
        for k, v in snap.rows:
            shade = ' bgcolor="#ffd0d0"' if prev is not None and old.get(k) != v else ""
            rows.append(f'<tr><td align="left">{esc(k)}</td>{self.value_cell(k, v, snap, prev, shade)}</tr>')
        return f'  {name} [label=<<table border="0" cellborder="1" cellspacing="0">{"".join(rows)}</table>>];'

    def draw(self, path: str | Path) -> list[Path]:
        """Write ``path`` (DOT) and, where ``dot`` is installed, the SVG beside it; return the files written."""
        return write_dot(self.dot(), path)


def print_ctis(outcomes: Iterable[Outcome], extract: Callable[[Outcome], CTI], cti_dir: str | None) -> None:
    """Print every counterexample among ``outcomes`` and, with ``cti_dir``, draw each as ``ctiN.dot``."""
    for n, out in enumerate(o for o in outcomes if o.result == COUNTEREXAMPLE):
        cti = extract(out)
        print()
        print(cti.text())
        if cti_dir:
            Path(cti_dir).mkdir(parents=True, exist_ok=True)
            print("  drawn: " + ", ".join(map(str, cti.draw(Path(cti_dir) / f"cti{n + 1}.dot"))))
