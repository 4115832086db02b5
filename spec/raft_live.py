"""Raft's liveness declarations beside raft.tla: fairness on delivery and on the leader, and two properties.

raft.tla states no fairness and no temporal property, and bounded raft.tla cannot promise
that a leader is ever elected (votes can split in every term until MaxTerm runs out).  What
it can promise is progress *inside* a term:

``LeaderCommits`` (for server s1; the servers are symmetric, so s1 stands for every server)::

    (state[s1] = Leader /\\ Len(log[s1]) > commitIndex[s1] /\\ LastTerm(log[s1]) = currentTerm[s1])
      ~> (state[s1] # Leader \\/ commitIndex[s1] = Len(log[s1]))

A client request a leader has appended in its own term is eventually committed by that
leader, unless the leader leaves office first (a Restart, or a message of a newer term).
The trigger asks for an entry of the leader's own term because raft.tla's leader counts
replicas only of its own term (the Figure 8 rule): old entries alone never commit.

``CandidateResolves`` (for s1)::

    (state[s1] = Candidate /\\ votesGranted[s1] \\in Quorum)
      ~> (state[s1] # Candidate \\/ votesGranted[s1] \\notin Quorum)

A candidate holding a quorum of votes becomes leader, unless it leaves the election first
(a Restart or a newer term makes it a follower; a Timeout starts a new election and clears
its votes).

The fairness that makes both hold, per server ``i`` and ordered pair ``(i, j)``:

- ``SF(Receive of j's messages at i)``: the handler actions (UpdateTerm,
  HandleRequestVoteRequest/Response, HandleAppendEntriesRequest/Response,
  DropStaleResponse) with recipient i and sender j.  Strong, because the network may drop:
  a message that is dropped every time it is sent is enabled only intermittently, which
  weak fairness tolerates (see :func:`weak_delivery_fairness`: ``LeaderCommits`` then fails
  with an AppendEntries/DropMessage loop);
- ``WF(AppendEntries(i, j))``: a leader keeps sending to each follower (heartbeats);
- ``WF(AdvanceCommitIndex(i))`` and ``WF(BecomeLeader(i))``.

Timeout, Restart, ClientRequest, RequestVote, DuplicateMessage and DropMessage are not fair:
they may happen or not.
"""

from __future__ import annotations

from collections.abc import Callable

from spec.core import SF, WF, Fair, LeadsTo, Temporal, declare
from spec.raft import CANDIDATE, LEADER, Raft, RaftState

#: raft.tla's Receive(m): the handler actions the checker enumerates for it.
RECEIVE = (
    "UpdateTerm",
    "HandleRequestVoteRequest",
    "HandleRequestVoteResponse",
    "HandleAppendEntriesRequest",
    "HandleAppendEntriesResponse",
    "DropStaleResponse",
)


def _leader_fairness(spec: Raft) -> list[Fair]:
    """WF on a leader's AppendEntries to each follower, its AdvanceCommitIndex, and BecomeLeader."""
    name = spec.server_name
    out = [
        WF("AppendEntries", i=i, j=j, text=f"WF(AppendEntries({name(i)}, {name(j)}))")
        for i in spec.Server
        for j in spec.Server
        if i != j
    ]
    out += [WF("AdvanceCommitIndex", i=i, text=f"WF(AdvanceCommitIndex({name(i)}))") for i in spec.Server]
    out += [WF("BecomeLeader", i=i, text=f"WF(BecomeLeader({name(i)}))") for i in spec.Server]
    return out


def _delivery(spec: Raft, fair: Callable[..., Fair]) -> list[Fair]:
    name = spec.server_name
    kind = "SF" if fair is SF else "WF"
    return [
        fair(*RECEIVE, i=i, j=j, text=f"{kind}(Receive at {name(i)} from {name(j)})")
        for i in spec.Server
        for j in spec.Server
    ]


def raft_fairness(spec: Raft) -> list[Fair]:
    """Strongly fair delivery on every channel, weakly fair leader and election steps."""
    return _delivery(spec, SF) + _leader_fairness(spec)


def weak_delivery_fairness(spec: Raft) -> list[Fair]:
    """The same, but delivery only weakly fair: too weak against a network that drops every message."""
    return _delivery(spec, WF) + _leader_fairness(spec)


def pending_own_entry(i: int) -> Callable[[RaftState], bool]:
    """Leader i holds entries beyond its commitIndex and its last entry is of its own term."""

    def pred(s: RaftState) -> bool:
        lg = s.log[i]
        return s.state[i] == LEADER and len(lg) > s.commitIndex[i] and lg[-1][0] == s.currentTerm[i]

    return pred


def committed_or_gone(i: int) -> Callable[[RaftState], bool]:
    """Server i is no longer leader, or it has committed its whole log."""

    def pred(s: RaftState) -> bool:
        return s.state[i] != LEADER or s.commitIndex[i] >= len(s.log[i])

    return pred


def raft_properties(spec: Raft) -> dict[str, Temporal]:
    """LeaderCommits and CandidateResolves, stated for server s1."""
    i = 0

    def won_votes(s: RaftState) -> bool:
        return s.state[i] == CANDIDATE and spec.IsQuorum(s.votesGranted[i])

    def resolved(s: RaftState) -> bool:
        return s.state[i] != CANDIDATE or not spec.IsQuorum(s.votesGranted[i])

    s1 = spec.server_name(i)
    return {
        "LeaderCommits": LeadsTo(
            pending_own_entry(i),
            committed_or_gone(i),
            f"(state[{s1}] = Leader /\\ Len(log[{s1}]) > commitIndex[{s1}] /\\ LastTerm(log[{s1}]) = "
            f"currentTerm[{s1}]) ~> (state[{s1}] # Leader \\/ commitIndex[{s1}] = Len(log[{s1}]))",
        ),
        "CandidateResolves": LeadsTo(
            won_votes,
            resolved,
            f"(state[{s1}] = Candidate /\\ votesGranted[{s1}] \\in Quorum) ~> "
            f"(state[{s1}] # Candidate \\/ votesGranted[{s1}] \\notin Quorum)",
        ),
    }


declare(Raft, fairness=raft_fairness, properties=raft_properties)
