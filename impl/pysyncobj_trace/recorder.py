"""PySyncObj 0.3.17 writing paxraft traces (docs/trace-format.md), from outside its source.

:class:`TracedSyncObj` subclasses ``pysyncobj.SyncObj`` and overrides its name-mangled internals
(``_SyncObj__onMessageReceived``, ``_SyncObj__setCurrentTerm``, ``_SyncObj__setState``,
``_SyncObj__onBecomeLeader``), wraps its journal's ``add``/``setRaftCommitIndex`` and its
transport's ``send``, and turns every Raft step into an event with the node's abstract state
read off the object after the step. Nothing in PySyncObj is edited.

The abstraction function (PySyncObj -> raft.tla):

- PySyncObj's log starts with a fixed no-op of term 0 at index 1 on every node (never removed
  while log compaction is off); raft.tla's log starts empty. Spec index = PySyncObj index - 1,
  so ``commitIndex``, ``matchIndex``, ``prevLogIdx``, ``last_log_index`` and
  ``commit_index`` are shifted by one, and the term-0 entry is raft.tla's "index 0, term 0".
- PySyncObj's terms start at 0, raft.tla's at 1: the header declares ``term_offset: 1`` and
  the terms are written as PySyncObj has them (the audit adds 1 to every term).
- Values: the no-op is ``"noop"``; a command is ``"x<crc32 hex>"`` of its bytes.
- ``votesGranted`` is a count (PySyncObj keeps only ``__votesCount``): the senders of the
  ``response_vote`` messages it counted, plus itself. ``votesResponded`` is not reported (PySyncObj
  sends no denials); the audit accepts any value the spec allows for it.

Each PySyncObj step becomes the raft.tla steps it performs, in order (none is left out):

- election (``_onTick``: ``__setState(CANDIDATE)``, ``__setCurrentTerm(term + 1, self)``):
  ``Timeout``, then its own vote as raft.tla casts it (``RequestVote(j=i)``,
  ``HandleRequestVoteRequest(j=i)``, ``HandleRequestVoteResponse(j=i)``), then one
  ``RequestVote(j)`` per ``request_vote`` sent;
- a received message of a higher term: ``UpdateTerm`` first (the message is not consumed);
  an ``append_entries`` of its own term reaching a candidate: ``return-to-follower`` first;
- ``request_vote``: ``HandleRequestVoteRequest`` when it grants (sends ``response_vote``),
  else ``DropMessage`` (PySyncObj answers no denial: ignoring a request is the network losing it);
- ``append_entries``: ``HandleAppendEntriesRequest`` with ``case`` ``accept``/``reject`` from
  the ``next_node_idx`` reply's ``success``; one of an older term is ignored (``DropMessage``);
- ``response_vote``: ``HandleRequestVoteResponse`` on a candidate of that term; if it wins,
  ``BecomeLeader``, ``ClientRequest(v=noop)`` and its ``AppendEntries(j)`` follow;
- ``next_node_idx`` (PySyncObj's AppendEntries response; it carries no term, so the trace
  gives it the sender's term when sent): ``HandleAppendEntriesResponse`` on a leader; one of
  an older term that changes no ``matchIndex`` is ``DropStaleResponse``; one that does is
  reported as ``HandleAppendEntriesResponse`` (raft.tla does not allow it);
- leader in ``_onTick``: a commit index that grew is ``AdvanceCommitIndex``; stepping down
  after ``leaderFallbackTimeout`` is ``CheckQuorum``; each command appended is
  ``ClientRequest(v)``; each ``append_entries`` sent is ``AppendEntries(j)``.

A reply is held back until the event that sends it is on disk (flushed), so a node killed
mid-step never has a message on the wire that its trace does not send. Large-entry chunks
(``transmission``) and snapshots (``serialized``) are written under names the Raft audit
refuses (``AppendEntriesChunk``, ``InstallSnapshot``), not hidden; the runner keeps both off.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pysyncobj import SyncObj
from pysyncobj.syncobj import _COMMAND_TYPE, _RAFT_STATE

from impl import trace

ROLE = {_RAFT_STATE.FOLLOWER: "Follower", _RAFT_STATE.CANDIDATE: "Candidate", _RAFT_STATE.LEADER: "Leader"}
RAFT_TYPES = frozenset({"request_vote", "response_vote", "append_entries", "next_node_idx"})
META = "_px"  # the field added to each Raft message: [source, boot, seq, clock, sender's term]
NOOP = bytes([_COMMAND_TYPE.NO_OP])


def value_name(command: bytes) -> str:
    """A log entry's value as the trace names it: ``noop`` or ``x<crc32 hex>`` of the command bytes."""
    return "noop" if command == NOOP else f"x{zlib.crc32(command):08x}"


class Recorder:
    """Maps one PySyncObj node's steps to events (written by the kit's recorder); holds back its replies."""

    def __init__(self, path: str | Path, me: int, nodes: list[int], ids: dict[str, int]) -> None:
        self.me, self.ids = me, ids
        # PySyncObj's terms start at 0: declared once in the header, the audit adds 1 to every term
        self.out = trace.Recorder(path, me, nodes, spec="raft", implementation="pysyncobj 0.3.17", term_offset=1)
        self.obj: TracedSyncObj | None = None
        self.ctx: str | None = None  # "tick" while _onTick runs its own steps, "recv" while a message is handled
        self.recv: tuple[int, dict[str, Any]] | None = None  # (sender id, message) being handled
        self.recv_done = False  # the handled message's events were written already (it made the node leader)
        self.becoming = False  # inside __onBecomeLeader
        self.before: dict[str, Any] = {}
        self.outbox: list[tuple[Any, dict[str, Any]]] = []  # replies held back until their event is written
        self.granted: set[int] = set()
        self.last_commit = 0
        self.send: Callable[[Any, dict[str, Any]], Any] = lambda node, m: None

    # -- the abstraction function ----------------------------------------------------------
    def raw(self, name: str) -> Any:
        """A private attribute of SyncObj (``__x`` is stored as ``_SyncObj__x``)."""
        return getattr(self.obj, "_SyncObj__" + name)

    def log(self) -> list[list[Any]]:
        """The log in spec form: without the index-1 term-0 no-op (terms as PySyncObj numbers them)."""
        journal = self.raw("raftLog")
        if journal[0][1] != 1 or journal[0][2] != 0:
            raise RuntimeError("PySyncObj compacted its log; the trace maps only uncompacted logs")
        return [[t, value_name(c)] for c, _, t in journal[1:]]

    def state(self) -> dict[str, Any]:
        """The node's raft.tla variables now (spec indexes, PySyncObj terms)."""
        role = self.raw("raftState")
        voted = self.raw("votedForNodeId")
        st: dict[str, Any] = {"currentTerm": self.raw("raftCurrentTerm"), "state": ROLE[role],
                              "votedFor": None if voted is None else self.ids[voted], "log": self.log(),
                              "commitIndex": self.raw("raftCommitIndex") - 1}
        if role == _RAFT_STATE.LEADER:
            match, nxt = self.raw("raftMatchIndex"), self.raw("raftNextIndex")
            st["matchIndex"] = {str(self.ids[n.id]): max(0, m - 1) for n, m in match.items()}
            st["nextIndex"] = {str(self.ids[n.id]): max(1, x - 1) for n, x in nxt.items()}
        elif role == _RAFT_STATE.CANDIDATE:
            st["votesGranted"] = len(self.granted)  # PySyncObj keeps a count (it sends no denials)
        return st

    def message(self, m: dict[str, Any], dst: int) -> dict[str, Any]:
        """A PySyncObj message in the trace's raft.tla vocabulary (the recorder adds id, clock, source, term)."""
        out: dict[str, Any] = {"mdest": dst}
        t = m["type"]
        if t == "request_vote":
            idx = m["last_log_index"]
            out.update(type="RequestVoteRequest", mlastLogIndex=idx - 1, mlastLogTerm=m["last_log_term"])
        elif t == "response_vote":
            out.update(type="RequestVoteResponse", mvoteGranted=True)
        elif t == "append_entries":
            prev = m.get("prevLogIdx")
            out.update(type="AppendEntriesRequest", mprevLogIndex=None if prev is None else prev - 1,
                       mprevLogTerm=m.get("prevLogTerm") or 0,
                       mentries=[[e[2], value_name(e[0])] for e in m.get("entries", [])],
                       mcommitIndex=m["commit_index"] - 1)
        else:  # next_node_idx: PySyncObj's AppendEntries response
            ok = bool(m["success"])
            out.update(type="AppendEntriesResponse", msuccess=ok, mmatchIndex=m["next_node_idx"] - 2 if ok else 0,
                       mhintIndex=m["next_node_idx"] - 2)
        return out

    # -- writing events --------------------------------------------------------------------
    def emit(self, action: str, params: dict[str, Any] | None = None, recv: tuple[int, dict[str, Any]] | None = None,
             sent: list[tuple[Any, dict[str, Any]]] = (), state: dict[str, Any] | None = None) -> None:  # type: ignore[assignment]
        """Write one event (state: now, unless given) and then put its messages on the wire."""
        st = state if state is not None else self.state()
        self.last_commit = st["commitIndex"]
        got = None
        if recv is not None:
            src, m = recv
            _, boot, seq, clock, term = m[META]
            got = {"id": [src, boot, seq], "clock": clock, "msource": src, "mterm": term, **self.message(m, self.me)}
        out = [self.message(m, self.me if node is None else self.ids[node.id]) for node, m in sent]
        self.out.event(action, params, state=st, recv=got, sent=out)
        for (node, m), o in zip(sent, out):
            m[META] = [*o["id"], o["clock"], o["mterm"]]
            if node is not None:  # None: a message to itself (its own vote), never on the wire
                self.send(node, m)

    def begin_receive(self, sender: int, m: dict[str, Any]) -> None:
        """A Raft message arrives: remember the state before it."""
        self.ctx, self.recv, self.recv_done = "recv", (sender, m), False
        self.before = self.state()

    def end_receive(self) -> None:
        """The message was handled: write the raft.tla steps it took (see the module's list)."""
        assert self.recv is not None
        sender, m = self.recv
        r = self.recv
        a0, replies = self.before, self.outbox
        self.ctx, self.recv, self.outbox = None, None, []
        if self.recv_done:
            return
        t, j = m["type"], {"j": sender}
        if t in ("request_vote", "append_entries"):
            term = m["term"]
            if term < a0["currentTerm"]:
                self.emit("DropMessage", j, r, replies)
                return
            if term > a0["currentTerm"]:  # raft.tla's UpdateTerm, the message stays to be handled
                self.emit("UpdateTerm", j, r, state=dict(self._bare(a0), currentTerm=term, state="Follower",
                                                         votedFor=None))
            elif t == "append_entries" and a0["state"] == "Candidate":
                self.emit("HandleAppendEntriesRequest", {"j": sender, "case": "return-to-follower"}, r,
                          state=dict(self._bare(a0), state="Follower"))
            if t == "request_vote":
                self.emit("HandleRequestVoteRequest" if replies else "DropMessage", j, r, replies)
                return
            if "transmission" in m or "serialized" in m:
                self.emit("AppendEntriesChunk" if "transmission" in m else "HandleInstallSnapshotRequest", j, r,
                          replies)
                return
            ok = bool(replies) and replies[-1][1].get("success")
            self.emit("HandleAppendEntriesRequest", {"j": sender, "case": "accept" if ok else "reject"}, r, replies)
            return
        mterm = m[META][4]
        if t == "response_vote":
            if a0["state"] == "Candidate" and mterm == a0["currentTerm"]:
                self.granted.add(sender)
                self.emit("HandleRequestVoteResponse", j, r, replies)
            else:
                self.emit("DropStaleResponse" if mterm < a0["currentTerm"] else "DropMessage", j, r, replies)
            return
        # next_node_idx
        if a0["state"] == "Leader" and (mterm == a0["currentTerm"] or self.state()["matchIndex"] != a0["matchIndex"]):
            self.emit("HandleAppendEntriesResponse", j, r, replies)
        else:
            self.emit("DropStaleResponse" if mterm < a0["currentTerm"] else "DropMessage", j, r, replies)

    @staticmethod
    def _bare(st: dict[str, Any]) -> dict[str, Any]:
        """The five variables every role reports (the role-specific ones dropped)."""
        return {k: st[k] for k in ("currentTerm", "state", "votedFor", "log", "commitIndex")}

    def election(self) -> None:
        """``__setCurrentTerm(term + 1, self)`` in ``_onTick``: Timeout and the own vote, as raft.tla has them."""
        obj = self.obj
        assert obj is not None
        st = self.state()
        self.granted = set()
        bare = dict(self._bare(st), votedFor=None, votesGranted=0)
        self.emit("Timeout", state=bare)
        rv = {"type": "request_vote", "term": self.raw("raftCurrentTerm"),
              "last_log_index": self.raw("raftLog")[-1][1], "last_log_term": self.raw("raftLog")[-1][2]}
        self.emit("RequestVote", {"j": self.me}, sent=[(None, rv)], state=bare)
        resp = {"type": "response_vote", "term": self.raw("raftCurrentTerm")}
        self.emit("HandleRequestVoteRequest", {"j": self.me}, (self.me, rv), [(None, resp)],
                  state=dict(bare, votedFor=self.me))
        self.granted.add(self.me)
        self.emit("HandleRequestVoteResponse", {"j": self.me}, (self.me, resp))

    def on_send(self, node: Any, m: Any) -> Any:
        """The transport's ``send``: Raft messages become events (or wait for theirs); others pass."""
        if not isinstance(m, dict) or m.get("type") not in RAFT_TYPES or self.obj is None:
            return self.send(node, m)
        t = m["type"]
        if t == "request_vote":
            self.emit("RequestVote", {"j": self.ids[node.id]}, sent=[(node, m)])
        elif t == "append_entries":
            name = "AppendEntries"
            if "transmission" in m:
                name = "AppendEntriesChunk"
            elif "serialized" in m:
                name = "InstallSnapshot"
            self.emit(name, {"j": self.ids[node.id]}, sent=[(node, m)])
        elif self.ctx == "recv":
            self.outbox.append((node, m))
        else:
            raise RuntimeError(f"PySyncObj sent a {t} outside a message handler")
        return True


class TracedSyncObj(SyncObj):
    """A ``SyncObj`` whose Raft steps are written to a paxraft trace file (see the module docstring)."""

    def __init__(self, self_addr: str, partners: list[str], ids: dict[str, int], trace: str | Path,
                 conf: Any, consumers: list[Any]) -> None:
        self._px = Recorder(trace, ids[self_addr], sorted(ids.values()), ids)
        super().__init__(self_addr, partners, conf=conf, consumers=consumers)
        rec = self._px
        rec.obj = self
        transport = self._SyncObj__transport
        rec.send = transport.send
        transport.send = rec.on_send
        journal = self._SyncObj__raftLog
        add, set_commit = journal.add, journal.setRaftCommitIndex

        def traced_add(command: bytes, idx: int, term: int) -> None:
            if rec.becoming:  # __onBecomeLeader appends its no-op after becoming leader
                rec.emit("BecomeLeader")
            add(command, idx, term)
            if rec.ctx == "tick" or rec.becoming:  # a leader's append (a follower's is part of its handler)
                rec.emit("ClientRequest", {"v": value_name(command)})

        def traced_set_commit(index: int) -> None:
            set_commit(index)
            if rec.ctx == "tick" and rec.raw("raftState") == _RAFT_STATE.LEADER and index - 1 != rec.last_commit:
                rec.emit("AdvanceCommitIndex")

        journal.add, journal.setRaftCommitIndex = traced_add, traced_set_commit
        poll = self._poller.poll

        def traced_poll(timeout: float) -> None:
            rec.ctx = None  # what poll dispatches are received messages, each with its own context
            poll(timeout)

        self._poller.poll = traced_poll
        rec.emit("Init")

    def _onTick(self, timeToWait: float = 0.0) -> None:  # noqa: N802, N803 (PySyncObj's names)
        self._px.ctx = "tick"
        try:
            super()._onTick(timeToWait)
        finally:
            self._px.ctx = None

    def _SyncObj__onMessageReceived(self, node: Any, message: Any) -> None:  # noqa: N802
        rec = self._px
        if rec.obj is None or not isinstance(message, dict) or message.get("type") not in RAFT_TYPES:
            return SyncObj._SyncObj__onMessageReceived(self, node, message)
        rec.begin_receive(rec.ids[node.id], message)
        SyncObj._SyncObj__onMessageReceived(self, node, message)
        rec.end_receive()
        return None

    def _SyncObj__setCurrentTerm(self, term: int, votedForNodeId: Any) -> None:  # noqa: N802, N803
        SyncObj._SyncObj__setCurrentTerm(self, term, votedForNodeId)
        rec = self._px
        if rec.obj is not None and rec.ctx == "tick" and votedForNodeId == self.selfNode.id:
            rec.election()

    def _SyncObj__setState(self, newState: int) -> None:  # noqa: N802, N803
        rec = self._px
        old = self._SyncObj__raftState
        SyncObj._SyncObj__setState(self, newState)
        if rec.obj is not None and rec.ctx == "tick" and old == _RAFT_STATE.LEADER and newState != old:
            rec.emit("CheckQuorum")  # leaderFallbackTimeout: no quorum heard from, same term

    def _SyncObj__onBecomeLeader(self) -> None:  # noqa: N802
        rec = self._px
        if rec.recv is not None and rec.recv[1].get("type") == "response_vote":
            sender, _ = rec.recv
            rec.granted.add(sender)
            rec.emit("HandleRequestVoteResponse", {"j": sender}, rec.recv, rec.outbox)
            rec.outbox = []
            rec.recv_done = True
        rec.becoming = True
        try:
            SyncObj._SyncObj__onBecomeLeader(self)
        finally:
            rec.becoming = False
