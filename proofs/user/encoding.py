"""A user's own Z3 encoding of their spec, stated in their spec's file: what :class:`Encoding` asks for.

A subclass declares, in the manner of mypyvy's ``.pyv`` files and Ivy, the protocol's sorts, its rigid
symbols (quorum membership, an order) and its state variables by signature, then its axioms, Init, one
method per action (``@transition``, parameters with their sorts), the named invariant conjuncts and the
safety properties; and, for ``paxraft bmc`` and the conformance check, the finite instance a spec's bounds
give and the abstraction from the spec's states to the encoding's symbols. :class:`Prepared` checks what
the user wrote and turns every mistake into one line naming the file, the class and what is wrong.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import z3

from proofs.logic import ActionEncoding, subterms, total_order_axioms
from spec.core import SpecError, _marked
from spec.userfiles import clip

#: ``A, B`` (a relation), ``A, B -> C`` (a function), ``-> C`` (a constant), ``""`` (a proposition).
_SIGNATURE = re.compile(r"^\s*(?P<args>[\w\s,]*?)\s*(?:->\s*(?P<range>\w+))?\s*$")


class EncodingError(SpecError):
    """A mistake in a user's encoding: one line, exit 2 (``--debug`` shows the traceback)."""


def transition(**params: str) -> Callable[[Callable], Callable]:
    """Mark ``method(self, s, t, *params)`` as the formula of the spec's action of the same name.

    ``params`` name each parameter's sort, in the method's order: the spec's label parameters first,
    then any witnesses the action reads from the state (existentially quantified in the conformance
    check). ``s`` and ``t`` are the states before and after; a variable whose next-state symbol
    (``t.x``) the formula does not mention is unchanged.
    """

    def mark(fn: Callable) -> Callable:
        fn.__paxraft_transition__ = dict(params)  # type: ignore[attr-defined]
        return fn

    return mark


@dataclass(frozen=True)
class Signature:
    """A symbol's argument sorts and its range (None: Bool, a relation)."""

    args: tuple[str, ...]
    range: str | None

    @property
    def is_relation(self) -> bool:
        return self.range is None


class Symbol:
    """A relation or function of one state (or a rigid one), called as ``s.votes(n, v)``; in the next state
    ``t.votes.add(n, v)``, ``t.votes.remove(...)`` and ``t.votes.set(lambda n, v: ...)`` state its new value."""

    def __init__(self, name: str, decl: z3.FuncDeclRef, sig: Signature, sorts: Mapping[str, z3.SortRef],
                 pre: State | None = None) -> None:
        self.name, self.decl, self.sig, self._sorts, self._pre = name, decl, sig, sorts, pre

    def __call__(self, *args: Any) -> z3.ExprRef:
        return self.decl(*args)

    def __repr__(self) -> str:
        return self.decl.name()

    def _old(self, verb: str) -> Symbol:
        if self._pre is None:
            raise EncodingError(f"{self.name}.{verb}: only the next state's symbols (t.{self.name}) take a new value")
        return self._pre.symbol(self.name)

    def fresh(self) -> list[z3.ExprRef]:
        """Bound variables for the arguments."""
        return [z3.Const(f"{s}{k}_{self.name}", self._sorts[s]) for k, s in enumerate(self.sig.args)]

    def set(self, value: Callable[..., z3.ExprRef]) -> z3.BoolRef:
        """The new value at every argument: ``t.x(xs) == value(*xs)`` for all xs."""
        self._old("set")
        xs = self.fresh()
        return z3.ForAll(xs, self.decl(*xs) == value(*xs))

    def add(self, *tup: z3.ExprRef) -> z3.BoolRef:
        """``t.x = s.x \\cup {tup}`` (a relation)."""
        old = self._old("add")
        return self.set(lambda *xs: z3.Or(old(*xs), z3.And([x == y for x, y in zip(xs, tup)])))

    def remove(self, *tup: z3.ExprRef) -> z3.BoolRef:
        """``t.x = s.x \\ {tup}`` (a relation)."""
        old = self._old("remove")
        return self.set(lambda *xs: z3.And(old(*xs), z3.Not(z3.And([x == y for x, y in zip(xs, tup)]))))

    def same(self) -> z3.BoolRef:
        """UNCHANGED (said explicitly; a symbol a formula does not mention is unchanged anyway)."""
        old = self._old("same")
        return self.set(lambda *xs: old(*xs))


class State:
    """The state variables of one state: ``s.votes`` a :class:`Symbol`, ``s.leader`` (no arguments) a Z3 term."""

    #: the state's own attributes: a variable of one of these names would be hidden behind it (``s.tag`` the tag)
    OWN = frozenset({"tag", "pre", "rel", "symbol"})

    def __init__(self, enc: Prepared, tag: str, pre: State | None = None) -> None:
        self.tag, self.pre = tag, pre
        self.rel: dict[str, z3.FuncDeclRef] = {}  # name -> declaration (what proofs.cti reads a model by)
        self._symbols: dict[str, Any] = {}
        for name, sig in enc.variables.items():
            decl = enc.declare(name + tag, sig)
            self.rel[name] = decl
            self._symbols[name] = decl() if not sig.args else Symbol(name, decl, sig, enc.sorts, pre)

    def symbol(self, name: str) -> Any:
        return self._symbols[name]

    def __getattr__(self, name: str) -> Any:
        symbols = self.__dict__.get("_symbols", {})
        if name in symbols:
            return symbols[name]
        raise AttributeError(f"the state has no variable {name!r}; variables: {', '.join(symbols)}")


class Encoding:
    """Subclass this in your spec's file, beside the spec (docs/proofs.md, "Proving your own protocol")."""

    #: The Spec class this encodes (a variant needs its own subclass, naming the variant's class).
    spec: ClassVar[type]
    #: Uninterpreted sorts: the proof holds for any number of elements of each.
    sorts: ClassVar[Sequence[str]] = ()
    #: Symbols no action changes, by signature: ``{"member": "Node, Quorum", "le": "Round, Round"}``.
    rigid: ClassVar[Mapping[str, str]] = {}
    #: The state, by signature: ``{"votes": "Node, Value", "leader": "-> Node", "owner": "Lock -> Node"}``.
    variables: ClassVar[Mapping[str, str]] = {}
    #: Ordered sorts: sort -> the name of its order, a rigid relation declared for you (``self.le(x, y)``)
    #: with the total-order axioms; on a finite instance it is the order of ``domains(spec)``, and a CTI
    #: numbers the sort's elements by it.
    orders: ClassVar[Mapping[str, str]] = {}
    #: ``paxraft infer``: the clause shapes to search (:func:`template`; default: two variables of each sort,
    #: up to three literals) and the spec's bounds whose reachable states are its samples (default: the bounds
    #: given on the command line, else the spec's defaults).
    infer_templates: ClassVar[Sequence[Any]] = ()
    infer_bounds: ClassVar[Sequence[Mapping[str, Any]]] = ()

    def axioms(self) -> Mapping[str, z3.BoolRef | Sequence[z3.BoolRef]]:
        """Named facts about the rigid symbols (quorum intersection; a list such as total_order_axioms)."""
        return {}

    def init(self, s: Any) -> z3.BoolRef:
        """The initial states."""
        raise NotImplementedError

    def invariant(self, s: Any) -> Mapping[str, z3.BoolRef]:
        """The inductive invariant, as named conjuncts (``--drop NAME`` leaves one out)."""
        raise NotImplementedError

    def safety(self, s: Any) -> Mapping[str, z3.BoolRef]:
        """The properties the invariant implies (``Inv => P`` each; ``paxraft bmc`` looks for their violation)."""
        raise NotImplementedError

    # -- the finite instance (bmc, conformance) --------------------------------------------------
    def domains(self, spec: Any) -> Mapping[str, Sequence[Any]]:
        """Each sort's elements in the instance ``spec`` (its bounds): hashable Python values."""
        raise NotImplementedError

    def interpret(self, spec: Any) -> Mapping[str, Any]:
        """Each rigid symbol on that instance: a predicate or function of the elements (a constant: a value)."""
        return {}

    def abstract(self, spec: Any, s: Any) -> Mapping[str, Any]:
        """The spec's state ``s`` in the encoding's variables: each a predicate or function (a constant: a value)."""
        raise NotImplementedError

    def label(self, spec: Any, action: str, params: tuple) -> Sequence[Any]:
        """A spec step's label parameters as the encoding's first parameters (elements of their sorts): by default
        as they are. Override when the spec's parameters are not elements (a message, a set of processes)."""
        return params


def template(variables: str, literals: int = 3, exists: str | None = None, guard: str | None = None,
             exists_literals: int = 2) -> Any:
    """A clause shape for ``paxraft infer`` (an Encoding's ``infer_templates``): ``variables`` the universal ones,
    ``"N1:Node N2:Node V1:Value"``; up to ``literals`` literals; with ``exists="y:Node"`` and ``guard="member"``
    also clauses with one ``exists y:Node. member(y, Q) & ...`` part of up to ``exists_literals`` more literals
    (Q a universal variable of the guard's second sort: "some member of every quorum ...")."""
    from proofs.infer.templates import Template

    def pairs(text: str, what: str) -> tuple[tuple[str, str], ...]:
        out = []
        for item in text.split():
            var, sep, sort = item.partition(":")
            if not sep or not var.isidentifier() or not sort.isidentifier():
                raise EncodingError(f"template({text!r}): {what} {item!r} is not NAME:Sort")
            out.append((var, sort))
        return tuple(out)

    if not isinstance(literals, int) or literals < 1:
        raise EncodingError(f"template({variables!r}): literals={literals!r}, at least 1")
    ex = pairs(exists, "the existential variable") if exists else ()
    if len(ex) > 1 or (ex and not guard) or (guard and not ex):
        raise EncodingError(f"template({variables!r}): exists names one variable, NAME:Sort, and goes with guard")
    return Template(pairs(variables, "variable"), literals, rigid_last=False, exists=ex[0] if ex else None,
                    guard=guard, max_exists_literals=exists_literals)


def _encodings(module: ModuleType | None) -> list[type[Encoding]]:
    """The Encoding subclasses a module holds (defined there or imported), each naming its spec class."""
    return [v for v in (vars(module).values() if module else ()) if isinstance(v, type)
            and issubclass(v, Encoding) and v is not Encoding and isinstance(getattr(v, "spec", None), type)]


def declared_encodings(spec_cls: type) -> list[type[Encoding]]:
    """The Encoding subclasses ``spec_cls``'s file declares (each naming the spec class it encodes)."""
    return _encodings(sys.modules.get(spec_cls.__module__))


def encoding_class(spec_cls: type, where: str, named: ModuleType | None = None) -> type[Encoding]:
    """The Encoding subclass whose ``spec`` is ``spec_cls`` (an EncodingError if none): one defined in ``named``,
    the module of the file the user named, first (the spec class imported there from another file, its encoding
    beside it was passed over for the one of the spec's own file, silently: another proof than the one asked
    for), else the one of the spec class's file."""
    if named is not None:
        own = [c for c in _encodings(named) if c.spec is spec_cls and c.__module__ == named.__name__]
        if len(own) == 1:
            return own[0]
        if own:
            raise EncodingError(f"{where}: {len(own)} encodings name spec = {spec_cls.__name__} "
                                f"({', '.join(c.__name__ for c in own)}): keep one")
    declared = declared_encodings(spec_cls)
    found = [c for c in declared if c.spec is spec_cls]
    if len(found) == 1:
        return found[0]
    if found:
        raise EncodingError(f"{where}: {len(found)} encodings name spec = {spec_cls.__name__} "
                            f"({', '.join(c.__name__ for c in found)}): keep one")
    near = [c for c in declared if issubclass(spec_cls, c.spec)]
    hint = (f"; {near[0].__name__} encodes {near[0].spec.__name__}, which {spec_cls.__name__} extends: a subclass "
            f"(a variant too) needs its own, e.g. class ...({near[0].__name__}) with spec = {spec_cls.__name__}"
            ) if near else ""
    raise EncodingError(f"{where}: no Z3 encoding declared for {spec_cls.__name__} (a subclass of "
                        f"proofs.user.Encoding with spec = {spec_cls.__name__}, docs/proofs.md){hint}")


@dataclass
class Transition:
    """One ``@transition`` method: its name, parameter sorts in order, and the method."""

    name: str
    params: dict[str, str]
    method: Callable[..., Any]


@dataclass
class Prepared:
    """A user's encoding checked and ready: the interface proofs.logic.inductive_obligations reads
    (``state``, ``init``, ``invariant``, ``actions``, ``real_state``, ``voc.axioms()``), and ``safety``."""

    user: Encoding
    where: str  #: "FILE: Class", the prefix of every error
    sorts: dict[str, z3.SortRef] = field(default_factory=dict)
    rigid: dict[str, Signature] = field(default_factory=dict)
    variables: dict[str, Signature] = field(default_factory=dict)
    transitions: list[Transition] = field(default_factory=list)
    label_arity: dict[str, int] = field(default_factory=dict)
    #: the symbols without arguments, by name (as z3 names them in the state before): what they are
    constants: dict[str, str] = field(default_factory=dict)
    #: ``prove --invariant FILE``: the file's conjuncts over a state, in place of the user's ``invariant``
    given_invariant: Callable[[Any], dict[str, z3.BoolRef]] | None = None
    #: the names of every symbol declared (rigid, and each state's variables): what a formula may apply
    declared: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, spec_cls: type, named: ModuleType | None = None) -> Prepared:
        """Find, instantiate and check the encoding of ``spec_cls``: declared in ``named`` (the module of the file
        the user named) or in the spec class's file (:func:`encoding_class`); errors name the encoding's file."""
        enc = encoding_class(spec_cls, f"{_file_of(named or spec_cls)}: {spec_cls.__name__}", named)
        return cls.build(enc, spec_cls, _file_of(enc))

    @classmethod
    def build(cls, enc_cls: type[Encoding], spec_cls: type, file: str) -> Prepared:
        """Instantiate and check ``enc_cls`` as the encoding of ``spec_cls`` (errors name ``file``)."""
        where = f"{file}: {enc_cls.__name__}"
        try:
            user = enc_cls()
        except Exception as exc:  # the user's constructor
            raise EncodingError(f"{where}: {type(exc).__name__}: {exc}") from exc
        prep = cls(user, where)
        prep._declare()
        prep._check_actions(spec_cls)
        return prep

    # -- declarations ---------------------------------------------------------------------------------
    def error(self, what: str) -> EncodingError:
        return EncodingError(f"{self.where}: {what}")

    def _declare(self) -> None:
        u = type(self.user)
        for s in u.sorts:
            if not isinstance(s, str) or not s.isidentifier():
                raise self.error(f"sorts: {s!r} is not a name")
            self.sorts[s] = z3.DeclareSort(s)
        for attr in ("rigid", "variables"):
            table = getattr(u, attr)
            if not isinstance(table, Mapping):
                raise self.error(f"{attr} must map each name to a signature such as 'Node, Value'")
            for name, text in table.items():
                if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
                    raise self.error(f"{attr}: {name!r} is not a name (s.{name} must reach it)")
                if attr == "variables" and name in State.OWN:
                    raise self.error(f"variables: {name!r} is a name the state itself uses (s.{name}): rename it")
                getattr(self, attr)[name] = self._signature(attr, name, text)
        if not isinstance(u.orders, Mapping):
            raise self.error("orders must map an ordered sort to the name of its order: {'Round': 'le'}")
        for sort, rel in u.orders.items():
            if sort not in self.sorts:
                raise self.error(f"orders: {sort!r} is not a sort ({', '.join(self.sorts)})")
            if not isinstance(rel, str) or not rel.isidentifier() or rel in self.rigid:
                raise self.error(f"orders[{sort!r}] = {rel!r}: name a relation not declared otherwise")
            self.rigid[rel] = Signature((sort, sort), None)
        both = set(self.rigid) & set(self.variables)
        if both:
            raise self.error(f"{sorted(both)[0]} is both rigid and a variable")
        for name in [*self.sorts, *self.rigid]:
            if hasattr(u, name):
                raise self.error(f"the sort or rigid symbol {name!r} has the name of an attribute of the class")
        # z3 names a constant by its name: a parameter or bound variable of this name would be the very symbol
        self.constants = {n: kind for kind, tab in (("rigid constant", self.rigid), ("state variable", self.variables))
                          for n, sig in tab.items() if not sig.args}
        for name, z in self.sorts.items():
            setattr(self.user, name, z)
        for name, sig in self.rigid.items():
            decl = self.declare(name, sig)
            setattr(self.user, name, decl() if not sig.args else Symbol(name, decl, sig, self.sorts))

    def _signature(self, attr: str, name: str, text: Any) -> Signature:
        m = _SIGNATURE.match(text) if isinstance(text, str) else None
        if m is None:
            raise self.error(f"{attr}[{name!r}] = {text!r}: a signature is 'A, B' (a relation), 'A -> B' (a function) "
                             "or '-> B' (a constant)")
        args = tuple(a.strip() for a in m["args"].split(",") if a.strip())
        for s in [*args, *([m["range"]] if m["range"] else [])]:
            if s not in self.sorts:
                raise self.error(f"{attr}[{name!r}] = {text!r} names sort {s!r}, not one of "
                                 f"{', '.join(self.sorts) or 'the sorts (none declared)'}")
        return Signature(args, m["range"])

    def declare(self, name: str, sig: Signature) -> z3.FuncDeclRef:
        self.declared.add(name)
        rng = z3.BoolSort() if sig.range is None else self.sorts[sig.range]
        return z3.Function(name, *[self.sorts[a] for a in sig.args], rng)

    def _check_actions(self, spec_cls: type) -> None:
        spec_actions = _marked(spec_cls, "__paxraft_action__")
        for name in _marked(type(self.user), "__paxraft_transition__"):
            method = getattr(self.user, name)
            # an override without @transition keeps the parameters of the nearest declaration (as @action does)
            params = next(vars(k)[name].__paxraft_transition__ for k in type(self.user).__mro__
                          if hasattr(vars(k).get(name), "__paxraft_transition__"))
            if name not in spec_actions:
                raise self.error(f"@transition {name}: {spec_cls.__name__} has no action {name} "
                                 f"(its actions: {', '.join(spec_actions)})")
            bad = [f"{p}: {s!r}" for p, s in params.items() if s not in self.sorts]
            if bad:
                raise self.error(f"@transition {name}: parameter {bad[0]} is not a sort ({', '.join(self.sorts)})")
            named = [p for p in params if p in self.constants]
            if named:  # the parameter would be the constant itself: the action only for its value (a proof of less)
                raise self.error(f"@transition {name}: parameter {named[0]!r} has the name of the "
                                 f"{self.constants[named[0]]} {named[0]}, and z3 takes the two for one constant: "
                                 "rename the parameter")
            want = ["s", "t", *params]
            got = list(inspect.signature(method).parameters)
            if len(got) != len(want):
                raise self.error(f"@transition {name}: the method takes ({', '.join(got)}) but the decorator names "
                                 f"({', '.join(want)}): the states before and after, then each parameter")
            spec_params = list(inspect.signature(getattr(spec_cls, name)).parameters)[2:]
            if len(spec_params) > len(params):
                raise self.error(f"@transition {name}: the spec's action takes {len(spec_params)} parameters "
                                 f"({', '.join(spec_params)}), the encoding's {len(params)}: name a sort for each, "
                                 "in the spec's order")
            self.transitions.append(Transition(name, params, method))
            self.label_arity[name] = len(spec_params)
        missing = [a for a in spec_actions if a not in {t.name for t in self.transitions}]
        if missing:
            raise self.error(f"no @transition for the spec's action {missing[0]} (every action of "
                             f"{spec_cls.__name__} needs its formula, or the proof would leave it out)")

    # -- calling the user's methods -------------------------------------------------------------------
    def call(self, what: str, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)``; any exception (z3's among them) is one line naming ``what``."""
        try:
            return fn(*args)
        except EncodingError as exc:  # raised by a helper (t.x.add on a state before): say where
            if str(exc).startswith(self.where):
                raise
            raise self.error(f"{what}: {exc}") from exc
        except NotImplementedError:
            raise self.error(f"{what} is not defined (docs/proofs.md, \"Proving your own protocol\")") from None
        except Exception as exc:  # the user's code
            kind = "z3 error" if isinstance(exc, z3.Z3Exception) else type(exc).__name__
            hint = ""
            if isinstance(exc, TypeError) and re.search(r"'\w+Ref' object is not callable", str(exc)):
                hint = " (a constant or proposition is a term: s.x, not s.x())"  # s.flag() in place of s.flag
            raise self.error(f"{what}: {kind}: {exc}{hint}") from exc

    def formula(self, what: str, value: Any, params: Sequence[str] = ()) -> z3.BoolRef:
        """``value`` if it is a Z3 formula over the encoding's symbols (and ``params``, an action's parameters),
        else an error saying what it is."""
        if isinstance(value, z3.BoolRef):
            mentioned, bound = _declarations(value)
            self._captures(what, bound, params)
            free = sorted(mentioned - self.declared - set(params))
            if free:  # (an internal error once a CTI or a spec state was evaluated: KeyError 'free', exit 4)
                raise self.error(f"{what}: uses {clip(free[0])!r}, a z3 constant or function that is none of the "
                                 "encoding's rigid symbols or state variables, nor bound by a quantifier: declare it "
                                 "in rigid (or variables), or bind it")
            return value
        kind = f"a term of sort {value.sort()}" if isinstance(value, z3.ExprRef) else f"a {type(value).__name__}"
        raise self.error(f"{what} is {kind}, not a formula (a z3 Bool)")

    def _captures(self, what: str, bound: set[str], params: Sequence[str] = ()) -> None:
        """Refuse a quantifier binding a parameter's name or a constant's (a state variable or rigid symbol without
        arguments): z3 names a constant by its name, so the quantifier would bind that constant too, silently
        (``ForAll([Const('leader', Node)], ...)`` over a state's ``leader``: a formula about another state)."""
        for name in sorted(bound):
            if name in params:
                raise self.error(f"{what}: a quantifier binds a variable named {name!r}, as the parameter is "
                                 "named: rename the bound variable")
            if name in self.constants:
                raise self.error(f"{what}: a quantifier binds a variable named {name!r}, the name of the "
                                 f"{self.constants[name]} {name}, and z3 takes the two for one constant: rename "
                                 "the bound variable")

    def named(self, what: str, value: Any) -> dict[str, z3.BoolRef]:
        if not isinstance(value, Mapping):
            raise self.error(f"{what} must return a dict of name -> formula, not a {type(value).__name__}")
        return {str(k): self.formula(f"{what} {k!r}", f) for k, f in value.items()}

    # -- what inductive_obligations reads --------------------------------------------------------------
    @property
    def voc(self) -> Prepared:
        return self

    def axioms(self) -> list[tuple[str, z3.BoolRef]]:
        value = self.call("axioms()", self.user.axioms)
        if not isinstance(value, Mapping):
            raise self.error(f"axioms() must return a dict of name -> formula (or list), not a {type(value).__name__}")
        out = []
        for sort, rel in type(self.user).orders.items():
            le = getattr(self.user, rel).decl
            out += [(f"{rel}TotalOrder{i + 1}", f) for i, f in enumerate(total_order_axioms(le, self.sorts[sort]))]
        for k, f in value.items():
            if isinstance(f, (list, tuple)):
                out += [(f"{k}{i + 1}", self.formula(f"axiom {k!r}", g)) for i, g in enumerate(f)]
            else:
                out.append((str(k), self.formula(f"axiom {k!r}", f)))
        return out

    def state(self, tag: str, pre: State | None = None) -> State:
        return State(self, tag, pre)

    def init(self, s: State) -> z3.BoolRef:
        return self.formula("init(s)", self.call("init(s)", self.user.init, s))

    def invariant(self, s: State) -> dict[str, z3.BoolRef]:
        if self.given_invariant is not None:
            return self.given_invariant(s)
        return self.named("invariant(s)", self.call("invariant(s)", self.user.invariant, s))

    def safety(self, s: State) -> dict[str, z3.BoolRef]:
        return self.named("safety(s)", self.call("safety(s)", self.user.safety, s))

    def real_state(self, s: State) -> list[z3.BoolRef]:
        return []

    def actions(self, pre: State, post: State) -> list[ActionEncoding]:
        """Each @transition's formula with its parameters, and UNCHANGED for every variable it does not mention."""
        if post.pre is None:
            post.pre = pre
            for sym in post._symbols.values():
                if isinstance(sym, Symbol):
                    sym._pre = pre
        out = []
        for tr in self.transitions:
            params = [z3.Const(p, self.sorts[s]) for p, s in tr.params.items()]
            what = f"{tr.name}(s, t, {', '.join(tr.params)})"
            f = self.formula(what, self.call(what, tr.method, pre, post, *params), list(tr.params))
            mentioned, _ = _declarations(f)
            frame = [self._same(pre, post, n) for n in self.variables if post.rel[n].name() not in mentioned]
            out.append(ActionEncoding(tr.name, params, self.label_arity[tr.name], z3.And(f, *frame)))
        return out

    def _same(self, pre: State, post: State, name: str) -> z3.BoolRef:
        sym = post.symbol(name)
        return sym.same() if isinstance(sym, Symbol) else sym == pre.symbol(name)

    # -- the finite instance ----------------------------------------------------------------------------
    def all_sorts(self) -> list[z3.SortRef]:
        return list(self.sorts.values())

    def rigid_decls(self) -> list[z3.FuncDeclRef]:
        out = []
        for name in self.rigid:
            sym = getattr(self.user, name)
            out.append(sym.decl if isinstance(sym, Symbol) else sym.decl())
        return out


def _declarations(f: z3.ExprRef) -> tuple[set[str], set[str]]:
    """The names of the uninterpreted symbols ``f`` applies, and of the variables its quantifiers bind."""
    names: set[str] = set()
    bound: set[str] = set()
    for e in subterms(f):
        if z3.is_quantifier(e):
            bound.update(e.var_name(i) for i in range(e.num_vars()))
        elif z3.is_app(e) and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            names.add(e.decl().name())
    return names, bound


def _file_of(thing: type | ModuleType) -> str:
    """The file a class or module came from, as the user would name it."""
    module = thing if isinstance(thing, ModuleType) else sys.modules.get(thing.__module__)
    path = getattr(module, "__paxraft_file__", None) or getattr(module, "__file__", None) or (
        inspect.getsourcefile(thing) if isinstance(thing, type) else None) or getattr(module, "__name__", "?")
    return _shown(Path(str(path)))


def _shown(path: Path) -> str:
    """A file as the user named it: relative to the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


