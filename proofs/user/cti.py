"""A counterexample of a user's encoding, in the user's names: each sort's elements numbered (``node1``,
``value2``), the rigid symbols, each variable's true tuples or values in both states, the action with its
parameters, and the conjuncts the next state breaks."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import z3

from proofs import cti as shared
from proofs.cti import Names, false_goals, read_step
from proofs.logic import Outcome
from proofs.user.encoding import Prepared, Signature
from proofs.user.instance import show_table


@dataclass
class Snapshot:
    """One state of the CTI: (variable, value) rows."""

    rows: list[tuple[str, str]]


class CTI(shared.CTI):
    """The shared CTI, its first line the rigid symbols."""

    rigid_label = "rigid"

    def quorum_text(self) -> str:
        return "; ".join(f"{k} = {v[0]}" for k, v in self.quorums.items())


def _names(model: z3.ModelRef, prep: Prepared) -> Names:
    """Each sort's elements numbered from 1 (``node1``); an ordered sort's in its order."""
    names = Names()
    orders = type(prep.user).orders
    for s, sort in prep.sorts.items():
        names.numbered(model, sort, s.lower())
        if s in orders:
            le = getattr(prep.user, orders[s]).decl
            elems = names.order[s]
            rank = {e.sexpr(): sum(z3.is_true(model.eval(le(d, e), model_completion=True)) for d in elems)
                    for e in elems}
            names.order[s] = sorted(elems, key=lambda e: rank[e.sexpr()])
            names.of.update({e.sexpr(): f"{s.lower()}{rank[e.sexpr()]}" for e in elems})
    return names


def _table(model: z3.ModelRef, names: Names, decl: z3.FuncDeclRef, sig: Signature) -> Any:
    """A symbol's value in the model as :func:`show_table` takes it (elements by their names)."""
    if not sig.args:
        v = model.eval(decl(), model_completion=True)
        return z3.is_true(v) if sig.range is None else names(v)
    combos = list(itertools.product(*[names.order[a] for a in sig.args]))
    values = [model.eval(decl(*c), model_completion=True) for c in combos]
    if sig.range is None:
        return frozenset(tuple(map(names, c)) for c, v in zip(combos, values) if z3.is_true(v))
    return tuple((tuple(map(names, c)), names(v)) for c, v in zip(combos, values))


def _show(sort: str, name: str) -> str:
    return name


def snapshot(model: z3.ModelRef, st: Any, names: Names, prep: Prepared) -> Snapshot:
    """The variables of ``st`` in the model, one row each."""
    return Snapshot([(n, show_table(sig, _table(model, names, st.rel[n], sig), _show))
                     for n, sig in prep.variables.items()])


def extract(outcome: Outcome) -> CTI:
    """Read a counterexample outcome's model back as a CTI."""
    prep: Prepared = outcome.obligation.context["encoding"]
    labels = {t.name: list(t.params)[: prep.label_arity[t.name]] for t in prep.transitions}
    model, names, before, after, action = read_step(
        outcome, _names, lambda m, st, n: snapshot(m, st, n, prep), labels
    )
    orders = set(type(prep.user).orders.values())  # (an order is shown by the elements' numbers)
    rigid = {name: [show_table(sig, _table(model, names, decl, sig), _show)]
             for decl, (name, sig) in zip(prep.rigid_decls(), prep.rigid.items()) if name not in orders}
    broken = false_goals(outcome, prep.all_sorts(), prep.rigid_decls())
    width = max([CTI.key_width, *(len(n) for n in prep.variables)])  # the variable column fits every name
    shown = type("CTI", (CTI,), {"key_width": width, "__doc__": CTI.__doc__})
    return shown(outcome.name, rigid, before, after, action, broken)
