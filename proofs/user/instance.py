"""The finite instance of a user's encoding that a spec's bounds give, seen as the proofs need it.

- tables: an abstract state as each variable's true tuples (a relation), its graph (a function) or
  its value (a constant), hashable, so states and steps are compared and evaluated once each;
- a :class:`~proofs.evaluate.Structure`, to evaluate the encoding's very formulas on the spec's states;
- Z3 facts: one named constant per element, the rigid symbols written out, a state's literals, and a
  model read back as tables (for ``paxraft bmc`` and the conformance check's successor queries).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import z3

from proofs.evaluate import Structure
from proofs.user.encoding import Prepared, Signature, State
from spec.core import returned

Table = Any  # hashable: frozenset of true tuples (relation), tuple of (args, value) (function), or a value
Tables = tuple[Table, ...]  # one per variable, in declaration order


class Instance:
    """The elements of each sort in one spec instance, and its rigid symbols."""

    def __init__(self, prep: Prepared, spec: Any) -> None:
        self.prep, self.spec = prep, spec
        doms = prep.call("domains(spec)", prep.user.domains, spec)
        if not isinstance(doms, Mapping) or set(doms) != set(prep.sorts):
            raise prep.error(f"domains(spec) must give the elements of each sort ({', '.join(prep.sorts)})")
        self.domains: dict[str, list[Any]] = {}
        for s in prep.sorts:
            elems = self._elements(s, doms[s])
            if not elems:
                raise prep.error(f"domains(spec): sort {s} has no element (a sort is never empty)")
            if len(set(elems)) != len(elems):
                raise prep.error(f"domains(spec): sort {s} lists an element twice")
            self.domains[s] = elems
        self.index = {s: {v: i for i, v in enumerate(d)} for s, d in self.domains.items()}
        self.elem = {s: [z3.Const(f"{s}!{i}", prep.sorts[s]) for i in range(len(d))] for s, d in self.domains.items()}
        given = dict(self._mapping("interpret(spec)", "rigid symbol", prep.call("interpret(spec)", prep.user.interpret,
                                                                                     spec) or {}))
        for sort, rel in type(prep.user).orders.items():  # an order is the domain's, unless given
            place = self.index[sort]
            given.setdefault(rel, lambda x, y, place=place: place[x] <= place[y])
        missing = [n for n in prep.rigid if n not in given]
        if missing:
            raise prep.error(f"interpret(spec) gives no value for the rigid symbol {missing[0]}")
        self.rigid = {n: self.tabulate(f"interpret(spec)[{n!r}]", sig, given[n]) for n, sig in prep.rigid.items()}

    # -- what the user's methods return, checked (a wrong kind of value was an internal error, exit 4) ------------
    def _elements(self, sort: str, value: Any) -> list[Any]:
        """``domains(spec)[sort]`` as a list of hashable elements."""
        what = f"domains(spec)[{sort!r}]"
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise self.prep.error(f"{what} must list the elements of {sort}, not be {value!r:.80}")
        elems = list(value)
        for e in elems:
            if not isinstance(e, Hashable) or not _hashes(e):
                raise self.prep.error(f"{what}: the element {e!r} is not hashable (a {type(e).__name__}): "
                                      "give a tuple, a frozenset or a number")
        return elems

    def _mapping(self, what: str, of: str, value: Any) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.prep.error(f"{what} must return a dict of {of} -> value, not a {type(value).__name__}")
        return value

    def _truth(self, what: str, value: Any) -> bool:
        """A relation's or proposition's value: True or False (a z3 formula has none: the spec's state is concrete).
        Nothing else is read by its truthiness, as the checker reads no invariant's: "no" and "yes" both made a
        relation true, and infer said a safety property fails on a reachable state whose variables it then showed
        empty (the spec's state), `prove --conformance` that the encoding does not conform."""
        if isinstance(value, z3.ExprRef):
            raise self.prep.error(f"{what} = {value!r:.80} is no truth value: give True or False (Python's, of the "
                                  "spec's state; a z3 formula is for the encoding's methods)")
        if not isinstance(value, bool):
            raise self.prep.error(f"{what} returned {returned(value)}, not True or False (return a bool: e.g. "
                                  "bool(...), x in s.xs)")
        return value

    # -- tables ------------------------------------------------------------------------------------
    def tabulate(self, what: str, sig: Signature, value: Any) -> Table:
        """A symbol's interpretation (predicate, function or value) as a hashable table, checked against its sorts."""
        prep = self.prep
        if not sig.args:
            if callable(value):  # a function is truthy: read as a proposition it would be true in every state
                kind = "a proposition: give its value (True or False)" if sig.range is None else \
                    f"a constant: give its element of {sig.range}"
                raise prep.error(f"{what} is {kind}, not a function")
            if sig.range is None:
                return self._truth(what, value)
            return self._element(what, sig.range, value)
        if not callable(value):
            raise prep.error(f"{what} must be a function of ({', '.join(sig.args)})")
        rows = []
        for combo in itertools.product(*[self.domains[a] for a in sig.args]):
            out = prep.call(what, value, *combo)
            if sig.range is None:
                if self._truth(f"{what}{combo}", out):
                    rows.append(combo)
            else:
                rows.append((combo, self._element(f"{what}{combo}", sig.range, out)))
        return frozenset(rows) if sig.range is None else tuple(rows)

    def _element(self, what: str, sort: str, value: Any) -> Any:
        try:
            ok = value in self.index[sort]
        except Exception:  # unhashable, or an == without a truth value (a z3 term)
            ok = False
        if not ok:
            hint = " (map the spec's parameters in label())" if what.startswith("the spec's") else ""
            raise self.prep.error(f"{what} = {value!r} is no element of sort {sort} in domains(spec){hint}")
        return value

    def label(self, action: str, params: tuple, names: Sequence[str], sorts: Sequence[str]) -> dict[str, Any]:
        """The encoding's parameters a spec step's label binds (``label(spec, action, params)``), each an element."""
        prep = self.prep
        what = f"label(spec, {action!r}, {params!r})"
        got = prep.call(what, prep.user.label, self.spec, action, params)
        if isinstance(got, (str, bytes)) or not isinstance(got, Iterable):
            raise prep.error(f"{what} must return a sequence of the encoding's parameters, not "
                             f"{got!r:.80}")
        given = tuple(got)
        if len(given) > len(names):
            raise prep.error(f"{what} gives {len(given)} values for the {len(names)} parameters of {action}")
        return {n: self._element(f"the spec's step {action}{params}: parameter {n}", s, v)
                for n, s, v in zip(names, sorts, given)}

    def abstract(self, s: Any) -> Tables:
        """The encoding's variables in the spec's state ``s``."""
        prep = self.prep
        given = self._mapping("abstract(spec, s)", "variable", prep.call("abstract(spec, s)", prep.user.abstract,
                                                                            self.spec, s) or {})
        missing = [n for n in prep.variables if n not in given]
        if missing:
            raise prep.error(f"abstract(spec, s) gives no value for the variable {missing[0]}")
        return tuple(self.tabulate(f"abstract(spec, s)[{n!r}]", sig, given[n]) for n, sig in prep.variables.items())

    @staticmethod
    def _interpretation(sig: Signature, table: Table) -> Any:
        if not sig.args:
            return table
        if sig.range is None:
            rows = table
            return lambda *xs: xs in rows
        graph = dict(table)
        return lambda *xs: graph[xs]

    def structure(self, states: Mapping[str, Tables], params: Mapping[str, Any] | None = None) -> Structure:
        """The rigid symbols, each state's variables (by tag: ``''``, ``"'"``) and free parameters."""
        symbols: dict[str, Any] = {n: self._interpretation(sig, self.rigid[n]) for n, sig in self.prep.rigid.items()}
        for tag, tables in states.items():
            for (name, sig), table in zip(self.prep.variables.items(), tables):
                symbols[name + tag] = self._interpretation(sig, table)
        symbols.update(params or {})
        return Structure(self.domains, symbols)

    # -- as Z3 facts -----------------------------------------------------------------------------------
    def elements(self) -> dict[str, list[z3.ExprRef]]:
        """Sort name -> the constants naming its elements (what quantifiers are grounded over)."""
        return self.elem

    def _atoms(self, decl: z3.FuncDeclRef, sig: Signature, table: Table) -> list[z3.BoolRef]:
        """``decl`` equal to ``table``, literal by literal."""
        if not sig.args:
            return [decl() == (z3.BoolVal(bool(table)) if sig.range is None else self._z3(sig.range, table))]
        if sig.range is None:
            rows = table
            return [decl(*self._args(sig, c)) == z3.BoolVal(c in rows)
                    for c in itertools.product(*[self.domains[a] for a in sig.args])]
        return [decl(*self._args(sig, c)) == self._z3(sig.range, v) for c, v in table]

    def _z3(self, sort: str, value: Any) -> z3.ExprRef:
        return self.elem[sort][self.index[sort][value]]

    def _args(self, sig: Signature, combo: Sequence[Any]) -> list[z3.ExprRef]:
        return [self._z3(a, v) for a, v in zip(sig.args, combo)]

    def facts(self) -> list[z3.BoolRef]:
        """Distinct elements and the rigid symbols written out."""
        out: list[z3.BoolRef] = [z3.Distinct(*e) for e in self.elem.values() if len(e) > 1]
        for decl, (name, sig) in zip(self.prep.rigid_decls(), self.prep.rigid.items()):
            out += self._atoms(decl, sig, self.rigid[name])
        return out

    def closure(self, st: State) -> list[z3.BoolRef]:
        """Every function value and constant of ``st`` is a named element (grounded queries need it)."""
        out = []
        for name, sig in self.prep.variables.items():
            if sig.range is None:
                continue
            decl = st.rel[name]
            for combo in itertools.product(*[self.elem[a] for a in sig.args]):
                term = decl(*combo)
                out.append(z3.Or([term == e for e in self.elem[sig.range]]))
        return out

    def literals(self, st: State, tables: Tables) -> list[z3.BoolRef]:
        """The state ``st`` is the abstract state ``tables``."""
        out = []
        for (name, sig), table in zip(self.prep.variables.items(), tables):
            out += self._atoms(st.rel[name], sig, table)
        return out

    def value(self, model: z3.ModelRef, sort: str, term: z3.ExprRef) -> Any:
        """The element a term has in a model (of a grounded query: one of the named constants)."""
        got = model.eval(term, model_completion=True)
        for i, e in enumerate(self.elem[sort]):
            if z3.is_true(model.eval(got == e, model_completion=True)):
                return self.domains[sort][i]
        raise RuntimeError(f"{term} is no named element of {sort} in the model")

    def read(self, model: z3.ModelRef, st: State) -> Tables:
        """The abstract state a model gives ``st``."""
        out: list[Table] = []
        for name, sig in self.prep.variables.items():
            decl = st.rel[name]
            combos = list(itertools.product(*[range(len(self.domains[a])) for a in sig.args]))

            def at(c: tuple[int, ...], sig: Signature = sig) -> tuple[Any, ...]:
                return tuple(self.domains[a][i] for a, i in zip(sig.args, c))

            def term(c: tuple[int, ...], sig: Signature = sig, decl: z3.FuncDeclRef = decl) -> z3.ExprRef:
                return decl(*[self.elem[a][i] for a, i in zip(sig.args, c)])

            if sig.range is None:
                rows = [at(c) for c in combos if z3.is_true(model.eval(term(c), model_completion=True))]
                out.append(bool(rows) if not sig.args else frozenset(rows))
            elif not sig.args:
                out.append(self.value(model, sig.range, decl()))
            else:
                out.append(tuple((at(c), self.value(model, sig.range, term(c))) for c in combos))
        return tuple(out)

    # -- reading -----------------------------------------------------------------------------------------
    def show(self, sort: str, value: Any) -> str:
        """An element as CTIs name them: the sort in lower case and its place (node1, value2)."""
        return f"{sort.lower()}{self.index[sort][value] + 1}"

    def rows(self, tables: Tables) -> list[tuple[str, str]]:
        """(variable, readable value) rows of an abstract state."""
        out = []
        for (name, sig), table in zip(self.prep.variables.items(), tables):
            out.append((name, show_table(sig, table, self.show)))
        return out


def _hashes(value: Any) -> bool:
    try:
        hash(value)
    except Exception:  # a tuple holding a list, a class whose __hash__ raises
        return False
    return True


def show_table(sig: Signature, table: Any, show: Any) -> str:
    """A symbol's value for a person: ``{(node1, value1)}``, ``node1 |-> value2``, ``value1``, ``true``."""
    if not sig.args:
        return str(bool(table)).lower() if sig.range is None else show(sig.range, table)

    def tup(combo: Sequence[Any]) -> str:
        items = [show(a, v) for a, v in zip(sig.args, combo)]
        return items[0] if len(items) == 1 else "(" + ", ".join(items) + ")"

    if sig.range is None:
        return "{" + ", ".join(sorted((tup(c) for c in table), key=lambda x: (len(x), x))) + "}"
    return ", ".join(f"{tup(c)} |-> {show(sig.range, v)}" for c, v in table)
