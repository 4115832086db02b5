"""A real 3-process cluster on 127.0.0.1: kill -9 the leader under a bounded write load; no acknowledged write lost."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from impl.kv.client import KVClient
from impl.kv.machine import OK
from impl.runtime import cluster


async def _kill_leader_under_load(d, kills: int, writes: int, sessions: int = 4) -> tuple[dict[bytes, bytes], int]:
    c = KVClient.from_dir(d, timeout=15)
    acked: dict[bytes, bytes] = {}
    done = asyncio.Event()

    async def writer(w: int) -> None:
        s = c.session()
        for k in range(writes // sessions):
            key, val = b"w%d.%d" % (w, k), b"v%d" % k
            r = await c.put(key, val, session=s)
            assert r.status == OK
            acked[key] = val

    async def killer() -> int:
        killed = 0
        while killed < kills and not done.is_set():
            await asyncio.sleep(0.4)
            lead = await cluster.wait_for_leader(d, 10)
            assert lead is not None
            pid = cluster.pid_of(d, lead)
            os.kill(pid, signal.SIGKILL)
            killed += 1
            await asyncio.sleep(0.3)
            cluster.start_node(d, lead)  # the killed node comes back with its data
        return killed

    kill_task = asyncio.create_task(killer())
    await asyncio.gather(*(writer(w) for w in range(sessions)))
    done.set()
    killed = await kill_task
    # every acknowledged write is readable (linearizable reads through the leader)
    for key, val in acked.items():
        r = await c.get(key)
        assert r.value == val, f"acknowledged write {key!r} lost"
    await c.close()
    return acked, killed


def _run(tmp_path, kills: int, writes: int, budget: float, **settings) -> None:
    cluster.start(tmp_path, 3, **settings)
    t = time.monotonic()
    try:
        acked, killed = asyncio.run(_kill_leader_under_load(tmp_path, kills, writes))
        assert killed == kills and len(acked) == writes
        assert time.monotonic() - t < budget
        sts = asyncio.run(cluster.statuses(tmp_path, 2))
        assert all(s is not None for s in sts.values())  # every node is back
        assert sum(s["role"] == "Leader" for s in sts.values()) == 1
    finally:
        cluster.stop(tmp_path)
    # after a clean stop and restart the data is still there
    cluster.start(tmp_path, 3)
    try:
        async def check() -> None:
            c = KVClient.from_dir(tmp_path)
            for key, val in list(acked.items())[:: max(1, len(acked) // 50)]:
                assert (await c.get(key)).value == val
            await c.close()

        asyncio.run(check())
    finally:
        cluster.stop(tmp_path)


def test_kill_the_leader_once_during_writes(tmp_path):
    _run(tmp_path, kills=1, writes=400, budget=30)


def test_kill_the_leader_with_snapshots_every_50_entries(tmp_path):
    """Log compaction (the write-ahead log rewritten from what it tracked) under the same kill -9 and restarts."""
    _run(tmp_path, kills=1, writes=400, budget=30, snapshot_every=50)
    for i in (1, 2, 3):
        assert (tmp_path / f"node-{i}" / "wal" / "snapshot.bin").exists()


@pytest.mark.slow
def test_kill_the_leader_repeatedly_during_writes(tmp_path):
    _run(tmp_path, kills=6, writes=6000, budget=180)
