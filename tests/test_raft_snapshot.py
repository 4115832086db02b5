"""raft.tla + log compaction, InstallSnapshot and TimeoutNow (spec/raft_snapshot.py): counts, refinement, catalog."""

from __future__ import annotations

from modelcheck import OK, check
from modelcheck.cli import main
from modelcheck.engine.refinement import check_refinement
from spec.raft import AppendEntriesRequest, AppendEntriesResponse, Raft, RequestVoteRequest, RequestVoteResponse
from spec.raft_snapshot import InstallMovesCommitBack, InstallSnapshotRequest, RaftSnapshot
from spec.registry import entry

EXTENSION = ["CompactLog", "InstallSnapshot", "HandleInstallSnapshotRequest", "TransferLeadership", "HandleTimeoutNow"]
SMALL = {"servers": 2, "max_term": 2, "max_log": 1}
_TYPE = {"HandleRequestVoteRequest": RequestVoteRequest, "HandleRequestVoteResponse": RequestVoteResponse,
         "HandleAppendEntriesRequest": AppendEntriesRequest, "HandleAppendEntriesResponse": AppendEntriesResponse,
         "HandleInstallSnapshotRequest": InstallSnapshotRequest}

# The shortest run (26 steps; a breadth-first search of the variant at its failing bounds, 701,587 states):
# s1 leads term 2 with s2's vote and appends two entries; s2 takes the first (the request handled twice:
# append, then reply) and answers an earlier heartbeat with matchIndex 0; s1 commits entry 1, s2 takes entry
# 2 and acknowledges both, but s1 handles the stale heartbeat reply first (raft.tla's matchIndex goes back to
# 0), compacts entry 1 and sends s2 that snapshot; s1 then handles the acknowledgement of both entries and
# the snapshot arrives last.  (i, j[, k]): the receiver and the sender of a handled message, k its position
# among the messages of that type in flight from j to i, sorted (default 0).
STALE_SNAPSHOT = [
    ("Timeout", 0), ("RequestVote", 0, 0), ("RequestVote", 0, 1), ("UpdateTerm", 1, 0),
    ("HandleRequestVoteRequest", 0, 0), ("HandleRequestVoteRequest", 1, 0), ("HandleRequestVoteResponse", 0, 1),
    ("HandleRequestVoteResponse", 0, 0), ("BecomeLeader", 0), ("AppendEntries", 0, 1), ("ClientRequest", 0, 0),
    ("ClientRequest", 0, 0), ("AppendEntries", 0, 1), ("HandleAppendEntriesRequest", 1, 0, 1),
    ("HandleAppendEntriesRequest", 1, 0, 1), ("HandleAppendEntriesRequest", 1, 0, 0),
    ("HandleAppendEntriesResponse", 0, 1, 1), ("AdvanceCommitIndex", 0), ("AppendEntries", 0, 1),
    ("HandleAppendEntriesRequest", 1, 0), ("HandleAppendEntriesRequest", 1, 0), ("HandleAppendEntriesResponse", 0, 1),
    ("CompactLog", 0, 1), ("InstallSnapshot", 0, 1), ("HandleAppendEntriesResponse", 0, 1),
    ("HandleInstallSnapshotRequest", 1, 0),
]
BUG_BOUNDS = {"servers": 3, "max_term": 2, "max_log": 2, "max_in_flight": 2, "no_history": True}


def _replay(spec, steps):
    """The states of a run; a handler's message is the one in flight from j to i (of the handler's type)."""
    s = next(iter(spec.init_states()))
    states = [s]
    for name, *params in steps:
        if len(params) >= 2 and (name in _TYPE or name == "UpdateTerm"):
            i, j, *k = params
            ms = sorted(m for m, _ in s.messages if m[1] == j and m[2] == i
                        and (m[0] == _TYPE[name] if name in _TYPE else m[3] > s.currentTerm[i]))
            params = [i, j, ms[k[0] if k else 0]]
        s = spec.action(name).step(s, *params)
        assert s is not None and spec.constraint(s), (len(states), name)
        states.append(s)
    return states


def test_without_its_actions_it_is_raft_tla_and_with_them_it_keeps_every_invariant():
    assert check(Raft(**SMALL)).distinct_states == check(RaftSnapshot(**SMALL).without(EXTENSION)).distinct_states \
        == 1760
    res = check(RaftSnapshot(**SMALL))
    assert (res.verdict, res.distinct_states, res.depth) == (OK, 2220, 30)
    assert res.coverage["CompactLog"].new == 155 and res.coverage["TransferLeadership"].new == 76
    assert set(RaftSnapshot(**SMALL).invariants) == set(Raft.INVARIANTS) | {"SnapshotCommitted", "AckedEntriesKept"}
    assert entry("raft-snapshot").cls is RaftSnapshot and set(entry("raft-snapshot").variants) == {
        "install-moves-commit-back"}


def test_it_refines_raft_tla_where_its_steps_are_stutters_or_raft_steps():
    spec = RaftSnapshot(**SMALL)
    abstract, mapping = spec.to_raft()
    res = check_refinement(spec.without(["HandleInstallSnapshotRequest"]), abstract, mapping)
    assert res.holds and (res.distinct_states, res.transitions, res.stutters) == (2220, 17772, 2586)
    assert res.explained["HandleTimeoutNow -> Timeout"] == 192
    assert not any(k.startswith(("CompactLog", "TransferLeadership", "InstallSnapshot ")) for k in res.explained)
    assert main(["refine", "raft-snapshot", "raft", *["--servers", "1", "--max-term", "2", "--max-log", "2"],
                 "--without", "HandleInstallSnapshotRequest"]) == 0


def test_installing_a_snapshot_is_no_raft_tla_step_and_the_invariants_cover_it():
    spec = RaftSnapshot(**BUG_BOUNDS)
    abstract, mapping = spec.to_raft()
    states = _replay(spec, STALE_SNAPSHOT)
    assert all(spec.violated(s) is None for s in states)
    before, after = mapping(states[-2]), mapping(states[-1])
    assert before != after and after not in {t for _, _, t in abstract.successors(before)}
    # the snapshot was not past s2's commitIndex: nothing installed, only the acknowledgement
    assert (states[-1].log[1], states[-1].commitIndex[1], states[-1].snapshotIndex[1]) == (((2, 0), (2, 0)), 1, 0)


def test_restoring_a_snapshot_the_commit_index_has_reached_loses_acknowledged_entries():
    bug = InstallMovesCommitBack(**BUG_BOUNDS)
    states = _replay(bug, STALE_SNAPSHOT)
    assert [bug.violated(s) for s in states] == [None] * 26 + ["AckedEntriesKept"]
    assert len(STALE_SNAPSHOT) == InstallMovesCommitBack.trace_length == 26
    assert (states[-1].log[1], states[-1].commitIndex[1], states[-1].matchIndex[0][1]) == (((2, 0),), 1, 2)
