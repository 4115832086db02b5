"""Fairness conditions judged: the one rule for the liveness checker and for the replay of a lasso.

A condition (``WF``/``SF`` over an action family, :class:`spec.core.Fair`) concerns the steps whose
label it matches, from the states where its ``when`` holds (every state without one: ``WF_vars(P /\\ A)``
is the family ``A`` gated by the state predicate ``P``, whose steps are ``A``'s from ``P``-states, and
``ENABLED`` only there). It is *enabled* in a state when one of the state's state-changing steps belongs
to it, whether that step leads to a state within the state constraint or to one the constraint
cuts (TLC's ``ENABLED``: the constraint bounds the graph, not what an action may do). A loop
*breaks* it when the loop takes none of its steps and it is enabled in every state of the loop
(``WF``) or in one of them (``SF``); a behaviour that stutters for ever in a state loops there
taking nothing. :mod:`modelcheck.engine.liveness` finds fair loops with it (and judges the loop of
each lasso it prints by it); :func:`modelcheck.output.itf.recorded_violation` judges a saved one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from modelcheck.engine.faults import raised
from spec.core import Fair, Label, Spec, SpecError, State, strict_predicate
from spec.suggest import hint


def show_fair(spec: Spec, f: Fair) -> str:
    """``WF(n0 \\/ n1 with n=p1)``: a condition with its filter values as the spec shows parameters."""
    if f.text or not f.where:
        return str(f)
    takes = {a.name: a.param_names for a in spec.actions}

    def shown(key: str, value: Any) -> Any:
        act = next((a for a in f.actions if key in takes.get(a, ())), None)
        try:
            return value if act is None else spec.show_param(act, key, value)
        except Exception:  # the spec's rendering of a value it never enumerates: the value itself
            return value

    family = " \\/ ".join(f.actions)
    filt = ", ".join(f"{k}={shown(k, v)}" for k, v in f.where)
    return f"{f.kind}({family} with {filt}{f.when_text()})"


class FairnessRule:
    """The conditions ``conds`` of ``spec``, checked against its actions, as bit masks: bit ``k`` stands
    for ``conds[k]``."""

    def __init__(self, spec: Spec, conds: Sequence[Fair]) -> None:
        self.spec = spec
        self.conds = list(conds)
        self.names = {a.name: a.param_names for a in spec.actions}
        for f in self.conds:
            unknown = [a for a in f.actions if a not in self.names]
            if unknown:
                raise SpecError(f"{spec.name}: fairness {f} names unknown action(s) {', '.join(unknown)}"
                                f"{hint(unknown[0], self.names)}")
            if f.when is not None and not callable(f.when):
                raise SpecError(f"{spec.name}: fairness {f.kind}({', '.join(f.actions)}) has when={f.when!r}, "
                                "not a predicate on the state (when=lambda s: ...)")
            # a filter an action lacks leaves that action unconstrained; one that no action has is a mistake
            # that would silently make the condition cover every step of the family
            for key, _ in f.where:
                if not any(key in self.names[a] for a in f.actions):
                    takes = "; ".join(f"{a}({', '.join(self.names[a])})" for a in f.actions)
                    raise SpecError(f"{spec.name}: fairness {f} filters on {key}, a parameter of none of its "
                                    f"actions: {takes}")
        self.all = (1 << len(self.conds)) - 1
        self.weak = sum(1 << k for k, f in enumerate(self.conds) if f.kind == "WF")  # the rest are SF
        self.gated = [k for k, f in enumerate(self.conds) if f.when is not None]  # WF_vars(P /\\ A)
        self.ungated = self.all & ~sum(1 << k for k in self.gated)
        self._masks: dict[Label, int] = {}

    def when(self, k: int) -> Callable[[State], bool]:
        """Condition ``k``'s state predicate (it must be gated), its result True or False, an exception in
        it the spec's code failing (exit 3, naming the condition and the state)."""
        f = self.conds[k]
        assert f.when is not None
        text = show_fair(self.spec, f)
        judged = strict_predicate(self.spec, "the `when` of fairness", text, f.when)

        def call(state: State) -> bool:
            try:
                return judged(state)
            except SpecError:
                raise
            except Exception as exc:
                raise raised(self.spec, f"fairness {text}", exc, state) from exc

        return call

    def gate(self, held: Iterable[int]) -> int:
        """The conditions a state's steps may belong to: the ungated ones and the gated ones ``held`` (the
        indices of those whose ``when`` holds there)."""
        return self.ungated | sum(1 << k for k in held)

    def gate_of(self, state: State) -> int:
        """:meth:`gate` of ``state``, its predicates evaluated."""
        return self.gate(k for k in self.gated if self.when(k)(state))

    def mask(self, label: Label) -> int:
        """The conditions whose family has the step ``label``."""
        m = self._masks.get(label)
        if m is None:
            takes = self.names.get(label.name, ())
            m = self._masks[label] = sum(1 << k for k, f in enumerate(self.conds) if f.matches(label, takes))
        return m

    def enabled(self, steps: Iterable[Label], gate: int | None = None) -> int:
        """The conditions enabled in a state whose state-changing steps (to kept or cut states) are ``steps``,
        and whose :meth:`gate` is ``gate`` (None: every condition's steps may start there)."""
        m = 0
        for label in steps:
            m |= self.mask(label)
        return m if gate is None else m & gate

    def loop_broken(self, states: Sequence[State], labels: Sequence[Label],
                    steps_of: Callable[[State], Iterable[Label]]) -> int | None:
        """:meth:`broken` for a loop given as its ``states`` (the first left by ``labels[0]``, each next one
        reached by the next label; one state and no label: a stutter), the state-changing steps of each
        state given by ``steps_of``: the rule ``replay`` judges a saved lasso by."""
        gates = [self.gate_of(s) for s in states]
        taken = 0
        for g, label in zip(gates, labels):
            taken |= self.mask(label) & g
        return self.broken(taken, (self.enabled(steps_of(s), g) for s, g in zip(states, gates)))

    def broken(self, taken: int, enabled: Iterable[int]) -> int | None:
        """The index of the first condition a loop breaks, or None when the loop is fair: ``taken`` is
        the conditions of the steps the loop takes (none when it stutters), ``enabled`` those enabled in
        each of its states."""
        always, ever = self.all, 0
        for m in enabled:
            always &= m
            ever |= m
        bad = (always & self.weak | ever & ~self.weak) & ~taken
        return (bad & -bad).bit_length() - 1 if bad else None  # the lowest bit: the first condition

    def broken_text(self, k: int, stutters: bool) -> str:
        """Why condition ``k`` makes a loop (or, ``stutters``, a stutter) unfair, in words."""
        f = self.conds[k]
        where = ("in the last state, where it stutters for ever," if stutters
                 else "throughout the loop" if f.kind == "WF" else "in the loop")
        return f"{show_fair(self.spec, f)} is enabled {where} but never taken: not a fair behaviour"
