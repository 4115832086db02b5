"""The speed hooks' promises (docs/fast-specs.md), checked on the states the preflight walks.

A step answering :data:`spec.core.OUTSIDE`, an enumerator's :class:`spec.core.Counted` and
:meth:`spec.core.Spec.keeps_constraint` are promises the exhaustive searches take on trust: they count
what the spec says and never build it, so a hook that lies changes the counts (or, for a
``keeps_constraint`` that names a step growing what the constraint bounds, never ends) without a
word. Here each promise is compared, state by state, with what the plain spec does (``count_outside``
false, every step called): the preflight does it on the first states of every check, ``paxraft check
--check-hooks`` on every state of the model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

from modelcheck.engine.faults import SpecContractError, show_label, show_state, spec_title
from spec.behaviour import constraint_keepers, state_constraint
from spec.core import OUTSIDE, Action, Counted, Spec, State

Violated = Optional[Callable[[State], Optional[str]]]  # noqa: UP045 - (for Python 3.9); the first invariant a state breaks; None: none checked


def hook_checker(spec: Spec, invariants: bool = True) -> Callable[[State], None] | None:
    """:func:`check_hooks` for ``spec``'s constraint, kept actions and (with ``invariants``) invariants, or
    ``None`` when it has no constraint (then no step is counted without being built, and no action keeps
    anything): what the preflight and the Hypothesis adapter call on each state within the constraint."""
    constraint = state_constraint(spec)
    if constraint is None:
        return None
    kept = frozenset(spec.actions[i].name for i in constraint_keepers(spec))
    violated = spec.violated if invariants else None
    return lambda s: check_hooks(spec, s, constraint, kept, violated)


def _fail(spec: Spec, what: str, state: State) -> SpecContractError:
    return SpecContractError(f"{spec_title(spec)}: {what} (in state {show_state(spec, state)})")


def check_hooks(spec: Spec, state: State, constraint: Callable[[State], bool], kept: frozenset[str],
                violated: Violated) -> None:
    """Raise a one-line :class:`SpecContractError` (exit 2) where a hook's promise about ``state``
    (within the constraint) is not what the plain spec does."""
    for act in spec.actions:
        spec.count_outside = False
        plain = list(act.enumerate(state))
        built = {p: act.step(state, *p) for p in plain}
        enabled = [p for p in plain if built[p] is not None]
        spec.count_outside = True
        try:
            fast = act.enumerate(state)
            called = list(fast)  # (an enumerator may be a generator: taken once)
            answers = [act.step(state, *p) for p in called]
        finally:
            spec.count_outside = False
        counted = fast.outside if fast.__class__ is Counted else 0
        if counted and getattr(act.enumerate, "counts_outside", False) is not True:
            raise _fail(spec, f"{act.name}'s enumerator returned {fast!r} but is not marked @counts_outside: "
                        f"the searches would count none of its {counted} counted parameters", state)
        for p in called:
            if p not in built:
                built[p] = act.step(state, *p)
        # A parameter whose step is disabled may be left out (Raft's bundles then offer fewer): the enabled
        # ones called must be the plain enabled ones, in order, and the counted ones the rest.
        taken = [p for p in called if built[p] is not None]
        if taken != enabled[:len(taken)] or len(enabled) - len(taken) != counted:
            got = f"returned {fast!r}" if counted else f"gives {len(taken)} enabled parameters"
            raise _fail(spec, f"{act.name}'s enumerator {got} when count_outside is true, where {len(enabled)} are "
                        "enabled when it is false: the called ones must come first, in the same order, and the "
                        "rest be counted", state)
        for p in enabled[len(taken):]:
            _outside(spec, act, p, built[p], constraint, violated, "is counted (Counted)", state)
        for p, answer in zip(called, answers, strict=True):
            if answer is OUTSIDE:
                _outside(spec, act, p, built[p], constraint, violated, "answers OUTSIDE", state)
            elif answer != built[p]:
                step = show_label(spec, act.name, p)
                raise _fail(spec, f"{step} gives another successor when count_outside is true", state)
        if act.name in kept:
            for p in enabled:
                if not constraint(built[p]):
                    step = show_label(spec, act.name, p)
                    raise _fail(spec, f"keeps_constraint() names {act.name}, but {step} leaves the constraint", state)


def _outside(spec: Spec, act: Action, p: tuple, t: Any, constraint: Callable[[State], bool],
             violated: Violated, how: str, state: State) -> None:
    """``act(p)``, whose plain successor is ``t``, is counted without being built: ``t`` must exist, lie
    outside the constraint and satisfy the invariants."""
    step = show_label(spec, act.name, p)
    if t is None:
        raise _fail(spec, f"{step} {how} but is not enabled: it would be counted as generated", state)
    if constraint(t):
        raise _fail(spec, f"{step} {how} but its successor is within the constraint", state)
    bad = violated(t) if violated is not None else None
    if bad:
        raise _fail(spec, f"{step} {how} but its successor violates {bad}", state)
