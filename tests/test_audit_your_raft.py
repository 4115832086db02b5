"""What auditing a Raft paxraft had never seen found (an asyncio Raft written outside the repository, traced as
docs/auditing-your-raft.md says; notes: newaudit23). Each finding is reproduced by a trace of a few dozen events
written here by hand with the guide's ``impl.trace.Recorder``, terms numbered from 0 (``term_offset=1``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from impl.trace import Recorder
from modelcheck.audit import audit_events, mapping_for, read_traces
from modelcheck.audit.report import text_report

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


def failure_report(tmp: Path) -> tuple[Any, str]:
    mapping, res = audit(tmp)
    assert res.failure is not None
    return res.failure, text_report(mapping, res, 3)


def test_a_commit_of_an_older_term_s_entry_names_the_rule_it_broke(tmp_path):
    """The planted `commit-any-term` bug (a leader counting replicas of an entry of an older term): the audit said
    `AdvanceCommitIndexTo(i=node 1, n=1) is not enabled`, not why; it now names the entry's term and the leader's."""
    n1, n2, _ = (Node(tmp_path, n) for n in NODES)
    n1.elect(n2)
    n1.ev("ClientRequest", {"v": "a"}, log=[[1, "a"]])
    n1.append(2, 0, 1)  # lost
    n1.ev("CheckQuorum", state="Follower", nextIndex=None, matchIndex=None)
    del n1.s["nextIndex"], n1.s["matchIndex"]
    n1.elect(n2)  # term 2, its log still [a] of term 1
    n1.handle_response(n2.handle_append(n1.append(2, 1, 0)))  # rejected: node 2 has no entry 1
    n1.handle_response(n2.handle_append(n1.append(2, 0, 1)))
    n1.ev("AdvanceCommitIndex", commitIndex=1)  # the bug: entry 1 is of term 1
    f, text = failure_report(tmp_path)
    assert (f.index, f.event.action, f.event.line) == (30, "AdvanceCommitIndex", 24)
    assert f.reason == (
        "AdvanceCommitIndexTo(i=node 1, n=1) is not enabled: entry 1 is of term 2, not the leader's currentTerm 3: "
        "a leader counts replicas only of its own term's entries (an older one is committed with them: the Raft "
        "paper's Figure 8)")
    assert f.diff == [("commitIndex", 1, 0)]


def test_a_handler_that_takes_a_higher_term_itself_is_told_to_write_update_term(tmp_path):
    """Figure 2's "if RPC request or response contains term T > currentTerm: set currentTerm = T" done inside the
    handler, traced as one event: raft.tla's UpdateTerm is a step of its own, and the guide did not say so. The
    failure listed UpdateTerm among the steps allowed; it now says what to write."""
    n1, n2, _ = (Node(tmp_path, n) for n in NODES)
    n1.ev("Timeout", currentTerm=1, state="Candidate", votedFor=None, votesGranted=[])
    req = n1.ev("RequestVote", {"j": 2}, sent=(n1.vote_request(2),))
    n2.ev("HandleRequestVoteRequest", {"j": 1}, recv=req, currentTerm=1, votedFor=1,
          sent=({"type": "RequestVoteResponse", "mdest": 1, "mvoteGranted": True},))
    f, text = failure_report(tmp_path)
    assert (f.event.action, f.event.node) == ("HandleRequestVoteRequest", 2)
    assert f.reason.endswith(
        "is not enabled: the message's term 2 is above node 2's currentTerm 1; raft.tla takes the higher term in an "
        "UpdateTerm step first: write an UpdateTerm event with this recv before this one "
        "(docs/auditing-your-raft.md)")
    # the report shows the event's terms as raft.tla numbers them, which is not what the file says (1 there)
    assert ("  the implementation (terms + 1, raft.tla's numbering: the header's term_offset; the file has them 1 "
            "lower):\n    received RequestVoteRequest 1->2 (mlastLogIndex=0, mlastLogTerm=0, mterm=2)") in text


def test_a_receipt_that_leaves_out_a_field_says_absent_not_null(tmp_path):
    """A tracer that rebuilds the received message from its own wire format and forgets the sender's clock: the
    failure said `clock null here, 3 sent`, as if the field were written as null."""
    n1, n2, _ = (Node(tmp_path, n) for n in NODES)
    n1.ev("Timeout", currentTerm=1, state="Candidate", votedFor=None, votesGranted=[])
    req = n1.ev("RequestVote", {"j": 2}, sent=(n1.vote_request(2),))
    n2.ev("UpdateTerm", {"j": 1}, recv=req, currentTerm=1)
    path = tmp_path / "node-2.jsonl"
    *head, last = path.read_text().splitlines()
    ev = json.loads(last)
    del ev["recv"]["clock"]
    path.write_text("\n".join([*head, json.dumps(ev)]) + "\n")
    f, _ = failure_report(tmp_path)
    assert f.reason == (f"receives message [1, 0, 1] other than it was sent ({tmp_path / 'node-1.jsonl'}:4: clock "
                        "absent here, 3 sent)")
