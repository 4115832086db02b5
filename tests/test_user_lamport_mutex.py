"""A new user's spec written from README.md and docs/ only (notes newuser2, 2026-12-04 night): Lamport's mutual
exclusion with logical clocks over FIFO channels, its abstract spec and two planted bugs
(tests/user_specs/lamport_mutex.py), with TLC 2.20's figures for the same model in TLA+
(tests/user_specs/LamportMutex.tla), through every feature: check, workers, dfs, simulation, liveness, symmetry
(of the abstract spec), variants, refinement, pictures and replay, graph, the Hypothesis adapter, the explorer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings
from test_cli import check_report, figures, run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import check
from modelcheck.engine.liveness import check_property
from modelcheck.engine.stateful import InvariantViolation, run_spec
from modelcheck.output.explore.session import Session
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "lamport_mutex.py"
REF, ABSTRACT = f"{FILE}:LamportMutex", f"{FILE}:AbstractMutex"

# TLC 2.20 on LamportMutex.tla (INVARIANT Mutex ClockCondition, -deadlock): (N, MaxClock) -> distinct, generated, depth
TLC = {(2, 1): (28, 33, 13), (2, 2): (42, 49, 13), (3, 2): (865, 2391, 28), (3, 3): (17074, 50554, 37)}


def report(capsys: pytest.CaptureFixture, ref: str, *argv: str) -> dict:
    return check_report(capsys, ref, *argv, codes=(0, 1))


# the planted bugs' whole models (no invariants): NEXT NextNoAck / NextStale in the same file, 2 processes
TLC_VARIANTS = {("no-ack-wait", 2): (1578, 3515, 25), ("no-ack-wait", 3): (12029, 29050, 37),
                ("stale-clock", 2): (80, 119, 19), ("stale-clock", 3): (154, 246, 25)}  # fmt: skip


@pytest.mark.parametrize("procs, max_clock", sorted(TLC))
def test_counts_are_tlcs(procs: int, max_clock: int) -> None:
    r = check(load_user_spec(REF)(procs=procs, max_clock=max_clock))
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *TLC[procs, max_clock])


@pytest.mark.parametrize("variant, max_clock", sorted(TLC_VARIANTS))
def test_the_planted_bugs_whole_models_are_tlcs(variant: str, max_clock: int) -> None:
    cls = {"no-ack-wait": "NoAckWait", "stale-clock": "StaleClock"}[variant]
    r = check(load_user_spec(f"{FILE}:{cls}")(procs=2, max_clock=max_clock), check_invariants=False)
    assert (r.distinct_states, r.states_generated, r.depth) == TLC_VARIANTS[variant, max_clock]


def test_engines_agree_on_the_default_model(capsys: pytest.CaptureFixture) -> None:
    one = report(capsys, REF)  # defaults: 3 processes, MaxClock 3
    assert figures(one) == TLC[3, 3]
    two = report(capsys, REF, "--workers", "2")
    assert figures(two) == TLC[3, 3] and two["coverage"] == one["coverage"]
    assert figures(report(capsys, REF, "--mode", "dfs"))[:2] == TLC[3, 3][:2]
    assert figures(report(capsys, REF, "--max-states", "1000", "--workers", "2")) == figures(
        report(capsys, REF, "--max-states", "1000")
    )
    sim = report(capsys, REF, "--mode", "simulate", "--walks", "20", "--seed", "3")
    assert sim["verdict"] == "ok" and sim["distinct_states"] <= TLC[3, 3][0]
    code, _, err = run(capsys, "check", REF, "--symmetry")  # the tie-break by process number orders them
    assert code == 2 and "the spec declares no symmetric set" in err
    assert figures(report(capsys, ABSTRACT)) == (20, 49, 5)  # 3^3 - the 7 states with two in crit
    assert figures(report(capsys, ABSTRACT, "--symmetry")) == (7, 19, 5)


def test_planted_bugs(capsys: pytest.CaptureFixture) -> None:
    obj = report(capsys, REF, "--variant", "no-ack-wait", "--procs", "2", "--max-clock", "1")
    assert (obj["verdict"], obj["violated"], obj["trace_length"]) == ("violation", "Mutex", 4)
    assert [s["action"] for s in obj["trace"]] == ["Init", "Request", "Request", "Enter", "Enter"]
    obj = report(capsys, REF, "--variant", "stale-clock", "--max-clock", "2")
    assert (obj["violated"], obj["trace_length"]) == ("ClockCondition", 4)
    two = report(capsys, REF, "--variant", "stale-clock", "--max-clock", "2", "--workers", "2")
    assert two["trace"] == obj["trace"]
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "every entry agrees" in out


def test_liveness_holds_under_fairness_and_fails_without_exit_fairness(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "check", REF, "--max-clock", "2", "--liveness")
    assert code == 0 and out.count("holds under this fairness.") == 3 and "\n865 distinct states, 2,390 edges (" in out
    spec = load_user_spec(REF)(max_clock=2)
    unfair = [f for f in spec.fairness() if "Exit" not in f.actions]  # TLC agrees: violated without WF(Exit)
    r = check_property(spec, "Starvation2", fairness=unfair)
    assert not r.holds and r.lasso is not None and (len(r.lasso.prefix), len(r.lasso.loop)) == (12, 0)
    assert check_property(spec, "Starvation1", fairness=unfair).holds  # p1 wins every tie: at MaxClock 2 it holds
    code, out, _ = run(capsys, "check", ABSTRACT, "--liveness", "Starvation2")  # strong fairness on Enter
    assert code == 0 and "Property Starvation2 holds" in out


def test_refinement(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "refine", REF, "AbstractMutex")
    assert code == 0 and "17,074 distinct LamportMutex states, 50,553 transitions checked (45,749 map to " \
        "stutters), 20 distinct AbstractMutex states reached" in out
    code, out, _ = run(capsys, "refine", REF, "--variant", "no-ack-wait", "AbstractMutex", "--procs", "2")
    assert code == 1 and "refinement fails at state 5 (step 4): Enter(p=p2) maps to no step of AbstractMutex" in out
    code, out, _ = run(capsys, "refine", REF, "--variant", "stale-clock", "AbstractMutex", "--max-clock", "2")
    assert code == 1 and "refinement fails at state 22 (step 21): Enter(p=p2)" in out  # two in crit, deeper


def test_pictures_replay_graph_hypothesis_and_explorer(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    cex = tmp_path / "cex"
    code, out, _ = run(capsys, "check", REF, "--variant", "no-ack-wait", "--procs", "2", "--max-clock", "1",
                       "--out", str(cex))  # fmt: skip
    assert code == 1 and "--> Mutex is false in this state: p1 and p2 are in the critical section together" in out
    assert {p.name for p in cex.iterdir()} >= {"trace.itf.json", "msc.dot", "table.dot"}
    assert 'label="2. Request(p=p1)\\nsends req(1) p1->p2"' in (cex / "msc.dot").read_text()
    trace = str(cex / "trace.itf.json")
    code, out, _ = run(capsys, "replay", trace, "--spec", f"{FILE}:NoAckWait")
    assert code == 0 and "Every state follows; the last state violates Mutex." in out
    code, out, _ = run(capsys, "replay", trace, "--spec", REF)  # the protocol waits for the acknowledgements
    assert code == 1 and "FAIL state 4: Enter(p=p1): not enabled in the previous state" in out
    code, out, _ = run(capsys, "graph", REF, "--procs", "2", "--max-clock", "1", "--out", str(tmp_path / "g"))
    assert code == 0 and "LamportMutex procs=2 max_clock=1: 28 states, 32 edges" in out
    fast = settings(max_examples=20, stateful_step_count=30, derandomize=True, database=None, deadline=None)
    run_spec(load_user_spec(REF)(), settings=fast)
    with pytest.raises(InvariantViolation) as found:
        run_spec(load_user_spec(f"{FILE}:NoAckWait")(procs=2, max_clock=1), settings=fast)
    assert found.value.invariant in ("Mutex", "AcksOnlyWhenRequesting")  # both break: ack after an early exit
    view = Session(load_user_spec(f"{FILE}:NoAckWait")(procs=2)).view("Request(0)/Request(1)/Enter(0)")
    assert [(e["label"], e["violates"]) for e in view["enabled"] if e["violates"]] == [("Enter(p=p2)", "Mutex")]
