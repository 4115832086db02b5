"""The Z3 proof of Multi-Paxos per-slot agreement: proved in EPR, every conjunct needed, the catalog's agreement
variants caught by an obligation and by conformance against spec/multipaxos.py."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from modelcheck.cli import main
from proofs.logic import PROVED, discharge
from proofs.multipaxos.conformance import check
from proofs.multipaxos.cti import extract
from proofs.multipaxos.encoding import MultiPaxosEncoding, conjunct_names
from spec.multipaxos import MultiPaxos
from spec.registry import spec_class

TIMEOUT_MS = 60_000
OBLIGATIONS = [
    "Init => Inv",
    "HandlePrepareReplies => QuorumReported",
    "TakeNewRequest => QuorumReported",
    "Inv /\\ BecomeLeader => Inv'",
    "Inv /\\ HandlePrepare => Inv'",
    "Inv /\\ HandlePrepareReplies => Inv'",
    "Inv /\\ TakeNewRequest => Inv'",
    "Inv /\\ HandleAccept => Inv'",
    "Inv /\\ HandleAcceptReplies => Inv'",
    "Inv => Agreement",
    "Inv => CommitIsChosen",
]

# Dropping any one conjunct breaks the proof: the first obligation that fails and the goal it breaks.
NEEDED = {
    "LeftMeansBelowMaxBal": ("Inv /\\ BecomeLeader => Inv'", "Msg1bLeftBelow"),
    "Msg2aTyped": ("Inv => Agreement", "Agreement"),
    "VotedForMaxVal": ("Inv /\\ BecomeLeader => Inv'", "Msg1bReportsVote"),
    "VoteAtMostBal": ("Inv /\\ TakeNewRequest => Inv'", "NoVoteAboveVBal"),
    "NoVoteAboveVBal": ("Inv /\\ BecomeLeader => Inv'", "Msg1bNoVoteBetween"),
    "Msg1bLeftBelow": ("Inv /\\ HandlePrepareReplies => Inv'", "Msg2aSafe"),
    "Msg1bReportsVote": ("Inv /\\ HandlePrepareReplies => Inv'", "Msg2aSafe"),
    "Msg1bNoVoteBetween": ("Inv /\\ HandlePrepareReplies => Inv'", "Msg2aSafe"),
    "Msg2aUnique": ("Inv /\\ HandlePrepareReplies => Inv'", "Msg2aSafe"),
    "Msg2aSafe": ("Inv => Agreement", "Agreement"),
    "Msg2bHas2a": ("Inv /\\ HandlePrepareReplies => Inv'", "Msg2aSafe"),
    "NoticeChosen": ("Inv => CommitIsChosen", "CommitIsChosen"),
}

# Each catalog variant that breaks agreement: the obligation its encoding fails and the conjunct it breaks; the
# spec action where the variant's explored steps leave the base model (2 replicas, 1 write, 1 read, ballots 1..2);
# and, against its own encoding, the conjunct its reachable states break there (None: it conforms, nothing broken
# at these bounds), or the action where its own encoding still cannot follow it.
VARIANTS = {
    "skip-phase1": ("Inv /\\ TakeNewRequest => Inv'", "Msg2aSafe", "TakeNewRequest", ("step", "HandlePrepareReplies")),
    "commit-minority": ("Inv /\\ HandleAcceptReplies => Inv'", "NoticeChosen", "HandleAcceptReplies",
                        ("invariant", "NoticeChosen")),
    "gap-fill-ignores-votes": ("Inv /\\ TakeNewRequest => Inv'", "Msg2aSafe", "TakeNewRequest", None),
    "promise-omits-votes": ("Inv /\\ HandlePrepare => Inv'", "Msg1bNoVoteBetween", "HandlePrepare",
                            ("invariant", "Msg1bNoVoteBetween")),
    "forget-votes-on-restart": ("Inv /\\ Restart => Inv'", "NoVoteAboveVBal", "Restart",
                                ("invariant", "NoVoteAboveVBal")),
}
BOUNDS = {"replicas": 2, "writes": 1, "reads": 1, "max_ballot": 2}


def first_failure(enc: MultiPaxosEncoding, drop: tuple[str, ...] = ()):
    """The first obligation not proved (stopping there), or None when all are proved (the fragment classified once
    per obligation: these tests assert verdicts and CTIs; the table test asserts the fragments)."""
    for ob in enc.obligations(drop):
        out = discharge(ob, TIMEOUT_MS, one_classification=True)
        if out.result != PROVED:
            return out
    return None


def test_prove_multipaxos_proves_every_obligation_in_epr(capsys):
    assert main(["prove", "multipaxos"]) == 0
    out = capsys.readouterr().out
    assert "11/11 obligations proved" in out
    rows = [line for line in out.splitlines() if line.startswith(("Init", "Inv", "Handle", "Take"))]
    assert [r.split("  ")[0] for r in rows] == OBLIGATIONS
    assert all(" EPR " in r and " proved " in r for r in rows)


def test_every_conjunct_is_listed(capsys):
    assert conjunct_names() == list(NEEDED)
    assert main(["prove", "multipaxos", "--list"]) == 0
    assert capsys.readouterr().out.split() == list(NEEDED)


def _dropped(conjunct: str) -> None:
    out = first_failure(MultiPaxosEncoding(), (conjunct,))
    assert out is not None
    assert (out.name, out.failed_goal) == NEEDED[conjunct]
    assert NEEDED[conjunct][1] in extract(out).broken


def test_dropping_the_ghost_conjunct_breaks_become_leader():
    _dropped("LeftMeansBelowMaxBal")


@pytest.mark.slow
@pytest.mark.parametrize("conjunct", [c for c in NEEDED if c != "LeftMeansBelowMaxBal"])
def test_dropping_any_conjunct_gives_a_cti(conjunct):
    _dropped(conjunct)


def _variant_fails(name: str, tmp_path):
    obligation, broken, _, _ = VARIANTS[name]
    out = first_failure(MultiPaxosEncoding(name))
    assert (out.name, out.failed_goal) == (obligation, broken)
    cti = extract(out)
    assert cti.broken == [broken]
    assert cti.action.startswith(obligation.split()[2])
    assert f"violates: {broken}" in cti.text()
    cti.draw(tmp_path / "cti.dot")
    assert broken in (tmp_path / "cti.dot").read_text()
    return cti


def test_promise_omits_votes_fails_at_handle_prepare_with_a_readable_cti(tmp_path):
    cti = _variant_fails("promise-omits-votes", tmp_path)
    new = set(cti.after.msgs) - set(cti.before.msgs)
    assert len(new) >= 1 and all(m.startswith("PrepareReply(") and "voted (0, nil)" in m for m in new)


@pytest.mark.slow
@pytest.mark.parametrize("name", [v for v in VARIANTS if v != "promise-omits-votes"])
def test_each_agreement_variant_fails_at_its_obligation(name, tmp_path):
    _variant_fails(name, tmp_path)


def test_the_spec_conforms_to_the_model_one_slot():
    rep = check(MultiPaxos(replicas=2, writes=1, reads=0, max_ballot=2))
    assert rep.ok
    assert (rep.states, rep.abstract_states, rep.transitions, rep.stutters) == (139, 56, 180, 92)
    assert dict(rep.by_action) == {
        "BecomeLeader": 16, "HandleAccept": 26, "HandleAcceptReplies": 16, "HandlePrepare": 14,
        "HandlePrepareReplies": 4, "TakeNewRequest": 12,
    }


def test_skip_phase1_leaves_the_model_at_take_new_request():
    rep = check(spec_class("multipaxos", "skip-phase1")(replicas=2, writes=1, reads=0, max_ballot=2), max_failures=1)
    assert not rep.invariant_failures
    assert [label.name for _, label, _ in rep.transition_failures] == ["TakeNewRequest"]


@pytest.mark.slow
def test_the_spec_conforms_to_the_model_two_slots_and_three_replicas():
    rep = check(MultiPaxos(**BOUNDS))
    assert rep.ok and (rep.states, rep.transitions, rep.stutters) == (1_163, 1_892, 654)
    rep = check(MultiPaxos(replicas=3, writes=1, reads=0, max_ballot=2))
    assert rep.ok
    assert (rep.states, rep.abstract_states, rep.transitions, rep.stutters) == (15_709, 1_901, 28_026, 21_078)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(VARIANTS))
def test_each_agreement_variant_leaves_the_base_model_at_its_action(name):
    _, _, action, own = VARIANTS[name]
    cls = spec_class("multipaxos", name)
    rep = check(cls(**BOUNDS), max_failures=3)
    assert rep.transition_failures and {label.name for _, label, _ in rep.transition_failures} == {action}
    mine = check(cls(**BOUNDS), MultiPaxosEncoding(name), max_failures=3)
    if own is None:
        assert mine.ok
    elif own[0] == "invariant":
        assert not mine.transition_failures and {c for _, c in mine.invariant_failures} == {own[1]}
    else:
        assert {label.name for _, label, _ in mine.transition_failures} == {own[1]}


@pytest.mark.slow
def test_stale_local_read_is_not_an_agreement_bug_every_local_read_is_a_stutter():
    rep = check(spec_class("multipaxos", "stale-local-read")(replicas=2, writes=1, reads=1, max_ballot=2),
                max_failures=1)
    assert rep.ok


@pytest.mark.slow
def test_certificate_is_written_and_rechecked(tmp_path, capsys):
    assert main(["prove", "multipaxos", "--certificate", str(tmp_path)]) == 0
    assert "certificate: 88 SMT-LIB 2 queries" in (out := capsys.readouterr().out)
    assert ": 1,163 states, " in out and out.rstrip().endswith(", ok")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["conformance"]["ok"] and manifest["conformance"]["states"] == 1_163
    proc = subprocess.run([sys.executable, "-m", "proofs.certificate", str(tmp_path)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0 and "88/88 queries" in proc.stdout


@pytest.mark.parametrize(
    "argv, message",
    [
        (["prove", "multipaxos", "--drop", "Nope"], "--drop Nope: no such conjunct"),
        (["prove", "multipaxos", "--variant", "amnesia"], "no encoding of variant 'amnesia'"),
        (["prove", "paxos", "--variant", "skip-phase1"], "skip-phase1 is not a Paxos variant"),
        (["prove", "multipaxos", "--flexible"], "are not its options"),
    ],
)
def test_prove_multipaxos_bad_input(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
