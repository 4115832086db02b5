"""A node rebuilt from empty storage (its own was damaged or lost) rejoins without voting until it has caught up.

Such a node has forgotten its log and its votes: voting on a forgotten log could elect a leader
that lacks committed entries, and voting again in a term it already voted in could elect two
leaders. So until it holds everything that was committed when it came back, it neither votes
(vote requests are dropped) nor campaigns (the runtime stops ticking it). It still answers
pre-votes, which change no state: without them two intact nodes whose terms and logs disagree
(one voted in a higher term for the node that was lost, the other has the longer log) could
reject each other's pre-votes forever, and the rejoining node would never hear from a leader.
"""

from __future__ import annotations

from impl.raft.core import RaftNode
from impl.raft.messages import Message, MsgType

REJOINING = "rejoining"  # marker file in a node's folder while it rejoins (a restart keeps the gate)
_VOTE_REQUESTS = frozenset({MsgType.RequestVoteRequest})


class RejoinGate:
    """Filters a rejoining node's incoming messages and tells when it has caught up."""

    def __init__(self) -> None:
        self.target = 0  # the leader's commit index in the first AppendEntries it sent us

    def admits(self, m: Message) -> bool:
        """Whether ``m`` may reach the core (vote requests may not; pre-vote requests may)."""
        if m.type in _VOTE_REQUESTS:
            return False
        if not self.target and m.type == MsgType.AppendEntriesRequest:
            self.target = max(m.commit, 1)  # a probe at the leader's last index carries its whole commit index
        elif not self.target and m.type == MsgType.InstallSnapshotRequest:
            self.target = max(m.index, 1)
        return True

    def caught_up(self, node: RaftNode) -> bool:
        """The node holds (and has applied) what was committed when it rejoined."""
        return bool(self.target) and node.applied >= self.target
