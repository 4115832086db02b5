"""The sans-IO Raft core: one deterministic object per node, events in, a :class:`Ready` batch out.

Inputs are method calls: :meth:`RaftNode.tick` (a timer fired), :meth:`RaftNode.step` (a message
arrived), :meth:`RaftNode.propose`, :meth:`RaftNode.read_index`, :meth:`RaftNode.transfer_leadership`,
and construction from stable storage (a restart). Output is :meth:`RaftNode.ready`: hard state and
entries to persist, then messages to send, committed entries to apply, confirmed reads and trace
events. The caller persists, sends, applies, then calls :meth:`RaftNode.advance`. No clocks, sockets,
threads or randomness inside: the election-timeout jitter comes from the injected ``rand``.

Names follow raft.tla (currentTerm, votedFor, commitIndex, nextIndex, matchIndex, and the action
names in the trace); the optimisations are those of production Raft (etcd-io/raft): batching,
pipelining with a window, fast backtracking with conflict hints, PreVote, CheckQuorum, a no-op at
the start of each term, ReadIndex and leadership transfer.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from impl.raft.log import Entry, RaftLog
from impl.raft.membership import ADD, TAG, changed, decode_config, encode_config, pack_snapshot, unpack_snapshot
from impl.raft.messages import HEARTBEAT, SUCCESS, TRANSFER, Message, MsgType, describe_value
from impl.raft.node_base import NodeBase
from impl.raft.rules import NONE, Rules
from impl.raft.tracing import NO_TRACE, JsonLinesTracer, LineFormatter, Tracer

if TYPE_CHECKING:
    from impl.raft.rejoin import Rebuilt  # (rejoin imports this module)

FOLLOWER, CANDIDATE, LEADER = 0, 1, 2
ROLE_NAMES = ("Follower", "Candidate", "Leader")
PROBE, REPLICATE, SNAPSHOT = 0, 1, 2

# plain ints, as the wire decoder gives them (a compact trace marshals messages: an IntEnum member is refused)
RV_REQ, RV_RESP = int(MsgType.RequestVoteRequest), int(MsgType.RequestVoteResponse)
AE_REQ, AE_RESP = int(MsgType.AppendEntriesRequest), int(MsgType.AppendEntriesResponse)
PV_REQ, PV_RESP = int(MsgType.PreVoteRequest), int(MsgType.PreVoteResponse)
TIMEOUT_NOW, SNAP_REQ = int(MsgType.TimeoutNow), int(MsgType.InstallSnapshotRequest)
_new_tuple = tuple.__new__
assert Message._fields[-1] == "clock"  # _emit restamps a message's clock as its last field
# what may leave before the sender's own writes are durable: a leader's requests depend only on its term,
# made durable before it campaigned (and only sent when no hard state is waiting for its fsync)
_EARLY = frozenset({AE_REQ, SNAP_REQ, TIMEOUT_NOW})


@dataclass(frozen=True)
class Config:
    """Tunables of a node; ticks are whatever unit the runtime's timer uses."""

    election_ticks: int = 10  # election timeout is uniformly in [election_ticks, 2*election_ticks)
    heartbeat_ticks: int = 1
    pre_vote: bool = True
    check_quorum: bool = True
    max_batch_entries: int = 1024  # entries per AppendEntries
    max_batch_bytes: int = 1 << 20  # bytes of entry data per AppendEntries
    max_inflight: int = 32  # unacknowledged AppendEntries per follower (pipelining window)
    trace: bool = False  # build trace events (JSON lines, Ready.trace) when no tracer is given
    # a leader replicates new entries at once to the followers that make a quorum with it, to the other voting
    # followers at each tick (RaftNode.sync_peers)
    quorum_first: bool = False


class HardState(NamedTuple):
    """What must be durable before a message that depends on it: raft.tla's currentTerm and votedFor."""

    term: int
    vote: int  # 0 = Nil


class Snapshot(NamedTuple):
    """A state-machine snapshot covering the log up to ``index`` (whose entry had ``term``), with the
    configuration as of that index (a configuration entry's bytes; empty: the initial configuration)."""

    index: int  # type: ignore[assignment]  # (the field shadows tuple.index, unused here)
    term: int
    data: bytes
    config: bytes = b""


@dataclass(slots=True)
class Ready:
    """One batch of work for the runtime, to be done in this order, then :meth:`RaftNode.advance`."""

    hard_state: HardState | None = None  # persist (with the entries, one fsync)
    snapshot: Snapshot | None = None  # a snapshot received from the leader: persist it, restore the state machine
    entries_from: int = 0  # the entries start at this index (everything from there on is replaced)
    entries: list[Entry] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)  # the first ``early`` now, the rest once durable
    early: int = 0  # how many of ``messages`` may leave before this ready's (and earlier) writes are durable
    committed: list[tuple[int, Entry]] = field(default_factory=list)  # apply, in order
    reads: list[tuple[Any, int]] = field(default_factory=list)  # (token, read index), index -1 = failed
    trace: list[Any] = field(default_factory=list)  # trace events, in order: JSON lines (no newline) or compact tuples
    _events: list[dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    @property
    def must_persist(self) -> bool:
        """Whether this ready has writes that must be durable before its late messages leave."""
        return self.hard_state is not None or bool(self.entries) or self.snapshot is not None

    def events(self, describe: Callable[[bytes], str] | None = None) -> list[dict[str, Any]]:
        """The trace events as dicts (parsed from :attr:`trace` on first use); ``describe``: the node's, which
        names the entries a CompactTracer keeps as bytes and the messages it keeps as their wire bytes."""
        if self._events is None:
            loads, fmt = json.loads, None
            events = []
            for s in self.trace:
                if type(s) is not str:  # a CompactTracer's event
                    fmt = fmt or LineFormatter(describe)
                    s = fmt.line(s)
                events.append(loads(s))
            self._events = events
        return self._events


class Progress:
    """The leader's view of one follower (etcd's Progress): nextIndex, matchIndex, flow control."""

    __slots__ = ("next", "match", "state", "inflight", "probe_sent", "active", "was_active", "hb_match", "boot",
                 "lost_below", "pending_snapshot", "snapshot_wait")

    def __init__(self, next_index: int) -> None:
        self.next = next_index
        self.match = 0
        self.state = PROBE
        self.inflight: deque[int] = deque()  # last index of each unacknowledged AppendEntries
        self.probe_sent = False
        self.active = False  # heard from since the last CheckQuorum
        self.was_active = False  # heard from in the CheckQuorum period before (quorum_refusal)
        self.hb_match = -1  # match at the previous heartbeat response (no progress => re-probe)
        self.boot = -1  # the follower's incarnation (boot count) that acknowledged ``match``
        self.lost_below = 0  # incarnations below this one lost their storage: their messages are no evidence
        # SNAPSHOT state (etcd's StateSnapshot): the index of the snapshot in flight, and the heartbeat intervals
        # waited for its acknowledgement (re-sent after an election timeout: it was lost)
        self.pending_snapshot = 0
        self.snapshot_wait = 0

    def probe(self, next_index: int) -> None:
        """Back to probing at ``next_index``: one message at a time until one succeeds."""
        self.state, self.next, self.probe_sent = PROBE, next_index, False
        self.inflight.clear()


class RaftNode(NodeBase):
    """One Raft server. Deterministic: the same calls give the same outputs."""

    rules: Rules  # set by NodeBase._init_base
    log: RaftLog

    def __init__(self, node_id: int, nodes: Iterable[int], config: Config = Config(), *,
                 rand: Callable[[int, int], int], hard_state: HardState | None = None,
                 entries: Iterable[Entry] = (), snapshot: Snapshot | None = None, boot: int = 0, clock: int = 0,
                 rules: Rules = NONE, describe: Callable[[bytes], str] = describe_value,
                 tracer: Tracer | None = None, members: Iterable[int] | None = None,
                 rebuilt: Rebuilt | None = None) -> None:
        self._init_base(node_id, nodes, config, rand, rules, describe, boot, clock)
        # the initial configuration (default: every node); the log's configuration entries change it
        self.initial_members = frozenset(self.nodes if members is None else members)
        self.learners: set[int] = set()  # a leader's non-voting catch-up targets (volatile)
        # no tracer given: the JSON-lines tracer when the config asks for a trace, else none (the no-op)
        self.tracer = tracer if tracer is not None else JsonLinesTracer() if config.trace else NO_TRACE
        self.tracer.bind(self)
        fresh = hard_state is None and snapshot is None
        hs = hard_state or HardState(1, 0)  # raft.tla: currentTerm starts at 1
        self.term, self.vote = hs.term, hs.vote
        self._persisted_hs = HardState(hs.term, hs.vote)
        self.snapshot = snapshot
        if snapshot:
            self.log = RaftLog(list(entries), snapshot.index, snapshot.term)
        else:
            self.log = RaftLog(list(entries))
        fresh = fresh and not self.log.entries
        self.role = FOLLOWER
        self._base_config = snapshot.config if snapshot else b""  # the configuration as of log.offset
        self._load_config()
        self.commit = self.applied = self.log.offset  # raft.tla Restart: commitIndex := 0 (here: the snapshot)
        self.leader = 0
        self.election_elapsed = self.heartbeat_elapsed = 0
        self.timeout = self._random_timeout()
        self.votes_granted: set[int] = set()
        self.votes_responded: set[int] = set()
        self.prevotes: set[int] | None = None  # a pre-campaign is running
        self.prs: dict[int, Progress] = {}
        self.transferee = 0
        self._broadcast = False
        self._reads_wait: list[Any] = []  # tokens waiting for the first commit of this term
        self._out: list[Message] = []
        # for tracers (impl.raft.tracing): nextIndex/matchIndex may have changed (set after every change of
        # Progress.next/match: _become_leader, _send_append, _handle_append_response, which alone calls
        # Progress.probe); the log starts with a snapshot the trace has not shown yet
        self.prs_dirty = True
        self.snapshot_changed = bool(snapshot)
        self._pending_snapshot: Snapshot | None = None
        self._hs_unsynced = 0  # readies handed out with a hard state not yet reported persisted
        self._completers: list[int] = []  # peers whose acknowledgement last completed a commit, latest first
        # _held's answer and what it was computed from: (_completers, voters, transferee, answer), by identity
        self._held_for: tuple[Any, ...] = (None, None, -1, ())
        if rebuilt is not None:  # the first boot after `cluster recover-node`, which read these peers' terms
            self.clock = max(self.clock, rebuilt.clock)  # (traced after every peer event the read saw)
            terms = {} if rebuilt.terms is None else {"terms": list(rebuilt.terms)}
            self._emit("Rebuild", {"peers": list(rebuilt.peers), **terms})
        else:
            self._emit("Init" if fresh else "Restart", {})

    # -- configuration (dissertation 4.1: the latest configuration in the log, committed or not) -------
    def _load_config(self) -> None:
        """Take the configuration from the log's latest configuration entry, else the snapshot's."""
        log = self.log
        ents = log.entries
        for k in range(len(ents) - 1, -1, -1):
            if ents[k].data[:1] == TAG:
                self._set_config(decode_config(ents[k].data), log.offset + k + 1)
                return
        base = self._base_config
        self._set_config(decode_config(base) if base else self.initial_members, log.offset)

    def _config_at(self, index: int) -> bytes:
        """The configuration as of ``index`` (>= log.offset) as bytes (empty: the initial configuration)."""
        log = self.log
        for k in range(index, log.offset, -1):
            data = log.entry(k).data
            if data[:1] == TAG:
                return data
        return self._base_config

    def _set_config(self, members: frozenset[int], index: int) -> None:
        """Use ``members`` (from the entry at ``index``; log.offset: the snapshot's or the initial one)."""
        self.members, self.config_index = members, index
        self.quorum = len(members) // 2 + 1
        self.counted = self.rules.counted(members, self.learners)  # whose acks commit (the members, bugs aside)
        self.voters = tuple(sorted(members - {self.id}))  # whom to ask for votes
        self.peers = tuple(sorted((members | self.learners) - {self.id}))  # whom a leader replicates to
        if self.role == LEADER:
            nxt = self.log.last_index() + 1
            for j in self.peers:
                if j not in self.prs:
                    self.prs[j] = Progress(nxt)
            for j in [j for j in self.prs if j not in self.peers]:
                del self.prs[j]
            self.prs_dirty = True

    def config_refusal(self, op: str, node: int) -> str | None:
        """Why this node cannot now append the change ``op`` (add/remove) of ``node``; None if it can."""
        if self.role != LEADER or self.transferee:
            return "not the leader"
        if node not in self.nodes:
            return f"node {node} is not one of the cluster's nodes {list(self.nodes)}"
        new = changed(self.members, op, node)
        if new == self.members:
            return f"node {node} is {'already' if op == ADD else 'not'} a member of {sorted(self.members)}"
        if not new:
            return f"node {node} is the last member"
        return self.rules.change_refusal(self.config_index, self.commit, self.log.term(self.commit), self.term)

    def quorum_refusal(self, op: str, node: int) -> str | None:
        """Why the change ``op`` of ``node`` would leave a configuration whose quorum includes members this leader
        has not heard from in the last election timeout or two (etcd's strict reconfiguration check); None if
        it would not. The runtime asks it before an operator's change (removing a live member while another was
        down left a configuration that could not commit or keep a leader: `cluster remove` hung, then no
        leader); the simulation's random changes do not."""
        new = changed(self.members, op, node)
        heard = {self.id} | {j for j, p in self.prs.items() if p.active or p.was_active}
        need = len(new) // 2 + 1
        if len(new & heard) >= need:
            return None
        return (f"after it the members {sorted(new)} need {need} up, and node(s) {sorted(new - heard)} have not "
                f"answered this leader within the last election timeout: the cluster would stop until they are back")

    def add_learner(self, node: int) -> bool:
        """A leader starts replicating to ``node`` without counting it (it catches up before it votes)."""
        if self.role != LEADER or node == self.id or node not in self.nodes:
            return False
        self.learners.add(node)
        self._set_config(self.members, self.config_index)
        self._broadcast = True
        return True

    def rejoined(self) -> None:
        """This node's rejoin gate opened (it was rebuilt by ``cluster recover-node``, impl.raft.rejoin): traced as
        ``CaughtUp``, so the audit can check that it neither voted nor campaigned before."""
        self._emit("CaughtUp", {})

    def caught_up(self, node: int) -> bool:
        """A leader's learner (or member) ``node`` holds everything this leader has committed."""
        pr = self.prs.get(node)
        return pr is not None and pr.match >= self.commit

    def change_config(self, op: str, node: int) -> tuple[int, int] | str:
        """Append a configuration one server larger (``add``) or smaller (``remove``): ``(index, term)`` of
        the entry, or why not (:meth:`config_refusal`). It takes effect now, on this leader, as on each node
        when the entry reaches its log; a leader that removed itself steps down once the entry commits."""
        why = self.config_refusal(op, node)
        if why is not None:
            return why
        new = changed(self.members, op, node)
        log = self.log
        index = log.last_index() + 1
        log.append([Entry(self.term, encode_config(new))])
        self.learners.discard(node)
        self._set_config(new, index)
        self._emit("AddServer" if op == ADD else "RemoveServer", {"j": node})
        self._broadcast = True
        return index, self.term

    # -- helpers ------------------------------------------------------------------------------
    def _msg(self, typ: int, dst: int, **kw: Any) -> Message:
        self.seq += 1
        return Message(typ, self.id, dst, kw.pop("term", self.term), boot=self.boot, seq=self.seq,
                       clock=self.clock + 1, **kw)

    def _append_msg(self, typ: int, dst: int, index: int, log_term: int, commit: int, flags: int, context: int,
                    entries: tuple[Entry, ...], recv_clock: int = 0) -> Message:
        """:meth:`_msg` for the messages of every write (an AppendEntries with entries, its acknowledgement): the
        fields in order, one C call (no keyword arguments, no namedtuple ``__new__`` frame). ``recv_clock``: the
        clock of the message this one answers, so that it carries the step's clock (:meth:`_emit` restamps a reply
        made before the receive clock was known)."""
        self.seq += 1
        return _new_tuple(Message, (typ, self.id, dst, self.term, index, log_term, commit, flags, 0, 0, 0, context,
                                    entries, b"", self.boot, self.seq, max(self.clock, recv_clock) + 1))

    def _emit(self, action: str, params: dict[str, Any], recv: Message | None = None,
              sent: list[Message] | tuple[Message, ...] = ()) -> None:
        """Close one protocol step: advance the Lamport clock, tell the tracer, route the messages."""
        self.clock = (max(self.clock, recv.clock) if recv is not None else self.clock) + 1
        if sent and recv is not None and sent[0].clock != self.clock:  # sent before the receive clock was known
            c = self.clock  # (clock is a message's last field: a new tuple without _replace's keyword machinery)
            sent = [_new_tuple(Message, (*m[:-1], c)) for m in sent]
        self.tracer.event(self, action, params, recv, sent)
        for m in sent:
            if m.dst == self.id:
                self.step(m)  # the node's own vote: a message to itself, handled at once
            else:
                self._out.append(m)

    def _up_to_date(self, m: Message) -> bool:
        """raft.tla's logOk for a vote: the candidate's log is at least as up to date as ours."""
        return self.rules.vote_log_ok(self.log, m)

    def _in_lease(self) -> bool:
        """CheckQuorum's leader lease: we heard from a live leader within the election timeout."""
        return self.cfg.check_quorum and self.leader != 0 and self.election_elapsed < self.cfg.election_ticks

    def _become_follower(self, term: int, leader: int) -> None:
        if term != self.term:
            self.term, self.vote = term, 0
        was_leader = self.role == LEADER
        self.role, self.leader = FOLLOWER, leader
        self.prevotes = None
        self.votes_granted, self.votes_responded = set(), set()
        self.prs = {}
        if self.learners:
            self.learners = set()
            self._set_config(self.members, self.config_index)
        self.transferee = 0
        self.election_elapsed = 0
        self.timeout = self._random_timeout()
        if was_leader:
            self._fail_reads()

    def _fail_reads(self) -> None:
        self.reads.fail(self._reads_wait)
        self._reads_wait = []

    # -- inputs ---------------------------------------------------------------------------------
    def tick(self) -> None:
        """One timer tick: heartbeats and CheckQuorum on a leader, the election timeout elsewhere."""
        self.election_elapsed += 1
        if self.role == LEADER:
            self.heartbeat_elapsed += 1
            if self.election_elapsed >= self.cfg.election_ticks:
                self.election_elapsed = 0
                if self.cfg.check_quorum:
                    members = self.counted
                    active = (self.id in members) + sum(p.active for j, p in self.prs.items() if j in members)
                    for p in self.prs.values():
                        p.was_active, p.active = p.active, False
                    if active < self.quorum:
                        self._become_follower(self.term, 0)
                        self._emit("CheckQuorum", {})
                        return
                self.transferee = 0  # a transfer that did not finish in an election timeout is abandoned
            if self.heartbeat_elapsed >= self.cfg.heartbeat_ticks:
                self.heartbeat_elapsed = 0
                for j in self.peers:
                    pr = self.prs[j]
                    if pr.state == PROBE:
                        pr.probe_sent = False
                    elif pr.state == SNAPSHOT:
                        pr.snapshot_wait += 1
                        if pr.snapshot_wait * self.cfg.heartbeat_ticks >= self.cfg.election_ticks:
                            pr.probe(pr.match + 1)  # no acknowledgement in an election timeout: send it again
                    self._send_heartbeat(j, 0)
                    self._send_append(j)
            else:
                for j in self._held():
                    self._send_append(j)
        elif self.election_elapsed >= self.timeout:
            self.election_elapsed = 0
            self.timeout = self._random_timeout()
            if self.id not in self.members:
                return  # not a voter (not yet added, or removed): it waits to hear from a leader
            if self.cfg.pre_vote:
                self._pre_campaign()
            else:
                self._campaign(None)

    def due_in(self) -> int:
        """Which of the coming ticks is the first that may do more than count (1: the next): a heartbeat, a held
        follower's entries, the CheckQuorum check, an election. A runtime may sleep through the ones before it and
        credit them all on waking (impl/runtime/ticks.py). Never late: a tick that acts on nothing (a node outside
        the configuration at its timeout) is named all the same."""
        if self.role != LEADER:  # (a follower's every write asks: no max() call)
            n = self.timeout - self.election_elapsed
            return n if n > 1 else 1
        cfg = self.cfg
        log = self.log
        last = log.last_index()
        for j in self._held():  # (quorum_first: their entries go at ticks; the tests of _send_append)
            pr = self.prs.get(j)
            if pr is not None and pr.state != SNAPSHOT and pr.next <= last and (
                    pr.next <= log.offset
                    or not (pr.probe_sent if pr.state == PROBE else len(pr.inflight) >= cfg.max_inflight)):
                return 1
        return max(1, min(cfg.heartbeat_ticks - self.heartbeat_elapsed, cfg.election_ticks - self.election_elapsed))

    def propose(self, data: bytes) -> tuple[int, int] | None:
        """Append a command on the leader: ``(index, term)`` of its entry, or None when not the leader."""
        if self.role != LEADER or self.transferee:
            return None
        log = self.log
        index = log.last_index() + 1
        log.append([_new_tuple(Entry, (self.term, data))])  # Entry(term, data) without a Python-level __new__
        self.clock += 1  # raft.tla ClientRequest: a step that sends nothing
        self.tracer.client_request(self, data)
        self._broadcast = True
        return index, self.term

    def read_index(self, token: Any) -> bool:
        """Start a linearizable read: ``token`` comes back in ``Ready.reads`` with the index to wait for."""
        if self.role != LEADER:
            return False
        if self.log.term(self.commit) != self.term:
            self._reads_wait.append(token)  # our no-op is not committed yet: commitIndex may be stale
        else:
            self.reads.new.append(token)
        return True

    def transfer_refusal(self, target: int) -> str | None:
        """Why this node cannot now hand leadership to ``target``; None if it can."""
        if self.role != LEADER:
            return "not the leader"
        if self.transferee:
            return f"a transfer to node {self.transferee} is running"
        if target == self.id:
            return f"node {target} is the leader already"
        if target not in self.members or target not in self.prs:
            return f"node {target} is not a member of the configuration {sorted(self.members)}"
        return None

    def transfer_target(self) -> int:
        """The member a leader would hand over to when none is named: the one whose log matches most of its own
        (the lowest id among equals); 0 when it is the only member."""
        return max((j for j in self.prs if j in self.members), key=lambda j: (self.prs[j].match, -j), default=0)

    def transfer_leadership(self, target: int) -> bool:
        """Hand leadership to ``target``: no more proposals here (:meth:`propose`), bring its log up to date,
        then send it TimeoutNow; abandoned (proposals accepted again) if it has not finished in an election
        timeout (:meth:`tick`). False if not possible now (:meth:`transfer_refusal`)."""
        if self.transfer_refusal(target) is not None:
            return False
        self.transferee = target
        self.election_elapsed = 0
        if self.rules.transfer_ready(self.prs[target].match, self.log.last_index()):
            self._send_timeout_now(target)
        else:
            self._send_append(target)
        return True

    def _snapshot_at(self, index: int, data: bytes) -> Snapshot:
        """The snapshot at ``index`` carries the configuration as of that index (:meth:`NodeBase.compact`)."""
        snap = Snapshot(index, self.log.term(index), data, self._config_at(index))
        self._base_config = snap.config
        self.snapshot_changed = True  # the trace's log now starts with this snapshot
        return snap

    def step(self, m: Message) -> None:
        """Handle one received message (raft.tla's Receive)."""
        if m.dst != self.id:
            return
        t = m.type
        if m.term > self.term:
            if t == PV_REQ:
                pass
            elif t == PV_RESP:
                if not m.success:
                    self._emit("HandlePreVoteResponse", {"j": m.src}, m)
                    return
            elif t == RV_REQ and self._in_lease() and not m.flags & TRANSFER:
                self._emit("DropMessage", {"j": m.src}, m)
                return
            else:
                self._become_follower(m.term, m.src if t in (AE_REQ, SNAP_REQ) else 0)
                self._emit("UpdateTerm", {"j": m.src}, m)
        elif m.term < self.term:
            if t == AE_REQ and self.rules.append_term_ok(m.term, self.term):
                self._handle_append(m)
            elif t == RV_RESP and self.rules.vote_response_term_ok(m.term, self.term):
                self._handle_vote_response(m)
            elif t == SNAP_REQ and self.rules.snapshot_term_ok(m.term, self.term):
                self._handle_snapshot(m)
            elif t in (AE_REQ, SNAP_REQ):
                r = self._msg(AE_RESP, m.src, reject=m.index, context=m.context, flags=m.flags & HEARTBEAT)
                self._emit("HandleAppendEntriesRequest", {"j": m.src, "case": "reject"}, m, [r])
            elif t == RV_REQ:
                self._emit("HandleRequestVoteRequest", {"j": m.src}, m, [self._msg(RV_RESP, m.src)])
            elif t == PV_REQ:
                self._emit("HandlePreVoteRequest", {"j": m.src}, m, [self._msg(PV_RESP, m.src)])
            elif t in (RV_RESP, AE_RESP):
                self._emit("DropStaleResponse", {"j": m.src}, m)
            else:
                self._emit("DropMessage", {"j": m.src}, m)
            return
        if t == AE_REQ:
            self._handle_append(m)
        elif t == AE_RESP:
            self._handle_append_response(m)
        elif t == RV_REQ:
            grant = m.term == self.term and self._up_to_date(m) and self.vote in (0, m.src)
            if grant:
                self.vote = m.src
                self.election_elapsed = 0
            r = self._msg(RV_RESP, m.src, flags=SUCCESS if grant else 0)
            self._emit("HandleRequestVoteRequest", {"j": m.src}, m, [r])
        elif t == RV_RESP:
            self._handle_vote_response(m)
        elif t == PV_REQ:
            grant = m.term > self.term and self._up_to_date(m) and not self._in_lease()
            r = self._msg(PV_RESP, m.src, term=m.term if grant else self.term, flags=SUCCESS if grant else 0)
            self._emit("HandlePreVoteRequest", {"j": m.src}, m, [r])
        elif t == PV_RESP:
            counted = self.prevotes is not None and m.success and m.term == self.term + 1
            if counted:
                self.prevotes.add(m.src)  # type: ignore[union-attr]
            self._emit("HandlePreVoteResponse", {"j": m.src}, m)
            if counted and len(self.prevotes & self.members) >= self.quorum:  # type: ignore[operator]
                self._campaign(None)
        elif t == TIMEOUT_NOW:
            if self.role == FOLLOWER and m.src == self.leader and self.id in self.members:
                self._campaign(m)
            else:
                self._emit("DropMessage", {"j": m.src}, m)
        elif t == SNAP_REQ:
            self._handle_snapshot(m)

    # -- elections ------------------------------------------------------------------------------
    def _pre_campaign(self) -> None:
        self.prevotes = {self.id}
        self.leader = 0
        li, lt = self.log.last_index(), self.log.last_term()
        sent = [self._msg(PV_REQ, j, term=self.term + 1, index=li, log_term=lt) for j in self.voters]
        self._emit("PreVote", {}, None, sent)
        if len(self.prevotes) >= self.quorum:
            self._campaign(None)

    def _campaign(self, cause: Message | None) -> None:
        """raft.tla Timeout, then RequestVote to every server (itself first)."""
        self.term += 1
        self.role, self.vote, self.leader = CANDIDATE, 0, 0
        self.prevotes = None
        self.votes_granted, self.votes_responded = set(), set()
        self.election_elapsed = 0
        self.timeout = self._random_timeout()
        self._emit("Timeout", {}, cause)
        flags = TRANSFER if cause is not None else 0
        term = self.term
        for j in (self.id, *self.voters):
            if self.role != CANDIDATE or self.term != term:
                break  # a single-node cluster is already leader
            m = self._msg(RV_REQ, j, index=self.log.last_index(), log_term=self.log.last_term(), flags=flags)
            self._emit("RequestVote", {"j": j}, None, [m])

    def _handle_vote_response(self, m: Message) -> None:
        self.votes_responded.add(m.src)
        if m.success:
            self.votes_granted.add(m.src)
        self._emit("HandleRequestVoteResponse", {"j": m.src}, m)
        if self.role == CANDIDATE and len(self.votes_granted & self.members) >= self.quorum:
            self._become_leader()

    def _become_leader(self) -> None:
        self.role, self.leader = LEADER, self.id
        self.prevotes = None  # a pre-campaign it ran as a candidate is over: a late grant must not start an election
        self.heartbeat_elapsed = self.election_elapsed = 0
        nxt = self.log.last_index() + 1
        self.prs = {j: Progress(nxt) for j in self.peers}
        self.prs_dirty = True
        self._emit("BecomeLeader", {})
        self.log.append([Entry(self.term, b"")])  # the no-op that lets this term commit (and reads start)
        self.clock += 1
        self.tracer.client_request(self, b"")
        self._broadcast = True

    def _send_timeout_now(self, j: int) -> None:
        self._emit("TransferLeadership", {"j": j}, None, [self._msg(TIMEOUT_NOW, j)])

    # -- replication ----------------------------------------------------------------------------
    def _send_heartbeat(self, j: int, ctx: int) -> None:
        pr = self.prs[j]
        prev = pr.match if self.log.term(pr.match) >= 0 else 0
        m = self._msg(AE_REQ, j, index=prev, log_term=self.log.term(prev), commit=min(self.commit, prev),
                      flags=HEARTBEAT, context=ctx)
        self._emit("AppendEntries", {"j": j}, None, [m])

    def _send_append(self, j: int) -> None:
        """Send what follower ``j`` lacks, as flow control allows (one probe, or a window of batches)."""
        pr = self.prs.get(j)
        log = self.log
        if pr is None or pr.state == SNAPSHOT:  # (no longer a leader or a peer: a removal committed meanwhile)
            return
        if pr.next <= log.offset:
            snap = self.snapshot
            assert snap is not None
            pr.state, pr.pending_snapshot, pr.snapshot_wait = SNAPSHOT, snap.index, 0
            pr.inflight.clear()
            m = self._msg(SNAP_REQ, j, index=snap.index, log_term=snap.term,
                          snapshot=pack_snapshot(snap.config, snap.data))
            self._emit("InstallSnapshot", {"j": j}, None, [m])
            return
        last = log.last_index()
        cfg = self.cfg
        while pr.next <= last:
            if pr.state == PROBE:
                if pr.probe_sent:
                    return
            elif len(pr.inflight) >= cfg.max_inflight:
                return
            hi = min(last, pr.next + cfg.max_batch_entries - 1)
            entries = log.slice(pr.next, hi)
            size = 0
            for k, e in enumerate(entries):
                size += len(e.data)
                if size > cfg.max_batch_bytes and k > 0:
                    entries = entries[:k]
                    hi = pr.next + k - 1
                    break
            prev = pr.next - 1
            m = self._append_msg(AE_REQ, j, prev, log.term(prev), min(self.commit, hi), 0, 0, tuple(entries))
            self._emit("AppendEntries", {"j": j}, None, [m])
            if pr.state == PROBE:
                pr.probe_sent = True
                return
            pr.inflight.append(hi)
            pr.next = hi + 1
            self.prs_dirty = True

    def _handle_append(self, m: Message) -> None:
        """raft.tla HandleAppendEntriesRequest for a whole batch."""
        if self.role == CANDIDATE:
            self.role = FOLLOWER
            self.votes_granted, self.votes_responded = set(), set()
            self._emit("HandleAppendEntriesRequest", {"j": m.src, "case": "return-to-follower"}, m)
        elif self.role == LEADER:  # two leaders in one term: impossible unless a bug was planted
            self._emit("DropMessage", {"j": m.src}, m)
            return
        self.leader = m.src
        self.election_elapsed = 0
        log = self.log
        prev, prev_term, entries = m.index, m.log_term, m.entries
        if prev < log.offset:  # the start of the batch is inside our snapshot: committed, hence matching
            skip = log.offset - prev
            entries = entries[skip:]
            prev, prev_term = log.offset, log.offset_term
        hb = m.flags & HEARTBEAT
        last = log.last_index()
        if prev > last or log.term(prev) != prev_term:
            if prev > last:
                hint_index, hint_term = last + 1, 0
            else:
                hint_term = log.term(prev)
                hint_index = log.first_index_of_term_at(prev)
            r = self._msg(AE_RESP, m.src, reject=m.index, hint_index=hint_index, hint_term=hint_term,
                          context=m.context, flags=hb)
            self._emit("HandleAppendEntriesRequest", {"j": m.src, "case": "reject"}, m, [r])
            return
        if entries:
            ci = self.config_index
            held = log.entry(ci) if ci > log.offset else None
            self.rules.store_entries(log, prev, entries)
            if (held is not None and (ci > log.last_index() or log.entry(ci) is not held)) or (
                    entries[0].data[:1] == TAG if len(entries) == 1 else any(e.data[:1] == TAG for e in entries)):
                self._load_config()  # a configuration entry arrived or was overwritten
        c = self.rules.follower_commit(m.commit, prev + len(entries), log.last_index())
        if c > self.commit:
            self.commit = c
        r = self._append_msg(AE_RESP, m.src, m.index + len(m.entries), 0, 0, SUCCESS | hb, m.context, (), m.clock)
        self._emit("HandleAppendEntriesRequest", {"j": m.src, "case": "accept"}, m, [r])

    def _handle_snapshot(self, m: Message) -> None:
        if self.role == CANDIDATE:
            self.role = FOLLOWER
            self._emit("HandleAppendEntriesRequest", {"j": m.src, "case": "return-to-follower"}, m)
        self.leader = m.src
        self.election_elapsed = 0
        how = self.rules.snapshot_install(self.log, self.commit, m.index, m.log_term)
        if how != "ignore":
            if how == "keep":
                self.log.compact(m.index, m.log_term)  # keep the matching suffix: we may have acknowledged it
            else:
                self.log.restore(m.index, m.log_term)
            self.snapshot_changed = True
            self.applied = m.index
            self.commit = self.rules.snapshot_commit(m.index, self.commit)
            cfg, data = unpack_snapshot(m.snapshot)
            self.snapshot = self._pending_snapshot = Snapshot(m.index, m.log_term, data, cfg)
            self._base_config = cfg
            self._load_config()
        r = self._msg(AE_RESP, m.src, index=self.commit, flags=SUCCESS)
        self._emit("HandleInstallSnapshotRequest", {"j": m.src}, m, [r])

    def _handle_append_response(self, m: Message) -> None:
        j = m.src
        if self.role != LEADER or j not in self.prs:
            self._emit("HandleAppendEntriesResponse", {"j": j}, m)
            return
        pr = self.prs[j]
        if m.boot < pr.lost_below:  # (a late reply of an incarnation whose storage is gone: it holds nothing now)
            self._emit("DropMessage", {"j": j}, m)
            return
        pr.active = True
        self.prs_dirty = True
        last = self.log.last_index()
        if m.success:
            pr.boot = m.boot
            if m.index > pr.match:
                pr.match = m.index
            if pr.next <= pr.match:
                pr.next = pr.match + 1
            if pr.state == SNAPSHOT and pr.match < pr.pending_snapshot:
                # an acknowledgement sent before the snapshot arrived (a heartbeat's, or one queued while this
                # leader was down): the snapshot is still in flight; wait for its own acknowledgement rather
                # than send it again for each of these
                self._emit("HandleAppendEntriesResponse", {"j": j}, m)
                if m.context:
                    self._read_ack(j, m.context)
                self._maybe_commit()
                return
            while pr.inflight and pr.inflight[0] <= pr.match:
                pr.inflight.popleft()
            if pr.state != REPLICATE:
                pr.state = REPLICATE
                pr.inflight.clear()
                pr.next = pr.match + 1
            if m.flags & HEARTBEAT and pr.match < last:
                if pr.match == pr.hb_match:  # no progress over a heartbeat interval: something was lost
                    pr.probe(pr.match + 1)
                pr.hb_match = pr.match
            self._emit("HandleAppendEntriesResponse", {"j": j}, m)
            if m.context:
                self._read_ack(j, m.context)
            commit = self.commit
            self._maybe_commit()
            # (j's copy completed the quorum: it comes first)
            if self.commit != commit and not (self._completers and self._completers[0] == j):
                self._completers = [j, *(k for k in self._completers if k != j)]
            if self.transferee == j and self.rules.transfer_ready(pr.match, self.log.last_index()):
                self._send_timeout_now(j)
        else:
            stale = m.reject <= pr.match if pr.state == REPLICATE else m.reject != pr.next - 1
            if pr.state == SNAPSHOT:
                stale = True
            if m.boot > pr.boot >= 0 and not m.hint_term and m.hint_index <= pr.match:
                # a new incarnation whose log ends before what the old one acknowledged: its storage was
                # lost and rebuilt empty (`paxraft cluster recover-node`); replicate from what it has
                pr.match, stale = m.hint_index - 1, False
                pr.boot = pr.lost_below = m.boot
            if not stale:
                nxt = m.hint_index
                if m.hint_term:
                    k = self.log.last_index_of_term(m.hint_term)
                    if k:
                        nxt = k + 1
                pr.probe(max(min(nxt, m.reject), pr.match + 1, 1))
            self._emit("HandleAppendEntriesResponse", {"j": j}, m)
        if m.success and j in self._held():  # (a held follower's next batch goes at the next tick)
            return
        self._send_append(j)

    def _maybe_commit(self) -> None:
        """raft.tla AdvanceCommitIndex: the largest index a quorum stores, if it is of this term."""
        if self.role != LEADER:
            return
        members = self.counted
        matches = [p.match for j, p in self.prs.items() if j in members]
        if self.id in members:
            matches.append(self.rules.own_match(self.log))  # the persisted index: what is durable here
        if len(matches) < self.quorum:
            return
        matches.sort(reverse=True)
        n = matches[self.quorum - 1]
        if n > self.commit and self.rules.commit_term_ok(self.log.term(n), self.term):
            self.commit = n
            self._emit("AdvanceCommitIndex", {})
            if self.id not in members and self.config_index <= n:  # removed: its removal is committed
                self._become_follower(self.term, 0)
                self._emit("StepDownRemoved", {})
                return
            if self._reads_wait and self.log.term(n) == self.term:
                self.reads.new.extend(self._reads_wait)
                self._reads_wait = []

    def sync_peers(self) -> tuple[int, ...] | None:
        """A leader's choice of the followers to replicate to at once: as many voters as make a quorum with it,
        those whose acknowledgements completed the latest commits first. With ``Config.quorum_first`` the other
        voting followers get new entries at each tick, a tick's worth in one AppendEntries (:meth:`_held`). None
        (every peer) on a follower or a leader that does not vote.

        The fsyncs of a write's nodes land on one disk, which serves them one after another, and every follower
        woken by a write waits for a CPU with the others: a write needs the leader's and one follower's, and a
        second follower's at the same time delayed both (docs/performance-log.md, 2026-12-05). A follower that
        is down or slow stops completing commits, and one that does comes first from then on.
        """
        if self.role != LEADER or self.id not in self.members:
            return None
        members = self.members
        order = [j for j in self._completers if j in members]
        order += [j for j in self.voters if j not in order]
        return tuple(order[: self.quorum - 1])

    def _held(self) -> tuple[int, ...]:
        """The followers a leader with ``quorum_first`` sends new entries to at its ticks only: the voters beyond
        :meth:`sync_peers`, not a leadership transfer's target. Learners are never held: they join once they hold
        everything committed, which entries sent a tick late would never catch up with under steady writes."""
        if not self.cfg.quorum_first or self.role != LEADER:
            return ()
        was = self._held_for  # (asked at each write's round and acknowledgement: computed when its inputs change)
        if was[0] is self._completers and was[1] is self.voters and was[2] == self.transferee:
            return was[3]
        first = self.sync_peers()
        held = () if first is None else tuple(j for j in self.voters if j not in first and j != self.transferee)
        self._held_for = (self._completers, self.voters, self.transferee, held)
        return held

    def _read_ack(self, j: int, ctx: int) -> None:
        self.reads.ack(j, ctx, lambda acks: len(acks & self.members) >= self.quorum)

    # -- output ---------------------------------------------------------------------------------
    def has_ready(self) -> bool:
        """Whether :meth:`ready` has anything to hand out."""
        log, phs = self.log, self._persisted_hs
        return bool(self._out or self._broadcast or self.commit > self.applied
                    or log.unstable_from <= log.offset + len(log.entries) or self.tracer.has_events()
                    or self.reads.new or self.reads.done or self.term != phs.term or self.vote != phs.vote
                    or self._pending_snapshot)

    def ready(self) -> Ready:
        """Everything to do now; call :meth:`advance` with it once it is done."""
        if self.role == LEADER:
            if self._broadcast:
                held = self._held()
                for j in self.peers:
                    if j not in held:
                        self._send_append(j)
            if self.reads.new:
                self._start_read_round()
        self._broadcast = False
        rd = Ready()
        phs = self._persisted_hs
        if self.term != phs.term or self.vote != phs.vote:
            hs = HardState(self.term, self.vote)
            rd.hard_state = self.rules.persisted(hs)
            self._persisted_hs = hs
        rd.snapshot, self._pending_snapshot = self._pending_snapshot, None
        log = self.log
        if log.unstable_from <= log.last_index():
            rd.entries_from = log.unstable_from
            rd.entries = log.slice(log.unstable_from, log.last_index())
            log.unstable_from = log.last_index() + 1  # handed to storage (durable once :meth:`persisted` says so)
        if rd.hard_state is not None:
            self._hs_unsynced += 1
        if self.commit > self.applied:
            lo = max(self.applied, log.offset) + 1
            rd.committed = [(i, log.entry(i)) for i in range(lo, self.commit + 1)]
            self.applied = self.commit
        out, self._out = self._out, []
        if len(out) == 1:  # (a write's one AppendEntries, or a follower's acknowledgement)
            if rd.hard_state is None and not self._hs_unsynced and out[0].type in _EARLY:
                rd.early = 1
        elif out and rd.hard_state is None and not self._hs_unsynced:
            early = [m for m in out if m.type in _EARLY]
            if len(early) == len(out):  # (a leader's round: AppendEntries only)
                rd.early = len(out)
            elif early:
                out = early + [m for m in out if m.type not in _EARLY]
                rd.early = len(early)
        rd.messages = out
        rd.reads = self.reads.take()
        rd.trace = self.tracer.take()
        return rd

    def persisted(self, rd: Ready) -> None:
        """Storage reports ``rd``'s writes durable (readies are persisted in the order they were handed out).

        This is the only way the persisted index (``log.stable``) moves up, and the leader counts
        its own copy towards a commit only up to it (:meth:`_maybe_commit`): its AppendEntries left
        before its own fsync, so the followers' durable copies and its own race (Raft thesis 10.2.1).
        """
        if rd.hard_state is not None:
            self._hs_unsynced -= 1
        if rd.entries:
            last = rd.entries_from + len(rd.entries) - 1
            if self.log.term(last) == rd.entries[-1].term:  # not replaced by a later ready meanwhile
                self.log.stable_to(last)
            if self.role == LEADER:
                self._maybe_commit()

    def advance(self, rd: Ready) -> None:
        """The runtime persisted ``rd``'s writes, sent its messages and applied its entries (synchronous storage)."""
        self.persisted(rd)

    def _start_read_round(self) -> None:
        if self.members == {self.id}:
            self.reads.answer_now(self.commit)
            return
        ctx = self.reads.start(self.commit, self.id)
        self._emit("ReadIndex", {"index": self.commit})
        for j in self.peers:
            self._send_heartbeat(j, ctx)

    # -- inspection -----------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """A summary for `paxraft cluster status` (``transferee``: the target of a leadership transfer in flight,
        0 for none; tests wait on it to act while a transfer runs; ``commit_term``: `cluster add` rolls back a
        refused node only from a leader that has committed an entry of its term; ``quorum_peers``: a leader's
        :meth:`sync_peers`)."""
        return {"id": self.id, "term": self.term, "role": ROLE_NAMES[self.role], "leader": self.leader,
                "commit": self.commit, "applied": self.applied, "last_index": self.log.last_index(),
                "snapshot_index": self.log.offset, "members": sorted(self.members),
                "config_index": self.config_index, "transferee": self.transferee,
                "commit_term": self.log.term(self.commit), "quorum_peers": list(self.sync_peers() or ())}
