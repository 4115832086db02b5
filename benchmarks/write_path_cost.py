"""What one sequential write costs the nodes' Python: CPU time, and instructions counted whatever the load.

Usage: .venv/bin/python benchmarks/write_path_cost.py [--writes N] [--value-size B] [--repeat R]
       [--tick-every K] [--instructions [--no-gc]]

Three Raft replicas in one process (impl/kv/replica.py with the runtime's pieces: the WAL written to
the OS for real but not fdatasync'd, then the trace lines to each node's trace file, then its
messages, frames encoded, tagged with BLAKE2b and decoded as on the wire, the client's request
split and its reply encoded as the node does), driven one write at a time in the order of a
sequential write on the real cluster: the leader's request round, the first follower's round, the
leader's round for its acknowledgement. No sockets, no event loop, no waiting for the disk: what is
left is the Python on a write's path, the part that code changes move.

The replicas run as the runtime's nodes do by default, with ``quorum_first``: the leader sends each write
to the one follower that makes a quorum with it, and the other follower gets the entries at the leader's
ticks, a tick's worth in one AppendEntries. There is no clock here, so the leader ticks after every
``--tick-every`` writes (10: a 10 ms tick at ~1,000 sequential writes/s; every other tick also sends the
heartbeats, as ``heartbeat_ticks`` 2 does). ``--tick-every 0`` never ticks and turns ``quorum_first`` off,
so that every write goes to both followers at once: the figures this benchmark gave until 2026-12-05.

Prints, with compact trace files (the runtime's default), JSON-lines ones and none, the CPU microseconds
per write (process_time, best of --repeat runs; the machine's load inflates it) and, with
--instructions, the user-space instructions
per write counted by valgrind's cachegrind (needs ``valgrind``): the same code gives the same count
(to ~0.1%) whatever else runs on the machine, so an A/B of two builds needs no quiet machine. The
count is the difference between a run of 4N and one of N writes, divided by 3N (set-up cancels; N is
a multiple of ``--tick-every``, so both runs tick alike).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from impl.kv.machine import PUT, Command, command_key, describe_command  # noqa: E402
from impl.kv.protocol import OK, encode_reply, encode_request, split_requests  # noqa: E402
from impl.kv.replica import Replica  # noqa: E402
from impl.raft.core import LEADER, Config, RaftNode, Ready  # noqa: E402
from impl.raft.messages import FrameDecoder, Message, decode_message, encode_message, frame_with_key, mac_key  # noqa: E402
from impl.raft.tracing import CompactTracer  # noqa: E402
from impl.runtime.chunks import CHUNK, FRAME_OVERHEAD, PEER_FRAME  # noqa: E402
from impl.runtime.cluster import trace_file_name  # noqa: E402
from impl.runtime.ticks import TickClock  # noqa: E402
from impl.storage.wal import WAL  # noqa: E402
from impl.trace import SEGMENT_BYTES, TraceWriter  # noqa: E402

SECRET = b"write-path-cost-secret-32-bytes!"
TICK_EVERY = 10  # writes per leader tick (see the docstring); 0: no ticks and quorum_first off
TRACES = ("compact", "jsonl", "off")


def _trace(name: str) -> str | None:
    return None if name == "off" else name
NODES = (1, 2, 3)


class _Frozen:
    """The loop's time and timers for a node's TickClock where time stands still: the clock's bookkeeping on the
    write's path (a comparison per input, the next deadline after each round) runs, its ticks never do (the
    leader's come from ``--tick-every``)."""

    def time(self) -> float:
        return 0.0

    def call_at(self, when: float, cb: object, *args: object) -> _Frozen:
        return self

    def cancel(self) -> None:
        pass


class Node:
    """One replica with the runtime's order of effects (InlineSync, NodeServer._flush)."""

    def __init__(self, home: Path, j: int, trace: str | None, wire: deque[tuple[int, bytes]],
                 quorum_first: bool) -> None:
        home.mkdir()
        self.id, self.wire, self.key = j, wire, mac_key(SECRET)
        self.wal = WAL(home, fsync=False, create=True, prealloc=1 << 20)
        hs, _, entries = self.wal.load()
        compact = trace == "compact"  # the runtime's default: compact events, JSON lines made when read
        self.trace = (TraceWriter(home / trace_file_name(compact), j, NODES, compact=compact,
                                  segment_bytes=SEGMENT_BYTES, compress=True) if trace else None)  # (as a node)
        if self.trace is not None:
            self.wal.trace_extent = self.trace.extent  # the trace marks, as the runtime writes them
        self.core = RaftNode(j, NODES, Config(election_ticks=20, heartbeat_ticks=2, trace=trace is not None,
                                                  quorum_first=quorum_first),
                             rand=random.Random(j).randint, hard_state=hs, entries=entries, describe=describe_command,
                             tracer=CompactTracer(wire=True, key=command_key) if compact else None)
        self.out: list[tuple[int, bytes]] = []
        self.whole, self.chunking = PEER_FRAME - FRAME_OVERHEAD, set()  # (NodeServer's: no message here needs chunks)
        self.decoder = FrameDecoder(SECRET, max_frame=PEER_FRAME)
        self.replica = Replica(self.core, self, self._send, on_ready=self._lines, write_out=self.flush)
        self.ticks = TickClock(_Frozen(), 0.01, self.core.tick, lambda: None)  # type: ignore[arg-type]

    def _send(self, m: Message) -> None:
        tracer = self.core.tracer  # (NodeServer._send: the encoding the tracer made, else its own)
        payload = (tracer.encoding(m) if isinstance(tracer, CompactTracer) else None) or encode_message(m)
        if len(payload) > self.whole:  # (NodeServer._send's test)
            raise AssertionError("no message longer than a peer frame in this benchmark")
        self.out.append((m.dst, frame_with_key(payload, self.key)))

    def _lines(self, rd: Ready) -> None:
        if self.trace is not None and rd.trace:
            self.trace.write_lines(rd.trace)

    def flush(self) -> None:
        """What NodeServer._flush does: the log's records to the OS, then the trace lines (only with records or
        frames), then the frames."""
        sending = self.out or self.chunking  # (NodeServer._flush's)
        if self.trace is not None and (self.wal.write_records() or sending):
            self.trace.flush()
        self.wire.extend(self.out)
        self.out.clear()

    # the replica's storage (InlineSync): records, trace lines and frames out, then the header slot (no fsync)
    def save(self, rd: Ready) -> None:
        self.wal.save(rd)

    def sync(self) -> None:
        self.flush()
        self.wal.sync()

    def save_snapshot(self, snap: object) -> None:
        raise AssertionError("no snapshots in this benchmark")

    def round(self) -> None:
        self.replica.process()
        self.flush()
        ticks = self.ticks  # (the end of NodeServer._round)
        if ticks.wake > ticks.next:
            n = 1 if self.chunking else self.core.due_in()
            if ticks.next + (n - 1) * ticks.step < ticks.wake:
                ticks.arm(n)

    def receive(self, frame: bytes) -> None:
        now = 0.0  # (Connection.data_received compares the loop's time, which it reads already)
        if now >= self.ticks.next:
            self.ticks.credit(now)
        for payload in self.decoder.feed(frame):
            m = decode_message(payload)
            if m.type == CHUNK:  # (NodeServer.peer_message's test)
                raise AssertionError("no chunks in this benchmark")
            if isinstance(self.core.tracer, CompactTracer):
                self.core.tracer.received(m, payload)  # (NodeServer.peer_message)
            self.core.step(m)
        self.round()


def cluster(d: Path, trace: str | None, quorum_first: bool = True) -> tuple[dict[int, Node], deque[tuple[int, bytes]]]:
    """Three nodes, node 1 elected leader, its no-op committed everywhere."""
    wire: deque[tuple[int, bytes]] = deque()
    nodes = {j: Node(d / f"node-{j}", j, trace, wire, quorum_first) for j in NODES}
    leader = nodes[1]
    for _ in range(1000):
        leader.core.tick()
        leader.round()
        deliver(nodes, wire)
        if leader.core.role == LEADER and all(n.core.commit == leader.core.commit > 0 for n in nodes.values()):
            break
    else:
        raise RuntimeError("node 1 did not become leader")
    return nodes, wire


def deliver(nodes: dict[int, Node], wire: deque[tuple[int, bytes]]) -> None:
    """Frames in the order they were sent, each followed by its receiver's round (as on the real cluster)."""
    while wire:
        dst, frame = wire.popleft()
        nodes[dst].receive(frame)


def run(n: int, size: int, trace: str | None, tick_every: int = TICK_EVERY,
        syncs: dict[int, int] | None = None) -> float:
    """N sequential writes on a fresh cluster, the leader ticking after every ``tick_every`` (0: never, and
    ``quorum_first`` off); the CPU seconds they took. ``syncs`` gets each node's log syncs during the writes."""
    d = Path(tempfile.mkdtemp(prefix="write-path-cost-"))
    try:
        nodes, wire = cluster(d, trace, quorum_first=tick_every > 0)
        synced = {j: node.wal.syncs for j, node in nodes.items()}
        leader, key = nodes[1], mac_key(SECRET)
        requests = [frame_with_key(encode_request(k + 1, Command(PUT, 7, k + 1, b"k%d" % k, b"v" * size)), key)
                    for k in range(n)]
        replies: list[bytes] = []
        decoder = FrameDecoder(SECRET)
        t0 = time.process_time()
        for k, frame in enumerate(requests, 1):
            for payload in decoder.feed(frame):  # what Connection.data_received + client_requests do
                for req_id, _, data in split_requests(payload):
                    leader.replica.submit_write(
                        data, lambda kind, res, req_id=req_id: replies.append(
                            frame_with_key(encode_reply(req_id, OK, res.status, 0, res.value), key)))
            leader.round()
            deliver(nodes, wire)
            if tick_every and k % tick_every == 0:  # (the runtime's timer: the held follower's batch, heartbeats)
                leader.core.tick()
                leader.round()
                deliver(nodes, wire)
        cpu = time.process_time() - t0
        if syncs is not None:
            syncs.update({j: node.wal.syncs - synced[j] for j, node in nodes.items()})
        if len(replies) != n:
            raise RuntimeError(f"{len(replies)} of {n} writes answered")
        return cpu
    finally:
        shutil.rmtree(d, ignore_errors=True)


def instructions(n: int, size: int, trace: str | None, gc_off: bool = False, tick_every: int = TICK_EVERY) -> int:
    """User-space instructions per write (cachegrind): (I refs of 4N writes - I refs of N) / 3N."""
    def refs(k: int) -> int:
        cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
               sys.executable, __file__, "--once", str(k), "--value-size", str(size)]
        cmd += ["--trace", trace or "off", "--tick-every", str(tick_every)] + (["--no-gc"] if gc_off else [])
        p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"}, check=True)
        m = re.search(r"I\s+refs:\s+([\d,]+)", p.stderr)
        if m is None:
            raise RuntimeError(f"no instruction count in valgrind's output: {p.stderr[-300:]}")
        return int(m.group(1).replace(",", ""))

    return (refs(4 * n) - refs(n)) // (3 * n)


def main() -> int:
    from _args import parser

    ap = parser(__doc__)
    ap.add_argument("--writes", type=int, default=2000)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5, metavar="R", help="CPU time: best of R runs")
    ap.add_argument("--instructions", action="store_true", help="also count instructions with valgrind (slow)")
    ap.add_argument("--tick-every", type=int, default=TICK_EVERY, metavar="K",
                    help=f"writes per leader tick (default {TICK_EVERY}); 0: no ticks, quorum_first off (every write "
                         "to both followers at once: this benchmark's figures until 2026-12-05)")
    ap.add_argument("--once", type=int, metavar="N", help=argparse.SUPPRESS)
    ap.add_argument("--no-gc", action="store_true",
                    help="count with the cyclic collector off: where its full collections fall in the N and 4N runs "
                         "moves the count by 1-3k instructions per write when a change only adds objects (a module's "
                         "functions), so an A/B of code on the write path reads cleaner without it")
    ap.add_argument("--trace", choices=TRACES, action="append",
                    help="trace files: compact (the runtime's default), jsonl or off (repeatable; default: all three)")
    args = ap.parse_args()
    if args.writes < 1 or args.repeat < 1 or args.value_size < 0 or args.tick_every < 0:
        ap.error("--writes and --repeat must be at least 1, --value-size and --tick-every at least 0")
    if args.once is not None:  # one run, for valgrind to count
        if args.no_gc:
            gc.disable()
        run(args.once, args.value_size, _trace((args.trace or ["compact"])[-1]), args.tick_every)
        return 0
    if args.instructions and shutil.which("valgrind") is None:
        ap.error("--instructions needs valgrind (apt-get install valgrind)")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) on {os.cpu_count()} cores")
    for name in args.trace or TRACES:
        trace = _trace(name)
        cpu = min(run(args.writes, args.value_size, trace, args.tick_every) for _ in range(args.repeat))
        line = (f"trace files {name:7}: {cpu / args.writes * 1e6:6.1f} us CPU per write "
                f"(best of {args.repeat})")
        if args.instructions:
            n = max(1, args.writes // 10)
            if args.tick_every:  # (both counted runs tick alike: the difference is 3N whole tick periods)
                n = max(args.tick_every, n - n % args.tick_every)
            count = instructions(n, args.value_size, trace, args.no_gc, args.tick_every)
            line += f", {count:,} instructions per write{' (collector off)' if args.no_gc else ''}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
