"""raft.tla + a server rebuilt from empty storage (spec/raft_rebuild.py): counts, and each part of the rejoin rule
(the vote floor, the gate, the target's term) found necessary by a variant that removes it."""

from __future__ import annotations

import pytest

from modelcheck import OK, VIOLATION, check
from modelcheck.cli import main
from spec.behaviour import ReplayError, validate_trace
from spec.catalog import constructor_bounds, model
from spec.raft import Raft
from spec.raft_rebuild import RaftRebuild, RebuildState
from spec.registry import entry

EXTENSION = ["Rebuild", "CaughtUp"]
SMALL = {"servers": 2, "max_term": 2, "max_log": 1}
VARIANTS = entry("raft-rebuild").variants


def test_without_its_actions_it_is_raft_tla_and_with_them_it_keeps_every_invariant():
    assert check(Raft(**SMALL)).distinct_states == check(RaftRebuild(**SMALL).without(EXTENSION)).distinct_states \
        == 1760
    res = check(RaftRebuild(**SMALL))
    assert (res.verdict, res.distinct_states, res.depth) == (OK, 3248, 28)
    assert (res.coverage["Rebuild"].new, res.coverage["CaughtUp"].new) == (658, 50)
    assert set(RaftRebuild(**SMALL).invariants) == set(Raft.INVARIANTS)


@pytest.mark.slow  # (38 s: the default run's longest test; the two-server model above covers the rule in small)
def test_three_servers_one_rebuild_keep_every_invariant():
    """Three servers, terms up to 2, one entry, one rebuild: the rebuilt server catches up and votes again."""
    bounds = {"servers": 3, "max_term": 2, "max_log": 1, "no_history": True}
    res = check(RaftRebuild(**bounds).without(["DuplicateMessage", "DropMessage"]), symmetry=True)
    assert (res.verdict, res.distinct_states, res.depth) == (OK, 317743, 49)
    assert (res.coverage["Rebuild"].new, res.coverage["CaughtUp"].new) == (49413, 15296)


@pytest.mark.slow
def test_at_the_variants_bounds_the_whole_rule_keeps_every_invariant():
    """Where each variant below fails (terms up to 3; 3m20s CPU): 2,662,234 states, depth 66, no violation."""
    cls = VARIANTS["rebuild-without-gate"]
    r = check(model(RaftRebuild, cls.failing_bounds), symmetry=True)
    assert (r.verdict, r.distinct_states, r.depth) == (OK, 2662234, 66)


# 28-35 s each, the default run's longest after the one above: slow, so that the default run keeps to its 10 minutes
# on 2 cores (612 s on 2026-12-06 with them); rebuild-without-gate (9 s) stays, the rule's need shown in small
SLOW_VARIANTS = {"rebuild-floor-from-too-few-peers", "rebuild-without-floor"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_VARIANTS else n
                                  for n in sorted(VARIANTS)])
def test_each_part_of_the_rejoin_rule_is_needed(name: str) -> None:
    cls = VARIANTS[name]
    r = check(model(cls, cls.failing_bounds), symmetry=bool(cls.failing_bounds.get("symmetry")))
    assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, cls.breaks, cls.trace_length)
    validate_trace(cls(**constructor_bounds(cls.failing_bounds)), r.trace)  # a behaviour of the variant's full Next
    assert [s.label.name for s in r.trace[1:]].count("Rebuild") == 1
    # the same run is no behaviour of the spec with the rule whole
    with pytest.raises(ReplayError):  # at the step the rule forbids
        validate_trace(RaftRebuild(**constructor_bounds(cls.failing_bounds)), r.trace)


def test_max_rebuilds_is_a_bound_and_a_bad_one_is_refused(capsys):
    assert check(RaftRebuild(**SMALL, max_rebuilds=0)).distinct_states == 1760 * 1  # nobody rejoins: raft.tla
    assert main(["check", "raft-rebuild", "--max-rebuilds", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--max-rebuilds" in err[0]


def test_an_extension_of_raft_tla_replaces_its_variables_by_name_in_one_place():
    """RebuildState and SnapshotState share one ``but`` (ExtendedRaftState's): raft.tla's variables and the
    extension's by name, a misspelt one refused by name."""
    from spec.raft import ExtendedRaftState
    from spec.raft_snapshot import SnapshotState

    assert RebuildState.but is SnapshotState.but is ExtendedRaftState.but
    s = next(RaftRebuild(**SMALL).init_states())
    t = s.but(currentTerm=(2, 1), rejoining=(1, 0), rebuilds=1)
    assert type(t) is RebuildState and (t.currentTerm, t.rejoining, t.rebuilds, t.log) == ((2, 1), (1, 0), 1, s.log)
    with pytest.raises(TypeError, match="'rejoin'"):
        s.but(rejoin=(1, 0))


class _TargetFromDeposedLeader(RaftRebuild):
    """rebuild-target-from-deposed-leader (not registered, docs/durability.md says why): a rejoining server takes its
    target from an AppendEntries request of any term, even one below its own."""

    def SetsTarget(self, mterm: int, currentTerm: int) -> bool:
        return True


def _elect(i: int, voter: int, voter_term_lower: bool) -> list[tuple]:
    """raft.tla's election of i by itself and ``voter``: its vote to itself is a message too."""
    first = [("Timeout", i), ("RequestVote", i, i), ("HandleRequestVoteRequest", i, i),
             ("HandleRequestVoteResponse", i, i), ("RequestVote", i, voter)]
    bump = [("UpdateTerm", voter, i)] if voter_term_lower else []
    return [*first, *bump, ("HandleRequestVoteRequest", voter, i), ("HandleRequestVoteResponse", i, voter),
            ("BecomeLeader", i)]


def _reply(i: int, j: int) -> list[tuple]:
    """j's AppendEntries response to i, handled by i."""
    return [("HandleAppendEntriesResponse", i, j)]


# s1 (0) leads term 2 and commits e1 with s2 (1), which learns the commit; s2 leads term 3 with s3's (2) vote,
# replicates e1 and e2 to s3, s3 acknowledges both, and s2 has not yet counted it. s3 is rebuilt (floor 3); s1,
# deposed but unaware, sends it e1 with commit 1: the variant takes (1, 2) as s3's target. s2, finding s3 empty,
# backs up to e1, commits e2 (by s3's stale acknowledgement) and sends e1 with commit 1: s3 has caught up to
# (1, 2) and votes for s1 in term 4, whose log lacks e2.
DEPOSED_LEADER_RUN: list[tuple] = [
    *_elect(0, 1, True), ("ClientRequest", 0, 0),
    ("AppendEntries", 0, 1), ("HandleAppendEntriesRequest", 1, 0), ("HandleAppendEntriesRequest", 1, 0),
    *_reply(0, 1), ("AdvanceCommitIndex", 0),
    ("AppendEntries", 0, 1), ("HandleAppendEntriesRequest", 1, 0), *_reply(0, 1),  # s2 learns commit 1
    *_elect(1, 2, True),
    ("AppendEntries", 1, 2), ("HandleAppendEntriesRequest", 2, 1), *_reply(1, 2),  # s3 lacks e1: back up
    ("AppendEntries", 1, 2), ("HandleAppendEntriesRequest", 2, 1), ("HandleAppendEntriesRequest", 2, 1),
    *_reply(1, 2), ("ClientRequest", 1, 0),
    ("AppendEntries", 1, 2), ("HandleAppendEntriesRequest", 2, 1), ("HandleAppendEntriesRequest", 2, 1),
    *_reply(1, 2),  # s3 acknowledged e2; s2 does not count it yet
    ("Rebuild", 2, (0, 1)),
    ("AppendEntries", 0, 2), ("HandleAppendEntriesRequest", 2, 0),  # the deposed leader's request (term 2)
    ("UpdateTerm", 0, 2), ("HandleAppendEntriesResponse", 0, 2),
    ("AppendEntries", 1, 2), ("HandleAppendEntriesRequest", 2, 1), *_reply(1, 2),  # s3 is empty: back up twice
    ("AppendEntries", 1, 2), ("HandleAppendEntriesRequest", 2, 1), *_reply(1, 2),
    ("AdvanceCommitIndex", 1),  # e2 committed, matchIndex[s3] still 2
    ("AppendEntries", 1, 2), ("HandleAppendEntriesRequest", 2, 1), ("HandleAppendEntriesRequest", 2, 1),
    ("CaughtUp", 2), *_reply(1, 2),
    *_elect(0, 2, True),
]
_RECEIVERS = {"UpdateTerm", "HandleRequestVoteRequest", "HandleRequestVoteResponse", "HandleAppendEntriesRequest",
              "HandleAppendEntriesResponse"}


def _replay(spec: RaftRebuild, steps: list[tuple]) -> tuple[list[RebuildState], int | None]:
    """The states of ``steps`` from Init (a handler's message: the one in flight from j to i), and the index of
    the first step not enabled (None: all were)."""
    states = [next(iter(spec.init_states()))]
    for k, (name, *args) in enumerate(steps):
        s = states[-1]
        if name in _RECEIVERS:
            i, j = args
            args = [i, j, next(m for m, _ in s.messages if m[1] == j and m[2] == i)]
        t = getattr(spec, name)(s, *args)
        if t is None:
            return states, k
        assert type(t) is RebuildState, (k, name)  # (not a state counted past the bounds)
        states.append(t)
    return states, None


def test_a_target_from_a_deposed_leader_breaks_leader_completeness_and_the_rule_forbids_it():
    """rebuild-target-from-deposed-leader's counterexample, by hand (a search to its depth is out of reach): 65
    steps within the catalog's bounds but terms up to 4 and two entries; the whole rule refuses its CaughtUp."""
    bounds = {**constructor_bounds(VARIANTS["rebuild-without-gate"].failing_bounds), "max_term": 4, "max_log": 2}
    variant = _TargetFromDeposedLeader(**bounds)
    states, refused = _replay(variant, DEPOSED_LEADER_RUN)
    assert refused is None and len(DEPOSED_LEADER_RUN) == 65
    assert all(len(s.messages) <= 1 for s in states)  # one message in flight at a time, as the bounds say
    broken = [name for name, inv in variant.invariants.items() if not inv(states[-1])]
    assert broken == ["LeaderCompleteness"]
    assert all(inv(s) for s in states[:-1] for inv in variant.invariants.values())
    assert states[-1].rejoinTarget == ((0, 0),) * 3 and states[-3].rejoining == (0, 0, 0)
    _, refused = _replay(RaftRebuild(**bounds), DEPOSED_LEADER_RUN)
    assert refused is not None and DEPOSED_LEADER_RUN[refused] == ("CaughtUp", 2)



def _vote(i: int, j: int) -> list[tuple]:  # i asks j; j takes the term, grants, and i counts it
    return [("RequestVote", i, j), ("UpdateTerm", j, i), ("HandleRequestVoteRequest", j, i),
            ("HandleRequestVoteResponse", i, j)]


# Five servers (s1..s5 are 0..4). s4 leads term 2 with s5 and s3 and replicates entry 1 to s5, s3, s1. s1 times
# out to term 3 and s2 grants it (the grant still in flight); s2's storage is lost and rebuilt reading s3, s4, s5
# only: floor 2, so its vote in term 3 is forgotten. s2 catches up from s4, then votes for s5 in term 3 (with s4):
# s5 leads term 3; s3 grants s1 too, and s1 counts s2's old grant: a second leader of term 3.
FIVE_SERVER_RUN: list[tuple] = [
    ("Timeout", 3), ("RequestVote", 3, 3), ("HandleRequestVoteRequest", 3, 3), ("HandleRequestVoteResponse", 3, 3),
    *_vote(3, 4), *_vote(3, 2), ("BecomeLeader", 3), ("ClientRequest", 3, 0),
    *[step for j in (4, 2, 0) for step in [("AppendEntries", 3, j), *([("UpdateTerm", j, 3)] if j == 0 else []),
                                           ("HandleAppendEntriesRequest", j, 3), ("HandleAppendEntriesRequest", j, 3),
                                           ("HandleAppendEntriesResponse", 3, j)]],
    ("AdvanceCommitIndex", 3),
    ("Timeout", 0), ("RequestVote", 0, 0), ("HandleRequestVoteRequest", 0, 0), ("HandleRequestVoteResponse", 0, 0),
    ("RequestVote", 0, 1), ("UpdateTerm", 1, 0), ("HandleRequestVoteRequest", 1, 0),
    ("Rebuild", 1, (2, 3, 4)),
    ("AppendEntries", 3, 1), ("HandleAppendEntriesRequest", 1, 3), ("HandleAppendEntriesRequest", 1, 3),
    ("CaughtUp", 1), ("HandleAppendEntriesResponse", 3, 1),
    ("Timeout", 4), ("RequestVote", 4, 4), ("HandleRequestVoteRequest", 4, 4), ("HandleRequestVoteResponse", 4, 4),
    *_vote(4, 1), *_vote(4, 3), ("BecomeLeader", 4),
    *_vote(0, 2), ("HandleRequestVoteResponse", 0, 1), ("BecomeLeader", 0),
]


def test_known_hole_a_floor_from_n_minus_quorum_plus_one_peers_misses_a_lost_vote_with_five_servers():
    """A KNOWN HOLE of the rebuild rule (docs/durability.md, "Five nodes and more"), found by mpxrebuild28: with five
    servers the floor read from n - quorum + 1 = 3 peers can leave out the candidate (s1) whose term the lost storage
    voted in, and the server it meets in s1's majority (s3) votes for s1 only after the read. Every step is the
    rule's own, and term 3 gets two leaders. This test fails once the rule reads every other server (the Rebuild
    below is then not one of its steps): update the docs and this test then."""
    bounds = {"servers": 5, "values": 1, "max_term": 3, "max_log": 1, "max_copies": 3, "max_in_flight": 8,
              "no_history": True}
    rule = RaftRebuild(**bounds)
    assert (1, (2, 3, 4)) in rule._rebuild_params  # 3 of the 4 others are enough for the rule
    states, refused = _replay(rule, FIVE_SERVER_RUN)
    assert refused is None and len(FIVE_SERVER_RUN) == 60
    assert [n for n, inv in rule.invariants.items() if not inv(states[-1])] == ["OneLeaderPerTerm"]
    assert states[-1].state == (2, 0, 0, 0, 2) and states[-1].currentTerm == (3,) * 5
    assert all(inv(s) for s in states[:-1] for inv in rule.invariants.values())
