"""The simulation checks spec/raft.py's own invariants through the abstraction function (impl.sim.invariants)."""

from __future__ import annotations

import pytest

from impl.raft.log import Entry
from impl.sim.cluster import SimCluster
from impl.sim.invariants import History, InvariantViolation, NodeView
from spec.raft import FOLLOWER, LEADER, NIL, Raft

A, B, C = b"cmd-a", b"cmd-b", b"cmd-c"


def view(i: int, term: int, role: str, entries: list[Entry], commit: int = 0, **kw) -> NodeView:
    return NodeView(i, role != "Down", term, role, kw.pop("offset", 0), entries, commit, **kw)


def violation(history: History, views: list[NodeView]) -> str:
    with pytest.raises(InvariantViolation) as err:
        history.check(views)
    return err.value.name


def test_abstraction_of_a_running_cluster_is_the_nodes_raft_tla_variables():
    c = SimCluster(3, 4, snapshot_every=4)
    c.run(400)
    for k in range(12):
        c.write(1 + k % 3)
        c.run(30)
    lead = c.leader()
    assert lead is not None
    c.crash(3 if lead != 3 else 2)
    views = c.views()
    s = c.history.abstract(views)
    assert Raft(servers=3).violated(s) is None
    for k, v in enumerate(views):
        assert s.currentTerm[k] == v.term
        assert len(s.log[k]) == v.offset + len(v.entries)
        assert [t for t, _ in s.log[k][v.offset:]] == [e.term for e in v.entries]
        if v.alive:
            n = c.node(v.id)
            assert s.commitIndex[k] == n.commit and s.votedFor[k] == (n.vote - 1 if n.vote else NIL)
        else:  # raft.tla's Restart: a follower with its durable term, vote and log, commitIndex 0
            assert s.state[k] == FOLLOWER and s.commitIndex[k] == 0
    assert s.state[lead - 1] == LEADER
    assert s.matchIndex[lead - 1][lead % 3] == c.node(lead).prs[lead % 3 + 1].match
    assert any(v.offset > 0 for v in views)  # a snapshot's prefix came from the committed history
    assert (c.node(lead).term, lead - 1) in {(e[0], e[1]) for e in s.elections}


def test_snapshot_prefix_comes_from_the_applied_history_and_must_exist():
    h = History()
    h.record_apply(1, 2, 1, Entry(2, A))
    h.record_apply(1, 2, 2, Entry(2, B))
    v = view(1, 2, "Follower", [Entry(2, C)], 3, offset=2)
    assert h.spec_log(v) == ((2, 0), (2, 1), (2, 2))
    assert violation(h, [v, view(2, 2, "Follower", [], offset=3), view(3, 2, "Follower", [])]) == "Abstraction"


def test_two_leaders_at_once_in_one_term_break_OneLeaderPerTerm():
    h = History()
    views = [view(1, 2, "Leader", []), view(2, 2, "Leader", []), view(3, 2, "Follower", [])]
    assert violation(h, views) == "OneLeaderPerTerm"


def test_a_second_leader_of_a_term_later_on_breaks_ElectionSafety_through_the_elections_history():
    h = History()
    h.check([view(1, 2, "Leader", []), view(2, 2, "Follower", []), view(3, 2, "Follower", [])])
    assert violation(h, [view(1, 2, "Follower", []), view(2, 2, "Leader", []), view(3, 2, "Follower", [])]) \
        == "ElectionSafety"


def test_logs_agreeing_on_a_term_but_not_before_it_break_LogMatching():
    h = History()
    a = [Entry(1, A), Entry(2, B)]
    b = [Entry(1, C), Entry(2, B)]
    assert violation(h, [view(1, 2, "Follower", a), view(2, 2, "Follower", b), view(3, 2, "Follower", [])]) \
        == "LogMatching"


def test_committed_prefixes_that_conflict_break_StateMachineSafety():
    h = History()
    a, b = [Entry(1, A)], [Entry(2, B)]
    assert violation(h, [view(1, 3, "Follower", a, 1), view(2, 3, "Follower", b, 1), view(3, 3, "Follower", [])]) \
        == "StateMachineSafety"


def test_a_leader_missing_an_entry_another_node_committed_breaks_LeaderCompleteness():
    h = History()
    views = [view(1, 2, "Follower", [Entry(1, A)], 1), view(2, 2, "Leader", [Entry(2, B)]), view(3, 1, "Follower", [])]
    assert violation(h, views) == "LeaderCompleteness"


def test_history_properties_catch_what_one_state_has_forgotten():
    h = History()
    h.record_apply(1, 1, 1, Entry(1, A))  # applied by node 1, which has crashed since: no commitIndex remembers it
    views = [view(1, 1, "Down", [Entry(1, A)]), view(2, 2, "Leader", [Entry(2, B)]), view(3, 2, "Follower", [])]
    assert violation(h, views) == "LeaderCompleteness[history]"
    with pytest.raises(InvariantViolation) as err:
        h.record_apply(2, 2, 1, Entry(2, B))
    assert err.value.name == "StateMachineSafety[history]"
