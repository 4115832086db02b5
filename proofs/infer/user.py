"""What ``paxraft infer FILE.py:Class`` infers over: a user's own encoding (``proofs/user``) and their spec's states.

The signature is the encoding's: its sorts, and each state variable and rigid symbol as a relation. A
relation is itself; a function ``f: A -> B`` is the relation ``f(a, b)``, true when ``f(a) = b``; a constant
``c: -> B`` is ``c(b)``; a proposition ``p`` is ``p()``. Samples are every reachable state of the user's spec
at the bounds given (bound flags), else at the encoding's ``infer_bounds``, else at the spec's defaults, each
mapped by the encoding's own ``abstract`` (what the conformance check uses). The templates are the
encoding's ``infer_templates`` (:func:`proofs.user.template`), else :func:`default_templates`. No conjunct of
the user's invariant is an input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import z3

from proofs.evaluate import Structure, compile_formula
from proofs.infer.language import Clause, Signature, read_invariant_file
from proofs.infer.pipeline import Problem, describe_bounds
from proofs.infer.samples import Samples, tabulate
from proofs.infer.system import System, Transition
from proofs.infer.templates import Template
from proofs.user.encoding import Prepared
from proofs.user.encoding import Signature as SymbolSignature
from proofs.user.instance import Instance
from spec.behaviour import reachable

#: Reachable states sampled at most: each is a row per assignment of a template's variables.
MAX_SAMPLES = 200_000


class AsRelation:
    """A function, constant or proposition of the encoding as a clause's relation: ``f(a.., b)`` is ``f(a..) = b``,
    ``c(b)`` is ``c = b``, ``p()`` is ``p``. Holds its Z3 declaration (``name()`` is the declaration's, as a
    relation's is) and turns a structure's value of the symbol into the relation's predicate."""

    def __init__(self, decl: z3.FuncDeclRef, sig: SymbolSignature) -> None:
        self.decl, self.sig = decl, sig

    def name(self) -> str:
        return self.decl.name()

    def __call__(self, *args: z3.ExprRef) -> z3.BoolRef:
        if self.sig.range is None:  # a proposition
            return self.decl()
        return self.decl(*args[:-1]) == args[-1]

    def predicate(self, value: Any) -> Callable[..., bool]:
        """The relation's truth from the symbol's value in a structure (:func:`relation_predicate`)."""
        return relation_predicate(self.sig, value)


def _is_relation(sig: SymbolSignature) -> bool:
    return sig.range is None and bool(sig.args)


def relation_predicate(sig: SymbolSignature, value: Any) -> Callable[..., bool]:
    """A symbol's value in a :class:`~proofs.evaluate.Structure` (an instance's, or a Z3 model's, where a
    proposition is the text ``true``/``false``) as the predicate of the relation clauses read it as: a relation's
    value is its predicate already, a function's its graph, a constant's its element."""
    if _is_relation(sig):
        return value  # (the predicate itself)
    if sig.range is None:
        truth = value is True or value == "true"
        return lambda: truth
    if callable(value):
        return lambda *xs: value(*xs[:-1]) == xs[-1]
    return lambda x: x == value


def signature(prep: Prepared) -> Signature:
    """The encoding's vocabulary as clauses see it: every symbol a relation (functions by their graph)."""
    rigid = dict(zip(prep.rigid, prep.rigid_decls()))
    symbols = {**prep.variables, **prep.rigid}

    def symbol(name: str, state: Any) -> Any:
        decl = rigid[name] if name in rigid else state.rel[name]
        sig = symbols[name]
        return decl if _is_relation(sig) else AsRelation(decl, sig)

    return Signature(
        sorts=dict(prep.sorts),
        constants={},
        relations={n: sig.args + ((sig.range,) if sig.range else ()) for n, sig in symbols.items()},
        state_relations=frozenset(prep.variables),
        symbol=symbol,
    )


def default_templates(prep: Prepared) -> list[Template]:
    """Two variables of each sort (three where a symbol takes a sort three times), up to three literals; and for a
    membership relation into a sort no state variable has (``member: Node, Quorum``), clauses with one
    ``exists y:Node. member(y, Q1) & ...`` part over one quorum and the other sorts."""
    need = {s: 2 for s in prep.sorts}
    for sig in [*prep.variables.values(), *prep.rigid.values()]:
        args = list(sig.args) + ([sig.range] if sig.range else [])
        for s in set(args):
            need[s] = min(3, max(need[s], args.count(s)))
    used = {s for sig in [*prep.variables.values(), *prep.rigid.values()]
            for s in [*sig.args, *([sig.range] if sig.range else [])]}
    initials = [s[0].upper() for s in prep.sorts]
    prefix = {s: s if initials.count(s[0].upper()) > 1 else s[0].upper() for s in prep.sorts}  # (Node, Nonce: whole)
    universal = tuple((_free(prep, f"{prefix[s]}{i}"), s)
                      for s in prep.sorts if s in used for i in range(1, need[s] + 1))
    out = [Template(universal, 3, rigid_last=False)]
    state_sorts = {s for sig in prep.variables.values() for s in [*sig.args, *([sig.range] if sig.range else [])]}
    for name, sig in prep.rigid.items():  # member(Node, Quorum), Quorum in no state variable: a quorum argument's
        # "some member of every quorum ..." clauses, over the other sorts, one quorum, and an existential member
        if sig.range is None and len(sig.args) == 2 and sig.args[0] in state_sorts and sig.args[1] not in state_sorts:
            elem, group = sig.args
            rest = tuple((v, s) for v, s in universal if s not in (elem, group))
            out.append(Template((*rest, (_free(prep, f"{prefix[group]}1"), group)), 3, rigid_last=False,
                                exists=(_free(prep, "y"), elem), guard=name))
    return out


def _free(prep: Prepared, name: str) -> str:
    """``name``, primed until no symbol of the encoding without arguments has it (z3 names a constant by its name: a
    clause's variable N1 would be the encoding's constant N1)."""
    while name in prep.constants:
        name += "_"
    return name


def templates(prep: Prepared, sig: Signature) -> list[Template]:
    """The encoding's ``infer_templates`` (checked against its signature), else :func:`default_templates`."""
    given = getattr(type(prep.user), "infer_templates", ())
    if isinstance(given, (str, bytes, Mapping)) or not isinstance(given, Iterable):  # (an int: internal error)
        raise prep.error(f"infer_templates = {given!r:.40}: give a tuple of proofs.user.template(...)")
    given = list(given)
    if not given:
        return default_templates(prep)
    out: list[Template] = []
    for k, tpl in enumerate(given):
        what = f"infer_templates[{k}]"
        if not isinstance(tpl, Template):
            raise prep.error(f"{what} is a {type(tpl).__name__}: make each with proofs.user.template(...)")
        for v, s in [*tpl.universal, *([tpl.exists] if tpl.exists else [])]:
            if s not in prep.sorts:
                raise prep.error(f"{what}: variable {v} has sort {s!r}, not one of {', '.join(prep.sorts)}")
            if v in prep.constants:
                raise prep.error(f"{what}: variable {v} has the name of the {prep.constants[v]} {v}, and z3 takes the "
                                 "two for one constant: rename the variable")
        guard = sig.relations.get(tpl.guard or "")
        if tpl.exists and (guard is None or len(guard) != 2 or guard[0] != tpl.exists[1]):
            raise prep.error(f"{what}: guard {tpl.guard!r} must be a relation of two arguments, the first of sort "
                             f"{tpl.exists[1]} (the existential variable's), e.g. member(Node, Quorum)")
        out.append(tpl)
    return list(dict.fromkeys(out))  # (a template given twice gives the same clauses: 5,000 copies ran minutes)


def system(prep: Prepared) -> System:
    """The encoding's axioms, Init, actions and safety properties over a pre and a post state."""
    pre, post = prep.state(""), prep.state("'")
    transitions = [Transition(a.name, a.formula) for a in prep.actions(pre, post)]

    def symbols(state: Any) -> list[z3.FuncDeclRef]:
        return [state.rel[n] for n in prep.variables] + prep.rigid_decls()

    return System.of(prep, signature(prep), pre, post, transitions, prep.safety(pre), prep.all_sorts(), symbols)


def sample_table(inst: Instance, states: Sequence[Structure], sig: Signature) -> Samples:
    """The abstract states, each as the structure the safety check evaluated (``inst.structure``), as the
    relations' tables."""
    prep = inst.prep
    rigid = inst.structure({}).symbols

    def predicates(st: Structure) -> dict[str, Callable[..., bool]]:
        return {n: relation_predicate(v, st.symbols[n]) for n, v in prep.variables.items()}

    fixed = {n: relation_predicate(v, rigid[n]) for n, v in prep.rigid.items()}
    return tabulate(states, inst.domains, {}, sig.relations, sig.state_relations, fixed, predicates)


def instances(prep: Prepared, bounds: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The bounds to sample at: those given, else the encoding's ``infer_bounds``, else the spec's defaults."""
    if bounds:
        return [dict(bounds)]
    given = getattr(type(prep.user), "infer_bounds", ())
    if isinstance(given, Mapping) or not all(isinstance(b, Mapping) for b in given):
        raise prep.error("infer_bounds must be a list of dicts of the spec's bounds, e.g. [{'nodes': 3}]")
    return [dict(b) for b in given] or [{}]


def problem(prep: Prepared, spec_cls: type, bounds: Mapping[str, Any], name: str) -> Problem:
    """``paxraft infer FILE.py:Class``: the user's encoding, samples from their spec's reachable states."""
    from proofs.user.cti import extract
    from spec.core import SpecError

    sys_ = system(prep)
    tpls = templates(prep, sys_.sig)
    goals = {k: compile_formula(f) for k, f in sys_.safety.items()}

    def sample() -> tuple[list[Samples], str, str]:
        out, described = [], []
        largest: dict[str, int] = {}
        for b in instances(prep, bounds):
            try:
                spec = spec_cls(**b)
            except TypeError as exc:
                raise SpecError(f"{prep.where}: infer_bounds {b}: {exc}") from None
            inst = Instance(prep, spec)
            given = describe_bounds(dict(spec.bounds()))
            where = f"{name} ({given})" if given else name
            seen: dict[Any, Structure] = {}  # abstract state -> its structure, evaluated for safety, then tabulated
            for s, _inside, _succ in reachable(spec):
                a = inst.abstract(s)
                if a in seen:
                    continue
                st = seen[a] = inst.structure({"": a})
                if len(seen) > MAX_SAMPLES:
                    raise SpecError(f"{where}: more than {MAX_SAMPLES:,} distinct abstract states; infer samples "
                                    "every one: give smaller bounds (bound flags, or infer_bounds)")
                broken = [k for k, holds in goals.items() if not holds(st)]
                if broken:
                    shown = "\n".join(f"  {var} = {val}" for var, val in spec.show_state(s).items())
                    return [], "", f"{broken[0]} fails on a reachable state of {where}:\n{shown}"
            out.append(sample_table(inst, list(seen.values()), sys_.sig))
            described.append(f"{len(seen):,} distinct abstract states of {where}")
            for sort, elems in inst.domains.items():
                largest[sort] = max(largest.get(sort, 0), len(elems))
        return out, "; ".join(described + _too_small(tpls, largest)), ""

    return Problem(name, sys_, tpls, sample, prep, extract, irredundant=True)


def _too_small(tpls: Sequence[Template], largest: Mapping[str, int]) -> list[str]:
    """A warning for each sort a template has more variables of than any sampled instance has elements: a clause
    about that many distinct elements is never false on the samples, so it is a candidate whether true or not
    (one node's samples hold every clause ending ``| N1 = N2``, and infer finds nothing)."""
    out = []
    for sort, size in largest.items():
        wanted = max((sum(1 for _, s in t.universal if s == sort) for t in tpls), default=0)
        if wanted > size:
            out.append(f"WARNING: a template has {wanted} {sort} variables, the largest instance {size} {sort}"
                       f"{'s' if size != 1 else ''}: give larger bounds")
    return out


def invariant_from_file(prep: Prepared, path: str) -> Callable[[Any], dict[str, z3.BoolRef]]:
    """The conjuncts of an invariant file over the encoding's signature (``prove FILE.py:Class --invariant``), as the
    encoding's invariant: a state -> its conjuncts. An InvariantSyntaxError names the file and line."""
    sig = signature(prep)
    conjuncts: dict[str, Clause] = read_invariant_file(path, sig)
    return lambda s: {n: c.z3(sig, s) for n, c in conjuncts.items()}
