"""Counterexamples to induction: a Z3 model read back as a readable pair of Paxos states.

Ballots are numbered by the model's order (``NoBal`` is -1, the next one 0, ...),
acceptors ``a1..``, values ``v1..`` (``NoVal`` is None) and quorums ``Q1..`` with
their members, so a CTI reads like a state of ``spec/paxos.py``. The pair is
printed as text and rendered as a Graphviz picture (DOT, and SVG when ``dot`` exists).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import z3

from proofs import cti as shared
from proofs.cti import Names, false_goals, read_step
from proofs.logic import Outcome
from proofs.paxos.encoding import ACTION_LABELS, State


@dataclass
class PaxosSnapshot:
    """One state of a CTI, as the spec names things."""

    maxBal: dict[str, list[str]]
    maxVBal: dict[str, list[str]]
    maxVal: dict[str, list[str]]
    msgs: list[str]

    @property
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


class CTI(shared.CTI):
    """A counterexample to induction (or to Init => Inv, or Inv => Agreement): states, action, broken conjuncts."""

    key_width = 8

    def title(self) -> list[str]:
        """The obligation, then what it violates."""
        return [self.obligation] + ([f"violates {', '.join(self.broken)}"] if self.broken else [])

    def value_cell(self, key: str, value: str, snap: Any, prev: Any | None, shade: str) -> str:
        """``msgs`` one message a line, the messages the step sent in red."""
        if key != "msgs":
            return super().value_cell(key, value, snap, prev, shade)
        sent = set(prev.msgs) if prev is not None else set()
        new = [prev is not None and m not in sent for m in snap.msgs]
        cells = "<br/>".join(f'<font color="red">{shared.esc(m)}</font>' if n else shared.esc(m)
                             for m, n in zip(snap.msgs, new))
        return f'<td align="left" balign="left"{shade}>{cells or "{}"}</td>'


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
    names.numbered(model, voc.Acc, "a")
    for sort_name, sort in (("Quorum1", voc.Quorum1), ("Quorum2", voc.Quorum2)):
        if sort_name == "Quorum2" and voc.Quorum2.eq(voc.Quorum1):
            continue
        prefix = "Q" if voc.Quorum2.eq(voc.Quorum1) else ("P" if sort_name == "Quorum1" else "Q")
        names.numbered(model, sort, prefix, key=sort_name)
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
    model, names, before, after, action = read_step(outcome, _names, snapshot, ACTION_LABELS)
    voc = outcome.obligation.context["encoding"].voc
    quorums: dict[str, list[str]] = {}
    for sort_name in ("Quorum1", "Quorum2"):
        member = voc.member1 if sort_name == "Quorum1" else voc.member2
        for q in names.order.get(sort_name, []):
            quorums[names(q)] = [names(a) for a in names.order["Acc"] if _holds(model, member, a, q)]
    broken = broken_goals(outcome)
    return CTI(outcome.name, quorums, before, after, action, broken)


def broken_goals(outcome: Outcome) -> list[str]:
    """The goals (invariant conjuncts) false in the counterexample's model, evaluated on its finite universe."""
    ctx = outcome.obligation.context
    voc = ctx["encoding"].voc
    sorts = [voc.Acc, voc.Bal, voc.Val, voc.Quorum1] + ([] if voc.Quorum2.eq(voc.Quorum1) else [voc.Quorum2])
    symbols = [voc.le, voc.member1, voc.NoBal.decl(), voc.NoVal.decl()]
    symbols += [] if voc.member2.eq(voc.member1) else [voc.member2]
    return false_goals(outcome, sorts, symbols)


