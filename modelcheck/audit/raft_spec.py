"""raft.tla extended with what a production Raft does by design, for auditing its traces.

Each extension is one rule, written as etcd-io/raft's ``tla/etcdraft.tla`` writes it where
that spec has it (its trace validation, ``Traceetcdraft.tla``, faces the same departures):

- **AppendEntriesRange(i, j, b, e)** (etcdraft's ``AppendEntriesInRangeToPeer``): a leader
  sends j the entries ``[b, e)`` of its log, any range starting after what j is known to
  match (``matchIndex[i][j] + 1 <= b <= e <= Len(log[i]) + 1``), or at raft.tla's own
  ``nextIndex[i][j]`` where a stale success put it lower (raft.tla's AppendEntries sends there).  This is what batching,
  pipelining and heartbeats need: raft.tla sends at most the one entry at ``nextIndex``,
  which moves only on a reply.  A batch of k entries is **one** step of this action, not k
  raft.tla steps, because it is one message on the wire: k single-entry messages would need
  a ``nextIndex`` that moves on sending and k-1 replies that no node ever sent, i.e. steps
  invented by the mapping.  ``mcommitIndex`` is ``c``: either ``Min(commitIndex[i], e - 1)``
  as raft.tla and etcd send it (for a heartbeat ``e - 1 = matchIndex``, etcdraft's heartbeat
  commit), or the whole ``commitIndex[i]``, the Raft paper's ``leaderCommit`` (Figure 2),
  which is safe because the follower takes ``Min(leaderCommit, index of last new entry)``.
- **HandleAppendEntriesRequest** is raft.tla's handler with its branch predicates overridden
  (``AlreadyDone``, ``Conflicts``, ``AppendedLog``, ``AcceptedCommitIndex``; no copy of the
  handler): it accepts multi-entry requests as etcdraft.tla does: the
  conflict branch removes the last entry while some entry of the request conflicts; the
  no-conflict branch appends the entries the log lacks (all of them, one step); the
  already-done branch applies when every entry is present.  raft.tla's handler looks at the
  first entry only, which is right for the single entries it sends and wrong for a batch.
  On success ``commitIndex`` becomes ``Max(commitIndex, Min(mcommitIndex, mprevLogIndex +
  Len(mentries)))`` (etcdraft's ``CommitTo``): it is never lowered by a stale request.
- **matchIndex** takes the maximum with the acknowledged index (etcdraft, and the
  implementation): a reordered, older success does not lower it.
- **AdvanceCommitIndexTo(i, n)**: a leader commits up to some index n above its
  ``commitIndex`` that a quorum (itself included) stores and whose entry is of its term;
  raft.tla's ``AdvanceCommitIndex`` is the case n = the highest such index.  A leader that
  counts itself only for entries it has made durable (it sends before its own fsync, Raft
  thesis 10.2.1) may commit less than that maximum; every such n is safe for the same
  reason the maximum is (the entry is of the leader's term and on a quorum).
- **CheckQuorum(i)**: a leader that has not heard from a quorum steps down to follower in
  the same term.  It changes only ``state[i]``, so every safety property is preserved.
- **CandidateStepDown(i)**: a candidate that gives up its election and returns to follower in
  the same term (its vote stays cast).  It too changes only ``state[i]``; a test model-checks
  the extension with raft.tla's invariants.
- **Membership changes** (single-server, Ongaro's dissertation 4.1 with its errata, the rule of
  ``spec.raft_config``): ``members`` is the initial configuration (default: every server); a
  configuration entry's value is :func:`config_value` of its members, and a server's
  configuration is the latest such entry in its log, committed or not. Votes
  (``BecomeLeader``) and commitment (``AdvanceCommitIndexTo``) count a quorum of the deciding
  server's configuration (a leader outside it does not count itself). ``AddServer(i, k)`` /
  ``RemoveServer(i, k)`` append a configuration one server larger or smaller when
  ``raft_config.change_allowed`` holds (the latest configuration committed and an entry of
  i's term committed); ``StepDownRemoved(i)``: a leader whose committed configuration leaves it
  out becomes a follower (same term). Servers outside every configuration exist from the start
  (spares): a leader may replicate to them (catch-up before they vote).
- Log compaction, InstallSnapshot and TimeoutNow: inherited from ``spec.raft_snapshot``
  (docs/snapshots.md), whose invariants hold too.  A leader may send its snapshot whenever it
  has one (the spec's ``nextIndex`` does not follow the implementation's).
  ``AppendEntriesRange`` sends no compacted entry, and when the entry a peer is known to match
  is compacted (its term is gone) an empty request (a heartbeat) may name index 0 as its
  previous entry.  **Restart** puts ``commitIndex`` at the snapshot (``snapshotIndex[i]``, 0
  without one) instead of 0, as every implementation restarts from its snapshot: those entries
  are committed; **RestartFromOlderSnapshot(i, n)** comes back from an older snapshot (the last
  compaction was not yet durable at the crash; the log file still holds the entries after n).

Values are the integers the audit interns from the trace's value strings, unbounded; the
history variables are off (they are proof aids, not part of what an implementation reports).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from spec.core import action
from spec.raft import (
    CANDIDATE,
    EXCEPT,
    FOLLOWER,
    LEADER,
    NIL,
    AppendEntriesRequest,
    AppendEntriesResponse,
    Log,
    Message,
    RaftState,
    RequestVoteResponse,
    WithMessage,
    _new,
)
from spec.raft_config import change_allowed
from spec.raft_rebuild import NO_TARGET, RejoinRule, floor_reads, rebuilt, rejoin_begins, vote_floor
from spec.raft_snapshot import RaftSnapshot, SnapshotState

#: configuration entries' values: CONFIG_BASE + a bitmask of the members (client values are below 2**30)
CONFIG_BASE = 1 << 40


def config_value(members: frozenset[int] | set[int]) -> int:
    """The log value of a configuration entry with these members (server indices)."""
    return CONFIG_BASE + sum(1 << k for k in members)


def config_members(v: int) -> frozenset[int] | None:
    """The members of a configuration value, None for a client value."""
    if v < CONFIG_BASE:
        return None
    mask = v - CONFIG_BASE
    return frozenset(k for k in range(mask.bit_length()) if mask >> k & 1)


class ImplState(SnapshotState):
    """raft_snapshot's variables, then raft-rebuild's ``rejoining`` and ``rejoinTarget``: the rejoin gate of a node
    rebuilt by ``cluster recover-node`` (always 0 and no target in a model check: nothing is rebuilt there); then two
    history variables of the audit's power-cut rules (always zeros in a model check, which has no power cut):

    - ``staleMatch[i][j]``: leader i's matchIndex for j when j was last rebuilt (lowered with it): a matchIndex up to
      that is the acknowledgement of j's incarnation before the rebuild, no evidence of what j holds now;
    - ``ownCommit[i]``: the highest index i committed as leader counting its own copy (not on a quorum of the
      others' matchIndex then): its copy had to be durable, whatever i's role since."""

    __slots__ = ()
    _fields = (*SnapshotState._fields, "rejoining", "rejoinTarget", "staleMatch", "ownCommit")

    rejoining = property(itemgetter(14), doc="rejoining")
    rejoinTarget = property(itemgetter(15), doc="rejoinTarget")
    staleMatch = property(itemgetter(16), doc="staleMatch")
    ownCommit = property(itemgetter(17), doc="ownCommit")


def _lowest_start(s: RaftState, i: int, j: int) -> int:
    """The first entry leader i may send j: after what j is known to match, or from raft.tla's own ``nextIndex``
    where that is lower (a stale success, reordered after a later one, sets it to its ``mmatchIndex + 1`` while
    ``matchIndex`` keeps its maximum): raft.tla's AppendEntries sends there, so a trace may too."""
    return min(s.matchIndex[i][j] + 1, s.nextIndex[i][j])


def _ranges(self: RaftImpl, s: ImplState) -> Iterator[tuple[int, int, int, int, int]]:
    for i in self.Server:
        if s.state[i] != LEADER:
            continue
        top = len(s.log[i]) + 1
        for j in self.Server:
            if j == i:
                continue
            low = _lowest_start(s, i, j)
            ci = s.commitIndex[i]
            if self.abbreviate:  # a report's "allowed steps": the whole rest of the log, or nothing
                spans = sorted({(low, low), (low, top), (top, top)})
            else:
                spans = [(b, e) for b in range(low, top + 1) for e in range(b, top + 1)]
            if s.snapshotIndex[i] > low - 1:  # the matched entry is compacted: a heartbeat names index 0
                spans = [(1, 1), *spans]
            for b, e in spans:
                for c in sorted({min(ci, e - 1), ci}):
                    yield (i, j, b, e, c)


def _leaders(self: RaftImpl, s: RaftState) -> list[tuple[int]]:
    return [(i,) for i in self.Server if s.state[i] == LEADER]


def _candidates(self: RaftImpl, s: RaftState) -> list[tuple[int]]:
    return [(i,) for i in self.Server if s.state[i] == CANDIDATE]


def _older_snapshots(self: RaftImpl, s: SnapshotState) -> list[tuple[int, int]]:
    return [(i, n) for i in self.Server for n in range(s.snapshotIndex[i])]


def _rejoining(self: RaftImpl, s: ImplState) -> list[tuple[int]]:
    return [(i,) for i in self.Server if s.rejoining[i]]


def _from_the_trace(self: RaftImpl, s: RaftState) -> tuple[()]:
    return ()  # an audit's Rebuild names its peers (the trace's); a model check of this spec rebuilds nothing


def _changes(self: RaftImpl, s: RaftState) -> list[tuple[int, int]]:
    return [(i, k) for i in self.Server if s.state[i] == LEADER for k in self.Server]


def _commit_targets(self: RaftImpl, s: RaftState) -> list[tuple[int, int]]:
    return [(i, n) for i in self.Server if s.state[i] == LEADER for n in range(s.commitIndex[i] + 1, len(s.log[i]) + 1)]


def has_no_conflict(xlog: Log, index: int, entries: tuple) -> bool:
    """etcdraft's ``HasNoConflict``: every entry of the request that the log holds has the same term."""
    if index > len(xlog) + 1:
        return False
    overlap = min(len(entries), len(xlog) - index + 1)
    return all(xlog[index + k - 1][0] == entries[k][0] for k in range(overlap))


class RaftImpl(RejoinRule, RaftSnapshot):
    """raft.tla plus batching/pipelining, multi-entry accept, monotone commit and matchIndex, CheckQuorum,
    candidate step-down, and (``RaftSnapshot``) compaction, InstallSnapshot and TimeoutNow."""

    name = "raft"
    variables = ImplState._fields
    # (its states are ImplStates: the methods that say so, where Raft's say RaftState, ignore[override])

    def __init__(self, servers: int = 3, abbreviate: bool = False, values: int | None = None,
                 members: Sequence[int] | None = None, power_cuts: bool | None = None, **kw: Any) -> None:
        self.abbreviate = abbreviate  # enumerate only three ranges per peer (for audit reports, not for checking)
        # keep ownCommit, the power-cut rules' history (an audit's, values interned from a trace; a model check has
        # no power cut, and the variable would only split its states)
        self.power_cuts = values is None if power_cuts is None else power_cuts
        self.Members = frozenset(range(servers) if members is None else members)  # the initial configuration
        self._configs_seen = members is not None  # no configuration entry yet anywhere: Members, no log scan
        self._cfg_memo: dict[int, tuple[Log, frozenset[int], int]] = {}
        kw.setdefault("no_history", True)
        kw.setdefault("max_term", 1 << 30)
        kw.setdefault("max_log", 1 << 30)
        super().__init__(servers=servers, values=values or 1, **kw)
        if values is None:  # auditing: values are the trace's strings, interned as they come
            self.Value = range(1 << 30)  # type: ignore[assignment]

    def bounds(self) -> dict[str, Any]:
        """The model checker's bounds, or for an audit only the servers (the trace gives the rest)."""
        if len(self.Value) > 1 << 20:
            return {"servers": self._n, "extensions": "etcdraft"}
        return {**super().bounds(), "extensions": "etcdraft"}

    # -- leader: send any range of the log ----------------------------------------------------
    @action(params=_ranges)
    def AppendEntriesRange(self, s: ImplState, i: int, j: int, b: int, e: int, c: int) -> ImplState | None:
        """Leader i sends j the entries [b, e) of its log (e = b: none, a heartbeat) and the commit index c."""
        if i == j or s.state[i] != LEADER:
            return None
        lg = s.log[i]
        snap = s.snapshotIndex[i]
        if not (_lowest_start(s, i, j) <= b <= e <= len(lg) + 1) and not (b == e == 1 and s.matchIndex[i][j] < snap):
            return None  # (an empty request after index 0: a heartbeat when the matched entry's term is compacted)
        if (b < e and b <= snap) or 0 < b - 1 < snap:  # a compacted entry, or a compacted entry's term
            return None
        if c != s.commitIndex[i] and c != self.LeaderCommitFor(s.commitIndex[i], e - 1):
            return None
        prevLogIndex = b - 1
        prevLogTerm = lg[prevLogIndex - 1][0] if prevLogIndex > 0 else 0
        lastEntry = e - 1
        m = (
            AppendEntriesRequest,
            i,
            j,
            s.currentTerm[i],
            prevLogIndex,
            prevLogTerm,
            lg[b - 1 : lastEntry],
            (),
            c,
        )
        return s.but(allLogs=self.NextAllLogs(s), messages=WithMessage(m, s.messages))

    def NeedsSnapshot(self, s: SnapshotState, i: int, j: int) -> bool:
        """Any time (the spec's nextIndex is not the implementation's): a snapshot is safe to install."""
        return True

    def Restart(self, s: SnapshotState, i: int) -> SnapshotState | None:
        """raft.tla's Restart, with commitIndex at the snapshot (its entries are committed)."""
        nxt = super().Restart(s, i)
        snap = s.snapshotIndex[i]
        return nxt if nxt is None or not snap else nxt.but(commitIndex=EXCEPT(nxt.commitIndex, i, snap))

    @action(params=_older_snapshots)
    def RestartFromOlderSnapshot(self, s: SnapshotState, i: int, n: int) -> SnapshotState | None:
        """i restarts from an older snapshot ending at n: its last compaction was not yet durable (the log
        file still holds the entries after n)."""
        if not 0 <= n < s.snapshotIndex[i]:
            return None
        nxt = super().Restart(s, i)
        return nxt.but(commitIndex=EXCEPT(nxt.commitIndex, i, n), snapshotIndex=EXCEPT(s.snapshotIndex, i, n))

    @action(params=_from_the_trace)
    def Rebuild(self, s: ImplState, i: int, peers: tuple[int, ...]) -> ImplState | None:
        """i is rebuilt from empty storage (``cluster recover-node``), its snapshot gone too: spec.raft_rebuild's
        Rebuild, the vote floor read from ``peers`` (at least n - quorum + 1 of the others), and its rejoin gate
        (spec.raft_rebuild.RejoinRule): no vote, no Timeout until its ``CaughtUp``."""
        if not self._floor_peers(i, peers):
            return None
        return self._rebuilt(s, i, vote_floor(s, i, peers)[0])

    @action(params=_from_the_trace)
    def RebuildFromTerms(self, s: ImplState, i: int, peers: tuple[int, ...], terms: tuple[int, ...]
                         ) -> ImplState | None:
        """Rebuild, the floor from the terms the event says were read from ``peers``: the read came before the
        node's boot, and nothing orders it among the peers' own events (a file read is no message), so each term
        read may be below the peer's term here (it moved on since), never above it (terms only grow). The floor
        is the highest term read, voted in for itself; spec.raft_rebuild's Rebuild reads the terms at once."""
        if (not self._floor_peers(i, peers) or len(terms) != len(peers)
                or any(t > s.currentTerm[j] for j, t in zip(peers, terms))):
            return None
        return self._rebuilt(s, i, max(terms))

    def _floor_peers(self, i: int, peers: tuple[int, ...]) -> bool:
        """``peers`` are at least n - quorum + 1 distinct servers other than i: enough to read a vote floor from."""
        n = self._n
        return i not in peers and len(set(peers)) == len(peers) >= floor_reads(n) and all(0 <= j < n for j in peers)

    def _rebuilt(self, s: ImplState, i: int, term: int) -> ImplState:
        """i rebuilt empty and voted for itself in ``term``, its snapshot gone, its rejoin gate on; every leader's
        matchIndex for it now the old incarnation's (``staleMatch``), nothing it committed its own any more."""
        stale = tuple(self._zeros if j == i else EXCEPT(row, i, s.matchIndex[j][i])
                      for j, row in enumerate(s.staleMatch))
        return s.but(**rebuilt(self, s, i, term, i), snapshotIndex=EXCEPT(s.snapshotIndex, i, 0),
                     **rejoin_begins(s, i, 1), staleMatch=stale, ownCommit=EXCEPT(s.ownCommit, i, 0))

    @action(params=_rejoining)
    def CaughtUp(self, s: ImplState, i: int) -> ImplState | None:
        """Rejoining i has applied its target, whose entry is of the target's term: it votes and campaigns again."""
        return self.CaughtUpStep(s, i)

    def GateDrops(self, s: ImplState, i: int, j: int, m: Message) -> None:
        """None: the gate drops a vote request before the core, so a trace shows no handler's step (the message is
        lost, a DropMessage); a rejoining node's HandleRequestVoteRequest is one it should not have taken."""
        return None

    def HandleInstallSnapshotRequest(self, s: ImplState, i: int, j: int, m: Message) -> ImplState | None:
        """raft_snapshot's; a snapshot's last index sets a rejoining server's target as a commit index does."""
        t = super().HandleInstallSnapshotRequest(s, i, j, m)
        return t if t is None or type(t) is not type(s) else self.TakeTarget(s, t, i, m[3], m[4])

    def init_states(self) -> Iterator[ImplState]:
        """raft_snapshot's Init; nobody rejoining, no history."""
        for s in super().init_states():
            yield _new(ImplState, (*s, self._zeros, (NO_TARGET,) * self._n, (self._zeros,) * self._n, self._zeros))

    def permute(self, s: ImplState, perm: Mapping[str, Sequence[int]]) -> ImplState:  # type: ignore[override]
        """raft_snapshot's renaming, and the rejoin and history variables reordered alike."""
        order = self._renamings[tuple(perm.get("Server", self.Server))].order
        stale = tuple(order(row) for row in order(s.staleMatch))
        return _new(ImplState, (*super().permute(s, perm), *self.rejoin_permuted(s, perm), stale, order(s.ownCommit)))

    def show_state(self, s: ImplState) -> dict[str, Any]:  # type: ignore[override]
        """raft_snapshot's variables, and the rejoin gate's while some server rejoins."""
        out = super().show_state(s)
        if any(s.rejoining):
            out["rejoining"] = {self.server_name(i): bool(r) for i, r in enumerate(s.rejoining)}
            out["rejoinTarget"] = {self.server_name(i): list(t) for i, t in enumerate(s.rejoinTarget)}
        if any(map(any, s.staleMatch)):
            out["staleMatch"] = {self.server_name(i): {self.server_name(j): x for j, x in enumerate(row) if x}
                                 for i, row in enumerate(s.staleMatch) if any(row)}
        if any(s.ownCommit):
            out["ownCommit"] = {self.server_name(i): x for i, x in enumerate(s.ownCommit)}
        return out

    @action(params=_from_the_trace)
    def LowerMatchIndex(self, s: ImplState, i: int, j: int, n: int, held: Log | None = None) -> ImplState | None:
        """Leader i learns (a rejection) that j no longer holds what it acknowledged (its storage was lost and
        rebuilt) and lowers matchIndex[i][j] to n: it counts j for less than before, which is always safe. The
        evidence is the rejection's, as of its sending: ``held``, j's log when it sent it (the audit names it from
        j's event; j's log now when not named). A rejection sent while j held i's first matchIndex entries
        justifies no lowering, even if j lost them since; one sent before a rebuilt j caught up again does, even
        if it arrives after."""
        k = s.matchIndex[i][j]
        log_then = s.log[j] if held is None else held
        if s.state[i] != LEADER or not 0 <= n < k or log_then[:k] == s.log[i][:k]:
            return None
        nxt = s.but(matchIndex=EXCEPT(s.matchIndex, i, EXCEPT(s.matchIndex[i], j, n)))
        stale = s.staleMatch[i][j]
        return nxt if stale <= n else nxt.but(staleMatch=EXCEPT(s.staleMatch, i, EXCEPT(s.staleMatch[i], j, n)))

    def BecomeLeader(self, s: ImplState, i: int) -> ImplState | None:
        """raft.tla's; i's matchIndex starts at zeros, and so does what it took for old incarnations'."""
        t = super().BecomeLeader(s, i)
        if t is None or not any(s.staleMatch[i]):
            return t
        return t.but(staleMatch=EXCEPT(s.staleMatch, i, self._zeros))

    def AdvanceCommitIndex(self, s: RaftState, i: int) -> RaftState | None:
        """raft.tla's, but never lowering commitIndex: a configuration entry can shrink what a quorum stores
        below what AdvanceCommitIndexTo committed under the configuration before it (raft.tla's quorums never
        change)."""
        nxt = super().AdvanceCommitIndex(s, i)
        return s if nxt is not None and nxt.commitIndex[i] < s.commitIndex[i] else nxt

    @action(params=_commit_targets)
    def AdvanceCommitIndexTo(self, s: ImplState, i: int, n: int) -> ImplState | None:
        """Leader i commits up to n: above its commitIndex, stored by a quorum, an entry of its current term."""
        if s.state[i] != LEADER or not s.commitIndex[i] < n <= len(s.log[i]):
            return None
        if not self.CommitTermOk(s.log[i][n - 1][0], s.currentTerm[i]):
            return None
        match = s.matchIndex[i]
        if not self.QuorumOf(s, i, {i} | {k for k in self.Server if match[k] >= n}):
            return None
        nxt = s.but(allLogs=self.NextAllLogs(s), commitIndex=EXCEPT(s.commitIndex, i, n))
        if not self.power_cuts or self.QuorumOf(s, i, {k for k in self.Server if k != i and match[k] >= n}):
            return nxt
        return nxt.but(ownCommit=EXCEPT(s.ownCommit, i, max(n, s.ownCommit[i])))  # (its own copy counted)

    # -- membership changes (spec.raft_config's single-server rule) ----------------------------------
    def note_configs(self) -> None:
        """Configuration entries exist (the audit saw one): look for them in logs from now on."""
        self._configs_seen = True

    def ConfigOf(self, xlog: Log) -> tuple[frozenset[int], int]:
        """(the configuration a server with this log uses: its latest configuration entry's, committed or
        not, else the initial one; that entry's index, 0 for the initial one)."""
        if not self._configs_seen:
            return self.Members, 0
        memo = self._cfg_memo.get(id(xlog))
        if memo is not None and memo[0] is xlog:
            return memo[1], memo[2]
        out, at = self.Members, 0
        for k in range(len(xlog) - 1, -1, -1):
            c = config_members(xlog[k][1])
            if c is not None:
                out, at = c, k + 1
                break
        if len(self._cfg_memo) > 1024:
            self._cfg_memo.clear()
        self._cfg_memo[id(xlog)] = (xlog, out, at)
        return out, at

    def QuorumOf(self, s: RaftState, i: int, servers: frozenset[int] | set[int]) -> bool:
        """A majority of i's configuration (a server outside it does not count)."""
        c = self.ConfigOf(s.log[i])[0]
        return len(c & servers) * 2 > len(c)

    def ChangeAllowed(self, s: RaftState, i: int) -> bool:
        """``raft_config.change_allowed``: i's latest configuration is committed and so is an entry of its term."""
        xlog, ci = s.log[i], s.commitIndex[i]
        return change_allowed(self.ConfigOf(xlog)[1], ci, xlog[ci - 1][0] if ci else 0, s.currentTerm[i])

    def _change(self, s: RaftState, i: int, new: frozenset[int]) -> RaftState:
        self._configs_seen = True
        entry = (s.currentTerm[i], config_value(new))
        return s.but(allLogs=self.NextAllLogs(s), log=EXCEPT(s.log, i, s.log[i] + (entry,)))

    @action(params=_changes)
    def AddServer(self, s: RaftState, i: int, k: int) -> RaftState | None:
        """Leader i appends its configuration with k added (dissertation 4.1, the errata's guard)."""
        c = self.ConfigOf(s.log[i])[0]
        if s.state[i] != LEADER or k in c or not self.ChangeAllowed(s, i):
            return None
        return self._change(s, i, c | {k})

    @action(params=_changes)
    def RemoveServer(self, s: RaftState, i: int, k: int) -> RaftState | None:
        """Leader i appends its configuration with k (possibly i itself) removed; never the last member."""
        c = self.ConfigOf(s.log[i])[0]
        if s.state[i] != LEADER or k not in c or len(c) == 1 or not self.ChangeAllowed(s, i):
            return None
        return self._change(s, i, c - {k})

    @action(params=_leaders)
    def StepDownRemoved(self, s: RaftState, i: int) -> RaftState | None:
        """Leader i, whose committed configuration leaves it out, becomes a follower in the same term."""
        c, at = self.ConfigOf(s.log[i])
        if s.state[i] != LEADER or i in c or at > s.commitIndex[i]:
            return None
        return s.but(allLogs=self.NextAllLogs(s), state=EXCEPT(s.state, i, FOLLOWER))

    @action(params=_leaders)
    def CheckQuorum(self, s: RaftState, i: int) -> RaftState | None:
        """Leader i, not having heard from a quorum for an election timeout, becomes a follower (same term)."""
        if s.state[i] != LEADER:
            return None
        return s.but(allLogs=self.NextAllLogs(s), state=EXCEPT(s.state, i, FOLLOWER))

    @action(params=_candidates)
    def CandidateStepDown(self, s: RaftState, i: int) -> RaftState | None:
        """Candidate i gives up its election: follower again, in the same term, its vote still cast."""
        if s.state[i] != CANDIDATE:
            return None
        return s.but(allLogs=self.NextAllLogs(s), state=EXCEPT(s.state, i, FOLLOWER))

    # -- follower: multi-entry requests (etcdraft.tla), as raft.tla's branches with other predicates --
    def AlreadyDone(self, xlog: Log, index: int, entries: Log) -> bool:
        """Every entry of the request is in the log (or it has none)."""
        return not entries or (index - 1 + len(entries) <= len(xlog) and has_no_conflict(xlog, index, entries))

    def Conflicts(self, xlog: Log, index: int, entries: Log) -> bool:
        """Some entry of the request conflicts with the log (then the last entry goes, one step at a time)."""
        return not has_no_conflict(xlog, index, entries)

    def AppendedLog(self, xlog: Log, index: int, entries: Log) -> Log | None:
        """The entries the log lacks, appended in one step."""
        return xlog + entries[len(xlog) - index + 1 :]

    def AcceptedCommitIndex(self, commitIndex: int, mcommitIndex: int, lastIndex: int) -> int:
        """etcdraft's ``CommitTo``: ``Max(commitIndex, Min(mcommitIndex, lastIndex))``, never lowered."""
        return max(commitIndex, min(mcommitIndex, lastIndex))

    def AckedIndex(self, s: RaftState, i: int, m: Message) -> int:
        """matchIndex' of a success: ``Max(matchIndex[i][j], m.mmatchIndex)`` (etcdraft)."""
        return max(s.matchIndex[i][m[1]], m[5])

    @action(params=_from_the_trace)
    def RestartLosingUnsynced(self, s: ImplState, i: int, n: int) -> SnapshotState | None:
        """A power cut: i restarts with the first n entries of its log, the rest never synced (the page cache lost
        them). Only entries it never acknowledged may go, as the implementation acknowledges an entry once it is
        durable: n is at least every index i reported matching in its current term (a success in flight, or a
        matchIndex of a leader of that term; within a term a follower's log only grows past what it acknowledged)
        and its snapshot's (synced before the log records that name it); and a leader loses nothing it committed
        that the others' matchIndex does not put on a quorum without it (it counts its own copy once synced)."""
        lg = s.log[i]
        if not n < len(lg) or not self.MayComeBackWith(s, i, s.currentTerm[i], s.votedFor[i], lg[:n],
                                                       s.snapshotIndex[i]):
            return None
        return self.Restart(s.but(log=EXCEPT(s.log, i, lg[:n])), i)

    @action(params=_from_the_trace)
    def RestartLosingUnsyncedSteps(self, s: ImplState, i: int, term: int, vote: int, log: Log, snap: int
                                   ) -> SnapshotState | None:
        """A power cut took i's steps since its last sync: it restarts with the term, vote, log and snapshot (at
        ``snap``, a compaction since lost too) it had before them, or that log less entries never synced. The
        implementation sends nothing that depends on a term or vote it has not made durable, and acknowledges
        entries once durable, so none of those steps was seen by another server but a leader's AppendEntries,
        which leave before its own fsync: the audit names the state of an event of i's current run after which
        no message of i was received, whose log is this one or extends it (the messages those steps held back
        never left: network losses). Here the state's own evidence that something was seen refuses it
        (:meth:`MayComeBackWith`)."""
        if snap > s.snapshotIndex[i] or not self.MayComeBackWith(s, i, term, vote, log, snap):
            return None
        return self.Restart(s.but(currentTerm=EXCEPT(s.currentTerm, i, term), votedFor=EXCEPT(s.votedFor, i, vote),
                                  log=EXCEPT(s.log, i, log), snapshotIndex=EXCEPT(s.snapshotIndex, i, snap)), i)

    def MayComeBackWith(self, s: ImplState, i: int, term: int, vote: int, log: Log, snap: int) -> bool:
        """Whether i's stable storage may hold this term, vote and log (its snapshot at ``snap``) after a power cut,
        as far as the state shows: terms only grow and a vote is only lost, not changed; the log keeps the entries
        of that snapshot; no message of i in the bag, nor another server's votes or matchIndex, shows a term above
        ``term``, a vote in ``term`` it no longer has, or an entry of ``term`` acknowledged past what the two logs
        share (a leader's matchIndex up to ``staleMatch``, from before i was rebuilt, is no evidence); and i loses
        nothing it committed as leader counting its own copy (``ownCommit``: it counts it once synced), whatever its
        role now, unless its matchIndex puts it on a quorum without it."""
        t, lg = s.currentTerm[i], s.log[i]
        if term > t or len(log) < snap or log[:snap] != lg[:snap]:
            return False
        vote_lost = term == t and vote != s.votedFor[i]
        if vote_lost and vote != NIL:
            return False
        n = 0
        for a, b in zip(lg, log):
            if a != b:
                break
            n += 1
        for m, _ in s.messages:
            if m[1] != i or m[3] < term:
                continue
            if m[3] > term or (m[0] == AppendEntriesResponse and m[4] and m[5] > n) or (
                    vote_lost and m[0] == RequestVoteResponse and m[4]):
                return False
        for j in self.Server:
            if j == i or s.state[j] == FOLLOWER:
                continue
            tj = s.currentTerm[j]
            if i in s.votesResponded[j] and (tj > term or (vote_lost and tj == term and i in s.votesGranted[j])):
                return False  # (a candidate's or leader's tally is of its current term)
            k = s.matchIndex[j][i]
            if s.state[j] == LEADER and k > s.staleMatch[j][i] and (tj > term or (tj == term and k > n)):
                return False  # (a matchIndex up to staleMatch is i's old incarnation's: i was rebuilt since)
        c = s.ownCommit[i]
        return not (c > n and not self.QuorumOf(s, i, {k for k in self.Server if k != i and s.matchIndex[i][k] >= c
                                                        and s.matchIndex[i][k] > s.staleMatch[i][k]}))
