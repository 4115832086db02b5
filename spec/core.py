"""The specification contract: states, actions, invariants, bounds and symmetry.

A spec is a guarded-command transition system written to read beside its TLA+
original: one method per action, decorated with :func:`action`, whose first
argument after ``self`` is the current state and whose remaining arguments are
the action's parameters.  The method returns the successor state, or ``None``
when the action is not enabled for those parameters.  The decorator names a
parameter enumerator: a function of the state giving candidate parameter tuples
(it may over-approximate; the step is the authority on enabledness).

States are immutable, hashable values built from ints, tuples and frozensets.
Keeping atoms as small ints (not strings) makes ``hash(state)`` identical in
every process and every run, which the checker relies on for deterministic
fingerprints, symmetry representatives and counterexamples.
"""

from __future__ import annotations

import copy
import decimal
import functools
import inspect
import itertools
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from spec.reads import names_state, remembered
from spec.suggest import hint
from spec.values import fast_records

State = Any
"""A spec state: an immutable, hashable value (a NamedTuple of ints, tuples, frozensets)."""

Params = tuple
ParamEnumerator = Callable[[Any, State], Iterable[Params]]



def renamings(sets: Mapping[str, int]) -> int | Decimal:
    """How many renamings symmetric sets of these sizes make: the product of the sizes' factorials, exact up to 20
    elements a set, else its order of magnitude as a Decimal (math.factorial(10**6) took minutes before a search
    that could only be refused)."""
    if all(n <= 20 for n in sets.values()):
        return math.prod(math.factorial(n) for n in sets.values())
    digits = Decimal(sum(math.lgamma(n + 1) for n in sets.values()) / math.log(10))
    return decimal.Context(Emax=decimal.MAX_EMAX).power(Decimal(10), digits)

class SpecError(ValueError):
    """A spec was given bounds or options that do not make a valid model."""


@dataclass(frozen=True)
class Option:
    """A bound the command line sets: ``--flag`` fills keyword ``dest`` of the spec's constructor.

    A spec declares its own table as ``bound_options``; without one, paxraft reads the options
    from the constructor's signature (see :func:`spec.registry.options_of`).
    """

    flag: str
    dest: str
    type: Callable[[str], Any]
    default: Any
    help: str
    required: bool = False  # the constructor argument has no default: the flag must be given
    names_file: bool = False  # a path the spec opens: replay takes it from --bounds, never from a trace

    def default_note(self) -> str:
        """What `paxraft list` and `check SPEC --help` print after the help text: " (default 3)", or nothing for an
        on/off flag and for a default of None, which the help text explains ("default a majority")."""
        if self.type is bool or (self.default is None and not self.required):
            return ""
        if self.required:
            return " (required)"
        return " (default empty)" if self.default == "" else f" (default {self.default})"


class _Outside:
    """The type of :data:`OUTSIDE` (one object, compared by identity)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "OUTSIDE"

    def __reduce__(self) -> str:  # the same object in every process (--workers)
        return "OUTSIDE"


OUTSIDE: Any = _Outside()
"""What a step may return, while its spec's ``count_outside`` is true, instead of a successor it knows
lies outside the state constraint and satisfies every invariant the spec checks: the exhaustive
searches count it as generated (TLC counts such a successor) and build, hash and check nothing.
Those searches set ``count_outside`` while they expand, and only when what they would check on such
a successor is the spec's own invariants (or none); in every other use of a step (simulation, the
explorer, trace replay, a ``--reach`` goal) it is false and a step returns the successor itself."""


class Counted(tuple):
    """What an enumerator marked with :func:`counts_outside` may return while its spec's
    ``count_outside`` is true: the parameter tuples whose steps the search calls, followed (in the
    action's order) by ``outside`` more whose steps would each answer :data:`OUTSIDE`. The exhaustive
    searches count those as generated after the others and never call their step: a state where
    every ``Timeout`` is past MaxTerm costs one enumerator call, not one step call per server."""

    outside: int

    def __new__(cls, params: Iterable[Params], outside: int) -> Counted:
        self = tuple.__new__(cls, params)
        self.outside = outside
        return self

    def __reduce__(self) -> tuple:  # pickle (--ray ships specs with their memos) both parts
        return (Counted, (tuple(self), self.outside))

    def __repr__(self) -> str:
        return f"Counted({tuple(self)!r}, outside={self.outside})"


def counts_outside(enum: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a parameter enumerator that may return :class:`Counted` (the engines' loops then look
    for it; an unmarked enumerator is never asked, so its loop pays nothing)."""
    enum.counts_outside = True  # type: ignore[attr-defined]
    return enum


def bundled(bundle: Callable[[Any, State], Sequence[Any]], k: int) -> Callable[[Any, State], Any]:
    """The parameter enumerator ``bundle(self, state)[k]``: one of several actions' parameters worked out
    together, once per state, by the spec's ``bundle`` (a pure function of the state, the constants and
    ``count_outside``). The engines' generated loops call ``bundle`` once per state and take item ``k``
    for the action, instead of calling one enumerator per action (a call costs more than the answer when
    the bundle is remembered); every other user calls the enumerator, which asks the bundle. A spec with
    ``canonical_order`` true is refused (its enumerators are called and sorted one by one)."""

    def enum(self: Any, state: State) -> Any:
        items = bundle(self, state)
        try:
            return items[k]
        except IndexError:  # (the generated loops index the bundle themselves: the preflight calls this first)
            raise SpecError(f"{self.name}: {bundle.__qualname__} gave {len(items)} items; "
                            f"bundled({bundle.__name__}, {k}) takes item {k}") from None

    enum.bundle = (bundle, k)  # type: ignore[attr-defined]
    return enum


@dataclass(frozen=True)
class Label:
    """An action label ``(name, params)``: what a trace step names and what a test picks."""

    name: str
    params: Params = ()

    def __str__(self) -> str:
        return f"{self.name}({', '.join(map(str, self.params))})"


@dataclass(frozen=True)
class Action:
    """One action of a spec, bound to a spec instance."""

    name: str
    param_names: tuple[str, ...]
    enumerate: Callable[[State], Iterable[Params]]
    step: Callable[..., State | None]

    def successors(self, state: State) -> Iterator[tuple[Params, State]]:
        """Yield ``(params, successor)`` for every enabled parameter tuple."""
        step = self.step
        for params in self.enumerate(state):
            nxt = step(state, *params)
            if nxt is not None and nxt is not OUTSIDE:  # OUTSIDE: never a stored state (trace replay)
                yield params, nxt


def _never_enabled(state: State) -> tuple:
    """The parameter enumerator of an action left out of Next."""
    return ()


def _never_step(state: State, *params: Any) -> None:
    """The step of an action left out of Next: never enabled (a replayed trace using it fails)."""
    return None


def order_key(x: Any) -> Any:
    """A total order on state values: ints, strings, tuples (records too) and frozensets compare by
    value (a frozenset by its sorted elements), different kinds by kind name."""
    if isinstance(x, tuple):
        return ("tuple", tuple(order_key(y) for y in x))
    if isinstance(x, frozenset):
        return ("frozenset", tuple(sorted(order_key(y) for y in x)))
    if x is None or isinstance(x, (bool, int, float, str)):
        return (type(x).__name__, x)
    return (type(x).__name__, repr(x))


def shown_value(value: Any) -> Any:
    """A value as reports take it: a set (a frozenset field, a MsgSet) becomes a list sorted by value, which reads
    as a set; tuples, lists and dicts are gone into. (A set printed as ``frozenset()``.)"""
    if isinstance(value, (set, frozenset)):
        return [shown_value(x) for x in sorted(value, key=order_key)]
    if isinstance(value, tuple):
        return tuple(shown_value(x) for x in value)
    if isinstance(value, list):
        return [shown_value(x) for x in value]
    if isinstance(value, dict):
        return {k: shown_value(x) for k, x in value.items()}
    return value


def compact(value: Any) -> str:
    """A shown value (what ``show_state`` gives, through :func:`shown_value`) as text: the one rendering, in check's
    traces, step labels, the explorer, the DOT tables and lanes. A list reads as a set ``{x, y}``, a tuple as a
    sequence ``<<x, y>>``, a dict as a record or function ``[k |-> v, ...]`` (a message's ``type`` first, as
    given), at any depth; anything else as ``str`` gives it. (check printed a list inside a dict as JSON,
    ``[1, 2]`` with quoted strings, and the explorer as ``{1, 2}``: two renderers of one state.)"""
    if isinstance(value, list):
        return "{" + ", ".join(compact(x) for x in value) + "}"
    if isinstance(value, tuple):
        return "<<" + ", ".join(compact(x) for x in value) + ">>"
    if isinstance(value, dict):
        return "[" + ", ".join(f"{k} |-> {compact(v)}" for k, v in value.items()) + "]"
    return str(value)


ORDER_CACHE = 1 << 14
"""Parameter lists remembered per action once sorted by :func:`order_key` (then the cache starts over)."""


def _in_canonical_order(enum: Callable[[State], Iterable[Params]]) -> Callable[[State], Sequence[Params]]:
    """``enum`` with its parameter tuples sorted by value (see :attr:`Spec.canonical_order`).

    Most enumerators yield in order already: one pass in C (``operator.le`` over neighbours) shows
    it, and the list is taken as yielded. Else tuples of ints sort in C and form a chain. Parameters holding sets
    (a quorum, a witness) do not form a chain and need :func:`order_key`, ten times dearer; but
    an enumerator yields the same few lists over and over (often one per action, whatever the
    state), so those are sorted once and looked up by the list yielded: the sorted result is a
    function of the list's elements, so the lookup gives exactly what sorting would.
    """
    cache: dict[tuple, tuple] = {}
    sets = False  # this enumerator has yielded a list that is not a chain: look it up first

    def ordered(state: State) -> Sequence[Params]:
        nonlocal sets
        raw = tuple(enum(state))
        if len(raw) < 2:
            return raw
        if sets:
            try:
                out = cache.get(raw)
            except TypeError:  # a parameter holding a set or list: as yielded, for the contract check to name
                return raw
            if out is not None:
                return out
        else:
            try:  # most enumerators yield in order already: then sorting would give raw itself
                if all(map(operator.le, raw, itertools.islice(raw, 1, None))):
                    return raw
            except TypeError:  # values of different kinds: sorted by order_key below
                pass
        try:
            hash(raw)
        except TypeError:
            return raw
        try:
            ps = sorted(raw)
        except TypeError:  # values of different kinds
            ps = None
        if ps is not None and all(map(operator.le, ps, itertools.islice(ps, 1, None))):
            return ps
        sets = True  # not a chain (sets compare by inclusion): sort by value, once per list
        if len(cache) >= ORDER_CACHE:
            cache.clear()
        out = cache[raw] = tuple(sorted(raw, key=order_key))
        return out

    return ordered


def _once(enum: Callable[[State], Iterable[Params]]) -> Callable[[State], Sequence[Params]]:
    """An enumerator that does not read the state (:func:`spec.reads.names_state`) gives the same parameters in
    every state: they are taken (and put in canonical order) once, on the first call, and that tuple
    is given every time after (the spec's constants are fixed once it is built)."""
    cached: tuple | None = None

    def constant(state: State) -> Sequence[Params]:
        nonlocal cached
        if cached is None:
            cached = tuple(enum(state))
        return cached

    constant.state_free = True  # type: ignore[attr-defined]  # the engines' loops then ask it once per level
    constant.anew = enum  # type: ignore[attr-defined]  # called every time: the preflight compares the two
    return constant


def bound_enumerator(marker: Any, spec: Any) -> Callable[[State], Any]:
    """``marker`` bound to ``spec`` as a method of its class would be (a function gets the spec, a staticmethod
    not); a callable that binds no way (an object with ``__call__``, ``functools.partial``, a method of another
    object) is called as ``params(spec, state)``. Binding no way includes a ``__get__`` that gives the callable
    back unbound: Python 3.13's partial and bound method have one (3.11's have none), and binding through it
    called them without the spec (TypeError under 3.13 only)."""
    get = getattr(type(marker), "__get__", None)
    if get is not None and not isinstance(marker, functools.partial):  # 3.13's warns "will be a method descriptor"
        bound = get(marker, spec, type(spec))
        if bound is not marker:
            return bound
    return functools.partial(marker, spec)


def _not_overridden(cls: type, action_name: str, marker: Any) -> None:
    """Refuse an action whose enumerator (or bundle) is a method of the spec's class that ``cls`` overrides:
    ``@action(each_proc)`` takes the function itself, so a subclass's own ``each_proc`` silently changed nothing
    (a variant restricting who may request checked the base model's 865 states)."""
    bundle = getattr(marker, "bundle", None)  # bundled(bundle, k): (bundle, k)
    fn = bundle[0] if isinstance(bundle, tuple) else marker
    fn = getattr(fn, "__func__", fn)  # a staticmethod's or classmethod's function
    attr = getattr(fn, "__name__", "<lambda>")
    owner = next((k for k in cls.__mro__ if getattr(vars(k).get(attr), "__func__", vars(k).get(attr)) is fn), None)
    if owner is None or owner is cls:
        return
    now = inspect.getattr_static(cls, attr)
    if getattr(now, "__func__", now) is fn:
        return
    by = next(k for k in cls.__mro__ if attr in vars(k))
    again = f"bundled({attr}, {bundle[1]})" if isinstance(bundle, tuple) else attr
    raise SpecError(
        f"{cls.__name__}: {action_name}'s enumerator is {owner.__name__}.{attr}, which {by.__name__} overrides, but "
        f"@action was given the one in {owner.__name__}: declare {action_name} again in {by.__name__} "
        f"(@action({again})), or enumerate with @action(lambda self, s: self.{attr}(s)) in {owner.__name__}"
    )


def action(
    params: ParamEnumerator | None = None, *, present: Callable[[Any], bool] | None = None
) -> Callable[[Callable], Callable]:
    """Mark a spec method as an action; ``params(self, state)`` enumerates its parameters.

    ``present(self)``, when given, says whether the action is part of Next for the constants the
    spec was constructed with (Paxos's ``Restart`` only when ``max_restarts > 0``): an absent action
    is not in the action list at all, as a disjunct a TLC model never wrote.
    """

    def mark(fn: Callable) -> Callable:
        fn.__paxraft_action__ = params or (lambda self, s: ((),))  # type: ignore[attr-defined]
        if present is not None:
            fn.__paxraft_present__ = present  # type: ignore[attr-defined]
        return fn

    mark.__paxraft_unapplied__ = params  # type: ignore[attr-defined]  # (a bare @action: Spec.__init_subclass__)
    return mark


def refines(abstract: type[Spec] | str) -> Callable[[Callable], Callable]:
    """Mark ``method(self) -> (abstract spec, mapping)`` as a refinement mapping of this spec onto
    ``abstract`` (a spec class, or its name): ``paxraft refine FILE.py:Class NAME`` finds it.

    The method builds the abstract spec with constants matching this one's and returns it with
    the function from this spec's states to the abstract spec's, as TLA+'s ``INSTANCE ... WITH``.
    """

    def mark(fn: Callable) -> Callable:
        fn.__paxraft_refines__ = abstract  # type: ignore[attr-defined]
        return fn

    return mark


def invariant(fn: Callable[[Any, State], bool]) -> Callable[[Any, State], bool]:
    """Mark a spec method as a named state invariant (the method's name is the invariant's)."""
    fn.__paxraft_invariant__ = True  # type: ignore[attr-defined]
    return fn


def action_invariant(fn: Callable[[Any, State, State], bool]) -> Callable[[Any, State, State], bool]:
    """Mark a spec method ``fn(s, t)`` as a named invariant of steps: it must hold for every step from a
    reachable state ``s`` to a successor ``t`` (TLA+'s action property ``[][A]_vars``, checked by TLC during its
    search; Apalache's action invariant). A stutter (``t == s``) satisfies it, as ``[A]_vars`` holds when the
    variables are unchanged, so ``fn`` is not asked about one."""
    fn.__paxraft_action_invariant__ = True  # type: ignore[attr-defined]
    return fn


def summary(doc: str | None) -> str:
    """A docstring's summary: its first paragraph, its lines joined (a summary wrapped onto a second line was cut in
    the middle of its sentence where paxraft printed only the first line: ``list``'s spec line, an invariant's why)."""
    para = (doc or "").strip().split("\n\n", 1)[0]
    return " ".join(line.strip() for line in para.splitlines())


def returned(value: object) -> str:
    """What a predicate returned instead of True or False, said short: ``None (a missing return?)``, ``set {1}``."""
    if value is None:
        return "None (a missing return?)"
    shown = repr(value)
    return f"{type_name(value)} {shown if len(shown) <= 40 else shown[:37] + '...'}"


def type_name(value: object) -> str:
    """The type of ``value`` as a user would look it up: a builtin's name, another module's type with the module
    (``numpy.bool np.True_``: numpy's own bool, no Python bool, was said 'bool np.True_'), a class of the user's
    file by its name."""
    kind = type(value)
    if kind.__module__ == "builtins" or kind.__module__.startswith("paxraft_user_"):
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def not_a_bool(spec: Any, kind: str, name: str, value: object) -> SpecError:
    """The error for a predicate that returned something other than True or False: judging it by
    truthiness would quietly pass an invariant returning None (a forgotten ``return``) or fail one
    returning an empty set."""
    return SpecError(f"{spec.name}: {kind} {name} returned {returned(value)}, not True or False "
                     f"(return a bool: e.g. bool(...), len(...) > 0)")


def strict(spec: Any, kind: str, name: str, verdict: object) -> bool:
    """``verdict`` when it is True or False, else :func:`not_a_bool`'s error."""
    if verdict is True or verdict is False:
        return verdict
    raise not_a_bool(spec, kind, name, verdict)


def strict_predicate(spec: Any, kind: str, name: str, pred: Callable[[Any], Any]) -> Callable[[Any], bool]:
    """``pred``, refusing any result but True or False (see :func:`not_a_bool`)."""

    def judged(state: Any) -> bool:
        return strict(spec, kind, name, pred(state))

    return judged


def explains(invariant_name: str) -> Callable[[Callable], Callable]:
    """Mark ``why(self, state) -> str | None`` as the explanation of invariant ``invariant_name``:
    which conjunct fails and for which values (the quantifier witness), said in one line.
    ``None`` means it has nothing to add; the checker then falls back to the invariant's name."""

    def mark(fn: Callable) -> Callable:
        fn.__paxraft_explains__ = invariant_name  # type: ignore[attr-defined]
        return fn

    return mark


def witness(fn: Callable | None = None, /, **bounds: Any) -> Any:
    """Mark ``pred(self, state) -> bool`` as a named witness: a state some behaviour must reach
    (``SomeValueChosen``). ``@witness`` or ``@witness(max_log=1)``: the bounds (constructor keywords)
    of the model where it must be reachable, when the spec's defaults are too small. The default
    suite searches for every witness, so a spec that can never get there (whose invariants then
    hold vacuously) is caught; ``paxraft check SPEC --reach NAME`` shows the shortest way there."""

    def mark(f: Callable) -> Callable:
        f.__paxraft_witness__ = dict(bounds)  # type: ignore[attr-defined]
        return f

    return mark(fn) if fn is not None else mark


def restriction(name: str, *, action: str, symmetric: bool = True) -> Callable[[Callable], Callable]:
    """Mark ``guard(self, state, *params) -> bool`` as the model restriction ``name``: an extra
    enabling condition of ``action``, chosen with ``--restrict NAME``. A guard, not TLC's
    ACTION_CONSTRAINT, which generates the step, checks and counts its successor, then drops it
    (docs/variants.md). A researcher uses one to steer a search into a class of behaviours
    (say, only leaders crash) that is too deep to explore whole. ``symmetric=False`` when the
    guard singles out an element (a server by number): --symmetry is then refused."""

    def mark(fn: Callable) -> Callable:
        fn.__paxraft_restriction__ = (name, action, symmetric)  # type: ignore[attr-defined]
        return fn

    return mark


def checked_names(cls: type) -> tuple[list[str], list[str]]:
    """The names of a spec class's invariants and of its action invariants, as an instance binds them. A name
    marked both ways is refused: a subclass redefining an invariant as an action invariant kept the base's mark,
    and the check called it with one state (exit 3, 'missing 1 required positional argument'), or, decorated
    both ways, reported a state's violation as 'action invariant Foo is violated'."""
    # a name a subclass sets to None is left out: a TLC cfg checks the INVARIANTS it names, not every one the module
    # defines (MC_HDiskSynod.cfg leaves out HInv5), and ``HInv5 = None`` was an exit 3 ('NoneType' object is not
    # callable) where nothing else could drop an inherited invariant
    invariants, of_steps = ([n for n in _marked(cls, marker) if getattr(cls, n) is not None]
                            for marker in ("__paxraft_invariant__", "__paxraft_action_invariant__"))
    both = [n for n in of_steps if n in invariants]
    if both:
        raise SpecError(f"{cls.__name__}: {both[0]} is marked both @invariant and @action_invariant (a method "
                        "redefined in a subclass keeps the mark of its base's): give the invariant of steps a name "
                        "of its own")
    return invariants, of_steps


def _model_names(names: Iterable[str]) -> tuple[str, ...]:
    """The names a model option gives (``without``, ``restrict``, ``only_invariants``): stripped, blanks dropped,
    each once, in the order given."""
    return tuple(dict.fromkeys(n.strip() for n in names if n.strip()))


def _marked(cls: type, marker: str) -> list[str]:
    """Names marked with ``marker`` anywhere in the MRO, in base-class definition order.

    An override keeps its place and stays marked even when it is not decorated again,
    so a variant can redefine ``Phase2a`` with a plain ``def``.
    """
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if name not in names and getattr(value, marker, None) is not None:
                names.append(name)
    return names


def _inherited_marker(cls: type, name: str, marker: str) -> Any:
    """The nearest definition of ``marker`` on method ``name`` along the MRO."""
    for klass in cls.__mro__:
        value = vars(klass).get(name)
        if value is not None and getattr(value, marker, None) is not None:
            return getattr(value, marker)
    raise AttributeError(name)


class Spec:
    """Base class of every executable specification.

    Subclasses set ``name``, ``variables`` and implement :meth:`init_states`; they
    declare actions with :func:`action` and invariants with :func:`invariant`.
    A variant subclasses a spec, overrides one action or parameter, and sets
    ``variant`` (its catalog name) and ``breaks`` (the property it violates).
    """

    name: ClassVar[str] = "spec"
    variables: tuple[str, ...] = ()  # (not a ClassVar: an instance may add its own, Paxos's restarts)
    # Catalog fields of a variant (see spec/registry.py and `paxraft variants`):
    variant: ClassVar[str | None] = None  # its name, e.g. "ignore-votes"
    rule: ClassVar[str] = ""  # the one rule changed, one line
    breaks: ClassVar[str | None] = None  # the invariant/property it violates; None = safe
    failing_bounds: ClassVar[dict[str, Any] | None] = None  # smallest bounds where it fails
    trace_length: ClassVar[int | None] = None  # shortest counterexample there (transitions)
    source: ClassVar[str] = ""  # paper section or public report

    #: Set by the exhaustive searches while they expand: a step may then return :data:`OUTSIDE`.
    count_outside: bool = False

    #: The bounds the command line sets, when the constructor's signature does not say enough
    #: (help texts, a flag spelt differently); empty: read from the signature.
    bound_options: ClassVar[tuple[Option, ...]] = ()

    #: Whether ``name`` is the class's own name for want of a declared one (TCommit's, not Paxos's "paxos").
    _named_by_class: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A spec class that sets no ``name`` is called by its class name (``TCommit``); so is a subclass
        of such a class that is no variant (a variant is its spec's, ``TwoPhase[eager-commit]``). A
        subclass of a spec with a declared name (paxos) keeps that name, as an audit's implementation does."""
        super().__init_subclass__(**kwargs)
        if "name" in vars(cls) and not isinstance(cls.name, str):  # a helper def name(self, p): shadows it
            raise SpecError(f"{cls.__name__}.name is a {type(cls.name).__name__}, not a str: paxraft prints a spec's "
                            "name attribute as its name (the class name when there is none); rename that method")
        for name, mark in (("invariants", "@invariant"), ("action_invariants", "@action_invariant")):
            given = vars(cls).get(name)  # (a method returning a dict: "internal error: 'function' object has no
            if given is not None and not isinstance(given, property):  # attribute 'items'", exit 4)
                raise SpecError(f"{cls.__name__}.{name} is defined as a {type(given).__name__}: it is the property "
                                f"that lists the spec's {mark} methods; mark each invariant's method {mark} instead")
        # `@action` with no parentheses: the method became action()'s marker, no action, and a check of the model
        # without it said "No error found."
        for attr, value in vars(cls).items():
            if getattr(getattr(value, "__paxraft_unapplied__", None), "__name__", None) == attr:
                raise SpecError(f"{cls.__name__}.{attr}: @action without parentheses, which makes no action of it: "
                                "write @action() (no parameters) or @action(enumerator)")
        if "name" in vars(cls):
            cls._named_by_class = False
        elif cls.name == Spec.name or (cls._named_by_class and cls.variant is None):
            cls.name, cls._named_by_class = cls.__name__, True

    def __new__(cls, *args: Any, **kwargs: Any) -> Spec:
        """Record the constructor's arguments (defaults applied): a spec that does not define
        :meth:`bounds` reports them, so its traces name the model they came from."""
        self = super().__new__(cls)
        try:
            bound = inspect.signature(cls.__init__).bind(self, *args, **kwargs)
        except TypeError:  # copy/pickle call __new__ without the arguments; __init__ will complain
            return self
        bound.apply_defaults()
        params = list(bound.signature.parameters.values())[1:]
        plain = {p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        self._init_args = {k: v for k, v in bound.arguments.items() if k in plain}
        return self

    _init_args: dict[str, Any] = {}

    def __init__(self) -> None:
        for module in {klass.__module__ for klass in type(self).__mro__} - {__name__, "builtins"}:
            fast_records(module)  # the spec's messages and records (compiled: built without a Python __new__)
        marked = _marked(type(self), "__paxraft_action__")
        shared: dict[Any, Callable[[State], Any]] = {}
        self._actions = [self._bind_action(n, shared) for n in marked if self._present(n)]
        invariants, of_steps = checked_names(type(self))
        self._invariants = {n: getattr(self, n) for n in invariants}
        self._action_invariants = {n: getattr(self, n) for n in of_steps}

    def __getattr__(self, name: str) -> Any:
        """Only for attributes not found: the actions and invariants are missing when a subclass's
        constructor never ran ``Spec.__init__`` (an internal error, exit 4, before)."""
        if name in ("_actions", "_invariants", "_action_invariants"):
            raise SpecError(f"{type(self).__name__}.__init__ does not call super().__init__(), which binds the "
                            "spec's actions and invariants: end the constructor with super().__init__()")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _present(self, name: str) -> bool:
        """Whether action ``name`` is part of Next for this spec's constants (see :func:`action`). The nearest
        ``@action`` declaration decides, as for its enumerator: a subclass declaring again an action its base left
        out (``present=lambda self: False``) has it back; a plain ``def`` override keeps the base's condition."""
        for klass in type(self).__mro__:
            value = vars(klass).get(name)
            if getattr(value, "__paxraft_action__", None) is not None:
                present = getattr(value, "__paxraft_present__", None)
                return present is None or bool(present(self))
        return True

    #: Determinism by construction: the checker takes each action's parameters in a canonical order
    #: (sorted by value) whatever order the enumerator yields them in, so a search gives the same
    #: coverage and the same counterexample in every run and with any number of worker processes,
    #: even when an enumerator iterates a set (whose order is not a function of its value).
    #: A spec whose enumerators already yield in an order fixed by the state's value may set this
    #: False to skip the sort (the shipped specs do, which keeps their published figures).
    canonical_order: ClassVar[bool] = True

    def _bind_action(self, name: str, shared: dict[Any, Callable[[State], Any]]) -> Action:
        """Action ``name`` bound to this spec. Actions declared with one enumerator function (``each_message``
        for three handlers) get one enumerator object through ``shared``, which the generated loops then ask
        once per state (modelcheck.engine._level_loop._shared); its own memo of sorted lists is shared too."""
        method = getattr(self, name)
        marker = _inherited_marker(type(self), name, "__paxraft_action__")
        _not_overridden(type(self), name, marker)
        enum = bound_enumerator(marker, self)
        names = tuple(inspect.signature(method).parameters)[1:]
        if self.canonical_order and getattr(marker, "bundle", None) is not None:
            raise SpecError(f"{self.name}: {name}'s enumerator is bundled, but sorted enumerators are called one by "
                            "one (the bundle once per action): set canonical_order = False")
        if getattr(marker, "counts_outside", False) is True:  # its Counted results go to the loops as made
            if self.canonical_order:
                raise SpecError(f"{self.name}: {name}'s enumerator may return Counted, whose counted parameters "
                                "come last in the order it gives: set canonical_order = False")
            return Action(name, names, enum, method)
        key = marker if getattr(marker, "__hash__", None) is not None else object()  # unhashable: its own
        if key in shared:
            enum = shared[key]
        else:
            enum = shared[key] = _in_canonical_order(enum) if self.canonical_order else enum
        code = marker if inspect.isfunction(marker) else None  # only a plain function's code is read
        constant = code is not None and not names_state(code)
        if constant:
            enum = _once(enum)
        if self.remember_reads:
            enum = remembered(type(self), method, code, enum, constant)
        return Action(name, names, enum, method)

    #: An enumerator (and, to leave out disabled parameters, a step) whose code reads the state only
    #: through ``MsgSet.where`` on one field is remembered by the answers it got (spec/reads.py): exact,
    #: and a guard is not run again while its questions get the answers they got. False: run as written.
    remember_reads: ClassVar[bool] = True

    # -- the model ---------------------------------------------------------
    def init_states(self) -> Iterable[State]:
        """The initial states."""
        raise NotImplementedError

    @property
    def actions(self) -> list[Action]:
        """The actions, in a fixed order (the order of the next-state disjunction)."""
        return self._actions

    def action(self, name: str) -> Action:
        """The action called ``name``."""
        for act in self._actions:
            if act.name == name:
                return act
        known = [a.name for a in self._actions]
        raise SpecError(f"{self.name}: no action named {name!r}{hint(name, known)} (actions: {', '.join(known)})")

    def without(self, names: Iterable[str]) -> Spec:
        """Leave the named actions out of Next (a model option, like dropping disjuncts from a TLC
        model's Next): they stay in the action list, so coverage shows them at 0 and traces keep
        their numbering, but they are never enabled.  Returns a new spec (this one is unchanged);
        an unknown name is a SpecError.
        """
        names = _model_names(names)
        known = [a.name for a in self._actions]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SpecError(
                f"{self.name}: --without names no action {', '.join(map(repr, unknown))}{hint(unknown[0], known)} "
                f"(actions: {', '.join(known)})"
            )
        out = self._rebound()
        out._actions = [
            Action(a.name, a.param_names, _never_enabled, _never_step) if a.name in names else a for a in out._actions
        ]
        out.excluded = tuple(n for n in known if n in names or n in self.excluded)
        return out

    def _rebound(self) -> Spec:
        """A copy of this spec whose actions are bound to the copy: a search sets ``count_outside`` on the spec
        it runs, and the steps and enumerators read it there (bound to this spec, a copy's steps never answered
        OUTSIDE nor its enumerators Counted: the 705k Raft model with ``--without`` of an action that never
        fires took 1.9 times the CPU). An action left out stays out; a restricted one stays as it is, bound to
        a spec no search runs: a Counted answer would count parameters the restriction's guard may refuse."""
        out = copy.copy(self)
        methods = self._restriction_methods()
        keep = set(self.excluded) | {methods[n][1] for n in self.restricted}
        shared: dict[Any, Callable[[State], Any]] = {}
        out._actions = [a if a.name in keep else out._bind_action(a.name, shared) for a in self._actions]
        out._invariants = {n: getattr(out, n) for n in self._invariants}  # the copy's: split and remembered too
        out._action_invariants = {n: getattr(out, n) for n in self._action_invariants}
        return out

    excluded: tuple[str, ...] = ()  # actions left out of Next by `without`
    restricted: tuple[str, ...] = ()  # model restrictions applied by `restrict`
    chosen_invariants: tuple[str, ...] = ()  # the invariants `only_invariants` kept (empty: every one declared)

    def only_invariants(self, names: Iterable[str]) -> Spec:
        """Check only the named invariants and action invariants (a TLC cfg's INVARIANTS: the ones it names, not
        every one the module defines). Returns a new spec (this one is unchanged); a name that is neither is a
        SpecError listing both kinds."""
        names = _model_names(names)
        known = [*self._invariants, *self._action_invariants]
        unknown = [n for n in names if n not in known]
        if unknown:
            # an invariant a base class declares and this class sets to None (Model1's BasedOnLatestCommit = None):
            # said so, where the message read as a misspelt name
            cls = type(self)
            dropped = [n for n in unknown if getattr(cls, n, 0) is None and any(
                getattr(vars(k).get(n), marker, False) for k in cls.__mro__
                for marker in ("__paxraft_invariant__", "__paxraft_action_invariant__"))]
            why = "".join(f"; {cls.__name__} sets {n} = None, leaving out its base's invariant" for n in dropped)
            raise SpecError(f"{self.name}: --invariants names no invariant {', '.join(map(repr, unknown))}"
                            f"{hint(unknown[0], known)} (invariants: {', '.join(self._invariants) or 'none'}; "
                            f"action invariants: {', '.join(self._action_invariants) or 'none'}){why}")
        out = self._rebound()
        out._invariants = {n: f for n, f in out._invariants.items() if n in names}
        out._action_invariants = {n: f for n, f in out._action_invariants.items() if n in names}
        out.chosen_invariants = tuple(n for n in known if n in names)
        out._invariants_changed()
        return out

    def _invariants_changed(self) -> None:
        """After the set of invariants changed (:meth:`only_invariants`): a spec whose fast paths assume its own
        set (spec/raft.py's ``violated``) recomputes what they rest on."""

    @classmethod
    def _restriction_methods(cls) -> dict[str, tuple[str, str, bool]]:
        """Restriction name -> (guard method, action, symmetric), from the @restriction marks."""
        out = {}
        for method in _marked(cls, "__paxraft_restriction__"):
            name, act, symmetric = _inherited_marker(cls, method, "__paxraft_restriction__")
            out[name] = (method, act, symmetric)
        return out

    @classmethod
    def restrictions(cls) -> dict[str, tuple[str, bool, str]]:
        """The model restrictions this spec offers: name -> (action, symmetric, one-line doc)."""
        out = {}
        for name, (method, act, symmetric) in cls._restriction_methods().items():
            out[name] = (act, symmetric, summary(getattr(cls, method).__doc__).rstrip("."))
        return out

    @property
    def asymmetric(self) -> bool:
        """Whether a restriction applied singles out an element (then no symmetry reduction)."""
        methods = self._restriction_methods()
        return any(not methods[n][2] for n in self.restricted)

    def restrict(self, names: Iterable[str]) -> Spec:
        """Apply the named model restrictions: each strengthens one action's enabling condition, so
        every consumer (search modes, replay, refinement) sees the restricted Next. Returns a new spec
        (this one is unchanged); an unknown name is a SpecError listing what the spec offers."""
        names = _model_names(names)
        methods = self._restriction_methods()
        unknown = [n for n in names if n not in methods]
        if unknown:
            have = "; ".join(f"{n}: {doc}" if doc else n for n, (_, _, doc) in self.restrictions().items()) or "none"
            raise SpecError(f"{self.name}: --restrict names no restriction {', '.join(map(repr, unknown))}"
                            f"{hint(unknown[0], methods)} (this spec offers: {have})")
        out = self._rebound()
        for n in names:
            if n in out.restricted:
                continue
            method, act_name, _ = methods[n]
            guard = getattr(self, method)
            # restricted already: kept as it was (see _rebound); else this spec's, not the copy's (rebound)
            act = out.action(act_name) if any(methods[r][1] == act_name for r in out.restricted) else \
                self.action(act_name)

            def step(s: State, *params: Any, _step: Callable = act.step, _guard: Callable = guard) -> State | None:
                return _step(s, *params) if _guard(s, *params) else None

            out._actions = [Action(act.name, act.param_names, act.enumerate, step) if a.name == act_name else a
                            for a in out._actions]
            out.restricted += (n,)
        return out

    @property
    def invariants(self) -> Mapping[str, Callable[[State], bool]]:
        """Named state invariants, checked on every state the checker reaches."""
        return self._invariants

    @property
    def action_invariants(self) -> Mapping[str, Callable[[State, State], bool]]:
        """Named invariants of steps (:func:`action_invariant`), checked on every step the checker takes."""
        return self._action_invariants

    def step_holds(self, name: str, state: State, succ: State) -> bool:
        """Whether action invariant ``name`` holds on the step from ``state`` to ``succ`` (a stutter: yes, it is
        not asked), as the checker judges it: True or False only (replay and the explorer read a None as
        broken, where check refuses it)."""
        return succ == state or strict(self, "action invariant", name, self._action_invariants[name](state, succ))

    def step_violated(self, state: State, succ: State) -> str | None:
        """Name of the first action invariant the step from ``state`` to ``succ`` breaks, or ``None`` (a
        stutter breaks none)."""
        if succ == state:
            return None
        for name, inv in self._action_invariants.items():
            verdict = inv(state, succ)
            if verdict is not True and not strict(self, "action invariant", name, verdict):  # True: one test
                return name
        return None

    def violated(self, state: State) -> str | None:
        """Name of the first invariant ``state`` violates, or ``None``.

        The checker calls this on every state it reaches; a spec may override it with a
        fast path for states where every invariant plainly holds (tested to agree with this).
        """
        for name, inv in self._invariants.items():
            verdict = inv(state)
            if verdict is not True and not strict(self, "invariant", name, verdict):  # True: one test
                return name
        return None

    def explained(self) -> dict[str, str]:
        """Method name -> the invariant it explains (see :func:`explains`)."""
        cls = type(self)
        return {m: _inherited_marker(cls, m, "__paxraft_explains__") for m in _marked(cls, "__paxraft_explains__")}

    def explain(self, name: str, state: State) -> str:
        """Why invariant ``name`` fails in ``state``: the spec's explanation (see :func:`explains`),
        else the invariant's name and docstring."""
        for method, explained in self.explained().items():
            if explained == name:
                text = getattr(self, method)(state)
                if text:
                    return text
        inv = getattr(type(self), name, None)
        doc = summary(getattr(inv, "__doc__", None))
        said = f"the step to this state breaks {name}" if name in self._action_invariants else f"{name} is false"
        return f"{said} ({doc.rstrip('.')})" if doc else said

    @property
    def witnesses(self) -> dict[str, Callable[[State], bool]]:
        """Named witnesses (see :func:`witness`), in definition order."""
        return {n: getattr(self, n) for n in self.witnesses_declared()}

    @classmethod
    def witnesses_declared(cls) -> list[str]:
        """The names of the witnesses the class declares (no instance needed)."""
        return _marked(cls, "__paxraft_witness__")

    @classmethod
    def witness_bounds(cls, name: str) -> dict[str, Any]:
        """The bounds witness ``name`` declared (constructor keywords; empty: the defaults)."""
        return dict(_inherited_marker(cls, name, "__paxraft_witness__"))

    def constraint(self, state: State) -> bool:
        """TLC ``CONSTRAINT``: a state outside it is checked but neither stored nor expanded."""
        return True

    def keeps_constraint(self) -> Iterable[str]:
        """The actions whose steps never take a state within :meth:`constraint` outside it (they change
        nothing it reads, or only shrink what it bounds): the exhaustive searches, which expand only states
        within it, do not ask it about their successors. None by default."""
        return ()

    def successors(self, state: State) -> Iterator[tuple[int, Params, State]]:
        """Yield ``(action index, params, successor)`` for every enabled action instance."""
        for i, act in enumerate(self._actions):
            step = act.step
            for params in act.enumerate(state):
                nxt = step(state, *params)
                if nxt is not None and nxt is not OUTSIDE:
                    yield i, params, nxt

    # -- view --------------------------------------------------------------
    def view(self, state: State) -> Any:
        """Optional: TLC's ``VIEW``, what of a state the checker tells states apart by. States with equal views
        are one distinct state, the first reached, as TLC counts them: a view leaving out a history variable
        (or the log prefix every server shares) makes a model finite that is not, or counts it as the spec
        without that variable. Invariants, traces and properties see the real states. It must be a function
        of the state returning a hashable value (the preflight checks both on the first states). Not
        overridden: the whole state."""
        raise NotImplementedError(f"{self.name} declares no view")

    @property
    def has_view(self) -> bool:
        """Whether the spec declares a :meth:`view`."""
        return type(self).view is not Spec.view

    # -- symmetry ----------------------------------------------------------
    def symmetric_sets(self) -> Mapping[str, int]:
        """Sets whose elements may be permuted (name -> size); empty when none are declared."""
        return {}

    def permute(self, state: State, perm: Mapping[str, Sequence[int]]) -> State:
        """Rename the atoms of ``state``: element ``i`` of set ``name`` becomes ``perm[name][i]``."""
        raise NotImplementedError(f"{self.name} declares no symmetry")

    def symmetry_keys(self, state: State) -> Mapping[str, Sequence[Any]] | None:
        """Optional: per symmetric set, a sortable key for each element that renaming carries along
        (the key of element ``i`` in ``state`` is the key of ``perm[i]`` in ``permute(state, perm)``),
        e.g. a server's own term, role and log but not its vote, which names another server.

        Canonicalisation then tries only the renamings that sort these keys (all of them among
        equal keys) instead of the whole group: the same orbits, the same counts, far fewer
        renamed states. ``None`` (the default) means every permutation is tried."""
        return None

    def canonical(self, state: State) -> State:
        """Optional: the canonical member of ``state``'s orbit, computed directly (say, by sorting
        elements whose data names no other element). It must return the same value for every
        renaming of ``state`` and be a renaming of it; the checker then hashes it instead of
        searching the orbit. Not overridden: the checker searches (see :meth:`symmetry_keys`)."""
        raise NotImplementedError(f"{self.name} gives no canonical form")

    def permutations(self) -> list[dict[str, tuple[int, ...]]]:
        """Every permutation of the product of the symmetric sets, identity first."""
        sets = self.symmetric_sets()
        names = list(sets)
        from spec.limits import enumerable  # spec.limits builds on this module

        size = renamings(sets)
        enumerable(self.name, "renamings", size, f"--symmetry over {', '.join(f'{n}={k}' for n, k in sets.items())}")
        per_set = [list(itertools.permutations(range(sets[n]))) for n in names]
        return [dict(zip(names, combo)) for combo in itertools.product(*per_set)]

    # -- presentation ------------------------------------------------------
    def bounds(self) -> dict[str, Any]:
        """The model's constants, as shown in reports and JSON: by default the constructor's
        arguments that are plain values (what a command line or a trace's metadata can give back)."""
        return {k: v for k, v in self._init_args.items() if isinstance(v, (bool, int, float, str))}

    def show_state(self, state: State) -> dict[str, Any]:
        """The state as a JSON-ready mapping variable -> readable value."""
        return {v: getattr(state, v) for v in self.variables}

    def show_param(self, action: str, param: str, value: Any) -> Any:
        """A parameter value as a human reads it (an acceptor number as ``a1``)."""
        return value

    def label(self, action_index: int, params: Params) -> Label:
        """The label of an action instance."""
        return Label(self._actions[action_index].name, params)

    def show_label(self, label: Label) -> str:
        """``Phase1b(a=a1, b=0)``: a label with readable parameter names and values, each written as the trace writes
        the state (:func:`compact`: a message as ``[type |-> 1a, bal |-> 0]``, not its Python repr)."""
        act = self.action(label.name)
        args = ", ".join(f"{n}={compact(shown_value(self.show_param(label.name, n, v)))}"
                         for n, v in zip(act.param_names, label.params))
        return f"{label.name}({args})"

    def params_json(self, label: Label) -> dict[str, Any]:
        """A label's parameters as a JSON object keyed by parameter name."""
        act = self.action(label.name)
        return {n: self.show_param(label.name, n, v) for n, v in zip(act.param_names, label.params)}

    def describe(self) -> str:
        """One line: the spec, its variant and its bounds."""
        b = " ".join(f"{k}={v if v != '' else repr(v)}" for k, v in self.bounds().items())  # ids='', not ids=
        if self.excluded:
            b += f" without={','.join(self.excluded)}"
        if self.restricted:
            b += f" restrict={','.join(self.restricted)}"
        if self.chosen_invariants:
            b += f" invariants={','.join(self.chosen_invariants)}"
        return f"{self.name}{'[' + self.variant + ']' if self.variant else ''} {b}".strip()

    # -- liveness and pictures (declared beside the spec; see `declare`) ----------
    def fairness(self) -> list[Fair]:
        """The fairness conditions (TLA+ ``WF_vars``/``SF_vars``); none unless declared."""
        hook = _declared(type(self), "fairness")
        return list(hook(self)) if hook else []

    def properties(self) -> dict[str, Temporal]:
        """Named temporal properties (eventually, always-eventually, eventually-always, leads-to); none unless
        declared."""
        hook = _declared(type(self), "properties")
        return dict(hook(self)) if hook else {}

    def msc_nodes(self) -> list[str]:
        """The lifelines of the message-sequence chart, left to right (empty: in order of appearance)."""
        hook = _declared(type(self), "msc_nodes")
        return list(hook(self)) if hook else []

    def msc_event(self, prev: State, label: Label, nxt: State) -> MscEvent:
        """Which node takes step ``label`` from ``prev`` to ``nxt``, and the messages it receives and sends.

        The generic default names the node by the action's first parameter (or ``system``) and
        draws no messages; a spec declares its own with ``declare(cls, msc_event=...)``.
        """
        hook = _declared(type(self), "msc_event")
        if hook:
            return hook(self, prev, label, nxt)
        if not label.params:
            return MscEvent("system")
        first = self.action(label.name).param_names[0]
        return MscEvent(f"{first}={self.show_param(label.name, first, label.params[0])}")


# -- declarations: fairness, temporal properties, message-sequence charts ---------------------------


@dataclass(frozen=True)
class Fair:
    """A fairness condition on an action family: ``WF`` (weak) or ``SF`` (strong), as in TLA+.

    It covers the steps of any action in ``actions`` whose parameters match ``where``
    (parameter name -> required value; a name an action lacks does not constrain it) and
    ``test`` (a predicate on the label), taken from a state where ``when`` holds (a predicate on the
    state: ``WF_vars(P /\\ A)`` for a state predicate ``P``, enabled only where ``P`` holds).  Like
    ``WF_vars(A)``, only steps that change the state count: a self-loop neither discharges nor enables
    the condition.
    """

    kind: str
    actions: tuple[str, ...]
    where: tuple[tuple[str, Any], ...] = ()
    test: Callable[[Label], bool] | None = None
    text: str = ""
    when: Callable[[Any], bool] | None = None

    def matches(self, label: Label, param_names: Sequence[str]) -> bool:
        """Whether a step labelled ``label`` belongs to this family."""
        if label.name not in self.actions:
            return False
        given = dict(zip(param_names, label.params))
        if any(k in given and given[k] != v for k, v in self.where):
            return False
        return self.test is None or self.test(label)

    def __str__(self) -> str:
        if self.text:
            return self.text
        filt = " with " + ", ".join(f"{k}={v}" for k, v in self.where) if self.where else ""
        family = " \\/ ".join(self.actions)
        return f"{self.kind}({family}{filt}{self.when_text()})"

    def when_text(self) -> str:
        """`` when NAME`` (``when``'s function name, ``a state predicate`` for a lambda), or "" without one."""
        if self.when is None:
            return ""
        name = getattr(self.when, "__name__", "<lambda>")
        return f" when {'a state predicate' if name == '<lambda>' else name}"


def WF(*actions: str, test: Callable[[Label], bool] | None = None, text: str = "",
       when: Callable[[Any], bool] | None = None, **where: Any) -> Fair:
    """Weak fairness: an action family continuously enabled (by a state-changing step) is eventually taken.
    ``when``, a predicate on the state, makes it ``WF_vars(when /\\ A)``: enabled only where ``when`` holds."""
    return Fair("WF", tuple(actions), tuple(where.items()), test, text, when)


def SF(*actions: str, test: Callable[[Label], bool] | None = None, text: str = "",
       when: Callable[[Any], bool] | None = None, **where: Any) -> Fair:
    """Strong fairness: an action family enabled infinitely often is taken infinitely often (``when``: as WF's)."""
    return Fair("SF", tuple(actions), tuple(where.items()), test, text, when)


@dataclass(frozen=True)
class Temporal:
    """A temporal property over state predicates: ``<>goal``, ``[]<>goal`` or ``trigger ~> goal``."""

    kind: str  # "eventually" | "always-eventually" | "eventually-always" | "leads-to"
    goal: Callable[[State], bool]
    trigger: Callable[[State], bool] | None = None
    text: str = ""

    def __str__(self) -> str:
        return self.text or self.kind


def Eventually(goal: Callable[[State], bool], text: str = "<>P") -> Temporal:
    """``<>P``: every fair behaviour reaches a state satisfying ``goal``."""
    return Temporal("eventually", goal, None, text)


def AlwaysEventually(goal: Callable[[State], bool], text: str = "[]<>P") -> Temporal:
    """``[]<>P``: every fair behaviour satisfies ``goal`` infinitely often."""
    return Temporal("always-eventually", goal, None, text)


def EventuallyAlways(goal: Callable[[State], bool], text: str = "<>[]P") -> Temporal:
    """``<>[]P``: every fair behaviour reaches a point from which ``goal`` holds for ever (stability: a leader
    that stays, a value that stops changing). Broken by a fair behaviour where it fails infinitely often."""
    return Temporal("eventually-always", goal, None, text)


def LeadsTo(trigger: Callable[[State], bool], goal: Callable[[State], bool], text: str = "P ~> Q") -> Temporal:
    """``P ~> Q``: after any state satisfying ``trigger``, every fair behaviour reaches ``goal``."""
    return Temporal("leads-to", goal, trigger, text)


@dataclass(frozen=True)
class MscEvent:
    """One step in a message-sequence chart: the acting node, the messages it receives and sends.

    Messages are strings naming them (``1b(a1, 1, -1, None)``); the same string sent at one
    step and received at another is one arrow. A string sent again is another copy: each receipt
    takes the oldest copy no receipt took yet (a FIFO channel), else the latest (a set's message,
    received by many): ``modelcheck.output.render.pair_messages``.
    """

    node: str
    received: tuple[str, ...] = ()
    sent: tuple[str, ...] = ()


def declare(
    cls: type[Spec],
    *,
    fairness: Callable[[Any], Iterable[Fair]] | None = None,
    properties: Callable[[Any], Mapping[str, Temporal]] | None = None,
    msc_event: Callable[[Any, State, Label, State], MscEvent] | None = None,
    msc_nodes: Callable[[Any], Iterable[str]] | None = None,
) -> None:
    """Attach liveness and chart declarations to a spec class (its subclasses inherit them).

    A spec may instead override :meth:`Spec.fairness` and friends; declaring them from a
    separate module keeps a protocol's TLA+ transcription apart from its model-checking setup,
    as MCPaxos.tla is apart from Paxos.tla.
    """
    given = {"fairness": fairness, "properties": properties, "msc_event": msc_event, "msc_nodes": msc_nodes}
    own = dict(vars(cls).get("__paxraft_declared__", {}))  # this class's own, not a base class's
    own.update({k: v for k, v in given.items() if v is not None})
    cls.__paxraft_declared__ = own  # type: ignore[attr-defined]


def _declared(cls: type, what: str) -> Callable | None:
    for klass in cls.__mro__:
        hook = vars(klass).get("__paxraft_declared__", {}).get(what)
        if hook is not None:
            return hook
    return None
