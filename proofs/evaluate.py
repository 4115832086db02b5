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
    symbols: dict[str, Any]  # (proofs.cti turns a Bool parameter's table into a bool in place)


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
        if f.range() != z3.BoolSort():  # a function: its graph
            graph = {tuple(c.sexpr() for c in combo): model.eval(f(*combo), model_completion=True).sexpr()
                     for combo in product(*arg_elems)}
            table[f.name()] = _graph(graph)
            continue
        true_set = set()
        for combo in product(*arg_elems):
            if z3.is_true(model.eval(f(*combo), model_completion=True)):
                true_set.add(tuple(c.sexpr() for c in combo))
        table[f.name()] = _membership(true_set)
    return Structure(domains, table)


def _membership(tuples: set[tuple]) -> Callable[..., bool]:
    return lambda *args: args in tuples


def _graph(graph: dict[tuple, str]) -> Callable[..., str]:
    return lambda *args: graph[args]


def ground(e: z3.ExprRef, elements: Mapping[str, Sequence[z3.ExprRef]]) -> z3.ExprRef:
    """``e`` with every quantifier expanded over the named elements of its sort (a quantifier-free formula).

    With the elements distinct and every free constant equal to one of them, the
    result is equivalent to ``e`` on the finite instance, and Z3 decides it without
    quantifier instantiation (which is what makes bounded model checking fast).
    """
    # Keyed by AST id; the key expression is kept alive with the result, since Z3 reuses ids of freed ASTs.
    memo: dict[int, tuple[z3.ExprRef, z3.ExprRef]] = {}

    def go(x: z3.ExprRef) -> z3.ExprRef:
        key = x.get_id()
        if key in memo:
            return memo[key][1]
        if z3.is_quantifier(x):
            n = x.num_vars()
            doms = [elements[x.var_sort(i).name()] for i in range(n)]
            body = x.body()
            # Var(0) is the last bound variable: substitute_vars takes values innermost first.
            parts = [go(z3.substitute_vars(body, *reversed(combo))) for combo in product(*doms)]
            out = z3.And(parts) if x.is_forall() else z3.Or(parts)
        elif z3.is_app(x) and x.num_args() > 0:
            kids = [go(c) for c in x.children()]
            if all(k.eq(c) for k, c in zip(kids, x.children())):
                out = x
            elif z3.is_and(x):
                out = z3.And(kids)
            elif z3.is_or(x):
                out = z3.Or(kids)
            elif x.decl().kind() == z3.Z3_OP_DISTINCT:
                out = z3.Distinct(*kids)
            else:
                out = x.decl()(*kids)
        else:
            out = x
        memo[key] = (x, out)
        return out

    return go(e)


def closure(consts: Sequence[z3.ExprRef], elements: Mapping[str, Sequence[z3.ExprRef]]) -> list[z3.BoolRef]:
    """Each free constant is one of the named elements of its sort."""
    return [z3.Or([c == el for el in elements[c.sort().name()]]) for c in consts]
