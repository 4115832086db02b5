"""spec/raft.py conforms to the Z3 Raft model on small instances; drift and a broken variant are caught."""

from __future__ import annotations

import pytest
import z3

from modelcheck import check as model_check
from proofs.raft.conformance import check
from proofs.raft.encoding import RaftEncoding, RaftZ3State, set_row
from spec.raft import Raft
from spec.registry import build

SMALL = {"servers": 2, "values": 1, "max_term": 2, "max_log": 1, "max_in_flight": 1}


def test_two_servers_every_state_and_transition_conform():
    spec = Raft(**SMALL)
    rep = check(spec)
    assert rep.ok, rep.summary()
    assert model_check(spec).distinct_states == 1760
    # Breadth first: 1,760 states inside the constraint, and 3,374 more that leave it (checked, not expanded).
    assert (rep.states, rep.transitions, rep.stutters, rep.abstract_states) == (5134, 13796, 7116, 343)
    assert set(rep.by_action) == {
        "Restart", "Timeout", "UpdateTerm", "GrantVote", "HandleRequestVoteResponse", "BecomeLeader",
        "ClientRequest", "AppendEntries", "AcceptEntry", "ReturnToFollower", "DropVoteResponse", "DropAppendRequest",
    }  # fmt: skip


@pytest.mark.slow
def test_three_terms_and_two_entries_conform():
    """Larger logs and terms; a conflicting entry (RemoveLastEntry) needs three servers, beyond a test's time."""
    rep = check(Raft(servers=2, values=1, max_term=3, max_log=2, max_in_flight=1))
    assert rep.ok, rep.summary()
    assert rep.by_action["AcceptEntry"] > 0 and rep.by_action["RemoveLastEntry"] == 0


class GrantsOnlyOnce(RaftEncoding):
    """Planted drift: a server grants only when it has not voted (raft.tla re-grants to the same candidate)."""

    def a_GrantVote(self, pre: RaftZ3State, post: RaftZ3State):
        act = super().a_GrantVote(pre, post)
        i, j, t = act.params
        c = z3.Const("C_", self.voc.Node)
        act.formula = z3.And(act.formula, z3.ForAll([c], z3.Not(pre.votedFor(i, c))))
        return act


class RestartForgetsVote(RaftEncoding):
    """Planted drift: the model's Restart also clears votedFor, which raft.tla keeps."""

    def a_Restart(self, pre: RaftZ3State, post: RaftZ3State):
        act = super().a_Restart(pre, post)
        (i,) = act.params
        act.formula = z3.And(
            act.formula,
            set_row(pre, post, "votedFor", i, lambda c: z3.BoolVal(False)),
        )
        return act


class NoLeaderEver(RaftEncoding):
    """Planted drift: a conjunct that reachable states violate."""

    def invariant(self, s: RaftZ3State):
        n = z3.Const("N", self.voc.Node)
        return {**super().invariant(s), "NoLeaderEver": z3.ForAll([n], z3.Not(s.leader(n)))}


def test_an_action_stricter_than_the_spec_is_caught():
    rep = check(Raft(**SMALL), GrantsOnlyOnce())
    assert not rep.ok and not rep.invariant_failures
    assert {label.name for _, label, _ in rep.transition_failures} == {"HandleRequestVoteRequest"}


def test_an_action_that_changes_what_the_spec_keeps_is_caught():
    rep = check(Raft(**SMALL), RestartForgetsVote())
    assert rep.transition_failures and not rep.invariant_failures
    assert {label.name for _, label, _ in rep.transition_failures} == {"Restart"}


def test_an_invariant_conjunct_false_on_a_reachable_state_is_named():
    rep = check(Raft(**SMALL), NoLeaderEver())
    assert rep.invariant_failures and {name for _, name in rep.invariant_failures} == {"NoLeaderEver"}
    assert not rep.transition_failures


def test_volatile_vote_is_not_covered_by_the_proof_and_conformance_says_where():
    """Forgetting votedFor on Restart is no step of the model: the proof says nothing about that variant."""
    rep = check(build("raft", "volatile-vote", **SMALL))
    assert not rep.ok
    assert {label.name for _, label, _ in rep.transition_failures} == {"Restart"}


@pytest.mark.slow
def test_vote_without_log_check_is_covered_by_the_model():
    """The model grants votes without the log check, so this variant (which breaks only LeaderCompleteness) conforms."""
    rep = check(build("raft", "vote-without-log-check", **SMALL))
    assert rep.ok, rep.summary()


def test_the_abstraction_needs_the_history_variables():
    with pytest.raises(ValueError, match="elections history"):
        check(Raft(**SMALL, no_history=True))
