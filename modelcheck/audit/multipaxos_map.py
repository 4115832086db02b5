"""Auditing Multi-Paxos traces (impl/multipaxos/tracing.py) against MultiPaxos.tla with the extensions of
``multipaxos_spec``.

Nodes 1..n are the spec's replicas 0..n-1; a value in slot s is the command ``value@s``. Every
event maps to concrete spec steps (no search):

| event | spec steps |
|---|---|
| ``Init`` | none: the node's fields equal the spec's Init |
| ``Restart`` | ``Restart(r)`` (extension); every vote it reports must be the spec's |
| ``BecomeLeader(b)`` | ``BecomeLeader(r, b)`` |
| ``HandlePrepare(j)`` | ``HandlePrepare(r, Prepare from j)``; a rejection: none |
| ``HandlePrepareReply`` | none (the spec reads replies at HandlePrepareReplies); a rejection: ``RaiseBallot(r, b)`` |
| ``HandlePrepareReplies(b, from)`` | ``HandlePrepareRepliesFrom(r, from)``, ``HandleAccept(r, own Accept)`` per slot |
| ``TakeNewRequest(slot, v)`` | ``TakeNewRequestCmd(r, v@slot)`` |
| ``HandleAccept(j)`` | ``HandleAccept(r, Accept)`` per slot it voted in, ``AckAccept(r, Accept)`` per other |
| | slot its reply covers; no slot: ``Heartbeat(r, j, b)`` |
| ``HandleAcceptReply`` | none; a rejection naming a higher ballot: ``RaiseBallot(r, b)`` |
| ``HandleAcceptReplies(upto)`` | ``HandleAcceptReplies(r)`` per slot committed |
| ``HandleCommitNotice(upto)`` | ``HandleCommitNotice(r)`` per slot committed |
| ``HandleLearn(j)`` | ``LearnChosen(r, slot, v@slot, ballot)`` per slot learned |
| ``StepDown`` | ``StepDown(r)`` |
| ``Rebuild(peers, ballots)`` | ``Rebuild(r, balMaxKnown, the peers' ballots)`` (extension: rejoining from here) |
| ``HandleAccept(j)``, case rejoining | ``RejoinAccept(r)`` |
| ``Resume(b, horizon)`` | ``Resume(r, owner of b, b, horizon)`` |
| ``ConfirmRead(acks)`` | ``ConfirmRead(r, acks)`` |
| ``CompactLog(slot)`` | ``CompactLog(r, slot)`` |
| ``HandleSnapshot(j)`` | ``InstallSnapshot(r, n)``, n the snapshot's last slot |
| ``SendAccept``, ``SendLearn``, ``SendSnapshot``, ``ReadIndex``, ``DropMessage`` | none |

An event's ``j`` is the sender of the message it received (or the destination of what it sent), and
``upto`` its new ``commitUpTo``: an event whose parameter says otherwise is not explained.

Snapshots: a ``Restart`` whose commit point is n > 0 recovered a snapshot through slot n, so
``InstallSnapshot(r, n)`` follows its ``Restart(r)``; a leader's ``HandlePrepareReplies`` that heard a
PrepareReply carrying a snapshot (its ``context``, the last slot) begins with ``InstallSnapshot(r, n)``
for the highest one. InstallSnapshot needs a command chosen in every slot it covers.

After the steps the node's ``balMaxKnown`` and ``commitUpTo`` must equal the spec's, its
``balPrepared`` too while it leads, and each vote the event reports (``[slot, ballot, value]``)
the spec's vote in that slot; every Accept and AcceptReply the event sent must be in the spec's
``msgs``, and a PrepareReply must report the spec's votes from its first slot on. A restart reports
every vote above its snapshot, a snapshot install every vote it keeps above its commit point; both are
compared with all of the spec's there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from modelcheck.audit.mapping import Explanation, Mapping, StepPattern
from modelcheck.audit.multipaxos_spec import MultiPaxosImpl
from modelcheck.audit.tracefile import Event, TraceError
from spec.core import Label
from spec.multipaxos import (
    ACCEPT,
    ACCEPT_REPLY,
    BAL_MAX_KNOWN,
    BAL_PREPARED,
    COMMIT_UP_TO,
    INSTS,
    NIL,
    PREPARE,
    PREPARE_REPLY,
    MultiPaxosState,
)

_STUTTER = frozenset({"Init", "SendAccept", "SendLearn", "SendSnapshot", "ReadIndex", "DropMessage"})
#: each action's parameters (the store's tracer's: impl/multipaxos/core.py); another is refused
_PARAMS = {
    **dict.fromkeys(("Init", "Restart", "StepDown"), ()), **dict.fromkeys(("ReadIndex", "CompactLog"), ("slot",)),
    **dict.fromkeys(("HandleCommitNotice", "HandleAcceptReplies"), ("upto",)),
    **dict.fromkeys(("HandlePrepare", "HandleAccept"), ("j", "case")),
    **dict.fromkeys(("DropMessage", "HandlePrepareReply", "SendAccept", "HandleAcceptReply", "SendSnapshot",
                     "SendLearn", "HandleLearn", "HandleSnapshot"), ("j",)),
    "BecomeLeader": ("b",), "HandlePrepareReplies": ("b", "from"), "TakeNewRequest": ("slot", "v"),
    "ConfirmRead": ("acks",), "Rebuild": ("peers", "ballots"), "Resume": ("b", "horizon"),
}
#: those an event must give: the steps are made of them (a TakeNewRequest without ``v`` proposed a command 'None')
_REQUIRED = {a: _PARAMS[a] for a in ("BecomeLeader", "HandlePrepareReplies", "TakeNewRequest", "CompactLog",
                                     "ConfirmRead", "Rebuild", "Resume")}


class MultiPaxosMapping(Mapping):
    """MultiPaxos.tla's vocabulary for a trace of the Multi-Paxos store."""

    known_actions = frozenset(_PARAMS)
    action_params = {a: frozenset(p) for a, p in _PARAMS.items()}
    required_params = {a: frozenset(p) for a, p in _REQUIRED.items()}
    known_fields = frozenset({"balMaxKnown", "balPrepared", "leader", "commitUpTo", "votes"})
    stutter_actions = _STUTTER

    def __init__(self, nodes: Sequence[int], slots: int) -> None:
        self.nodes = sorted(nodes)
        self.index = {n: k for k, n in enumerate(self.nodes)}
        self.names: list[str] = []
        self.numbers: dict[str, int] = {}
        self.spec = MultiPaxosImpl(len(self.nodes), slots, self.names)
        self.spec.noop = lambda slot: self.cmd("noop", slot)
        self._reply_snapshots: dict[tuple[int, int], int] = {}  # (replica, ballot) -> last slot of a reply's snapshot

    @classmethod
    def from_events(cls, events: Iterable[Event], bounds: dict[str, Any] | None = None) -> MultiPaxosMapping:
        """The mapping for a recorded trace: nodes from the header, the slot bound read off the events (one pass:
        a stream's survey)."""
        first: Event | None = None
        top = 0
        for e in events:
            if first is None:
                first = e
            for n in (e.params.get("slot") if e.action == "CompactLog" else None, e.state.get("commitUpTo")):
                if isinstance(n, int):
                    top = max(top, n)
            for v in e.state.get("votes", []):
                if isinstance(v, list) and v and isinstance(v[0], int):
                    top = max(top, v[0])
        if first is None:
            raise TraceError("the trace has no events")
        nodes = first.header.get("nodes")
        if not isinstance(nodes, list) or not nodes or not all(isinstance(n, int) for n in nodes):
            raise TraceError(f'{first.file}:1: a Multi-Paxos trace header needs "nodes": the node ids')
        mapping = cls(nodes, int((bounds or {}).get("slots", top + 2)))
        return mapping

    # -- vocabulary -------------------------------------------------------------------------------
    def cmd(self, value: Any, slot: int) -> int:
        """The command number of ``value`` proposed in ``slot``."""
        name = f"{value}@{slot}"
        c = self.numbers.get(name)
        if c is None:
            c = self.numbers[name] = len(self.names)
            self.names.append(name)
        return c

    def _r(self, node: Any, where: str) -> int:
        if node not in self.index:
            raise TraceError(f"{where}: node {node!r} is not one of the trace's nodes {self.nodes}")
        return self.index[node]

    def _ballot(self, b: Any, where: str) -> int:
        if not isinstance(b, int) or isinstance(b, bool) or b < 0:
            raise TraceError(f"{where}: ballot {b!r} is not a non-negative integer")
        if b:
            self.spec.known_ballots.add(b)
        return b

    def _votes(self, event: Event) -> list[tuple[int, int, Any]]:
        out = []
        for v in event.state.get("votes", []):
            ok = isinstance(v, list) and len(v) == 3 and isinstance(v[0], int)
            if not (ok and 0 < v[0] <= self.spec.NumCommands):
                raise TraceError(f"{event.where}: a vote must be [slot, ballot, value] with slot 1.."
                                 f"{self.spec.NumCommands}, got {v!r}")
            out.append((v[0], self._ballot(v[1], event.where), v[2]))
        return out

    def _slot(self, n: Any, where: str) -> int:
        if not isinstance(n, int) or isinstance(n, bool) or not 0 < n <= self.spec.NumCommands:
            raise TraceError(f"{where}: slot {n!r} is not one of 1..{self.spec.NumCommands}")
        return n

    def _accepts(self, m: dict[str, Any], where: str) -> list[tuple]:
        """An Accept record as the spec's Accept messages, one per slot."""
        src, bal, first = self._r(m.get("src"), where), self._ballot(m.get("bal"), where), m.get("slot", 0)
        return [(ACCEPT, src, bal, first + k, self.cmd(c[1], first + k)) for k, c in enumerate(m.get("cmds", []))]

    def _accept_replies(self, m: dict[str, Any], where: str) -> list[tuple]:
        if not m.get("ok") or not m.get("slot"):
            return []
        src, bal = self._r(m.get("src"), where), self._ballot(m.get("bal"), where)
        return [(ACCEPT_REPLY, src, bal, s) for s in range(m["slot"], m.get("last", m["slot"]) + 1)]

    # -- the mapping ------------------------------------------------------------------------------
    def explanations(self, event: Event) -> list[Explanation]:
        """The spec steps of one event (alternatives only where a rejection may or may not raise the ballot)."""
        a, p, w = event.action, event.params, event.where
        r = self._r(event.node, w)
        votes = self._votes(event)
        recv = event.recv or {}
        if not self._consistent(event):
            return []  # its parameters contradict its message or its state: no step is the one it names
        if a in _STUTTER:
            return [[]]
        if a == "Restart":
            snap = event.state.get("commitUpTo") or 0  # a restart's commit point is its snapshot's last slot
            return [[StepPattern("Restart", (r,))] + ([StepPattern("InstallSnapshot", (r, snap))] if snap else [])]
        if a == "CompactLog":
            return [[StepPattern("CompactLog", (r, self._slot(p.get("slot"), w)))]]
        if a == "HandleSnapshot":
            return [[StepPattern("InstallSnapshot", (r, self._slot(recv.get("slot"), w)))]]
        if a == "BecomeLeader":
            return [[StepPattern("BecomeLeader", (r, self._ballot(p.get("b"), w)))]]
        if a == "HandlePrepare":
            if p.get("case") == "reject":
                return [[]]
            return [[StepPattern("HandlePrepare", (r, (PREPARE, self._r(recv.get("src"), w),
                                                       self._ballot(recv.get("bal"), w))))]]
        if a in ("HandlePrepareReply", "HandleAcceptReply"):
            if recv.get("ok"):
                if a == "HandlePrepareReply" and recv.get("context"):  # a reply carrying a snapshot
                    key = (r, self._ballot(recv.get("bal"), w))
                    self._reply_snapshots[key] = max(self._reply_snapshots.get(key, 0), self._slot(recv["context"], w))
                return [[]]
            return [[], [StepPattern("RaiseBallot", (r, self._ballot(recv.get("bal"), w)))]]
        if a == "HandlePrepareReplies":
            b = self._ballot(p.get("b"), w)
            q = frozenset(self._r(x, w) for x in p.get("from", []))
            own = [StepPattern("HandleAccept", (r, (ACCEPT, r, b, s, self.cmd(v, s)))) for s, _, v in votes]
            snap = self._reply_snapshots.pop((r, b), 0)
            first = [StepPattern("InstallSnapshot", (r, snap))] if snap else []
            return [[*first, StepPattern("HandlePrepareRepliesFrom", (r, q)), *own]]
        if a == "TakeNewRequest":
            return [[StepPattern("TakeNewRequestCmd", (r, self.cmd(p.get("v"), p.get("slot"))))]]  # type: ignore[arg-type]
        if a == "Rebuild":
            peers, ballots = p.get("peers"), p.get("ballots")
            if not isinstance(peers, list) or not isinstance(ballots, list) or len(peers) != len(ballots):
                raise TraceError(f"{w}: a Rebuild names the peers read and their ballots, one each")
            read = tuple(sorted((self._r(j, w), self._ballot(b, w)) for j, b in zip(peers, ballots)))
            return [[StepPattern("Rebuild", (r, self._ballot(event.state.get("balMaxKnown"), w), read))]]
        if a == "Resume":
            b = self._ballot(p.get("b"), w)
            return [[StepPattern("Resume", (r, self._r(b & 0xFFFF, w), b, self._slot(p.get("horizon"), w)))]]
        if a == "HandleAccept":
            if p.get("case") == "reject":
                return [[]]
            if p.get("case") == "rejoining":
                return [[StepPattern("RejoinAccept", (r,))]]
            j, b = self._r(recv.get("src"), w), self._ballot(recv.get("bal"), w)
            acked = self._acked(event)
            if not votes and not acked:
                return [[StepPattern("Heartbeat", (r, j, b))]]
            voted = {s: v for s, _, v in votes}
            return [[StepPattern("HandleAccept", (r, (ACCEPT, j, b, s, self.cmd(voted[s], s)))) if s in voted
                     else StepPattern("AckAccept", (r, acked[s])) for s in sorted(acked.keys() | voted.keys())]]
        if a == "HandleAcceptReplies":
            return [[StepPattern("HandleAcceptReplies", (r,))] * len(votes)]
        if a == "HandleCommitNotice":
            return [[StepPattern("HandleCommitNotice", (r,))] * len(votes)]
        if a == "HandleLearn":
            return [[StepPattern("LearnChosen", (r, s, self.cmd(v, s), vb)) for s, vb, v in votes]]
        if a == "StepDown":
            return [[StepPattern("StepDown", (r,))]]
        if a == "ConfirmRead":
            return [[StepPattern("ConfirmRead", (r, frozenset(self._r(x, w) for x in p.get("acks", []))))]]
        raise TraceError(f"{w}: unknown action {a!r}")

    def _acked(self, event: Event) -> dict[int, tuple]:
        """The spec's Accept messages, by slot, of the received Accept's slots that the event's AcceptReply covers."""
        w = event.where
        covered = {x[3] for m in event.sent if m.get("type") == "AcceptReply" for x in self._accept_replies(m, w)}
        return {x[3]: x for x in self._accepts(event.recv or {}, w) if x[3] in covered}

    @staticmethod
    def _consistent(event: Event) -> bool:
        """The event's ``j`` is the sender of the message it received (else the destination of those it sent),
        and a commit's ``upto`` is its new ``commitUpTo``."""
        p = event.params
        if "j" in p:
            peers = {event.recv.get("src")} if event.recv else {m.get("dst") for m in event.sent}
            if peers and peers != {p["j"]}:
                return False
        return "upto" not in p or p["upto"] == event.state.get("commitUpTo")

    def _full(self, event: Event) -> bool:
        """Events that report every vote the node holds above its commit point: a restart, a snapshot install."""
        return event.action in ("Restart", "HandleSnapshot")

    def node_view(self, event: Event, state: MultiPaxosState) -> dict[str, Any]:
        """The node's promise, commit point, prepared ballot (while leading) and reported votes, in the spec."""
        n = state.node[self.index[event.node]]
        insts = n[INSTS]
        view: dict[str, Any] = {"balMaxKnown": n[BAL_MAX_KNOWN], "commitUpTo": n[COMMIT_UP_TO]}
        if event.state.get("balPrepared"):
            view["balPrepared"] = n[BAL_PREPARED]
        slots = [v[0] for v in event.state.get("votes", [])]
        if self._full(event):  # every vote above the commit point (a restart's is its snapshot's last slot)
            snap = n[COMMIT_UP_TO]
            slots = sorted(set(slots) | {k + 1 for k, i in enumerate(insts) if i[2] and k + 1 > snap})
        view["votes"] = [[s, insts[s - 1][2], self._show(insts[s - 1][3], s)] for s in slots]
        view["sent"] = self._sent_view(event, state)
        return view

    def _show(self, c: int, slot: int) -> Any:
        if c == NIL:
            return None
        name = self.names[c]
        value, _, at = name.rpartition("@")
        return value if at == str(slot) else name

    def event_view(self, event: Event) -> dict[str, Any]:
        """The same fields as the event reports them."""
        st = event.state
        view: dict[str, Any] = {"balMaxKnown": st.get("balMaxKnown"), "commitUpTo": st.get("commitUpTo")}
        if st.get("balPrepared"):
            view["balPrepared"] = st["balPrepared"]
        view["votes"] = [list(v) for v in st.get("votes", [])]
        view["sent"] = self._sent_expected(event)
        return view

    def _sent_expected(self, event: Event) -> list[str]:
        out = []
        for m in event.sent:
            if m.get("type") == "Accept":
                out += [self._show_msg(x) for x in self._accepts(m, event.where)]
            elif m.get("type") == "AcceptReply":
                out += [self._show_msg(x) for x in self._accept_replies(m, event.where)]
            elif m.get("type") == "PrepareReply" and m.get("ok"):
                first = m.get("slot", 1)
                cmds = m.get("cmds", [])
                out.append(f"PrepareReply from node {event.node} bal {m.get('bal')} votes from slot {first}: "
                           + str([[c[0], c[1] if c[0] else None] for c in cmds]))
        return out

    def _sent_view(self, event: Event, state: MultiPaxosState) -> list[str]:
        """What the spec has of the messages the event sent (the missing ones left out)."""
        out = []
        for m in event.sent:
            if m.get("type") == "Accept":
                out += [self._show_msg(x) for x in self._accepts(m, event.where) if x in state.msgs]
            elif m.get("type") == "AcceptReply":
                out += [self._show_msg(x) for x in self._accept_replies(m, event.where) if x in state.msgs]
            elif m.get("type") == "PrepareReply" and m.get("ok"):
                r, bal, first = self.index[event.node], m.get("bal"), m.get("slot", 1)
                rep = next((x for x in state.msgs if x[0] == PREPARE_REPLY and x[1] == r and x[2] == bal), None)
                if rep is None:
                    continue
                votes = list(rep[3][first - 1 :])
                while votes and not votes[-1][0]:
                    votes.pop()  # the store reports up to its last vote
                shown = [[b, self._show(c, first + k) if b else None] for k, (b, c) in enumerate(votes)]
                out.append(f"PrepareReply from node {event.node} bal {bal} votes from slot {first}: {shown}")
        return out

    def _show_msg(self, m: tuple) -> str:
        if m[0] == ACCEPT:
            return f"Accept bal {m[2]} slot {m[3]} {self.names[m[4]]} from node {self.nodes[m[1]]}"
        return f"AcceptReply bal {m[2]} slot {m[3]} from node {self.nodes[m[1]]}"

    def agrees(self, event: Event, state: MultiPaxosState) -> bool:
        """The node's fields and the messages it sent are the spec's."""
        return self.node_view(event, state) == self.event_view(event)

    def involves(self, event: Event, label: Label) -> bool:
        """The node's own steps."""
        return bool(label.params) and label.params[0] == self.index.get(event.node)

    def show_param(self, action: str, name: str, value: Any) -> Any:
        """Replicas by node id, messages and commands by the trace's names."""
        if name in ("r", "j"):
            return f"node {self.nodes[value]}"
        if name == "q":
            return sorted(self.nodes[i] for i in value)
        if name == "c":
            return self.names[value]
        if name == "m":
            return self.spec.show_message(value)
        return value
