"""One connection per node pair (impl/runtime/peers.py): the lower id dials, both directions share it, a kill -9
and restart connects the pair again, and a replayed hello can neither take the pair's connection over nor lift the
pre-authentication frame limit."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import struct
import time
from pathlib import Path

import pytest

from impl.kv.client import KVClient
from impl.raft.messages import FrameDecoder, encode_frame
from impl.runtime import cluster
from impl.runtime.peers import NONCE, challenge, hello, proof


def _sockets(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def node_connections(d: Path) -> list[tuple[int, int]]:
    """The established TCP connections between two node processes, as (node, node) pairs, lower id first."""
    owner: dict[int, int] = {}
    for j in cluster.load(d)["nodes"]:
        pid = cluster.pid_of(d, int(j))
        assert pid is not None
        owner.update(dict.fromkeys(_sockets(pid), int(j)))
    ends: dict[str, tuple[int, str]] = {}  # local address -> (node, remote address)
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = line.split()
        if f[3] == "01" and int(f[9]) in owner:  # ESTABLISHED, a node's socket
            ends[f[1]] = (owner[int(f[9])], f[2])
    conns = {frozenset((local, remote)): (a, ends[remote][0]) for local, (a, remote) in ends.items() if remote in ends}
    return sorted((min(p), max(p)) for p in conns.values())


def all_pairs_connected(d: Path, within: float = 30.0) -> list[tuple[int, int]]:
    """The connections between nodes once every pair has one (fails after ``within`` s: a liveness bound)."""
    ids = sorted(int(j) for j in cluster.load(d)["nodes"])
    want = {(a, b) for a in ids for b in ids if a < b}
    deadline = time.monotonic() + within
    while True:
        conns = node_connections(d)
        if want <= set(conns):
            return conns
        assert time.monotonic() < deadline, f"pairs not all connected within {within} s: {conns}"
        time.sleep(0.05)


def writes_work(d: Path) -> None:
    async def use() -> None:
        c = KVClient.from_dir(d, timeout=20)
        try:
            for k in range(10):
                assert (await c.put(b"k%d" % k, b"v")).status == 0
        finally:
            await c.close()

    asyncio.run(use())


def log_has(d: Path, node: int, text: str, within: float = 30.0) -> None:
    path = d / f"node-{node}" / "node.log"
    deadline = time.monotonic() + within
    while text not in path.read_text():
        assert time.monotonic() < deadline, f"node {node} never logged {text!r}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    d = tmp_path_factory.mktemp("peers")
    cluster.start(d, 3)
    try:
        yield d, cluster.load(d)
    finally:
        cluster.stop(d)


def test_each_node_pair_shares_one_connection(three):
    d, _ = three
    writes_work(d)
    assert all_pairs_connected(d) == [(1, 2), (1, 3), (2, 3)]  # (a connection per direction: each pair twice)


def _dial(port: int, first: bytes) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(20)
    s.sendall(first)
    return s


def _closed(s: socket.socket) -> bool:
    try:
        while s.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True


def test_a_replayed_hello_cannot_answer_the_challenge_nor_take_the_pair_over(three):
    d, desc = three
    secret = bytes.fromhex(desc["secret"])
    recorded = hello(1, b"r" * NONCE)  # node 1's hello as an eavesdropper recorded it, and its answer to a challenge
    s = _dial(desc["nodes"]["2"], encode_frame(recorded, secret))
    dec, got = FrameDecoder(secret, first_max=1024), []
    while not got:
        got = dec.feed(s.recv(4096))
    assert got[0][: 1 + 2 + NONCE] == challenge(2, b"r" * NONCE, b"")  # node 2 asks for a fresh answer
    s.sendall(encode_frame(proof(b"x" * NONCE), secret))  # the recorded answer: to another nonce
    assert _closed(s)
    s.close()
    log_has(d, 2, "node 1's answer does not match our challenge (a replayed hello?)")
    writes_work(d)
    assert all_pairs_connected(d) == [(1, 2), (1, 3), (2, 3)]


def test_a_replayed_hello_does_not_lift_the_pre_auth_frame_limit(three):
    d, desc = three
    secret = bytes.fromhex(desc["secret"])
    s = _dial(desc["nodes"]["3"], encode_frame(hello(2, b"r" * NONCE), secret) + struct.pack(">I", 64 << 20))
    with contextlib.suppress(OSError):  # closed by the node while we were still sending: what we want
        s.sendall(b"\0" * (1 << 20))
    assert _closed(s)
    s.close()
    log_has(d, 3, "frame length 67108864 outside 32..1024")


def test_a_hello_against_the_dialing_rule_is_refused(three):
    d, desc = three
    secret = bytes.fromhex(desc["secret"])
    s = _dial(desc["nodes"]["2"], encode_frame(hello(3, b"r" * NONCE), secret))
    assert _closed(s)
    s.close()
    log_has(d, 2, "hello from node 3, which this node dials (the lower id dials)")


@pytest.mark.parametrize("victim", [1, 3])  # node 1 dials both its peers, node 3 accepts from both
def test_a_killed_and_restarted_node_connects_its_pairs_again(tmp_path, victim):
    cluster.start(tmp_path, 3)
    try:
        all_pairs_connected(tmp_path)
        pid = cluster.pid_of(tmp_path, victim)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while cluster.pid_of(tmp_path, victim) is not None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        cluster.start_node(tmp_path, victim)
        writes_work(tmp_path)
        assert all_pairs_connected(tmp_path) == [(1, 2), (1, 3), (2, 3)]
    finally:
        cluster.stop(tmp_path)


def test_a_dialer_whose_hello_is_never_answered_dials_again(tmp_path):
    """A listener on the peer's port that reads the hello and never answers (a node of the version before the
    challenge, or a stuck one): the dialer gives up on that connection after the handshake timeout and dials
    again, rather than holding the pair's frames behind it forever."""
    cluster.start(tmp_path, 2, handshake_timeout_s=0.5, wait=0)
    try:
        pid = cluster.pid_of(tmp_path, 2)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)  # node 1 dials node 2's port; a mute listener takes it
        deadline = time.monotonic() + 30
        while cluster.pid_of(tmp_path, 2) is not None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        mute = socket.socket()
        mute.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        mute.bind(("127.0.0.1", cluster.load(tmp_path)["nodes"]["2"]))
        mute.listen(8)
        mute.settimeout(30)
        first, _ = mute.accept()  # (node 1 redials at once after the kill)
        first.settimeout(30)
        assert first.recv(4096)  # its hello
        assert _closed(first)  # then node 1 closes it: no challenge came
        again, _ = mute.accept()
        again.close()
        first.close()
        mute.close()
        log_has(tmp_path, 1, "no challenge from node 2 within 0.5 s; dialing again")
    finally:
        cluster.stop(tmp_path)


def test_a_peer_that_is_down_is_dialed_again_within_a_tenth_of_a_second():
    """A restarted node cannot dial a lower id: it hears nothing until its peers dial it again. They backed off to
    1 s while it was down (a killed follower took 0.78 s from its restart to catching up); a peer nobody listens for
    is now dialed at least every 0.1 s, while one that refuses our hello (and logs each refusal) still backs off
    to 1 s."""
    from impl.runtime.peers import redial_wait

    def waits(refused: bool) -> list[float]:
        out, w = [], 0.02
        for _ in range(8):
            out.append(w)
            w = redial_wait(w, refused)
        return out

    assert waits(refused=False) == [0.02, 0.04, 0.08, 0.1, 0.1, 0.1, 0.1, 0.1]
    assert waits(refused=True) == [0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.0, 1.0]
