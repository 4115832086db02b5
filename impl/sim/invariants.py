"""Raft's safety properties, checked on the abstract state of a whole simulated cluster.

Names are those of the Raft paper's Figure 3 / raft.tla's proof: ElectionSafety,
LogMatching, LeaderCompleteness, StateMachineSafety; AckedWritesDurable is the
client-visible one (an acknowledged write is committed and never lost).
"""

from __future__ import annotations

from dataclasses import dataclass

from impl.raft.log import Entry


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
    role: str
    offset: int  # entries 1..offset are in a snapshot
    entries: list[Entry]
    commit: int


class History:
    """What has been observed so far: each term's leader and the committed log."""

    def __init__(self) -> None:
        self.leaders: dict[int, int] = {}
        self.committed: list[Entry] = []  # committed[k] is the entry at index k+1
        self.commit_term: list[int] = []  # the term in which a node first applied it (>= when it was committed)

    def record_apply(self, node: int, term: int, index: int, entry: Entry) -> None:
        """A node applied ``entry`` at ``index``: StateMachineSafety says every node applies the same."""
        n = len(self.committed)
        if index <= n:
            if self.committed[index - 1] != entry:
                raise InvariantViolation("StateMachineSafety", f"node {node} applied {entry} at index {index}, "
                                         f"but {self.committed[index - 1]} was applied there before")
        elif index == n + 1:
            self.committed.append(entry)
            self.commit_term.append(term)
        else:
            raise InvariantViolation("StateMachineSafety", f"node {node} applied index {index} before {n + 1}")

    def check(self, views: list[NodeView]) -> None:
        """Check every property on the current cluster state."""
        for v in views:
            if v.alive and v.role == "Leader":
                first = self.leaders.setdefault(v.term, v.id)
                if first != v.id:
                    raise InvariantViolation("ElectionSafety", f"nodes {first} and {v.id} both leader in term {v.term}")
                self._leader_complete(v)
        for a in range(len(views)):
            for b in range(a + 1, len(views)):
                _log_matching(views[a], views[b])

    def _leader_complete(self, v: NodeView) -> None:
        last = v.offset + len(v.entries)
        for k, (entry, ct) in enumerate(zip(self.committed, self.commit_term)):
            idx = k + 1
            if ct >= v.term or idx <= v.offset:
                continue
            if idx > last or v.entries[idx - v.offset - 1] != entry:
                raise InvariantViolation("LeaderCompleteness", f"leader {v.id} of term {v.term} lacks committed "
                                         f"entry {idx} {entry} (committed by term {ct})")


def _log_matching(a: NodeView, b: NodeView) -> None:
    """If two logs have an entry with the same index and term, they are identical up to it."""
    lo = max(a.offset, b.offset) + 1
    hi = min(a.offset + len(a.entries), b.offset + len(b.entries))
    ea, eb = a.entries, b.entries
    for idx in range(hi, lo - 1, -1):
        x, y = ea[idx - a.offset - 1], eb[idx - b.offset - 1]
        if x.term == y.term:
            for k in range(idx, lo - 1, -1):
                x, y = ea[k - a.offset - 1], eb[k - b.offset - 1]
                if x != y:
                    raise InvariantViolation("LogMatching", f"nodes {a.id} and {b.id} agree on the term at index "
                                             f"{idx} but differ at index {k}: {x} vs {y}")
            return
