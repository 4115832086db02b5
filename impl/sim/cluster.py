"""A simulated cluster: real replicas on a seeded network and disk, with faults and safety checks.

Time is an integer count of simulated units; each node's timer fires every ``tick_period``
units (skewed per node), messages take 1..``max_delay`` units, a disk sync 1..``fsync_delay`` units
(0: at once; otherwise the node keeps serving while it runs), and the network may drop,
duplicate and (through random delays) reorder them, or be partitioned. A crash loses the
node's memory and whatever its disk had not synced (a power cut: every node at once). A
damaged disk is what the write-ahead log refuses at the next start: the node stays down until
it is recovered from its peers (empty storage, no vote until caught up). Everything random
comes from one seed, so a run is reproduced exactly by its seed and its sequence of calls.
"""

from __future__ import annotations

import heapq
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from impl.kv.machine import GET, PUT, Command, Result, describe_command
from impl.kv.replica import Replica
from impl.raft.core import LEADER, ROLE_NAMES, Config, RaftNode, Ready
from impl.raft.messages import Message, decode_message, encode_message
from impl.raft.rejoin import Rebuilt, RejoinGate, rebuilt_hard_state
from impl.raft.rules import NONE, Rules
from impl.runtime.chunks import CHUNK, Assembler, Outgoing
from impl.sim.disk import SimDisk, SlowDisk
from impl.sim.invariants import History, InvariantViolation, NodeView


@dataclass(frozen=True)
class Faults:
    """How hostile the simulated network and clocks are."""

    drop: float = 0.0  # probability a message is lost
    duplicate: float = 0.0  # probability a message is delivered twice
    max_delay: int = 5  # a message takes 1..max_delay units (so messages reorder)
    skew: int = 0  # each node's tick period is tick_period + uniform(-skew, +skew)


DEFAULT_CONFIG = Config(election_ticks=10, heartbeat_ticks=2, max_batch_entries=8, max_inflight=4, trace=False)


class SimCluster:
    """N replicas, a network, disks, clients, and the safety checks run after every event.

    ``node_class`` is the protocol's core (Raft here; impl/sim/multipaxos.py runs Multi-Paxos's)."""

    node_class: Any = None  # None: Raft's core (looked up when a node starts, so tests may substitute it)
    extra_kw: dict[str, Any] = {}  # more keyword arguments of the node starting (a protocol's cluster sets them)

    def __init__(self, n: int = 3, seed: int = 0, *, config: Config = DEFAULT_CONFIG, faults: Faults = Faults(),
                 rules: Rules = NONE, snapshot_every: int = 0, tick_period: int = 10, clients: int = 3,
                 fsync_delay: int = 0, members: tuple[int, ...] | None = None,
                 check: bool = True, on_event: Callable[[dict[str, Any]], None] | None = None,
                 on_network: Callable[[str, Message], None] | None = None, chunk_bytes: int = 0) -> None:
        if chunk_bytes and on_network is not None:
            raise ValueError("chunk_bytes: a chunk lost is not a message lost that the audit could be told of")
        self.ids = tuple(range(1, n + 1))
        self.members = members  # the initial configuration (None: every node); the others are spares
        self.rng = random.Random(seed)
        self.config = config
        self.faults = faults
        self.rules = rules
        self.snapshot_every = snapshot_every
        self.check = check
        self.on_event = on_event
        self.on_network = on_network  # audit hook: ("duplicate" | "drop", message) for each copy made or lost
        self.now = 0
        self._queue: list[tuple[int, int, int, Any]] = []  # (time, seq, kind, payload)
        self._seq = 0
        self.fsync_delay = fsync_delay  # > 0: a sync completes that much later, the replica going on meanwhile
        self.disks = {i: self._new_disk(i) for i in self.ids}
        self.replicas: dict[int, Replica | None] = dict.fromkeys(self.ids)
        self.boots = dict.fromkeys(self.ids, 0)
        self.clocks = dict.fromkeys(self.ids, 0)
        self.periods = {i: max(2, tick_period + self.rng.randint(-faults.skew, faults.skew)) for i in self.ids}
        self.blocked: set[tuple[int, int]] = set()
        self.history = History()
        self.trace: dict[int, list[dict[str, Any]]] = {i: [] for i in self.ids}
        self.stats = {"sent": 0, "dropped": 0, "duplicated": 0, "delivered": 0}
        # clients: each has at most one outstanding write (retried with the same sequence number)
        self.client_seq = dict.fromkeys(range(1, clients + 1), 0)
        self.outstanding: dict[int, Command] = {}
        self.acked: dict[bytes, bytes] = {}  # key -> value of every acknowledged write
        self.acked_at: dict[bytes, int] = {}  # key -> time of its acknowledgement
        self.read_errors: list[str] = []
        self.damaged: set[int] = set()  # nodes whose storage refuses to load
        self.gates: dict[int, RejoinGate] = {}  # nodes rebuilt from empty storage, not yet caught up
        self.rebuilt: dict[int, Rebuilt] = {}  # a node rebuilt and not yet booted -> what its floor read
        # chunk_bytes > 0: a message longer than that travels as the runtime's chunks (impl/runtime/chunks.py), each
        # lost, duplicated and delayed (so reordered) on its own, and assembled in a temporary file at its receiver
        self.chunk_bytes = chunk_bytes
        self._spool = tempfile.TemporaryDirectory(prefix="sim-chunks-") if chunk_bytes else None
        self.assemblers: dict[int, Assembler] = {}
        self._transfers = 0
        for i in self.ids:
            self._start(i)

    # -- nodes ----------------------------------------------------------------------------------
    def _new_disk(self, i: int) -> SimDisk:
        if not self.fsync_delay:
            return SimDisk()

        def later(delay: int, complete: Callable[[], None]) -> None:
            self._schedule(delay, 2, (i, self.boots[i], complete))

        return SlowDisk(lambda: self.rng.randint(1, self.fsync_delay), later)

    def _start(self, i: int) -> None:
        hs, snap, entries = self.disks[i].load()
        extra: dict[str, Any] = {"members": self.members} if self.members is not None else {}
        extra.update(self.extra_kw)
        rebuilt = self.rebuilt.pop(i, None)
        if rebuilt is not None:  # its first boot after recover_node: a Rebuild trace event, as the runtime's
            extra["rebuilt"] = rebuilt
        if i in self.gates:  # rejoining: the gate's target is in memory, a new boot learns it again (the runtime's)
            self.gates[i] = RejoinGate()
        node = (self.node_class or RaftNode)(i, self.ids, self.config, rand=random.Random(self.rng.random()).randint,
                               hard_state=hs, snapshot=snap, entries=entries, boot=self.boots[i],
                               clock=self.clocks[i], rules=self.rules, describe=describe_command, **extra)
        rep = Replica(node, self.disks[i], self._send, on_ready=self._ready, snapshot_every=self.snapshot_every)
        rep.applied_log = []
        if self._spool is not None:  # (a restart's new assembler removes what a transfer cut short left)
            home = Path(self._spool.name) / f"node-{i}"
            home.mkdir(exist_ok=True)
            self.assemblers[i] = Assembler(home, i, lambda: getattr(node, "term", 0))
        self.replicas[i] = rep
        self._schedule(self.rng.randint(1, self.periods[i]), 1, (i, self.boots[i]))
        self._process(i)

    def _process(self, i: int) -> None:
        rep = self.replicas[i]
        assert rep is not None
        rep.process()
        gate = self.gates.get(i)
        if gate is not None and gate.caught_up(rep.node):
            del self.gates[i]
            rep.node.rejoined()  # (its CaughtUp trace event, handed out at once)
            rep.process()
        if rep.applied_log:
            term = rep.node.term
            for index, entry, _ in rep.applied_log:
                self.history.record_apply(i, term, index, entry)
            rep.applied_log.clear()

    def _ready(self, rd: Ready) -> None:
        """A ready's trace events go to the audit before any of its messages leave (the runtime writes its trace
        lines then): after its fsync, a follower's receipt of a leader's early AppendEntries came first."""
        if rd.trace:
            self._events(rd.events(describe_command))  # (the describe every node here is given)

    def _events(self, events: list[dict[str, Any]]) -> None:
        for ev in events:
            self.trace[ev["node"]].append(ev)
            if self.on_event is not None:
                self.on_event(ev)

    def alive(self, i: int) -> bool:
        """Whether node ``i`` is running."""
        return self.replicas[i] is not None

    def node(self, i: int) -> RaftNode:
        """The core of running node ``i``."""
        rep = self.replicas[i]
        assert rep is not None, f"node {i} is down"
        return rep.node

    def crash(self, i: int) -> None:
        """Kill node ``i``: memory and unsynced writes are lost; its clients' replies never come."""
        rep = self.replicas[i]
        if rep is None:
            return
        self.clocks[i] = rep.node.clock
        if self.on_network is not None:  # (their events were audited: the audit learns they never left)
            for m in rep.unsent():
                self.on_network("drop", m)
        self.disks[i].crash()
        self.replicas[i] = None
        self.boots[i] += 1

    def restart(self, i: int) -> None:
        """Start node ``i`` again from its disk (a node whose disk is damaged refuses: it stays down)."""
        if self.replicas[i] is None and i not in self.damaged:
            self._start(i)
            self._check()

    def power_cut(self) -> None:
        """Every node crashes at once: each loses what its disk had not synced."""
        for i in self.ids:
            self.crash(i)

    def damage(self, i: int) -> None:
        """Node ``i`` crashes and its storage is found damaged: it refuses to start until :meth:`recover_node`."""
        self.crash(i)
        self.damaged.add(i)

    def storage_intact(self) -> int:
        """How many nodes' storage holds what they acknowledged (not damaged, not rebuilding)."""
        return sum(i not in self.damaged and i not in self.gates for i in self.ids)

    def recover_node(self, i: int, gate: bool = True, floor: bool = True) -> None:
        """Rebuild node ``i`` from its peers: empty storage whose hard state is the vote floor read from the
        peers' disks (impl.raft.rejoin), no vote and no campaign until caught up (``gate=False`` lets it
        vote at once, ``floor=False`` starts it at term 1: only to show what each prevents)."""
        self.crash(i)
        self.damaged.discard(i)
        disk = self.disks[i] = self._new_disk(i)
        if floor:
            peers = [j for j in self.ids if j != i and j not in self.damaged]  # every peer whose storage reads
            terms = [hs.term if (hs := self.disks[j].hard_state) else 1 for j in peers]
            disk.hard_state = rebuilt_hard_state(i, len(self.ids), terms)
            clock = max((r.node.clock if (r := self.replicas[j]) else self.clocks[j]) for j in peers)
            self.rebuilt[i] = Rebuilt(tuple(peers), tuple(terms), clock)  # (the runtime's marker says as much)
        if gate:
            self.gates[i] = RejoinGate()
        self._start(i)
        self._check()

    # -- network --------------------------------------------------------------------------------
    def _schedule(self, delay: int, kind: int, payload: Any) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (self.now + delay, self._seq, kind, payload))

    def _send(self, m: Message) -> None:
        if self.chunk_bytes:
            payload = encode_message(m)
            if len(payload) > self.chunk_bytes:
                self._transfers += 1
                out = Outgoing(m, payload, self.boots[m.src], self._transfers, self.chunk_bytes)
                while not out.done:
                    self._send_one(decode_message(out.next()))
                return
        self._send_one(m)

    def _send_one(self, m: Message) -> None:
        self.stats["sent"] += 1
        f = self.faults
        if (m.src, m.dst) in self.blocked or (f.drop and self.rng.random() < f.drop):
            self.stats["dropped"] += 1
            if self.on_network is not None:
                self.on_network("drop", m)
            return
        self._schedule(self.rng.randint(1, f.max_delay), 0, m)
        if f.duplicate and self.rng.random() < f.duplicate:
            self.stats["duplicated"] += 1
            self._schedule(self.rng.randint(1, f.max_delay), 0, m)
            if self.on_network is not None:
                self.on_network("duplicate", m)

    def partition(self, *groups: tuple[int, ...]) -> None:
        """Only nodes in the same group can talk (nodes in no group are isolated)."""
        where = {n: g for g, members in enumerate(groups) for n in members}
        self.blocked = {(a, b) for a in self.ids for b in self.ids
                        if a != b and (where.get(a, -1 - a) != where.get(b, -1 - b))}

    def heal(self) -> None:
        """Remove every partition."""
        self.blocked = set()

    # -- time -----------------------------------------------------------------------------------
    def run(self, duration: int) -> None:
        """Advance simulated time by ``duration`` units, delivering messages and firing timers."""
        end = self.now + duration
        q = self._queue
        while q and q[0][0] <= end:
            t, _, kind, payload = heapq.heappop(q)
            self.now = t
            if kind == 0:
                m = payload
                rep = self.replicas[m.dst]
                if m.type == CHUNK and rep is not None and (m.src, m.dst) not in self.blocked:
                    m = self.assemblers[m.dst].feed(m)
                    if m is None:  # (not the last chunk, or a transfer that cannot complete)
                        continue
                gate = self.gates.get(m.dst)
                if (rep is None or (m.src, m.dst) in self.blocked
                        or (gate is not None and not gate.admits(m, rep.node.term))):
                    if self.on_network is not None:
                        self.on_network("drop", m)
                    continue
                self.stats["delivered"] += 1
                rep.node.step(m)
                self._process(m.dst)
            elif kind == 2:
                i, boot, complete = payload
                if self.replicas[i] is None or self.boots[i] != boot:
                    continue  # the sync of a crashed incarnation: its writes were lost
                complete()
                self._process(i)
            else:
                i, boot = payload
                if self.replicas[i] is None or self.boots[i] != boot:
                    continue  # the timer of a crashed incarnation
                if i not in self.gates:  # a rejoining node does not campaign
                    self.node(i).tick()
                    self._process(i)
                self._schedule(self.periods[i], 1, payload)
            self._check()
        self.now = end

    def _check(self) -> None:
        if self.check:
            self.history.check(self.views())

    def views(self) -> list[NodeView]:
        """The abstract state of every node (a crashed node's is its disk's)."""
        out = []
        for i in self.ids:
            rep = self.replicas[i]
            if rep is not None:
                n = rep.node
                lead = n.role == LEADER
                out.append(NodeView(i, True, n.term, ROLE_NAMES[n.role], n.log.offset, n.log.entries, n.commit,
                                    n.vote, frozenset(n.votes_responded), frozenset(n.votes_granted),
                                    {j: p.next for j, p in n.prs.items()} if lead else {},
                                    {j: p.match for j, p in n.prs.items()} if lead else {}))
            else:
                d = self.disks[i]
                hs = d.hard_state
                out.append(NodeView(i, False, hs.term if hs else 1, "Down", d.offset, d.entries, 0,
                                    hs.vote if hs else 0))
        return out

    def leader(self) -> int | None:
        """The running node that is leader in the highest term, if any."""
        best = None
        for i in self.ids:
            rep = self.replicas[i]
            if rep is not None and rep.node.role == 2 and (best is None or rep.node.term > self.node(best).term):
                best = i
        return best

    def knows_all_committed(self, n: Any) -> bool:
        """Whether leader ``n``'s commit point covers everything committed before it led: right after a
        restart a new leader's commitIndex is its snapshot (0); only an entry of its own term committed
        shows that it knows everything committed before."""
        return bool(n.log.term(n.commit) == n.term)

    # -- clients --------------------------------------------------------------------------------
    def write(self, client: int) -> None:
        """Client ``client`` sends its outstanding write again, or a new one (key unique per write)."""
        cmd = self.outstanding.get(client)
        if cmd is None:
            self.client_seq[client] += 1
            seq = self.client_seq[client]
            cmd = Command(PUT, client, seq, f"k{client}.{seq}".encode(), f"v{client}.{seq}".encode())
            self.outstanding[client] = cmd
        target = self.leader()
        if target is None:
            return

        def reply(kind: str, res: Any, cmd: Command = cmd) -> None:
            if kind == "ok" and self.outstanding.get(client) == cmd:
                del self.outstanding[client]
                self.acked[cmd.key] = cmd.value
                self.acked_at[cmd.key] = self.now

        rep = self.replicas[target]
        assert rep is not None
        rep.submit(cmd, reply)
        self._process(target)

    def read(self, client: int, key: bytes, via: int | None = None) -> None:
        """A linearizable read of ``key``; a write acknowledged before it started must be visible."""
        target = via if via is not None else self.leader()
        if target is None or self.replicas[target] is None:
            return
        expected = self.acked.get(key)

        def reply(kind: str, res: Any) -> None:
            if kind == "ok" and expected is not None and (not isinstance(res, Result) or res.value != expected):
                self.read_errors.append(f"read of {key!r} at node {target} returned {res}, but {expected!r} "
                                        f"was acknowledged before the read started")

        rep = self.replicas[target]
        assert rep is not None
        rep.submit(Command(GET, client, 0, key), reply)
        self._process(target)

    # -- recovery -------------------------------------------------------------------------------
    def recover(self, max_time: int = 20_000) -> None:
        """Heal the network, restart every node, drive outstanding writes until acknowledged,
        and check that every acknowledged write is on the state machine of every member of the leader's
        configuration (every node, unless membership changed)."""
        self.heal()
        for i in sorted(self.damaged):
            self.recover_node(i)
        for i in self.ids:
            self.restart(i)
        deadline = self.now + max_time
        members: tuple[int, ...] = self.ids
        while self.now < deadline:
            self.run(50)
            for c in list(self.outstanding):
                self.write(c)
            lead = self.leader()
            if lead is None or self.outstanding:
                continue
            n = self.node(lead)
            if not self.knows_all_committed(n):
                continue
            members = tuple(sorted(getattr(n, "members", self.ids)))  # (a Multi-Paxos node: every node)
            if all(self.replicas[i].machine.applied >= n.commit for i in members):  # type: ignore[union-attr]
                break
        else:
            raise InvariantViolation("Liveness", f"no recovery within {max_time} units "
                                     f"(leader {self.leader()}, outstanding {sorted(self.outstanding)})")
        for i in members:
            data = self.replicas[i].machine.data  # type: ignore[union-attr]
            for k, v in self.acked.items():
                if data.get(k) != v:
                    raise InvariantViolation("AckedWritesDurable",
                                             f"acknowledged write {k!r}={v!r} missing on node {i} after recovery")
