"""Evaluate a Z3 formula on a finite structure, fast: the formula is compiled once into Python closures.

A structure gives each sort a finite domain (a list of Python values) and each
uninterpreted symbol a Python callable (constants: a value). Quantifiers range over
the domains, so the very formulas handed to Z3 are evaluated on the explicit
checker's states (conformance) and on the models Z3 returns (naming broken conjuncts).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import z3

Env = tuple  # values of the bound variables, innermost last
Compiled = Callable[[Env, "Structure"], Any]


@dataclass
class Structure:
    """Finite domains per sort name and interpretations per symbol name."""

    domains: Mapping[str, Sequence[Hashable]]
    symbols: Mapping[str, Any]


class EvaluationError(ValueError):
    """The formula uses something the evaluator cannot interpret."""


def compile_formula(e: z3.ExprRef) -> Callable[[Structure], Any]:
    """Compile ``e`` (closed except for symbols the structure interprets) into a function of a structure."""
    fn = _compile(e, [])
    return lambda st: fn((), st)


def _compile(e: z3.ExprRef, bound: list[str]) -> Compiled:
    """``bound`` lists the sort names of the enclosing quantifiers' variables, outermost first."""
    if z3.is_var(e):
        idx = len(bound) - 1 - z3.get_var_index(e)  # de Bruijn index counts from the innermost binder
        return lambda env, st: env[idx]
    if z3.is_quantifier(e):
        n = e.num_vars()
        sorts = [e.var_sort(i).name() for i in range(n)]
        body = _compile(e.body(), bound + sorts)
        forall = e.is_forall()

        def quant(env: Env, st: Structure) -> bool:
            doms = [st.domains[s] for s in sorts]
            if forall:
                return all(body(env + combo, st) for combo in product(*doms))
            return any(body(env + combo, st) for combo in product(*doms))

        return quant
    if not z3.is_app(e):
        raise EvaluationError(f"cannot evaluate {e}")
    decl = e.decl()
    kind = decl.kind()
    kids = [_compile(c, bound) for c in e.children()]
    if kind == z3.Z3_OP_TRUE:
        return lambda env, st: True
    if kind == z3.Z3_OP_FALSE:
        return lambda env, st: False
    if kind == z3.Z3_OP_AND:
        return lambda env, st: all(k(env, st) for k in kids)
    if kind == z3.Z3_OP_OR:
        return lambda env, st: any(k(env, st) for k in kids)
    if kind == z3.Z3_OP_NOT:
        (k,) = kids
        return lambda env, st: not k(env, st)
    if kind == z3.Z3_OP_IMPLIES:
        a, b = kids
        return lambda env, st: (not a(env, st)) or b(env, st)
    if kind in (z3.Z3_OP_EQ, z3.Z3_OP_IFF):
        a, b = kids
        return lambda env, st: a(env, st) == b(env, st)
    if kind == z3.Z3_OP_DISTINCT:
        return lambda env, st: len({k(env, st) for k in kids}) == len(kids)
    if kind == z3.Z3_OP_ITE:
        c, a, b = kids
        return lambda env, st: a(env, st) if c(env, st) else b(env, st)
    if kind == z3.Z3_OP_UNINTERPRETED:
        name = decl.name()
        if not kids:
            return lambda env, st: st.symbols[name]
        if len(kids) == 1:
            (k,) = kids
            return lambda env, st: st.symbols[name](k(env, st))
        return lambda env, st: st.symbols[name](*[k(env, st) for k in kids])
    raise EvaluationError(f"cannot evaluate operator {decl.name()} in {e}")


def structure_of_model(model: z3.ModelRef, sorts: Sequence[z3.SortRef], symbols: Sequence[z3.FuncDeclRef]) -> Structure:
    """A Z3 model as a finite structure: each element named by its s-expression, symbols tabulated."""
    domains: dict[str, list[str]] = {}
    elements: dict[str, list[z3.ExprRef]] = {}
    for s in sorts:
        univ = list(model.get_universe(s) or [])
        elements[s.name()] = univ
        domains[s.name()] = [u.sexpr() for u in univ]
    table: dict[str, Any] = {}
    for f in symbols:
        if f.arity() == 0:
            table[f.name()] = model.eval(f(), model_completion=True).sexpr()
            continue
        arg_elems = [elements[f.domain(i).name()] for i in range(f.arity())]
        true_set = set()
        for combo in product(*arg_elems):
            if z3.is_true(model.eval(f(*combo), model_completion=True)):
                true_set.add(tuple(c.sexpr() for c in combo))
        table[f.name()] = _membership(true_set)
    return Structure(domains, table)


def _membership(tuples: set[tuple]) -> Callable[..., bool]:
    return lambda *args: args in tuples
