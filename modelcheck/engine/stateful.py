"""Any spec as a Hypothesis ``RuleBasedStateMachine``: random runs that shrink to short counterexamples.

:func:`spec_machine` turns a spec instance (base, variant, or a user's class) into a
state machine with one rule, ``step``, that picks one of the enabled
``(action, params)`` of the current state by its index in the enabled list (so
Hypothesis shrinks a failing run towards fewer steps and earlier choices), and one
Hypothesis ``@invariant`` per spec invariant.  The spec's state constraint bounds a
run as in the checker: a state outside it is checked but not stepped from, and in a state
within it the speed hooks (docs/fast-specs.md) are compared with the plain steps.  A
violation raises :class:`InvariantViolation`, whose message is the trace printed
exactly as ``paxraft check`` prints a counterexample::

    from modelcheck.engine.stateful import spec_machine
    TestPaxos = spec_machine(Paxos(acceptors=3)).TestCase   # collected by pytest
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import Phase
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from modelcheck.engine.explain import format_trace, violation_line, what_is_violated
from modelcheck.engine.failing import last_step
from modelcheck.engine.hook_check import hook_checker
from modelcheck.engine.result import Step, count
from spec.behaviour import initial_states, state_constraint, step_check
from spec.core import Label, Spec, State, strict
from spec.model import Model


class InvariantViolation(AssertionError):  # noqa: N818 - reads as what happened, like AssertionError
    """A spec invariant failed in a Hypothesis run; carries the invariant's name and the run's trace."""

    def __init__(self, spec: Spec, invariant: str, trace: list[Step]) -> None:
        self.spec, self.invariant, self.trace = spec, invariant, list(trace)
        super().__init__(
            f"{what_is_violated(spec, invariant)} is violated after {count(self.trace_length, 'step')} "
            f"({spec.describe()}):\n{format_trace(spec, self.trace)}\n"
            + violation_line(spec, invariant, *last_step(self.trace))
        )

    @property
    def trace_length(self) -> int:
        """Transitions in the run (its states minus one), as the checker counts a counterexample."""
        return len(self.trace) - 1


def spec_machine(spec: Spec | Model) -> type[RuleBasedStateMachine]:
    """A ``RuleBasedStateMachine`` subclass exploring ``spec`` (or a model's spec) by random enabled steps."""
    if isinstance(spec, Model):  # (the rules below read spec as a Spec: mypy forgets this narrowing there)
        spec = spec.build()
    inits: list[State] = initial_states(spec)
    if not inits:
        raise ValueError(f"{spec.describe()}: no initial state")
    constraint = state_constraint(spec)
    hooks = hook_checker(spec)  # the speed hooks' promises, compared with the plain steps where a run steps on
    step_bad = step_check(spec)  # the spec's action invariants, on each step taken

    class SpecMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.trace: list[Step] = []

        @initialize(data=st.data())
        def init(self, data: st.DataObject) -> None:
            """Start from one of the spec's initial states."""
            i = data.draw(st.integers(0, len(inits) - 1), label="initial state") if len(inits) > 1 else 0
            self.trace = [Step(None, inits[i])]

        @rule(data=st.data())
        def step(self, data: st.DataObject) -> None:
            """Take one enabled action; when none is (or the constraint stops the run), stutter."""
            state = self.trace[-1].state
            if constraint is not None and not constraint(state):
                return
            if hooks is not None:
                hooks(state)
            enabled = list(spec.successors(state))  # type: ignore[union-attr]
            if not enabled:
                return
            ai, params, nxt = enabled[data.draw(st.integers(0, len(enabled) - 1), label="enabled action")]
            self.trace.append(Step(Label(spec.actions[ai].name, params), nxt))  # type: ignore[union-attr]
            # a state's invariants first (TLC's order; the @invariant methods below report those), then the step's
            bad = step_bad(state, nxt, ai) if step_bad is not None and spec.violated(nxt) is None else None  # type: ignore[union-attr]
            if bad:
                raise InvariantViolation(spec, bad, self.trace)  # type: ignore[arg-type]

        @classmethod
        def _to_test_case(cls) -> type:
            """Hypothesis's TestCase (a new class per access), run without the explain phase whatever
            settings it is given (see run_spec): a failing 2-step EWD840 variant took 7.7 s of CPU
            as a TestCase against 0.35 s through run_spec."""
            case = super()._to_test_case()

            def runTest(self: Any) -> None:  # noqa: N802 - unittest's name
                run_state_machine_as_test(cls, settings=_no_explain(self.settings))

            runTest.is_hypothesis_test = True  # type: ignore[attr-defined]
            runTest._hypothesis_state_machine_class = cls  # type: ignore[attr-defined]
            case.runTest = runTest  # type: ignore[method-assign]
            return case

    for name, predicate in spec.invariants.items():
        setattr(SpecMachine, f"inv_{name}", _invariant_method(spec, name, predicate))
    SpecMachine.__name__ = SpecMachine.__qualname__ = f"{type(spec).__name__}Machine"
    return SpecMachine


def _invariant_method(spec: Spec, name: str, predicate: Callable[[State], Any]) -> object:
    @invariant()
    def check(self: Any) -> None:  # (self: spec_machine's SpecMachine)
        # True or False only, as check judges it: a None (a forgotten return) was reported as a violation
        if self.trace and not strict(spec, "invariant", name, predicate(self.trace[-1].state)):
            raise InvariantViolation(spec, name, self.trace)

    check.__name__ = f"inv_{name}"
    return check


def run_spec(spec: Spec | Model, settings: hypothesis_settings | None = None) -> None:
    """Run the Hypothesis state machine of ``spec`` now; raises :class:`InvariantViolation` on a violation.

    With ``settings`` (a ``hypothesis.settings``) or the current profile's, always without a deadline and
    less the *explain* phase: that phase re-runs the shrunk failure under line tracing to say which lines only failing
    runs reach, which took 72 s of the 0.1 s a TwoPhase violation otherwise costs (and minutes on
    EWD840's 2-step bug when a user's own settings brought it back), and the violation's trace
    already says more.
    """
    given = hypothesis_settings() if settings is None else settings
    if not isinstance(given, hypothesis_settings):
        raise TypeError(f"run_spec: settings must be a hypothesis.settings, got {type(given).__name__}")
    run_state_machine_as_test(spec_machine(spec), settings=_no_explain(given))


def _no_explain(given: hypothesis_settings) -> hypothesis_settings:
    """``given`` less Hypothesis's explain phase (see :func:`run_spec`) and its deadline: a run's time is the
    machine's load, not the spec's (a 50-step Peterson run under the default profile took 393 ms, over the
    200 ms deadline, then 475 ms: DeadlineExceeded reported as a FlakyFailure instead of a verdict)."""
    return hypothesis_settings(given, phases=[p for p in given.phases if p is not Phase.explain], deadline=None)
