"""Action invariants (TLA+'s action properties ``[][A]_vars``) on a user's spec written from scratch:
tests/user_specs/growing_log.py, the TLA+ text and the models TLC 2.20 ran in tests/user_specs/GrowingLog/. Every
engine checks them (one process, two workers, the graph's loop, dfs, simulation, Hypothesis), with TLC's counts,
TLC's order against a state invariant broken at the same step, and the CLI, replay, variants and the explorer say
which step breaks which."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import settings
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import VIOLATION, check
from modelcheck.engine.coordinator import search
from modelcheck.engine.dfs import dfs
from modelcheck.engine.graph import explore_checked
from modelcheck.engine.shortest import shortest_dag
from modelcheck.engine.simulate import simulate
from modelcheck.engine.stateful import InvariantViolation, run_spec
from modelcheck.output.explore.session import Session
from spec.core import SpecError, invariant
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "growing_log.py"
GROWING = f"{FILE}:GrowingLog"
GrowingLog = load_user_spec(GROWING)
AnyLeader = load_user_spec(f"{FILE}:AnyLeader")

# TLC 2.20 -workers 1 (tests/user_specs/GrowingLog): MCGrowingLog.cfg: no error, 781 distinct, 2,609 generated,
# depth 12; MCGrowingLogBug.cfg (UpToDate = FALSE): "Action property CommittedEntriesStay is violated", 5 states,
# 89 generated and 61 distinct when it stopped; MCGrowingLogBugInv.cfg (the same with INVARIANT CommitWithinLog):
# "Invariant CommitWithinLog is violated", the same trace and counts (TLC checks a new state's invariants first).
TRACE = ["Write", "Replicate", "Commit", "NewLeader"]


class AnyLeaderChecked(AnyLeader):
    """MCGrowingLogBugInv.cfg: the bug with the state invariant as well, broken by the same step."""

    @invariant
    def CommitWithinLog(self, s: object) -> bool:
        return all(c <= len(x) for c, x in zip(s.commit, s.log))  # type: ignore[attr-defined]


def figures(r: object) -> tuple:
    labels = [st.label.name for st in r.trace[1:]] if r.trace else None  # type: ignore[attr-defined]
    return r.verdict, r.violated, r.distinct_states, r.states_generated, labels  # type: ignore[attr-defined]


def test_counts_and_the_broken_step_are_tlcs() -> None:
    r = check(GrowingLog())
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", 781, 2609, 12)
    assert figures(check(AnyLeader())) == (VIOLATION, "CommittedEntriesStay", 61, 89, TRACE)
    assert figures(check(AnyLeaderChecked())) == (VIOLATION, "CommitWithinLog", 61, 89, TRACE)
    assert check(AnyLeader(), check_invariants=False).verdict == "ok"  # --no-invariants: none of either kind


def test_two_workers_and_the_graphs_loop_find_the_same_step() -> None:
    """The parallel search's events at one successor's key: the state's invariant before the step's (TLC's)."""
    for spec in (AnyLeader(), AnyLeaderChecked()):
        one = figures(check(spec))
        assert figures(search(spec, workers=2)) == one
        graph_result = explore_checked(spec)[1]
        assert (graph_result.verdict, graph_result.violated) == one[:2]
    r = search(GrowingLog(), workers=2)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", 781, 2609, 12)


def test_dfs_simulation_and_hypothesis_check_each_step() -> None:
    assert dfs(AnyLeader()).violated == "CommittedEntriesStay"
    # a step breaking both kinds names the state's invariant in every mode, as the breadth-first search (TLC) does
    deep = dfs(AnyLeaderChecked())  # its first bad step keeps the log's length: only the step's invariant breaks
    spec = AnyLeaderChecked()
    assert spec.invariants["CommitWithinLog"](deep.trace[-1].state) and deep.violated == "CommittedEntriesStay"
    assert simulate(AnyLeaderChecked(), walks=50, depth=30, seed=1).violated == "CommitWithinLog"
    with pytest.raises(InvariantViolation) as both:
        run_spec(AnyLeaderChecked(), settings(max_examples=200, derandomize=True))
    assert both.value.invariant == "CommitWithinLog"
    assert dfs(GrowingLog()).verdict == "ok"
    assert simulate(AnyLeader(), walks=50, depth=30, seed=1).violated == "CommittedEntriesStay"
    assert simulate(GrowingLog(), walks=50, depth=30, seed=1).verdict == "ok"
    run_spec(GrowingLog(), settings(max_examples=30, derandomize=True))
    with pytest.raises(InvariantViolation) as found:
        run_spec(AnyLeader(), settings(max_examples=200, derandomize=True))
    assert found.value.invariant == "CommittedEntriesStay"
    assert str(found.value).startswith("action invariant CommittedEntriesStay is violated after")
    assert "--> the step to this state breaks CommittedEntriesStay" in str(found.value)


def test_cli_replay_variants_and_explorer_name_the_step(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "check", GROWING, "--variant", "any-leader", "--out", str(tmp_path / "cex"))
    assert code == 1 and "Error: action invariant CommittedEntriesStay is violated; shortest counterexample: 4 " \
        "steps" in out
    assert "  5. NewLeader(j=2)" in out and "--> the step to this state breaks CommittedEntriesStay" in out
    code, out, _ = run(capsys, "check", GROWING, "--variant", "any-leader", "--json", "--workers", "2")
    obj = json.loads(out)
    assert code == 1 and (obj["violated"], obj["distinct_states"], obj["states_generated"]) == \
        ("CommittedEntriesStay", 61, 89)
    code, out, _ = run(capsys, "list", str(FILE))  # what a plain check judges, before any run
    assert code == 0 and "    checks: action invariants CommitNeverDecreases, CommittedEntriesStay\n" in out
    code, out, _ = run(capsys, "list", "paxos")
    assert "    checks: invariants TypeOK, Agreement\n" in out
    code, out, _ = run(capsys, "replay", str(tmp_path / "cex" / "trace.itf.json"), "--spec", f"{FILE}:AnyLeader")
    assert code == 0 and "the last step breaks CommittedEntriesStay" in out
    code, out, _ = run(capsys, "variants", "--spec", GROWING, "--check")
    assert code == 0 and "CommittedEntriesStay, 4 steps   CommittedEntriesStay, 4 steps" in out
    view = Session(AnyLeader()).view("Write(1)/Replicate(1)/Commit(1)")
    marks = {e["label"]: e["violates"] for e in view["enabled"]}
    assert marks["NewLeader(j=2)"] == "CommittedEntriesStay" and marks["Write(v=2)"] is None
    after = Session(AnyLeader()).view("Write(1)/Replicate(1)/Commit(1)/NewLeader(2)")
    assert {i["name"]: i["holds"] for i in after["invariants"]} == {"CommitNeverDecreases": True,
                                                                    "CommittedEntriesStay": False}


class AnyLeaderLearning(AnyLeader):
    """The bug, and a state invariant broken one step deeper (5 steps: Write, Write, Replicate, Commit(2), Learn)."""

    @invariant
    def NoFollowerLearnsTwo(self, s: object) -> bool:
        return all(c < 2 for c in s.commit[1:])  # type: ignore[attr-defined]


def test_counterexamples_and_fewest_switches_see_the_broken_step(capsys: pytest.CaptureFixture) -> None:
    """--counterexamples and --fewest-switches (modelcheck.engine.shortest) judged states only: 'No error found',
    exit 0, on AnyLeader, whose plain check reports CommittedEntriesStay broken in 4 steps; with a state invariant
    broken 5 steps deep they called its 5-step trace the shortest counterexample (hostile8). The 4 steps: after
    Write(v), Replicate(i), Commit(1), NewLeader of the follower left empty, for v and i in 1..2; the 99 states are
    the model's first 5 levels (a plain breadth-first walk of AnyLeader counts the same)."""
    code, out, _ = run(capsys, "check", GROWING, "--variant", "any-leader", "--counterexamples", "3", "--quiet")
    assert code == 1 and "Shortest counterexamples have 4 steps; 4 violating steps on that level; 99 distinct " \
        "states explored\n3 of them, no two the same steps in another order:\n" in out
    assert "Counterexample 1: CommittedEntriesStay, 4 steps" in out and "  5. NewLeader(j=2)" in out
    assert out.count("--> the step to this state breaks CommittedEntriesStay") == 3
    code, out, _ = run(capsys, "check", GROWING, "--variant", "any-leader", "--fewest-switches", "--json", "--quiet")
    obj = json.loads(out)
    assert code == 1 and (obj["shortest_length"], obj["violating_states"], obj["violating_steps"]) == (4, 0, 4)
    assert obj["fewest_switches"]["violated"] == "CommittedEntriesStay"
    dag = shortest_dag(AnyLeaderLearning())
    (trace, bad), = dag.diverse(1)
    assert (bad, dag.depth - 1) == ("CommittedEntriesStay", 4)
    assert [st.label for st in trace] == [st.label for st in check(AnyLeader()).trace]  # the plain check's trace
    code, out, _ = run(capsys, "check", GROWING, "--counterexamples", "2", "--quiet")  # the correct spec: none
    assert code == 0 and "No error found (781 distinct states, depth 12)." in out


def test_a_misbehaving_action_invariant_is_named(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """None instead of a verdict: one line, exit 2; an exception: the user's code, exit 3, naming it."""
    user = tmp_path / "mine.py"
    user.write_text(f"import sys\nsys.path.insert(0, {str(FILE.parent)!r})\n"
                    "from growing_log import GrowingLog\nfrom spec.core import action_invariant\n\n"
                    "class NotABool(GrowingLog):\n    @action_invariant\n    def Forgot(self, s, t):\n"
                    "        pass\n\n"
                    "class Raises(GrowingLog):\n    @action_invariant\n    def Breaks(self, s, t):\n"
                    "        return s.log[5] == t.log[5]\n")
    code, _, err = run(capsys, "check", f"{user}:NotABool")
    assert code == 2 and "action invariant Forgot returned None (a missing return?)" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "check", f"{user}:Raises")
    assert code == 3 and "action invariant Breaks" in err and "IndexError" in err


def test_a_name_marked_both_ways_is_refused(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A subclass redefining an invariant as an action invariant kept the base's @invariant mark: check called it with
    one state, exit 3 ('missing 1 required positional argument', at faults.py); a method decorated both ways had a
    state's violation reported as 'action invariant ... is violated' (hostile8). Now one line, exit 2."""
    user = tmp_path / "mine.py"
    user.write_text(f"import sys\nsys.path.insert(0, {str(FILE.parent)!r})\n"
                    "from growing_log import GrowingLog\nfrom spec.core import action_invariant, invariant\n\n"
                    "class Base(GrowingLog):\n    @invariant\n    def Short(self, s):\n        return True\n\n"
                    "class Redefined(Base):\n    @action_invariant\n    def Short(self, s, t):\n        return True\n\n"
                    "class Twice(GrowingLog):\n    @invariant\n    @action_invariant\n    def Short(self, s, t=None):\n"
                    "        return len(s.log[0]) < 2\n")
    for cls in ("Redefined", "Twice"):
        for command in ("check", "list"):
            code, _, err = run(capsys, command, f"{user}:{cls}")
            assert code == 2, (cls, command)
            assert f"{cls}: Short is marked both @invariant and @action_invariant" in err and "Traceback" not in err


def test_replay_and_the_explorer_judge_a_verdict_as_check_does(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """An action invariant (or an invariant) returning None where the recorded trace breaks it: check refuses it in
    one line, exit 2; replay read the None as 'the last step breaks CommittedEntriesStay', exit 0, and the explorer,
    the Hypothesis adapter and 'paxraft graph' as broken too (hostile8). Now the same refusal everywhere."""
    run(capsys, "check", GROWING, "--variant", "any-leader", "--out", str(tmp_path / "cex"))
    user = tmp_path / "mine.py"
    user.write_text(f"import sys\nsys.path.insert(0, {str(FILE.parent)!r})\n"
                    "from growing_log import AnyLeader, GrowingLog\n"
                    "from spec.core import action_invariant, invariant\n\n"
                    "class Forgets(AnyLeader):\n    @action_invariant\n    def CommittedEntriesStay(self, s, t):\n"
                    "        return None if len(t.log[0]) < len(s.log[0]) else True\n\n"
                    # (on the correct spec: on AnyLeader the Hypothesis adapter may also find its real violation,
                    # and two distinct failures come as an ExceptionGroup, not the SpecError asked for below)
                    "class ForgetsState(GrowingLog):\n    @invariant\n    def Short(self, s):\n"
                    "        return len(s.log[0]) < 2 or None\n")
    trace = str(tmp_path / "cex" / "trace.itf.json")
    code, out, err = run(capsys, "replay", trace, "--spec", f"{user}:Forgets")
    assert code == 2 and "action invariant CommittedEntriesStay returned None (a missing return?)" in err
    assert "breaks" not in out
    with pytest.raises(SpecError, match="action invariant CommittedEntriesStay returned None"):
        Session(load_user_spec(f"{user}:Forgets")()).view("Write(1)/Replicate(1)/Commit(1)/NewLeader(2)")
    with pytest.raises(SpecError, match="invariant Short returned None"):
        Session(load_user_spec(f"{user}:ForgetsState")()).view("Write(1)/Write(1)")
    with pytest.raises(SpecError, match="invariant Short returned None"):  # the Hypothesis adapter: the same
        run_spec(load_user_spec(f"{user}:ForgetsState")())
    code, out, err = run(capsys, "graph", f"{user}:ForgetsState", "--out", str(tmp_path / "g"))
    assert code == 2 and "invariant Short returned None" in err and "violated" not in out


def test_symmetry_refuses_an_action_invariant_that_names_a_replica(capsys: pytest.CaptureFixture,
                                                                   tmp_path: Path) -> None:
    """--symmetry checks the steps of one state per renaming: an action invariant true of a step and false of its
    renaming is refused in one line, exit 2 (before, the check said nothing and could miss its violations); one
    that judges every process alike is taken."""
    user = tmp_path / "counters.py"
    user.write_text(f"import sys\nsys.path.insert(0, {str(FILE.parent)!r})\n"
                    "from two_counters import SymmetricCounters\nfrom spec.core import action_invariant\n\n"
                    "class FirstOnly(SymmetricCounters):\n    @action_invariant\n    def FirstStaysLow(self, s, t):\n"
                    "        return t.c[0] <= 1\n\n"
                    "class Each(SymmetricCounters):\n    @action_invariant\n    def CountsUp(self, s, t):\n"
                    "        return all(b >= a for a, b in zip(s.c, t.c))\n")
    code, _, err = run(capsys, "check", f"{user}:FirstOnly", "--symmetry")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "action invariant FirstStaysLow tells renamed steps apart" in err
    code, out, _ = run(capsys, "check", f"{user}:Each", "--symmetry")
    assert code == 1 and "Error: invariant NotBothDone is violated" in out  # the state invariant, as without it


def test_the_part_of_the_step_that_fails(capsys: pytest.CaptureFixture) -> None:
    """An action invariant's violation names the part that fails, read from its source with both states bound, as
    a state invariant's does: check's text and JSON, --counterexamples, the Hypothesis adapter and the explorer.
    (Until 2026-12-07 it said only 'the step to this state breaks CommittedEntriesStay', which node and entry
    left to the reader; newuser27's Egalitarian Paxos Stability alike.)"""
    # (c and y are said once, in the binding: spec/why.py, the reading refusals share)
    part = "for c = 1, x = <<1>>, y = <<>>: len(y) >= c is false (len(y) is 0)"
    code, out, _ = run(capsys, "check", GROWING, "--variant", "any-leader")
    assert code == 1 and f"breaks CommittedEntriesStay (``[][\\A i \\in Node : Len(log'[i]) >= commit[i] /\\ " \
        f"SubSeq(log'[i], 1, commit[i]) = ...]_vars``)\n           the part that fails: {part}\n" in out
    code, out, _ = run(capsys, "check", GROWING, "--variant", "any-leader", "--json", "--quiet")
    assert code == 1 and json.loads(out)["failing_part"] == part
    code, out, _ = run(capsys, "check", GROWING, "--variant", "any-leader", "--counterexamples", "2", "--quiet")
    assert code == 1 and out.count("the part that fails: for c = 1") == 2
    with pytest.raises(InvariantViolation) as found:
        run_spec(AnyLeader(), settings(max_examples=200, derandomize=True))
    assert "the part that fails: for c = " in str(found.value)
    after = Session(AnyLeader()).view("Write(1)/Replicate(1)/Commit(1)/NewLeader(2)")
    why = {i["name"]: i["why"] for i in after["invariants"]}["CommittedEntriesStay"]
    assert why == f"the step to this state breaks CommittedEntriesStay; the part that fails: {part}"
