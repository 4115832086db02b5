"""A seventh new user's spec written from README.md and docs/ only (notes newuser7): Guanzhou Hu's
MultiPaxos-SMR from tlaplus/Examples (tests/user_specs/multipaxos_smr.py, the TLA+ and the .cfg files TLC ran in
tests/user_specs/MultiPaxosSMR/), its counts asserted against TLC 2.20's and its planted bugs' counterexamples."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import check_report, run

from modelcheck.output.explore.session import PathError, Session
from modelcheck.output.itf import read_itf

ROOT = Path(__file__).resolve().parent.parent
FILE = ROOT / "tests" / "user_specs" / "multipaxos_smr.py"
REF = f"{FILE}:MultiPaxosSMR"


def figures(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, int, int]:
    obj = check_report(capsys, *argv, "--deadlock")  # the .cfg files say CHECK_DEADLOCK TRUE
    return obj["distinct_states"], obj["states_generated"], obj["depth"]


def bounds(replicas: int, writes: int, reads: int) -> list[str]:
    return ["--replicas", str(replicas), "--writes", str(writes), "--reads", str(reads)]


def test_counts_are_tlcs(capsys: pytest.CaptureFixture) -> None:
    # TLC 2.20 -workers 1 on MultiPaxos_MC.tla (MaxBallot 2) with MultiPaxos_MC_r1w1.cfg, _r2w1r1.cfg, _r3w1.cfg.
    # TakeNewRequest's unused witness of `\E s \in Slots: ... "Empty"` is a parameter: without it r2w1r1's
    # generated would be 1,893.
    assert figures(capsys, REF, *bounds(1, 1, 0)) == (11, 13, 6)
    assert figures(capsys, REF, *bounds(2, 1, 1)) == (1163, 1905, 20)
    assert figures(capsys, REF, *bounds(3, 1, 0)) == (15709, 28027, 19)


@pytest.mark.slow
def test_small_cfg_is_tlcs(capsys: pytest.CaptureFixture) -> None:
    # MultiPaxos_MC_small.cfg (3 replicas, 1 write, 1 read, SYMMETRY): 343,796 / 736,012 / 28 in TLC 2.20 and in
    # the Examples' manifest.json.
    assert figures(capsys, REF, *bounds(3, 1, 1), "--symmetry") == (343796, 736012, 28)


@pytest.mark.parametrize(
    ("variant", "argv", "length"),
    [
        # TLC on MultiPaxos_MCbugs_minority.cfg (MajorityNum <- MinorityNum): Linearizability, State 9.
        ("minority-quorum", bounds(2, 1, 1), 8),
        ("ignore-peak-votes", [*bounds(3, 1, 1), "--symmetry"], 12),
    ],
)
def test_planted_bugs_break_linearizability(capsys: pytest.CaptureFixture, variant: str, argv: list[str],
                                            length: int) -> None:
    obj = check_report(capsys, REF, "--variant", variant, *argv, codes=(1,))
    assert (obj["violated"], obj["trace_length"]) == ("Linearizability", length)
    assert [e["action"] for e in obj["trace"]][-1] == "HandleAcceptReplies"  # the second, wrong, acknowledgement


def test_the_silent_acceptor_deadlocks_as_in_tlc(capsys: pytest.CaptureFixture) -> None:
    # The Examples README's liveness bug (HandleAccept sends no AcceptReply), TLC on MultiPaxos_MCsilent.cfg
    # (MultiPaxosSilentAcceptor.tla, that one line changed): "Deadlock reached", State 6; with -deadlock 75/85/11.
    obj = check_report(capsys, REF, "--variant", "silent-acceptor", *bounds(2, 1, 0), "--deadlock", codes=(1,))
    assert (obj["verdict"], obj["trace_length"]) == ("deadlock", 5)
    obj = check_report(capsys, REF, "--variant", "silent-acceptor", *bounds(2, 1, 0))
    assert (obj["distinct_states"], obj["states_generated"], obj["depth"]) == (75, 85, 11)


def test_variants_check_agrees(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "variants", "--spec", str(FILE), "--check")
    assert code == 0 and "every entry agrees" in out


FAST = f"{ROOT / 'tests' / 'user_specs' / 'multipaxos_smr_fast.py'}:FastMultiPaxosSMR"


@pytest.mark.parametrize("argv", [bounds(3, 1, 0), [*bounds(2, 1, 1), "--symmetry"],
                                  pytest.param([*bounds(3, 1, 1), "--symmetry", "--max-states", "20000"],
                                               marks=pytest.mark.slow)])  # (15 s: the suite's 10 minutes)
def test_the_fast_spec_is_the_plain_one(capsys: pytest.CaptureFixture, argv: list[str]) -> None:
    # MsgSet's where, symmetry keys per replica: the same counts, depth and coverage as the plain spec.
    plain, fast = (check_report(capsys, ref, *argv, "--deadlock") for ref in (REF, FAST))
    assert [fast[k] for k in ("distinct_states", "states_generated", "depth", "coverage")] == [
        plain[k] for k in ("distinct_states", "states_generated", "depth", "coverage")]


def test_a_trace_replayed_against_the_spec_without_the_bug_fails_at_the_step(capsys: pytest.CaptureFixture,
                                                                            tmp_path: Path) -> None:
    # replay and the explorer compared the states' kinds (False against 0) on states that differ: the message sets
    # held different messages and the comparison looked one up in the other, 'internal error: KeyError: Accept(...)',
    # exit 4, where the trace is simply not a behaviour of the spec without the bug (exit 1).
    code, _, _ = run(capsys, "check", REF, "--variant", "ignore-peak-votes", "--symmetry", "--out", str(tmp_path),
                     "--quiet")
    assert code == 1
    trace = tmp_path / "trace.itf.json"
    code, out, _ = run(capsys, "replay", str(trace), "--spec", f"{FILE}:IgnorePeakVotes")
    assert code == 0 and "Every state follows; the last state violates Linearizability." in out
    code, out, err = run(capsys, "replay", str(trace), "--spec", REF)
    assert code == 1, err
    assert ("FAIL state 9: HandlePrepareReplies(r=s2): leads to a different state than the one recorded "
            "(variable msgs differs)") in out
    spec, recorded = read_itf(trace, spec_ref=REF)
    with pytest.raises(PathError, match=r"^trace step 8: HandlePrepareReplies\(1\) does not lead to the recorded "
                                         r"state$"):
        Session(spec).load_trace(recorded.steps)


def test_a_step_prints_only_the_fields_it_changed_in_a_nested_record(capsys: pytest.CaptureFixture) -> None:
    # show_state gives node as a record per replica whose insts is a function of the slots: a step printed the
    # replica's whole record twice (node: s1: [leader |-> none, kvalue |-> nil, ...] -> [leader |-> s1, ...]).
    code, out, _ = run(capsys, "check", REF, "--variant", "minority-quorum", *bounds(2, 1, 1))
    assert code == 1
    assert ("  2. BecomeLeader(r=s1, b=b1)\n       msgs: + Prepare(s1, b1); + PrepareReply(s1, b1, votes 0:nil 0:nil)"
            "\n       node: s1.leader: none -> s1; s1.balMaxKnown: 0 -> 1\n") in out
    # (three changes on 119 columns: one a line, aligned; an appended event as what was appended, not both sequences)
    assert ("       node: s1.kvalue: nil -> w1\n             s1.commitUpTo: 0 -> 1\n"
            "             s1.insts.1: Accepting w1 (voted b1 w1) -> Committed w1 (voted b1 w1)\n"
            "       pending: <<w1, r1>> -> <<r1>>\n       observed: append Ack(w1, nil)\n") in out


def test_it_refines_a_log_whose_slots_choose_once(capsys: pytest.CaptureFixture) -> None:
    # chosen[slot] = the commands of the Accepts a majority answered in their ballot (tests/user_specs/slot_log.py).
    code, out, _ = run(capsys, "refine", REF, "SlotLog", *bounds(2, 1, 1))
    assert code == 0 and "1,163 distinct MultiPaxosSMR states, 1,904 transitions checked" in out
    code, out, _ = run(capsys, "refine", REF, "--variant", "minority-quorum", "SlotLog", *bounds(2, 1, 1))
    assert code == 1 and "refinement fails at state 8 (step 7): TakeNewRequest(r=s2, w=1) maps to no step" in out


def test_termination_under_a_fair_process_per_replica(capsys: pytest.CaptureFixture) -> None:
    # TLC on MultiPaxos_MClive.tla (FairSpec == Spec /\ \A self \in Replicas: WF_vars(Replica(self))): Termination
    # holds at 2/1/1, is violated without fairness and for the silent acceptor (MultiPaxos_MClivesilent.cfg).
    code, out, _ = run(capsys, "check", REF, *bounds(2, 1, 1), "--liveness")
    assert code == 0 and "Property Termination holds under this fairness." in out
    code, out, _ = run(capsys, "check", REF, *bounds(2, 1, 1), "--liveness", "--no-fairness")
    assert code == 1 and "a fair behaviour of 0 steps that then stutters for ever" in out
    code, out, _ = run(capsys, "check", REF, "--variant", "silent-acceptor", *bounds(2, 1, 0), "--liveness")
    assert code == 1 and "a fair behaviour of 5 steps that then stutters for ever" in out
