"""One node process: the replica on asyncio TCP (127.0.0.1), its write-ahead log and its trace file.

Run as ``python -m impl.runtime.server --dir DIR --id N``; ``DIR/cluster.json`` (written by
`paxraft cluster start`) names the nodes' ports, the cluster secret and the settings. Every
frame on every connection carries a keyed-BLAKE2b tag made with the secret; a connection whose
first frame is not an authenticated hello, or that later sends a malformed, oversized or
unauthenticated frame, is logged and closed, and only that connection is affected.

One event-loop thread does everything: incoming messages, ticks and client requests go straight
into the core (a Ready round never awaits, so the core is never mid-round when they arrive), and
one round, scheduled after the loop iteration's I/O callbacks, handles all of them and shares one
fsync (group commit). Outgoing frames are collected per connection and written once per round.

The core counts ticks of ``tick_ms``, but the loop wakes only for the first tick that may act (the core's
``due_in``) and credits the core the ticks due before it, on that wake-up or before an input that comes first
(impl/runtime/ticks.py): an idle node sleeps until its next deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import hmac
import json
import logging
import os
import random
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from impl.kv.machine import CMD_HEADER, GET, Result, command_key, decode_command, describe_command
from impl.kv.protocol import (
    CLIENT_FRAME,
    CONFIG,
    HELLO_CLIENT,
    HELLO_PEER,
    MAX_COMMAND_BYTES,
    NOT_LEADER,
    OK,
    REFUSED,
    RETRY,
    STATUS,
    batches,
    decode_change,
    encode_reply,
    split_requests,
)
from impl.kv.replica import Replica
from impl.multipaxos.core import MultiPaxosNode
from impl.multipaxos.rules import NONE as MP_NONE
from impl.multipaxos.rules import bug as mp_bug
from impl.raft.core import LEADER, Config, RaftNode, Ready, Snapshot
from impl.raft.messages import (
    FrameDecoder,
    Message,
    WireError,
    decode_message,
    encode_message,
    frame_with_key,
    mac_key,
)
from impl.raft.rejoin import REJOINING, MarkerError, RejoinGate, read_marker, rebuilt_from
from impl.raft.rules import NONE, bug
from impl.raft.tracing import CompactTracer
from impl.runtime.boot import next_boot
from impl.runtime.busypoll import BusyPoll
from impl.runtime.chunks import CHUNK, CHUNK_BYTES, FRAME_OVERHEAD, PEER_FRAME, Assembler
from impl.runtime.cluster import (
    ClusterError,
    check_port_alone,
    identity,
    load,
    lock_node,
    protocol_of,
    trace_compact,
    trace_file_name,
    write_pid,
)
from impl.runtime.peers import (
    NONCE,
    PRE_AUTH_FRAME,
    WRITE_BUFFER_LIMIT,
    PeerLink,
    challenge,
    pre_auth_frames,
    proof,
    read_hello,
)
from impl.runtime.slice import set_slice
from impl.runtime.ticks import TickClock
from impl.runtime.timeline import FSYNC, RECV_CLIENT, RECV_PEER, ROUND, SENT_CLIENT, SENT_PEER, SYNCED, Timeline
from impl.runtime.waker import Waker
from impl.storage.wal import SYNC_FAILED, WAL, WALError
from impl.trace import SEGMENT_BYTES, TraceFileError, TraceWriter, cut_trace, last_clock, set_aside, trace_size

if TYPE_CHECKING:
    from _typeshed import FileDescriptorLike

log = logging.getLogger("paxraft.node")
CUT_FILE = "cut"  # node-N/cut: the peers whose frames the test-only partition hook drops (NodeServer.read_cut)
WAL_PREALLOC = 1 << 20  # zero bytes kept ahead of the log's records (impl/storage/wal.py; "wal_prealloc": 0 = append)
SCHED_SLICE_US = 100  # the node's EEVDF slice ("sched_slice_us"; impl/runtime/slice.py; 0: the kernel's, 1.4 ms
#                       here): faster under moderate load, neutral under heavy (docs/performance-log.md,
#                       2026-12-04 13:17)
# how long a leader polls after a round that appended or committed ("busy_poll_us"; busypoll.py); off since
# the quiet A/B of 2026-12-04 14:53 (docs/performance-log.md)
BUSY_POLL_US = 0
BUSY_POLL_LEADER = True  # with "busy_poll_us" set, only a leader polls ("busy_poll_leader": false: every node):
#                          polling on every node was not better (docs/performance-log.md, 2026-12-04 13:27-13:45)


def follower_cpu(node: int, leader: int, nodes: list[int], cpus: set[int]) -> set[int]:
    """The CPUs a node runs on with ``"spread_followers"``: a follower of a known leader one CPU of ``cpus`` by its
    rank among the followers (so two followers woken by the same AppendEntries do not queue on one CPU), the
    leader or a node without a leader all of them."""
    if not leader or node == leader or len(cpus) < 2:
        return set(cpus)
    rank = sorted(n for n in nodes if n != leader).index(node)
    return {sorted(cpus)[rank % len(cpus)]}


def protocol(c: dict[str, Any]) -> tuple[Any, Any]:
    """The core class and its rules for a cluster description: ``protocol`` (raft, the default, or multipaxos)
    and a test-only planted ``bug`` by key (impl/raft/rules.py, impl/multipaxos/rules.py)."""
    if protocol_of(c) == "multipaxos":
        return MultiPaxosNode, (mp_bug(c["bug"]) if c.get("bug") else MP_NONE)
    return RaftNode, (bug(c["bug"]) if c.get("bug") else NONE)


def _described(directory: Path) -> tuple[int, int, int] | None:
    """cluster.json's identity and change time (None: unreadable), to notice a rewrite (`cluster.save` replaces
    the file)."""
    try:
        st = os.stat(directory / "cluster.json")
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def load_cluster(directory: Path) -> dict[str, Any]:
    """The cluster description written by `paxraft cluster start` (private to us, or ClusterError)."""
    return load(directory)


class InlineSync:
    """The node's storage for the Ready loop: the WAL, whose fsync runs inline in the loop; the
    round's early messages (a leader's AppendEntries) are written to the sockets just before it,
    so the followers store and sync while the leader does.

    The order is: the log's records to the OS (a write(), no sync), then the trace lines of the
    steps they hold, then the messages, then the header slot and the fdatasync (:meth:`NodeServer._flush`
    does the first three; only the records' write() is added before the AppendEntries leave, one
    syscall of a few hundred bytes on the leader's step). A kill -9 can stop the node between
    any two: the page cache keeps what was written, and a restart drops a last write whose trace
    lines did not all reach the OS (:meth:`WAL.load`; nothing of it had left), so the node never
    restarts with a log its trace does not explain, nor without entries its trace says it appended
    (a Restart the audit cannot explain; hit by tests/test_cluster_everything.py when the trace
    lines and messages left first). ``"crash_at"`` in cluster.json names a point between two of
    these where a leader kills itself (tests/test_trace_log_order.py)."""

    def __init__(self, wal: WAL, server: NodeServer, poll_us: int = 0) -> None:
        self.wal, self.server = wal, server
        self.waker = Waker(poll_us) if poll_us > 0 else None  # opt-in: impl/runtime/waker.py

    def save(self, rd: Ready) -> None:
        """Buffer a ready's writes in the WAL. A leader's snapshot is put in place at once (snapshot.bin replaced,
        which a restart adopts), so the round's trace lines, its receipt among them, reach the OS just before the
        rename (:meth:`WAL.save`), as a compaction's do (:meth:`save_snapshot`): killed between the install and
        the round's end, the node came back from a snapshot its trace never showed, which the audit refused (a
        fresh clone's test_transfer_cluster, 2026-12-05)."""
        server = self.server
        self.wal.save(rd, before_install=server.trace_now)
        if rd.snapshot is not None and server._crash is not None:
            server.crash_point("installed")

    def sync(self) -> None:
        """Write the records, send what may leave before the fsync (both in ``_flush``), then the header slot
        and the fdatasync."""
        wal, server = self.wal, self.server
        server._flush()
        if server._crash is not None:
            server.crash_point("sent")
        must = wal.write_out()
        tl = server.timeline
        if tl is not None:
            tl.mark(FSYNC)
        if must:
            if self.waker is None:
                wal.fdatasync()
            else:
                with self.waker.during():
                    wal.fdatasync()
        wal.synced()
        if tl is not None:
            tl.mark(SYNCED)

    def save_snapshot(self, snap: Snapshot) -> None:
        """Compaction (synchronous; the replica never compacts while a sync is in flight). Its CompactLog
        event reaches the OS first: a kill -9 after the snapshot is durable must not lose it from the trace
        (the node restarts from that snapshot, and the audit must have seen it taken)."""
        self.server.trace_now()
        self.wal.save_snapshot(snap)

    def close(self) -> None:
        """Stop the waker, if any (nothing is in flight)."""
        if self.waker is not None:
            self.waker.close()


class SyncPipeline(InlineSync):
    """The WAL with each fdatasync on a thread (``"sync_thread": true`` in cluster.json).

    :meth:`begin_sync` writes the saved records and a header slot out (on the loop's thread), then
    fdatasyncs on the sync thread; its completion comes back to the loop, which then treats the
    covered readies as persisted. At most one sync is in flight (the replica starts the next one
    when it completes), so the WAL is never written while another thread syncs it. A failed
    fdatasync ends the process: what the page cache holds can no longer be trusted to reach the disk."""

    def __init__(self, wal: WAL, server: NodeServer) -> None:
        super().__init__(wal, server)  # (no waker: the loop's thread keeps running during the fsync here)
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="fsync")
        self.busy = False

    def begin_sync(self, done: Callable[[], None]) -> None:
        """Write out, fdatasync on the sync thread, then ``done()`` on the loop."""
        loop = self.server.loop
        assert loop is not None and not self.busy
        if not self.wal.write_out():
            self.written()
            loop.call_soon(self._done, None, done)
            return
        self.written()
        self.busy = True
        if self.server.timeline is not None:
            self.server.timeline.mark(FSYNC)
        loop.run_in_executor(self.pool, self.wal.fdatasync).add_done_callback(lambda f: self._done(f, done))

    def written(self) -> None:
        """What runs once the records are written, before the fdatasync (here nothing: the round's end sends)."""

    def _done(self, fut: asyncio.Future[None] | None, done: Callable[[], None]) -> None:
        self.busy = False
        exc = fut.exception() if fut is not None else None
        if exc is not None:
            self.server.fail_stop(exc)
        if self.server.closed:
            return
        if self.server.timeline is not None:
            self.server.timeline.mark(SYNCED)
        self.wal.synced()
        try:
            done()
        except OSError as err:
            self.server.fail_stop(err)
        self.server.kick()  # what the completion made ready (commits, late messages) goes out in a round

    def close(self) -> None:
        """Wait for a sync in flight (shutdown)."""
        super().close()
        self.pool.shutdown(wait=True)
        if self.busy:  # its completion callback will not run (the node is closing): its end is stamped here
            if self.server.timeline is not None:
                self.server.timeline.mark(SYNCED)
            self.wal.synced()


class LeaderThreadSync(SyncPipeline):
    """Inline fsync on a follower, the fdatasync on a thread on a leader (``"leader_fsync_thread"``).

    A follower has nothing to do during its fsync (its ack waits for it), so it syncs inline, with
    no thread hop. A leader's AppendEntries leave before its own fdatasync (Raft thesis 10.2.1); with
    its fdatasync on a thread its loop reads the followers' acks meanwhile, and commits as soon as a
    quorum is durable: two followers' acks, or one and its own sync, whichever comes first (the
    core counts its own copy only once :meth:`RaftNode.persisted` says so). Inline, a slow fsync of
    the leader's held those acks unread even when two followers had synced."""

    def begin_sync(self, done: Callable[[], None]) -> None:
        """Inline on a follower (``done`` runs before this returns), on the sync thread on a leader."""
        if self.server.node.role != LEADER:
            self.sync()
            done()
            return
        super().begin_sync(done)

    def written(self) -> None:
        """The AppendEntries (and the trace lines before them) leave after the write, before the fdatasync."""
        self.server._flush()


class Connection(asyncio.Protocol):
    """An incoming connection: a peer's (impl/runtime/peers.py) or a client's (decided by its first frame).

    Until it has authenticated (a client: its hello; a peer: its answer to our challenge too), a connection may
    send at most PRE_AUTH_FRAME bytes per frame and has ``handshake_timeout`` seconds to do so; afterwards a
    client silent for ``idle_timeout`` seconds, or one that does not read its replies (more than
    WRITE_BUFFER_LIMIT bytes waiting), is closed. A peer's connection becomes the pair's (its link writes to
    it) once the peer answered the challenge."""

    def __init__(self, server: NodeServer) -> None:
        self.server = server
        self.dec = FrameDecoder(server.secret, first_max=PRE_AUTH_FRAME, pre_auth=pre_auth_frames)
        self.kind: bytes | None = None
        self.transport: asyncio.Transport | None = None
        self.out: list[bytes] = []  # client replies of this round, framed together by NodeServer._flush
        self.last = 0.0  # loop time of the last data received (idle timeout)
        self.peer = 0  # a peer's id (from its hello)
        self.nonce = b""  # the challenge sent to a peer, until it answers
        self.link: PeerLink | None = None  # a peer's link, once it answered

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        srv = self.server
        assert srv.loop is not None
        self.last = srv.loop.time()
        if len(srv.conns) >= srv.max_connections:
            srv.refused += 1
            srv.log_refusal(transport.get_extra_info("peername"))
            transport.close()
            return
        srv.conns.add(self)

    def close(self, why: str) -> None:
        """Log one line and close (only this connection is affected)."""
        t = self.transport
        log.warning("node %d: closing connection from %s: %s", self.server.id,
                    t.get_extra_info("peername") if t else "?", why)
        if t is not None:
            t.close()

    def data_received(self, data: bytes) -> None:
        srv = self.server
        self.last = now = srv.loop.time()  # type: ignore[union-attr]
        if now >= srv.ticks.next:  # the ticks due before this input reach the core first (ticks.py)
            srv.ticks.credit(now)
        if srv.timeline is not None and self.kind is not None:
            srv.timeline.mark(RECV_PEER if self.kind == HELLO_PEER else RECV_CLIENT)
        try:
            for payload in self.dec.feed(data):
                if self.link is not None:
                    srv.peer_message(payload, self.peer)  # rounds never await: the core is never mid-round here
                elif self.kind == HELLO_CLIENT:
                    srv.client_requests(payload, self)
                elif self.kind is None:
                    self.kind = payload[:1]
                    if self.kind == HELLO_PEER:
                        self._challenge(payload)
                    elif self.kind == HELLO_CLIENT:  # (a frame being read is checked again at the next feed)
                        self.dec.max_frame = CLIENT_FRAME
                    else:
                        raise WireError(f"first frame is not a hello ({payload[:1]!r})")
                else:
                    self._answered(payload)
            srv.kick()
        except (WireError, ValueError) as exc:
            self.close(str(exc))
            srv.kick()

    def _challenge(self, payload: bytes) -> None:
        """A peer's hello: answer it with a fresh nonce of ours (peers.py)."""
        srv = self.server
        peer, theirs = read_hello(payload)
        if peer not in srv.links:
            srv.refresh_peers()  # a node added since we started (cluster.json names its port)
        link = srv.links.get(peer)
        if link is None:
            raise WireError(f"hello from node {peer}, not a node of this cluster")
        if link.dials:
            raise WireError(f"hello from node {peer}, which this node dials (the lower id dials)")
        self.peer, self.nonce = peer, os.urandom(NONCE)
        self.dec.max_frame = srv.peer_frame  # (its answer, the next frame, is still held to PRE_AUTH_FRAME)
        assert self.transport is not None
        self.transport.write(frame_with_key(challenge(srv.id, theirs, self.nonce), srv.key))

    def _answered(self, payload: bytes) -> None:
        """A peer's answer to our challenge: from now on, the pair's connection."""
        if not hmac.compare_digest(payload, proof(self.nonce)):
            raise WireError(f"node {self.peer}'s answer does not match our challenge (a replayed hello?)")
        self.nonce = b""
        self.link = self.server.links[self.peer]
        assert self.transport is not None
        self.link.adopt(self.transport)

    def connection_lost(self, exc: Exception | None) -> None:
        t, self.transport = self.transport, None
        self.server.conns.discard(self)
        if self.link is not None and t is not None:
            self.link.released(t)


def os_error(exc: BaseException) -> str:
    """``exc`` as its errno and text, without the file it names (a line about the log says 'its log')."""
    return f"[Errno {exc.errno}] {exc.strerror}" if isinstance(exc, OSError) and exc.errno is not None else str(exc)


def failed_write(exc: BaseException) -> str:
    """A failed write for the node's last line: the file and the error's name, ``.../wal/wal.log failed (ENOSPC: No
    space left on device)`` (it said 'writing its log or trace failed ([Errno 28] ...)': which file, not said)."""
    if not isinstance(exc, OSError) or exc.errno is None:
        return f"its log or trace failed ({exc})"
    return (f"{exc.filename or 'its log or trace'} failed ({errno.errorcode.get(exc.errno, exc.errno)}: "
            f"{exc.strerror})")


class NodeServer:
    """A node: replica + WAL + trace + TCP server + peer links + timer."""

    def __init__(self, directory: Path, node_id: int) -> None:
        self.dir = directory
        self.cluster = load_cluster(directory)
        self.id = node_id
        self.secret = bytes.fromhex(self.cluster["secret"])
        self.key = mac_key(self.secret)
        self.ports = {int(k): v for k, v in self.cluster["nodes"].items()}
        self.home = directory / f"node-{node_id}"
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._scheduled = False
        self._dirty: set[Connection] = set()  # client connections with replies to write
        self.conns: set[Connection] = set()  # open incoming connections
        c = self.cluster
        self.max_connections: int = c.get("max_connections", 1024)
        self.handshake_timeout: float = c.get("handshake_timeout_s", 5.0)
        self.idle_timeout: float = c.get("idle_timeout_s", 300.0)
        self.refused = 0  # connections refused at the cap
        self.closed = False  # set at shutdown, once the log and trace are closing
        self._refusal_logged = -1.0
        self.timeline: Timeline | None = None  # critical-path stamps ("timeline": true; impl/runtime/timeline.py)
        self.poller: BusyPoll | None = None  # "busy_poll_us" (set up with the loop in _build)
        self.poll_leader_only = bool(c.get("busy_poll_leader", BUSY_POLL_LEADER))
        self._progress = (0, 0)  # the log's written bytes and the commit index when the last round ended
        # "spread_followers" (opt-in; docs/performance-log.md 2026-12-04 16:42): the CPUs allowed at start, the leader
        # the placement was last made for
        self.cpus = os.sched_getaffinity(0) if c.get("spread_followers") else None
        self._placed_for = -1
        # a peer's frames are held to peer_frame_bytes; a message longer than that travels in chunks (chunks.py)
        self.peer_frame: int = c.get("peer_frame_bytes", PEER_FRAME)
        self.chunk_bytes: int = c.get("chunk_bytes", CHUNK_BYTES)
        self.whole = self.peer_frame - FRAME_OVERHEAD  # the longest message sent in one frame
        self.max_command: int = c.get("max_command_bytes", MAX_COMMAND_BYTES)  # a write's key, value, expected
        self.chunking: set[PeerLink] = set()  # links with messages to send in chunks
        self.chunks_sent = 0
        self.boot = 0

    def _build(self) -> None:
        self._lock = lock_node(self.home)  # before the log is read: a second process of this node refuses here
        self._home_id = _folder_id(self.home)  # (the folder it runs in: _folder_gone)
        self._described = _described(self.dir)  # (cluster.json as read: the sweep rereads it once it changes)
        try:
            marker = read_marker(self.home / REJOINING)  # set by `cluster recover-node`; read before anything changes
        except MarkerError as exc:
            raise ClusterError(str(exc)) from None
        c = self.cluster
        cfg = Config(election_ticks=c.get("election_ticks", 20), heartbeat_ticks=c.get("heartbeat_ticks", 2),
                     pre_vote=c.get("pre_vote", True), check_quorum=c.get("check_quorum", True),
                     trace=c.get("trace", True), quorum_first=c.get("quorum_first", True))
        self.wal = WAL(self.home / "wal", fsync=c.get("fsync", True),  # WALError: refuse to start (see main)
                       prealloc=int(c.get("wal_prealloc", WAL_PREALLOC)), owner=identity(c, self.id))
        core, rules = protocol(c)
        compact = trace_compact(c, has_jsonl=(self.home / trace_file_name(False)).exists()
                                and not (self.home / trace_file_name(True)).exists())  # (a converted copy beside)
        trace_path = self.home / trace_file_name(compact)  # (compact: the first segment; its last one is appended to)
        traced = cfg.trace and trace_path.exists()
        size = (trace_size(trace_path) if compact else trace_path.stat().st_size) if traced else None
        hs, snap, entries = self.wal.load(size)
        lost = self.wal.trace_lost(trace_path, size) if size is not None else None
        if lost is not None:
            raise WALError(lost)
        if self.wal.trace_cut is not None:  # the log dropped a write whose trace lines were cut short: the trace too
            if compact:
                cut_trace(trace_path, self.wal.trace_cut)
            else:
                os.truncate(trace_path, self.wal.trace_cut)
        boot = self.boot = next_boot(self.home / "boot", self.id)
        self.chunks = Assembler(self.home, self.id, lambda: getattr(self.node, "term", 0))  # (a Multi-Paxos core's
        # messages carry ballots: its own handlers judge a stale transfer's message)
        clock = last_clock(trace_path) if cfg.trace else 0
        spec: dict[str, Any] = {"spec": "multipaxos"} if c.get("protocol") == "multipaxos" else {}  # for the audit
        members: dict[str, Any] = {"members": c["members"]} if "members" in c else {}  # the initial configuration
        self.trace = (TraceWriter(trace_path, self.id, self.ports, compact=compact, **spec, **members,
                                  segment_bytes=c.get("trace_segment_bytes", SEGMENT_BYTES),
                                  compress=c.get("trace_compress", True)) if cfg.trace else None)
        if self.trace is not None and not traced:  # (its trace set aside: the log's marks count another file)
            self.wal.new_trace(self.trace.size)
        if self.trace is not None and c.get("trace_marks", True):  # (false: only to show what the marks prevent)
            self.wal.trace_extent = self.trace.extent
        crash = c.get("crash_at")  # {"at": "written" | "sent" | "replied" | "eio" | "chunk" | "installed", "index": n}
        self._crash = None if crash is None else (crash["at"], crash["index"])
        if self._crash is not None and self._crash[0] == "eio":
            self._fail_log_sync()
        seed = int.from_bytes(os.urandom(8), "big")  # election jitter: randomness injected into the core
        # what `recover-node` read, until this node's trace shows its Rebuild (then the marker is emptied)
        rebuilt = rebuilt_from(marker)
        self._rebuild_untraced = rebuilt is not None and self.trace is not None
        self._caught_up_untraced = False  # the rejoin gate opened and the trace has not yet had its CaughtUp
        rebuild: dict[str, Any] = {} if rebuilt is None else {"rebuilt": rebuilt}
        if core is not RaftNode and marker is not None:  # a Multi-Paxos core keeps its own gate (multipaxos/rejoin)
            rebuild["rejoining"] = True
        # (TraceWriter encodes its events; a Multi-Paxos core formats its own lines, written as JSON-lines records)
        tracer = ({"tracer": CompactTracer(wire=True, key=command_key)} if compact and cfg.trace and core is RaftNode
                  else {})
        self.node = core(self.id, self.ports, cfg, rand=random.Random(seed).randint, hard_state=hs,
                         snapshot=snap, entries=entries, boot=boot, clock=clock, describe=describe_command,
                         rules=rules, **members, **tracer, **rebuild)
        self._wire: CompactTracer | None = tracer.get("tracer")  # (its sent messages' encodings, its received ones)
        # fsync inline in the Ready loop (default), or on a thread while the loop serves on ("sync_thread":
        # measured slower on 2 loaded cores: the thread hop costs more CPU than the overlap saves)
        if c.get("sync_thread"):
            self.sync: InlineSync = SyncPipeline(self.wal, self)
        elif c.get("leader_fsync_thread") and core is RaftNode:
            self.sync = LeaderThreadSync(self.wal, self)
        else:
            self.sync = InlineSync(self.wal, self, poll_us=int(c.get("fsync_poll_us", 0)))
        self.replica = Replica(self.node, self.sync, self._send, snapshot_every=c.get("snapshot_every", 20_000),
                               on_ready=self._trace, write_out=self._flush, merge_retries=True)
        self.links = {j: PeerLink(self, j, p) for j, p in self.ports.items() if j != self.id}
        self._peers = getattr(self.node, "peers", ())  # a Raft leader's peers when the links were last checked
        self.tick_s = c.get("tick_ms", 10) / 1000
        assert self.loop is not None
        self.ticks = TickClock(self.loop, self.tick_s, self._tick, self.kick)
        self.resend_after = cfg.election_ticks * self.tick_s  # a message sent whole in chunks is not sent again sooner
        poll_us = int(c.get("busy_poll_us", BUSY_POLL_US))
        if poll_us > 0 and os.sched_getscheduler(0) not in (os.SCHED_FIFO, os.SCHED_RR):
            # (at real-time priority a sched_yield never lets an ordinary process run, so the poll could not see
            # that the CPU is wanted: under load it cost a quarter of the sequential rate there)
            assert self.loop is not None
            self.poller = BusyPoll(self.loop, poll_us, lambda: not self.closed)
        if c.get("timeline"):
            self.timeline = Timeline(self.home / "timeline.txt")
        self.rejoin = RejoinGate() if marker is not None and core is RaftNode else None
        self._resumes = core is not RaftNode and marker is not None  # a rejoining Multi-Paxos core, until it resumes

    # -- the Ready loop ---------------------------------------------------------------------------
    def kick(self) -> None:
        """Schedule a Ready round after the I/O callbacks of this loop iteration (so they batch into it)."""
        if not self._scheduled and not self.closed:
            self._scheduled = True
            assert self.loop is not None
            self.loop.call_soon(self._round)

    def _round(self) -> None:
        """Ready rounds until the core is idle (or waits for a sync), then one write per connection.

        By default each ready's fsync runs inline: a leader's AppendEntries (``Ready.early``) are
        written to the sockets before it (:class:`InlineSync`), whatever arrives during it waits in the
        kernel for the next round, which shares one fsync for all of it (group commit). With
        ``sync_thread`` (:class:`SyncPipeline`) the loop goes on serving during the fsync; late
        messages (acknowledgements, votes) leave once the fsync that covers them completed."""
        self._scheduled = False
        if self.closed:  # scheduled before shutdown closed the log and the trace
            return
        if self.timeline is not None:
            self.timeline.mark(ROUND)
        try:
            self.replica.process()
        except OSError as exc:
            self.fail_stop(exc)
        node = self.node
        if getattr(node, "peers", ()) is not self._peers:  # the configuration changed (or a learner came)
            self._peers = node.peers
            if any(j not in self.links for j in node.peers):
                self.refresh_peers()
        if self.cpus is not None and node.leader != self._placed_for:
            self._placed_for = node.leader
            try:
                os.sched_setaffinity(0, follower_cpu(self.id, node.leader, sorted(self.ports), self.cpus))
            except OSError as exc:  # (the CPUs allowed changed since the start): run where the kernel lets it
                log.warning("node %d: cannot place itself for spread_followers: %s", self.id, exc)
        if self.rejoin is not None and self.rejoin.caught_up(node):
            self.rejoin = None
            node.rejoined()  # (a CaughtUp trace event: the marker goes once the trace has it, in _trace)
            self._caught_up_untraced = self.trace is not None
            if self.trace is None:
                (self.home / REJOINING).unlink(missing_ok=True)
            log.info("node %d caught up to index %d after rejoining: voting again", self.id, node.applied)
            self.kick()
        if self._resumes and not node.rejoining:  # (its Resume event is in this round's trace lines)
            self._resumes = False
            self._caught_up_untraced = self.trace is not None
            if self.trace is None:
                (self.home / REJOINING).unlink(missing_ok=True)
            log.info("node %d learned up to slot %d after rejoining: voting again", self.id, node.commit)
        try:
            self._flush()  # also what was answered outside a round (not-leader, status)
        except OSError as exc:
            self.fail_stop(exc)
        # the timer, for the first tick that may act (ticks.py); left alone while set for the next tick (as early as
        # it gets: a leader's while writes go on) and on a rejoining node (its leader's messages wake it)
        ticks = self.ticks
        if ticks.wake > ticks.next and self.rejoin is None:
            n = 1 if self.chunking else node.due_in()  # (chunks: a window goes per round, a round at every tick)
            if ticks.next + (n - 1) * ticks.step < ticks.wake:
                ticks.arm(n)
        if self.poller is not None and (node.role == LEADER or not self.poll_leader_only):
            progress = (self.wal.written, node.commit)
            if progress != self._progress:  # the write path: this round appended or committed (heartbeats, reads
                self._progress = progress  # and status requests do neither: an idle node never polls)
                self.poller.arm()

    def fail_stop(self, exc: BaseException) -> NoReturn:
        """Writing the log or the trace failed (a full disk, an I/O error): stop at once. Running on, the node
        kept what the failed write had half written, and once the disk had room again it wrote after it and
        acknowledged entries stored behind damage, refused at its next start (a full disk did that to one node
        of three by hand). Restarted, it keeps what its last completed fsync covered and cuts the rest."""
        if (self.wal.dir / SYNC_FAILED).exists():  # (its fdatasync: the cache may hold what the disk does not)
            log.critical("node %d: an fdatasync of its log failed (%s): stopping; its next start reads the log as "
                         "the disk holds it, past the page cache", self.id, os_error(exc))
        elif getattr(exc, "fdatasync_failed", False):  # (and the disk refused its record: the last line said to
            # restart once the disk is fixed, which on this boot reads what the cache holds as synced)
            log.critical("node %d: an fdatasync of its log failed (%s) and the disk refused even the record of it: "
                         "stopping; do not restart it before the machine restarts (its page cache may hold records "
                         "the disk lost); rebuild it from its peers (paxraft cluster recover-node)", self.id,
                         os_error(exc))
        else:
            log.critical("node %d: writing %s: stopping; restart it once the disk is fixed (it keeps what was "
                         "synced)", self.id, failed_write(exc))
        os._exit(3)  # nothing acknowledged after this point could be trusted to be on disk

    def crash_point(self, name: str) -> None:
        """A fault hook for tests: a leader whose log reached ``crash_at``'s index kills itself at this point (one
        node of the cluster, once: it leaves DIR/crashed); at ``"installed"`` a follower, once it has put a leader's
        snapshot in place."""
        if self._crash is not None and self._crash_due(name):
            os.kill(os.getpid(), signal.SIGKILL)

    def _crash_due(self, name: str) -> bool:
        crash = self._crash
        reached = self.chunks_sent if name == "chunk" else self.node.log.last_index()
        role_ok = self.node.role != LEADER if name == "installed" else self.node.role == LEADER  # (a follower's point)
        if (crash is not None and crash[0] == name and role_ok
                and reached >= crash[1] and not (self.dir / "crashed").exists()):
            (self.dir / "crashed").write_text(str(self.id))
            return True
        return False

    def _fail_log_sync(self) -> None:
        """The fault hook ``"crash_at": {"at": "eio", ...}``: once the leader's log reaches the index, the log's
        fdatasync fails with EIO, as a failing disk's does (the syscall itself, so that the log's own handling of
        it runs; this process only)."""
        real = os.fdatasync

        def fdatasync(fd: FileDescriptorLike) -> None:
            if fd == self.wal._fd and self._crash_due("eio"):
                raise OSError(errno.EIO, "Input/output error (the crash_at fault hook)")
            real(fd)

        os.fdatasync = fdatasync

    def trace_now(self) -> None:
        """Write and flush the core's trace events taken so far (before an effect that outlives a crash)."""
        if self.trace is not None:
            tracer = getattr(self.node, "tracer", None)  # (a Multi-Paxos core hands its events out in ready())
            lines = tracer.take() if tracer is not None else []
            if lines:
                self.trace.write_lines(lines)
            self.wal.write_records()
            self.trace.flush()

    def _trace(self, rd: Ready) -> None:
        """A ready's trace lines, before any of its messages leave (see _flush)."""
        if self.trace is not None and rd.trace:
            self.trace.write_lines(rd.trace)
            if self._rebuild_untraced:  # the boot's Rebuild is in the trace: a restart from now on is a Restart
                self._rebuild_untraced = False
                (self.home / REJOINING).write_text("")
            if self._caught_up_untraced:  # its CaughtUp is in the trace: no longer rejoining, after a restart too
                self._caught_up_untraced = False
                (self.home / REJOINING).unlink(missing_ok=True)

    def _flush(self) -> None:
        """One write per client connection, then the log's records (written, not synced: with a sync in flight
        on a thread, records saved since wait), then the trace lines (a step reaches the OS before its messages
        leave), then one write per peer.

        Replies go first: nothing written after them is what they report (a write is answered once durable on
        a majority, the leader's own copy counted only once its fsync completed; a read from applied state),
        and the audit matches the messages between nodes, not replies. The trace lines are written only with
        log records or peer messages: a round that only answers clients or only receives (a leader reading
        acknowledgements) leaves its lines to the next round that does, one write for both. A kill -9 before
        then loses events that nothing outside the node saw and that changed nothing durable, as a crash just
        before them would (their messages were never received), and a log write's trace mark covers the lines
        that waited (docs/durability.md, "The log, the trace and a kill -9")."""
        tl = self.timeline  # (stamps before the writes: the reader may stamp its receipt before ours returns)
        if self._dirty:
            if tl is not None:
                tl.mark(SENT_CLIENT)
            key = self.key
            for conn in self._dirty:
                t = conn.transport
                if t is not None and not t.is_closing():
                    t.write(b"".join([frame_with_key(b"".join(batch), key) for batch in batches(conn.out)]))
                    if t.get_write_buffer_size() > WRITE_BUFFER_LIMIT:
                        conn.close(f"client does not read its replies ({t.get_write_buffer_size()} bytes waiting)")
                conn.out.clear()
            self._dirty.clear()
            if self._crash is not None:
                self.crash_point("replied")  # (the round's trace lines, if any, still in memory)
        sending = any([link.pending for link in self.links.values()]) or self.chunking
        if self.trace is not None:
            wrote = self.wal.write_records()
            if self._crash is not None:
                self.crash_point("written")
            if wrote or sending or self.trace.marked:  # (marked: records written by a sync pipeline's write_out)
                self.trace.flush()
        if sending:
            if tl is not None:
                tl.mark(SENT_PEER)
            for link in self.links.values():
                if link.pending or link.outgoing:
                    link.flush()

    def log_refusal(self, peer: Any) -> None:
        """One line per second at most while connections are refused at the cap."""
        assert self.loop is not None
        if self.loop.time() - self._refusal_logged >= 1.0:
            self._refusal_logged = self.loop.time()
            log.warning("node %d: connection cap of %d reached; refusing connections (from %s; %d so far)",
                        self.id, self.max_connections, peer, self.refused)

    def _sweep(self) -> None:
        """Close connections past the handshake or idle timeout (checked a few times per timeout)."""
        assert self.loop is not None
        now = self.loop.time()
        for conn in list(self.conns):
            if conn.kind is None and now - conn.last >= self.handshake_timeout:
                conn.close(f"no authenticated hello within {self.handshake_timeout} s")
            elif conn.nonce and now - conn.last >= self.handshake_timeout:
                conn.close(f"no answer to the peer challenge within {self.handshake_timeout} s")
            elif conn.kind == HELLO_CLIENT and now - conn.last >= self.idle_timeout:  # peers are trusted
                conn.close(f"client idle for {self.idle_timeout} s")
        if (now_described := _described(self.dir)) != self._described:  # `cluster add` wrote a node in
            self._described = now_described
            self.refresh_peers()
        if (gone := self._folder_gone()) is not None:
            log.critical("node %d: its folder %s %s: stopping (it can keep nothing there, and no cluster command "
                         "finds it)", self.id, self.home, gone)
            os._exit(3)
        self._sweeper = self.loop.call_later(min(self.handshake_timeout, self.idle_timeout) / 4, self._sweep)

    def _folder_gone(self) -> str | None:
        """Why the node's folder is no longer the one it started in, or None. A node whose folder was removed (`rm -rf`
        of a cluster folder, a nemesis run's folder removed under it) ran on for ever, listening, with its log and
        trace in deleted files: what it acknowledged was lost with them, and `cluster stop` could not find it. Checked
        with the idle sweep (every ~1.25 s), off the write path."""
        try:
            now = _folder_id(self.home)
        except FileNotFoundError:
            return "was removed (or moved)"
        except OSError:  # (the disk went away, a permission changed under it: the log's writes will say so)
            return None
        return None if now == self._home_id else "was replaced by another folder"

    def refresh_peers(self) -> None:
        """Read the nodes' ports again from cluster.json (`paxraft cluster add` writes a new node's there) and
        link to the nodes added since: the core may now name them (as a learner, a member or a sender). Also done
        by the idle sweep when cluster.json changed: a member cut off while a node of a higher id was added never
        learnt of it (the lower id dials, and only a hello or a configuration naming the node made it reread),
        so once that node led, nothing reached the member, which stayed behind for good (the nemesis, membership
        changes under partitions)."""
        try:
            ports = {int(k): int(v) for k, v in load_cluster(self.dir)["nodes"].items()}
        except ClusterError as exc:
            log.warning("node %d: cannot reread the cluster description: %s", self.id, exc)
            return
        for j, p in ports.items():
            if j != self.id and j not in self.links:
                self.ports[j] = p
                self.links[j] = PeerLink(self, j, p)
            elif j != self.id and self.ports[j] != p:  # an add refused and rolled back, then this id added again
                self.ports[j] = self.links[j].port = p  # (the link connects to its port at each attempt)
        if isinstance(self.node, RaftNode):
            self.node.nodes = tuple(sorted(self.ports))

    def peer_message(self, payload: bytes, peer: int) -> None:
        """A frame from ``peer`` on the pair's connection, stepped into the core (WireError if it is not a message
        from that peer to this node; a rejoining node admits only what its gate lets through)."""
        m = decode_message(payload)
        if m.src != peer or m.dst != self.id:
            raise WireError(f"message from {m.src} to {m.dst} does not belong on the connection with node {peer}")
        if m.type == CHUNK:
            m = self.chunks.feed(m)  # type: ignore[assignment]
            if m is None:
                return
        elif self._wire is not None:
            self._wire.received(m, payload)  # (its trace value: the bytes it came as; a reassembled one: its values)
        if self.rejoin is None or self.rejoin.admits(m, self.node.term):
            self.node.step(m)

    def read_cut(self) -> None:
        """The test-only partition switch (``"partition_hook": true``, for modelcheck/nemesis.py): every message to
        or from a peer listed in ``node-N/cut`` (a JSON list of ids; no file: none) is dropped, the ones it receives
        as they arrive, the ones it sends before they are framed. The node rereads the file at start and on
        SIGUSR1. The filters are instance attributes shadowing :meth:`peer_message` and the replica's ``send``, set
        only while a cut is on: a node without the hook, or with no cut, runs its message path as it is."""
        try:
            cut = frozenset(int(i) for i in json.loads((self.home / CUT_FILE).read_text()))
        except FileNotFoundError:
            cut = frozenset()
        except (OSError, ValueError, TypeError) as exc:
            log.warning("node %d: cannot read %s (partition hook): %s", self.id, self.home / CUT_FILE, exc)
            return
        if not cut and "peer_message" not in self.__dict__:
            return
        self.__dict__.pop("peer_message", None)
        self.replica.send = self._send
        if cut:
            whole, send = self.peer_message, self._send

            def cut_off(payload: bytes, peer: int) -> None:
                if peer not in cut:
                    whole(payload, peer)

            def send_cut(m: Message) -> None:
                if m.dst not in cut:
                    send(m)

            self.peer_message = cut_off  # type: ignore[method-assign]
            self.replica.send = send_cut
        log.info("node %d: cut off from %s (partition hook)", self.id, sorted(cut) or "no node")

    def _send(self, m: Message) -> None:
        link = self.links.get(m.dst)
        if link is not None:
            payload = (self._wire.encoding(m) if self._wire is not None else None) or encode_message(m)
            if len(payload) > self.whole:  # (a snapshot, an entry of a client's large value)
                link.send_chunked(m, payload)
            else:
                link.send(frame_with_key(payload, self.key))

    def chunk_written(self) -> None:
        """A chunk left (PeerLink); the fault hook ``"crash_at": {"at": "chunk", "index": n}`` kills a leader once it
        has written n of them (a snapshot cut short)."""
        self.chunks_sent += 1
        if self._crash is not None:
            self.crash_point("chunk")

    def _tick(self) -> None:
        if self.rejoin is None:  # a rejoining node does not campaign: its ticks pass uncounted
            self.node.tick()

    # -- clients ----------------------------------------------------------------------------------
    def client_requests(self, payload: bytes, conn: Connection) -> None:
        """Hand a frame's client requests to the replica (a status request is answered at once); the
        replies are packed into the connection's frame of this round. ValueError if one is malformed."""
        out, dirty, replica = conn.out, self._dirty, self.replica
        for req_id, op, data in split_requests(payload):

            def reply(kind: str, res: Any, req_id: int = req_id) -> None:
                if kind == "ok":
                    assert isinstance(res, Result) or res is None
                    out.append(encode_reply(req_id, OK, res.status, 0, res.value) if res else encode_reply(req_id, OK))
                elif kind == "refused":
                    out.append(encode_reply(req_id, REFUSED, 0, 0, str(res).encode()))
                elif kind == "not_leader":
                    out.append(encode_reply(req_id, NOT_LEADER, 0, int(res or 0)))
                else:
                    out.append(encode_reply(req_id, RETRY, 0, self.node.leader))
                dirty.add(conn)

            if op == STATUS:
                st = self.node.status()
                st["pid"] = os.getpid()
                st["rejoining"] = self.rejoin is not None or self._resumes
                st["poll_turns"] = self.poller.turns if self.poller is not None else 0
                st["syncs"] = self.wal.syncs  # (the log's syncs since the start)
                st["chunked"] = self.chunks.done  # (messages received in chunks since the start)
                reply("ok", Result(0, json.dumps(st).encode()))
            elif op == GET:
                replica.submit(decode_command(data), reply)
            elif op == CONFIG:
                change, target = decode_change(data)
                if not isinstance(self.node, RaftNode):
                    reply("refused", "membership changes and leadership transfer are for a Raft cluster only")
                elif change == "transfer":
                    replica.submit_transfer(target, reply)
                else:
                    self.refresh_peers()  # the node to add was written to cluster.json just before
                    replica.submit_config(change, target, reply)
            elif len(data) - CMD_HEADER.size > self.max_command:  # (the header's lengths: split_requests checked)
                reply("refused", f"a command of {len(data) - CMD_HEADER.size:,} bytes is larger than this cluster's "
                                 f"max_command_bytes ({self.max_command:,})")
            else:
                replica.submit_write(data, reply)  # checked by split_requests; proposed as the client encoded it

    async def main(self) -> None:
        """Serve until SIGTERM/SIGINT."""
        self.loop = loop = asyncio.get_running_loop()
        self._build()
        server = await loop.create_server(lambda: Connection(self), "127.0.0.1", self.ports[self.id],
                                          reuse_port=True)  # takes the port over from `cluster start`'s hold
        try:
            check_port_alone(self.ports[self.id], server.sockets)
        except ClusterError:
            server.close()
            raise
        write_pid(self.home / "pid", os.getpid())
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if self.cluster.get("partition_hook"):  # (test-only: a node without it keeps SIGUSR1's default)
            self.read_cut()
            loop.add_signal_handler(signal.SIGUSR1, self.read_cut)
        self.kick()  # (its round sets the timer)
        self._sweep()
        log.info("node %d listening on 127.0.0.1:%d (%s event loop)", self.id, self.ports[self.id],
                 type(loop).__module__.split(".")[0])
        await stop.wait()
        self.ticks.stop()
        self._sweeper.cancel()
        server.close()
        for link in self.links.values():
            if link.task is not None:
                link.task.cancel()
        self._round()
        self.replica.fail_pending()
        self._flush()
        self.closed = True  # a round kicked by data still arriving must not run: the files close now
        for conn in list(self.conns):
            if conn.transport is not None:
                conn.transport.abort()
        self.sync.close()
        self.chunks.close()
        if self.timeline is not None:  # the last records (waiting behind a sync on the thread) are synced here
            self.timeline.mark(FSYNC)
        self.wal.sync()
        if self.timeline is not None:
            self.timeline.mark(SYNCED)
        self.wal.close()
        if self.trace is not None:
            self.trace.close()
        if self.timeline is not None:
            self.timeline.close()


def _folder_id(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino


def use_event_loop(c: dict[str, Any]) -> None:
    """uvloop's event loop (libuv, in C) unless cluster.json says ``"uvloop": false``: a quarter less node
    CPU per write than asyncio's own loop (docs/performance-log.md). When it is not installed the node runs on
    asyncio's loop, unless ``"uvloop": true`` asked for it (ClusterError)."""
    want = c.get("uvloop")
    if want is False:
        return
    try:
        import uvloop
    except ImportError as exc:
        if want:
            raise ClusterError('cluster.json asks for "uvloop": true, but uvloop is not installed') from exc
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main(argv: list[str] | None = None) -> int:
    """Entry point of a node process."""
    ap = argparse.ArgumentParser(
        description="Run one paxraft node (Raft or Multi-Paxos, as cluster.json says).", allow_abbrev=False)
    ap.add_argument("--dir", required=True, type=Path)
    ap.add_argument("--id", required=True, type=int)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        c = load_cluster(args.dir)
        use_event_loop(c)
        slice_us = int(c.get("sched_slice_us", SCHED_SLICE_US))
        if slice_us:
            try:
                set_slice(slice_us)  # (before any thread starts: they inherit it; at real-time priority: nothing)
            except OSError as exc:  # an older kernel, another platform: the node runs as it would without
                log.warning("node %d: cannot set a %d us scheduler slice: %s", args.id, slice_us, exc)
        asyncio.run(NodeServer(args.dir, args.id).main())
    except TraceFileError as exc:  # the trace is evidence, not state: the way out is to set it aside
        log.error("node %d cannot start: %s (%s)", args.id, exc, set_aside(args.dir / f"node-{args.id}"))
        return 2
    except (WALError, ClusterError, OSError) as exc:  # damaged storage, a bad folder, a port taken
        log.error("node %d cannot start: %s", args.id, exc)  # one line; `cluster start/status` quote it
        return 2
    except MemoryError:  # (a file of the node's folder far larger than it should be: a compact trace is read whole)
        log.error("node %d cannot start: out of memory reading its folder %s (a damaged or huge file there?)",
                  args.id, args.dir / f"node-{args.id}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
