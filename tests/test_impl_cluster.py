"""A real 3-process cluster on 127.0.0.1: kill -9 and power cuts while writes are in flight; no acked write lost.

Every kill lands at a seeded random moment while the writers have requests outstanding (it is
triggered by the count of acknowledged writes, not by a sleep after the last one). A power cut is
kill -9 of every node followed by cutting each log back to what its last completed fsync covered
(the page cache is lost), which is what makes a missing fsync visible: the planted ``skip_fsync``
switch, in the runtime's real commit path, loses acknowledged writes and the test sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time

import pytest

from impl.kv.client import KVClient
from impl.kv.machine import OK
from impl.runtime import cluster
from impl.storage.wal import synced_length


class Load:
    """``sessions`` writers, each with one write outstanding at a time, until ``writes`` are acknowledged (and, with
    ``until_stopped``, on past that until :meth:`stop`: a kill the test makes later still lands under load)."""

    def __init__(self, d, writes: int, sessions: int = 4, client_poll_us: int = 0, until_stopped: bool = False) -> None:
        self.client = KVClient.from_dir(d, timeout=20, busy_poll_us=client_poll_us)
        self.acked: dict[bytes, bytes] = {}
        self.writes, self.sessions = writes, sessions
        self.going = until_stopped
        self.progress = asyncio.Event()

    async def writer(self, w: int) -> None:
        s = self.client.session()
        k = 0
        while k < self.writes // self.sessions or self.going:
            key, val = b"w%d.%d" % (w, k), b"v%d" % k
            r = await self.client.put(key, val, session=s)
            assert r.status == OK
            self.acked[key] = val
            self.progress.set()
            k += 1

    def stop(self) -> None:
        """The writers end once they have made their share of ``writes``."""
        self.going = False

    def writing(self) -> bool:
        """Whether the writers still have writes to make (a kill now lands under load)."""
        return self.going or len(self.acked) < self.writes

    async def reached(self, n: int) -> None:
        while len(self.acked) < n:
            self.progress.clear()
            await self.progress.wait()

    async def check_acked(self) -> None:
        """No acknowledged write is lost: each reads back its value (linearizable reads through the leader);
        then the client closes."""
        for key, val in self.acked.items():
            assert (await self.client.get(key)).value == val, f"acknowledged write {key!r} lost"
        await self.client.close()


def kill(d, node: int) -> None:
    pid = cluster.pid_of(d, node)
    assert pid is not None, f"node {node} is not running"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 20  # (2 s, then on as if gone, was the bound: a busy machine may take longer)
    while cluster.pid_of(d, node) is not None:
        assert time.monotonic() < deadline, f"node {node} (pid {pid}) still there 20 s after SIGKILL"
        time.sleep(0.01)


async def _kill_under_load(d, targets: list[str], writes: int, rng: random.Random) -> dict[bytes, bytes]:
    """Kill the leader or a follower at seeded points of the load; each comes back with its data."""
    load = Load(d, writes)
    writers = asyncio.gather(*(load.writer(w) for w in range(load.sessions)))
    for n, who in enumerate(targets):
        await load.reached(rng.randint(writes * n // len(targets) + 10, writes * (n + 1) // len(targets) - 20))
        lead = await cluster.wait_for_leader(d, 30)
        assert lead is not None, f"no leader within 30 s after {n} kills"
        victim = lead if who == "leader" else rng.choice([i for i in (1, 2, 3) if i != lead])
        in_flight = writes - len(load.acked)
        kill(d, victim)
        assert in_flight > 0  # the kill landed while writes were outstanding
        await asyncio.sleep(rng.uniform(0.05, 0.3))
        cluster.start_node(d, victim)
    await writers
    await load.check_acked()
    return load.acked


def _run(tmp_path, targets: list[str], writes: int, seed: int, **settings) -> None:
    cluster.start(tmp_path, 3, **settings)
    try:
        acked = asyncio.run(_kill_under_load(tmp_path, targets, writes, random.Random(seed)))
        assert len(acked) == writes
        # every node is back: the last one restarted may still be loading its log when the writes end
        # (a single 2 s look failed in CI at load 2), so wait until each answers or its process is gone
        asyncio.run(cluster.settle(tmp_path, [1, 2, 3], 20))
        sts = asyncio.run(cluster.statuses(tmp_path, 2))
        assert all(s is not None for s in sts.values()), {i: cluster.down_reason(tmp_path, i) for i in sts}
    finally:
        cluster.stop(tmp_path)
    cluster.start(tmp_path, 3)  # after a clean stop and restart the data is still there
    try:
        async def check() -> None:
            c = KVClient.from_dir(tmp_path)
            for key, val in list(acked.items())[:: max(1, len(acked) // 50)]:
                assert (await c.get(key)).value == val
            await c.close()

        asyncio.run(check())
    finally:
        cluster.stop(tmp_path)


def test_kill_the_leader_and_a_follower_while_writes_are_in_flight(tmp_path):
    _run(tmp_path, ["leader", "follower"], writes=400, seed=1)


def test_kill_the_leader_with_snapshots_every_50_entries(tmp_path):
    """Log compaction (the write-ahead log rewritten from what it tracked) under the same kill -9 and restarts."""
    _run(tmp_path, ["leader"], writes=400, seed=2, snapshot_every=50)
    for i in (1, 2, 3):
        assert (tmp_path / f"node-{i}" / "wal" / "snapshot.bin").exists()


@pytest.mark.slow
def test_kill_leaders_and_followers_repeatedly_during_writes(tmp_path):
    _run(tmp_path, ["leader", "follower", "leader", "leader", "follower", "leader"], writes=6000, seed=3)


def power_cut(d) -> None:
    """kill -9 every node, then drop what the page cache held: each log's bytes after its last synced length
    go back to the zeros preallocated there (a log written by appending would be cut instead; both load alike)."""
    for i in (1, 2, 3):
        with contextlib.suppress(AssertionError):
            kill(d, i)
    for i in (1, 2, 3):
        wal = d / f"node-{i}" / "wal" / "wal.log"
        synced, size = synced_length(wal), wal.stat().st_size
        with open(wal, "r+b") as f:
            f.seek(synced)
            f.write(bytes(size - synced))


def _power_cut_under_load(d, seed: int, client_poll_us: int = 0, **settings) -> tuple[int, int]:
    """(acknowledged writes, of them lost) after a power cut at a seeded point of a write load."""
    rng = random.Random(seed)
    cluster.start(d, 3, **settings)
    try:
        async def cut() -> dict[bytes, bytes]:
            load = Load(d, 10_000, client_poll_us=client_poll_us)
            writers = [asyncio.ensure_future(load.writer(w)) for w in range(load.sessions)]
            await load.reached(rng.randint(60, 160))
            power_cut(d)  # writes are in flight
            acked = dict(load.acked)
            for w in writers:
                w.cancel()
            await asyncio.gather(*writers, return_exceptions=True)
            await load.client.close()
            return acked

        acked = asyncio.run(cut())
        cluster.start(d, 3)

        async def lost() -> int:
            c = KVClient.from_dir(d, timeout=20)
            n = sum([(await c.get(k)).value != v for k, v in acked.items()])
            await c.close()
            return n

        return len(acked), asyncio.run(lost())
    finally:
        cluster.stop(d)


def test_a_power_cut_while_writes_are_in_flight_loses_no_acknowledged_write(tmp_path):
    acked, lost = _power_cut_under_load(tmp_path, seed=4)
    assert acked >= 60 and lost == 0


def test_a_power_cut_with_the_fsync_on_a_thread_loses_no_acknowledged_write(tmp_path):
    """``sync_thread``: the loop serves while the fsync runs; acknowledgements still wait for a durable majority."""
    acked, lost = _power_cut_under_load(tmp_path, seed=4, sync_thread=True)
    assert acked >= 60 and lost == 0


def test_a_power_cut_with_the_leader_fsync_on_a_thread_loses_no_acknowledged_write(tmp_path):
    """``leader_fsync_thread``: a leader may commit on two followers' acks before its own fsync ends; a
    power cut then drops its copy, the followers' make the majority. With ``skip-fsync`` planted (acks
    before the fsync) the same cut takes every acknowledged write: the test can fail."""
    acked, lost = _power_cut_under_load(tmp_path / "a", seed=4, leader_fsync_thread=True)
    assert acked >= 60 and lost == 0
    acked, lost = _power_cut_under_load(tmp_path / "b", seed=4, leader_fsync_thread=True, bug="skip-fsync")
    assert acked >= 60 and lost == acked


def test_a_power_cut_with_the_fsync_waker_loses_no_acknowledged_write(tmp_path):
    """``fsync_poll_us``: a thread wakes every 50 us during each inline fsync; durability is the same."""
    acked, lost = _power_cut_under_load(tmp_path, seed=4, fsync_poll_us=50)
    assert acked >= 60 and lost == 0


def test_a_power_cut_with_the_busy_poll_loses_no_acknowledged_write(tmp_path):
    """``busy_poll_us`` (nodes) and the client's ``busy_poll_us``: the loops poll instead of blocking for a while
    after each write; what is acknowledged and when is unchanged."""
    acked, lost = _power_cut_under_load(tmp_path, seed=4, client_poll_us=300, busy_poll_us=300, busy_poll_leader=False)
    assert acked >= 60 and lost == 0


def _poll_turns(d, **settings) -> tuple[dict[int, int], dict[int, int], dict[int, int], dict[int, str]]:
    """Each node's busy-poll turns before 50 writes, after them, and after an idle second; and its role."""
    cluster.start(d, 3, **settings)

    async def go() -> tuple[dict[int, int], dict[int, int], dict[int, int], dict[int, str]]:
        c = KVClient.from_dir(d, timeout=20)
        try:
            before = {i: (await c.status(i, 5.0))["poll_turns"] for i in (1, 2, 3)}
            for k in range(50):
                await c.put(b"k%d" % k, b"v")
            await asyncio.sleep(0.5)  # the last windows end; heartbeats carry the last commit index to followers
            st = {i: await c.status(i, 5.0) for i in (1, 2, 3)}
            await asyncio.sleep(0.5)  # 25 heartbeats and three status requests later
            idle = {i: (await c.status(i, 5.0))["poll_turns"] for i in (1, 2, 3)}
            return before, {i: st[i]["poll_turns"] for i in st}, idle, {i: st[i]["role"] for i in st}
        finally:
            await c.close()

    try:
        return asyncio.run(go())
    finally:
        cluster.stop(d)


def test_the_busy_poll_runs_after_writes_and_never_on_an_idle_cluster(tmp_path):
    """A node polls after a round that appended or committed; heartbeats and status requests do not start it,
    so an idle cluster's nodes spend no turns polling (three idle nodes' CPU stays what it was)."""
    before, after, idle, _ = _poll_turns(tmp_path, busy_poll_us=5000, busy_poll_leader=False)
    assert all(after[i] > before[i] for i in (1, 2, 3)), (before, after)  # each appended 50 entries
    assert idle == after, (after, idle)


def test_by_default_only_the_leader_polls(tmp_path):
    """``busy_poll_leader`` is on by default: the followers, which append too, never poll."""
    before, after, idle, roles = _poll_turns(tmp_path, busy_poll_us=5000)
    assert {i: after[i] > before[i] for i in roles} == {i: role == "Leader" for i, role in roles.items()}, (
        before, after, roles)
    assert idle == after, (after, idle)


def test_the_fsync_waker_wakes_only_during_the_block():
    from impl.runtime.waker import Waker

    w = Waker(100)
    try:
        with w.during():  # a fixed 50 ms could pass without the thread being scheduled on a busy machine
            deadline = time.monotonic() + 20
            while w.wakeups == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
        during = w.wakeups
        time.sleep(0.05)
        assert during > 0 and w.wakeups <= during + 1  # at most the wake-up that was sleeping at the end
    finally:
        w.close()
    assert not w._thread.is_alive()


def test_a_missing_fsync_in_the_runtime_commit_path_loses_writes_at_a_power_cut(tmp_path):
    """The same test with the planted bug: acknowledged before durable, so the power cut takes them."""
    acked, lost = _power_cut_under_load(tmp_path, seed=4, bug="skip-fsync")
    assert acked >= 60 and lost == acked


def test_cluster_stop_under_load_leaves_no_traceback_in_the_node_logs(tmp_path):
    """The shutdown race: a round scheduled after the trace file was closed ('I/O operation on closed file')."""
    cluster.start(tmp_path, 3)
    try:
        async def go() -> None:
            load = Load(tmp_path, 100_000, sessions=8)
            writers = [asyncio.ensure_future(load.writer(w)) for w in range(load.sessions)]
            await load.reached(100)
            await asyncio.to_thread(cluster.stop, tmp_path)  # SIGTERM while requests keep arriving
            for w in writers:
                w.cancel()
            await asyncio.gather(*writers, return_exceptions=True)
            await load.client.close()

        asyncio.run(go())
    finally:
        cluster.stop(tmp_path)
    for i in (1, 2, 3):
        log = (tmp_path / f"node-{i}" / "node.log").read_text()
        assert "Traceback" not in log and "closed file" not in log, log[-2000:]


# -- the same faults on a Multi-Paxos cluster (impl/multipaxos; `paxraft cluster start --protocol multipaxos`) ----
def test_multipaxos_kill_the_leader_while_writes_are_in_flight_loses_no_acknowledged_write(tmp_path):
    _run(tmp_path, ["leader"], writes=300, seed=5, protocol="multipaxos")


@pytest.mark.slow
def test_multipaxos_kill_leaders_and_followers_repeatedly_with_snapshots(tmp_path):
    _run(tmp_path, ["leader", "follower", "leader", "leader", "follower", "leader"], writes=6000, seed=6,
         protocol="multipaxos", snapshot_every=500)
    for i in (1, 2, 3):
        assert (tmp_path / f"node-{i}" / "wal" / "snapshot.bin").exists()


@pytest.mark.slow
def test_multipaxos_power_cut_while_writes_are_in_flight_loses_no_acknowledged_write(tmp_path):
    acked, lost = _power_cut_under_load(tmp_path, seed=7, protocol="multipaxos")
    assert acked >= 60 and lost == 0


def _syncs_over_writes(d, writes: int, up: tuple[int, ...] = (1, 2, 3)) -> tuple[int, dict[int, int], list[int]]:
    """The leader, each running node's log syncs during ``writes`` sequential writes, and the leader's
    quorum_peers after them."""
    async def go() -> tuple[int, dict[int, int], list[int]]:
        c = KVClient.from_dir(d, timeout=20)
        try:
            await c.put(b"first", b"v")
            lead = await cluster.wait_for_leader(d, 30)
            assert lead is not None
            before = {i: (await c.status(i, 5.0))["syncs"] for i in up}
            for k in range(writes):
                await c.put(b"k%d" % k, b"v")
            st = {i: await c.status(i, 5.0) for i in up}
            return lead, {i: st[i]["syncs"] - before[i] for i in st}, st[lead]["quorum_peers"]
        finally:
            await c.close()

    return asyncio.run(go())


def test_a_leader_replicates_to_a_quorum_at_once_and_to_the_other_follower_at_its_ticks(tmp_path):
    """``quorum_first`` (the default): the leader's frames go at once to the follower that completed the last commits
    (its status's ``quorum_peers``), which syncs each write; the other follower's wait for the leader's tick (half
    a second here), so it syncs each tick's writes together. Killed, the first follower gives way to the other,
    whose acknowledgements then complete the commits. ``"quorum_first": false`` sends every frame at once."""
    slow_ticks = {"tick_ms": 500, "election_ticks": 4, "heartbeat_ticks": 1}
    cluster.start(tmp_path / "a", 3, **slow_ticks)
    try:
        lead, syncs, first = _syncs_over_writes(tmp_path / "a", 60)
        assert len(first) == 1 and lead not in first
        held = ({1, 2, 3} - {lead, first[0]}).pop()
        # One follower syncs each write, the other a tick's writes at once: together about 60 plus a few ticks, where
        # every write synced by both is 120. (Which follower is first may change during the writes: at a tick the
        # held one's acknowledgement can complete a commit, which made the two figures of one follower flaky.)
        assert syncs[first[0]] + syncs[held] < 90 and max(syncs[first[0]], syncs[held]) >= 30, (lead, first, syncs)
        kill(tmp_path / "a", first[0])
        lead2, _, first2 = _syncs_over_writes(tmp_path / "a", 10, (lead, held))
        assert lead2 == lead and first2 == [held]
    finally:
        cluster.stop(tmp_path / "a")
    cluster.start(tmp_path / "b", 3, quorum_first=False, **slow_ticks)
    try:
        lead, syncs, _ = _syncs_over_writes(tmp_path / "b", 60)
        assert all(syncs[i] >= 30 for i in (1, 2, 3)), (lead, syncs)  # (a follower short of a CPU for a whole
        #                                                                 write may store two with one sync)
    finally:
        cluster.stop(tmp_path / "b")
