"""Raft's LeaderCompleteness and StateMachineSafety proved (proofs/raft/complete.py): the commit model with history,
conformant with spec/raft.py (history recorded beside it), and the catalog's LeaderCompleteness variants each failing
the proof at the obligation of the rule they change, with a counterexample drawn as Raft states."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from modelcheck.cli import main
from proofs import certificate
from proofs.logic import COUNTEREXAMPLE, PROVED, Obligation, discharge
from proofs.raft import ghost
from proofs.raft.commit import RaftCommitEncoding
from proofs.raft.complete import ANCHOR_USERS, COMPLETE_LABELS, SUPERSEDED, RaftCompleteEncoding
from proofs.raft.complete_instance import CompleteInstance
from proofs.raft.complete_variants import VARIANTS
from proofs.raft.conformance import check
from proofs.raft.cti import extract
from spec.core import Label
from spec.raft import Raft

# fmt: off
OBLIGATIONS = ["Init => Inv", *(f"Inv /\\ {a} => Inv'" for a in COMPLETE_LABELS),
               "Inv => ElectionSafety", "Inv => OneLeaderPerTerm", "Inv => LogMatching",
               "Inv => LeaderCompleteness", "Inv => StateMachineSafety"]
# fmt: on
CONJUNCTS = 45  # 7 of the commit model's and 38 more, each shown needed (below)
QUERIES = 18 * CONJUNCTS + 5  # Init and 17 steps, one query per conjunct; one per property
ONE_SERVER = {"servers": 1, "values": 1, "max_term": 2, "max_log": 1}


def conformance(spec: Raft, enc: RaftCompleteEncoding | None = None, max_failures: int = 20):  # noqa: ANN201
    return check(spec, enc or RaftCompleteEncoding(), max_failures, instance=CompleteInstance)


def only(ob: Obligation, goal: str) -> Obligation:
    """The obligation with one goal (one query)."""
    return Obligation(ob.name, ob.hypotheses, {goal: ob.goals[goal]}, ob.context, ob.only_for)


def obligation(enc: RaftCompleteEncoding, name: str, drop: tuple[str, ...] = ()) -> Obligation:
    return next(o for o in enc.obligations(drop) if o.name == name)


def test_leader_completeness_and_state_machine_safety_follow_from_the_invariant():
    enc = RaftCompleteEncoding()
    outs = {n: discharge(obligation(enc, f"Inv => {n}"), 60_000) for n in ("LeaderCompleteness", "StateMachineSafety")}
    assert [o.result for o in outs.values()] == [PROVED, PROVED]
    assert outs["LeaderCompleteness"].fragment.epr  # StateMachineSafety reads CmtByAnchored: not EPR
    assert not outs["StateMachineSafety"].fragment.epr
    assert ("Inv => StateMachineSafety", "StateMachineSafety") in ANCHOR_USERS


def test_the_history_records_acknowledgements_and_commits():
    """A lone server elects itself, appends and commits: its commit is recorded; acks only come from followers."""
    spec = Raft(**ONE_SERVER)
    seen = [x for x, _, _ in ghost.reachable(spec)]
    commits = {c for x in seen for c in x.g.commits}
    assert commits == {(2, 1, 1, (2, 0))}  # the leader of term 2 committed index 1 = (term 2, v1)
    assert all(not x.g.acks for x in seen)
    s = next(x.s for x in seen if x.s.commitIndex[0] == 1)
    assert ghost.committed(spec, s, Label("Timeout", (0,))) == frozenset()


# The variants: the rule each changes is a method of the model; proving the variant's model fails at the obligation of
# that rule's action, and the counterexample to induction is drawn. Each: (obligation, the conjunct that breaks).
FAILS_AT = {
    "no-figure8-rule": ("Inv /\\ AdvanceCommitIndex => Inv'", "CommitAnchor"),
    "vote-without-log-check": ("Inv /\\ GrantVote => Inv'", "ChoosableVoted"),
    "match-len": ("Inv /\\ HandleAppendEntriesResponse => Inv'", "MatchAcked"),
    "accept-stale-term": ("Inv /\\ RemoveLastEntry => Inv'", "ChoosableHeld"),
    "volatile-log": ("Inv /\\ Restart => Inv'", "ChoosableHeld"),
    "vote-len-only": ("Inv /\\ GrantVote => Inv'", "ChoosableVoted"),
    "truncate-on-match": ("Inv /\\ AcceptCommit => Inv'", "ChoosableHeld"),
    # Safe for the five properties (the catalog says so), but its commitIndex past the request's last entry is
    # reachable, and the proof's invariant says it is not: the proof fails where the rule fires.
    "commit-no-min": ("Inv /\\ Heartbeat => Inv'", "ReqCommitBelowLast"),
}


@pytest.mark.parametrize(
    "variant",
    ["no-figure8-rule", "volatile-log", "commit-no-min",
     *(pytest.param(v, marks=pytest.mark.slow)
       for v in ("vote-without-log-check", "match-len", "accept-stale-term", "vote-len-only", "truncate-on-match"))],
)  # fmt: skip
def test_a_leader_completeness_variant_fails_the_proof_at_its_rule(variant: str, tmp_path: Path):
    name, goal = FAILS_AT[variant]
    out = discharge(only(obligation(VARIANTS[variant](), name), goal), 120_000)
    assert out.result == COUNTEREXAMPLE
    cti = extract(out)
    assert goal in cti.broken and cti.action is not None and cti.action.startswith(name.split()[2] + "(")
    assert cti.draw(tmp_path / "cti.dot")[0].exists()
    assert discharge(only(obligation(RaftCompleteEncoding(), name), goal), 120_000).result == PROVED


def test_prove_raft_complete_lists_its_conjuncts(capsys):
    assert main(["prove", "raft", "--complete", "--list"]) == 0
    names = capsys.readouterr().out.split()
    assert names == list(RaftCompleteEncoding().invariant(RaftCompleteEncoding().state("")))
    assert len(names) == len(set(names)) == CONJUNCTS
    assert {"ChoosableVoted", "CommitIdxCommitted", "CmtByAnchored"} <= set(names)


def test_prove_raft_commit_and_complete_are_one_model_or_the_other(capsys):
    assert main(["prove", "raft", "--commit", "--complete", "--list"]) == 2
    assert "--commit and --complete" in capsys.readouterr().err


@pytest.mark.slow
def test_complete_model_every_obligation_proved():
    enc = RaftCompleteEncoding()
    outcomes = [discharge(ob, 120_000, one_classification=True) for ob in enc.obligations()]
    assert [o.name for o in outcomes] == OBLIGATIONS and len(OBLIGATIONS) == 23
    assert [o.name for o in outcomes if o.result != PROVED] == []
    # Only the queries that read CmtByAnchored leave EPR: its own goal's, and BecomeLeader's and SMS's.
    non_epr = {o.name for o in outcomes if not o.fragment.epr}
    assert non_epr == set(OBLIGATIONS[1:18]) | {"Inv => StateMachineSafety"}


# Each conjunct below is needed: without it, this query (obligation, goal) has a counterexample to induction. Of the
# commit model's 21 conjuncts, 14 are left out of this model (SUPERSEDED: no query needs them here), and six more
# that were here once were removed (LeftDownward, LogTermsOrdered, TermLogOrdered, AckedNotFuture, CommittedUnique,
# CmtByCommitted): no query needed them either (docs/proofs.md).
def _step(action: str) -> str:
    return f"Inv /\\ {action} => Inv'"


NEEDED_BY = {
    # the commit model's, kept
    "VoteUnique": ("Inv => OneLeaderPerTerm", "OneLeaderPerTerm"),
    "VoteRecorded": (_step("GrantVote"), "VoteUnique"),
    "ElectionQuorum": ("Inv => OneLeaderPerTerm", "OneLeaderPerTerm"),
    "ElectionVoteElected": (_step("BecomeLeader"), "VotedLeft"),
    "LeaderElected": (_step("ClientRequest"), "TermLogStarted"),
    "ElectedNotCandidate": (_step("ClientRequest"), "RequestVoteIsLog"),
    "RequestIndexSucc": (_step("AcceptEntry"), "CommitBelowLast"),
    # this model's
    "StartedElected": (_step("ClientRequest"), "TermLogStarted"),
    "LeftBelowTerm": (_step("GrantVote"), "VotedLeft"),
    "LeftNotCurrent": (_step("AcceptCommit"), "ChoosableHeld"),
    "VotedLeft": (_step("BecomeLeader"), "ChoosableInLaterTermLogs"),
    "LogNotFuture": (_step("BecomeLeader"), "TermLogNotFuture"),
    "TermLogStarted": (_step("AcceptCommit"), "AckedStarted"),
    "TermLogFunctional": (_step("AcceptEntry"), "LogMatchesTermLog"),
    "TermLogNoZero": (_step("AcceptEntry"), "LogMatchesTermLog"),
    "TermLogNotFuture": (_step("AcceptEntry"), "LogNotFuture"),
    "TermLogOrigin": (_step("AcceptEntry"), "LogInTermLog"),
    "TermLogsMatch": (_step("AcceptEntry"), "LogMatchesTermLog"),
    "LogMatchesTermLog": (_step("GrantVote"), "ChoosableVoted"),
    "LogInTermLog": (_step("GrantVote"), "ChoosableVoted"),
    "LeaderLogIsTermLog": ("Inv => LeaderCompleteness", "LeaderCompleteness"),
    "RequestInTermLog": (_step("RemoveLastEntry"), "ChoosableHeld"),
    "RequestPrevInTermLog": (_step("AcceptEntry"), "LogMatchesTermLog"),
    "ReqCommitInTermLog": (_step("AcceptCommit"), "AckedStarted"),
    "ReqCommitBelowLast": (_step("AcceptCommit"), "CommitBelowLast"),
    "RequestVoteIsLog": (_step("GrantVote"), "ChoosableVoted"),
    "RequestVoteNotFuture": (_step("Timeout"), "RequestVoteIsLog"),
    "VotedCandidateReached": (_step("Timeout"), "ChoosableVoted"),
    "LastEntryAbove": (_step("AcceptCommit"), "CommitBelowLast"),
    "CommitBelowLast": (_step("AcceptEntry"), "CommitIdxCommitted"),
    "AckedStarted": (_step("BecomeLeader"), "AckedBelowLeaderLast"),
    "AckedBelowLeaderLast": (_step("ClientRequest"), "ChoosableHeld"),
    "AckedBelow": (_step("HandleAppendEntriesResponse"), "MatchAcked"),
    "ResponseAcked": (_step("HandleAppendEntriesResponse"), "MatchAcked"),
    "MatchAcked": (_step("AdvanceCommitIndex"), "CommitAnchor"),
    "ChoosableHeld": (_step("GrantVote"), "ChoosableVoted"),
    "ChoosableVoted": (_step("BecomeLeader"), "ChoosableInLaterTermLogs"),
    "ChoosableInLaterTermLogs": (_step("AdvanceCommitIndex"), "CommittedInLaterTermLogs"),
    "CommitVia": (_step("BecomeLeader"), "CommittedInLaterTermLogs"),
    "CommitAnchor": (_step("BecomeLeader"), "CommittedInLaterTermLogs"),
    "CmtByLater": (_step("UpdateTerm"), "CommitIdxCommitted"),
    "CmtByAnchored": ("Inv => StateMachineSafety", "StateMachineSafety"),
    "CommittedInLaterTermLogs": ("Inv => LeaderCompleteness", "LeaderCompleteness"),
    "CommitIdxCommitted": (_step("Heartbeat"), "ReqCommitCommitted"),
    "ReqCommitCommitted": (_step("AcceptCommit"), "CommitIdxCommitted"),
}
#: The default run's representative (about 1 s of CPU); the slow run drops every one.
CHEAP_NEED = "StartedElected"


def test_every_conjunct_has_a_query_that_needs_it():
    enc = RaftCompleteEncoding()
    names = set(enc.invariant(enc.state("")))
    commit = set(RaftCommitEncoding().invariant(enc.state("")))
    assert set(NEEDED_BY) == names and len(names) == CONJUNCTS
    assert len(names - commit) == 38 and commit - names == set(SUPERSEDED) and len(SUPERSEDED) == 14


@pytest.mark.parametrize(
    "conjunct", [c if c == CHEAP_NEED else pytest.param(c, marks=pytest.mark.slow) for c in sorted(NEEDED_BY)]
)
def test_each_conjunct_is_needed(conjunct: str):
    name, goal = NEEDED_BY[conjunct]
    out = discharge(only(obligation(RaftCompleteEncoding(), name, (conjunct,)), goal), 300_000)
    assert out.result == COUNTEREXAMPLE and goal in extract(out).broken


@pytest.mark.slow
def test_one_server_every_state_and_transition_conform():
    rep = conformance(Raft(**{**ONE_SERVER, "max_term": 3, "max_log": 2}))
    assert rep.ok, rep.summary()
    assert rep.by_action["AdvanceCommitIndex"] > 0 and rep.by_action["ClientRequest"] > 0


@pytest.mark.slow
def test_two_servers_every_state_and_transition_conform():
    """The invariant as it stands holds in every reachable state (with history) of 2 servers; every step maps."""
    rep = conformance(Raft(servers=2, values=1, max_term=2, max_log=1))
    assert rep.ok, rep.summary()
    assert (rep.states, rep.transitions) == (5_310, 14_180)


def _recheck(directory: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "proofs.certificate", str(directory)], capture_output=True, text=True)


def test_the_non_epr_queries_certificate_rechecks_in_a_fresh_process(tmp_path: Path):
    """The default-run twin of the whole certificate: the two queries outside EPR that read CmtByAnchored
    (BecomeLeader's, given only its conjuncts, and StateMachineSafety's), as the certificate writes them."""
    enc = RaftCompleteEncoding()
    outs = [discharge(only(obligation(enc, name), goal), 120_000) for name, goal in ANCHOR_USERS]
    assert [o.result for o in outs] == [PROVED, PROVED] and not any(o.fragment.epr for o in outs)
    names = list(enc.invariant(enc.state("")))
    certificate.write(tmp_path, "raft", "the non-EPR queries of prove raft --complete", names, outs, {"ok": None})
    proc = _recheck(tmp_path)
    assert proc.returncode == 0 and "2/2 queries: z3 answers unsat" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.slow
def test_complete_certificate_rechecks_in_a_fresh_process(tmp_path: Path):
    out = tmp_path / "raft-complete"
    assert main(["prove", "raft", "--complete", "--certificate", str(out)]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert (m["proved"], m["conformance"]["ok"], len(m["queries"])) == (True, True, QUERIES)
    proc = _recheck(out)
    assert proc.returncode == 0 and f"{QUERIES}/{QUERIES} queries: z3 answers unsat" in proc.stdout, proc.stdout
