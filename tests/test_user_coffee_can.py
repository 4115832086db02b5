"""tlaplus/Examples' CoffeeCan.tla written from scratch as a user would (tests/user_specs/coffee_can.py), its action
properties MonotonicDecrease and LoopInvariant as action invariants: TLC's counts, TLC's verdict, trace and figures
at the stop for a planted bug that breaks LoopInvariant only (tests/user_specs/CoffeeCan/ holds what TLC ran), and
the depth TLC reports when the breaking step goes into a state already seen."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from hypothesis import settings
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import VIOLATION, check
from modelcheck.engine.coordinator import search
from modelcheck.engine.dfs import dfs
from modelcheck.engine.liveness import check_liveness
from modelcheck.engine.simulate import simulate
from modelcheck.engine.stateful import InvariantViolation, run_spec
from spec.core import Spec, action, action_invariant
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "coffee_can.py"
CoffeeCan = load_user_spec(f"{FILE}:CoffeeCan")
WhiteOut = load_user_spec(f"{FILE}:WhiteOut")

# TLC 2.20 -workers 1 (tests/user_specs/CoffeeCan): MCCoffeeCan.cfg (MaxBeanCount = 10): no error, 65 distinct, 202
# generated, depth 1 (every state is initial); CoffeeCan100Beans.cfg: 5,150 / 20,002 / 1. MCCoffeeCanBug.cfg:
# "Action property LoopInvariant is violated", 2 states ([black |-> 1, white |-> 1], then PickDifferentColorBug),
# 77 states generated, 65 distinct, depth 1 (the step goes into an initial state: no state of level 2 is stored).


def figures(r: object) -> tuple:
    labels = [st.label.name for st in r.trace[1:]] if r.trace else None  # type: ignore[attr-defined]
    return r.verdict, r.violated, r.distinct_states, r.states_generated, r.depth, labels  # type: ignore[attr-defined]


BUG = (VIOLATION, "LoopInvariant", 65, 77, 1, ["PickDifferentColor"])


def test_counts_and_the_planted_bug_are_tlcs() -> None:
    assert figures(check(CoffeeCan())) == ("ok", None, 65, 202, 1, None)
    r = check(WhiteOut())
    assert figures(r) == BUG and tuple(r.trace[0].state) == (1, 1)
    assert figures(search(WhiteOut(), workers=2)) == BUG


class Back(NamedTuple):
    x: int


class BackFirst(Spec):
    """TLC: x = 0, then 1, then Back (x = 1 /\\ x' = 0) before Up breaks [][x' > x]_x: 3 generated, 2 distinct, depth
    2, for the step goes into an old state before any state of level 3 is stored; with Up first (UpFirst), Up stores
    x = 2 at level 3 before Back breaks it: 4 generated, 3 distinct, depth 3."""

    variables = Back._fields

    def init_states(self) -> list[Back]:
        return [Back(0)]

    @action()
    def Back(self, s: Back) -> Back | None:
        return Back(0) if s.x == 1 else None

    @action()
    def Up(self, s: Back) -> Back | None:
        return Back(s.x + 1) if s.x < 3 else None

    @action_invariant
    def Grows(self, s: Back, t: Back) -> bool:
        return t.x > s.x


class UpFirst(BackFirst):
    @action()
    def Back(self, s: Back) -> Back | None:
        return None

    @action()
    def Down(self, s: Back) -> Back | None:
        return Back(0) if s.x == 1 else None


def test_the_depth_at_a_broken_step_is_tlcs() -> None:
    """The depth reported is the deepest level stored, as TLC's: before, the trace's length (2 for the bug, not
    TLC's 1; 3 for BackFirst, not 2), in one process and with workers."""
    for spec, counts in ((BackFirst(), (2, 3, 2)), (UpFirst(), (3, 4, 3))):
        for r in (check(spec), search(spec, workers=2)):
            assert (r.violated, r.distinct_states, r.states_generated, r.depth) == ("Grows", *counts)


def test_every_mode_checks_the_steps() -> None:
    """dfs, simulation, the liveness graph and Hypothesis ask the action invariants; Termination's stutter keeps
    MonotonicDecrease ([A]_vars holds on a stutter)."""
    assert dfs(WhiteOut()).violated == "LoopInvariant" and dfs(CoffeeCan()).verdict == "ok"
    assert simulate(WhiteOut(), walks=20, depth=20, seed=1).violated == "LoopInvariant"
    assert simulate(CoffeeCan(), walks=20, depth=20, seed=1).verdict == "ok"
    safety, props = check_liveness(CoffeeCan(), ["EventuallyTerminates", "TerminationHypothesis"])
    assert safety.verdict == "ok" and [p.holds for p in props] == [True, True]
    assert figures(check_liveness(WhiteOut())[0]) == BUG  # the graph's loop, TLC's figures too
    run_spec(CoffeeCan(), settings(max_examples=20, derandomize=True))
    try:
        run_spec(WhiteOut(), settings(max_examples=100, derandomize=True))
        raise AssertionError("the Hypothesis adapter missed the broken step")
    except InvariantViolation as found:
        assert found.invariant == "LoopInvariant"


def test_cli_replay_and_variants(capsys: object, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "check", f"{FILE}:CoffeeCan", "--variant", "white-out", "--out", str(tmp_path / "c"))
    assert code == 1 and "Error: action invariant LoopInvariant is violated; shortest counterexample: 1 step\n" in out
    assert "65 distinct states, 77 states generated, depth 1," in out
    code, out, _ = run(capsys, "replay", str(tmp_path / "c" / "trace.itf.json"), "--spec", f"{FILE}:WhiteOut")
    assert code == 0 and "the last step breaks LoopInvariant" in out
    code, out, _ = run(capsys, "variants", "--spec", f"{FILE}:CoffeeCan", "--check")
    assert code == 0 and "LoopInvariant, 1 step           LoopInvariant, 1 step" in out
