"""raft.tla extended with log compaction, InstallSnapshot and TimeoutNow (leadership transfer).

An extension of :class:`spec.raft.Raft` (as etcd-io/raft's ``etcdraft.tla`` extends raft.tla):
one new variable and five new actions; every raft.tla action is inherited, only AppendEntries
gains a guard.

- ``snapshotIndex[i]``: the entries ``1..snapshotIndex[i]`` of i's log are compacted into a
  snapshot of the state machine.  The log variable keeps them: the snapshot *is* the state
  machine after applying exactly those entries, so the log prefix is the snapshot's content,
  written the way raft.tla writes everything else.  What compaction takes away is their
  availability: a leader cannot send them in an AppendEntries request any more.
- ``CompactLog(i, n)``: i compacts up to a committed index ``n`` (``snapshotIndex[i] < n <=
  commitIndex[i]``).
- ``AppendEntries(i, j)``: raft.tla's, enabled only when the entries it reads are not compacted
  (``nextIndex[i][j] > snapshotIndex[i]``; the term at ``snapshotIndex`` stays known).
- ``InstallSnapshot(i, j)``: leader i sends j its snapshot when j needs a compacted entry
  (``nextIndex[i][j] <= snapshotIndex[i]``): ``[mtype |-> InstallSnapshotRequest,
  msnapshotIndex, msnapshotTerm, mdata]``, ``mdata`` the snapshot's content.
- ``HandleInstallSnapshotRequest(i, j, m)`` (a newer term goes through raft.tla's UpdateTerm
  first; an older one is rejected as raft.tla rejects a stale AppendEntries), as etcd's ``raft.restore``:
  a candidate returns to follower; a snapshot not past ``commitIndex[i]`` is not installed;
  one whose last entry i's log holds only moves ``commitIndex`` and ``snapshotIndex`` up; any
  other replaces i's log.  The reply is an AppendEntries response acknowledging
  ``Max(commitIndex[i], msnapshotIndex)`` (etcd's ``MsgAppResp``), handled by raft.tla's
  HandleAppendEntriesResponse.
- ``TransferLeadership(i, j)``: leader i, whose log j matches entirely, sends j ``TimeoutNow``;
  ``HandleTimeoutNow(i, j, m)``: i (a follower or candidate of that term) starts an election
  at once: raft.tla's Timeout(i).

Invariants: raft.tla's five, plus ``SnapshotCommitted`` (no server compacts an entry that is
not committed: every snapshot is a prefix of every later leader's log, as LeaderCompleteness
says of committed entries) and ``AckedEntriesKept`` (an entry a follower acknowledged to the
leader of its term stays in its log: what the leader's commit counted on).

Refinement (``paxraft refine raft-snapshot raft``): drop ``snapshotIndex`` and the
InstallSnapshot and TimeoutNow messages; then (the history variable ``allLogs`` grows only in
raft.tla's steps, as it does in raft.tla) CompactLog, InstallSnapshot, TransferLeadership
and an ignored stale TimeoutNow are stutters, HandleTimeoutNow is raft.tla's Timeout, and every other
action is raft.tla's own step.  HandleInstallSnapshotRequest is not: a follower's log jumps and
an acknowledgement appears without an AppendEntries request, which no raft.tla step does.  That
action is new behaviour and is checked by the invariants above, not by refinement.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from spec.core import action, invariant
from spec.raft import (
    EXCEPT,
    FOLLOWER,
    LEADER,
    NO_HISTORY,
    AppendEntriesResponse,
    ExtendedRaftState,
    Message,
    Raft,
    RaftState,
    Reply,
    WithMessage,
    WithoutMessage,
    _new,
    raft_options,
)
from spec.registry import SpecEntry, register, variant

InstallSnapshotRequest, TimeoutNow = 4, 6  # even: requests (odd message types are responses)
EXTENSION_MESSAGES = frozenset({InstallSnapshotRequest, TimeoutNow})
_FIELDS = {
    InstallSnapshotRequest: ("mtype", "msource", "mdest", "mterm", "msnapshotIndex", "msnapshotTerm", "mdata"),
    TimeoutNow: ("mtype", "msource", "mdest", "mterm"),
}
_NAMES = {InstallSnapshotRequest: "InstallSnapshotRequest", TimeoutNow: "TimeoutNow"}


class SnapshotState(ExtendedRaftState):
    """raft.tla's variables, then ``snapshotIndex`` (a tuple one longer than a RaftState)."""

    __slots__ = ()
    _fields: tuple[str, ...] = (*RaftState._fields, "snapshotIndex")

    snapshotIndex = property(itemgetter(13), doc="snapshotIndex (a C getter, as RaftState's fields have)")

    def raft_state(self) -> RaftState:
        """raft.tla's variables alone (extension messages still in the bag)."""
        return _new(RaftState, self[:13])


def _each_pair(self: RaftSnapshot, s: SnapshotState) -> list[tuple[int, int]]:
    return [(i, j) for i in self.Server if s.state[i] == LEADER for j in self.Server if j != i]


def _compactions(self: RaftSnapshot, s: SnapshotState) -> list[tuple[int, int]]:
    return [(i, n) for i in self.Server for n in range(s.snapshotIndex[i] + 1, s.commitIndex[i] + 1)]


def _received(mtype: int) -> Any:
    def enum(self: RaftSnapshot, s: SnapshotState) -> list[tuple[int, int, Message]]:
        return [(m[2], m[1], m) for m, _ in s.messages if m[0] == mtype and m[3] <= s.currentTerm[m[2]]]

    return enum


class RaftSnapshot(Raft):
    """raft.tla + log compaction, InstallSnapshot and TimeoutNow (leadership transfer)."""

    name = "raft-snapshot"
    variables = SnapshotState._fields
    # (its states are SnapshotStates: the methods that say so, where Raft's say RaftState, ignore[override])

    def init_states(self) -> Iterator[SnapshotState]:
        """raft.tla's Init; no snapshots."""
        for s in super().init_states():
            yield _new(SnapshotState, (*s, self._zeros))

    # -- compaction and snapshots ---------------------------------------------------------------
    @action(params=_compactions)
    def CompactLog(self, s: SnapshotState, i: int, n: int) -> SnapshotState | None:
        """i compacts its log up to the committed index n."""
        if not s.snapshotIndex[i] < n <= s.commitIndex[i]:
            return None
        return s.but(snapshotIndex=EXCEPT(s.snapshotIndex, i, n))  # a stutter: the history variables stay

    def AppendEntries(self, s: SnapshotState, i: int, j: int) -> SnapshotState | None:
        """raft.tla's AppendEntries, when the entry it sends (and the one before) is not compacted."""
        if s.nextIndex[i][j] <= s.snapshotIndex[i]:
            return None
        return super().AppendEntries(s, i, j)

    @action(params=_each_pair)
    def InstallSnapshot(self, s: SnapshotState, i: int, j: int) -> SnapshotState | None:
        """Leader i sends j its snapshot: j needs an entry i has compacted."""
        n = s.snapshotIndex[i]
        if i == j or s.state[i] != LEADER or not n or not self.NeedsSnapshot(s, i, j):
            return None
        lg = s.log[i]
        m = (InstallSnapshotRequest, i, j, s.currentTerm[i], n, lg[n - 1][0], lg[:n])
        return s.but(messages=WithMessage(m, s.messages))

    def NeedsSnapshot(self, s: SnapshotState, i: int, j: int) -> bool:
        """j needs an entry leader i has compacted: ``nextIndex[i][j] <= snapshotIndex[i]``."""
        return s.nextIndex[i][j] <= s.snapshotIndex[i]

    @action(params=_received(InstallSnapshotRequest))
    def HandleInstallSnapshotRequest(self, s: SnapshotState, i: int, j: int, m: Message) -> SnapshotState | None:
        """i handles j's snapshot of a term not newer than its own (an older one is rejected)."""
        term = s.currentTerm[i]
        if not (m[0] == InstallSnapshotRequest and m[3] <= term and self._is_receivable(s, i, j, m, None)):
            return None
        if m[3] < term:  # rejected as raft.tla rejects a stale AppendEntries request
            response = (AppendEntriesResponse, i, j, term, 0, 0)
            return s.but(allLogs=self.NextAllLogs(s), messages=Reply(response, m, s.messages))
        if s.state[i] == LEADER:  # a leader never receives a request of its own term
            return None
        log, commit, snap = self.Installed(s.log[i], s.commitIndex[i], s.snapshotIndex[i], m[4], m[5], m[6])
        response = (AppendEntriesResponse, i, j, term, 1, max(commit, m[4]))
        return s.but(
            allLogs=self.NextAllLogs(s),
            state=EXCEPT(s.state, i, FOLLOWER),
            log=EXCEPT(s.log, i, log),
            commitIndex=EXCEPT(s.commitIndex, i, commit),
            snapshotIndex=EXCEPT(s.snapshotIndex, i, snap),
            messages=Reply(response, m, s.messages),
        )

    def Installed(self, xlog: tuple, commit: int, snap: int, index: int, term: int,
                  data: tuple) -> tuple[tuple, int, int]:
        """(log, commitIndex, snapshotIndex) after a snapshot ending at (index, term): etcd's ``restore``."""
        if index <= commit:  # nothing new: keep everything
            return xlog, commit, snap
        if index <= len(xlog) and xlog[index - 1][0] == term:  # the log holds it: fast-forward
            return xlog, index, max(snap, index)
        return data, index, index  # restore: the log is the snapshot

    # -- leadership transfer --------------------------------------------------------------------
    @action(params=_each_pair)
    def TransferLeadership(self, s: SnapshotState, i: int, j: int) -> SnapshotState | None:
        """Leader i hands over to j, whose log is known to match all of i's: TimeoutNow."""
        if i == j or s.state[i] != LEADER or s.matchIndex[i][j] != len(s.log[i]):
            return None
        m = (TimeoutNow, i, j, s.currentTerm[i])
        return s.but(messages=WithMessage(m, s.messages))

    @action(params=_received(TimeoutNow))
    def HandleTimeoutNow(self, s: SnapshotState, i: int, j: int, m: Message) -> SnapshotState | None:
        """i times out now (raft.tla's Timeout) on j's TimeoutNow of its term; an older one is ignored."""
        if not (m[0] == TimeoutNow and m[3] <= s.currentTerm[i] and self._is_receivable(s, i, j, m, None)):
            return None
        rest = s.but(messages=WithoutMessage(m, s.messages))
        if m[3] < s.currentTerm[i] or s.state[i] == LEADER:
            return rest
        return self.Timeout(rest, i)

    def Receive(self, s: SnapshotState, m: Message) -> list[tuple[str, RaftState]]:  # type: ignore[override]
        """raft.tla's handlers, and the extension's for its two messages."""
        if m[0] not in EXTENSION_MESSAGES:
            return super().Receive(s, m)
        h = self.HandleInstallSnapshotRequest if m[0] == InstallSnapshotRequest else self.HandleTimeoutNow
        out = [(f.__name__, nxt) for f in (self.UpdateTerm, h) if (nxt := f(s, m[2], m[1], m)) is not None]
        return out

    # -- invariants -----------------------------------------------------------------------------
    @invariant
    def SnapshotCommitted(self, s: SnapshotState) -> bool:
        """A leader holds every entry any server compacted into its snapshot (they were committed)."""
        for i in self.Server:
            if s.state[i] != LEADER:
                continue
            for j in self.Server:
                n = s.snapshotIndex[j]
                if n and s.log[i][:n] != s.log[j][:n]:
                    return False
        return True

    @invariant
    def AckedEntriesKept(self, s: SnapshotState) -> bool:
        """A follower still holds the entries it acknowledged to the leader of its term (matchIndex)."""
        for i in self.Server:
            if s.state[i] != LEADER:
                continue
            for j in self.Server:
                k = s.matchIndex[i][j]
                if j != i and k and s.currentTerm[j] == s.currentTerm[i] and s.log[j][:k] != s.log[i][:k]:
                    return False
        return True

    # -- symmetry and presentation --------------------------------------------------------------
    def symmetry_keys(self, s: SnapshotState) -> Mapping[str, Sequence[Any]]:  # type: ignore[override]
        """raft.tla's keys, with each server's snapshotIndex."""
        keys = super().symmetry_keys(s)["Server"]
        return {"Server": [(*k, n) for k, n in zip(keys, s.snapshotIndex)]}

    def permute(self, s: SnapshotState, perm: Mapping[str, Sequence[int]]) -> SnapshotState:  # type: ignore[override]
        """raft.tla's renaming, and snapshotIndex reordered alike."""
        base = super().permute(s, perm)
        order = self._renamings[tuple(perm.get("Server", self.Server))].order
        return _new(SnapshotState, (*base, order(s.snapshotIndex)))

    def show_message(self, m: Message) -> dict[str, Any]:
        """raft.tla's records, and the extension's two message types."""
        if m[0] not in EXTENSION_MESSAGES:
            return super().show_message(m)
        rec: dict[str, Any] = {}
        for f, x in zip(_FIELDS[m[0]], m):
            rec[f] = (_NAMES[x] if f == "mtype" else self.server_name(x) if f in ("msource", "mdest")
                      else self.show_log(x) if f == "mdata" else x)
        return rec

    def show_state(self, s: SnapshotState) -> dict[str, Any]:  # type: ignore[override]
        """raft.tla's variables, then snapshotIndex."""
        out = super().show_state(s)
        out["snapshotIndex"] = {self.server_name(i): n for i, n in enumerate(s.snapshotIndex)}
        return out

    def to_raft(self) -> tuple[Raft, Any]:
        """The refinement mapping to raft.tla: drop snapshotIndex and the extension's messages."""
        abstract = Raft(servers=self._n, values=len(self.Value), max_term=self.MaxTerm, max_log=self.MaxLogLen,
                        max_copies=self.MaxCopies, max_in_flight=self.MaxInFlight, no_history=not self.history)

        def mapping(s: SnapshotState) -> RaftState:
            base = s.raft_state()
            if any(m[0] in EXTENSION_MESSAGES for m, _ in s.messages):
                base = base.but(messages=frozenset(mc for mc in s.messages if mc[0][0] not in EXTENSION_MESSAGES))
            return base

        return abstract, mapping


def to_raft(spec: RaftSnapshot) -> tuple[Raft, Any]:
    """``paxraft refine raft-snapshot raft``: the mapping :meth:`RaftSnapshot.to_raft`."""
    return spec.to_raft()


register(
    SpecEntry(
        name="raft-snapshot",
        cls=RaftSnapshot,
        summary="raft.tla + log compaction, InstallSnapshot and TimeoutNow (an etcdraft-style extension)",
        refinements={"raft": "spec.raft_snapshot:to_raft"},
        options=raft_options(max_log=1),
        flags=(NO_HISTORY,),
        suite=(),
    )
)


@variant("raft-snapshot")
class InstallMovesCommitBack(RaftSnapshot):
    """A follower restores every snapshot it is sent, even one its commitIndex has passed."""

    variant = "install-moves-commit-back"
    rule = "HandleInstallSnapshotRequest restores any snapshot: log, commitIndex and snapshotIndex move back"
    breaks = "AckedEntriesKept"
    # two entries (the follower acknowledges one past the snapshot); the shortest
    # counterexample, found by a breadth-first search at these bounds (701,587 states, 45 min on one core);
    # tests/test_raft_snapshot.py replays its 26 steps
    failing_bounds = {"servers": 3, "values": 1, "max_term": 2, "max_log": 2, "max_copies": 1, "max_in_flight": 2,
                      "no_history": True, "symmetry": True,
                      "without": ("DuplicateMessage", "DropMessage", "Restart", "TransferLeadership",
                                  "HandleTimeoutNow")}
    trace_length = 26
    impl_bug = "install-moves-commit-back"  # its planted bug in impl.raft.rules
    source = ("etcd-io/raft raft.go restore(): 'if s.Metadata.Index <= r.raftLog.committed { return false }'; "
              "Ongaro, dissertation section 5.4.2")

    def Installed(self, xlog: tuple, commit: int, snap: int, index: int, term: int,
                  data: tuple) -> tuple[tuple, int, int]:
        """Always restore."""
        return data, index, index
