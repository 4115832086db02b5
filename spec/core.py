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

import inspect
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

State = Any
"""A spec state: an immutable, hashable value (a NamedTuple of ints, tuples, frozensets)."""

Params = tuple
ParamEnumerator = Callable[[Any, State], Iterable[Params]]


class SpecError(ValueError):
    """A spec was given bounds or options that do not make a valid model."""


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
            if nxt is not None:
                yield params, nxt


def action(params: ParamEnumerator | None = None) -> Callable[[Callable], Callable]:
    """Mark a spec method as an action; ``params(self, state)`` enumerates its parameters."""

    def mark(fn: Callable) -> Callable:
        fn.__paxraft_action__ = params or (lambda self, s: ((),))  # type: ignore[attr-defined]
        return fn

    return mark


def invariant(fn: Callable[[Any, State], bool]) -> Callable[[Any, State], bool]:
    """Mark a spec method as a named state invariant (the method's name is the invariant's)."""
    fn.__paxraft_invariant__ = True  # type: ignore[attr-defined]
    return fn


def _marked(cls: type, marker: str) -> list[str]:
    """Names of methods carrying ``marker``, in base-class definition order (overrides keep their place)."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if name not in names and getattr(value, marker, None) is not None:
                names.append(name)
    return [n for n in names if getattr(getattr(cls, n), marker, None) is not None]


class Spec:
    """Base class of every executable specification.

    Subclasses set ``name``, ``variables`` and implement :meth:`init_states`; they
    declare actions with :func:`action` and invariants with :func:`invariant`.
    A variant subclasses a spec, overrides one action or parameter, and sets
    ``variant`` (its catalog name) and ``breaks`` (the property it violates).
    """

    name: ClassVar[str] = "spec"
    variables: ClassVar[tuple[str, ...]] = ()
    # Catalog fields of a variant (see spec/registry.py and `paxraft variants`):
    variant: ClassVar[str | None] = None  # its name, e.g. "ignore-votes"
    rule: ClassVar[str] = ""  # the one rule changed, one line
    breaks: ClassVar[str | None] = None  # the invariant/property it violates; None = safe
    failing_bounds: ClassVar[dict[str, Any] | None] = None  # smallest bounds where it fails
    trace_length: ClassVar[int | None] = None  # shortest counterexample there (transitions)
    source: ClassVar[str] = ""  # paper section or public report

    def __init__(self) -> None:
        self._actions = [self._bind_action(n) for n in _marked(type(self), "__paxraft_action__")]
        self._invariants = {n: getattr(self, n) for n in _marked(type(self), "__paxraft_invariant__")}

    def _bind_action(self, name: str) -> Action:
        method = getattr(self, name)
        enum = getattr(type(self), name).__paxraft_action__
        names = tuple(inspect.signature(method).parameters)[1:]
        return Action(name, names, enum.__get__(self), method)

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
        raise SpecError(f"{self.name}: no action named {name!r} (actions: {', '.join(a.name for a in self._actions)})")

    @property
    def invariants(self) -> Mapping[str, Callable[[State], bool]]:
        """Named state invariants, checked on every state the checker reaches."""
        return self._invariants

    def constraint(self, state: State) -> bool:
        """TLC ``CONSTRAINT``: a state outside it is checked but neither stored nor expanded."""
        return True

    def successors(self, state: State) -> Iterator[tuple[int, Params, State]]:
        """Yield ``(action index, params, successor)`` for every enabled action instance."""
        for i, act in enumerate(self._actions):
            step = act.step
            for params in act.enumerate(state):
                nxt = step(state, *params)
                if nxt is not None:
                    yield i, params, nxt

    # -- symmetry ----------------------------------------------------------
    def symmetric_sets(self) -> Mapping[str, int]:
        """Sets whose elements may be permuted (name -> size); empty when none are declared."""
        return {}

    def permute(self, state: State, perm: Mapping[str, Sequence[int]]) -> State:
        """Rename the atoms of ``state``: element ``i`` of set ``name`` becomes ``perm[name][i]``."""
        raise NotImplementedError(f"{self.name} declares no symmetry")

    def permutations(self) -> list[dict[str, tuple[int, ...]]]:
        """Every permutation of the product of the symmetric sets, identity first."""
        sets = self.symmetric_sets()
        names = list(sets)
        per_set = [list(itertools.permutations(range(sets[n]))) for n in names]
        return [dict(zip(names, combo)) for combo in itertools.product(*per_set)]

    # -- presentation ------------------------------------------------------
    def bounds(self) -> dict[str, Any]:
        """The model's constants, as shown in reports and JSON."""
        return {}

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
        """``Phase1b(a=a1, b=0)``: a label with readable parameter names and values."""
        act = self.action(label.name)
        args = ", ".join(f"{n}={self.show_param(label.name, n, v)}" for n, v in zip(act.param_names, label.params))
        return f"{label.name}({args})"

    def params_json(self, label: Label) -> dict[str, Any]:
        """A label's parameters as a JSON object keyed by parameter name."""
        act = self.action(label.name)
        return {n: self.show_param(label.name, n, v) for n, v in zip(act.param_names, label.params)}

    def describe(self) -> str:
        """One line: the spec, its variant and its bounds."""
        b = " ".join(f"{k}={v}" for k, v in self.bounds().items())
        return f"{self.name}{'[' + self.variant + ']' if self.variant else ''} {b}".strip()
