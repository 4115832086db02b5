"""A node whose storage is damaged refuses to start, says why in one line, and is rebuilt from its peers."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from impl.kv.client import KVClient
from impl.runtime import cluster
from impl.storage.wal import synced_length
from modelcheck.cli import main


def _put_some(d, n):
    async def go():
        c = KVClient.from_dir(d, timeout=15)
        for k in range(n):
            assert (await c.put(b"k%d" % k, b"v%d" % k)).status == 0
        await c.close()

    asyncio.run(go())


def _get_all(d, n):
    async def go():
        c = KVClient.from_dir(d, timeout=15)
        vals = [(await c.get(b"k%d" % k)).value for k in range(n)]
        await c.close()
        return vals

    return asyncio.run(go())


def test_damaged_node_refuses_says_why_and_is_recovered_from_its_peers(tmp_path, capsys):
    d = tmp_path / "c"
    assert main(["cluster", "start", "--dir", str(d)]) == 0
    try:
        _put_some(d, 30)
        deadline = time.monotonic() + 30  # every node holds the writes before the stop (a follower may lag)
        while True:
            sts = asyncio.run(cluster.statuses(d, 2))
            if all(st and st["applied"] >= 31 for st in sts.values()):
                break
            assert time.monotonic() < deadline, f"not every node applied the no-op and 30 writes within 30 s: {sts}"
            time.sleep(0.1)
    finally:
        cluster.stop(d)
    assert stat.S_IMODE(os.stat(d / "cluster.json").st_mode) == 0o600  # it holds the secret
    assert stat.S_IMODE(os.stat(d / "node-2").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(d / "node-2" / "wal" / "wal.log").st_mode) == 0o600
    wal = d / "node-2" / "wal" / "wal.log"
    data = bytearray(wal.read_bytes())
    synced = synced_length(wal)
    assert synced > 8192, f"node 2's log has no synced record (synced length {synced})"  # (records start at 8192)
    data[synced - 5] ^= 0x10  # inside the last synced record (zero padding follows it)
    wal.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["wal", "check", str(d / "node-2"), "--json"]) == 1
    rep = json.loads(capsys.readouterr().out)
    assert rep["ok"] is False and "damaged record at byte offset" in rep["errors"][0]
    assert {"last_index", "commit_index", "term", "errors"} <= set(rep)
    reps = []
    for i in (1, 3):
        assert main(["wal", "check", str(d / f"node-{i}"), "--json"]) == 0
        reps.append(json.loads(capsys.readouterr().out))
        assert reps[-1]["ok"] and reps[-1]["last_index"] >= reps[-1]["commit_index"] and reps[-1]["term"] >= 2
    assert max(r["commit_index"] for r in reps) >= 30  # of the no-op and 30 writes (a follower may lag by one)
    try:
        assert main(["cluster", "start", "--dir", str(d)]) == 1  # today: "cluster is up", exit 0
        out = capsys.readouterr().out
        assert "node 2: down: " in out and "damaged record at byte offset" in out and "cluster is up, but" in out
        log = (d / "node-2" / "node.log").read_text()
        assert "Traceback" not in log
        assert sum("cannot start:" in line for line in log.splitlines()) == 1
        assert main(["cluster", "status", "--dir", str(d)]) == 1
        assert "damaged record" in capsys.readouterr().out
        assert main(["cluster", "recover-node", "--dir", str(d), "--node", "2"]) == 0
        out = capsys.readouterr().out  # (it returns once the node caught up: it said "rejoining (no vote until ...)")
        assert out.startswith("node 2: rebuilt from its peers and caught up, voting again; old storage kept in ")
        assert main(["cluster", "status", "--dir", str(d)]) == 0
        assert _get_all(d, 30) == [b"v%d" % k for k in range(30)]
        deadline = time.monotonic() + 20  # one 0.5 s look may find a busy node silent
        while (st := asyncio.run(cluster.statuses(d, 2))[2]) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert st is not None and st["applied"] >= 31 and st["rejoining"] is False, st
        assert any(p.name.startswith("wal.damaged-") for p in (d / "node-2").iterdir())  # the evidence is kept
    finally:
        cluster.stop(d)


def test_a_deleted_log_is_refused(tmp_path, capsys):
    d = tmp_path / "c"
    cluster.create(d, 3)
    cluster.release_ports(d)
    (d / "node-3" / "wal" / "wal.log").unlink()  # a node that could vote twice in a term if it started empty
    try:
        assert main(["cluster", "start", "--dir", str(d)]) == 1
        assert "node 3: down: " in capsys.readouterr().out
    finally:
        cluster.stop(d)


def test_a_folder_or_cluster_json_writable_by_others_is_refused(tmp_path, capsys):
    d = tmp_path / "c"
    cluster.create(d, 3)
    cluster.release_ports(d)
    os.chmod(d / "cluster.json", 0o666)
    assert main(["cluster", "status", "--dir", str(d)]) == 2
    assert "cluster.json: writable by others (mode 666)" in capsys.readouterr().err
    os.chmod(d / "cluster.json", 0o600)
    os.chmod(d, 0o777)
    assert main(["cluster", "start", "--dir", str(d)]) == 2
    assert "writable by others" in capsys.readouterr().err


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to make a file owned by another user")
def test_a_cluster_json_owned_by_another_user_is_refused(tmp_path, capsys):
    d = tmp_path / "c"
    cluster.create(d, 3)
    cluster.release_ports(d)
    os.chown(d / "cluster.json", 12345, 12345)
    assert main(["cluster", "stop", "--dir", str(d)]) == 2
    assert "owned by uid 12345" in capsys.readouterr().err


def test_stop_never_signals_a_process_that_reused_a_node_pid(tmp_path):
    import subprocess

    d = tmp_path / "c"
    cluster.create(d, 1)
    cluster.release_ports(d)
    stranger = subprocess.Popen(["sleep", "30"])
    try:
        (d / "node-1" / "pid").write_text(f"{stranger.pid} 1\n")  # the pid, but not the start time of our node
        assert cluster.pid_of(d, 1) is None
        assert cluster.stop(d) == []
        (d / "node-1" / "pid").write_text(f"{stranger.pid}\n")  # a pid file of the old format: not trusted
        assert cluster.stop(d) == []
        assert stranger.poll() is None  # still running
    finally:
        stranger.kill()
        stranger.wait()


def test_ports_are_held_until_the_nodes_take_them_over(tmp_path):
    import socket

    d = tmp_path / "c"
    desc = cluster.create(d, 2)
    port = desc["nodes"]["1"]
    s = socket.socket()
    with pytest.raises(OSError):
        s.bind(("127.0.0.1", port))  # another program cannot take a new cluster's port before its node binds
    s.close()
    cluster.release_ports(d)


def test_a_rebuilt_node_starts_with_the_vote_floor_read_from_its_peers(tmp_path, capsys):
    """recover-node gives the empty log the highest term in the peers' logs, already voted in (for itself);
    with too few peers' logs readable it refuses in one line."""
    from impl.raft.core import HardState

    d = tmp_path / "c"
    cluster.create(d, 3)
    cluster.release_ports(d)
    cluster.init_node(d, 1, HardState(7, 3))
    cluster.init_node(d, 3, HardState(4, 3))
    assert cluster.vote_floor(d, 2) == HardState(7, 2)
    cluster.init_node(d, 2, cluster.vote_floor(d, 2))
    capsys.readouterr()
    assert main(["wal", "check", str(d / "node-2"), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert (rep["term"], rep["vote"], rep["last_index"]) == (7, 2, 0)
    (d / "node-3" / "wal" / "wal.log").unlink()
    assert main(["cluster", "recover-node", "--dir", str(d), "--node", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "the terms of at least 2 of the 2 other nodes are needed" in err


def test_cluster_start_waits_for_a_node_still_starting_to_answer_or_exit(tmp_path):
    """A majority can elect a leader while the third node is still importing and has yet to refuse its
    damaged storage; `cluster start` then reported "cluster is up" (seen under load). ``settle`` waits
    for that node to answer or exit: here a stand-in process that neither answers nor exits at once."""
    cluster.create(tmp_path, 3)
    cluster.release_ports(tmp_path)
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.5)"])
    reaper = threading.Thread(target=p.wait)
    reaper.start()
    cluster.write_pid(tmp_path / "node-3" / "pid", p.pid)
    assert cluster.pid_of(tmp_path, 3) == p.pid  # running, not answering
    asyncio.run(cluster.settle(tmp_path, [3], 20.0))
    assert cluster.pid_of(tmp_path, 3) is None  # settle returned once it had exited
    # p.poll() may still say None here: the reaper thread holds Popen's wait lock while it reaps
    reaper.join(10)
    assert p.returncode == 0


def test_stop_returns_only_once_a_killed_node_is_gone(tmp_path, monkeypatch):
    """A node still up after the wait is SIGKILLed; stop returned at once, while the process could still be
    writing its log (under load `wal check` then read a log changed after the test damaged it). Here the
    kill lands 0.5 s late, as to a process not yet scheduled: stop must wait for it to be gone."""
    cluster.create(tmp_path, 1)
    cluster.release_ports(tmp_path)
    p = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                          "print('ready', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline() == "ready\n"  # SIGTERM is ignored from here on
        cluster.write_pid(tmp_path / "node-1" / "pid", p.pid)
        kill, late = os.kill, []

        def kill_late(pid: int, sig: int) -> None:
            if sig == signal.SIGKILL:
                late.append(threading.Timer(0.5, kill, (pid, sig)))
                late[-1].start()
            else:
                kill(pid, sig)

        monkeypatch.setattr(cluster.os, "kill", kill_late)
        assert cluster.stop(tmp_path, wait=0.2) == [1]
        assert len(late) == 1 and cluster.pid_of(tmp_path, 1) is None
    finally:
        p.kill()
        p.wait()


def test_a_pid_file_being_rewritten_is_never_read_empty(tmp_path):
    """A node rewrites its pid file once it listens; read meanwhile, a file truncated then written was empty and the
    node was taken for not running (`recover-node` said 'did not start'). Written aside and renamed, it never is."""
    (tmp_path / "node-1").mkdir()
    pid_file = tmp_path / "node-1" / "pid"
    cluster.write_pid(pid_file, os.getpid())
    done = threading.Event()

    def rewrite() -> None:
        while not done.is_set():
            cluster.write_pid(pid_file, os.getpid())

    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        seen = {cluster.pid_of(tmp_path, 1) for _ in range(3000)}
    finally:
        done.set()
        writer.join(10)
    assert seen == {os.getpid()}


_HALF_DEAD = """
import ctypes, sys, threading, time
from pathlib import Path
from impl.runtime.cluster import lock_node
lock_node(Path(sys.argv[1]))
threading.Thread(target=lambda: time.sleep(float(sys.argv[2]))).start()  # holds the process, and so its files
print("locked", flush=True)
ctypes.CDLL(None).pthread_exit(None)  # the main thread ends first: a zombie while the other still runs
"""


def test_a_killed_nodes_lock_is_waited_for_while_its_last_threads_end(tmp_path):
    """A node killed with SIGKILL shows as a zombie while its other threads are still closing its files: `pid_of`
    already says no node runs, but the folder's lock is still held for a moment. `recover-node` right after the
    kill refused with "node 3 is running" (a fresh clone's CI, test_impl_chunks, 2026-12-05); a restarted node
    would have refused the same way. Reproduced here with a process whose main thread ends before its other."""
    home = tmp_path / "node-1"
    home.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", _HALF_DEAD, str(home), "1.5"], cwd=cluster.ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        deadline = time.monotonic() + 10
        while cluster._pid_in(home / cluster.LOCK) is not None:  # the main thread a zombie: "not running"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert holder.poll() is None  # the process is still there, its other thread holding the lock
        began = time.monotonic()
        fd = cluster.lock_node(home)  # waits for the release instead of refusing
        assert holder.poll() is not None and time.monotonic() - began > 0.2
        os.close(fd)
    finally:
        holder.kill()
        holder.wait()


def test_a_second_process_for_a_running_node_refuses_to_start(tmp_path):
    """Two processes for one node (a second `cluster start` racing the first, a node started by hand) both
    started: both listened on its port (SO_REUSEPORT), each answered votes from its own memory (the node could
    vote twice in a term) and both appended to one log; and the second's pid file hid the first from `cluster
    stop`, which left it running. The node's folder lock refuses the second in one line."""
    d = tmp_path / "c"
    assert main(["cluster", "start", "--dir", str(d), "--nodes", "1"]) == 0
    try:
        first = cluster.pid_of(d, 1)
        second = subprocess.run([sys.executable, "-m", "impl.runtime.server", "--dir", str(d), "--id", "1"],
                                capture_output=True, text=True, timeout=30, cwd=cluster.ROOT)
        assert second.returncode == 2
        err = second.stderr.strip()
        assert "\n" not in err and err.endswith(f"node 1 cannot start: {d / 'node-1'}: in use by another process "
                                                f"(pid {first}); one node folder takes one node process")
        assert cluster.pid_of(d, 1) == first
        (d / "node-1" / "pid").write_text("999999999 0\n")  # a pid file naming no running node
        assert cluster.pid_of(d, 1) == first  # found by its lock: `stop` reaches it, `start` starts no other
        assert cluster.start(d, wait=5) == {1: first}
        with pytest.raises(RuntimeError, match="node 1 is running"):
            cluster.recover_node(d, 1)
    finally:
        assert cluster.stop(d) == [1]
    assert cluster.pid_of(d, 1) is None


def test_a_copy_of_a_running_clusters_folder_does_not_share_its_ports(tmp_path, capsys):
    """A copy of a cluster's folder started while the cluster runs (a backup looked at): its nodes bound the same
    ports (SO_REUSEPORT), so the kernel shared each port's connections between the two node processes, which hold
    the same secret: two logs answered as one node (it could vote twice in a term), `cluster start` of the copy
    said "cluster is up" and `status` showed the other's nodes as its own. The copy's nodes refuse the port,
    naming the process on it; its `start` and `status` say they are down; the cluster runs on untouched."""
    d, copy = tmp_path / "c", tmp_path / "copy"
    assert main(["cluster", "start", "--dir", str(d), "--nodes", "1"]) == 0
    try:
        first = cluster.pid_of(d, 1)
        shutil.copytree(d, copy, ignore=shutil.ignore_patterns("pid", "lock"))
        capsys.readouterr()
        assert main(["cluster", "start", "--dir", str(copy)]) == 1
        port = json.loads((d / "cluster.json").read_text())["nodes"]["1"]
        why = (f"127.0.0.1:{port}, its port in cluster.json, is in use: process {first} listens on it too (a node "
               "of another cluster folder, a copy of this one?); the node does not share it")
        assert why in capsys.readouterr().out
        assert main(["cluster", "status", "--dir", str(copy)]) == 1
        assert f"down      {why}" in capsys.readouterr().out
        assert cluster.pid_of(copy, 1) is None and cluster.pid_of(d, 1) == first
        assert main(["kv", "put", "k", "v", "--dir", str(d)]) == 0
    finally:
        cluster.stop(copy)
        assert cluster.stop(d) == [1]


def test_a_node_folder_of_another_cluster_or_node_is_refused(tmp_path, capsys):
    """A node's folder replaced by one of another cluster (a wrong backup restored) started and, its term being
    higher, won the election: the cluster then served the other cluster's data, every acknowledged write of its
    own gone (20 of 20 in a run by hand). Each log names its cluster and node; another's is refused."""
    from impl.raft.core import HardState, Ready
    from impl.storage.wal import WAL, WALError

    a, b = tmp_path / "a", tmp_path / "b"
    cluster.create(a, 3)
    cluster.release_ports(a)
    cluster.create(b, 1)
    cluster.release_ports(b)
    cluster.init_node(b, 1, HardState(9, 1))
    shutil.rmtree(a / "node-3" / "wal")
    shutil.copytree(b / "node-1" / "wal", a / "node-3" / "wal")
    capsys.readouterr()
    assert main(["wal", "check", str(a / "node-3"), "--json"]) == 1
    rep = json.loads(capsys.readouterr().out)
    assert not rep["ok"] and rep["node"] == 1 and "the log of node 1 of another cluster" in rep["errors"][0]
    a1, a2 = a / "node-1" / "wal", a / "node-2" / "wal"
    a1.rename(tmp_path / "w")
    a2.rename(a1)
    (tmp_path / "w").rename(a2)
    assert main(["wal", "check", str(a / "node-1")]) == 1
    assert "the log of node 2 of this cluster, not of node 1" in capsys.readouterr().out
    with pytest.raises(WALError, match="another cluster"):
        WAL(a / "node-3" / "wal", owner=cluster.identity(cluster.load(a), 3)).load()
    try:
        assert main(["cluster", "start", "--dir", str(a)]) == 1  # nodes 1 and 2 swapped, 3 foreign: none starts
    finally:
        cluster.stop(a)
    out = capsys.readouterr().out
    assert "no leader elected" in out and "node 3: " in out and "of another cluster" in out and "not of node 1" in out
    # a log written before logs named their owner is taken, and stamped: it is refused to another node from then on
    old = tmp_path / "old"
    w = WAL(old, create=True)
    w.load()
    w.save(Ready(hard_state=HardState(3, 1)))
    w.sync()
    w.close()
    assert WAL(old, owner=(b"8 bytes!", 2)).load()[0] == HardState(3, 1)
    assert WAL(old, owner=(b"8 bytes!", 2)).load()[0] == HardState(3, 1)
    with pytest.raises(WALError, match="not of node 3"):
        WAL(old, owner=(b"8 bytes!", 3)).load()


def test_a_node_whose_disk_fills_up_stops_and_keeps_what_it_synced(tmp_path):
    """A write to the log that fails (a full disk: here a file-size limit, EFBIG) stops the node in one line. It
    used to run on, a traceback a round: on a full tmpfs by hand, once the disk had room again it wrote after the
    half-written records and acknowledged entries stored behind them, and its log was refused at the next start
    ('damaged record ... inside the 2579157 bytes that were synced'): a transient full disk destroyed a node."""
    import resource

    d = tmp_path / "c"
    cluster.start(d, 3, wal_prealloc=0, trace=False)
    try:
        cluster._stop_one(d, 3)
        limit = (d / "node-3" / "wal" / "wal.log").stat().st_size + 48 * 1024

        def small_disk() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        with open(d / "node-3" / "node.log", "ab") as out:
            node3 = subprocess.Popen([sys.executable, "-m", "impl.runtime.server", "--dir", str(d), "--id", "3"],
                                     stdout=out, stderr=subprocess.STDOUT, cwd=cluster.ROOT, preexec_fn=small_disk)
        cluster.write_pid(d / "node-3" / "pid", node3.pid)

        async def put_until_node_3_stops() -> int:
            c = KVClient.from_dir(d, timeout=15)
            try:
                for k in range(200):  # 200 KB of values: the 48 KiB left are used up on the way
                    assert (await c.put(b"k%d" % k, b"v" * 1000)).status == 0
                    if node3.poll() is not None:
                        break
                first = k + 1
                for j in range(first, first + 30):  # acknowledged by nodes 1 and 2
                    assert (await c.put(b"k%d" % j, b"v" * 1000)).status == 0
                return first + 30
            finally:
                await c.close()

        n = asyncio.run(put_until_node_3_stops())
        assert node3.wait(30) == 3
        last = (d / "node-3" / "node.log").read_text().splitlines()[-1]
        said = f"node 3: writing {d / 'node-3' / 'wal' / 'wal.log'} failed (EFBIG: File too large): stopping"
        assert said in last  # (the file: it said 'writing its log or trace failed ([Errno 27] File too large)')
        assert cluster.down_reason(d, 3).startswith(said.removeprefix("node 3: "))  # (status said 'not running')
        assert "Traceback" not in (d / "node-3" / "node.log").read_text()
        assert main(["wal", "check", str(d / "node-3")]) == 0  # its unsynced tail is cut at the next start
        cluster.start(d)
        deadline = time.monotonic() + 30
        while (st := asyncio.run(cluster.statuses(d, 2))[3]) is None or st["applied"] < n + 1:
            assert time.monotonic() < deadline, f"node 3 did not catch up: {st}"
            time.sleep(0.1)
        assert _get_all(d, n) == [b"v" * 1000] * n
    finally:
        cluster.stop(d)
    for i in (1, 2, 3):
        assert main(["wal", "check", str(d / f"node-{i}")]) == 0


def test_a_snapshot_file_of_another_cluster_or_node_is_not_adopted(tmp_path, capsys):
    """A snapshot.bin newer than the log's last snapshot record is adopted (a crash between writing it and logging
    it), and `wal check` said ok: one of another cluster (index 45, term 6) put into node 3's wal/ was adopted, node
    3 won the election after the leader was killed, and the cluster served the other's data, 20 of 20 acknowledged
    writes gone (by hand). A snapshot file names the node that wrote it; only this node's own is adopted."""
    from impl.raft.core import Snapshot
    from impl.storage.wal import WAL, WALError

    a, b = tmp_path / "a", tmp_path / "b"
    for d, n in ((a, 3), (b, 1)):
        cluster.create(d, n)
        cluster.release_ports(d)

    def snapshot_of(d: Path, node: int, owned: bool = True) -> bytes:
        w = WAL(d / f"node-{node}" / "wal", owner=cluster.identity(cluster.load(d), node) if owned else None)
        w.load()
        w.save_snapshot(Snapshot(45, 6, b"their data"))
        w.close()
        return (d / f"node-{node}" / "wal" / "snapshot.bin").read_bytes()

    snap3 = a / "node-3" / "wal" / "snapshot.bin"
    for blob, why in ((snapshot_of(b, 1), "a snapshot of another cluster (written by its node 1"),
                      (snapshot_of(a, 2), "is not this node's (written by node 2)"),
                      (snapshot_of(b, 1, owned=False), "is not this node's (written before snapshots named")):
        snap3.write_bytes(blob)
        capsys.readouterr()
        assert main(["wal", "check", str(a / "node-3"), "--json"]) == 1
        rep = json.loads(capsys.readouterr().out)
        assert not rep["ok"] and why in rep["errors"][0], rep
    own = WAL(a / "node-3" / "wal", owner=cluster.identity(cluster.load(a), 3))
    snap3.unlink()
    own.load()
    own._write_snapshot_file(Snapshot(45, 6, b"ours"))  # a crash before the log's record: adopted
    own.close()
    assert main(["wal", "check", str(a / "node-3"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["snapshot_index"] == 45
    with pytest.raises(WALError, match="another cluster"):
        snap3.write_bytes(snapshot_of(b, 1))
        WAL(a / "node-3" / "wal", owner=cluster.identity(cluster.load(a), 3)).load()


def test_a_node_whose_boot_file_was_left_empty_starts(tmp_path, capsys):
    """The boot count was rewritten in place without an fsync: a crash or power cut in between leaves an empty
    file (ext4's zero-length file), and every later start ended in a ValueError traceback. It is replaced
    atomically now, and an unreadable one gives way to the time (above any count), with a line in node.log."""
    d = tmp_path / "c"
    cluster.create(d, 1)
    cluster.release_ports(d)
    (d / "node-1" / "boot").write_text("")
    try:
        assert main(["cluster", "start", "--dir", str(d)]) == 0
    finally:
        cluster.stop(d)
    boot = int((d / "node-1" / "boot").read_text())
    assert boot >= 1_700_000_000
    assert "node 1: " in (log := (d / "node-1" / "node.log").read_text()) and "held '', not a boot count" in log
    try:
        assert main(["cluster", "start", "--dir", str(d)]) == 0
    finally:
        cluster.stop(d)
    assert int((d / "node-1" / "boot").read_text()) == boot + 1


def test_status_says_why_a_node_does_not_answer_not_a_stale_reason(tmp_path, capsys):
    """`cluster status` gave the last 'cannot start' line of node.log even when the node had started since (a
    second process refused by the folder's lock, say), and 'not running' for a process that runs but does not
    answer (stopped with SIGSTOP)."""
    d = tmp_path / "c"
    cluster.create(d, 2)
    cluster.release_ports(d)
    (d / "node-1" / "node.log").write_text(
        "... node 1 cannot start: /x/node-1: in use by another process (pid 7); one node folder takes one node\n"
        "... node 1 listening on 127.0.0.1:1 (uvloop event loop)\n")
    (d / "node-2" / "node.log").write_text("... node 2 cannot start: /x/wal.log: damaged record at byte offset 9\n")
    stray = subprocess.Popen(["sleep", "30"])
    try:
        cluster.write_pid(d / "node-1" / "pid", stray.pid)  # (its start time: pid_of takes it for the node)
        capsys.readouterr()
        assert main(["cluster", "status", "--dir", str(d)]) == 1
        out = capsys.readouterr().out
        assert f"not answering (its process, pid {stray.pid}, is running: stopped, or too busy?)" in out
        assert "/x/wal.log: damaged record at byte offset 9" in out  # node 2's refusal is why it is down
        stray.kill()
        stray.wait()
        assert cluster.down_reason(d, 1) == "not running"  # not the refusal logged before it last started
    finally:
        stray.kill()
        stray.wait()


@pytest.mark.slow
def test_cluster_start_with_a_stopped_node_is_not_up(tmp_path, capsys):
    """A node stopped with SIGSTOP neither answers nor exits: `cluster start` waited for it, then said "cluster is
    up", exit 0 (a minute's wait at most: slow)."""
    d = tmp_path / "c"
    assert main(["cluster", "start", "--dir", str(d)]) == 0
    pid = cluster.pid_of(d, 3)
    os.kill(pid, signal.SIGSTOP)
    try:
        capsys.readouterr()
        assert main(["cluster", "start", "--dir", str(d)]) == 1
        out = capsys.readouterr().out
        assert f"node 3: down: not answering (its process, pid {pid}, is running" in out
        assert out.endswith("cluster is up, but not every node is\n")
    finally:
        os.kill(pid, signal.SIGCONT)
        cluster.stop(d)


def test_a_log_whose_fdatasync_failed_is_read_past_the_page_cache_on_this_boot(tmp_path, monkeypatch, capsys):
    """fsyncgate: after an fdatasync fails (EIO), Linux marks the pages it could not write clean, so until the
    machine restarts the page cache may hand back records the disk never got; a restarted node read them as
    synced. The failure is recorded beside the log; on this boot a load (a node's start) and `wal check` read the
    log as the disk holds it (O_DIRECT) and the load rewrites it to a new file; where the filesystem cannot read
    past the cache they refuse in one line; after a restart of the machine the log is read as usual. Here the
    disk is made to hold less than the cache (the read past the cache returns the log as of the last good sync):
    the load must return that, not the cached write."""
    import errno

    from impl.raft.core import HardState, Ready
    from impl.raft.log import Entry
    from impl.storage import wal as walmod

    d = tmp_path / "node-1" / "wal"
    w = walmod.WAL(d, create=True)
    w.load()
    w.save(Ready(hard_state=HardState(2, 1), entries_from=1, entries=[Entry(2, b"a")]))
    w.sync()
    on_disk = (d / "wal.log").read_bytes()  # what the disk holds: the failed sync's write below never gets there
    real = os.fdatasync

    def failing(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fdatasync", failing)
    w.save(Ready(entries_from=2, entries=[Entry(2, b"b")]))
    with pytest.raises(OSError, match="Input/output error"):
        w.sync()
    monkeypatch.setattr(os, "fdatasync", real)
    w.close()
    assert json.loads((d / walmod.SYNC_FAILED).read_text())["boot"] == walmod.machine_boot()
    assert walmod.WAL(d).load()[2] == [Entry(2, b"a"), Entry(2, b"b")]  # (the cache: what a start read before)
    (d / walmod.SYNC_FAILED).write_text(json.dumps({"boot": walmod.machine_boot(), "error": "[Errno 5] EIO"}))
    monkeypatch.setattr(walmod, "_read_direct", lambda path, size: on_disk)  # the disk never got entry 2
    capsys.readouterr()
    assert main(["wal", "check", str(d.parent), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["last_index"] == 1  # read as the disk holds it
    inode = (d / "wal.log").stat().st_ino
    hs, _, entries = walmod.WAL(d).load()
    assert hs == HardState(2, 1) and entries == [Entry(2, b"a")]
    assert (d / "wal.log").stat().st_ino != inode and not (d / walmod.SYNC_FAILED).exists()  # a new file
    assert walmod.WAL(d).load()[2] == [Entry(2, b"a")]  # and the cache's entry 2 is gone for good
    (d / walmod.SYNC_FAILED).write_text(json.dumps({"boot": walmod.machine_boot(), "error": "[Errno 5] EIO"}))
    monkeypatch.setattr(walmod, "_read_direct", lambda path, size: None)  # (tmpfs: no O_DIRECT)
    with pytest.raises(walmod.WALError, match="its filesystem cannot be read past the page cache .* recover the node"):
        walmod.WAL(d).load()
    assert main(["wal", "check", str(d.parent)]) == 1
    assert "REFUSED" in capsys.readouterr().out
    rebooted = walmod.machine_boot() ^ 1
    monkeypatch.setattr(walmod, "machine_boot", lambda: rebooted)
    assert walmod.WAL(d).load()[2] == [Entry(2, b"a")]  # the machine restarted: the cache is gone, read as usual
    assert not (d / walmod.SYNC_FAILED).exists()


def test_a_node_whose_fdatasync_fails_stops_and_restarts_from_what_its_disk_holds(tmp_path, capsys):
    """The fault hook `"crash_at": {"at": "eio"}` fails the leader's fdatasync with EIO once its log reaches
    index 20: it stops (exit 3) with one line; `cluster start` restarts it from its log as the disk holds it
    (read past the page cache, rewritten); no acknowledged write is lost."""
    d = tmp_path / "c"
    cluster.start(d, 3, crash_at={"at": "eio", "index": 20})
    try:
        _put_some(d, 40)  # the leader fails at its 20th entry; the others go on
        failed = int((d / "crashed").read_text())
        deadline = time.monotonic() + 30
        while cluster.pid_of(d, failed) is not None:
            assert time.monotonic() < deadline, f"node {failed} did not stop"
            time.sleep(0.1)
        log = (d / f"node-{failed}" / "node.log").read_text()
        assert (f"node {failed}: an fdatasync of its log failed ([Errno 5] Input/output error (the crash_at fault "
                "hook)): stopping; its next start reads the log as the disk holds it") in log.splitlines()[-1]
        assert "Traceback" not in log
        assert (d / f"node-{failed}" / "wal" / "sync-failed").exists()
        assert main(["cluster", "start", "--dir", str(d)]) == 0
        assert "read as the disk holds it after a failed fdatasync" in (d / f"node-{failed}" / "node.log").read_text()
        assert not (d / f"node-{failed}" / "wal" / "sync-failed").exists()
        assert _get_all(d, 40) == [b"v%d" % k for k in range(40)]
    finally:
        cluster.stop(d)
    assert main(["wal", "check", str(d / f"node-{failed}")]) == 0


def test_the_read_past_the_page_cache_reads_the_file(tmp_path):
    """_read_direct (O_DIRECT, page-aligned reads of 16 MiB) returns the file's bytes at sizes around its block
    and chunk boundaries (None only where the filesystem cannot: tmpfs)."""
    from impl.storage.wal import _read_direct

    for size in (0, 1, 4095, 4096, 5000, (1 << 24) - 1, 1 << 24, (1 << 24) + 3):
        path = tmp_path / f"f{size}"
        data = os.urandom(size)
        path.write_bytes(data)
        got = _read_direct(path, size)
        assert got is None or got == data, size


def test_a_damaged_sync_failed_record_is_read_as_this_boots(tmp_path, monkeypatch):
    """A `sync-failed` record that is not even text (damaged bytes) was refused as unreadable: the node then
    needed its peers (recover-node) where the disk's log would do. Damaged JSON was read as this boot's failure
    (the log read past the cache, rewritten); bytes that are not UTF-8 now are too, and the record goes."""
    from impl.raft.core import HardState, Ready
    from impl.raft.log import Entry
    from impl.storage import wal as walmod

    d = tmp_path / "wal"
    w = walmod.WAL(d, create=True)
    w.load()
    w.save(Ready(hard_state=HardState(2, 1), entries_from=1, entries=[Entry(2, b"a")]))
    w.sync()
    w.close()
    monkeypatch.setattr(walmod, "_read_direct", lambda path, size: path.read_bytes())  # (tmpfs has no O_DIRECT)
    for damage in (b'{"boot": 1', b"\xff\xfe\x00garbage" * 1000):
        (d / walmod.SYNC_FAILED).write_bytes(damage)
        assert walmod.check(d).ok
        inode = (d / "wal.log").stat().st_ino
        assert walmod.WAL(d).load()[2] == [Entry(2, b"a")]
        assert (d / "wal.log").stat().st_ino != inode and not (d / walmod.SYNC_FAILED).exists()  # (read, rewritten)


def test_a_failed_fdatasync_whose_record_the_disk_refuses_is_not_followed_by_restart_advice(tmp_path, monkeypatch,
                                                                                            caplog):
    """The disk refuses even the `sync-failed` record: node.log's critical line said not to restart before the
    machine, and the node's last line then said "restart it once the disk is fixed (it keeps what was synced)",
    which on this boot reads what the page cache holds as synced. The last line now says the same as the first."""
    import errno
    import types

    from impl.raft.core import HardState, Ready
    from impl.runtime.server import NodeServer
    from impl.storage import wal as walmod

    d = tmp_path / "wal"
    w = walmod.WAL(d, create=True)
    w.load()
    real_open = os.open

    def failing(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    def no_record(path, *args, **kwargs):
        if str(path).endswith(walmod.SYNC_FAILED + ".tmp"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "fdatasync", failing)
    monkeypatch.setattr(os, "open", no_record)
    w.save(Ready(hard_state=HardState(2, 1)))
    with pytest.raises(OSError) as failed:
        w.sync()
    monkeypatch.undo()
    assert not (d / walmod.SYNC_FAILED).exists()

    def exit_(code: int) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(os, "_exit", exit_)
    node = types.SimpleNamespace(wal=w, id=1)
    with pytest.raises(SystemExit):
        NodeServer.fail_stop(node, failed.value)  # type: ignore[arg-type]
    last = caplog.records[-1].getMessage()
    assert "do not restart it before the machine restarts" in last and "restart it once the disk" not in last


def test_recover_node_sets_storage_aside_under_a_name_not_taken(tmp_path, monkeypatch):
    """A second recover-node within the second (its first failed) moved the storage onto the first's folder:
    'wal: Directory not empty', exit 2, the node left without a log."""
    monkeypatch.setattr(cluster.time, "strftime", lambda fmt, *a: "20990101-000000")
    (tmp_path / "wal.damaged-20990101-000000").mkdir()
    (tmp_path / "wal.damaged-20990101-000000-1").mkdir()
    assert cluster._aside(tmp_path) == tmp_path / "wal.damaged-20990101-000000-2"


def test_recover_node_refuses_a_rebuild_that_leaves_fewer_than_a_quorum_able_to_vote(tmp_path, monkeypatch, capsys):
    """Two nodes of three recovered at once (or one while the other still rejoined): both rebuilt, neither votes
    until a leader brings it up to date, the third campaigned forever with every write, and the two logs set aside
    were intact. recover-node refuses the second in one line, its storage untouched; in a 5-node cluster it may."""
    from impl.raft.core import HardState

    monkeypatch.setattr(cluster, "start_node", lambda d, i: pytest.fail(f"node {i} started"))
    d = tmp_path / "c"
    cluster.create(d, 3)
    cluster.release_ports(d)
    for i in (1, 2, 3):
        cluster.init_node(d, i, HardState(4, 1))
    (d / "node-3" / "rejoining").write_text("")
    capsys.readouterr()
    assert main(["cluster", "recover-node", "--dir", str(d), "--node", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "node 3 is still rejoining" in err and "1 of the 3 nodes could vote" in err
    assert sorted(p.name for p in (d / "node-2").iterdir()) == ["wal"]  # nothing moved, no marker
    d5 = tmp_path / "c5"
    cluster.create(d5, 5)
    cluster.release_ports(d5)
    for i in range(1, 6):
        cluster.init_node(d5, i, HardState(4, 1))
    (d5 / "node-3" / "rejoining").write_text("")
    cluster._enough_voters(d5, 2)  # 3 of 5 can vote
    (d5 / "node-4" / "rejoining").write_text("")
    with pytest.raises(cluster.ClusterError, match="nodes 3, 4 are still rejoining"):
        cluster._enough_voters(d5, 2)


def test_a_rejoining_marker_that_is_no_file_or_holds_other_text_is_named(tmp_path):
    """The rejoining marker is read through one function: a folder there failed a node's start with '[Errno 21] Is a
    directory', a FIFO would have held it for ever, a link to nothing was no marker (a rebuilt node would have voted),
    and 'rebuilt from 1,x' failed with "invalid literal for int()". Each is named; what recover-node and the node
    write is read as before."""
    from impl.raft.rejoin import MarkerError, Rebuilt, read_marker, rebuilt_from, rebuilt_marker

    m = tmp_path / "rejoining"
    assert read_marker(m) is None and rebuilt_from(read_marker(m)) is None
    m.write_text(rebuilt_marker({3: 5, 1: 4}, 57))
    assert m.read_text() == "rebuilt from 1,3 terms 4,5 clock 57\n"
    assert rebuilt_from(read_marker(m)) == Rebuilt((1, 3), (4, 5), 57)
    m.write_text("rebuilt from 1,3\n")  # an older paxraft's marker: the peers only
    assert rebuilt_from(read_marker(m)) == Rebuilt((1, 3))
    m.write_text("")  # emptied once the trace shows the Rebuild: rejoining still, no Rebuild at the next boot
    assert read_marker(m) == "" and rebuilt_from("") is None
    m.unlink()
    for make, what in ((m.mkdir, "a folder"), (lambda: os.mkfifo(m), "not a regular file (a FIFO, a device or a "
                                                                      "socket)"),
                       (lambda: m.symlink_to(tmp_path / "nothing"), "a symbolic link to nothing")):
        make()
        with pytest.raises(MarkerError) as e:
            read_marker(m)
        assert str(e.value) == (f"{m}: {what}, not the rejoining marker `cluster recover-node` writes (a file): make "
                                "it an empty file (the node rejoins), or remove it if the node was never rebuilt")
        m.rmdir() if m.is_dir() and not m.is_symlink() else m.unlink()
    for text in ("rebuilt from 1,x\n", "hello", "rebuilt from " + "1," * 40_000 + "1",
                 "rebuilt from 1,3 terms 4 clock 5\n", "rebuilt from 1,3 terms 4,4\n"):
        m.write_text(text)
        with pytest.raises(MarkerError, match=r"the rejoining marker holds '.{1,40}'; `cluster recover-node` writes "
                                              r"'rebuilt from 1,3 terms 4,4 clock 57' \(the peers it read, their "
                                              r"terms, their traces' clock\) and the node empties it"):
            read_marker(m)


def test_a_rejoining_marker_that_is_a_folder_refuses_the_node_and_recover_node_in_one_line(tmp_path, capsys):
    """A `rejoining` folder in a node's folder: the node refused to start with '[Errno 21] Is a directory', and
    `recover-node` failed the same way only after it had moved the node's storage aside, leaving it no log. The node
    names the marker; recover-node refuses before it touches anything."""
    d = tmp_path / "c"
    cluster.create(d, 1)
    cluster.release_ports(d)
    (d / "node-1" / "rejoining").mkdir()
    capsys.readouterr()
    assert main(["cluster", "start", "--dir", str(d)]) == 1
    out = capsys.readouterr().out
    assert (f"node 1: {d / 'node-1' / 'rejoining'}: a folder, not the rejoining marker `cluster recover-node` "
            "writes (a file)") in out, out
    c3 = tmp_path / "c3"
    cluster.create(c3, 3)
    cluster.release_ports(c3)
    (c3 / "node-2" / "rejoining").mkdir()
    before = sorted(p.name for p in (c3 / "node-2").iterdir())
    assert main(["cluster", "recover-node", "--dir", str(c3), "--node", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.endswith(f"{c3 / 'node-2' / 'rejoining'}: a folder, where recover-node writes the "
                                            "node's rejoining file: move it out of the way first"), err
    assert sorted(p.name for p in (c3 / "node-2").iterdir()) == before == ["rejoining", "wal"]  # nothing moved


@contextlib.contextmanager
def _read_only(folder: Path):
    """``folder`` read-only while the block runs: a read-only bind mount (root: a mode does not stop root), else
    its mode."""
    if os.geteuid() == 0:
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
            yield
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    else:
        folder.chmod(0o500)
        try:
            yield
        finally:
            folder.chmod(0o700)


def test_a_node_folder_that_cannot_be_written_is_down_with_the_reason_and_the_others_start(tmp_path, capsys):
    """A node folder on a read-only mount: `cluster start` ended with 'node-2/node.log: Read-only file system'
    (exit 2) after starting node 1 and before node 3, leaving one node running alone and no leader; `status` then
    said 'not running'. Now the others start and elect a leader, and the node is down with the reason (`status`,
    another process, sees the folder cannot be written)."""
    d = tmp_path / "c"
    cluster.start(d, 3)
    cluster.stop(d)
    with _read_only(d / "node-2"):
        try:
            assert main(["cluster", "start", "--dir", str(d)]) == 1
            out = capsys.readouterr().out
            assert f"node 2: down: {d / 'node-2'} " in out and "the node cannot keep its log there" in out, out
            assert cluster.pid_of(d, 1) and cluster.pid_of(d, 3)
            _put_some(d, 5)
            assert main(["cluster", "status", "--dir", str(d)]) == 1
            assert "the node cannot keep its log there" in capsys.readouterr().out
        finally:
            cluster.stop(d)
    cluster.start(d)
    try:
        assert _get_all(d, 5) == [b"v%d" % i for i in range(5)]
    finally:
        cluster.stop(d)


def test_a_node_that_cannot_start_on_a_full_disk_says_which_file(tmp_path, monkeypatch):
    """On a full disk a node's start said 'cannot start: [Errno 28] No space left on device' (its boot count's
    file unnamed) and `cluster start` 'no leader elected within 20 s (see node-*/node.log)' when its pid file could
    not be written (nor could node.log). Each now names the file."""
    from impl.runtime.boot import next_boot

    real_write = os.write

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError) as got:
        next_boot(tmp_path / "boot", 1)
    assert (got.value.errno, got.value.filename) == (errno.ENOSPC, str(tmp_path / "boot.tmp"))
    monkeypatch.setattr(os, "write", real_write)

    d = tmp_path / "c"
    started = cluster.start_node

    def no_room_for_node_2(directory, node):
        if node == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(directory / "node-2" / "pid.1.tmp"))
        return started(directory, node)

    monkeypatch.setattr(cluster, "start_node", no_room_for_node_2)
    try:
        cluster.start(d, 3)  # nodes 1 and 3 elect a leader
        assert cluster.down_reason(d, 2) == (f"could not be started ({d / 'node-2' / 'pid.1.tmp'}: No space left on "
                                             "device)")
        _put_some(d, 3)
    finally:
        cluster.stop(d)



def _running(pid: int) -> bool:
    st = cluster._proc_stat(pid)
    return st is not None and st[0] != "Z"


@pytest.mark.parametrize("how", ["removed", "replaced"])
def test_a_node_whose_folder_is_removed_or_replaced_stops(tmp_path, how):
    """`rm -rf` of a running cluster's folder (a nemesis run's folder removed under it, hostile12): the nodes ran on
    for ever, listening, their log and trace in deleted files (what they acknowledged lost with them), and `cluster
    stop` could no longer find them. Each now sees it at its idle sweep (~1.25 s) and stops; a folder replaced by
    another (restored from a copy while the node ran) too."""
    d = tmp_path / "c"
    pids = list(cluster.start(d, 3).values())
    ports = [int(p) for p in json.loads((d / "cluster.json").read_text())["nodes"].values()]
    try:
        _put_some(d, 5)
        if how == "replaced":
            shutil.copytree(d, tmp_path / "copy")
        shutil.rmtree(d)
        if how == "replaced":
            (tmp_path / "copy").rename(d)
        deadline = time.monotonic() + 60  # (a bound against a hang: the sweep runs every 1.25 s)
        while any(map(_running, pids)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p for p in pids if _running(p)] == [], "node processes still running without their folder"
        # nothing of this cluster left listening on its ports (a port freed may be taken at once by another test's
        # or another user's server, which a connect() would take for ours: a false failure, seen under load)
        listeners = {port: cluster.socket_owners(cluster.listening_inodes(port)) for port in ports}
        ours = {port: [p for p in owners if any(cluster._is_our_node(p, d, i) for i in (1, 2, 3))]
                for port, owners in listeners.items()}
        assert ours == {port: [] for port in ports}
    finally:
        for p in filter(_running, pids):  # (the old code's nodes: ours, started above)
            os.kill(p, signal.SIGKILL)
