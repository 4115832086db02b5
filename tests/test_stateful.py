"""The Hypothesis adapter: any spec as a RuleBasedStateMachine; base specs pass, variants fail and shrink."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from modelcheck.engine.explain import summary
from modelcheck.engine.result import VIOLATION, Result
from modelcheck.engine.stateful import InvariantViolation, run_spec, spec_machine
from spec.behaviour import validate_trace
from spec.core import Spec, action, invariant
from spec.registry import entries, load_user_spec, spec_class

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "my_variant.py"

# The loaded profile (tests/conftest.py: "ci" by default, "deep" with PAXRAFT_HYPOTHESIS_PROFILE=deep)
# sets how many runs; these add run length, a fixed seed where a test must find a bug, and no database.
PROFILE = settings()
RUNS = settings(
    PROFILE,
    stateful_step_count=50,
    database=None,
    phases=(Phase.generate, Phase.shrink),
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
)
HUNT = settings(RUNS, max_examples=max(PROFILE.max_examples, 200), stateful_step_count=25, derandomize=True)
DEEP = settings(RUNS, max_examples=1000, stateful_step_count=100)


def run_lengths(spec: Spec, how: settings) -> list[int]:
    """Run the machine and return each run's number of steps (from teardown)."""
    machine = spec_machine(spec)
    lengths: list[int] = []
    machine.teardown = lambda self: lengths.append(len(self.trace) - 1)  # type: ignore[method-assign]
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(machine, settings=how)
    return lengths


@pytest.mark.parametrize("name", list(entries()))
def test_every_registered_base_spec_passes_random_runs(name: str) -> None:
    lengths = run_lengths(entries()[name].cls(), RUNS)
    assert len(lengths) >= PROFILE.max_examples // 2


def test_paxos_runs_are_long_and_pass() -> None:
    lengths = run_lengths(spec_class("paxos")(acceptors=3, values=2, max_ballot=3), RUNS)
    assert max(lengths) == 49 and sum(lengths) / len(lengths) > 35  # the initial state takes one of the 50 steps


@pytest.mark.skipif("raft" not in entries(), reason="spec/raft.py is not registered")
def test_raft_runs_are_long_and_pass() -> None:
    raft = spec_class("raft")(servers=3, values=2, max_term=4, max_log=3, max_copies=2, max_in_flight=4)
    lengths = run_lengths(raft, RUNS)
    assert max(lengths) >= 30


HUNTED = ["ignore-votes", "accept-below-promise", "promise-any", "dup-ballot", "amnesia", "flexible"]


@pytest.mark.parametrize("name", HUNTED)
def test_hypothesis_finds_and_shrinks_catalog_variants(name: str) -> None:
    cls = spec_class("paxos", name)
    spec = cls(**cls.failing_bounds)
    with pytest.raises(InvariantViolation) as exc:
        run_spec(spec, HUNT)
    v = exc.value
    assert v.invariant == cls.breaks == "Agreement"
    assert cls.trace_length <= v.trace_length <= 2 * cls.trace_length
    validate_trace(spec, v.trace)
    assert not spec.invariants["Agreement"](v.trace[-1].state)


def test_a_failure_prints_the_checkers_trace() -> None:
    cls = spec_class("paxos", "dup-ballot")
    spec = cls(**cls.failing_bounds)
    with pytest.raises(InvariantViolation) as exc:
        run_spec(spec, HUNT)
    v = exc.value
    checker_report = summary(Result(spec, verdict=VIOLATION, violated="Agreement", trace=v.trace))
    trace_block = checker_report.split("\n\n")[1]  # numbered states ... '--> Agreement is false in this state'
    message = str(v)
    assert message.startswith(f"invariant Agreement is violated after {v.trace_length} steps")
    assert message.endswith(trace_block)
    assert "  1. Initial state" in message and "Phase2b(a=a1, b=0, v=v" in message


def test_the_users_own_file_variant() -> None:
    cls = load_user_spec(f"{EXAMPLE}:SilentVotes")
    spec = cls(acceptors=1)
    with pytest.raises(InvariantViolation) as exc:
        run_spec(spec, HUNT)
    assert exc.value.invariant == "Agreement" and exc.value.trace_length <= 16  # 8 is the shortest


class Counter(Spec):
    """x counts up forever; the constraint x <= 2 bounds the runs; Small says x <= 3."""

    name = "counter"
    variables = ("x",)

    def init_states(self):
        yield (0,)

    @action()
    def Inc(self, s):
        return (s[0] + 1,)

    @invariant
    def Small(self, s):
        return s[0] <= 3

    def show_state(self, s):
        return {"x": s[0]}


class Bounded(Counter):
    def constraint(self, s):
        return s[0] <= 2


def test_the_constraint_stops_a_run_as_in_the_checker() -> None:
    # Bounded reaches x = 3 (outside the constraint: checked, not stepped from) and stops there.
    assert max(run_lengths(Bounded(), settings(RUNS, max_examples=20))) == 3
    with pytest.raises(InvariantViolation) as exc:  # without the constraint, x = 4 breaks Small
        run_spec(Counter(), settings(RUNS, max_examples=20))
    assert exc.value.invariant == "Small" and exc.value.trace_length == 4


def test_testcase_for_pytest_collection() -> None:
    machine = spec_machine(spec_class("paxos")(acceptors=1, values=1))
    assert machine.__name__ == "PaxosMachine" and hasattr(machine, "TestCase")
    assert {"inv_TypeOK", "inv_Agreement"} <= set(dir(machine))


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in entries()])
def test_deep_runs_of_every_base_spec(name: str) -> None:
    run_spec(entries()[name].cls(), DEEP)


# any-vote and no-promise-on-accept (17 exact steps among three acceptors and three ballots) were
# not found by 1,000 random runs of 40 steps; the exhaustive checker finds them (tests/test_catalog.py).
@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "bounds", "shortest"),
    [("volatile-promise", None, 9), ("ignore-votes", {"acceptors": 3, "values": 2, "max_ballot": 1}, 12)],
)
def test_deep_hunt_for_the_harder_variants(name: str, bounds: dict | None, shortest: int) -> None:
    cls = spec_class("paxos", name)
    with pytest.raises(InvariantViolation) as exc:
        run_spec(cls(**(bounds or cls.failing_bounds)), settings(DEEP, derandomize=True, stateful_step_count=40))
    assert exc.value.invariant == "Agreement" and shortest <= exc.value.trace_length <= 2 * shortest
