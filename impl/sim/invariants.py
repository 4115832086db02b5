"""Raft's safety properties on a simulated cluster: the spec's own invariants, through an abstraction function.

After every simulated event the cluster is mapped to a :class:`spec.raft.RaftState` (raft.tla's
variables, :func:`abstract`) and the spec's invariant functions are evaluated on it:
OneLeaderPerTerm, ElectionSafety, LogMatching, LeaderCompleteness, StateMachineSafety
(``spec/raft.py``), so the simulation checks the spec's invariants, not a copy of them.

Two properties of the Raft paper are about the whole run rather than one state (raft.tla's state
forgets a server's commitIndex when it restarts), so :class:`History` checks them over what was
observed: ``StateMachineSafety[history]`` (no two nodes ever apply different entries at one
index) and ``LeaderCompleteness[history]`` (a leader holds every entry committed in an earlier
term, including entries whose committers have since crashed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from impl.raft.log import Entry
from spec.raft import CANDIDATE, EMPTY, FOLLOWER, LEADER, NIL, Raft, RaftState

ROLES = {"Follower": FOLLOWER, "Candidate": CANDIDATE, "Leader": LEADER, "Down": FOLLOWER}


class InvariantViolation(AssertionError):  # noqa: N818 (named like the spec checker's violations)
    """A safety property failed; ``name`` says which."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(f"{name} violated: {detail}")
        self.name = name
        self.detail = detail


@dataclass
class NodeView:
    """The abstract state of one node: raft.tla's variables (a crashed node: what its disk holds)."""

    id: int
    alive: bool
    term: int
    role: str  # "Follower" | "Candidate" | "Leader" | "Down"
    offset: int  # entries 1..offset are in a snapshot
    entries: list[Entry]
    commit: int
    vote: int = 0  # 0 = Nil
    votes_responded: frozenset[int] = frozenset()
    votes_granted: frozenset[int] = frozenset()
    next_index: dict[int, int] = field(default_factory=dict)  # a leader's, by peer
    match_index: dict[int, int] = field(default_factory=dict)


class History:
    """What has been observed so far: the committed log, the elections, the values' spec numbers."""

    def __init__(self) -> None:
        self.committed: list[Entry] = []  # committed[k] is the entry at index k+1
        self.commit_term: list[int] = []  # the term in which a node first applied it (>= when it was committed)
        self.elections: dict[tuple[int, int], tuple] = {}  # (term, leader) -> raft.tla election record
        self.values: dict[bytes, int] = {}  # command bytes -> raft.tla Value (small ints, in order of appearance)
        self._spec: Raft | None = None

    def record_apply(self, node: int, term: int, index: int, entry: Entry) -> None:
        """A node applied ``entry`` at ``index``: no node may ever apply a different one there."""
        n = len(self.committed)
        if index <= n:
            if self.committed[index - 1] != entry:
                raise InvariantViolation("StateMachineSafety[history]", f"node {node} applied {entry} at index "
                                         f"{index}, but {self.committed[index - 1]} was applied there before")
        elif index == n + 1:
            self.committed.append(entry)
            self.commit_term.append(term)
        else:
            raise InvariantViolation("StateMachineSafety[history]", f"node {node} applied index {index} "
                                     f"before {n + 1}")

    def check(self, views: list[NodeView]) -> None:
        """Check the spec's invariants on the abstract state, then the history properties."""
        state = self.abstract(views)
        spec = self.spec(len(views))
        name = spec.violated(state)
        if name is not None:
            raise InvariantViolation(name, f"the spec's {name} is false on the cluster's abstract state: "
                                     f"{spec.show_state(state)}")
        for v in views:
            if v.alive and v.role == "Leader":
                self._leader_complete(v)

    def spec(self, n: int) -> Raft:
        """The spec whose invariants are checked (its bounds play no part in them)."""
        if self._spec is None or len(self._spec.Server) != n:
            self._spec = Raft(servers=n)
        return self._spec

    # -- the abstraction function ---------------------------------------------------------------
    def value(self, data: bytes) -> int:
        """raft.tla's value for a command: a small int, the same for the same bytes."""
        v = self.values.get(data)
        if v is None:
            v = self.values[data] = len(self.values)
        return v

    def spec_log(self, v: NodeView) -> tuple[tuple[int, int], ...]:
        """raft.tla's log of a node: its entries as ``(term, value)``, the snapshot's prefix from the committed log."""
        if v.offset > len(self.committed):
            raise InvariantViolation("Abstraction", f"node {v.id} has a snapshot up to index {v.offset}, but only "
                                     f"{len(self.committed)} entries were ever applied")
        val = self.value
        prefix = [(e.term, val(e.data)) for e in self.committed[: v.offset]]
        return tuple(prefix + [(e.term, val(e.data)) for e in v.entries])

    def abstract(self, views: list[NodeView]) -> RaftState:
        """The cluster as raft.tla's state (servers 1..n become 0..n-1).

        Derived: currentTerm, state, votedFor, log, commitIndex, votesResponded, votesGranted, a
        leader's nextIndex and matchIndex, and the ``elections`` history (each leader observed:
        term, leader, its log when first seen as leader, the votes it had). A crashed node is what
        raft.tla's Restart leaves: a follower with its durable term, vote and log, commitIndex 0.
        Not derived (no invariant checked here reads them): ``messages`` (the implementation's
        batched messages are several spec messages), ``allLogs``, ``voterLog`` and election
        records' voter logs (votes do not carry the voter's log), and non-leaders' nextIndex and
        matchIndex (raft.tla keeps stale values there), which are left at their initial values."""
        n = len(views)
        logs = tuple(self.spec_log(v) for v in views)
        for k, v in enumerate(views):
            if v.alive and v.role == "Leader" and (v.term, k) not in self.elections:
                self.elections[(v.term, k)] = (v.term, k, logs[k], frozenset(j - 1 for j in v.votes_granted), EMPTY)
        ones, zeros = (1,) * n, (0,) * n

        def row(d: dict[int, int], default: tuple[int, ...]) -> tuple[int, ...]:
            return tuple(d.get(j + 1, default[j]) for j in range(n)) if d else default

        return RaftState(
            messages=frozenset(),
            elections=frozenset(self.elections.values()),
            allLogs=frozenset(),
            currentTerm=tuple(v.term for v in views),
            state=tuple(ROLES[v.role] if v.alive else FOLLOWER for v in views),
            votedFor=tuple(v.vote - 1 if v.vote else NIL for v in views),
            log=logs,
            commitIndex=tuple(v.commit if v.alive else 0 for v in views),
            votesResponded=tuple(frozenset(j - 1 for j in v.votes_responded) for v in views),
            votesGranted=tuple(frozenset(j - 1 for j in v.votes_granted) for v in views),
            voterLog=(EMPTY,) * n,
            nextIndex=tuple(row(v.next_index, ones) for v in views),
            matchIndex=tuple(row(v.match_index, zeros) for v in views),
        )

    def _leader_complete(self, v: NodeView) -> None:
        last = v.offset + len(v.entries)
        for k, (entry, ct) in enumerate(zip(self.committed, self.commit_term)):
            idx = k + 1
            if ct >= v.term or idx <= v.offset:
                continue
            if idx > last or v.entries[idx - v.offset - 1] != entry:
                raise InvariantViolation("LeaderCompleteness[history]", f"leader {v.id} of term {v.term} lacks "
                                         f"committed entry {idx} {entry} (committed by term {ct})")
