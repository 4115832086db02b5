"""What auditing a Raft paxraft had never seen found (an asyncio Raft written outside the repository, traced as
docs/auditing-your-raft.md says; notes: newaudit23). Each finding is reproduced by a trace of a few dozen events
written here by hand with the guide's ``impl.trace.Recorder``, terms numbered from 0 (``term_offset=1``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from impl.trace import Recorder
from modelcheck.audit import audit_events, mapping_for, read_traces

NODES = [1, 2, 3]


class Node:
    """One node's trace: its raft.tla variables kept here, an event written per step."""

    def __init__(self, tmp: Path, nid: int) -> None:
        self.id = nid
        self.rec = Recorder(tmp / f"node-{nid}.jsonl", nid, NODES, spec="raft", term_offset=1)
        self.s: dict[str, Any] = {"currentTerm": 0, "state": "Follower", "votedFor": None, "log": [],
                                  "commitIndex": 0}
        self.ev("Init")

    def ev(self, action: str, params: dict[str, Any] | None = None, recv: dict[str, Any] | None = None,
           sent: tuple[dict[str, Any], ...] = (), **changes: Any) -> dict[str, Any] | None:
        """A step: the variables it changes, the message it received and those it sent (the first returned)."""
        self.s.update(changes)
        self.rec.event(action, params, state=dict(self.s), recv=recv, sent=list(sent))
        return sent[0] if sent else None

    def vote_request(self, j: int) -> dict[str, Any]:
        log = self.s["log"]
        return {"type": "RequestVoteRequest", "mdest": j, "mlastLogIndex": len(log),
                "mlastLogTerm": log[-1][0] if log else 0}

    def elect(self, voter: Node, granted: bool = True) -> None:
        """Time out, vote for itself, win ``voter``'s vote (the voter takes the new term first) and lead."""
        term = self.s["currentTerm"] + 1
        self.ev("Timeout", currentTerm=term, state="Candidate", votedFor=None, votesGranted=[])
        own = self.ev("RequestVote", {"j": self.id}, sent=(self.vote_request(self.id),))
        yes = self.ev("HandleRequestVoteRequest", {"j": self.id}, recv=own, votedFor=self.id,
                      sent=({"type": "RequestVoteResponse", "mdest": self.id, "mvoteGranted": True},))
        self.ev("HandleRequestVoteResponse", {"j": self.id}, recv=yes, votesGranted=[self.id])
        req = self.ev("RequestVote", {"j": voter.id}, sent=(self.vote_request(voter.id),))
        voter.ev("UpdateTerm", {"j": self.id}, recv=req, currentTerm=term, state="Follower", votedFor=None)
        yes = voter.ev("HandleRequestVoteRequest", {"j": self.id}, recv=req, votedFor=self.id,
                       sent=({"type": "RequestVoteResponse", "mdest": self.id, "mvoteGranted": True},))
        self.ev("HandleRequestVoteResponse", {"j": voter.id}, recv=yes, votesGranted=sorted([self.id, voter.id]))
        peers = [p for p in NODES if p != self.id]
        self.s.pop("votesGranted")
        self.ev("BecomeLeader", state="Leader", nextIndex={str(p): len(self.s["log"]) + 1 for p in peers},
                matchIndex={str(p): 0 for p in peers})

    def append(self, j: int, prev: int, n: int) -> dict[str, Any]:
        """An AppendEntries to ``j``: ``n`` entries after ``prev``, the leader's whole commit index."""
        log = self.s["log"]
        return self.ev("AppendEntries", {"j": j}, sent=({
            "type": "AppendEntriesRequest", "mdest": j, "mprevLogIndex": prev,
            "mprevLogTerm": log[prev - 1][0] if prev else 0, "mentries": log[prev:prev + n],
            "mcommitIndex": self.s["commitIndex"]},))

    def handle_append(self, m: dict[str, Any]) -> dict[str, Any]:
        """Figure 2's receiver (the term already current): reject, or take the entries and reply."""
        log, prev = list(self.s["log"]), m["mprevLogIndex"]
        reply = {"type": "AppendEntriesResponse", "mdest": m["msource"], "msuccess": False, "mmatchIndex": 0}
        if prev > len(log) or (prev and log[prev - 1][0] != m["mprevLogTerm"]):
            return self.ev("HandleAppendEntriesRequest", {"j": m["msource"], "case": "reject"}, recv=m,
                           sent=(reply,))
        for k, e in enumerate(m["mentries"], prev + 1):
            if k <= len(log) and log[k - 1][0] != e[0]:
                del log[k - 1:]
            if k > len(log):
                log.append(e)
        end = prev + len(m["mentries"])
        return self.ev("HandleAppendEntriesRequest", {"j": m["msource"], "case": "accept"}, recv=m,
                       log=log, commitIndex=max(self.s["commitIndex"], min(m["mcommitIndex"], end)),
                       sent=(dict(reply, msuccess=True, mmatchIndex=end),))

    def handle_response(self, m: dict[str, Any], *, pipelined: bool = False) -> None:
        """raft.tla's leader: a success sets matchIndex and nextIndex, a rejection lowers nextIndex by one."""
        j = str(m["msource"])
        nxt, match = dict(self.s["nextIndex"]), dict(self.s["matchIndex"])
        if m["msuccess"]:
            match[j] = max(match[j], m["mmatchIndex"])
            nxt[j] = max(nxt[j], match[j] + 1) if pipelined else match[j] + 1
        else:
            nxt[j] = max(nxt[j] - 1, 1)
        self.ev("HandleAppendEntriesResponse", {"j": m["msource"]}, recv=m, nextIndex=nxt, matchIndex=match)


def audit(tmp: Path) -> tuple[Any, Any]:
    events, _ = read_traces(sorted(str(p) for p in tmp.glob("node-*.jsonl")))
    mapping = mapping_for("raft", events)
    return mapping, audit_events(mapping, events)


def test_a_rejection_reordered_after_a_success_is_raft_tla_and_explained(tmp_path):
    """A pipelining leader's second request overtakes its first: the follower rejects it, accepts the first,
    and the rejection reaches the leader after the success. raft.tla's handler lowers nextIndex by one, to
    matchIndex (or below: one step per stale rejection); the audit refused that as a value no leader can hold
    (`nextIndex[2] = 1 but matchIndex[2] = 1`, exit 2), a false alarm on the myraft runs with delays up to
    120 ms (3 of 12 runs)."""
    n1, n2, _ = (Node(tmp_path, n) for n in NODES)
    n1.elect(n2)
    n1.ev("ClientRequest", {"v": "a"}, log=[[1, "a"]])
    first = n1.append(2, 0, 1)
    n1.s["nextIndex"] = {"2": 2, "3": 1}  # pipelined: the next send follows what is in flight
    n1.ev("ClientRequest", {"v": "b"}, log=[[1, "a"], [1, "b"]])
    second = n1.append(2, 1, 1)
    rejected = n2.handle_append(second)  # overtook the first: entry 1 is not there yet
    accepted = n2.handle_append(first)
    n1.handle_response(accepted, pipelined=True)
    n1.handle_response(rejected)  # late: nextIndex 2 -> 1, matchIndex 1
    assert n1.s["nextIndex"]["2"] == n1.s["matchIndex"]["2"] == 1
    again = n1.append(2, 1, 1)
    n1.handle_response(n2.handle_append(again))
    n1.ev("AdvanceCommitIndex", commitIndex=2)
    mapping, res = audit(tmp_path)
    assert res.failure is None and res.ok and res.audited == res.count == 24
