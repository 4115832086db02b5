"""multipaxos_smr.py made fast with what docs/fast-specs.md offers a user, its logic unchanged: the message set
a `spec.values.MsgSet` whose guards and enumerators ask `where`, and symmetry keys per replica (only the
renamings that sort them are tried). Same counts as the plain spec
(tests/test_user_multipaxos_smr.py compares them, coverage included).
"""

from __future__ import annotations

from typing import Any

from multipaxos_smr import (
    ACCEPT,
    ACCEPT_REPLY,
    COMMIT_NOTICE,
    NONE,
    PREPARE,
    PREPARE_REPLY,
    Message,
    MPState,
    MultiPaxosSMR,
)

from spec.core import action
from spec.values import MsgSet


class FastMultiPaxosSMR(MultiPaxosSMR):
    """MultiPaxos-SMR with its messages indexed and its symmetry keyed (same counts as MultiPaxosSMR)."""

    def init_states(self) -> list[MPState]:
        return [s._replace(msgs=MsgSet()) for s in super().init_states()]

    def prepares(self, s: MPState) -> list[tuple[int, Message]]:
        return [(r, m) for r in self.Replicas for m in s.msgs.where(type=PREPARE)]

    def accepts(self, s: MPState) -> list[tuple[int, Message]]:
        return [(r, m) for r in self.Replicas for m in s.msgs.where(type=ACCEPT)]

    def notices(self, s: MPState) -> list[tuple[int, Message]]:
        return [(r, m) for r in self.Replicas for m in s.msgs.where(type=COMMIT_NOTICE)]

    @action(lambda self, s: [(r, b) for r in self.Replicas for b in self.Ballots])
    def BecomeLeader(self, s: MPState, r: int, b: int) -> MPState | None:
        n = s.node[r]
        if n.leader == r or b <= n.balMaxKnown or s.msgs.where(type=PREPARE, bal=b) or not self.running(s, r):
            return None
        return super().BecomeLeader(s, r, b)

    @action(prepares)
    def HandlePrepare(self, s: MPState, r: int, m: Message) -> MPState | None:
        return super().HandlePrepare(s, r, m)

    @action(MultiPaxosSMR.each_replica)
    def HandlePrepareReplies(self, s: MPState, r: int) -> MPState | None:
        n = s.node[r]
        if n.leader != r or n.balPrepared != 0 or not self.running(s, r):
            return None
        prs = s.msgs.where(type=PREPARE_REPLY, bal=n.balMaxKnown)
        if len(prs) < self.MajorityNum:
            return None
        return self.prepared(s, r, list(prs))

    @action(lambda self, s: [(r, w) for r in self.Replicas for w in self.Slots])
    def TakeNewRequest(self, s: MPState, r: int, w: int) -> MPState | None:
        return super().TakeNewRequest(s, r, w)

    @action(accepts)
    def HandleAccept(self, s: MPState, r: int, m: Message) -> MPState | None:
        return super().HandleAccept(s, r, m)

    @action(MultiPaxosSMR.each_replica)
    def HandleAcceptReplies(self, s: MPState, r: int) -> MPState | None:
        n = s.node[r]
        if n.leader != r or n.balPrepared != n.balMaxKnown or not self.next_accepting(n) or not self.running(s, r):
            return None
        slot = n.commitUpTo + 1
        if len(s.msgs.where(type=ACCEPT_REPLY, slot=slot, bal=n.balPrepared)) < self.commit_quorum():
            return None
        return self.committed(s, r)

    @action(notices)
    def HandleCommitNotice(self, s: MPState, r: int, m: Message) -> MPState | None:
        return super().HandleCommitNotice(s, r, m)

    def permute(self, s: MPState, perm: Any) -> MPState:
        """The plain renaming, its messages kept a MsgSet (symmetry_keys asks renamed states too)."""
        t = super().permute(s, perm)
        return t._replace(msgs=MsgSet(t.msgs))

    def symmetry_keys(self, s: MPState) -> dict[str, list[Any]]:
        """Per replica: its pc, its node without the leader (whether it leads itself, or none), and the
        messages it sent without their sender: all carried along by a renaming."""
        keys = []
        for r, n in enumerate(s.node):
            sent = tuple(sorted(m[:1] + m[2:] for m in s.msgs.where(src=r)))
            keys.append((s.pc[r], n.leader == r, n.leader == NONE, n[1:], sent))
        return {"Replicas": keys}

