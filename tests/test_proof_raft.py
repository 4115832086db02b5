"""The Z3 proof of Raft's election safety and log matching: proved in EPR; each conjunct needed, with a readable CTI."""

from __future__ import annotations

import shutil

import pytest

from modelcheck.cli import main
from proofs.logic import COUNTEREXAMPLE, PROVED, Obligation, discharge
from proofs.raft.cti import extract
from proofs.raft.encoding import ACTION_LABELS, RaftEncoding

TIMEOUT_MS = 60_000

# Dropping any one conjunct breaks the proof: the first obligation that fails, and the conjunct it breaks there.
NEEDED = {
    "CurrentTermFunctional": ("Inv /\\ GrantVote => Inv'", "VoteNotFuture"),
    "VoteUnique": ("Inv /\\ BecomeLeader => Inv'", "VoteRecorded"),
    "VoteNotFuture": ("Inv /\\ Timeout => Inv'", "VoteRecorded"),
    "VoteRecorded": ("Inv /\\ GrantVote => Inv'", "VoteUnique"),
    "ElectionQuorum": ("Inv /\\ BecomeLeader => Inv'", "VoteUnique"),
    "ElectionVoteElected": ("Inv /\\ BecomeLeader => Inv'", "VoteUnique"),
    "LeaderElected": ("Inv /\\ ClientRequest => Inv'", "EntryTermStarted"),
    "ElectedNotFuture": ("Inv /\\ Timeout => Inv'", "ElectedNotCandidate"),
    "ElectedNotCandidate": ("Inv /\\ BecomeLeader => Inv'", "LeaderHoldsTermEntries"),
    "LogFunctional": ("Inv /\\ AppendEntries => Inv'", "RequestsAgree"),
    "NoEntryAtZero": ("Inv /\\ AppendEntries => Inv'", "RequestPrevZero"),
    "LogMatching": ("Inv /\\ AppendEntries => Inv'", "RequestMatchesValue"),
    "EntryTermStarted": ("Inv /\\ BecomeLeader => Inv'", "LeaderHoldsTermEntries"),
    "RequestTermStarted": ("Inv /\\ BecomeLeader => Inv'", "LeaderHoldsTermRequests"),
    "LeaderHoldsTermEntries": ("Inv /\\ ClientRequest => Inv'", "LogMatching"),
    "LeaderHoldsTermRequests": ("Inv /\\ ClientRequest => Inv'", "RequestMatchesValue"),
    "RequestIndexSucc": ("Inv /\\ AcceptEntry => Inv'", "LogFunctional"),
    "RequestPrevZero": ("Inv /\\ AppendEntries => Inv'", "RequestsAgree"),
    "RequestsAgree": ("Inv /\\ AcceptEntry => Inv'", "RequestMatchesValue"),
    "RequestMatchesValue": ("Inv /\\ AppendEntries => Inv'", "RequestsAgree"),
    "RequestMatchesPrev": ("Inv /\\ AppendEntries => Inv'", "RequestsAgree"),
}
# fmt: off
OBLIGATIONS = ["Init => Inv", *(f"Inv /\\ {a} => Inv'" for a in ACTION_LABELS),
               "Inv => ElectionSafety", "Inv => OneLeaderPerTerm", "Inv => LogMatching"]
# fmt: on


def test_election_safety_and_log_matching_are_proved_with_every_query_in_epr():
    outcomes = [discharge(ob, TIMEOUT_MS, one_classification=True) for ob in RaftEncoding().obligations()]
    assert [o.name for o in outcomes] == OBLIGATIONS
    assert [o.result for o in outcomes] == [PROVED] * 17
    assert all(o.fragment.epr for o in outcomes)
    assert sum(o.queries for o in outcomes) == len(NEEDED) * (1 + len(ACTION_LABELS)) + 3


def test_every_conjunct_is_listed():
    enc = RaftEncoding()
    assert list(enc.invariant(enc.state(""))) == list(NEEDED)


@pytest.mark.parametrize("conjunct", list(NEEDED))
def test_dropping_a_needed_conjunct_gives_a_cti(conjunct):
    obligation, goal = NEEDED[conjunct]
    ob = next(o for o in RaftEncoding().obligations((conjunct,)) if o.name == obligation)
    out = discharge(Obligation(ob.name, ob.hypotheses, {goal: ob.goals[goal]}, ob.context), TIMEOUT_MS, True)
    assert (out.result, out.failed_goal) == (COUNTEREXAMPLE, goal)
    cti = extract(out)
    assert cti.broken == [goal]
    assert cti.after is not None and cti.action.startswith(obligation.split()[2] + "(")


def test_a_cti_reads_as_raft_states_and_is_drawn(tmp_path):
    """Without ElectedNotCandidate, a candidate already elected in its term wins again: a leader lacks its entries."""
    ob = next(o for o in RaftEncoding().obligations(("ElectedNotCandidate",)) if o.name.startswith("Inv /\\ Become"))
    out = discharge(ob, TIMEOUT_MS, one_classification=True)
    assert (out.result, out.failed_goal) == (COUNTEREXAMPLE, "LeaderHoldsTermEntries")
    cti = extract(out)
    text = cti.text()
    assert "step: BecomeLeader(i=s" in text and "violates: LeaderHoldsTermEntries" in text
    rows = dict(cti.before.rows)
    assert set(rows) >= {"s1", "messages", "elections"}
    # Some server's log holds an entry of the new leader's term, the leader's log does not; the leader row changes.
    assert any("log [1: (" in v for k, v in rows.items() if k.startswith("s"))
    changed = [k for k, v in cti.after.rows if rows[k] != v]
    servers = [k for k in changed if k.startswith("s")]
    assert len(servers) == 1 and "Leader" in dict(cti.after.rows)[servers[0]]
    # Z3 may also pick a model whose election of that term had fewer votes: the history then records the new set.
    assert set(changed) <= {servers[0], "elections"}
    files = cti.draw(tmp_path / "cti.dot")
    dot = files[0].read_text()
    assert "LeaderHoldsTermEntries" in dot and "BecomeLeader(" in dot and "#ffd0d0" in dot
    if shutil.which("dot"):
        assert files[1].suffix == ".svg" and "<svg" in files[1].read_text()


@pytest.mark.slow
def test_prove_raft_command_prints_the_table(capsys):
    assert main(["prove", "raft"]) == 0
    out = capsys.readouterr().out
    assert "17/17 obligations proved" in out
    assert "Inv /\\ BecomeLeader => Inv'" in out and "FOL" not in out


@pytest.mark.slow
def test_prove_raft_command_prints_and_draws_the_cti(capsys, tmp_path):
    assert main(["prove", "raft", "--drop", "LogMatching", "--cti-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "15/17 obligations proved" in out  # AppendEntries, and Inv => LogMatching itself
    assert "Counterexample to Inv /\\ AppendEntries => Inv'" in out and "violates: RequestMatchesValue" in out
    assert (tmp_path / "cti1.dot").exists()


def test_prove_raft_lists_its_conjuncts(capsys):
    assert main(["prove", "raft", "--list"]) == 0
    assert capsys.readouterr().out.split() == list(NEEDED)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["prove", "raft", "--drop", "Nope"], "--drop Nope: no such conjunct (see 'paxraft prove raft --list')"),
        (["prove", "raft", "--flexible"], "--quorum-axiom, --flexible, --variant and --restarts are Paxos options"),
        (["prove", "paxos", "--commit"], "--commit is a Raft option"),
    ],
)
def test_prove_raft_bad_input(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
