"""Peterson's algorithm (tests/user_specs/peterson.py), written from docs/writing-a-spec.md alone and run
through every feature the guide shows, with exact figures: TLC 2.20's on tests/user_specs/Peterson.tla
(26 distinct, 46 generated, depth 7; each action's fired count as TLC's -coverage). The defects met on the
way are pinned here: several temporal properties were refused ('name one'), a variant failing at the
defaults of a spec without bounds was 'no failing bounds recorded', and the Hypothesis adapter failed a
correct spec with a FlakyFailure under the default 200 ms deadline."""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import settings
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import check
from modelcheck.engine.stateful import InvariantViolation, run_spec
from modelcheck.output.explore.session import Session
from spec.registry import load_user_spec

FILE = Path(__file__).parent / "user_specs" / "peterson.py"
REF = f"{FILE}:Peterson"
sys.path.insert(0, str(FILE.parent))
from peterson import CS, Peterson, PState, TurnFirst  # noqa: E402


def figures(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, dict]:
    code, out, _ = run(capsys, "check", *argv, "--json", "--quiet")
    return code, json.loads(out)


def test_tlcs_counts_alone_and_with_two_workers(capsys: pytest.CaptureFixture) -> None:
    for extra in ([], ["--workers", "2"]):
        code, obj = figures(capsys, REF, *extra)
        assert code == 0 and (obj["distinct_states"], obj["states_generated"], obj["depth"]) == (26, 46, 7)
        fired = {a: c["fired"] for a, c in obj["coverage"].items()}
        assert fired == {"a1": 14, "a2": 14, "a3": 4, "cs": 6, "a4": 6}  # TLC's generated per action
        # credited in paxraft's order of actions (TLC's with Next written action by action: Peterson.tla)
        assert {a: c["new"] for a, c in obj["coverage"].items()} == {"a1": 8, "a2": 6, "a3": 4, "cs": 6, "a4": 0}


def test_the_misordered_variant_out_replay_refine_and_variants(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "check", REF, "--variant", "turn-first", "--out", str(tmp_path / "cex"))
    assert code == 1 and "invariant MutualExclusion is violated; shortest counterexample: 6 steps" in out
    assert "32 distinct states, 50 states generated, depth 7" in out
    assert "--> MutualExclusion is false in this state: p1 and p2 are both in cs; turn = p1" in out
    assert "  5. a3(p=p2, why=flag down)" in out and "  7. a3(p=p1, why=my turn)" in out
    trace = str(tmp_path / "cex" / "trace.itf.json")
    code, out, _ = run(capsys, "replay", trace, "--spec", f"{FILE}:TurnFirst")
    assert code == 0 and "Every state follows; the last state violates MutualExclusion." in out
    code, out, _ = run(capsys, "replay", trace, "--spec", REF)  # Peterson raises the flag first
    assert code == 1 and "FAIL state 2: a1(p=p1): leads to a different state" in out
    code, out, _ = run(capsys, "refine", REF, "Lock")
    assert code == 0 and "Peterson implements Lock" in out and "26 distinct Peterson states, 44 transitions" in out
    code, out, _ = run(capsys, "refine", REF, "--variant", "turn-first", "Lock")
    assert code == 1 and "refinement fails at state 7 (step 6): a3(p=p1, why=my turn) maps to no step of Lock" in out
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")  # failing_bounds = {}: no bounds
    assert code == 0 and "MutualExclusion, 6 steps        MutualExclusion, 6 steps" in out
    assert "every entry agrees" in out
    code, out, _ = run(capsys, "graph", REF, "--out", str(tmp_path / "graph"))
    assert code == 0 and "Peterson: 26 states, 44 edges" in out and (tmp_path / "graph" / "states.dot").exists()


def test_every_declared_property_is_checked(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A property per process; --liveness checks both (it was 'several properties ...; name one')."""
    code, out, _ = run(capsys, "check", REF, "--liveness")
    assert code == 0
    assert out.count("holds under this fairness") == 2 and "Property StarvationFree(p2): pc[p2] = a2 ~>" in out
    code, out, _ = run(capsys, "check", REF, "--liveness", "--no-fairness", "--out", str(tmp_path))
    assert code == 1 and out.count("is violated: a fair behaviour of 1 step that then stutters") == 2
    assert (tmp_path / "trace.itf.json").exists()  # the first violation's lasso
    code, out, _ = run(capsys, "check", REF, "--liveness", "--json", "--quiet")
    assert code == 0 and [r["property"] for r in json.loads(out)] == ["StarvationFree(p1)", "StarvationFree(p2)"]
    code, out, _ = run(capsys, "check", REF, "--liveness", "StarvationFree(p2)", "--json", "--quiet")
    assert code == 0 and json.loads(out)["verdict"] == "ok"  # one named: one object, as before


def test_the_explorer_and_a_search_from_a_state() -> None:
    session = Session(load_user_spec(REF)())
    inits = session.view("")["inits"]
    assert [i["text"] for i in inits["listed"]] == ["turn = p1", "turn = p2"]  # the variables that differ
    view = session.view("Init(1)/a1(0)/a2(0)/a1(1)/a2(1)")
    assert view["state"]["others"] == [{"var": "turn", "text": "p1", "changed": True}]
    assert [e["label"] for e in view["enabled"]] == ["a3(p=p1, why=my turn)"]  # p2 waits: flag up, turn p1
    job = session.start_search("", "BothTrying")
    for _ in range(600):  # bounded: a 26-state model is searched in milliseconds
        if session.job(job)["status"] != "running":
            break
        time.sleep(0.05)
    assert session.job(job)["path"] == "a1(0)/a1(1)/a2(0)/a2(1)"


class SlowSteps(Peterson):
    """Peterson with steps that take a while, as on a loaded machine."""

    def a1(self, s: PState, p: int) -> PState | None:
        time.sleep(0.002)
        return super().a1(s, p)


def test_the_hypothesis_adapter_has_no_deadline() -> None:
    """A run's time is the machine's load: under a deadline the adapter failed a correct spec with
    DeadlineExceeded or FlakyFailure ('Unreliable test timings') instead of a verdict."""
    tight = settings(max_examples=5, stateful_step_count=30, deadline=timedelta(milliseconds=1), derandomize=True)
    run_spec(SlowSteps(), tight)
    with pytest.raises(InvariantViolation) as found:
        run_spec(TurnFirst(), settings(max_examples=200, derandomize=True))
    assert found.value.invariant == "MutualExclusion" and found.value.trace[-1].state.pc == (CS, CS)


def test_the_python_api() -> None:
    r = check(load_user_spec(REF)())
    assert (r.distinct_states, r.states_generated, r.depth) == (26, 46, 7) and r.verdict == "ok"
