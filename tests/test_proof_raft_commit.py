"""Raft's commit machinery in Z3 (proofs/raft/commit.py): proved in EPR, conformant with spec/raft.py, and the
catalog's LeaderCompleteness variants each leave the model at the rule they change."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from modelcheck.cli import main
from proofs.logic import PROVED, Obligation, discharge
from proofs.raft.commit import COMMIT_LABELS, RaftCommitEncoding
from proofs.raft.commit_instance import CommitInstance
from proofs.raft.conformance import check
from proofs.raft.cti import extract
from proofs.raft.encoding import RaftEncoding
from spec.raft import Raft
from spec.registry import build

SMALL = {"servers": 2, "values": 1, "max_term": 2, "max_log": 1, "max_in_flight": 1}
ONE_SERVER_TWIN = {"servers": 1, "values": 1, "max_term": 2, "max_log": 1}
# fmt: off
OBLIGATIONS = ["Init => Inv", *(f"Inv /\\ {a} => Inv'" for a in COMMIT_LABELS),
               "Inv => ElectionSafety", "Inv => OneLeaderPerTerm", "Inv => LogMatching"]
# fmt: on


def conformance(spec: Raft, max_failures: int = 20):  # noqa: ANN201
    return check(spec, RaftCommitEncoding(), max_failures, instance=CommitInstance)


def test_commit_model_proves_what_the_coarse_model_proves_every_query_in_epr():
    enc = RaftCommitEncoding()
    conjuncts = list(enc.invariant(enc.state("")))
    assert conjuncts == list(RaftEncoding().invariant(RaftEncoding().state("")))  # the same 21 conjuncts
    outcomes = [discharge(ob, 60_000, one_classification=True) for ob in enc.obligations()]
    assert [o.name for o in outcomes] == OBLIGATIONS and len(OBLIGATIONS) == 21
    assert [o.result for o in outcomes] == [PROVED] * 21
    assert all(o.fragment.epr for o in outcomes)
    assert sum(o.queries for o in outcomes) == 21 * (1 + len(COMMIT_LABELS)) + 3 == 381


def test_a_cti_of_the_commit_model_shows_commit_index_and_is_drawn(tmp_path: Path):
    obs = RaftCommitEncoding().obligations(("ElectedNotCandidate",))
    ob = next(o for o in obs if o.name == "Inv /\\ BecomeLeader => Inv'")
    goal = "LeaderHoldsTermEntries"
    out = discharge(Obligation(ob.name, ob.hypotheses, {goal: ob.goals[goal]}, ob.context), 60_000, True)
    cti = extract(out)
    assert cti.broken == [goal] and cti.action is not None and cti.action.startswith("BecomeLeader(")
    rows = dict(cti.before.rows)
    assert all("commitIndex" in v for k, v in rows.items() if k.startswith("s")) and rows["messages"] == "{}"
    assert cti.draw(tmp_path / "cti.dot")[0].exists()


def test_one_server_commits_and_conforms():
    """The small twin of the slow two-server check: a lone server elects itself, appends and commits."""
    rep = conformance(Raft(**ONE_SERVER_TWIN))
    assert rep.ok, rep.summary()
    assert (rep.states, rep.transitions, rep.abstract_states) == (33, 65, 26)
    assert rep.by_action["AdvanceCommitIndex"] > 0 and rep.by_action["GrantVote"] > 0


def test_prove_raft_commit_lists_the_same_conjuncts(capsys):
    assert main(["prove", "raft", "--commit", "--list"]) == 0
    assert capsys.readouterr().out.split() == list(RaftEncoding().invariant(RaftEncoding().state("")))


@pytest.mark.slow
def test_two_servers_every_state_and_transition_conform():
    rep = conformance(Raft(**SMALL))
    assert rep.ok, rep.summary()
    assert (rep.states, rep.transitions, rep.stutters, rep.abstract_states) == (5134, 13796, 4276, 896)
    assert set(rep.by_action) == set(COMMIT_LABELS) - {"RemoveLastEntry"}  # a conflict needs three servers


# A variant that breaks LeaderCompleteness changes one rule the model has: on the smallest instance where the
# rule fires, the first spec step that is not a step of the model is that rule's action.
ONE_SERVER = {"servers": 1, "values": 1, "max_log": 1}
NO_LOSS_NOR_CRASH = ("DuplicateMessage", "DropMessage", "Restart", "DropStaleResponse")
LEAVES_AT = {
    # the lone server leads term 2, appends, then leads term 3 and commits the term-2 entry
    "no-figure8-rule": ({**ONE_SERVER, "max_term": 3}, (), "AdvanceCommitIndex"),
    # the lone leader restarts with an empty log
    "volatile-log": (ONE_SERVER_TWIN, (), "Restart"),
    # a leader of term 2 holds an entry; the other server, empty, stands in term 3 and gets its vote
    "vote-without-log-check": ({**SMALL, "max_term": 3}, NO_LOSS_NOR_CRASH, "HandleRequestVoteRequest"),
    # the leader appends while its heartbeat (index 0) is answered, and takes its log length as the match
    "match-len": (SMALL, NO_LOSS_NOR_CRASH, "HandleAppendEntriesResponse"),
    # a follower moved to term 3 takes an entry from a term-2 request
    "accept-stale-term": ({**SMALL, "max_term": 3}, NO_LOSS_NOR_CRASH, "HandleAppendEntriesRequest"),
}


@pytest.mark.parametrize(
    "variant",  # about 11, 2, 75, 11 and 64 s of CPU
    [pytest.param("no-figure8-rule", marks=pytest.mark.slow), "volatile-log",
     *(pytest.param(v, marks=pytest.mark.slow) for v in ("vote-without-log-check", "match-len", "accept-stale-term"))],
)  # fmt: skip
def test_a_leader_completeness_variant_leaves_the_model_at_its_rule(variant):
    bounds, without, action = LEAVES_AT[variant]
    rep = conformance(build("raft", variant, **bounds).without(without), max_failures=1)
    assert not rep.invariant_failures
    (_, label, _) = rep.transition_failures[0]
    assert label.name == action
    if not without and bounds != ONE_SERVER_TWIN:  # the twin's bounds: test_one_server_commits_and_conforms
        assert conformance(Raft(**bounds)).ok  # raft.tla at the same bounds conforms


@pytest.mark.slow
def test_commit_certificate_rechecks_in_a_fresh_process(tmp_path: Path):
    out = tmp_path / "raft-commit"
    assert main(["prove", "raft", "--commit", "--certificate", str(out)]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert (m["proved"], len(m["queries"]), m["conformance"]["ok"]) == (True, 381, True)
    assert (m["conformance"]["states"], m["conformance"]["transitions"]) == (5134, 13796)
    proc = subprocess.run([sys.executable, "-m", "proofs.certificate", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
