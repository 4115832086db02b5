"""A new user's spec written from README.md and docs/ only (notes newuser3, 2026-12-04): the alternating-bit
protocol of Specifying Systems (tests/user_specs/alternating_bit.py), with TLC 2.20's figures for tlaplus/Examples'
own model (tests/user_specs/MCAlternatingBit.tla/.cfg) and its planted bugs (MCABVariants.tla), through every
feature: check, workers, dfs, simulation, liveness under weak and strong fairness, variants, refinement, pictures
and replay, graph, the Hypothesis adapter and the explorer."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from hypothesis import settings
from test_cli import check_report, figures, run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import check
from modelcheck.engine.liveness import check_property
from modelcheck.engine.stateful import InvariantViolation, run_spec
from modelcheck.output.explore.session import Session
from spec.core import SF, WF
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "alternating_bit.py"
AB, ABC = f"{FILE}:AlternatingBit", f"{FILE}:ABCorrectness"

# TLC 2.20, -workers 1, on MCAlternatingBit (INVARIANT ABTypeInv, CONSTRAINT SeqConstraint, PROPERTIES ABCSpec
# SentLeadsToRcvd, and RcvMsgLeadsTo/RcvAckLeadsTo of MCABVariants.tla: all hold):
# (|Data|, msgQLen, ackQLen) -> distinct, generated, depth. (2, 2, 2) is the Examples' own MCAlternatingBit.cfg.
TLC = {(1, 1, 1): (28, 118, 7), (2, 2, 2): (240, 1392, 10), (3, 2, 2): (468, 2778, 10),
       (2, 3, 3): (528, 3740, 12), (2, 3, 1): (232, 1340, 10), (2, 2, 0): (44, 164, 5)}  # fmt: skip
# TLC's -coverage on MCAlternatingBit.cfg without PROPERTIES (with them, TLC's ENABLED evaluations add 36 firings):
# action -> (new states, fired); paxraft's coverage is (fired, new states)
TLC_COVERAGE = {"SndNewValue": (24, 96), "ReSndMsg": (20, 192), "RcvMsg": (24, 168), "SndAck": (100, 240),
                "RcvAck": (16, 172), "LoseMsg": (48, 252), "LoseAck": (0, 264)}  # fmt: skip


def report(capsys: pytest.CaptureFixture, ref: str, *argv: str) -> dict:
    return check_report(capsys, ref, *argv, codes=(0, 1))


@pytest.mark.parametrize("data, mq, aq", sorted(TLC))
def test_counts_are_tlcs(data: int, mq: int, aq: int) -> None:
    r = check(load_user_spec(AB)(data=data, msg_q_len=mq, ack_q_len=aq))
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *TLC[data, mq, aq])


# TLC with SYMMETRY DataPerm (MCABVariants.tla; MCABCorrectness.tla for the abstract spec)
TLC_SYMMETRY = {(2, 2, 2): (120, 700, 10), (3, 2, 2): (120, 734, 10), (2, 3, 3): (264, 1874, 12)}


@pytest.mark.parametrize("data, mq, aq", sorted(TLC_SYMMETRY))
def test_symmetry_counts_are_tlcs(data: int, mq: int, aq: int) -> None:
    r = check(load_user_spec(AB)(data=data, msg_q_len=mq, ack_q_len=aq), symmetry=True)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", *TLC_SYMMETRY[data, mq, aq])


@pytest.mark.slow
def test_a_larger_model_is_tlcs_and_resumes_from_a_checkpoint(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """TLC 2.20 on (10 data values, msgQLen = ackQLen = 12): 263,380 distinct, 4,730,920 generated, depth 30 (29 s);
    paxraft's the same in one run, and stopped at --max-states 60,000 with a checkpoint then resumed."""
    bounds = ("--data", "10", "--msg-q-len", "12", "--ack-q-len", "12")
    assert figures(report(capsys, AB, *bounds)) == (263380, 4730920, 30)
    ck = str(tmp_path / "ck")
    first = report(capsys, AB, *bounds, "--checkpoint", ck, "--checkpoint-every", "0", "--max-states", "60000")
    assert first["distinct_states"] == 60000
    code, out, _ = run(capsys, "check", "--resume", ck, "--max-states", "1000000", "--json", "--quiet")
    assert code == 0 and figures(json.loads(out)) == (263380, 4730920, 30)


def test_coverage_and_engines_agree_on_the_examples_model(capsys: pytest.CaptureFixture) -> None:
    one = report(capsys, AB)
    assert figures(one) == TLC[2, 2, 2]
    assert {a: (c["new"], c["fired"]) for a, c in one["coverage"].items()} == TLC_COVERAGE
    two = report(capsys, AB, "--workers", "2")
    assert figures(two) == TLC[2, 2, 2] and two["coverage"] == one["coverage"]
    assert figures(report(capsys, AB, "--mode", "dfs"))[:2] == TLC[2, 2, 2][:2]
    sim = report(capsys, AB, "--mode", "simulate", "--walks", "20", "--seed", "3")
    assert sim["verdict"] == "ok" and sim["distinct_states"] <= TLC[2, 2, 2][0]
    # ABCorrectness.cfg (Data = {d1, d2}, INVARIANT TypeInv): 20 distinct, 36 generated, depth 3
    assert figures(report(capsys, ABC)) == (20, 36, 3)
    assert figures(report(capsys, ABC, "--symmetry")) == (10, 22, 3)
    assert figures(report(capsys, ABC, "--symmetry", "--data", "3")) == (10, 36, 3)
    assert figures(report(capsys, AB, "--symmetry", "--workers", "2")) == TLC_SYMMETRY[2, 2, 2]


def test_planted_invariant_bug(capsys: pytest.CaptureFixture) -> None:
    """TLC on SpecFlip (MCABVariants.tla) stops at the same state: 5/5/2 with Data = {d1}, 17/21/2 with two."""
    obj = report(capsys, AB, "--variant", "flip-by-adding", "--data", "1")
    assert (obj["violated"], obj["trace_length"], figures(obj)) == ("ABTypeInv", 1, (5, 5, 2))
    assert [s["action"] for s in obj["trace"]] == ["Init", "SndNewValue"]
    obj = report(capsys, AB, "--variant", "flip-by-adding")
    assert (obj["violated"], obj["trace_length"], figures(obj)) == ("ABTypeInv", 1, (17, 21, 2))
    assert report(capsys, AB, "--variant", "flip-by-adding", "--workers", "2")["trace"] == obj["trace"]
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "every entry agrees" in out and "ABTypeInv, 1 step " in out  # was "1 steps"
    # a liveness bug in the catalog: breaks names a temporal property (was refused: "names no invariant")
    assert "unfair-resend      SentLeadsToRcvd_d1, 4 steps     SentLeadsToRcvd_d1, 4 steps" in out
    assert "why: a fair behaviour of 2 steps that then loops (2 steps) without reaching the goal" in out
    code, out, _ = run(capsys, "check", AB, "--variant", "flip-by-adding", "--counterexamples", "3")
    assert code == 1 and "Shortest counterexamples have 1 step; 4 violating states on that level; 24 distinct" in out


def test_liveness_holds_under_abfairness_and_fails_without_it(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "check", AB, "--liveness")
    assert code == 0 and out.count("holds under this fairness.") == 4 and "\n240 distinct states, 1,196 edges (" in out
    code, out, err = run(capsys, "check", ABC, "--liveness", "--out", "unwritten")  # WF(CRcvMsg), WF(CRcvAck)
    assert code == 0 and out.count("holds under this fairness.") == 2
    assert err == "--out unwritten: nothing written, no lasso to draw (every property checked holds)\n"  # was silent
    # TLC (SpecNoResend): violated, a 4-step prefix and the loop SndAck, RcvAck; paxraft's prefix is shortest, and
    # its loop the shortest through the prefix's end (it was SndAck, SndAck, RcvAck, RcvAck)
    obj = json.loads(run(capsys, "check", AB, "--variant", "unfair-resend", "--liveness", "SentLeadsToRcvd_d1",
                         "--json")[1])  # fmt: skip
    assert (obj["verdict"], len(obj["prefix"]) - 1, len(obj["loop"])) == ("violation", 2, 2)
    assert [s["action"] for s in obj["loop"]] == ["SndAck", "RcvAck"]
    # TLC (SpecWeakRcvMsg): violated, the message lost each time it is sent again
    code, out, _ = run(capsys, "check", AB, "--variant", "weak-receive", "--liveness", "SentLeadsToRcvd_d2")
    assert code == 1 and "a fair behaviour of 1 step that then loops (4 steps)" in out  # was 8 steps
    assert "3. SndAck()\n" in out and "4. RcvAck()\n" in out and "5. LoseMsg(i=1)\n" in out and "6. ReSndMsg()" in out
    code, out, _ = run(capsys, "check", AB, "--variant", "weak-receive", "--liveness", "ABCFairness_CRcvAck")
    assert code == 0
    # ackQLen = 0: every SndAck step leaves the constraint, yet WF(SndAck) counts it enabled, as TLC does
    # (SpecNoResend holds there, SpecReceiptOnlyFair is violated: 2 steps, then stuttering)
    code, out, _ = run(capsys, "check", AB, "--variant", "unfair-resend", "--ack-q-len", "0", "--liveness",
                       "SentLeadsToRcvd_d1")  # fmt: skip
    assert code == 0 and "holds" in out
    code, out, _ = run(capsys, "check", AB, "--variant", "receipt-only-fair", "--ack-q-len", "0", "--liveness",
                       "SentLeadsToRcvd_d1")  # fmt: skip
    assert code == 1 and "a fair behaviour of 2 steps that then stutters for ever" in out


def test_refinement_both_ways(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "refine", AB, "ABCorrectness")
    assert code == 0 and ("240 distinct AlternatingBit states, 1,384 transitions checked (1,216 map to stutters), "
                          "20 distinct ABCorrectness states reached") in out  # fmt: skip
    # TLC on SpecNoWait with PROPERTIES ABCSpec: "Action property ... is violated" at state 3, two SndNewValue(d1)
    code, out, _ = run(capsys, "refine", AB, "--variant", "no-ack-wait", "ABCorrectness")
    assert code == 1 and "refinement fails at state 3 (step 2): SndNewValue(d=d1) maps to no step" in out


def test_refinement_checks_steps_into_states_the_constraint_cuts(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A bug only on steps that leave the constraint (SndAck onto a full ackQ flips rBit): TLC checks ABCSpec's
    action part on them (MCABVariants.tla's SpecEdge: violated at state 4), and so does refine."""
    edge = tmp_path / "edge.py"
    edge.write_text(
        f"import sys\nsys.path.insert(0, {str(FILE.parent)!r})\n"
        "from spec.core import action\nfrom alternating_bit import AlternatingBit\n\n\n"
        "class EdgeBug(AlternatingBit):\n"
        "    @action()\n"
        "    def SndAck(self, s):\n"
        "        flip = 1 - s.rBit if len(s.ackQ) >= self.ackQLen else s.rBit\n"
        "        return s._replace(ackQ=s.ackQ + (s.rBit,), rBit=flip)\n"
    )
    code, out, _ = run(capsys, "refine", f"{edge}:EdgeBug", "ABCorrectness")
    assert code == 1 and "refinement fails at state 4 (step 3): SndAck() maps to no step of ABCorrectness" in out
    assert figures(report(capsys, f"{edge}:EdgeBug")) == TLC[2, 2, 2]  # inside the constraint it is the protocol


def test_pictures_replay_graph_hypothesis_and_explorer(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    cex = tmp_path / "cex"
    code, out, _ = run(capsys, "check", AB, "--variant", "flip-by-adding", "--out", str(cex))
    assert code == 1 and {p.name for p in cex.iterdir()} >= {"trace.itf.json", "msc.dot", "table.dot"}
    trace = str(cex / "trace.itf.json")
    code, out, _ = run(capsys, "replay", trace, "--spec", f"{FILE}:FlipByAdding")
    assert code == 0 and "Every state follows; the last state violates ABTypeInv." in out
    code, out, _ = run(capsys, "replay", trace, "--spec", AB)
    assert code == 1 and "FAIL state 2: SndNewValue(d=d1): leads to a different state" in out
    lasso = tmp_path / "lasso"
    code, _, _ = run(capsys, "check", AB, "--variant", "unfair-resend", "--liveness", "SentLeadsToRcvd_d1",
                     "--out", str(lasso))  # fmt: skip
    assert code == 1
    code, out, _ = run(capsys, "replay", str(lasso / "trace.itf.json"), "--spec", f"{FILE}:UnfairResend")
    assert code == 0 and "the behaviour violates SentLeadsToRcvd_d1 under its fairness" in out
    code, out, _ = run(capsys, "replay", str(lasso / "trace.itf.json"), "--spec", AB)
    assert code == 1 and "WF(ReSndMsg) is enabled throughout the loop but never taken" in out
    code, out, _ = run(capsys, "graph", AB, "--data", "1", "--msg-q-len", "1", "--ack-q-len", "1",
                       "--out", str(tmp_path / "g"))  # fmt: skip
    assert code == 0 and "AlternatingBit data=1 msg_q_len=1 ack_q_len=1: 28 states, 86 edges" in out
    fast = settings(max_examples=20, stateful_step_count=30, derandomize=True, database=None, deadline=None)
    run_spec(load_user_spec(AB)(), settings=fast)
    with pytest.raises(InvariantViolation) as found:
        run_spec(load_user_spec(f"{FILE}:FlipByAdding")(), settings=fast)
    assert found.value.invariant == "ABTypeInv" and found.value.trace_length == 1
    assert str(found.value).startswith("invariant ABTypeInv is violated after 1 step (")
    view = Session(load_user_spec(f"{FILE}:FlipByAdding")()).view("Init(4)")
    assert [(e["label"], e["violates"]) for e in view["enabled"] if e["violates"]] == [
        ("SndNewValue(d=d1)", "ABTypeInv"), ("SndNewValue(d=d2)", "ABTypeInv")]


def test_replay_counts_steps_the_constraint_cuts_as_enabled(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A lasso replayed on a model whose fairness it breaks is no violation there. With ackQLen = 0 every SndAck
    step leaves the constraint; the checker counts SndAck enabled all the same, as TLC does (TLC: SpecNoResend,
    which has WF(SndAck), holds; SpecReceiptOnlyFair, without it, is violated by SndNewValue, LoseMsg, stuttering).
    Replay judged a loop's fairness with such steps disabled, so the stuttering lasso of receipt-only-fair
    replayed on unfair-resend (the same plus WF(SndAck)) as "the behaviour violates SentLeadsToRcvd_d1", exit 0,
    where the checker and TLC say the property holds."""
    out_dir = tmp_path / "lasso"
    code, _, _ = run(capsys, "check", AB, "--variant", "receipt-only-fair", "--ack-q-len", "0", "--liveness",
                     "SentLeadsToRcvd_d1", "--out", str(out_dir))  # fmt: skip
    assert code == 1
    trace = str(out_dir / "trace.itf.json")
    code, out, _ = run(capsys, "replay", trace, "--spec", f"{FILE}:ReceiptOnlyFair")
    assert code == 0 and "violates SentLeadsToRcvd_d1 under its fairness" in out
    code, out, _ = run(capsys, "replay", trace, "--spec", f"{FILE}:UnfairResend")
    assert code == 1 and ("no longer violates SentLeadsToRcvd_d1: WF(SndAck) is enabled in the last state, where "
                          "it stutters for ever, but never taken") in out  # fmt: skip


def test_resume_says_why_a_bound_flag_is_not_taken(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A user's bound flag given again with --resume (no spec named, so no bound flags parsed) was answered
    "unrecognized arguments: --data; did you mean --depth?"."""
    ck = str(tmp_path / "ck")
    assert report(capsys, AB, "--checkpoint", ck, "--checkpoint-every", "0", "--max-states", "100")["complete"] is False
    code, _, err = run(capsys, "check", "--resume", ck, "--data", "3")
    assert code == 2 and "--resume takes the spec and its bounds from the checkpoint, so a spec's bound flag" in err
    code, out, _ = run(capsys, "check", "--resume", ck, "--max-states", "1000", "--json", "--quiet")
    assert code == 0 and figures(json.loads(out)) == TLC[2, 2, 2]


@pytest.mark.parametrize("mq, aq", [(2, 2), (1, 0)])
def test_liveness_verdicts_under_every_fairness_are_tlcs(mq: int, aq: int) -> None:
    """Each of ReSndMsg, SndAck, RcvMsg, RcvAck unfair, weakly or strongly fair: 81 conditions, three properties.
    TLC 2.20 (MCABFairness.tla: 243 runs at msgQLen = ackQLen = 2, 162 at each of (1, 0) and (2, 1)) holds
    SentLeadsToRcvd and (rBit # sBit) ~> (rBit = sBit) exactly when ReSndMsg is fair and RcvMsg strongly fair,
    (rBit # sAck) ~> (rBit = sAck) exactly when SndAck is fair and RcvAck strongly fair; at ackQLen = 0 every
    SndAck step leaves the constraint, so fairness on SndAck leaves no fair behaviour and every property holds
    (vacuously; otherwise as at (2, 2), and (2, 1) is as (2, 2)). paxraft finds the same verdicts."""
    spec = load_user_spec(AB)(msg_q_len=mq, ack_q_len=aq)
    acts = ("ReSndMsg", "SndAck", "RcvMsg", "RcvAck")
    for kinds in itertools.product((None, WF, SF), repeat=4):
        fair = [k(a) for k, a in zip(kinds, acts) if k is not None]
        resend, ack, rcv_msg, rcv_ack = kinds
        vacuous = aq == 0 and ack is not None
        delivered = vacuous or (resend is not None and rcv_msg is SF)
        expected = {"SentLeadsToRcvd_d1": delivered, "SentLeadsToRcvd_d2": delivered,
                    "ABCFairness_CRcvMsg": delivered if aq else None,  # not run by TLC at (1, 0)
                    "ABCFairness_CRcvAck": vacuous or (ack is not None and rcv_ack is SF)}  # fmt: skip
        found = {p: check_property(spec, p, fairness=fair).holds for p, v in expected.items() if v is not None}
        assert found == {p: v for p, v in expected.items() if v is not None}, [str(f) for f in fair]


def test_explore_serves_the_spec_and_stops_by_itself() -> None:
    """paxraft explore FILE:Class --for 3, as a user starts it: the page and a state's JSON over HTTP, then the
    server ends by itself (exit 0) within the time given."""
    proc = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "explore", f"{FILE}:FlipByAdding", "--for", "3"],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # "Exploring ..."
        url = re.match(r"Open (http://127\.0\.0\.1:\d+/)$", proc.stdout.readline().strip())
        assert url, "the explorer printed no URL"
        with urllib.request.urlopen(url[1], timeout=30) as page:  # noqa: S310 - our own server on 127.0.0.1
            assert page.status == 200
        with urllib.request.urlopen(url[1] + "api/state?path=Init(4)/SndNewValue(0)", timeout=30) as r:  # noqa: S310
            view = json.loads(r.read())
        assert view["invariants"] == [{"name": "ABTypeInv", "holds": False, "why": "ABTypeInv is false"}]
        started = time.monotonic()
        assert proc.wait(timeout=60) == 0 and time.monotonic() - started < 60
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
