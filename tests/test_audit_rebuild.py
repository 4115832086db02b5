"""A node rebuilt from empty storage by `cluster recover-node` is audited: its first boot after the rebuild is a
``Rebuild`` event (the peers whose terms gave its vote floor), the audit's ``Rebuild(i, peers)`` step
(spec/raft_rebuild.py's rule). A node that lost its log any other way is still refused, at its boot."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from collections import Counter
from pathlib import Path

from impl.kv.client import KVClient
from impl.runtime import cluster
from modelcheck.audit import audit_events, mapping_for
from modelcheck.harness import read_node_traces as read_traces


async def _write(d: Path, keys: range) -> None:
    c = KVClient.from_dir(d, timeout=20)
    for k in keys:
        await c.put(f"k{k}".encode(), f"v{k}".encode())
    await c.close()


def _kill(d: Path, node: int) -> None:
    pid = cluster.pid_of(d, node)
    assert pid is not None, f"node {node} is not running"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while cluster.pid_of(d, node) is not None:
        assert time.monotonic() < deadline, f"node {node} still there 20 s after SIGKILL"
        time.sleep(0.01)


def _follower(d: Path) -> int:
    lead = asyncio.run(cluster.wait_for_leader(d, 30))
    assert lead is not None
    return max(j for j in (1, 2, 3) if j != lead)


def _caught_up(d: Path, node: int, wait: float = 30.0) -> None:
    """Poll until ``node`` has applied what the leader committed (its boot and catch-up are in its trace then)."""
    deadline = time.monotonic() + wait
    sts: dict = {}
    while time.monotonic() < deadline:
        sts = asyncio.run(cluster.statuses(d))
        lead = next((s for s in sts.values() if s and s["role"] == "Leader"), None)
        me = sts.get(node)
        if lead and me and me["applied"] >= lead["commit"]:
            return
        time.sleep(0.1)
    raise AssertionError(f"node {node} has not caught up with the leader within {wait} s: {sts}")


def _audit(d: Path):
    events, _ = read_traces([str(p) for p in cluster.trace_files(d)])
    return events, audit_events(mapping_for("raft", events), events)


def test_a_node_rebuilt_by_recover_node_is_explained_by_the_specs_rebuild_step(tmp_path):
    d = tmp_path
    cluster.start(d, 3)
    try:
        asyncio.run(_write(d, range(10)))
        x = _follower(d)
        _kill(d, x)
        asyncio.run(_write(d, range(10, 15)))
        cluster.recover_node(d, x)  # returns once x caught up
        assert (d / f"node-{x}" / "rejoining").exists() is False
        _kill(d, x)  # a restart after the rebuild is a Restart again
        cluster.start_node(d, x)
        asyncio.run(_write(d, range(15, 20)))
        _caught_up(d, x)
    finally:
        cluster.stop(d)
    events, result = _audit(d)
    assert result.ok, result.failure and result.failure.reason
    assert result.audited == len(events)
    boots = [(e.action, e.params) for e in events if e.node == x and e.action in ("Init", "Restart", "Rebuild")]
    assert boots == [("Init", {}), ("Rebuild", {"peers": sorted({1, 2, 3} - {x})}), ("Restart", {})]


def test_a_node_that_lost_its_log_without_recover_node_is_refused_at_its_boot(tmp_path):
    d = tmp_path
    cluster.start(d, 3)
    try:
        asyncio.run(_write(d, range(10)))
        x = _follower(d)
        _kill(d, x)
        shutil.rmtree(d / f"node-{x}" / "wal")  # the log lost by hand: the node starts empty, as a new one
        cluster.init_node(d, x)
        cluster.start_node(d, x)
        asyncio.run(_write(d, range(10, 15)))
        _caught_up(d, x)
    finally:
        cluster.stop(d)
    events, result = _audit(d)
    assert not result.ok and result.failure is not None
    assert (result.failure.event.node, result.failure.event.action) == (x, "Init")
    assert Counter(e.action for e in events if e.node == x)["Init"] == 2
