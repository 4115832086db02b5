"""One key-value replica: a Raft core, its storage and the state machine, glued by the Ready loop.

The same class runs under the deterministic simulation and the asyncio runtime; both give it
a storage object and a ``send`` function. Client requests come in with a reply callback.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, Protocol

from impl.kv.machine import GET, Command, KVMachine, Result, encode_command
from impl.raft.core import LEADER, RaftNode, Ready, Snapshot
from impl.raft.log import Entry
from impl.raft.membership import ADD
from impl.raft.messages import Message

Reply = Callable[[str, Any], None]  # ("ok", Result) | ("not_leader", leader id or 0) | ("retry", None)
#                                    | ("refused", why) for a membership change


class Storage(Protocol):
    """Where a replica's Raft state lives: the write-ahead log (or its simulation)."""

    def save(self, rd: Ready) -> None:
        """Write the ready's hard state, snapshot and entries (not yet durable)."""

    def sync(self) -> None:
        """Make everything written so far durable (one fsync for all of it: group commit)."""

    def save_snapshot(self, snap: Snapshot) -> None:
        """Store a snapshot the node took and drop the log it covers (never called while a sync is in flight)."""


class AsyncStorage(Storage, Protocol):
    """Storage whose sync completes later: the Ready loop goes on meanwhile (see :meth:`Replica.process`)."""

    def begin_sync(self, done: Callable[[], None]) -> None:
        """Make everything written so far durable; call ``done`` (on the caller's thread) once it is."""


class Replica:
    """A Raft node serving the key-value state machine."""

    def __init__(self, node: RaftNode, storage: Storage, send: Callable[[Message], None], *,
                 on_ready: Callable[[Ready], None] | None = None, snapshot_every: int = 0,
                 write_out: Callable[[], None] | None = None, merge_retries: bool = False) -> None:
        self.node = node
        self.storage = storage
        self.send = send
        # sees each ready first, before any of its messages leave: the runtime writes its trace lines there, the
        # simulation hands its trace events to the audit (SimCluster._ready)
        self.on_ready = on_ready
        # writes what was sent and answered so far now, not at the end of the loop (the runtime's flush): a
        # follower's acknowledgement, a leader's replies (see process)
        self.write_out = write_out
        self.snapshot_every = snapshot_every
        self.machine = KVMachine()
        if node.snapshot is not None:
            self.machine.restore(node.snapshot.data)
        self._pending: dict[int, tuple[int, Reply]] = {}  # log index -> (term, reply)
        # a waiting write's client id and sequence number -> its entry's (index, term): the index alone names another
        # write once a later leader's log cut the entry and this node, leading again, placed a new write there
        self._placed: dict[bytes, tuple[int, int]] = {}
        # (the runtime's: the simulation's clients retry on its own clock, and its seeded runs, which the planted
        # bugs' tests pin step by step, were found with every retry appended)
        self.merge_retries = merge_retries
        self._read_tokens = itertools.count(1)
        self._reads: dict[int, tuple[bytes, Reply]] = {}
        self._read_wait: list[tuple[int, bytes, Reply]] = []  # (read index, key, reply)
        self.applied_log: list[tuple[int, Entry, Result | None]] | None = None  # tests may record applies
        self.pipelined = hasattr(storage, "begin_sync")  # asynchronous storage: see process()
        self._waiting: list[Ready] = []  # readies whose late messages wait for a sync not yet started
        self._flight: list[Ready] = []  # readies covered by the sync in flight
        self._joining: dict[int, Reply] = {}  # servers being added: learners catching up, then the change
        self._transfer: tuple[int, int, Reply] | None = None  # a leadership transfer running: (target, term, reply)

    def submit(self, cmd: Command, reply: Reply) -> None:
        """A client request: writes go through the log, reads through ReadIndex."""
        node = self.node
        if cmd.op == GET:
            if node.rules.reads_anywhere():  # planted bug: serve from whatever this replica has applied
                reply("ok", self.machine.read(cmd.key))
                return
            token = next(self._read_tokens)
            if node.read_index(token):
                self._reads[token] = (cmd.key, reply)
            else:
                reply("not_leader", node.leader)
            return
        self.submit_write(encode_command(cmd), reply)

    def submit_write(self, data: bytes, reply: Reply) -> None:
        """A write (put, delete, cas; not a get) already encoded by ``encode_command``: proposed as it is."""
        node = self.node
        ident = data[1:17]  # the client id and sequence number (encode_command's header after the op)
        at = self._placed.get(ident) if self.merge_retries else None
        if at is not None and self._pending.get(at[0], (None,))[0] == at[1] and node.role == LEADER:
            # the client's retry of a write still waiting here (its own wait ran out first): answered with the
            # first copy's outcome, not appended again. A retried 16 MiB put appended 16 MiB each second while the
            # followers were still writing the last copy; their stalls deposed leader after leader, and the put
            # never finished. (The state machine would have applied it once either way: same client, same seq.)
            # The entry of that index and term is the first copy (Log Matching); a write of another term there is
            # another client's, whose "ok" told this one its write was made when it never was.
            term, first = self._pending[at[0]]
            self._pending[at[0]] = (term, _both(first, reply))
            return
        placed = node.propose(data)
        if placed is None:
            reply("not_leader", node.leader)
        else:
            self._pending[placed[0]] = (placed[1], reply)
            self._placed[ident] = placed

    def submit_config(self, op: str, node: int, reply: Reply) -> None:
        """A membership change (``add``/``remove`` of ``node``): a server to add first catches up as a learner
        (it does not vote meanwhile), then the leader appends the change; the reply comes once it is
        committed, or ``("refused", why)`` at once (a change pending, no entry of the leader's term
        committed yet, an unknown node, the last member)."""
        node_ = self.node
        if node_.role != LEADER:
            reply("not_leader", node_.leader)
            return
        why = node_.config_refusal(op, node)
        if why is not None:
            reply("refused", why)
        elif op == ADD and node in self._joining:  # a retry (the first request's client gone: a timeout, a kill)
            self._joining.pop(node)("refused", f"node {node}: a newer request to add it answers for it")
            self._joining[node] = reply  # (it was refused as "being added already" while the leader lived: a
            # learner that never caught up, its node down, made every add of that id fail, and the rollback gave
            # the next add the same id)
        elif op == ADD:
            node_.add_learner(node)
            self._joining[node] = reply
        else:
            self._change(op, node, reply)

    def submit_transfer(self, target: int, reply: Reply) -> None:
        """Hand leadership to ``target`` (0: the member whose log is most complete): the reply is ``("ok", None)``
        once this leader has stepped down, ``("refused", why)`` at once (no such member, the leader itself, a
        transfer running) or when the transfer is abandoned after an election timeout (this node leads on)."""
        node = self.node
        if node.role != LEADER:
            reply("not_leader", node.leader)
            return
        target = target or node.transfer_target()
        why = node.transfer_refusal(target) if target else "no other member to hand over to"
        if why is not None:
            reply("refused", why)
            return
        node.transfer_leadership(target)
        self._transfer = (target, node.term, reply)

    def _transfer_outcome(self) -> None:
        """Answer the transfer request once this leader stepped down or gave the transfer up."""
        target, term, reply = self._transfer  # type: ignore[misc]
        node = self.node
        if node.role != LEADER or node.term != term:
            reply("ok", None)
        elif node.transferee != target:
            reply("refused", f"abandoned: node {target} did not take over within an election timeout")
        else:
            return
        self._transfer = None

    def _change(self, op: str, node: int, reply: Reply) -> None:
        why = self.node.quorum_refusal(op, node)
        if why is not None:
            reply("refused", why)
            return
        placed = self.node.change_config(op, node)
        if isinstance(placed, str):
            reply("refused", placed)
        else:
            self._pending[placed[0]] = (placed[1], reply)

    def _promote(self) -> None:
        """Learners that have caught up are added; on a leader no more, their requests fail over."""
        node = self.node
        for k, reply in list(self._joining.items()):
            if node.role != LEADER:
                reply("not_leader", node.leader)
            elif node.caught_up(k):
                self._change(ADD, k, reply)
            else:
                continue
            del self._joining[k]

    def process(self) -> None:
        """Run the Ready loop until the core has nothing left to hand out.

        With synchronous storage each ready is made durable before the next; with an asynchronous
        one (``Storage.begin_sync``) the loop keeps going while a sync is in flight: later readies
        write behind it and share the next sync (group commit), and each ready's late messages
        leave, and its writes count as persisted, only once a sync that covers them has completed."""
        node = self.node
        skip = node.rules.acks_before_fsync()
        if self._joining:
            self._promote()
        if self._transfer is not None:
            self._transfer_outcome()
        out = self.write_out
        while node.has_ready():
            rd = node.ready()
            if self.on_ready is not None:
                self.on_ready(rd)
            if self.pipelined:
                self.persist(rd)
                if skip or not (rd.must_persist or self._flight or self._waiting):
                    self.finish(rd)  # nothing of it, nor before it, waits for a sync
                else:
                    self._waiting.append(rd)
                continue
            late = out is not None and rd.must_persist and not self._waiters()
            answered = self.persist(rd, apply=not late)
            if rd.must_persist and not skip:
                self.storage.sync()  # durable before any message that depends on it leaves
            elif answered and out is not None:
                out()  # a leader's replies leave before the rest of the loop's work
            if late:  # (out is set) the acknowledgement leaves before the core's advance and the apply
                self.finish(rd, out)
                self._apply(rd)
            else:
                self.finish(rd)
        if self._waiting and not self._flight:
            self._flight, self._waiting = self._waiting, []
            if any(rd.must_persist for rd in self._flight):
                self.storage.begin_sync(self._synced)  # type: ignore[attr-defined]
            else:
                self._synced()  # what waited behind a sync that completed meanwhile

    def _synced(self) -> None:
        """The sync covering ``_flight`` completed: those readies are persisted; run the loop on."""
        flight, self._flight = self._flight, []
        for rd in flight:
            self.finish(rd)
        self.process()

    def unsent(self) -> list[Message]:
        """The messages of readies still waiting for a sync, which a crash now would keep from ever leaving."""
        return [m for rd in (*self._flight, *self._waiting) for m in rd.messages[rd.early :]]

    def _waiters(self) -> bool:
        """Whether a client waits on this replica (a write's or a read's reply): then a ready's committed entries
        are applied before its fsync, and answered at once. Otherwise (a follower) they are applied once the
        ready's acknowledgement has left, which is on the write's critical path while applying is not."""
        return bool(self._pending or self._reads or self._read_wait)

    def persist(self, rd: Ready, apply: bool = True) -> bool:
        """Everything of a ready that need not wait for the fsync; whether a client was answered.

        In order: send the messages that may leave before the fsync (``rd.early``), write the log,
        then apply the committed entries and answer their clients. A leader's AppendEntries (and
        snapshots, TimeoutNow) depend only on its term, which was made durable before it
        campaigned, so they go out while its own log write is in flight (Raft thesis 10.2.1); the
        leader counts itself towards commit only once durable (:meth:`RaftNode.persisted`).
        Committed entries are durable on a quorum already, so applying them need not wait for this
        node's fsync of newer entries (etcd applies concurrently with persisting too); the state
        machine is volatile and rebuilt from the log after a crash. ``apply=False``: the caller applies later."""
        for m in rd.messages[: rd.early]:
            self.send(m)
        self.storage.save(rd)
        return self._apply(rd) if apply else False

    def _apply(self, rd: Ready) -> bool:
        """Apply the committed entries, answer their clients and the confirmed reads; whether anyone was answered."""
        node = self.node
        answered = False
        if rd.snapshot is not None:
            self.machine.restore(rd.snapshot.data)
        for index, entry in rd.committed:
            res = self.machine.apply(index, entry.data)
            if self.applied_log is not None:
                self.applied_log.append((index, entry, res))
            waiter = self._pending.pop(index, None)
            if waiter is not None:
                if self._placed.get(entry.data[1:17], (0,))[0] == index:
                    del self._placed[entry.data[1:17]]
                answered = True
                if waiter[0] == entry.term:
                    waiter[1]("ok", res)
                else:
                    waiter[1]("retry", None)  # our entry was overwritten: not committed here
        for token, index in rd.reads:
            key, reply = self._reads.pop(token)
            if index < 0:
                reply("not_leader", node.leader)
                answered = True
            else:
                self._read_wait.append((index, key, reply))
        if self._read_wait:
            answered = self._serve_reads() or answered
        return answered

    def finish(self, rd: Ready, out: Callable[[], None] | None = None) -> None:
        """After the write is durable: send the rest of the messages (and write them out now with ``out``), tell the
        core it is persisted, maybe take a snapshot."""
        node = self.node
        for m in rd.messages[rd.early :]:
            self.send(m)
        if out is not None:
            out()
        node.advance(rd)  # RaftNode.persisted: the persisted index moves up
        if self.snapshot_every and self.machine.applied - node.log.offset >= self.snapshot_every:
            self.storage.save_snapshot(node.compact(self.machine.applied, self.machine.snapshot()))

    def _serve_reads(self) -> bool:
        applied = self.machine.applied
        rest = []
        for index, key, reply in self._read_wait:
            if index <= applied:
                reply("ok", self.machine.read(key))
            else:
                rest.append((index, key, reply))
        served = len(rest) < len(self._read_wait)
        self._read_wait = rest
        return served

    def fail_pending(self) -> None:
        """Tell every waiting client to retry elsewhere (the node is shutting down)."""
        for _, reply in self._pending.values():
            reply("retry", None)
        for reply in self._joining.values():
            reply("retry", None)
        self._joining = {}
        if self._transfer is not None:
            self._transfer[2]("retry", None)
            self._transfer = None
        for _, reply in self._reads.values():
            reply("retry", None)
        for _, _, reply in self._read_wait:
            reply("retry", None)
        self._pending, self._reads, self._read_wait, self._placed = {}, {}, [], {}


def _both(first: Reply, then: Reply) -> Reply:
    """One reply made of two: each is answered the same."""

    def reply(kind: str, value: Any) -> None:
        first(kind, value)
        then(kind, value)

    return reply
