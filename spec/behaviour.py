"""A behaviour of a spec as a list of steps, and whether the spec allows it.

A :class:`Step` is what every consumer exchanges: the checker's counterexamples, ITF traces, the
Hypothesis adapter and the Z3 bounded model checker all produce them, and :func:`validate_trace`
re-runs them against the spec (does each state follow from the previous one by its action?).
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.core import Label, Spec, State


@dataclass
class Step:
    """One state of a trace and the action label that produced it (``None`` for an initial state)."""

    label: Label | None
    state: State


@dataclass
class ReplayError(Exception):
    """Step ``index`` (1-based, as traces are numbered) is not explained by the spec."""

    index: int
    reason: str

    def __str__(self) -> str:
        return f"step {self.index}: {self.reason}"


def validate_trace(spec: Spec, trace: list[Step]) -> None:
    """Raise :class:`ReplayError` at the first step the spec does not allow; return if all do."""
    if not trace:
        raise ReplayError(1, "empty trace")
    if trace[0].label is not None or trace[0].state not in set(spec.init_states()):
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
            raise ReplayError(i + 1, f"{spec.show_label(step.label)} is not enabled in the previous state")
        if nxt != step.state:
            raise ReplayError(i + 1, f"{spec.show_label(step.label)} leads to a different state than the one recorded")
