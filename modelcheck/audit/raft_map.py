"""Auditing Raft traces (docs/trace-format.md) against raft.tla with the extensions of ``raft_spec``.

Every event maps to concrete spec steps: the node, the peer and the message are read off
the event, so one spec state stays a candidate (no search over open parameters).  The peer is
the event's ``j`` (a handler's, AppendEntries's: else its message's), a compaction's index its
``index``: a parameter that contradicts the message or the state leaves the event unexplained.

Event -> spec steps:

- ``Init``: none; the node's fields must equal raft.tla's Init.  A later ``Init`` of the same
  node (it found its disk empty) is ``Restart(i)``.
- ``Restart``: ``Restart(i)``: term, vote and log as stable storage held them; or
  ``RestartLosingUnsynced(i, n)``: a power cut took the log's unsynced tail, entries past n it never acknowledged;
  or ``RestartLosingUnsyncedSteps(i, term, vote, log, snapshot)``: a power cut took the node's steps since an
  earlier event of its run whose state is the restart's (or whose log extends it), after which no message of the
  node was received (a later ``Init`` of a node, its disk found empty, likewise).
- ``Rebuild(peers)``: ``Rebuild(i, peers)`` (``cluster recover-node``): an empty log, the vote floor over the
  terms the spec's state gives ``peers``, voted in. A leader's ``HandleAppendEntriesResponse`` of a rejection
  may be followed by ``LowerMatchIndex(i, j, n, held)``: j no longer held what it acknowledged (rebuilt) when it
  sent the rejection (``held``: its log then), and the leader's reported matchIndex for it is n. Until its
  ``CaughtUp`` (``CaughtUp(i)``: the node says its rejoin
  gate opened, and the spec checks its target) the rebuilt node may not vote, nor take a RequestVote's term,
  nor time out (raft-rebuild's gate).
- ``Timeout``, ``BecomeLeader``, ``CheckQuorum`` (extension): the action of that name.
- ``AdvanceCommitIndex``: ``AdvanceCommitIndexTo(i, n)`` (extension), n the new ``commitIndex``.
- ``RequestVote(j)``: ``RequestVote(i, j)`` (``j = i``: the node's own vote, a message to itself).
- ``ClientRequest(v)``: ``ClientRequest(i, v)`` (the new leader's ``noop`` too).
- ``AppendEntries(j)``: ``AppendEntriesRange(i, j, b, e, c)``: the message's entries ``[b, e)``
  and commit index; one step per batch.
- ``HandleAppendEntriesRequest``: raft.tla's handler once per branch taken: ``reject`` and
  ``return-to-follower`` one step; ``accept`` one step per entry removed on a conflict, one
  to append what is missing, one to reply.
- ``HandleRequestVoteRequest``/``Response``, ``HandleAppendEntriesResponse``, ``UpdateTerm``,
  ``DropStaleResponse``: the raft.tla handler with the received message.
- ``DropMessage``: ``DropMessage(m)``: a node ignoring a message is the network losing it.
- ``PreVote``, ``HandlePreVoteRequest``/``Response``, ``ReadIndex``: none (stutter): they change
  no variable of raft.tla, and their messages are not raft.tla's.
- ``CompactLog(index)``, ``InstallSnapshot(j)``, ``HandleInstallSnapshotRequest(j)``,
  ``TransferLeadership(j)``: the ``spec.raft_snapshot`` action of that name; ``Timeout`` whose
  ``recv`` is a ``TimeoutNow`` is ``HandleTimeoutNow``, and a candidate's
  ``return-to-follower`` on an InstallSnapshot request is ``CandidateStepDown``.  A log with
  ``"snapshot": [n, t]`` is the node's entries after ``n``; the mapping keeps the whole log (the
  compacted prefix from the node's own log, or from the snapshot it installed) and compares
  ``n`` with ``snapshotIndex`` and ``t`` with the term of entry ``n``.
- ``AddServer(j)``, ``RemoveServer(j)``, ``StepDownRemoved``: the membership actions of
  ``raft_spec`` (spec/raft_config.py's single-server rule with the errata).  A log value
  ``config:1,2,4`` is a configuration entry with those node ids; the header's ``members`` is
  the initial configuration (default: every node), and ``nodes`` of all the files' headers
  together are the servers (a node added later is a spare from the start).

The network's steps are explicit too: a message delivered k > 1 times gets k-1
``DuplicateMessage(m)`` steps right after it is sent; a message never delivered gets a
``DropMessage(m)`` step (offline: read off the receipts of all files; online: as the
simulation reports it).  ``UpdateTerm`` and ``return-to-follower`` do not consume their
message (as in raft.tla): the node's next event handles it again.

After the steps, the node's ``currentTerm``, ``state``, ``votedFor``, whole ``log`` and
``commitIndex`` must equal the spec's, and ``matchIndex`` on a leader and
``votesResponded``/``votesGranted`` on a candidate; every raft.tla message the event sent
must be in the spec's bag.  ``nextIndex`` is not compared: with ``AppendEntriesRange`` the
spec does not use it (pipelining and fast backtracking move it as they like).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from modelcheck.audit.mapping import Explanation, Mapping, StepPattern
from modelcheck.audit.raft_spec import ImplState, RaftImpl, config_members, config_value
from modelcheck.audit.shared_log import SharedLog
from modelcheck.audit.tracefile import Event, IdCounts, MessageId, TraceError, TraceStream
from spec.core import Label
from spec.raft import (
    CANDIDATE,
    LEADER,
    NIL,
    STATE_NAMES,
    AppendEntriesRequest,
    AppendEntriesResponse,
    Count,
    Log,
    Message,
    RaftState,
    RequestVoteRequest,
    RequestVoteResponse,
    forget_bags,
)
from spec.raft_snapshot import InstallSnapshotRequest, TimeoutNow
from spec.trace_format import (
    ACTION_PARAMS,
    ALL_INT,
    BOOT_ACTIONS,
    EXTENSION_ACTIONS,
    MESSAGE_FIELDS,
    RAFT_ACTIONS,
    REQUIRED_PARAMS,
    STATE_OPTIONAL,
    STATE_REQUIRED,
)

_ROLE = {name: k for k, name in enumerate(STATE_NAMES)}
_SPEC_TYPES = {
    "RequestVoteRequest": RequestVoteRequest,
    "RequestVoteResponse": RequestVoteResponse,
    "AppendEntriesRequest": AppendEntriesRequest,
    "AppendEntriesResponse": AppendEntriesResponse,
    "InstallSnapshotRequest": InstallSnapshotRequest,
    "TimeoutNow": TimeoutNow,
}
#: messages of the extensions the spec does not model (PreVote): in no bag
_OTHER_TYPES = frozenset(MESSAGE_FIELDS) - frozenset(_SPEC_TYPES)
#: extension steps that are spec.raft_snapshot's actions (stutters only for raft.tla's variables)
_SNAPSHOT_STEPS = frozenset({"CompactLog", "InstallSnapshot", "HandleInstallSnapshotRequest", "TransferLeadership"})
#: the spec's one-message bags an audit keeps (spec.raft.forget_bags): about 2 MB, not 31
_BAGS_KEPT = 4096
#: the states of a node's run kept since another node last received a message of it (RaftMapping.unseen)
_RUN_KEPT = 1024
_STUTTER = frozenset({"Init"} | {a for a, stutter in EXTENSION_ACTIONS.items() if stutter}) - _SNAPSHOT_STEPS - {
    "DropMessage"}
_ONE_STEP = {"Restart": "Restart", "Timeout": "Timeout", "BecomeLeader": "BecomeLeader", "CheckQuorum": "CheckQuorum",
             "CandidateStepDown": "CandidateStepDown", "StepDownRemoved": "StepDownRemoved", "CaughtUp": "CaughtUp"}
CONFIG_PREFIX = "config:"  # a configuration entry's value: config:<node id>,<node id>,...
_BOOT = frozenset(BOOT_ACTIONS)
_HANDLERS = frozenset({"HandleRequestVoteRequest", "HandleRequestVoteResponse", "HandleAppendEntriesResponse",
                       "UpdateTerm", "DropStaleResponse"})
# the steps RaftMapping.why_not_enabled explains: the handlers (by their message's term), a commit, an election
_TERM_CHECKED = _HANDLERS - {"UpdateTerm"} | {"HandleAppendEntriesRequest", "HandleInstallSnapshotRequest"}
_EXPLAINED_REFUSALS = _TERM_CHECKED | {"AdvanceCommitIndexTo", "BecomeLeader"}



@dataclass(slots=True)
class Prepared:
    """What the audit needs from one event, decoded once: spec encodings of its fields and messages."""

    i: int
    term: int
    role: int
    vote: int
    log: SharedLog  # (a SharedLog: a tuple of entries to the spec, shared with the other logs)
    commit: int
    match: tuple[tuple[int, int], ...] | None  # leader: (peer index, matchIndex); None: not observed
    responded: frozenset[int] | int | None  # candidate: votesResponded, as a set or a count; None: not observed
    granted: frozenset[int] | int | None  # candidate: votesGranted, likewise
    recv: Message | None
    recv_id: MessageId | None
    consumes: bool
    old_log: SharedLog
    kept: int  # entries of the old log kept before the event's new ones (the delta's from - 1)
    snap: int  # snapshotIndex after the event
    sent: Sequence[tuple[MessageId, Message, bool]]  # (id, spec message, still in flight after the event's steps)
    steps: list[Explanation]
    network: Sequence[StepPattern] = ()  # the network's steps around the event's own, in every explanation
    resumes: bool = False  # a restart to the state of an earlier event of its run, nothing since seen by another
    held: Log | None = None  # a rejection received: its sender's log when it sent it (LowerMatchIndex's evidence)


class NetworkFate:
    """What happened to each sent message on the network: extra copies, and copies lost."""

    foresees = False  # whether :meth:`arrives` knows at the send that a message will be received

    def arrives(self, mid: MessageId) -> bool:
        """Whether a message just sent is received at some point (known in advance only offline)."""
        return False

    def after_send(self, mid: MessageId, to_self: bool) -> tuple[int, bool]:
        """(copies duplicated, whether the single copy was lost) for a message just sent."""
        raise NotImplementedError

    def late(self) -> list[tuple[str, MessageId]]:
        """Copies made (``duplicate``) or lost (``drop``) after their send was audited (taken once)."""
        return []

    def lost_after(self, mid: MessageId) -> bool:
        """Whether a message received without being consumed (UpdateTerm, return-to-follower) is lost right
        after this receipt (its last, none consuming it)."""
        return False


class ReceiptFate(NetworkFate):
    """Offline: read off the trace, by counting the receipts that consume each message id (and those that do
    not: a message only ever received so, say by a node that crashed before handling it, is lost after the
    last of them, not at its send)."""

    foresees = True

    def __init__(self, receipts: IdCounts, unconsumed: IdCounts | None = None) -> None:
        self.receipts = receipts
        self.unconsumed = unconsumed or IdCounts()

    def arrives(self, mid: MessageId) -> bool:
        """Some event receives it (one that consumes it or not)."""
        return bool(self.receipts.get(mid) or self.unconsumed.get(mid))

    def after_send(self, mid: MessageId, to_self: bool) -> tuple[int, bool]:
        """k receipts: k - 1 duplicates; none: lost (after its receipts that do not consume it, if any)."""
        r = self.receipts.get(mid)
        return (r - 1, False) if r else (0, not self.unconsumed.get(mid))

    def lost_after(self, mid: MessageId) -> bool:
        """The last of the receipts of a message nothing consumes."""
        if self.receipts.get(mid) or not self.unconsumed.get(mid):
            return False
        return not self.unconsumed.add(mid, -1)


class ReportedFate(NetworkFate):
    """Online: the simulation reports each duplicate and each lost copy as it happens."""

    def __init__(self) -> None:
        self.dups: Counter[MessageId] = Counter()
        self.lost: Counter[MessageId] = Counter()
        self.audited: set[MessageId] = set()
        self._late: list[tuple[str, MessageId]] = []

    def report(self, kind: str, mid: MessageId) -> None:
        """The network duplicated (``duplicate``) or lost (``drop``) one copy of message ``mid``."""
        if mid in self.audited:  # the send is in the spec's bag already: the step comes with the next event
            self._late.append((kind, mid))
        elif kind == "duplicate":
            self.dups[mid] += 1
        else:
            self.lost[mid] += 1

    def after_send(self, mid: MessageId, to_self: bool) -> tuple[int, bool]:
        """Duplicates and a loss reported before the send event was audited."""
        self.audited.add(mid)
        lost = self.lost.pop(mid, 0)
        dups = self.dups.pop(mid, 0)
        self._late.extend([("drop", mid)] * max(0, lost - 1))  # several copies lost: one at send, the rest later
        return dups, lost > 0

    def late(self) -> list[tuple[str, MessageId]]:
        """Copies made or lost after the send was audited (e.g. a crashed receiver), since the last event."""
        out, self._late = self._late, []
        return out


class RaftMapping(Mapping):
    """raft.tla's vocabulary (plus the documented extensions) for a trace of Raft nodes."""

    known_actions = frozenset(RAFT_ACTIONS) | frozenset(EXTENSION_ACTIONS)
    known_fields = frozenset(STATE_REQUIRED) | frozenset(STATE_OPTIONAL)
    action_params = {a: frozenset(p) for a, p in ACTION_PARAMS.items()}
    required_params = {a: frozenset(p) for a, p in REQUIRED_PARAMS.items()}
    stutter_actions = _STUTTER
    max_candidates = 64

    def __init__(self, nodes: Sequence[int], fate: NetworkFate, members: Sequence[int] | None = None) -> None:
        if not nodes:
            raise TraceError("a Raft trace header needs \"nodes\": the cluster's node ids")
        self.nodes = sorted(nodes)
        self.index = {n: k for k, n in enumerate(self.nodes)}
        initial = None if members is None else [self._node(n, "the header's members") for n in members]
        self.spec = RaftImpl(servers=len(self.nodes), abbreviate=True, members=initial)
        self.fate = fate
        self.values: dict[str, int] = {}
        self.value_names: list[str] = []
        self.empty = SharedLog.empty()  # every log of this audit, the spec's and the trace's, grows from it
        self.logs: dict[int, SharedLog] = {}  # node -> its whole log (compacted prefix included)
        self.snaps: dict[int, int] = {}  # node -> snapshotIndex
        self.booted: set[int] = set()  # nodes whose first event has been seen
        self.in_flight: dict[MessageId, list[Any]] = {}  # id -> [spec message, copies not yet accounted for]
        #: node -> its run since another node last received a message of it: [currentTerm, votedFor, log,
        #: snapshotIndex, ids of the raft.tla messages sent in that state] per state it passed through (see _resumes)
        self.unseen: dict[int, list[list[Any]]] = {}
        self.unobserved_fields: dict[str, str] = {}  # optional fields some event left out -> where first
        #: (node, matchIndex items, None, nextIndex items) -> (matchIndex decoded, its highest value, nextIndex's)
        self.entries_decoded = 0  # log entries decoded one by one (a batch seen lately is not: see _entries)
        self._batches: dict[tuple[int, str | None], tuple[list, Log]] = {}  # (see _entries)
        self._leader_memo: dict[tuple, tuple[tuple[tuple[int, int], ...] | None, int, int]] = {}
        #: the first event after a header that is no boot (docs/trace-format.md), refused when decoded
        self.misplaced: tuple[str, int] = ("", 0)  # (file, line)

    @classmethod
    def from_events(cls, events: Iterable[Event], bounds: dict[str, Any] | None = None) -> RaftMapping:
        """The mapping for recorded traces: nodes from the headers, network fate from the receipts. One pass (a
        stream's survey); what it finds wrong is said at its end, after anything the reading itself refuses."""
        config = _Configuration()
        receipts, unconsumed = IdCounts(), IdCounts()
        boots: dict[str, int] = {}  # file -> the boot (its header's number) of its latest event
        misplaced: Event | None = None  # the first event after a header that is no boot (docs/trace-format.md)
        count = 0
        for e in events.light() if isinstance(events, TraceStream) else events:  # (no state read here)
            count += 1
            config.see(e)
            if e.recv is not None:
                (receipts if consumes(e) else unconsumed).add(tuple(e.recv["id"]))
            if misplaced is None and boots.get(e.file) != e.boot and e.action not in _BOOT:
                misplaced = e
            boots[e.file] = e.boot
        try:
            if not count:
                raise TraceError("the trace has no events")
            members, every = config.result()
            nodes = sorted(every)
            for b in bounds or {}:
                if b != "servers":
                    raise TraceError(f"--bounds {b}: the raft audit reads terms, logs and values off the trace; "
                                     "only 'servers' may be given")
            if bounds and bounds.get("servers") not in (None, len(nodes)):
                raise TraceError(f"--bounds servers={bounds['servers']} but the trace's header names {len(nodes)} "
                                 "nodes")
            mapping = cls(nodes, ReceiptFate(receipts, unconsumed), members)
        except TraceError:
            if isinstance(events, TraceStream):  # (what its light survey did not check, first)
                events.read_through()
            raise
        if misplaced is not None:
            mapping.misplaced = misplaced.file, misplaced.line
        return mapping

    # -- decoding ---------------------------------------------------------------------------
    def _node(self, n: Any, where: str) -> int:
        if n not in self.index:
            raise TraceError(f"{where}: node {n!r} is not one of the cluster's nodes {self.nodes}")
        return self.index[n]

    def value(self, name: Any) -> int:
        """The spec value (a small int) of a trace value string, interned in order of appearance."""
        key = str(name)
        v = self.values.get(key)
        if v is None:
            if key.startswith(CONFIG_PREFIX):
                v = self._config_value(key)
            else:
                v = len(self.value_names)
                self.value_names.append(key)
            self.values[key] = v
        return v

    def _config_value(self, key: str) -> int:
        """The spec value of a configuration entry ``config:1,2,4`` (TraceError when malformed)."""
        try:
            ids = [int(x) for x in key[len(CONFIG_PREFIX):].split(",")]
        except ValueError:
            raise TraceError(f"configuration value {key!r}: expected config:<node id>,<node id>,...") from None
        self.spec.note_configs()
        return config_value({self._node(n, f"configuration value {key!r}") for n in ids})

    def value_name(self, v: int) -> str:
        """The trace's string for a spec value."""
        c = config_members(v)
        if c is not None:
            return CONFIG_PREFIX + ",".join(str(self.nodes[k]) for k in sorted(c))
        return self.value_names[v] if v < len(self.value_names) else repr(v)

    def _entries(self, raw: Any, where: str) -> tuple[tuple[int, int], ...]:
        """Decoded log entries.  A batch is decoded up to three times (the leader's request to each
        follower, then each follower's log delta, equal to the request it took): a batch equal to one
        decoded lately (list ==, in C) is that one's decoding, when its values were all strings
        (equal strings intern alike; equal numbers give int() the same term)."""
        key = None
        if type(raw) is list and len(raw) > 1:
            first = raw[0]
            v0 = first[1] if type(first) is list and len(first) == 2 else None
            key = (len(raw), v0 if type(v0) is str else None)
            hit = self._batches.get(key)
            if hit is not None and hit[0] == raw:
                return hit[1]
        values, out, other = self.values, [], False
        try:  # (a loop with the common case inlined: this runs for every entry of every event)
            for t, v in raw:
                if type(v) is str:
                    k = values.get(v)
                    if k is None:
                        k = self.value(v)
                else:
                    k, other = self.value(v), True
                out.append((t if type(t) is int else int(t), k))
        except (TypeError, ValueError):
            raise TraceError(f"{where}: log entries must be [term, value] pairs, got {raw!r}") from None
        decoded = tuple(out)
        self.entries_decoded += len(decoded)
        if key is not None and not other:
            if len(self._batches) >= 64:
                self._batches.clear()
            self._batches[key] = (raw, decoded)
        return decoded

    def spec_message(self, m: dict[str, Any], where: str) -> Message | None:
        """A trace message as a raft.tla message tuple (None for the extensions' message types)."""
        typ = m.get("type")
        if typ in _OTHER_TYPES:
            return None
        t = _SPEC_TYPES.get(typ)  # type: ignore[arg-type]
        if t is None:
            raise TraceError(f"{where}: unknown message type {typ!r}")
        try:
            head = (t, self._node(m["msource"], where), self._node(m["mdest"], where), int(m["mterm"]))
            if t == RequestVoteRequest:
                return head + (int(m["mlastLogTerm"]), int(m["mlastLogIndex"]))
            if t == RequestVoteResponse:
                return head + (int(bool(m["mvoteGranted"])), ())
            if t == AppendEntriesRequest:
                entries = self._entries(m["mentries"], where)
                return head + (int(m["mprevLogIndex"]), int(m["mprevLogTerm"]), entries, (), int(m["mcommitIndex"]))
            if t == AppendEntriesResponse:
                return head + (int(bool(m["msuccess"])), int(m["mmatchIndex"]))
            if t == TimeoutNow:
                return head
            n, term = int(m["msnapshotIndex"]), int(m["msnapshotTerm"])
            data = self.logs.get(head[1], self.empty)[:n]  # the snapshot's content: the sender's log up to n
            if len(data) != n or (n and data[-1][0] != term):
                raise TraceError(f"{where}: a snapshot ending at index {n}, term {term}, but the sender's log "
                                 f"has {self._entry_at(data, n)}")
            return head + (n, term, data)
        except KeyError as exc:
            raise TraceError(f"{where}: a {typ} message needs the field {exc.args[0]!r}") from None

    @staticmethod
    def _entry_at(xlog: Log, n: int) -> str:
        return f"entry {n} of term {xlog[n - 1][0]}" if 0 < n <= len(xlog) else f"{len(xlog)} entries"

    def _whole_log(self, event: Event, i: int, lj: dict[str, Any], frm: int, new: Log) -> tuple[SharedLog, int]:
        """The node's whole log and snapshotIndex after the event (its log delta applied)."""
        old = self.logs.get(i, self.empty)
        snap = self.snaps.get(i, 0)
        boot = event.action in _BOOT
        if frm == len(old) + 1 and not boot and "snapshot" not in lj:  # the common case: entries appended, or none
            return old.extend(new), snap
        w = event.where
        if "snapshot" in lj:
            try:
                n, term = (int(x) for x in lj["snapshot"])
            except (TypeError, ValueError):
                raise TraceError(f"{w}: log.snapshot must be [index, term], got {lj['snapshot']!r}") from None
            prefix = old[:n]
            if event.action == "HandleInstallSnapshotRequest" and event.recv is not None and (
                    len(prefix) != n or (n and prefix[-1][0] != term)):
                prefix = self.logs.get(self._node(event.recv.get("msource"), w), self.empty)[:n]
            if len(prefix) != n or (n and prefix[-1][0] != term):
                raise TraceError(f"{w}: a snapshot ending at index {n}, term {term}: the trace never showed "
                                 f"those entries (the node's log had {self._entry_at(prefix, n)})")
            if frm != n + 1:
                raise TraceError(f"{w}: a log with a snapshot at {n} must list the entries from {n + 1}, not {frm}")
            return prefix + new, n
        if boot:  # a boot without "snapshot" found none: its first compaction was not durable at the crash
            snap = 0
            old = self.empty
        if not max(1, snap + 1 if boot else 1) <= frm <= len(old) + 1:
            raise TraceError(f"{w}: log delta from {frm}, but node {event.node}'s log had {len(old)} entries")
        log = old if (frm == len(old) + 1 and not new) else old[: frm - 1] + new
        return log, snap

    def prepare(self, event: Event) -> Prepared:
        """Decode an event (once, in trace order: the log delta needs the node's previous log)."""
        p = event.cache
        if p is not None:
            return p
        forget_bags(_BAGS_KEPT)  # (the spec's one-message bags: bounded for an audit, which meets each message once)
        if event.line == self.misplaced[1] and event.file == self.misplaced[0]:  # (a stream reads it anew)
            raise TraceError(f"{event.where}: {event.action} is the first event after a header: a boot starts "
                             "with Init, Restart or Rebuild")
        w = event.where
        index = self.index  # (node ids looked up inline, _node only to refuse one: this runs per event)
        i = index.get(event.node)
        if i is None:
            i = self._node(event.node, w)
        st = event.state
        try:
            lj = st["log"]
            frm = int(lj["from"])
            new = self._entries(lj["entries"], w)
            role = _ROLE[st["state"]]
            voted = st["votedFor"]
            vote = NIL if voted is None else index.get(voted)
            if vote is None:
                vote = self._node(voted, w)
            term, commit = int(st["currentTerm"]), int(st["commitIndex"])
        except (KeyError, TypeError, ValueError) as exc:
            raise TraceError(f"{w}: the state needs currentTerm, state, votedFor, log and commitIndex ({exc!r})") \
                from None
        if not isinstance(lj, dict):
            raise TraceError(f"{w}: log must be an object with from and entries, got {lj!r}")
        old = self.logs.get(i, self.empty)
        log, snap = self._whole_log(event, i, lj, frm, new)
        self.logs[i], self.snaps[i] = log, snap
        match = responded = granted = None
        if role == LEADER:
            match = self._leader_fields(event, i, log)
        elif role == CANDIDATE:
            responded, granted = self._votes(st, "votesResponded", w), self._votes(st, "votesGranted", w)
        recv = recv_id = held = None
        if event.recv is not None:
            recv_id = tuple(event.recv["id"])
            flying = self.in_flight.get(recv_id)
            recv = flying[0] if flying else self.spec_message(event.recv, w)
            held = flying[2] if flying and len(flying) > 2 else None
        if event.action in _BOOT:
            old = self.empty
        p = Prepared(i, term, role, vote, log, commit, match, responded, granted, recv, recv_id, consumes(event),
                     old, frm - 1, snap, (), [], held=held)
        pre: list[StepPattern] = []
        for kind, mid in self.fate.late():
            if mid not in self.in_flight:
                continue
            if kind == "drop":
                pre.append(StepPattern("DropMessage", (self.in_flight_take(mid),)))
            else:
                self.in_flight[mid][1] += 1
                pre.append(StepPattern("DuplicateMessage", (self.in_flight[mid][0],)))
        post: list[StepPattern] = []
        sent = []
        for m in event.sent:
            sm = self.spec_message(m, w)
            if sm is None:
                continue
            mid = tuple(m["id"])
            dups, lost = self.fate.after_send(mid, sm[1] == sm[2])
            post.extend([StepPattern("DuplicateMessage", (sm,))] * dups)
            if lost:
                post.append(StepPattern("DropMessage", (sm,)))
            elif sm[0] == AppendEntriesResponse and not sm[4]:  # a rejection: with its sender's log now
                self.in_flight[mid] = [sm, 1 + dups, log]
            else:
                self.in_flight[mid] = [sm, 1 + dups]
            sent.append((mid, sm, not lost))
        if sent:
            p.sent = sent
        if recv is not None and recv_id in self.in_flight:
            if p.consumes:
                self.in_flight_take(recv_id)
            elif self.fate.lost_after(recv_id):  # received, never consumed: lost now
                post.append(StepPattern("DropMessage", (self.in_flight_take(recv_id),)))
        if event.action == "Restart" or (event.action == "Init" and i in self.booted):
            p.resumes = self._resumes(i, p)
        self._note_run(event, p)
        if pre or post:
            p.network = (*pre, *post)
        cores = self._core(event, p)  # (new lists: no network step around them is the common case)
        p.steps = [pre + core + post for core in cores] if pre or post else cores  # type: ignore[assignment]
        self.booted.add(i)
        event.cache = p
        return p

    def _note_run(self, event: Event, p: Prepared) -> None:
        """Keep node i's run since another node last saw a message of it (a receipt: its sender had made durable
        the state it sent in, so a power cut goes back no further); a boot starts a run."""
        i = p.i
        run = self.unseen.get(i)
        if run is None or event.action in _BOOT:
            run = self.unseen[i] = []
        fate = self.fate
        mids: list[MessageId] = []
        for mid, sm, _ in p.sent:
            if sm[1] == sm[2]:
                continue  # (its own vote: seen by itself only)
            if fate.foresees and fate.arrives(mid):
                run.clear()  # (offline: received later; nothing before this event can be lost)
                mids.clear()
            else:
                mids.append(mid)
        last = run[-1] if run else None
        if last is not None and last[0] == p.term and last[1] == p.vote and last[3] == p.snap and (
                last[2] is p.log or last[2] == p.log):
            last[4].extend(mids)
        else:
            run.append([p.term, p.vote, p.log, p.snap, mids])
            if len(run) > _RUN_KEPT:
                del run[0]  # (a restart to a state older than this is refused: no further back than what is kept)
        recv = p.recv
        sender = self.unseen.get(recv[1]) if recv is not None and not fate.foresees and recv[1] != i else None
        if sender:  # (online: the receipt says its sender had made durable the state it sent in)
            rid = p.recv_id
            for k in range(len(sender) - 1, -1, -1):
                if rid in sender[k][4]:
                    del sender[:k]
                    sender[0][4] = []
                    break

    def _resumes(self, i: int, p: Prepared) -> bool:
        """At a restart: whether i had the restart's term and vote after an event of its run since another node
        last received a message of it, with the restart's log or one extending it, and the restart's snapshot or a
        newer one (a power cut took the steps after it, a compaction, the entries never synced:
        ``RestartLosingUnsyncedSteps``, whose guard checks what the entries lost were acknowledged and committed).
        The messages of those steps that never left are lost on the network (online the simulation reports them
        at the crash; offline nothing received them)."""
        n = len(p.log)
        for t, v, xlog, snap, _ in reversed(self.unseen.get(i, ())):
            if t == p.term and v == p.vote and snap >= p.snap and len(xlog) >= n and (
                    xlog == p.log if len(xlog) == n else xlog[:n] == p.log):
                return True
        return False

    @staticmethod
    def _resumed(p: Prepared) -> list[list[StepPattern]]:
        """A power cut took the steps since an earlier state of the run (:meth:`_resumes`), if one is named."""
        return [[StepPattern("RestartLosingUnsyncedSteps", (p.i, p.term, p.vote, p.log, p.snap))]] if p.resumes else []

    def _peer_map(self, event: Event, name: str, i: int) -> dict[int, int] | None:
        """A leader's per-peer field (``{"2": 5, ...}``) by spec index, or None when not reported."""
        raw = event.state.get(name)
        if raw is None:
            self.unobserved_fields.setdefault(f"{name} (Leader)", event.where)
            return None
        w = event.where
        if not isinstance(raw, dict):
            raise TraceError(f"{w}: {name} must be an object keyed by peer id, got {raw!r}")
        out: dict[int, int] = {}
        for k, x in raw.items():
            try:
                n = int(k)
            except ValueError:
                raise TraceError(f"{w}: {name} is keyed by node ids, got key {k!r}") from None
            if n not in self.index:  # (_node's TraceError was caught above and said the key was no id)
                raise TraceError(f"{w}: {name} names node {n}, which is not one of the cluster's nodes {self.nodes}: "
                                 "give its trace too (a node added, or being added, writes one)")
            j = self._node(n, w)
            if j == i:
                raise TraceError(f"{w}: {name}[{k}]: a leader's {name} names its peers, not itself")
            if not (isinstance(x, int) and not isinstance(x, bool)):
                raise TraceError(f"{w}: {name}[{k}] must be an integer, got {x!r}")
            out[j] = x
        return out

    def _leader_fields(self, event: Event, i: int, log: Log | SharedLog) -> tuple[tuple[int, int], ...] | None:
        """matchIndex (compared) after checking it and nextIndex (not compared) for values no leader can hold.

        A leader reports the same two maps in event after event while its log grows: the maps are
        decoded and checked once, and what depends on the log's length (the highest value of each
        against it) is checked for every event."""
        st = event.state
        raw_m, raw_n = st.get("matchIndex"), st.get("nextIndex")
        key: tuple | None = None
        if type(raw_m) is dict and type(raw_n) is dict and ALL_INT(map(type, raw_m.values())) and ALL_INT(
                map(type, raw_n.values())):  # (exact ints only: True == 1 would find 1's entry)
            try:
                key = (i, *raw_m.items(), None, *raw_n.items())
                known = self._leader_memo.get(key)
            except TypeError:  # (not reached with int values and str keys; kept for safety)
                key = known = None
            if known is not None and known[1] <= len(log) and known[2] <= len(log) + 1:
                return known[0]
        w, top = event.where, len(log)
        match, nxt = self._peer_map(event, "matchIndex", i), self._peer_map(event, "nextIndex", i)
        for j, x in (match or {}).items():
            if not 0 <= x <= top:
                raise TraceError(f"{w}: matchIndex[{self.nodes[j]}] = {x}, outside 0..{top} (the leader's log "
                                 f"has {top} entries)")
        for j, x in (nxt or {}).items():
            if not 1 <= x <= top + 1:
                raise TraceError(f"{w}: nextIndex[{self.nodes[j]}] = {x}, outside 1..{top + 1} (the leader's log "
                                 f"has {top} entries)")
        # (nextIndex at or below matchIndex is raft.tla's too: a rejection that reaches the leader after a later
        # success lowers nextIndex by one, matchIndex unchanged; tests/test_audit_your_raft.py)
        out = None if match is None else tuple(sorted(match.items()))
        if key is not None and match is not None and nxt is not None:
            if len(self._leader_memo) >= 1024:
                self._leader_memo.clear()
            self._leader_memo[key] = (out, max(match.values(), default=0), max(nxt.values(), default=1))
        return out

    def _votes(self, st: dict[str, Any], name: str, where: str) -> frozenset[int] | int | None:
        """A candidate's vote field: a list of node ids, or a count (an implementation that keeps only one)."""
        raw = st.get(name)
        if raw is None:
            self.unobserved_fields.setdefault(f"{name} (Candidate)", where)
            return None
        if isinstance(raw, int) and not isinstance(raw, bool):
            if not 0 <= raw <= len(self.nodes):
                raise TraceError(f"{where}: {name} = {raw}: a count of votes, but the cluster has {len(self.nodes)} "
                                 "nodes")
            return raw
        if not isinstance(raw, list):
            raise TraceError(f"{where}: {name} must be a list of node ids or a count, got {raw!r}")
        return frozenset(self._node(n, where) for n in raw)

    def unobserved(self) -> list[str]:
        """Optional fields (docs/trace-format.md, observation model) that some event left out."""
        return [f"{what} (first at {where})" for what, where in self.unobserved_fields.items()]

    def in_flight_take(self, mid: MessageId) -> Message:
        """One copy of message ``mid`` has been received or lost; returns its spec message."""
        rec = self.in_flight[mid]
        rec[1] -= 1
        if rec[1] <= 0:
            del self.in_flight[mid]
        return rec[0]

    def _core(self, event: Event, p: Prepared) -> list[list[StepPattern]]:
        """The alternatives of spec steps for the event itself (without the network's)."""
        a, i = event.action, p.i
        if a == "ClientRequest":  # (first: most of a busy leader's events; no test below matches it)
            if "v" not in event.params:
                raise TraceError(f"{event.where}: ClientRequest needs the parameter v")
            v = event.params["v"]
            k = self.values.get(v) if type(v) is str else None  # (interned already: it is the new entry's)
            return [[StepPattern("ClientRequest", (i, self.value(v) if k is None else k))]]
        w = event.where
        if a == "Init" and i in self.booted:  # a node that ran before found nothing on its disk
            return [[StepPattern("Restart", (i,))], *self._resumed(p)]
        if a == "Restart":  # from its latest snapshot, or an older one (a compaction lost in the crash), or after a
            return [[StepPattern("Restart", (i,))], [StepPattern("RestartFromOlderSnapshot", (i, p.snap))],
                    [StepPattern("RestartLosingUnsynced", (i, len(p.log)))],  # power cut lost an unsynced tail
                    *self._resumed(p)]
        if a in _STUTTER:
            return [[]]
        if a == "Rebuild":  # from empty storage, the vote floor read from the peers it names
            peers = event.params.get("peers")
            if not isinstance(peers, list) or not peers:
                raise TraceError(f"{w}: Rebuild needs the parameter peers (the node ids whose terms it read), got "
                                 f"{peers!r}")
            terms = event.params.get("terms")
            if terms is None:  # (a trace of an older paxraft, or of an implementation that names only the peers)
                return [[StepPattern("Rebuild", (i, tuple(sorted(self._node(n, w) for n in peers))))]]
            if not isinstance(terms, list) or len(terms) != len(peers) or not all(
                    type(t) is int and t >= 0 for t in terms):
                raise TraceError(f"{w}: Rebuild's terms must be a list of the terms read from its peers, one "
                                 f"integer per peer, got {terms!r} for peers {peers!r}")
            read = sorted((self._node(n, w), t) for n, t in zip(peers, terms))
            return [[StepPattern("RebuildFromTerms", (i, tuple(j for j, _ in read), tuple(t for _, t in read)))]]
        if a == "Timeout" and p.recv is not None and p.recv[0] == TimeoutNow:
            return [[StepPattern("HandleTimeoutNow", (i, self._peer(event, p.recv[1]), p.recv))]]
        if a in _ONE_STEP:
            return [[StepPattern(_ONE_STEP[a], (i,))]]
        if a == "AdvanceCommitIndex":
            return [[StepPattern("AdvanceCommitIndexTo", (i, p.commit))]]
        if a == "CompactLog":  # up to the event's index (its log's snapshot must end there: agrees)
            n = event.params.get("index")
            if type(n) is not int:
                raise TraceError(f"{w}: CompactLog needs the parameter index (an integer), got {n!r}")
            return [[StepPattern("CompactLog", (i, n))]]
        if a in ("InstallSnapshot", "TransferLeadership", "AddServer", "RemoveServer"):
            return [[StepPattern(a, (i, self._node(event.params.get("j"), w)))]]
        if a == "RequestVote":
            return [[StepPattern("RequestVote", (i, self._node(event.params.get("j"), w)))]]
        if a == "AppendEntries":
            if not p.sent:
                raise TraceError(f"{w}: AppendEntries sends no AppendEntriesRequest")
            req = p.sent[0][1]
            b = req[4] + 1
            return [[StepPattern("AppendEntriesRange", (i, self._peer(event, req[2]), b, b + len(req[6]), req[8]))]]
        m = p.recv
        if a == "DropMessage":
            return [[StepPattern("DropMessage", (m,))]] if m is not None else [[]]
        if m is None:
            raise TraceError(f"{w}: {a} needs the message it received (\"recv\") of a raft.tla type")
        j = self._peer(event, m[1])
        if a == "HandleAppendEntriesResponse" and not m[4] and p.match is not None:
            n = dict(p.match).get(j)  # a rebuilt follower's rejection may lower its matchIndex
            step = StepPattern(a, (i, j, m))
            return [[step]] if n is None else [[step], [step, StepPattern("LowerMatchIndex", (i, j, n, p.held))]]
        if a in _HANDLERS:
            return [[StepPattern(a, (i, j, m))]]
        if a == "HandleInstallSnapshotRequest" or m[0] == InstallSnapshotRequest:
            if event.params.get("case") == "return-to-follower":
                return [[StepPattern("CandidateStepDown", (i,))]]
            return [[StepPattern("HandleInstallSnapshotRequest", (i, j, m))]]
        # HandleAppendEntriesRequest: one raft.tla step per branch taken
        step = StepPattern("HandleAppendEntriesRequest", (i, j, m))
        if event.params.get("case") != "accept":
            return [[step]]
        kept = min(p.kept, len(p.old_log))
        removed = len(p.old_log) - kept
        appended = 1 if len(p.log) > kept else 0
        n = removed + appended + 1
        return [[step] * n] if n == 1 else [[step], [step] * n]  # the one-step form: for the report's diff

    def why_not_enabled(self, event: Event, state: ImplState, step: StepPattern) -> str | None:
        """The rule a handler of a message of another term, a commit or an election broke (terms as raft.tla
        numbers them, as the whole report does); else the guard of the spec's action that refused it."""
        a, args = step.name, step.params
        if a not in _EXPLAINED_REFUSALS:  # (the network's steps take a message, not a node, first)
            return super().why_not_enabled(event, state, step)
        i = args[0]
        node, term = self.nodes[i], state.currentTerm[i]
        if a in _TERM_CHECKED:
            if len(args) != 3 or not isinstance(args[2], tuple):
                return None
            mterm = args[2][3]
            if mterm > term:
                return (f"the message's term {mterm} is above node {node}'s currentTerm {term}; raft.tla takes the "
                        "higher term in an UpdateTerm step first: write an UpdateTerm event with this recv before "
                        "this one (docs/auditing-your-raft.md)")
            if mterm < term and a.endswith("Response") and a != "DropStaleResponse":
                return (f"the response's term {mterm} is below node {node}'s currentTerm {term}: raft.tla drops it "
                        "(DropStaleResponse)")
            return None
        if a == "AdvanceCommitIndexTo":
            n, xlog, commit = args[1], state.log[i], state.commitIndex[i]
            if state.state[i] != LEADER:
                return f"node {node} is not a leader"
            if not commit < n <= len(xlog):
                return f"{n} is not in {commit + 1}..{len(xlog)} (above commitIndex, within the log)"
            if not self.spec.CommitTermOk(xlog[n - 1][0], term):
                return (f"entry {n} is of term {xlog[n - 1][0]}, not the leader's currentTerm {term}: a leader "
                        "counts replicas only of its own term's entries (an older one is committed with them: "
                        "the Raft paper's Figure 8)")
            match = state.matchIndex[i]
            holders = {i} | {k for k in self.spec.Server if match[k] >= n}
            if not self.spec.QuorumOf(state, i, holders):
                return (f"entry {n} is stored, as matchIndex says, only on node(s) "
                        f"{', '.join(str(self.nodes[k]) for k in sorted(holders))}: not a quorum")
            return None
        if a == "BecomeLeader" and state.state[i] == CANDIDATE and not self.spec.QuorumOf(
                state, i, state.votesGranted[i]):
            return (f"the votes granted, node(s) {', '.join(str(self.nodes[k]) for k in sorted(state.votesGranted[i]))}"
                    f", are not a quorum")
        return super().why_not_enabled(event, state, step)

    def _peer(self, event: Event, default: int) -> int:
        """The spec's ``j``: the event's parameter ``j`` (docs/trace-format.md: the parameters by raft.tla's
        names), else ``default``, the peer its message names (a step of another peer is not enabled)."""
        j = event.params.get("j")
        if j is None:
            return default
        k = self.index.get(j)
        return self._node(j, event.where) if k is None else k

    # -- the abstraction function -----------------------------------------------------------
    def explanations(self, event: Event) -> list[Explanation]:
        """The event's spec steps (see the module's table)."""
        return self.prepare(event).steps

    def agrees(self, event: Event, state: ImplState) -> bool:
        """The node's raft.tla variables equal the event's, and its sent messages are in the bag."""
        p = self.prepare(event)
        i = p.i
        if (state.currentTerm[i] != p.term or state.state[i] != p.role or state.votedFor[i] != p.vote
                or state.commitIndex[i] != p.commit or state.snapshotIndex[i] != p.snap):
            return False
        if state.log[i] != p.log:  # O(1): both are views of the buffers they share (shared_log)
            return False
        if p.match is not None:
            row = state.matchIndex[i]
            for j, x in p.match:  # (loops, not any()/all() of a generator: this runs for every event)
                if row[j] != x:
                    return False
        if p.responded is not None and not _votes_agree(state.votesResponded[i], p.responded):
            return False
        if p.granted is not None and not _votes_agree(state.votesGranted[i], p.granted):
            return False
        if p.sent:
            msgs = state.messages
            for _, m, flying in p.sent:
                if flying and Count(msgs, m) <= 0:
                    return False
        return True

    def sends(self, event: Event, before: RaftState, after: RaftState) -> bool:
        """The event's own steps added one copy to the bag of each message it sent (a bag: an older identical copy
        in flight does not stand for it), before the network duplicated or lost it; and took out one copy of the
        message it received, or left it when the receipt does not consume it (UpdateTerm, return-to-follower): a
        step of another branch of the handler (a candidate's return to follower for an ``accept``) is not it;
        and a follower's ``accept`` or ``reject`` made that branch's reply (success and the match, or failure)."""
        p = self.prepare(event)
        sent = [m for _, m, _ in p.sent]
        m: Message | None  # each sent, then the one received
        for m in set(sent):
            if Count(after.messages, m) - Count(before.messages, m) - (_net(p, m) if p.network else 0) < sent.count(m):
                return False
        m = p.recv
        if m is None or m in sent:
            return True
        took = -1 if p.consumes else 0
        if Count(after.messages, m) - Count(before.messages, m) - (_net(p, m) if p.network else 0) != took:
            return False
        if event.action == "HandleAppendEntriesRequest":  # the branch its case names: the reply it makes
            case = event.params.get("case")
            if case == "accept" or case == "reject":
                i = p.i
                ok = case == "accept" and m[0] == AppendEntriesRequest
                r = (AppendEntriesResponse, i, m[1], after.currentTerm[i], int(ok), m[4] + len(m[6]) if ok else 0)
                if r not in sent and Count(after.messages, r) - Count(before.messages, r) - (
                        _net(p, r) if p.network else 0) < 1:
                    return False
        return True

    def _show_log(self, xlog: Log | SharedLog) -> list[list[Any]]:
        return [[t, self.value_name(v)] for t, v in xlog]

    def show_message(self, m: Message) -> dict[str, Any]:
        """A spec message with the trace's node ids and value strings."""
        rec = self.spec.show_message(m)
        rec["msource"], rec["mdest"] = self.nodes[m[1]], self.nodes[m[2]]
        rec.pop("mlog", None)
        if "mentries" in rec:
            rec["mentries"] = self._show_log(m[6])
        return rec

    def node_view(self, event: Event, state: ImplState) -> dict[str, Any]:
        """The node's raft.tla variables in ``state``, spelled as the trace spells them."""
        p = self.prepare(event)
        i = p.i
        v = state.votedFor[i]
        view: dict[str, Any] = {
            "currentTerm": state.currentTerm[i],
            "state": STATE_NAMES[state.state[i]],
            "votedFor": None if v == NIL else self.nodes[v],
            "log": self._show_log(state.log[i]),
            "commitIndex": state.commitIndex[i],
        }
        if p.snap or state.snapshotIndex[i]:
            view["snapshotIndex"] = state.snapshotIndex[i]
        if p.match is not None:
            view["matchIndex"] = {str(self.nodes[j]): state.matchIndex[i][j] for j, _ in p.match}
        for name, seen, spec_set in (("votesResponded", p.responded, state.votesResponded[i]),
                                     ("votesGranted", p.granted, state.votesGranted[i])):
            if seen is not None:  # a field the trace did not write is never shown
                view[name] = len(spec_set) if isinstance(seen, int) else sorted(self.nodes[j] for j in spec_set)
        view["sent"] = [self.show_message(m) for _, m, flying in p.sent if flying and Count(state.messages, m)]
        return view

    def event_view(self, event: Event) -> dict[str, Any]:
        """The event's report of the same fields."""
        p = self.prepare(event)
        view: dict[str, Any] = {
            "currentTerm": p.term,
            "state": STATE_NAMES[p.role],
            "votedFor": None if p.vote == NIL else self.nodes[p.vote],
            "log": self._show_log(p.log),
            "commitIndex": p.commit,
        }
        if p.snap:
            view["snapshotIndex"] = p.snap
        if p.match is not None:
            view["matchIndex"] = {str(self.nodes[j]): x for j, x in p.match}
        for name, seen in (("votesResponded", p.responded), ("votesGranted", p.granted)):
            if seen is not None:
                view[name] = seen if isinstance(seen, int) else sorted(self.nodes[j] for j in seen)
        view["sent"] = [self.show_message(m) for _, m, flying in p.sent if flying]
        return view

    def involves(self, event: Event, label: Label) -> bool:
        """The stepping node's own actions (network steps are not the node's)."""
        return label.name not in ("DropMessage", "DuplicateMessage") and label.params[:1] == (self.index[event.node],)

    def show_param(self, action: str, name: str, value: Any) -> Any:
        """Nodes by the trace's ids, values by the trace's strings, messages in short."""
        if name in ("i", "j", "k"):
            return f"node {self.nodes[value]}"
        if name == "v":
            return self.value_name(value)
        if name == "m":
            return short_message(self.show_message(value))
        if name == "held" and value is not None:
            return self._show_log(value)
        return value

    def init_states(self) -> Iterable[RaftState]:
        """raft.tla's Init, each log the audit's empty SharedLog (its entries are shared with the trace's)."""
        logs = (self.empty,) * len(self.nodes)
        return [s.but(log=logs) for s in self.spec.init_states()]


class _Configuration:
    """The initial configuration, read off the headers one event at a time: a header's ``members``, or its
    ``nodes`` when it has none (a file written before any change), must be the same in every header; the
    servers are the ``nodes`` of all the headers together (a node added later lists itself in its own).
    The first header that breaks a rule is said by :meth:`result`."""

    def __init__(self) -> None:
        self.every: set[int] = set()
        self.first: tuple[list[Any], Event] | None = None
        self.checked: dict[int, dict[str, Any]] = {}  # id -> header (kept: its id stays its own)
        self.error: str | None = None

    def see(self, e: Event) -> None:
        """Check the header of ``e`` (once per header: the events of one boot share it)."""
        h = e.header
        if id(h) in self.checked or self.error is not None:
            return
        self.checked[id(h)] = h
        nodes = h.get("nodes")
        if not isinstance(nodes, list) or not all(isinstance(n, int) for n in nodes):
            self.error = f'{e.file}:1: a Raft trace header needs "nodes": a list of node ids'
            return
        members = h.get("members", nodes)
        if not isinstance(members, list) or not members or not set(members) <= set(nodes):
            self.error = (f'{e.file}:1: header "members" must be a non-empty list of node ids among "nodes", '
                          f"got {members!r}")
            return
        self.every.update(nodes)
        if self.first is None:
            self.first = (sorted(members), e)
        elif sorted(members) != self.first[0]:
            self.error = (f"{e.file}: the initial configuration {sorted(members)} (header \"members\", else "
                          f"\"nodes\") differs from {self.first[1].file}'s {self.first[0]}")

    def result(self) -> tuple[list[int] | None, set[int]]:
        """(the initial configuration, None when it is every node; the servers)."""
        if self.error is not None:
            raise TraceError(self.error)
        assert self.first is not None
        return (None if set(self.first[0]) == self.every else self.first[0]), self.every


def _net(p: Prepared, m: Message) -> int:
    """Copies of ``m`` the network's steps around the event added (DuplicateMessage) or took (DropMessage)."""
    return sum((x.name == "DuplicateMessage") - (x.name == "DropMessage") for x in p.network if x.params[0] == m)


def _votes_agree(spec_set: frozenset[int], seen: frozenset[int] | int) -> bool:
    """A reported vote set equals the spec's; a reported count equals its size."""
    return len(spec_set) == seen if isinstance(seen, int) else spec_set == seen


def consumes(event: Event) -> bool:
    """Whether the event's receipt takes its message out of the network (UpdateTerm and stepping down do not)."""
    if event.action == "UpdateTerm":
        return False
    return not (event.action == "HandleAppendEntriesRequest" and event.params.get("case") == "return-to-follower")


def short_message(rec: dict[str, Any]) -> str:
    """``AppendEntriesRequest 1->2 term 3 prev 4/2 entries 1 commit 4``: a message in one short phrase."""
    t = rec["mtype"]
    head = f"{t} {rec['msource']}->{rec['mdest']} term {rec['mterm']}"
    if t == "AppendEntriesRequest":
        ents = rec["mentries"]
        shown = ",".join(f"{e[0]}:{e[1]}" for e in ents[:3]) + (",..." if len(ents) > 3 else "")
        return f"{head} prev {rec['mprevLogIndex']}/{rec['mprevLogTerm']} [{shown}] commit {rec['mcommitIndex']}"
    if t == "AppendEntriesResponse":
        return f"{head} {'ok' if rec['msuccess'] else 'reject'} match {rec['mmatchIndex']}"
    if t == "RequestVoteRequest":
        return f"{head} last {rec['mlastLogIndex']}/{rec['mlastLogTerm']}"
    if t == "InstallSnapshotRequest":
        return f"{head} snapshot {rec['msnapshotIndex']}/{rec['msnapshotTerm']}"
    if t == "TimeoutNow":
        return head
    return f"{head} {'granted' if rec['mvoteGranted'] else 'denied'}"
