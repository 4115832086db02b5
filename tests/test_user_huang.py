"""A new user's spec written from README.md and docs/ only (notes newuser6): Huang's weight-throwing
termination detection, Huang.tla from tlaplus/Examples (tests/user_specs/huang.py), whose states hold
exact rationals (fractions.Fraction), run through every feature with TLC 2.20's exact figures.

TLC 2.20 (-workers 1, CommunityModules' DyadicRationals/SequencesExt/Functions on the library path) on the
files in tests/user_specs/Huang/ (Huang.tla; Huang.cfg and the same with fewer processes):
HuangP1.cfg (Procs = {P1, L}) 1,836 distinct / 11,797 generated / depth 21; HuangP2.cfg 8,476 / 74,527 / 21;
Huang.cfg (P1..P4, L) 81,256 / 1,165,101 / 21 (the slow test).  TLC finds Safe and Live holding in each.
Pinned here: `check --out` of a state holding a Fraction was 'internal error: TypeError', exit 4."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import check_report, run  # the CLI run with its captured output: one helper for every CLI test

FILE = Path(__file__).resolve().parent / "user_specs" / "huang.py"
REF = f"{FILE}:Huang"


def figures(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, int, int]:
    obj = check_report(capsys, REF, *argv)
    assert obj["verdict"] == "ok"
    return obj["distinct_states"], obj["states_generated"], obj["depth"]


def test_counts_are_tlcs(capsys: pytest.CaptureFixture) -> None:
    assert figures(capsys, "--procs", "1") == (1836, 11797, 21)  # TLC: HuangP1.cfg
    assert figures(capsys, "--procs", "2") == (8476, 74527, 21)  # TLC: HuangP2.cfg
    assert figures(capsys, "--procs", "2", "--workers", "2") == (8476, 74527, 21)
    assert figures(capsys, "--procs", "2", "--symmetry") == (4476, 39023, 21)  # TLC: MCHuangSymP2.cfg
    assert figures(capsys, "--procs", "1", "--max-den", "2") == (8, 23, 4)  # TLC: StateConstraint's 8 -> 2
    assert figures(capsys, "--procs", "2", "--mode", "dfs")[:2] == (8476, 74527)
    assert figures(capsys, "--procs", "2", "--memory", "1MiB") == (8476, 74527, 21)  # Fractions spilled to disk


@pytest.mark.slow
def test_huang_cfg_counts_are_tlcs(capsys: pytest.CaptureFixture) -> None:
    assert figures(capsys) == (81256, 1165101, 21)  # TLC: Huang.cfg, 5 processes


def test_planted_bugs_and_liveness(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "4 entries checked" in out and "every entry agrees" in out
    code, out, _ = run(capsys, "check", REF, "--procs", "1", "--liveness")
    assert code == 0 and out.count("holds under this fairness") == 3  # Live, LeaderIdles, IdlesP1
    code, out, _ = run(capsys, "check", REF, "--procs", "1", "--variant", "lost-weight", "--no-invariants",
                       "--liveness", "Live")
    assert code == 1 and "property Live is violated: a fair behaviour of 4 steps that then stutters" in out


def test_liveness_as_tlc_finds_it(capsys: pytest.CaptureFixture) -> None:
    # TLC, MCHuangLiveP2.cfg: Safe, Live, LeaderIdles and IdlesAll hold; MCHuangLazyP1.cfg (no WF(IdleLdr)):
    # LeaderIdles violated (TLC's lasso SendMsg(L) to L, RcvLdr back to the start; paxraft's the start stuttering)
    code, out, _ = run(capsys, "check", REF, "--procs", "2", "--liveness", "--quiet")
    assert code == 0 and out.count("holds under this fairness.") == 4
    assert "\n8,476 distinct states, 50,634 edges (" in out
    code, out, _ = run(capsys, "check", REF, "--procs", "1", "--variant", "lazy-leader", "--liveness", "LeaderIdles")
    assert code == 1 and "a fair behaviour of 0 steps that then stutters for ever" in out


def test_hypothesis_adapter_finds_the_planted_bugs() -> None:
    import sys

    from hypothesis import settings

    from modelcheck.engine.stateful import InvariantViolation, run_spec

    sys.path.insert(0, str(FILE.parent))
    from huang import DuplicateWeight, EarlyDetection, Huang, LostWeight

    run_spec(Huang(procs=2), settings(max_examples=30, derandomize=True))
    for cls, inv in ((DuplicateWeight, "TypeOK"), (LostWeight, "TypeOK"), (EarlyDetection, "Safe")):
        with pytest.raises(InvariantViolation) as found:
            run_spec(cls(procs=2), settings(max_examples=100, derandomize=True))
        assert found.value.invariant == inv


def test_refinement_both_ways(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "refine", REF, "Detection", "--procs", "2")
    assert code == 0 and "Huang implements Detection" in out
    code, out, _ = run(capsys, "refine", REF, "--variant", "early-detection", "Detection", "--procs", "1")
    assert code == 1 and "refinement fails at state 3 (step 2): IdleLdr() maps to no step of Detection" in out


def test_a_lasso_of_one_state_replays(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    # the lazy leader's lasso is the initial state stuttering for ever (no WF(IdleLdr)); replay said "1 states"
    code, _, _ = run(capsys, "check", REF, "--procs", "1", "--variant", "lazy-leader", "--liveness", "LeaderIdles",
                     "--out", str(tmp_path / "cex"))
    assert code == 1
    code, out, _ = run(capsys, "replay", str(tmp_path / "cex" / "trace.itf.json"), "--spec", f"{FILE}:LazyLeader")
    assert code == 0 and ", 1 state\n" in out and "the behaviour violates LeaderIdles under its fairness" in out
    code, out, _ = run(capsys, "replay", str(tmp_path / "cex" / "trace.itf.json"), "--spec", REF)
    assert code == 1 and "WF(IdleLdr) is enabled in the last state, where it stutters for ever, but never taken" in out


def test_its_itf_replays_and_the_explorer_reads_fractions(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    from modelcheck.output.explore.session import Session
    from modelcheck.output.itf import assert_replays
    from spec.registry import load_user_spec

    code, out, _ = run(capsys, "check", REF, "--procs", "1", "--variant", "early-detection", "--out", str(tmp_path))
    assert code == 1 and "invariant Safe is violated; shortest counterexample: 2 steps" in out
    assert_replays(tmp_path / "trace.itf.json", f"{FILE}:EarlyDetection")
    page = Session(load_user_spec(REF)(procs=1)).view("SendMsg(0,1)/RcvMsg(1,0)")
    assert [[c["text"] for c in row["cells"]] for row in page["state"]["rows"]] == [
        ["True", "True"], ["1/2", "1/2"], ["<<>>", "<<>>"]]


def test_an_initial_state_outside_the_constraint_is_said_so(capsys: pytest.CaptureFixture) -> None:
    # TLC on den <= 0: "1 states generated, 0 distinct states found"; paxraft said "the model has no initial
    # state (init_states() gave none)", which it had given
    code, out, _ = run(capsys, "check", REF, "--procs", "1", "--max-den", "0")
    assert code == 0 and "0 distinct states, 1 state generated, depth 0" in out
    assert out.endswith("Warning: every initial state lies outside the state constraint (constraint() is false on "
                        "it): nothing was explored\n")
