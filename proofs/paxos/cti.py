"""Counterexamples to induction: a Z3 model read back as a readable pair of Paxos states.

Ballots are numbered by the model's order (``NoBal`` is -1, the next one 0, ...),
acceptors ``a1..``, values ``v1..`` (``NoVal`` is None) and quorums ``Q1..`` with
their members, so a CTI reads like a state of ``spec/paxos.py``. The pair is
printed as text and rendered as a Graphviz picture (DOT, and SVG when ``dot`` exists).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import z3

from modelcheck.output.dot import write_dot
from proofs.evaluate import compile_formula, structure_of_model
from proofs.logic import Outcome
from proofs.paxos.encoding import ACTION_LABELS, State


@dataclass
class Names:
    """Readable names for the elements of a model's universes."""

    of: dict[str, str] = field(default_factory=dict)  # element's sexpr -> name
    order: dict[str, list[z3.ExprRef]] = field(default_factory=dict)  # sort -> elements in display order

    def __call__(self, e: z3.ExprRef) -> str:
        return self.of.get(e.sexpr(), e.sexpr())


@dataclass
class PaxosSnapshot:
    """One state of a CTI, as the spec names things."""

    maxBal: dict[str, list[str]]
    maxVBal: dict[str, list[str]]
    maxVal: dict[str, list[str]]
    msgs: list[str]

    def rows(self) -> list[tuple[str, str]]:
        """(variable, readable value) lines."""

        def fun(f: dict[str, list[str]]) -> str:
            return ", ".join(f"{a} |-> {_one(v)}" for a, v in f.items())

        return [
            ("maxBal", fun(self.maxBal)),
            ("maxVBal", fun(self.maxVBal)),
            ("maxVal", fun(self.maxVal)),
            ("msgs", "{" + ", ".join(self.msgs) + "}"),
        ]


def _one(vals: list[str]) -> str:
    """A function's value at one point: exactly one in a real state; the CTI may show none or several."""
    if len(vals) == 1:
        return vals[0]
    return "{" + ", ".join(vals) + "} (not a function value)" if vals else "(no value)"


@dataclass
class CTI:
    """A counterexample to induction (or to Init => Inv, or Inv => Agreement): states, action, broken conjuncts."""

    obligation: str
    quorums: dict[str, list[str]]
    before: PaxosSnapshot
    after: PaxosSnapshot | None
    action: str | None
    broken: list[str]

    def text(self) -> str:
        """The CTI as a person reads it."""
        out = [f"Counterexample to {self.obligation}"]
        out.append("  quorums: " + ", ".join(f"{q} = {{{', '.join(m)}}}" for q, m in self.quorums.items()))
        out.append("  state satisfying the hypotheses:")
        out += [f"    {k:<8} {v}" for k, v in self.before.rows()]
        if self.after is not None:
            out.append(f"  step: {self.action}")
            out.append("  next state:")
            old = dict(self.before.rows())
            for k, v in self.after.rows():
                out.append(f"    {k:<8} {v}" + ("" if old[k] == v else "    <- changed"))
        out.append("  violates: " + ", ".join(self.broken))
        return "\n".join(out)


def _names(model: z3.ModelRef, enc: Any) -> Names:
    voc = enc.voc
    names = Names()
    bals = list(model.get_universe(voc.Bal) or [])
    nobal = model.eval(voc.NoBal)

    def below(x: z3.ExprRef, y: z3.ExprRef) -> bool:
        return z3.is_true(model.eval(voc.le(x, y), model_completion=True))

    ordered = sorted(bals, key=lambda b: sum(below(c, b) for c in bals))
    i = 0
    for b in ordered:
        if b.eq(nobal):
            names.of[b.sexpr()] = "-1"
        else:
            names.of[b.sexpr()] = str(i)
            i += 1
    names.order["Bal"] = ordered
    noval = model.eval(voc.NoVal)
    vals = list(model.get_universe(voc.Val) or [])
    j = 1
    for v in vals:
        if v.eq(noval):
            names.of[v.sexpr()] = "None"
        else:
            names.of[v.sexpr()] = f"v{j}"
            j += 1
    names.order["Val"] = vals
    accs = list(model.get_universe(voc.Acc) or [])
    for k, a in enumerate(accs, 1):
        names.of[a.sexpr()] = f"a{k}"
    names.order["Acc"] = accs
    for sort_name, sort in (("Quorum1", voc.Quorum1), ("Quorum2", voc.Quorum2)):
        if sort_name == "Quorum2" and voc.Quorum2.eq(voc.Quorum1):
            continue
        prefix = "Q" if voc.Quorum2.eq(voc.Quorum1) else ("P" if sort_name == "Quorum1" else "Q")
        qs = list(model.get_universe(sort) or [])
        for k, q in enumerate(qs, 1):
            names.of[q.sexpr()] = f"{prefix}{k}"
        names.order[sort_name] = qs
    return names


def _holds(model: z3.ModelRef, f: z3.FuncDeclRef, *args: z3.ExprRef) -> bool:
    return z3.is_true(model.eval(f(*args), model_completion=True))


def snapshot(model: z3.ModelRef, s: State, names: Names) -> PaxosSnapshot:
    """The relations of ``s`` in the model, named as the spec names them."""
    A, B, V = names.order["Acc"], names.order["Bal"], names.order["Val"]

    def fun(rel: z3.FuncDeclRef, rng: list[z3.ExprRef]) -> dict[str, list[str]]:
        return {names(a): [names(x) for x in rng if _holds(model, rel, a, x)] for a in A}

    msgs = [f"1a({names(b)})" for b in B if _holds(model, s.msg1a, b)]
    msgs += [
        f"1b({names(a)}, bal={names(b)}, mbal={names(x)}, mval={names(v)})"
        for a, b, x, v in itertools.product(A, B, B, V)
        if _holds(model, s.msg1b, a, b, x, v)
    ]
    msgs += [f"2a(bal={names(b)}, val={names(v)})" for b, v in itertools.product(B, V) if _holds(model, s.msg2a, b, v)]
    msgs += [
        f"2b({names(a)}, bal={names(b)}, val={names(v)})"
        for a, b, v in itertools.product(A, B, V)
        if _holds(model, s.msg2b, a, b, v)
    ]
    return PaxosSnapshot(fun(s.maxBal, B), fun(s.maxVBal, B), fun(s.maxVal, V), msgs)


def extract(outcome: Outcome) -> CTI:
    """Read a counterexample outcome's model back as a CTI."""
    model = outcome.model
    if model is None:
        raise ValueError(f"{outcome.name}: no model ({outcome.result})")
    ctx = outcome.obligation.context
    enc = ctx["encoding"]
    names = _names(model, enc)
    voc = enc.voc
    quorums: dict[str, list[str]] = {}
    for sort_name in ("Quorum1", "Quorum2"):
        member = voc.member1 if sort_name == "Quorum1" else voc.member2
        for q in names.order.get(sort_name, []):
            quorums[names(q)] = [names(a) for a in names.order["Acc"] if _holds(model, member, a, q)]
    before = snapshot(model, ctx["pre"], names)
    after = snapshot(model, ctx["post"], names) if ctx.get("post") is not None else None
    action = None
    if ctx.get("action") is not None:
        act = ctx["action"]
        labels = ACTION_LABELS[act.name]
        shown = [f"{n}={names(model.eval(p, model_completion=True))}" for n, p in zip(labels, act.params)]
        extra = [f"{p}={names(model.eval(p, model_completion=True))}" for p in act.witnesses]
        action = f"{act.name}({', '.join(shown)})" + (f"  [witnesses: {', '.join(extra)}]" if extra else "")
    broken = broken_goals(outcome)
    return CTI(outcome.name, quorums, before, after, action, broken)


def broken_goals(outcome: Outcome) -> list[str]:
    """The goals (invariant conjuncts) false in the counterexample's model, evaluated on its finite universe."""
    ctx = outcome.obligation.context
    voc = ctx["encoding"].voc
    sorts = [voc.Acc, voc.Bal, voc.Val, voc.Quorum1] + ([] if voc.Quorum2.eq(voc.Quorum1) else [voc.Quorum2])
    symbols = [voc.le, voc.member1, voc.NoBal.decl(), voc.NoVal.decl()]
    symbols += [] if voc.member2.eq(voc.member1) else [voc.member2]
    for st in (ctx["pre"], ctx.get("post")):
        if st is not None:
            symbols += list(st.rel.values())
    act = ctx.get("action")
    if act is not None:
        symbols += [p.decl() for p in act.params]
    structure = structure_of_model(outcome.model, sorts, symbols)
    return [k for k, f in outcome.obligation.goals.items() if not compile_formula(f)(structure)]


# -- Graphviz -----------------------------------------------------------------------


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def to_dot(cti: CTI) -> str:
    """The CTI as a DOT graph: the state before and after the step side by side, changes in red."""
    lines = ["digraph CTI {", "  rankdir=LR;", '  node [shape=plaintext, fontname="Helvetica"];']
    title = cti.obligation + (f"\\nviolates {', '.join(cti.broken)}" if cti.broken else "")
    lines.append(f'  label="{_esc(title).replace(chr(92) + "n", "&#10;").replace(chr(92), chr(92) * 2)}"; labelloc=t;')

    def table(name: str, head: str, snap: PaxosSnapshot, prev: PaxosSnapshot | None) -> str:
        old = dict(prev.rows()) if prev else {}
        rows = [f'<tr><td colspan="2" bgcolor="lightgrey"><b>{_esc(head)}</b></td></tr>']
        for k, v in snap.rows():
            colour = ' bgcolor="#ffd0d0"' if prev is not None and old.get(k) != v else ""
            if k == "msgs":
                prev_msgs = set(prev.msgs) if prev else set()
                cells = (
                    "<br/>".join(
                        (f'<font color="red">{_esc(m)}</font>' if prev is not None and m not in prev_msgs else _esc(m))
                        for m in snap.msgs
                    )
                    or "{}"
                )
                rows.append(f'<tr><td align="left">{k}</td><td align="left" balign="left"{colour}>{cells}</td></tr>')
            else:
                rows.append(f'<tr><td align="left">{k}</td><td align="left"{colour}>{_esc(v)}</td></tr>')
        return f'  {name} [label=<<table border="0" cellborder="1" cellspacing="0">{"".join(rows)}</table>>];'

    quorums = ", ".join(f"{q} = {{{', '.join(m)}}}" for q, m in cti.quorums.items())
    lines.append(table("before", "state (satisfies the hypotheses)  " + quorums, cti.before, None))
    if cti.after is not None:
        lines.append(table("after", "next state", cti.after, cti.before))
        lines.append(f'  before -> after [label="{_esc(cti.action or "")}", fontname="Helvetica"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(cti: CTI, path: str | Path) -> list[Path]:
    """Write ``path`` (DOT) and, where ``dot`` is installed, the SVG beside it; return the files written."""
    return write_dot(to_dot(cti), path)
