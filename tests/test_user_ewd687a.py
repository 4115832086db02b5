"""A new user's spec written from README.md and docs/ only (notes newuser28): Dijkstra and Scholten's termination
detection, EWD687a.tla from tlaplus/Examples (tests/user_specs/ewd687a.py), with TLC 2.20's exact figures.

TLC 2.20 -workers 1 on the files in tests/user_specs/EWD687a/ (their README gives every figure and command):
MCEWD687a.cfg 18,028 distinct / 177,171 generated / depth 27 (the slow test); the same processes and edges with
every counter below 2 (MCEWD687aSmall*.cfg, `--bound 2`) 178 / 1,282 / 15, each action's -coverage as below.
The variants' counterexamples are TLC's lengths on EWD687aVariants.tla."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from test_cli import check_report, figures, one_error_line, run

FILE = Path(__file__).resolve().parent / "user_specs" / "ewd687a.py"
SMALL = (str(FILE), "--bound", "2")
# TLC's -coverage on MCEWD687aSmallSafety.cfg (without a PROPERTY, whose liveness check TLC counts in too)
SMALL_FIRED = {"SendMsg": 335, "RcvAck": 78, "SendAck": 78, "RcvMsg": 78, "Idle": 712}


def fired(report: dict) -> dict[str, int]:
    return {name: c["fired"] for name, c in report["coverage"].items()}


def test_counts_and_coverage_are_tlcs(capsys: pytest.CaptureFixture) -> None:
    report = check_report(capsys, *SMALL)
    assert figures(report) == (178, 1282, 15) and fired(report) == SMALL_FIRED
    code, out, _ = run(capsys, "check", *SMALL, "--liveness", "--quiet")  # TLC: MCEWD687aSmall.cfg, DT2 holds
    assert code == 0 and "Property DT2 holds under this fairness." in out and "178 distinct states, 560 edges" in out


def test_symmetry_where_the_graph_has_it(capsys: pytest.CaptureFixture) -> None:
    pair = (str(FILE), "--procs", "L,P1,P2", "--edges", "L>P1,L>P2,P1>P2,P2>P1", "--bound", "2")
    assert figures(check_report(capsys, *pair)) == (474, 3073, 14)  # TLC: MCEWD687aPair.cfg
    report = check_report(capsys, *pair, "--symmetry")  # TLC: MCEWD687aPairSym.cfg, SYMMETRY Permutations({P1, P2})
    assert figures(report) == (248, 1607, 14)
    assert fired(report) == {"SendMsg": 466, "RcvAck": 132, "SendAck": 132, "RcvMsg": 132, "Idle": 744}
    # MCEWD687a's chain has no symmetry: symmetric_sets() is declared and empty there, which the refusal says (it
    # said to declare symmetric_sets() and permute, both written)
    code, _, err = run(capsys, "check", *SMALL, "--symmetry")
    assert code == 2 and one_error_line(err) == (
        "paxraft check: error: EWD687a procs=L,P1,P2,P3 edges=L>P1,P1>P2,P2>P1,P2>P3 leader=L bound=2: "
        "symmetric_sets() declares no symmetric set at these bounds (returned {}), so --symmetry has nothing to rename"
    )


def test_planted_bugs_have_tlcs_lengths(capsys: pytest.CaptureFixture) -> None:
    # TLC, MCEagerLastAck.cfg (INVARIANT TypeOK DT1Inv): DT1Inv in 5 steps
    report = check_report(capsys, *SMALL, "--variant", "eager-last-ack", "--invariants", "TypeOK,DT1Inv", codes=(1,))
    assert (report["violated"], report["trace_length"]) == ("DT1Inv", 5)
    assert report["explanation"] == "the leader is neutral while P1 is not"  # the spec's @explains
    # TLC, MCStableUpEdge.cfg: the same four steps, the parent edge dropped by the last ack
    report = check_report(capsys, *SMALL, "--variant", "stable-up-edge", codes=(1,))
    assert report["violated"] == "StableUpEdge"
    assert [s["label"] for s in report["trace"][1:]] == [
        "SendMsg(p=L, e=L>P1)", "RcvMsg(p=P1, e=L>P1)", "Idle(p=P1)", "SendAck(p=P1, e=L>P1, how=the last)"
    ]
    # TLC, MCWithheldLastAck.cfg: DT2 broken by 4 steps then stuttering, 140 / 961 / 14
    code, out, _ = run(capsys, "check", *SMALL, "--variant", "withheld-last-ack", "--liveness", "--quiet")
    assert code == 1 and "property DT2 is violated: a fair behaviour of 4 steps that then stutters for ever" in out
    assert "140 distinct states, 403 edges (961 states generated, depth 14)" in out
    # every variant's verdict and length as the file declares them (TreeWithRoot breaks before DT1Inv: 4 steps)
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "3 entries checked" in out and "every entry agrees" in out


def test_counterexample_replays_and_refinement(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    from modelcheck.output.itf import assert_replays

    code, _, _ = run(capsys, "check", *SMALL, "--variant", "eager-last-ack", "--out", str(tmp_path), "--quiet")
    assert code == 1 and (tmp_path / "msc.dot").exists()
    assert_replays(tmp_path / "trace.itf.json", spec_ref=f"{FILE}:EagerLastAck")
    code, out, _ = run(capsys, "refine", f"{FILE}:EWD687a", "TerminationDetection", "--bound", "2", "--quiet")
    assert code == 0 and "EWD687a implements TerminationDetection" in out
    code, out, _ = run(capsys, "refine", f"{FILE}:EWD687a", "TerminationDetection", "--bound", "2",
                       "--variant", "eager-last-ack", "--quiet")
    assert code == 1 and "refinement fails at state 6 (step 5): Idle(p=L) maps to no step" in out


def test_graph_bounds_dots_layout_work(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """dot drew this 178-state, 560-edge graph in 86 CPU s (past its 120 s at load 8: the picture skipped); with
    nslimit bounding its network-simplex passes, 8 s. The DOT is checked here, not the time."""
    code, out, _ = run(capsys, "graph", *SMALL, "--variant", "stable-up-edge", "--out", str(tmp_path),
                       "--format", "dot")
    assert code == 0 and "178 states, 560 edges" in out
    assert "StableUpEdge is violated by the step SendAck(p=P1, e=L>P1, how=the last)" in out
    dot = (tmp_path / "states.dot").read_text()
    assert '  graph [rankdir=TB, nslimit=4, fontname="Helvetica"];' in dot and "breaks StableUpEdge" in dot


def test_hypothesis_adapter_finds_the_early_detection() -> None:
    from hypothesis import settings

    from modelcheck.engine.stateful import InvariantViolation, run_spec

    sys.path.insert(0, str(FILE.parent))
    from ewd687a import EagerLastAck

    with pytest.raises(InvariantViolation) as found:
        run_spec(EagerLastAck(bound=2), settings(max_examples=20, derandomize=True))
    assert found.value.invariant == "DT1Inv"  # shrunk to 5 steps: random runs meet DT1Inv before TreeWithRoot


def test_no_encoding_says_how_a_users_spec_gets_one(capsys: pytest.CaptureFixture) -> None:
    """EWD687a's counters need arithmetic, which proofs.user's sorts do not give: no encoding. bmc said "(encoded:
    paxos, raft)", as if only shipped specs could have one; prove and infer named the Encoding subclass to write."""
    code, _, err = run(capsys, "bmc", str(FILE), "--depth", "3")
    assert code == 2 and (f"no Z3 encoding of spec 'EWD687a' (in {FILE}: a subclass of proofs.user.Encoding with spec "
                          "= EWD687a gives it one, docs/proofs.md); every behaviour of up to 3 steps, searched "
                          f"explicitly: paxraft check {FILE} --mode dfs --depth 4") in one_error_line(err)
    code, _, err = run(capsys, "prove", str(FILE))
    assert code == 2 and "no Z3 encoding declared for EWD687a (a subclass of proofs.user.Encoding" in err


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (("--edges", "L>P1,P1>L"), "--edges: P1>L points to the leader"),
        (("--edges", "L>P9"), "--edges: 'L>P9' is no edge p>q between processes of --procs (L, P1, P2, P3)"),
        (("--bund", "2"), "did you mean --bound?"),
        (("--bound", "two"), "argument --bound: invalid int value: 'two'"),
    ],
)
def test_a_users_slips_are_one_line(capsys: pytest.CaptureFixture, flags: tuple[str, ...], says: str) -> None:
    code, _, err = run(capsys, "check", str(FILE), *flags)
    assert code == 2 and says in one_error_line(err)


@pytest.mark.slow
def test_mcewd687a_is_tlcs(capsys: pytest.CaptureFixture) -> None:
    tlc_fired = {"SendMsg": 35942, "RcvAck": 22606, "SendAck": 23904, "RcvMsg": 22606, "Idle": 72112}
    report = check_report(capsys, str(FILE))  # TLC: MCEWD687aSafety.cfg
    assert figures(report) == (18028, 177171, 27) and fired(report) == tlc_fired
    report = check_report(capsys, str(FILE), "--workers", "2")
    assert figures(report) == (18028, 177171, 27) and fired(report) == tlc_fired
    code, out, _ = run(capsys, "check", str(FILE), "--liveness", "--quiet")  # TLC: MCEWD687a.cfg
    assert code == 0 and "Property DT2 holds under this fairness." in out
    # SendAck's `(e = upEdge[p]) => (A \/ B)` as one Python `or`: TLC's distinct states, fewer generated (the
    # figure docs/writing-a-spec.md gives): TLC takes a step per disjunct that holds, 1,298 states have both
    from modelcheck import check

    sys.path.insert(0, str(FILE.parent))
    from ewd687a import NOT_LAST, NOT_PARENT, EWD687a

    from spec.core import action

    class OneOr(EWD687a):
        @action(lambda self, s: [(p, e, NOT_PARENT if e != s.upEdge[p] else NOT_LAST)
                                 for p in self.Procs for e in self.InEdges[p]])
        def SendAck(self, s, p, e, how):
            parent = e == s.upEdge[p]
            if s.rcvdUnacked[e] == 0 or parent and not (s.rcvdUnacked[e] > 1 or self.neutral_but(s, p, e)):
                return None
            return EWD687a.SendAck(self, s, p, e, NOT_PARENT if not parent else
                                   NOT_LAST if s.rcvdUnacked[e] > 1 else 2)

    result = check(OneOr())
    assert (result.distinct_states, result.states_generated, result.depth) == (18028, 175873, 27)
