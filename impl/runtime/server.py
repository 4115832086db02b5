"""One node process: the replica on asyncio TCP (127.0.0.1), its write-ahead log and its trace file.

Run as ``python -m impl.runtime.server --dir DIR --id N``; ``DIR/cluster.json`` (written by
`paxraft cluster start`) names the nodes' ports, the cluster secret and the settings. Every
frame on every connection carries an HMAC-SHA256 tag made with the secret; a connection whose
first frame is not an authenticated hello, or that later sends a malformed, oversized or
unauthenticated frame, is logged and closed, and only that connection is affected.

Group commit: incoming messages, ticks and client requests wait in an inbox while a Ready
round's fsync runs in a worker thread; the next round handles all of them and shares one fsync.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import signal
import struct
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from impl.kv.machine import Command, Result, describe_command
from impl.kv.protocol import HELLO_CLIENT, HELLO_PEER, NOT_LEADER, OK, RETRY, Response, decode_request, encode_response
from impl.kv.replica import Replica
from impl.raft.core import Config, RaftNode
from impl.raft.messages import FrameDecoder, Message, WireError, decode_message, encode_frame, encode_message
from impl.storage.wal import WAL
from impl.trace import TraceWriter, last_clock

log = logging.getLogger("paxraft.node")
QUEUE_LIMIT = 10_000  # messages buffered per peer; beyond that they are dropped (Raft retransmits)


def load_cluster(directory: Path) -> dict[str, Any]:
    """The cluster description written by `paxraft cluster start`."""
    return json.loads((directory / "cluster.json").read_text())


class PeerLink:
    """The outgoing connection to one peer: a bounded queue and a writer task that reconnects with backoff."""

    def __init__(self, node: NodeServer, peer: int, port: int) -> None:
        self.node, self.peer, self.port = node, peer, port
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(QUEUE_LIMIT)
        self.dropped = 0
        self.task = asyncio.get_running_loop().create_task(self._run())

    def send(self, frame: bytes) -> None:
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.dropped += 1

    async def _run(self) -> None:
        backoff = 0.02
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            backoff = 0.02
            try:
                writer.write(encode_frame(HELLO_PEER + struct.pack(">H", self.node.id), self.node.secret))
                while True:
                    frame = await self.queue.get()
                    chunks = [frame]
                    while not self.queue.empty() and len(chunks) < 4096:
                        chunks.append(self.queue.get_nowait())
                    writer.write(b"".join(chunks))
                    await writer.drain()
            except (OSError, ConnectionError):
                pass
            finally:
                writer.close()


class NodeServer:
    """A node: replica + WAL + trace + TCP server + peer links + timer."""

    def __init__(self, directory: Path, node_id: int) -> None:
        self.dir = directory
        self.cluster = load_cluster(directory)
        self.id = node_id
        self.secret = bytes.fromhex(self.cluster["secret"])
        self.ports = {int(k): v for k, v in self.cluster["nodes"].items()}
        self.home = directory / f"node-{node_id}"
        self.home.mkdir(parents=True, exist_ok=True)
        self.wake = asyncio.Event()
        self.inbox: list[Callable[[], None]] = []
        self.loop: asyncio.AbstractEventLoop | None = None

    def _build(self) -> None:
        c = self.cluster
        cfg = Config(election_ticks=c.get("election_ticks", 20), heartbeat_ticks=c.get("heartbeat_ticks", 2),
                     pre_vote=c.get("pre_vote", True), check_quorum=c.get("check_quorum", True),
                     trace=c.get("trace", True))
        self.wal = WAL(self.home / "wal", fsync=c.get("fsync", True))
        hs, snap, entries = self.wal.load()
        boot_file = self.home / "boot"
        boot = int(boot_file.read_text()) + 1 if boot_file.exists() else 0
        boot_file.write_text(str(boot))
        trace_path = self.home / "trace.jsonl"
        clock = last_clock(trace_path) if cfg.trace else 0
        self.trace = TraceWriter(trace_path, self.id, self.ports) if cfg.trace else None
        seed = int.from_bytes(os.urandom(8), "big")  # election jitter: randomness injected into the core
        node = RaftNode(self.id, self.ports, cfg, rand=random.Random(seed).randint, hard_state=hs, snapshot=snap,
                        entries=entries, boot=boot, clock=clock, describe=describe_command)
        self.replica = Replica(node, self.wal, self._send, on_events=self.trace.write if self.trace else None,
                               snapshot_every=c.get("snapshot_every", 20_000))
        self.links = {j: PeerLink(self, j, p) for j, p in self.ports.items() if j != self.id}
        self.tick_s = c.get("tick_ms", 10) / 1000

    # -- the Ready loop ---------------------------------------------------------------------------
    def submit(self, fn: Callable[[], None]) -> None:
        """Queue an input for the core (a message, a tick, a client request) and wake the driver.

        Inputs reach the core only between Ready rounds, never while a round's write is in flight."""
        self.inbox.append(fn)
        self.wake.set()

    async def _driver(self) -> None:
        """Ready loop with the fsync in a worker thread: while it runs, the event loop keeps reading
        the network and sending the leader's early messages; what arrives meanwhile waits in the
        inbox, is handled in the next round and shares the next fsync (group commit)."""
        loop = asyncio.get_running_loop()
        rep, node, wal = self.replica, self.replica.node, self.wal
        while True:
            if not self.inbox and not node.has_ready():
                if self.trace is not None:
                    self.trace.flush()
                await self.wake.wait()
                self.wake.clear()
            inbox, self.inbox = self.inbox, []
            for fn in inbox:
                fn()
            if node.has_ready():
                rd = node.ready()
                early = rep.persist(rd)
                if rd.hard_state is not None or rd.entries or rd.snapshot is not None:
                    await loop.run_in_executor(None, wal.sync)
                rep.finish(rd, early)

    def _send(self, m: Message) -> None:
        link = self.links.get(m.dst)
        if link is not None:
            link.send(encode_frame(encode_message(m), self.secret))

    async def _ticker(self) -> None:
        node = self.replica.node
        nxt = time.monotonic()
        while True:
            nxt += self.tick_s
            await asyncio.sleep(max(0.0, nxt - time.monotonic()))
            self.submit(node.tick)

    # -- connections ------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        dec = FrameDecoder(self.secret)
        kind = None
        try:
            while True:
                data = await reader.read(1 << 16)
                if not data:
                    return
                for payload in dec.feed(data):
                    if kind is None:
                        kind = payload[:1]
                        if kind not in (HELLO_PEER, HELLO_CLIENT):
                            raise WireError(f"first frame is not a hello ({payload[:1]!r})")
                        continue
                    if kind == HELLO_PEER:
                        m = decode_message(payload)
                        if m.dst != self.id or m.src not in self.links:
                            raise WireError(f"message from {m.src} to {m.dst} does not belong on this connection")
                        self.submit(partial(self.replica.node.step, m))
                    else:
                        self._client_request(payload, writer)
        except (WireError, ValueError) as exc:
            log.warning("node %d: closing connection from %s: %s", self.id, peer, exc)
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    def _client_request(self, payload: bytes, writer: asyncio.StreamWriter) -> None:
        req_id, cmd = decode_request(payload)
        secret = self.secret

        def reply(kind: str, res: Any) -> None:
            if kind == "ok":
                assert isinstance(res, Result) or res is None
                r = Response(req_id, OK, res.status if res else 0, 0, res.value if res else None)
            elif kind == "not_leader":
                r = Response(req_id, NOT_LEADER, 0, int(res or 0))
            else:
                r = Response(req_id, RETRY, 0, self.replica.node.leader)
            if not writer.is_closing():
                writer.write(encode_frame(encode_response(r), secret))

        if cmd is None:
            st = self.replica.node.status()
            st["pid"] = os.getpid()
            reply("ok", Result(0, json.dumps(st).encode()))
        else:
            assert isinstance(cmd, Command)
            self.submit(partial(self.replica.submit, cmd, reply))

    async def main(self) -> None:
        """Serve until SIGTERM/SIGINT."""
        self.loop = asyncio.get_running_loop()
        self._build()
        server = await asyncio.start_server(self._serve, "127.0.0.1", self.ports[self.id])
        (self.home / "pid").write_text(str(os.getpid()))
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.loop.add_signal_handler(sig, stop.set)
        driver = self.loop.create_task(self._driver())
        self.wake.set()
        ticker = self.loop.create_task(self._ticker())
        log.info("node %d listening on 127.0.0.1:%d", self.id, self.ports[self.id])
        await stop.wait()
        ticker.cancel()
        server.close()
        driver.cancel()
        self.replica.process()
        self.replica.fail_pending()
        self.wal.sync()
        self.wal.close()
        if self.trace is not None:
            self.trace.close()


def main(argv: list[str] | None = None) -> int:
    """Entry point of a node process."""
    ap = argparse.ArgumentParser(description="Run one paxraft Raft node.")
    ap.add_argument("--dir", required=True, type=Path)
    ap.add_argument("--id", required=True, type=int)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(NodeServer(args.dir, args.id).main())
    return 0


if __name__ == "__main__":
    sys.exit(main())
