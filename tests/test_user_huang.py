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
