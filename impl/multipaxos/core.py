"""The sans-IO Multi-Paxos core: one deterministic object per replica, events in, a :class:`Ready` batch out.

The same interface as the Raft core (:class:`impl.raft.core.RaftNode`): :meth:`tick`, :meth:`step`,
:meth:`propose`, :meth:`read_index`, :meth:`compact`; :meth:`ready` hands out one
:class:`impl.raft.core.Ready` (hard state and votes to persist, messages to send after the fsync,
chosen commands to apply, confirmed reads, trace events) and :meth:`advance` takes it back. So the
key-value replica, the asyncio runtime, the write-ahead log and the simulation run it unchanged.

Protocol (names as MultiPaxos.tla's macros, which the trace uses):

- **BecomeLeader**: a replica that heard no leader for a randomized election timeout takes a
  ballot above any it knows (``round << 16 | id``: unique per replica) and sends one Prepare for
  every slot from its commit point on (phase 1 once for all future slots).
- **HandlePrepare**: an acceptor promises a higher ballot (durably) and reports its votes from that
  slot on; a snapshot goes along when the leader lacks slots it has compacted. While it hears from
  a live leader it ignores Prepares (leader stickiness), so a partitioned replica that comes back
  cannot depose a working leader; a lower ballot is answered with a rejection naming the higher one.
- **HandlePrepareReplies**: with a majority, the leader re-proposes in every slot the highest-ballot
  vote reported, and a no-op in a slot where none was (gap filling), then serves new commands.
- **TakeNewRequest**: a prepared leader proposes a command in its next slot; Accepts are pipelined
  and batched (many slots per message, many messages in flight).
- **HandleAccept**: an acceptor votes (durably, before replying) for an Accept of a ballot at least
  its promise. **HandleAcceptReplies**: a slot is chosen once a majority (the leader's own durable
  vote included) voted for it in the leader's ballot; commits advance in slot order.
- **HandleCommitNotice**: commit notification rides on Accepts and heartbeats (``commit``): a
  follower learns the slots up to it where its vote is in the leader's ballot. A lagging replica
  (a reply reports its commit point) is sent the chosen commands it lacks (**Learn**) or, below
  the leader's snapshot, the snapshot.
- Reads: the leader confirms with a heartbeat round (``context``) that a majority still follows
  its ballot, then serves the read once it has applied every slot it had proposed.

Messages are :class:`impl.raft.messages.Message` (one wire codec): ``term`` is the ballot,
``index`` the first slot, ``entries`` one ``Entry(ballot, command)`` per slot from there,
``commit`` the sender's commit point, ``hint_index`` the last slot an AcceptReply covers,
``context`` a read round; a PrepareReply's snapshot has its slot in ``context`` and ballot in
``log_term``. A rejection has no SUCCESS flag and the higher ballot as ``term``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from impl.multipaxos.rules import NONE, Rules
from impl.multipaxos.tracing import event_line, proposal_line
from impl.multipaxos.votes import Votes
from impl.raft.core import Config, HardState, Ready, Snapshot
from impl.raft.log import Entry
from impl.raft.messages import SUCCESS, Message, MsgType, describe_value
from impl.raft.node_base import NodeBase

if TYPE_CHECKING:
    from impl.raft.rejoin import Rebuilt

FOLLOWER, CANDIDATE, LEADER = 0, 1, 2
ROLE_NAMES = ("Follower", "Preparing", "Leader")
PREPARE, PREPARE_REPLY, ACCEPT = MsgType.Prepare, MsgType.PrepareReply, MsgType.Accept
ACCEPT_REPLY, LEARN, SNAPSHOT = MsgType.AcceptReply, MsgType.Learn, MsgType.SnapshotInstall
NOOP = b""  # a gap's filler: the state machine applies empty data as nothing
DEFAULT_CONFIG = Config()
_EARLY = frozenset({ACCEPT, LEARN, SNAPSHOT})
ROUND = 16  # ballot = round << ROUND | replica id


def ballot_round(ballot: int) -> int:
    """The round of a ballot (its owner is ``ballot & 0xFFFF``)."""
    return ballot >> ROUND


class MultiPaxosNode(NodeBase):
    """One Multi-Paxos replica (acceptor, learner, and proposer when leader). Deterministic."""

    rules: Rules  # set by NodeBase._init_base
    log: Votes
    POSITION = "slot"

    def __init__(self, node_id: int, nodes: Iterable[int], config: Config = DEFAULT_CONFIG, *,
                 rand: Callable[[int, int], int], hard_state: HardState | None = None,
                 entries: Iterable[Entry] = (), snapshot: Snapshot | None = None, boot: int = 0, clock: int = 0,
                 rules: Rules = NONE, describe: Callable[[bytes], str] = describe_value, rejoining: bool = False,
                 rebuilt: Rebuilt | None = None) -> None:
        self._init_base(node_id, nodes, config, rand, rules, describe, boot, clock)
        self.peers = tuple(n for n in self.nodes if n != node_id)
        self.quorum = len(self.nodes) // 2 + 1
        fresh = hard_state is None and snapshot is None
        self.promised = hard_state.term if hard_state else 0  # balMaxKnown: the highest ballot promised
        self._persisted = self.promised
        self.snapshot = snapshot
        votes = rules.restored_votes(list(entries))
        self.log = Votes(votes, snapshot.index if snapshot else 0, snapshot.term if snapshot else 0)
        fresh = fresh and not self.log.slots
        self.commit = self.applied = self.log.offset  # chosen and applied up to here
        self._chosen: set[int] = set()  # slots above commit known chosen (learned out of order)
        self.role = FOLLOWER
        self.leader = 0
        self.ballot = 0  # balPrepared's ballot while preparing or leading
        self.prepared = 0  # balPrepared: the ballot whose phase 1 finished (a leader's)
        self.election_elapsed = self.heartbeat_elapsed = 0
        self.timeout = self._random_timeout()
        self._replies: dict[int, Message] = {}  # a candidate's PrepareReplies (its own as a message too)
        self._prep_from = 0
        self.next_slot = 0  # a leader's next free slot
        self._acks: dict[int, set[int]] = {}  # a leader's unchosen slots -> replicas that voted in its ballot
        self._sent: dict[int, int] = {}  # a leader's highest slot sent to each peer
        self._peer_commit: dict[int, int] = {}
        self._active: set[int] = set()  # peers heard from since the last quorum check
        self._broadcast = False
        self._out: list[Message] = []
        self._pending_snapshot: Snapshot | None = None
        self._hs_unsynced = 0  # readies handed out with a promise not yet reported durable
        self.tracing = config.trace
        self._trace: list[str] = []
        # rebuilt from empty storage (`cluster recover-node`, impl/multipaxos/rejoin.py): no vote, no promise, no
        # campaign until it has learned what a leader above its floor may know (spec/multipaxos_rebuild.py's Resume)
        self.rejoining = rejoining and rules.rejoin_gate()
        self._rejoin_at = (0, 0)  # (ballot, horizon) of the newest leader above the floor heard while rejoining
        self.horizon = 0  # a leader's own no-op slot: its commit point past it covers every slot chosen before
        if rebuilt is not None:  # the first boot after `cluster recover-node`, which read these peers' ballots
            self.clock = max(self.clock, rebuilt.clock)
            ballots = {} if rebuilt.terms is None else {"ballots": list(rebuilt.terms)}
            self._emit("Rebuild", {"peers": list(rebuilt.peers), **ballots})
        else:
            self._emit("Init" if fresh else "Restart", {}, slots=range(self.log.offset + 1, self.log.last() + 1))

    # -- helpers ------------------------------------------------------------------------------
    def _msg(self, typ: int, dst: int, term: int, **kw: Any) -> Message:
        self.seq += 1
        return Message(typ, self.id, dst, term, boot=self.boot, seq=self.seq, clock=self.clock + 1, **kw)

    def _emit(self, action: str, params: dict[str, Any], recv: Message | None = None,
              sent: list[Message] | tuple[Message, ...] = (), slots: Iterable[int] = ()) -> None:
        """Close one protocol step: advance the Lamport clock, record the trace event, queue the messages."""
        self.clock = (max(self.clock, recv.clock) if recv is not None else self.clock) + 1
        if sent and sent[0].clock != self.clock:
            sent = [m._replace(clock=self.clock) for m in sent]
        if self.tracing:
            self._trace.append(event_line(self, action, params, recv, sent, slots))
        self._out.extend(sent)

    def _in_lease(self) -> bool:
        """We follow a leader we heard from within half the shortest election timeout (it heartbeats more often)."""
        return self.role == FOLLOWER and self.leader not in (0, self.id) and \
            self.election_elapsed < self.cfg.election_ticks // 2

    def _promise(self, ballot: int) -> None:
        self.promised = ballot

    def _step_down(self, ballot: int, leader: int) -> None:
        """Follow ``leader`` (0: unknown) at ``ballot`` (a higher ballot than ours was seen)."""
        if ballot > self.promised:
            self._promise(ballot)
        was_leader = self.role == LEADER
        self.role, self.leader, self.ballot, self.prepared = FOLLOWER, leader, 0, 0
        self._replies, self._acks, self._sent, self._peer_commit = {}, {}, {}, {}
        self.election_elapsed = 0
        self.timeout = self._random_timeout()
        if was_leader:
            self.reads.fail()

    def _learn(self, slot: int, entry: Entry) -> bool:
        """``entry``'s command is chosen in ``slot``: keep it as this acceptor's vote there (safe: every
        vote in a ballot at or above the one that chose it is for the same command) and commit.
        Whether it was news."""
        if slot <= self.commit or slot in self._chosen:
            return False
        own = self.log.get(slot)
        if own.data != entry.data or own.term == 0:
            self.log.put(slot, entry)
        self._chosen.add(slot)
        return True

    def _commit_point(self) -> int:
        """Where the commit point is about to move: over the chosen slots that follow it."""
        c = self.commit
        while c + 1 in self._chosen:
            c += 1
        return c

    def _commit_notice(self) -> None:
        """HandleCommitNotice: a follower commits the chosen slots that follow its commit point."""
        done = self._advance_commit()
        if done:
            self._emit("HandleCommitNotice", {"upto": self.commit}, slots=done)

    def _advance_commit(self) -> list[int]:
        """Move the commit point over the chosen slots that follow it; the slots committed."""
        done = []
        while self.commit + 1 in self._chosen:
            self.commit += 1
            self._chosen.discard(self.commit)
            self._acks.pop(self.commit, None)
            done.append(self.commit)
        return done

    # -- inputs ---------------------------------------------------------------------------------
    def tick(self) -> None:
        """One timer tick: heartbeats and the quorum check on a leader, the election timeout elsewhere."""
        self.election_elapsed += 1
        if self.role == LEADER:
            self.heartbeat_elapsed += 1
            if self.election_elapsed >= self.cfg.election_ticks:
                self.election_elapsed = 0
                if len(self._active) + 1 < self.quorum:  # not heard from a majority: step down
                    self._step_down(self.promised, 0)
                    self._emit("StepDown", {})
                    return
                self._active = set()
            if self.heartbeat_elapsed >= self.cfg.heartbeat_ticks:
                self.heartbeat_elapsed = 0
                for j in self.peers:
                    self._heartbeat(j, 0)
                    self._resend(j)
        elif self.election_elapsed >= self.timeout and not self.rejoining:  # (a rejoining replica never leads)
            self._campaign()

    def due_in(self) -> int:
        """Which of the coming ticks is the first that may do more than count (1: the next): a heartbeat, the
        quorum check, a campaign (:meth:`impl.raft.core.RaftNode.due_in`)."""
        if self.role != LEADER:  # (a follower's every write asks: no max() call)
            n = self.timeout - self.election_elapsed
            return n if n > 1 else 1
        cfg = self.cfg
        return max(1, min(cfg.heartbeat_ticks - self.heartbeat_elapsed, cfg.election_ticks - self.election_elapsed))

    def propose(self, data: bytes) -> tuple[int, int] | None:
        """TakeNewRequest on a prepared leader: ``(slot, ballot)`` of the proposal, or None when not leading."""
        if self.role != LEADER:
            return None
        slot = self.next_slot
        self.next_slot += 1
        self.log.put(slot, Entry(self.ballot, data))
        self._acks[slot] = set()
        self._broadcast = True
        self.clock += 1  # a step that sends nothing (its Accepts go out with the next ready)
        if self.tracing:
            self._trace.append(proposal_line(self, slot, self.ballot, data))
        return slot, self.ballot

    def read_index(self, token: Any) -> bool:
        """Start a linearizable read: ``token`` comes back in ``Ready.reads`` with the slot to wait for."""
        if self.role != LEADER:
            return False
        if self.rules.local_reads():  # planted bug: no quorum round
            self.reads.done.append((token, self.commit))
            self._emit("ConfirmRead", {"acks": [self.id]})
            return True
        self.reads.new.append(token)
        return True

    def _snapshot_at(self, index: int, data: bytes) -> Snapshot:
        """The snapshot at slot ``index``; the votes up to it go (:meth:`NodeBase.compact`)."""
        return Snapshot(index, self.log.get(index).term, data)

    def step(self, m: Message) -> None:
        """Handle one received message."""
        if m.dst != self.id:
            return
        t = m.type
        if t == PREPARE:
            self._handle_prepare(m)
        elif t == PREPARE_REPLY:
            self._handle_prepare_reply(m)
        elif t == ACCEPT:
            self._handle_accept(m)
        elif t == ACCEPT_REPLY:
            self._handle_accept_reply(m)
        elif t == LEARN:
            self._handle_learn(m)
        elif t == SNAPSHOT:
            self._handle_snapshot(m)

    def _rejected(self, m: Message, action: str) -> None:
        """A rejection naming a higher ballot (of an Accept, or of a Prepare delivered late): a leader stops leading
        in its ballot and prepares again above it at once. That replica promised more while cut off, or while a
        restart's links were not yet up; a leader that only stepped down left the cluster leaderless for an election
        timeout, and the replica coming back often won it (a restarted follower deposed a working leader)."""
        leading = self.role == LEADER
        if m.term > self.promised:
            self._step_down(m.term, 0)
        self._emit(action, {"j": m.src}, m)
        if leading and self.role != LEADER:
            self._campaign()

    # -- phase 1 --------------------------------------------------------------------------------
    def _campaign(self) -> None:
        """BecomeLeader: a ballot above any known, promised to ourselves, Prepare to every peer."""
        rnd = max(ballot_round(self.promised), ballot_round(self.ballot)) + 1
        b = rnd << ROUND | self.id
        self._promise(b)
        self.role, self.leader, self.ballot, self.prepared = CANDIDATE, 0, b, 0
        self.election_elapsed = 0
        self.timeout = self._random_timeout()
        self._prep_from = self.commit + 1
        own = self._msg(PREPARE_REPLY, self.id, b, flags=SUCCESS, index=self._prep_from, commit=self.commit,
                        entries=tuple(self.log.range(self._prep_from, self.log.last())))
        self._replies = {self.id: own}
        sent = [self._msg(PREPARE, j, b, index=self._prep_from) for j in self.peers]
        self._emit("BecomeLeader", {"b": b}, None, sent)
        if not self.rules.needs_phase1():  # planted bug: lead at once, proposing after our own last slot
            self._lead({})
        elif len(self._replies) >= self.quorum:
            self._prepared_quorum()

    def _handle_prepare(self, m: Message) -> None:
        if self.rejoining and m.term > self.promised:  # no promise while rejoining (a rejection below is none)
            self._emit("DropMessage", {"j": m.src}, m)
            return
        if m.term <= self.promised:  # a rejection naming the higher ballot, so that the sender backs off
            r = self._msg(PREPARE_REPLY, m.src, self.promised, index=m.index)
            self._emit("HandlePrepare", {"j": m.src, "case": "reject"}, m, [r])
            return
        if self.role == LEADER or (self._in_lease() and m.src != self.leader):
            self._emit("DropMessage", {"j": m.src}, m)  # a live leader is not deposed (the message is as lost)
            return
        self._step_down(m.term, m.src)
        frm = max(m.index, self.log.offset + 1)
        kw: dict[str, Any] = {}
        if m.index <= self.log.offset and self.snapshot is not None:  # it lacks slots only our snapshot has
            kw = {"snapshot": self.snapshot.data, "context": self.snapshot.index, "log_term": self.snapshot.term}
        votes = self.rules.reported(self.log.range(frm, self.log.last()))
        r = self._msg(PREPARE_REPLY, m.src, m.term, flags=SUCCESS, index=frm, commit=self.commit,
                      entries=tuple(votes), **kw)
        self._emit("HandlePrepare", {"j": m.src}, m, [r])

    def _handle_prepare_reply(self, m: Message) -> None:
        if not m.success:
            self._rejected(m, "HandlePrepareReply")
            return
        if self.role != CANDIDATE or m.term != self.ballot:
            self._emit("DropMessage", {"j": m.src}, m)
            return
        self._replies[m.src] = m
        self._emit("HandlePrepareReply", {"j": m.src}, m)
        if len(self._replies) >= self.quorum:
            self._prepared_quorum()

    def _prepared_quorum(self) -> None:
        """HandlePrepareReplies: adopt the highest vote reported in each slot, a no-op where there is none."""
        replies = self._replies
        snap = max((r for r in replies.values() if r.snapshot and r.context > self.commit),
                   key=lambda r: r.context, default=None)
        if snap is not None:
            self._install(Snapshot(snap.context, snap.log_term, snap.snapshot))
        peak: dict[int, Entry] = {}
        for r in replies.values():
            for k, e in enumerate(r.entries):
                s = r.index + k
                if e.term and (s not in peak or e.term > peak[s].term):
                    peak[s] = e
        self._lead(peak)

    def _lead(self, peak: dict[int, Entry]) -> None:
        b = self.ballot
        top = max([self.log.last(), *peak])
        chosen = []
        for s in range(self.commit + 1, top + 1):
            if s in self._chosen:
                e = self.log.get(s)
                chosen.append(s)
            else:
                own = self.log.get(s)
                e = self.rules.adopt(own, peak.get(s)) or Entry(b, NOOP) if self.rules.needs_phase1() else own
                if not e.term and not self.rules.needs_phase1():
                    continue  # skip-phase1: slots we know nothing of stay as they are
            self.log.put(s, Entry(b, e.data))
            self._acks[s] = set()
        self.role, self.prepared, self.leader = LEADER, b, self.id
        self.next_slot = top + 1
        # a no-op of our own, as a Raft leader's: once chosen, our commit point covers everything chosen before
        self.horizon = self.next_slot  # (sent with every Accept: a rejoining replica learns up to it)
        self.log.put(self.next_slot, Entry(b, NOOP))
        self._acks[self.next_slot] = set()
        self.next_slot += 1
        self._sent = dict.fromkeys(self.peers, self.commit)
        self._peer_commit = dict.fromkeys(self.peers, 0)
        self._active = set()
        self.heartbeat_elapsed = self.election_elapsed = 0
        heard, self._replies = sorted(self._replies), {}
        self._emit("HandlePrepareReplies", {"b": b, "from": heard}, slots=range(self.commit + 1, top + 2))
        self._broadcast = True

    # -- phase 2 --------------------------------------------------------------------------------
    def _accepts(self, j: int, lo: int, hi: int, ctx: int = 0) -> None:
        """Send ``j`` Accepts for slots ``lo..hi`` in batches."""
        cfg = self.cfg
        log = self.log
        lo = max(lo, log.offset + 1)
        while lo <= hi:
            top = min(hi, lo + cfg.max_batch_entries - 1)
            ents = log.range(lo, top)
            m = self._msg(ACCEPT, j, self.ballot, index=lo, entries=tuple(ents), commit=self.commit, context=ctx,
                          log_term=self.horizon)
            self._emit("SendAccept", {"j": j}, None, [m])
            lo = top + 1

    def _heartbeat(self, j: int, ctx: int) -> None:
        m = self._msg(ACCEPT, j, self.ballot, commit=self.commit, context=ctx, log_term=self.horizon)
        self._emit("SendAccept", {"j": j}, None, [m])

    def _resend(self, j: int) -> None:
        """Accepts ``j`` has not answered (lost, or it was down) for the unchosen slots: a batch."""
        missing = [s for s in sorted(self._acks) if j not in self._acks[s]][: self.cfg.max_batch_entries]
        if missing:
            self._accepts(j, missing[0], missing[-1])

    def _handle_accept(self, m: Message) -> None:
        if m.term < self.promised:
            r = self._msg(ACCEPT_REPLY, m.src, self.promised, index=m.index, context=m.context)
            self._emit("HandleAccept", {"j": m.src, "case": "reject"}, m, [r])
            return
        if self.rejoining:
            self._rejoin_accept(m)
            if self.rejoining:
                return
        if m.term > self.promised or self.role != FOLLOWER or self.leader != m.src:
            if self.role == LEADER and m.term == self.ballot:  # cannot happen: ballots are unique per replica
                self._emit("DropMessage", {"j": m.src}, m)
                return
            self._step_down(max(m.term, self.promised), m.src)
        self.election_elapsed = 0
        log = self.log
        hi = m.index + len(m.entries) - 1 if m.entries else 0
        voted = []
        for k, e in enumerate(m.entries):
            s = m.index + k
            if s <= log.offset:
                continue  # chosen, applied and compacted
            vote, own = Entry(m.term, e.data), log.get(s)
            if (s <= self.commit or s in self._chosen) and own.data != e.data:
                hi = s - 1  # never acknowledge a command other than the one chosen here
                break
            if own != vote:
                log.put(s, vote)
                voted.append(s)
        # commit notification: our votes in the leader's ballot up to its commit point are chosen
        up, slots, off, chosen = min(m.commit, log.last()), log.slots, log.offset + 1, self._chosen
        for s in range(max(self.commit + 1, off), up + 1):
            if slots[s - off].term == m.term:
                chosen.add(s)
        r = self._msg(ACCEPT_REPLY, m.src, m.term, flags=SUCCESS, index=m.index if hi >= m.index else 0,
                      hint_index=hi if hi >= m.index else 0,
                      commit=self._commit_point(), context=m.context)
        self._emit("HandleAccept", {"j": m.src, "case": "accept"}, m, [r], slots=voted)
        self._commit_notice()

    def _handle_accept_reply(self, m: Message) -> None:
        j = m.src
        if not m.success:
            self._rejected(m, "HandleAcceptReply")
            return
        if self.role != LEADER or m.term != self.ballot:
            self._emit("DropMessage", {"j": j}, m)
            return
        self._active.add(j)
        if not m.hint_index or m.commit > self._peer_commit.get(j, 0):
            self._peer_commit[j] = m.commit  # a reply to a heartbeat, Learn or snapshot tells it exactly
        if m.hint_index:
            for s in range(max(m.index, self.commit + 1), m.hint_index + 1):
                acks = self._acks.get(s)
                if acks is not None:
                    acks.add(j)
        self._emit("HandleAcceptReply", {"j": j}, m)
        if m.context:
            self._read_ack(j, m.context)
        self._maybe_commit()
        if not m.hint_index:  # a reply to a heartbeat, Learn or snapshot: its commit point is current
            self._catch_up(j)

    def _maybe_commit(self) -> None:
        """HandleAcceptReplies: choose the slots after the commit point that a quorum voted for."""
        need = self.rules.commit_quorum(self.quorum)
        s = self.commit + 1
        while s in self._acks and len(self._acks[s]) >= need:
            self._chosen.add(s)
            s += 1
        done = self._advance_commit()
        if done:
            self._emit("HandleAcceptReplies", {"upto": self.commit}, slots=done)

    def _catch_up(self, j: int) -> None:
        """Send a lagging peer what it lacks below our commit point: the snapshot, or the chosen commands."""
        pc = self._peer_commit.get(j, 0)
        if pc >= self.commit:
            return
        if pc < self.log.offset and self.snapshot is not None:
            m = self._msg(SNAPSHOT, j, self.ballot, index=self.snapshot.index, log_term=self.snapshot.term,
                          snapshot=self.snapshot.data, commit=self.commit)
            self._emit("SendSnapshot", {"j": j}, None, [m])
            self._peer_commit[j] = self.snapshot.index  # until it answers
            return
        hi = min(self.commit, pc + self.cfg.max_batch_entries)
        lo = max(pc + 1, self.log.offset + 1)
        if lo <= hi:
            m = self._msg(LEARN, j, self.ballot, index=lo, entries=tuple(self.log.range(lo, hi)), commit=self.commit)
            self._emit("SendLearn", {"j": j}, None, [m])
            self._peer_commit[j] = hi  # optimistic; its next reply corrects it

    def _handle_learn(self, m: Message) -> None:
        learned = [m.index + k for k, e in enumerate(m.entries) if m.index + k > self.log.offset
                   and self._learn(m.index + k, e)]
        r = self._msg(ACCEPT_REPLY, m.src, m.term, flags=SUCCESS, commit=self._commit_point())
        self._emit("HandleLearn", {"j": m.src}, m, [r], slots=learned)
        self._commit_notice()
        self._maybe_resume()

    # -- rejoining after a rebuild (spec/multipaxos_rebuild.py) ---------------------------------------------------
    def _rejoin_accept(self, m: Message) -> None:
        """An Accept of a ballot at or above the rebuilt promise (above the floor) while rejoining: note its leader's
        ballot and horizon, vote for nothing, and answer with the commit point (its leader then sends the chosen
        commands, Learn); once everything up to that leader's horizon is learned, resume (and then vote on it)."""
        if m.log_term and m.term >= self._rejoin_at[0]:
            self._rejoin_at = (m.term, m.log_term)
        self.leader, self.election_elapsed = m.src, 0
        if self._maybe_resume():
            return
        r = self._msg(ACCEPT_REPLY, m.src, m.term, flags=SUCCESS, commit=self._commit_point())
        self._emit("HandleAccept", {"j": m.src, "case": "rejoining"}, m, [r])

    def _maybe_resume(self) -> bool:
        """Resume (spec/multipaxos_rebuild.py's Resume) if rejoining and every slot up to the horizon of a leader
        above the floor is learned: promise its ballot and vote again. Whether it resumed."""
        b, horizon = self._rejoin_at
        if not self.rejoining or not b or b < self.promised or self.commit < horizon:
            return False
        self.rejoining = False
        self._promise(b)
        self._emit("Resume", {"b": b, "horizon": horizon})
        return True

    def _install(self, snap: Snapshot) -> None:
        if snap.index <= self.commit:
            return
        if snap.index <= self.log.last():
            self.log.compact(snap.index, snap.term)
        else:
            self.log = Votes([], snap.index, snap.term)
        self.log.dirty_from = snap.index + 1  # storage may drop what follows a snapshot: write it again
        self.commit = self.applied = snap.index
        self._chosen = {s for s in self._chosen if s > snap.index}
        for s in [s for s in self._acks if s <= snap.index]:
            del self._acks[s]
        self.snapshot = self._pending_snapshot = snap

    def _handle_snapshot(self, m: Message) -> None:
        self._install(Snapshot(m.index, m.log_term, m.snapshot))
        r = self._msg(ACCEPT_REPLY, m.src, m.term, flags=SUCCESS, commit=self._commit_point())
        # the event reports every vote kept above the commit point: an install must not lose one
        self._emit("HandleSnapshot", {"j": m.src}, m, [r], slots=range(self.commit + 1, self.log.last() + 1))
        self._commit_notice()
        self._maybe_resume()

    # -- reads ----------------------------------------------------------------------------------
    def _read_ack(self, j: int, ctx: int) -> None:
        for acks in self.reads.ack(j, ctx, lambda acks: len(acks) >= self.quorum):
            self._emit("ConfirmRead", {"acks": sorted(acks)})

    def _start_read_round(self) -> None:
        slot = self.next_slot - 1  # every write acknowledged before the read is at or below it
        if self.quorum == 1:
            self.reads.answer_now(slot)
            self._emit("ConfirmRead", {"acks": [self.id]})
            return
        ctx = self.reads.start(slot, self.id)
        self._emit("ReadIndex", {"slot": slot})
        for j in self.peers:
            self._heartbeat(j, ctx)

    # -- output ---------------------------------------------------------------------------------
    def has_ready(self) -> bool:
        """Whether :meth:`ready` has anything to hand out."""
        return bool(self._out or self._trace or self._broadcast or self.reads.new or self.reads.done
                    or self.commit > self.applied or self.log.dirty_from <= self.log.last()
                    or self.promised != self._persisted or self._pending_snapshot)

    def ready(self) -> Ready:
        """Everything to do now; call :meth:`advance` with it once it is done."""
        if self.role == LEADER:
            if self._broadcast:
                top = self.next_slot - 1
                for j in self.peers:
                    if self._sent[j] < top:
                        self._accepts(j, self._sent[j] + 1, top)
                        self._sent[j] = top
            if self.reads.new:
                self._start_read_round()
        self._broadcast = False
        rd = Ready()
        if self.promised != self._persisted:
            rd.hard_state = HardState(self.promised, 0)
            self._persisted = self.promised
        rd.snapshot, self._pending_snapshot = self._pending_snapshot, None
        rd.entries_from, rd.entries = self.log.take_dirty()
        if self.commit > self.applied:
            lo = max(self.applied, self.log.offset) + 1
            rd.committed = [(s, self.log.get(s)) for s in range(lo, self.commit + 1)]
            self.applied = self.commit
        out, self._out = self._out, []
        if rd.hard_state is not None:
            self._hs_unsynced += 1
        elif not self._hs_unsynced:
            # a leader's Accepts (phase 2a: its own vote counts once durable, in advance()), Learns and snapshots
            # (chosen commands) depend only on its ballot, durable since it campaigned: they leave before the fsync
            early = [m for m in out if m.type in _EARLY]
            if early:
                out = early + [m for m in out if m.type not in _EARLY]
                rd.early = len(early)
        rd.messages = out
        rd.reads = self.reads.take()
        rd.trace, self._trace = self._trace, []
        return rd

    def advance(self, rd: Ready) -> None:
        """The runtime persisted ``rd``: the leader's own votes in it now count towards choosing their slots."""
        if rd.hard_state is not None:
            self._hs_unsynced -= 1
        if rd.entries and self.role == LEADER:
            b, me = self.ballot, self.id
            for k, e in enumerate(rd.entries):
                if e.term == b:
                    acks = self._acks.get(rd.entries_from + k)
                    if acks is not None:
                        acks.add(me)
            self._maybe_commit()

    # -- inspection -----------------------------------------------------------------------------
    @property
    def term(self) -> int:
        """The highest ballot promised (what the runtime and the simulation show as the term)."""
        return self.promised

    def status(self) -> dict[str, Any]:
        """A summary for `paxraft cluster status` (the ballot shown as the term)."""
        return {"id": self.id, "term": self.promised, "role": ROLE_NAMES[self.role], "leader": self.leader,
                "commit": self.commit, "applied": self.applied, "last_index": self.log.last(),
                "snapshot_index": self.log.offset, "protocol": "multipaxos", "rejoining": self.rejoining}

    def trace_state(self) -> dict[str, Any]:
        """The abstract fields a trace event reports (MultiPaxos.tla's names)."""
        lead = self.id if self.role != FOLLOWER else self.leader  # MultiPaxos.tla: a replica preparing leads
        return {"balMaxKnown": self.promised, "balPrepared": self.prepared, "leader": lead or None,
                "commitUpTo": self.commit}
