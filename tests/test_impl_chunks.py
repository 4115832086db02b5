"""A message longer than a peer frame (a snapshot) travels in chunks (impl/runtime/chunks.py): the receiver assembles
it in a temporary file and hands it on only whole and matching its digest; a chunk lost, duplicated, out of order,
tampered with or of an older term never makes a partial or mixed message. Then real clusters: a wiped follower
catches up through many chunks, a leader killed mid-transfer, an authenticated peer's oversized frame refused."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import time

import pytest

from impl.kv.client import KVClient
from impl.kv.machine import OK
from impl.raft.messages import Message, MsgType, WireError, decode_message, encode_frame, encode_message
from impl.runtime import cluster
from impl.runtime.chunks import SPOOL, Assembler, Outgoing, enqueue
from impl.runtime.peers import NONCE, challenge, hello, proof
from tests.test_impl_cluster import kill
from tests.test_impl_server_limits import closed_by_server, grown_once_refused, rss_mb

SNAP = int(MsgType.InstallSnapshotRequest)


def _snapshot(term: int = 3, size: int = 50_000, seed: int = 0, index: int = 40) -> Message:
    data = random.Random(seed).randbytes(size)
    return Message(SNAP, 1, 2, term, index=index, log_term=term, snapshot=data)


def _chunks(m: Message, size: int = 4096, xid: int = 1, boot: int = 1) -> list[Message]:
    out = Outgoing(m, encode_message(m), boot, xid, size)
    chunks = []
    while not out.done:
        chunks.append(decode_message(out.next()))
    return chunks


def _feed(asm: Assembler, chunks: list[Message]) -> list[Message]:
    return [m for m in map(asm.feed, chunks) if m is not None]


def _spool(tmp_path) -> list:
    return sorted(p.name for p in tmp_path.glob(SPOOL.format("*")))


def test_a_message_in_chunks_is_assembled_whole(tmp_path):
    m = _snapshot()
    chunks = _chunks(m)
    assert len(chunks) == 13 and all(c.commit == 0 for c in chunks[:-1]) and chunks[-1].commit != 0
    asm = Assembler(tmp_path, 2, lambda: 3)
    assert _feed(asm, chunks[:-1]) == [] and _spool(tmp_path) == ["chunks-from-1.tmp"]
    assert asm.feed(chunks[-1]) == m and asm.done == 1
    assert _spool(tmp_path) == []  # the temporary file is gone once read


@pytest.mark.parametrize("fault", ["lost", "duplicated", "swapped"])
def test_a_chunk_lost_duplicated_or_out_of_order_never_makes_a_message(tmp_path, fault):
    m = _snapshot(seed=1)
    chunks = _chunks(m)
    if fault == "lost":
        del chunks[5]
    elif fault == "duplicated":
        chunks.insert(6, chunks[5])
    else:
        chunks[5], chunks[6] = chunks[6], chunks[5]
    asm = Assembler(tmp_path, 2, lambda: 3)
    got = _feed(asm, chunks)
    if fault == "duplicated":  # (a duplicate is dropped; the transfer goes on: the message is the one sent)
        assert got == [m]
    else:
        assert got == [] and asm.done == 0 and _spool(tmp_path) == []
    assert _feed(asm, _chunks(m, xid=2)) == [m]  # the leader's next send (an election timeout later) goes through


def test_a_transfer_replaced_by_a_newer_one_never_mixes_them(tmp_path):
    """A new transfer (a re-send, a new leader, either side restarted) starts at offset 0: what came of the old one is
    dropped, and its later chunks are not taken into the new one."""
    old, new = _snapshot(term=3, seed=2), _snapshot(term=4, seed=3, index=60)
    a, b = _chunks(old, xid=7), _chunks(new, xid=1, boot=2)
    asm = Assembler(tmp_path, 2, lambda: 3)
    assert _feed(asm, a[:6] + b[:4] + a[6:] + b[4:]) == [new]
    # same sender, same transfer number, same length: a restarted sender (another boot) still does not mix
    c = _chunks(_snapshot(term=3, seed=4), xid=7, boot=3)
    assert _feed(asm, a[:6] + c[:3] + a[6:]) == [] and _spool(tmp_path) == ["chunks-from-1.tmp"]


def test_a_tampered_chunk_is_refused_by_the_digest(tmp_path):
    """Each frame is authenticated, so this needs the secret (or a bug, or a damaged temporary file): a piece changed
    in the middle is caught by the whole message's digest; nothing reaches the core and the file is gone."""
    m = _snapshot(seed=5)
    chunks = _chunks(m)
    bad = bytearray(chunks[4].snapshot)
    bad[100] ^= 1
    chunks[4] = chunks[4]._replace(snapshot=bytes(bad))
    asm = Assembler(tmp_path, 2, lambda: 3)
    with pytest.raises(WireError, match=r"50[0-9]*-byte message from node 1 in 13 chunks does not match its digest"):
        _feed(asm, chunks)
    assert asm.done == 0 and _spool(tmp_path) == []


def test_a_transfer_of_an_older_term_is_ignored(tmp_path):
    term = [3]
    asm = Assembler(tmp_path, 2, lambda: term[0])
    assert _feed(asm, _chunks(_snapshot(term=2))) == [] and _spool(tmp_path) == []  # not even written
    chunks = _chunks(_snapshot(term=3, seed=6))
    assert _feed(asm, chunks[:5]) == []
    term[0] = 4  # the node moved on to a newer term mid-transfer: the rest is dropped, and the file
    assert _feed(asm, chunks[5:]) == [] and _spool(tmp_path) == []


def test_a_restart_removes_a_transfer_cut_short(tmp_path):
    asm = Assembler(tmp_path, 2, lambda: 3)
    assert _feed(asm, _chunks(_snapshot(seed=7))[:3]) == [] and _spool(tmp_path) == ["chunks-from-1.tmp"]
    Assembler(tmp_path, 2, lambda: 3)  # the node's next start
    assert _spool(tmp_path) == []


def test_a_chunk_that_contradicts_itself_is_a_wire_error(tmp_path):
    c = _chunks(_snapshot())[0]
    for bad in (c._replace(snapshot=b""), c._replace(log_term=100), c._replace(index=49_000)):
        with pytest.raises(WireError, match="chunk of"):
            Assembler(tmp_path, 2, lambda: 3).feed(bad)


def test_the_same_message_sent_again_is_not_sent_twice_and_a_newer_snapshot_supersedes():
    """The core re-sends a snapshot not acknowledged within an election timeout; a large one takes longer than that
    to send, and restarting it at each re-send would never finish."""
    m = _snapshot()
    q: list[Outgoing] = []
    enqueue(q, Outgoing(m, encode_message(m), 1, 1, 4096))
    enqueue(q, Outgoing(m._replace(seq=9), encode_message(m._replace(seq=9)), 1, 2, 4096))
    assert [o.head[5] for o in q] == [1]
    newer = _snapshot(index=80)
    enqueue(q, Outgoing(newer, encode_message(newer), 1, 3, 4096))
    assert [o.head[5] for o in q] == [3]


class _Transport:
    """A connection whose buffer never drains until told to (``drained``)."""

    def __init__(self) -> None:
        self.data, self.drained = bytearray(), False

    def write(self, b: bytes) -> None:
        self.data += b

    def get_write_buffer_size(self) -> int:
        return 0 if self.drained else len(self.data)

    def is_closing(self) -> bool:
        return False


class _Node:
    id, boot, chunk_bytes, peer_frame, handshake_timeout, resend_after = 3, 5, 4096, 16384, 5.0, 60.0
    secret = b"s" * 32

    def __init__(self) -> None:
        from impl.raft.messages import mac_key
        self.key, self.chunking, self.written, self.kicks = mac_key(self.secret), set(), 0, 0

    def chunk_written(self) -> None:
        self.written += 1

    def kick(self) -> None:
        self.kicks += 1


def test_a_sender_writes_a_window_at_a_time_and_starts_again_on_a_new_connection(tmp_path):
    """PeerLink lets at most WINDOW chunks wait in the connection's buffer; on a new connection (the old one may have
    lost what it held) it starts from the first chunk; what the new connection carries assembles whole."""
    from impl.raft.messages import FrameDecoder
    from impl.runtime.chunks import WINDOW
    from impl.runtime.peers import PeerLink

    m = _snapshot(seed=9)

    async def run() -> tuple[_Node, list[bytes], list[bytes]]:
        node = _Node()
        link = PeerLink(node, 2, 1)  # type: ignore[arg-type]  # (3 > 2: a link that accepts, no dialing)
        link.send_chunked(m, encode_message(m))
        link.send_chunked(m._replace(seq=99), encode_message(m._replace(seq=99)))  # the core's re-send: not queued
        assert len(link.outgoing) == 1 and node.chunking == {link}
        a, b = _Transport(), _Transport()
        link.transport = a  # type: ignore[assignment]
        link.flush()
        link.flush()  # (a's buffer has not drained: nothing more)
        link.transport = b  # type: ignore[assignment]
        link.flush()
        first_b = bytes(b.data)
        b.drained = True
        while link.outgoing:  # (a window per flush, each asking for the next round)
            link.flush()
        assert node.chunking == set()
        dec_a, dec_b = FrameDecoder(node.secret), FrameDecoder(node.secret)
        return node, dec_a.feed(bytes(a.data)), dec_b.feed(first_b) + dec_b.feed(bytes(b.data)[len(first_b):])

    node, on_a, on_b = asyncio.run(run())
    assert [decode_message(p).index for p in on_a] == [k * 4096 for k in range(WINDOW)]
    assert [decode_message(p).index for p in on_b] == [k * 4096 for k in range(13)]
    assert node.written == WINDOW + 13
    assert _feed(Assembler(tmp_path, 2, lambda: 3), [decode_message(p) for p in on_b]) == [m]


def test_a_flush_writes_one_window_to_a_peer_that_drains_at_once_and_asks_for_another_round():
    """The window bounded only what waits in the connection's buffer; a peer that reads as fast as we write (loopback)
    keeps it empty, so one flush cut, hashed and wrote a whole message: a 32 MiB value held the leader's loop
    0.6-1.0 s, above the election timeout, with no tick (no heartbeat) meanwhile, and the followers elected again
    and again (35 elections for one put). A flush writes WINDOW chunks and asks the node for another round."""
    from impl.runtime.chunks import WINDOW
    from impl.runtime.peers import PeerLink

    m = _snapshot(seed=3)

    async def run() -> tuple[list[int], list[int]]:
        node = _Node()
        link = PeerLink(node, 2, 1)  # type: ignore[arg-type]
        a = _Transport()
        a.drained = True
        link.transport = a  # type: ignore[assignment]
        link.send_chunked(m, encode_message(m))
        written, kicks = [], []
        while link.outgoing:
            link.flush()
            written.append(node.written)
            kicks.append(node.kicks)
        return written, kicks

    written, kicks = asyncio.run(run())
    assert written == [WINDOW, 2 * WINDOW, 3 * WINDOW, 13]  # 13 chunks in all
    assert kicks == [1, 2, 3, 3]  # (the last flush finished the message: no round asked for)


def test_a_message_written_whole_is_not_sent_again_on_the_same_connection_soon_after():
    """Heartbeats pass a message in chunks, so their answers show no progress while it travels and the core sends
    the entries again: an 8 MiB value arrived twice at each follower, a 16 MiB one up to five times (a real cluster).
    What a live connection took whole is not sent again on it within ``resend_after``; on a new connection (the old
    one may have lost it) and after that time it is."""
    from impl.runtime.peers import PeerLink

    m = _snapshot(seed=4)

    async def run() -> list[int]:
        node = _Node()
        link = PeerLink(node, 2, 1)  # type: ignore[arg-type]
        a = _Transport()
        a.drained = True
        link.transport = a  # type: ignore[assignment]
        sizes = []
        for new, wait in ((False, 60.0), (False, 60.0), (True, 60.0), (False, 0.0)):
            if new:
                link.transport = _Transport()  # type: ignore[assignment]
                link.transport.drained = True  # type: ignore[attr-defined]
            transport = link.transport
            node.resend_after = wait
            before = len(transport.data)
            link.send_chunked(m, encode_message(m))
            while link.outgoing:
                link.flush()
            sizes.append(len(transport.data) - before)
        return sizes

    sent, again, new_connection, later = asyncio.run(run())
    assert sent > len(encode_message(m)) and again == 0 and new_connection == sent and later == sent


def test_simulated_runs_with_every_chunk_lost_duplicated_and_reordered_on_its_own(monkeypatch):
    """The deterministic simulation (impl/sim/) with ``chunk_bytes``: every message longer than 128 bytes (snapshots,
    AppendEntries batches) travels as chunks that the network drops, duplicates and delays (so reorders) one by one,
    with crashes, leader changes, power cuts and damaged disks. The invariants hold after every event and every
    acknowledged write is on every node after recovery, while dozens of snapshots are assembled and installed; most
    transfers never complete (any chunk lost or out of order ends one), and none installs a part. (Multi-Paxos with
    256-byte chunks: at 128 its prepare replies, in many chunks, rarely arrive in order, and the sim's run does not
    recover in time; TCP keeps a real connection's chunks in order.)"""
    from impl.sim.multipaxos import MultiPaxosSimCluster
    from impl.sim.scenario import random_run, snapshot_transfer_run

    assembled: list[int] = []
    feed = Assembler.feed

    def counting(self, c):
        m = feed(self, c)
        if m is not None:
            assembled.append(m.type)
        return m

    monkeypatch.setattr(Assembler, "feed", counting)
    for seed in range(20):
        snapshot_transfer_run(seed, chunk_bytes=128)
        random_run(seed, steps=150, snapshot_every=6, disk_faults=True, chunk_bytes=128)
    snapshots = assembled.count(SNAP)
    assert snapshots >= 40 and assembled.count(int(MsgType.AppendEntriesRequest)) >= 200, snapshots
    assembled.clear()
    for seed in range(10):
        random_run(seed, steps=150, snapshot_every=6, chunk_bytes=256, cluster_class=MultiPaxosSimCluster)
    assert assembled.count(int(MsgType.SnapshotInstall)) >= 30


def test_cluster_settings_refuse_chunks_larger_than_a_frame(tmp_path):
    with pytest.raises(ValueError, match=r"peer_frame_bytes \(8,192\) must hold a chunk: chunk_bytes \(8,192\) plus"):
        cluster.check_settings({"nodes": {"1": 5000}, "secret": "00" * 16, "chunk_bytes": 8192,
                                "peer_frame_bytes": 8192})


# -- real clusters ----------------------------------------------------------------------------------------------
SMALL = {"chunk_bytes": 4096, "peer_frame_bytes": 16384, "snapshot_every": 50}


async def _write(d, n: int, size: int = 100, start: int = 0) -> dict[bytes, bytes]:
    c = KVClient.from_dir(d, timeout=20)
    acked = {}
    for k in range(start, start + n):
        key, val = b"k%05d" % k, (b"%05d" % k) * (size // 5)
        assert (await c.put(key, val)).status == OK
        acked[key] = val
    await c.close()
    return acked


async def _caught_up(d, node: int, wait: float = 60.0) -> dict:
    deadline = time.monotonic() + wait
    while True:
        sts = await cluster.statuses(d, 1)
        lead = next((s for s in sts.values() if s and s["role"] == "Leader"), None)
        st = sts.get(node)
        if lead and st and st["applied"] >= lead["commit"] and not st.get("rejoining"):
            return st
        assert time.monotonic() < deadline, f"node {node} did not catch up within {wait} s: {sts}"
        await asyncio.sleep(0.1)


async def _read_through(d, node: int, acked: dict[bytes, bytes]) -> None:
    """Make ``node`` the leader and read every acknowledged write through it (its own state machine)."""
    await asyncio.to_thread(cluster.transfer, d, node, 20.0)
    c = KVClient.from_dir(d, timeout=20)
    for key, val in acked.items():
        assert (await c.get(key)).value == val, f"acknowledged write {key!r} lost"
    await c.close()


def _audit(d, capsys) -> None:
    import json

    from modelcheck.cli import main
    capsys.readouterr()
    assert main(["audit", "--spec", "raft", *map(str, cluster.trace_files(d)), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "ok" and out["audited"] == out["events"]


def _chunk_lines(d, node: int) -> list[str]:
    return [ln for ln in (d / f"node-{node}" / "node.log").read_text().splitlines() if "arrived in" in ln]


def _catch_up_through_chunks(d, node: int, acked: dict[bytes, bytes]) -> None:
    """``node`` (restarted or rebuilt) catches up through one snapshot in many chunks, then leads and serves every
    acknowledged write from its own state machine."""
    st = asyncio.run(_caught_up(d, node))
    assert st["snapshot_index"] > 0 and st["chunked"] >= 1
    last = _chunk_lines(d, node)[-1]  # (the snapshot it caught up with)
    size, chunks = int(last.split("a ")[1].split("-byte")[0]), int(last.split("arrived in ")[1].split()[0])
    assert size > 200_000 and chunks == -(-size // 4096), last
    acked |= asyncio.run(_write(d, 100, start=len(acked)))
    asyncio.run(_read_through(d, node, acked))


def test_a_follower_far_behind_a_compacted_log_catches_up_through_many_chunks(tmp_path, capsys):
    """A follower down while 2,000 writes went in (the log compacted every 50 entries) needs the leader's snapshot:
    a state of about 230 KB, 16 KiB frames, 4 KiB chunks, so over 50 chunks; the audit explains every trace."""
    d = tmp_path
    cluster.start(d, 3, **SMALL)
    try:
        acked = asyncio.run(_write(d, 10))
        kill(d, 3)
        acked |= asyncio.run(_write(d, 1990, start=10))
        cluster.start_node(d, 3)
        _catch_up_through_chunks(d, 3, acked)
    finally:
        cluster.stop(d)
    _audit(d, capsys)


def test_a_wiped_follower_catches_up_through_many_chunks(tmp_path, capsys):
    """The same for a follower rebuilt from empty storage (`recover-node`); the audit explains the rebuild (its
    ``Rebuild`` boot event, tests/test_audit_rebuild.py) and every event after it."""
    d = tmp_path
    cluster.start(d, 3, **SMALL)
    try:
        acked = asyncio.run(_write(d, 2000))
        try:  # node 3 a follower: a leader killed here starts an election that the audit may order before the
            cluster.transfer(d, 1, 20.0)  # rebuild's floor read (a term 2 read, the spec's Rebuild at term 3: 1 run)
        except cluster.ClusterError as exc:
            assert "is the leader already" in str(exc), exc
        kill(d, 3)
        cluster.recover_node(d, 3)
        _catch_up_through_chunks(d, 3, acked)
    finally:
        cluster.stop(d)
    _audit(d, capsys)


def test_a_multipaxos_follower_far_behind_catches_up_through_many_chunks(tmp_path, capsys):
    """A Multi-Paxos acceptor's SnapshotInstall goes the same way (the chunking is below either core); its state after
    the snapshot is what the audit checks against MultiPaxos.tla's."""
    import json

    from modelcheck.cli import main
    d = tmp_path
    cluster.start(d, 3, protocol="multipaxos", **SMALL)
    try:
        asyncio.run(_write(d, 10))
        kill(d, 3)
        acked = asyncio.run(_write(d, 1990, start=10))
        cluster.start_node(d, 3)
        st = asyncio.run(_caught_up(d, 3))
        assert st["snapshot_index"] > 0 and st["chunked"] >= 1
        last = _chunk_lines(d, 3)[-1]
        assert int(last.split("arrived in ")[1].split()[0]) > 50, last

        async def check() -> None:
            c = KVClient.from_dir(d, timeout=20)
            for key, val in list(acked.items())[::40]:
                assert (await c.get(key)).value == val
            await c.close()

        asyncio.run(check())
    finally:
        cluster.stop(d)
    capsys.readouterr()
    assert main(["audit", *map(str, cluster.trace_files(d)), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "ok" and out["audited"] == out["events"]


def test_the_leader_killed_mid_transfer_installs_nothing_partial(tmp_path, capsys):
    """The leader kills itself after 20 chunks of a snapshot to a follower that was down (a ``crash_at`` hook): the
    follower keeps a part in its temporary file, never installs it; the next leader sends its own snapshot, which
    the follower installs whole; every acknowledged write reads back from it; the audit explains every trace."""
    d = tmp_path
    cluster.start(d, 3, **SMALL)
    try:
        acked = asyncio.run(_write(d, 1500))
        sts = asyncio.run(cluster.statuses(d, 1))
        lead = next(i for i, s in sts.items() if s and s["role"] == "Leader")
        follower = max(i for i in sts if i != lead)
        kill(d, follower)
        acked |= asyncio.run(_write(d, 500, start=1500))  # compacted past what the follower has
        desc = cluster.load(d)
        desc["crash_at"] = {"at": "chunk", "index": 20}
        cluster.save(d, desc)
        live = [i for i in sts if i != follower]
        for i in live:  # (each reads crash_at at its start; whichever leads then kills itself after 20 chunks)
            kill(d, i)
            cluster.start_node(d, i)
        asyncio.run(cluster.wait_for_leader(d, 30))
        for i in live:
            asyncio.run(_caught_up(d, i))  # (so that the next chunks go to the follower)
        cluster.start_node(d, follower)
        deadline = time.monotonic() + 60
        while not (d / "crashed").exists():
            assert time.monotonic() < deadline, "no leader sent 20 chunks within 60 s"
            time.sleep(0.05)
        crashed = int((d / "crashed").read_text())
        desc = cluster.load(d)
        del desc["crash_at"]
        cluster.save(d, desc)
        st = asyncio.run(_caught_up(d, follower))
        assert st["chunked"] >= 1
        # the snapshot it installed came whole from the next leader; what the killed one sent is gone with its file
        assert f"from node {crashed} " not in _chunk_lines(d, follower)[-1]
        assert _spool(d / f"node-{follower}") == []
        cluster.start_node(d, crashed)
        acked |= asyncio.run(_write(d, 50, start=2000))
        asyncio.run(_read_through(d, follower, acked))
    finally:
        cluster.stop(d)
    _audit(d, capsys)


def _peer_connection(port: int, secret: bytes, me: int, acceptor: int) -> socket.socket:
    """A connection to ``acceptor`` that completed the peer handshake as node ``me`` (which has the secret)."""
    s = socket.create_connection(("127.0.0.1", port))
    nonce = b"n" * NONCE
    s.sendall(encode_frame(hello(me, nonce), secret))
    want = challenge(acceptor, nonce, b"")
    buf = b""
    while len(buf) < 4 + len(want) + NONCE + 32:
        got = s.recv(4096)
        assert got, "the node closed the connection instead of answering the hello"
        buf += got
    (length,) = struct.unpack(">I", buf[:4])
    theirs = buf[4 : 4 + length - 32][len(want) :]
    s.sendall(encode_frame(proof(theirs), secret))
    return s


def test_an_authenticated_peer_declaring_a_frame_above_the_peer_limit_is_refused_at_once(tmp_path):
    """A peer that passed the handshake (it knows the secret) declares a 1 GiB frame and sends it slowly: the node
    refuses the length at once, with one line, and closes; it does not buffer what comes (memory measured). Before
    chunking a peer's frames were allowed 1 GiB (a snapshot travelled whole)."""
    d = tmp_path
    cluster.start(d, 2)
    desc = cluster.load(d)
    secret, port = bytes.fromhex(desc["secret"]), desc["nodes"]["2"]
    pid = cluster.pid_of(d, 2)
    kill(d, 1)  # (we speak as node 1: its own connection would otherwise be taken over and back)
    node_log, refusal = d / "node-2" / "node.log", "frame length 1073741824 outside 32..4194304"
    try:
        before = rss_mb(pid)
        socks = []
        for _ in range(8):
            s = _peer_connection(port, secret, 1, 2)
            try:
                s.sendall(struct.pack(">I", 1 << 30))
                for _ in range(3):
                    s.sendall(b"\0" * (1 << 20))
            except OSError:
                pass  # closed while we were still sending: what we want
            socks.append(s)
        grown = grown_once_refused(node_log, refusal, 8, pid, before, socks)
        assert grown < 12, f"the node grew by {grown:.1f} MB for 8 peers declaring 1 GiB frames (24 MiB sent)"
        assert node_log.read_text().count(refusal) == 8  # one line each
    finally:
        cluster.stop(d)


def test_a_live_node_ignores_a_transfer_of_an_older_term_and_refuses_a_tampered_one(tmp_path):
    """Chunks sent to a running node by a peer that passed the handshake, on one connection: a whole, valid transfer
    of a term below the node's is ignored; then a transfer whose middle chunk was changed (each frame is
    authenticated: it takes the secret) is refused by its digest, with one line, and the connection closed (so the
    node has read everything before it). Neither reaches the core: no snapshot, no file left, the term unchanged."""
    d = tmp_path
    cluster.start(d, 2)
    desc = cluster.load(d)
    secret, port = bytes.fromhex(desc["secret"]), desc["nodes"]["2"]
    try:
        term = asyncio.run(cluster.statuses(d, 2))[2]["term"]
        kill(d, 1)  # (we speak as node 1)
        old = _chunks(_snapshot(term=term - 1, seed=11)._replace(src=1, dst=2))
        tampered = _chunks(_snapshot(term=term + 3, seed=10)._replace(src=1, dst=2))
        bad = bytearray(tampered[6].snapshot)
        bad[7] ^= 0x40
        tampered[6] = tampered[6]._replace(snapshot=bytes(bad))
        s = _peer_connection(port, secret, 1, 2)
        with contextlib.suppress(OSError):  # (closed while we were still sending)
            s.sendall(b"".join(encode_frame(encode_message(c), secret) for c in old + tampered))
        assert closed_by_server(s, 20.0)
        s.close()
        log = (d / "node-2" / "node.log").read_text()
        refused = [ln for ln in log.splitlines() if "does not match its digest" in ln]
        assert len(refused) == 1 and "in 13 chunks does not match its digest: refused" in refused[0], refused
        assert "arrived in" not in log
        st = asyncio.run(cluster.statuses(d, 2))[2]
        assert st["chunked"] == 0 and st["snapshot_index"] == 0 and st["term"] == term
        assert _spool(d / "node-2") == [] and not (d / "node-2" / "wal" / "snapshot.bin").exists()
    finally:
        cluster.stop(d)


def test_a_large_entry_crosses_in_chunks(tmp_path):
    """A client's value may be up to max_command_bytes (4 MiB by default, 64 MiB at most), more than a peer frame:
    its AppendEntries travels in chunks too."""
    d = tmp_path
    cluster.start(d, 3, chunk_bytes=4096, peer_frame_bytes=16384)
    try:
        async def run() -> None:
            c = KVClient.from_dir(d, timeout=20)
            big = random.Random(8).randbytes(200_000)
            assert (await c.put(b"big", big)).status == OK
            assert (await c.get(b"big")).value == big
            await c.close()

        asyncio.run(run())
        deadline = time.monotonic() + 30  # (the second follower gets it at the leader's next tick: quorum_first)
        while True:
            sts = asyncio.run(cluster.statuses(d, 1))
            if sum(s["chunked"] for s in sts.values() if s) >= 2:  # both followers took it in chunks
                break
            assert time.monotonic() < deadline, sts
            time.sleep(0.1)
    finally:
        cluster.stop(d)
