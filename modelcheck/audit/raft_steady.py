"""A Raft trace of a leader's steady state at any log length, for measuring the audit's cost per event.

Three nodes; node 1 wins term 2 with node 2's vote (node 3 stays silent in term 1), appends
``bulk`` values and replicates them to node 2 in one batch, then serves ``writes`` more writes
one at a time, each the five events our store emits for it: ``ClientRequest``, ``AppendEntries``
to node 2, node 2's ``HandleAppendEntriesRequest``, the leader's ``HandleAppendEntriesResponse``
and ``AdvanceCommitIndex``.  Every event is a step raft.tla (with the audit's extensions)
allows, so the audit explains all of them; what a test or benchmark compares is what the
last ``writes`` cost at a short log and at a long one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Record = dict[str, Any]


class SteadyLeader:
    """Builds the trace's event records (the dicts the simulation's ``on_event`` receives) in order."""

    def __init__(self) -> None:
        self.clock = 0
        self.seq = {1: 0, 2: 0, 3: 0}
        self.log: list[list[Any]] = []  # the leader's log ([term, value] entries); node 2 holds a prefix
        self.commit = 0
        self.match2 = 0

    def _event(self, node: int, action: str, state: Record, params: Record | None = None,
               recv: Record | None = None, sent: list[Record] | None = None) -> Record:
        self.clock += 1
        rec = {"node": node, "clock": self.clock, "action": action, "params": params or {}, "sent": sent or [],
               "state": state}
        if recv is not None:
            rec["recv"] = recv
        return rec

    def _msg(self, src: int, dest: int, typ: str, **fields: Any) -> Record:
        self.seq[src] += 1
        return {"id": [src, 0, self.seq[src]], "clock": self.clock + 1, "type": typ, "msource": src, "mdest": dest,
                "mterm": 2, **fields}

    @staticmethod
    def _state(term: int, role: str, vote: int | None, frm: int, entries: list[list[Any]], commit: int,
               **extra: Any) -> Record:
        return {"currentTerm": term, "state": role, "votedFor": vote, "log": {"from": frm, "entries": entries},
                "commitIndex": commit, **extra}

    def _leader(self, frm: int | None = None, entries: list[list[Any]] | None = None) -> Record:
        return self._state(2, "Leader", 1, len(self.log) + 1 if frm is None else frm, entries or [], self.commit,
                           matchIndex={"2": self.match2, "3": 0}, nextIndex={"2": self.match2 + 1, "3": 1})

    def election(self) -> Iterator[Record]:
        """Boot, and node 1 elected in term 2 by itself and node 2."""
        for n in (1, 2, 3):
            yield self._event(n, "Init", self._state(1, "Follower", None, 1, [], 0))
        cand: dict[str, list[int]] = {"votesResponded": [], "votesGranted": []}
        yield self._event(1, "Timeout", self._state(2, "Candidate", None, 1, [], 0, **cand))
        for j in (1, 2):
            req = self._msg(1, j, "RequestVoteRequest", mlastLogTerm=0, mlastLogIndex=0)
            yield self._event(1, "RequestVote", self._state(2, "Candidate", 1 if j == 2 else None, 1, [], 0, **cand),
                              {"j": j}, sent=[req])
            if j == 2:
                yield self._event(2, "UpdateTerm", self._state(2, "Follower", None, 1, [], 0), {"j": 1}, recv=req)
            resp = self._msg(j, 1, "RequestVoteResponse", mvoteGranted=True)
            yield self._event(j, "HandleRequestVoteRequest",
                              self._state(2, "Candidate" if j == 1 else "Follower", 1, 1, [], 0,
                                          **(cand if j == 1 else {})), {"j": 1}, recv=req, sent=[resp])
            cand = {"votesResponded": [1, j][: j], "votesGranted": [1, j][: j]}
            yield self._event(1, "HandleRequestVoteResponse", self._state(2, "Candidate", 1, 1, [], 0, **cand),
                              {"j": j}, recv=resp)
        yield self._event(1, "BecomeLeader", self._leader())

    def append(self, count: int) -> Iterator[Record]:
        """The leader appends ``count`` client values."""
        for _ in range(count):
            entry = [2, f"v{len(self.log) + 1}"]
            self.log.append(entry)
            yield self._event(1, "ClientRequest", self._leader(len(self.log), [entry]), {"v": entry[1]})

    def replicate(self) -> Iterator[Record]:
        """The leader sends node 2 every entry it lacks; node 2 stores them; the leader commits them."""
        prev, entries = self.match2, self.log[self.match2:]
        req = self._msg(1, 2, "AppendEntriesRequest", mprevLogIndex=prev, mprevLogTerm=2 if prev else 0,
                        mentries=entries, mcommitIndex=self.commit)
        yield self._event(1, "AppendEntries", self._leader(), {"j": 2}, sent=[req])
        resp = self._msg(2, 1, "AppendEntriesResponse", msuccess=True, mmatchIndex=len(self.log))
        yield self._event(2, "HandleAppendEntriesRequest", self._state(2, "Follower", 1, prev + 1, list(entries),
                                                                       self.commit), {"j": 1, "case": "accept"},
                          recv=req, sent=[resp])
        self.match2 = len(self.log)
        yield self._event(1, "HandleAppendEntriesResponse", self._leader(), {"j": 2}, recv=resp)
        self.commit = len(self.log)
        yield self._event(1, "AdvanceCommitIndex", self._leader())


def steady_trace(bulk: int, writes: int) -> tuple[list[Record], list[Record]]:
    """(the events that build a log of ``bulk`` entries, the events of ``writes`` single writes after it)."""
    lead = SteadyLeader()
    head = [*lead.election(), *lead.append(bulk), *lead.replicate()]
    tail: list[Record] = []
    for _ in range(writes):
        tail += [*lead.append(1), *lead.replicate()]
    return head, tail
