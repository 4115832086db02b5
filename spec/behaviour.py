"""A behaviour of a spec as a list of steps, and whether the spec allows it.

A :class:`Step` is what every consumer exchanges: the checker's counterexamples, ITF traces, the
Hypothesis adapter and the Z3 bounded model checker all produce them, and :func:`validate_trace`
re-runs them against the spec (does each state follow from the previous one by its action?).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from spec.core import Label, Params, Spec, SpecError, State, _inherited_marker, bound_enumerator, order_key
from spec.refusal import refused_by
from spec.suggest import hint

N = TypeVar("N")


@dataclass
class Step:
    """One state of a trace and the action label that produced it (``None`` for an initial state)."""

    label: Label | None
    state: State


NOT_OFFERED = "not a step of the model: its action does not take these parameters in the previous state (other bounds?)"


@dataclass
class ReplayError(Exception):
    """Step ``index`` (1-based, as traces are numbered) is not explained by the spec."""

    index: int
    reason: str

    def __str__(self) -> str:
        return f"step {self.index}: {self.reason}"


def offered(spec: Spec, label: Label, state: State) -> bool:
    """Whether ``label``'s action offers its parameters in ``state``: the enumerator is the TLA+ action's
    ``\\E v \\in Values``, so a step is a behaviour's only with parameters from it. A step method need not test
    them (docs/writing-a-spec.md: the enumerator gives the candidates, the method has the last word among them):
    a trace naming ``v4`` replayed on a model with three values ran ``ClassicAccept(v=v4)`` and called it a step."""
    params = tuple(label.params)
    return any(tuple(p) == params for p in spec.action(label.name).enumerate(state))


def validate_trace(spec: Spec, trace: list[Step]) -> None:
    """Raise :class:`ReplayError` at the first step the spec does not allow; return if all do."""
    if not trace:
        raise ReplayError(1, "empty trace")
    if trace[0].label is not None or trace[0].state not in set(initial_states(spec)):
        raise ReplayError(1, "not an initial state of the spec")
    for i in range(1, len(trace)):
        prev, step = trace[i - 1].state, trace[i]
        if step.label is None:
            raise ReplayError(i + 1, "a later step has no action label")
        act = spec.action(step.label.name)
        if len(step.label.params) != len(act.param_names):
            raise ReplayError(
                i + 1, f"{act.name} takes {len(act.param_names)} parameters, got {len(step.label.params)}"
            )
        nxt = act.step(prev, *step.label.params)
        if nxt is None:
            raise ReplayError(i + 1, f"{spec.show_label(step.label)} is not enabled in the previous state"
                                     + refused_by(act.step, prev, step.label.params))
        if not offered(spec, step.label, prev):
            raise ReplayError(i + 1, f"{spec.show_label(step.label)}: {NOT_OFFERED}")
        if nxt != step.state:
            raise ReplayError(i + 1, f"{spec.show_label(step.label)} leads to a different state than the one recorded")


# -- the rules every search follows --------------------------------------------------------


def _no_invariants(state: State) -> None:
    return None


#: The most parameter tuples an action's enumerator may yield in one state (more: an endless generator, which
#: held a walk of the states for ever, silent, its memory growing).
MAX_PARAMETERS = 1_000_000


def endless_enumerator(spec: Spec, state: State, actions: Iterable[str] | None = None) -> str | None:
    """The message naming the first action (of ``actions``, or all) whose own enumerator, as declared (before
    the spec layer takes its parameters into a tuple), yields more than :data:`MAX_PARAMETERS` parameter
    tuples in ``state``; None when each yields fewer. An enumerator that fails is left to the walk that
    calls it next, which names what is wrong; bundles and counted enumerators are not asked (they answer
    for several actions, or count)."""
    names = [a.name for a in spec.actions] if actions is None else actions
    for name in names:
        try:
            marker = _inherited_marker(type(spec), name, "__paxraft_action__")
            if getattr(marker, "bundle", None) is not None or getattr(marker, "counts_outside", False) is True:
                continue
            got = bound_enumerator(marker, spec)(state)
            taken = sum(1 for _ in itertools.islice(iter(got), MAX_PARAMETERS + 1))
        except Exception:  # noqa: BLE001 - the walk calls it again, and names what is wrong
            continue
        if taken > MAX_PARAMETERS:
            return (f"the parameter enumerator of {name} yields more than {MAX_PARAMETERS:,} parameter tuples in "
                    "one state (an endless generator, such as itertools.count()?); a parameter ranges over a "
                    "finite set, as TLA+'s \\E does")
    return None


def initial_states(spec: Spec) -> list[State]:
    """The initial states as a list, in the order every search takes them (the checker's states are
    numbered in it, the explorer's ``Init(k)`` and the Hypothesis adapter's choices index it): sorted by
    value (:func:`spec.core.order_key`) when the spec asks for the canonical order, as its parameters
    are. ``init_states`` iterating a set of strings yields them in an order that changes with the
    process's hash seed, and so would the counterexample chosen among equally short ones.
    At most ``MAX_ENUMERATED`` of them (:func:`take_initial`)."""
    inits = take_initial(spec, spec.init_states())
    if spec.canonical_order:
        inits.sort(key=order_key)
    return inits


def take_initial(spec: Spec, states: Iterable[State]) -> list[State]:
    """``states`` (what ``init_states()`` gave) as a list, refused in one line naming the bounds given
    once there are more than :data:`spec.limits.MAX_ENUMERATED`: taken lazily, so that an ``init_states``
    that yields stops there (``--nodes 2000`` of a ring whose nodes may each start or not was
    2**2000 states listed until memory ran out)."""
    from spec.limits import MAX_ENUMERATED  # spec.limits builds on spec.core, as this module does

    inits = list(itertools.islice(states, MAX_ENUMERATED + 1))
    if len(inits) > MAX_ENUMERATED:
        given = " ".join(f"{flag} {value}" for flag, value in _bounds_given(spec))
        raise SpecError(f"{spec.name}: init_states() gives more than {MAX_ENUMERATED:,} initial states"
                        f"{f' with {given}' if given else ''}; paxraft takes at most {MAX_ENUMERATED:,} "
                        "(lower the bounds)")
    return inits


def _bounds_given(spec: Spec) -> list[tuple[str, object]]:
    """The spec's bound flags whose values are not their defaults, as the command line spells them."""
    from spec.registry import entry_for_class  # the registry loads specs: only on this error's path

    given = spec._init_args
    return [(o.flag, given[o.dest]) for o in entry_for_class(type(spec)).all_options
            if o.dest in given and given[o.dest] != o.default]


def state_constraint(spec: Spec) -> Callable[[State], bool] | None:
    """The spec's state constraint (TLC ``CONSTRAINT``), or ``None`` when it declares none.

    The one rule for it, in every search (the checker's loops and the proofs' conformance
    checks): a state outside the constraint is reached, counted and checked against the
    invariants, but neither stored nor expanded. ``None`` lets a hot loop skip the call.
    """
    return None if type(spec).constraint is Spec.constraint else spec.constraint


def deadlock_in(spec: Spec, state: State) -> str | None:
    """Why ``state`` is no deadlock (``has a successor``, :data:`OUTSIDE_CONSTRAINT`; None: it is one), as
    ``check --deadlock`` judges it in every mode and TLC does: a state outside the constraint is never expanded, so
    never a deadlock; any enabled step is a step, one that changes nothing or leaves the constraint too. The
    searches apply the rule in their loops (they expand only states within the constraint and count every enabled
    step); replay's recorded deadlock and the explorer ask here (they called a state outside the constraint
    without steps a deadlock, which no search reports)."""
    constraint = state_constraint(spec)
    if constraint is not None and not constraint(state):
        return OUTSIDE_CONSTRAINT
    if any(act.step(state, *p) is not None for act in spec.actions for p in act.enumerate(state)):
        return "has a successor"
    return None


OUTSIDE_CONSTRAINT = "is outside the state constraint, which no search expands"


def constraint_keepers(spec: Spec) -> frozenset[int]:
    """The indices of the actions whose successors need not be asked the constraint
    (:meth:`spec.core.Spec.keeps_constraint`): their parents, being expanded, are within it."""
    if state_constraint(spec) is None:
        return frozenset()
    names = set(spec.keeps_constraint())
    unknown = names - {a.name for a in spec.actions}
    if unknown:  # a misspelt name would silently ask the constraint again: say so instead
        known = [a.name for a in spec.actions]
        first = min(unknown)
        raise SpecError(f"{spec.name}: keeps_constraint() names no action {', '.join(sorted(map(repr, unknown)))}"
                        f"{hint(first, known)}")
    return frozenset(i for i, a in enumerate(spec.actions) if a.name in names)


@contextmanager
def outside_counted(spec: Spec, on: bool = True) -> Iterator[None]:
    """While the block runs, ``spec``'s steps may return :data:`spec.core.OUTSIDE` (see there).

    ``on``: the search checks, on a successor outside the constraint, nothing but the spec's own
    invariants (not a ``--reach`` goal). Without a constraint nothing is outside: the flag stays off."""
    if not on or state_constraint(spec) is None:
        yield
        return
    spec.count_outside = True
    try:
        yield
    finally:
        spec.count_outside = False


def invariant_check(spec: Spec, check_invariants: bool = True) -> Callable[[State], str | None]:
    """The name of the first invariant a state violates, or ``None``: the spec's own check (its
    fast path included, or its conjuncts remembered by value: :mod:`spec.invariant_memo`), or nothing
    at all when invariants are not checked."""
    if not check_invariants:
        return _no_invariants
    from spec.invariant_memo import remembered_violated  # it builds on spec.core, as this module does

    return remembered_violated(spec) or spec.violated


def step_check(spec: Spec, check_invariants: bool = True) -> Callable[[State, State, int], str | None] | None:
    """The check of each step ``(state, successor, action index)`` the searches make when the spec declares
    action invariants (:func:`spec.core.action_invariant`): the name of the first one the step breaks, or
    ``None``; no check at all (``None``) when it declares none or invariants are not checked."""
    if not check_invariants or not spec.action_invariants:
        return None
    violated = spec.step_violated
    return lambda s, t, ai: violated(s, t)


def reachable(spec: Spec) -> Iterator[tuple[State, bool, list[tuple[int, Params, State]]]]:
    """Every reachable state, breadth first, whether it is within the constraint, and (if it is)
    its successors ``(action index, params, state)``.

    Full states are kept, so this is for the small instances the proofs' conformance checks
    walk; the checker's own loops store fingerprints instead.
    """
    return breadth_first(spec.init_states(), state_constraint(spec), lambda s: list(spec.successors(s)))


Edges = list[tuple[int, Params, N]]


def breadth_first(inits: Iterable[N], within: Callable[[N], bool] | None,
                  successors: Callable[[N], Edges[N]]) -> Iterator[tuple[N, bool, Edges[N]]]:
    """The walk of :func:`reachable` over any nodes (a state, or a state with a history: proofs.raft.ghost):
    each node once, breadth first, whether ``within`` holds (a node outside is yielded, not expanded),
    and its ``successors`` ``(action index, params, node)``."""
    frontier: list[N] = []
    seen: set[N] = set()
    for s in inits:
        if s not in seen:
            seen.add(s)
            frontier.append(s)
    while frontier:
        nxt: list[N] = []
        for s in frontier:
            if within is not None and not within(s):
                yield s, False, []
                continue
            succ = successors(s)
            yield s, True, succ
            for _, _, t in succ:
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
