"""A node holds no memory for unauthenticated peers: small pre-auth frames, handshake and idle timeouts, a connection
cap with a log line, and a bound on what a client that does not read may make it buffer (memory measured)."""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from pathlib import Path

import pytest

from impl.kv.client import KVClient
from impl.kv.protocol import HELLO_CLIENT
from impl.raft.messages import encode_frame
from impl.runtime import cluster


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """A 1-node cluster with short timeouts and a cap of 12 connections; (folder, port, pid, secret)."""
    d = tmp_path_factory.mktemp("limits")
    cluster.start(d, 1, handshake_timeout_s=0.5, idle_timeout_s=1.0, max_connections=12)
    desc = cluster.load(d)
    try:
        yield d, desc["nodes"]["1"], cluster.pid_of(d, 1), bytes.fromhex(desc["secret"])
    finally:
        cluster.stop(d)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def seconds_until_closed(s: socket.socket, since: float, within: float = 20.0) -> float:
    """Seconds from ``since`` (a time.monotonic() taken before the node could start its timer) until the node
    closed ``s``; fails after ``within`` s. A lower bound on it holds however busy the machine is (the node's
    timer starts later, never earlier), where 'still open after a fixed look' did not."""
    assert closed_by_server(s, within), f"not closed by the node within {within} s"
    return time.monotonic() - since


def closed_by_server(s: socket.socket, within: float) -> bool:
    """Whether the node closes ``s`` within ``within`` s; what it sent before the close (a peer's votes) is read
    past."""
    deadline = time.monotonic() + within
    s.settimeout(within)
    try:
        while time.monotonic() < deadline:
            if s.recv(65536) == b"":
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return False


def grown_once_refused(node_log: Path, refusal: str, count: int, pid: int, before: float,
                       socks: list[socket.socket]) -> float:
    """MB the node grew from ``before`` once ``node_log`` holds ``count`` lines of ``refusal`` (the node has read
    every declared length: a sleep of 0.3 s was the sync), each of ``socks`` closed by the node, then by us."""
    deadline = time.monotonic() + 60
    while node_log.read_text().count(refusal) < count:
        assert time.monotonic() < deadline, f"{count} refusals not logged within 60 s: {node_log.read_text()[-2000:]}"
        time.sleep(0.05)
    grown = rss_mb(pid) - before
    assert all(closed_by_server(s, 20.0) for s in socks)
    for s in socks:
        s.close()
    return grown


def test_a_huge_frame_before_the_hello_is_refused_without_buffering_it(node):
    d, port, pid, _ = node
    node_log, refusal = d / "node-1" / "node.log", "frame length 67108864 outside 32..1024"
    refused_before = node_log.read_text().count(refusal)
    before = rss_mb(pid)
    socks, junk = [], b"\0" * (1 << 20)
    for _ in range(8):  # the probe: declare a 64 MiB frame, send 4 MiB of it, keep the connection open
        s = socket.create_connection(("127.0.0.1", port))
        try:
            s.sendall(struct.pack(">I", 64 << 20))
            for _ in range(4):
                s.sendall(junk)
        except OSError:
            pass  # closed by the node while we were still sending: what we want
        socks.append(s)
    grown = grown_once_refused(node_log, refusal, refused_before + 8, pid, before, socks)
    assert grown < 12, f"the node grew by {grown:.1f} MB for 8 unauthenticated connections (32 MiB sent)"


def test_a_client_frame_larger_than_a_request_is_refused(node):
    """After a client's hello a frame may hold 64 MiB, not a peer's 1 GiB (a snapshot's): the hello is the same frame
    every time, so a recorded one replayed let each connection make the node buffer up to 1 GiB, sent slowly."""
    d, port, _, secret = node
    node_log, refusal = d / "node-1" / "node.log", "frame length 104857600 outside 32..67108864"
    refused_before = node_log.read_text().count(refusal)
    s = socket.create_connection(("127.0.0.1", port))
    try:
        s.sendall(encode_frame(HELLO_CLIENT, secret) + struct.pack(">I", 100 << 20))
        for _ in range(4):
            s.sendall(b"\0" * (1 << 20))
    except OSError:
        pass  # closed by the node while we were still sending: what we want
    assert closed_by_server(s, 20.0), "a client's 100 MiB frame was taken"
    s.close()
    assert node_log.read_text().count(refusal) == refused_before + 1


def test_a_connection_without_a_hello_is_closed_after_the_handshake_timeout(node):
    d, port, _, _ = node
    t = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port))
    assert seconds_until_closed(s, t) >= 0.5  # not before the handshake timeout
    s.close()
    assert "no authenticated hello within 0.5 s" in (d / "node-1" / "node.log").read_text()


def test_an_idle_client_is_closed(node):
    d, port, _, secret = node
    s = socket.create_connection(("127.0.0.1", port))
    t = time.monotonic()
    s.sendall(encode_frame(HELLO_CLIENT, secret))
    # The idle timeout (1.0 s), not the handshake timeout (0.5 s): it said hello. The bound sits between the two
    # rather than at 1.0, as the node's loop (uvloop) times in whole milliseconds from a clock cached per turn, so
    # its second may end a fraction of a millisecond before this process's (0.99974 s was seen).
    assert seconds_until_closed(s, t) >= 0.9
    s.close()
    assert "client idle for 1.0 s" in (d / "node-1" / "node.log").read_text()


def test_connections_beyond_the_cap_are_refused_with_a_log_line_and_the_node_keeps_serving(node):
    d, port, _, _ = node
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    refused = sum(closed_by_server(s, 0.3) for s in socks)
    assert refused >= 8  # at most 12 are held
    for s in socks:
        s.close()
    assert "connection cap of 12 reached" in (d / "node-1" / "node.log").read_text()

    async def put() -> int:
        c = KVClient.from_dir(d, timeout=10)
        r = await c.put(b"k", b"v")
        await c.close()
        return r.status

    assert asyncio.run(put()) == 0
