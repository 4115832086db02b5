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
from collections.abc import Callable
from pathlib import Path

from impl.kv.client import KVClient
from impl.runtime import cluster
from modelcheck.audit import audit_events, mapping_for
from modelcheck.harness import read_node_traces as read_traces
from tests.test_audit_cluster import _caught_up


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


def _lose_a_follower(d: Path, lose: Callable[[Path, int], None], audit: bool = True):
    """10 writes, a follower x killed and its storage lost (``lose(d, x)``, which starts it again), 5 writes, x caught
    up, the cluster stopped: (x, the events, the audit's result); x alone unless ``audit``."""
    cluster.start(d, 3)
    try:
        asyncio.run(_write(d, range(10)))
        lead = asyncio.run(cluster.wait_for_leader(d, 30))
        assert lead is not None
        x = max(j for j in (1, 2, 3) if j != lead)
        _kill(d, x)
        lose(d, x)
        asyncio.run(_write(d, range(10, 15)))
        _caught_up(d, x)
    finally:
        cluster.stop(d)
    if not audit:
        return x, None, None
    events, _ = read_traces([str(p) for p in cluster.trace_files(d)])
    return x, events, audit_events(mapping_for("raft", events), events)


def _recover_then_restart(d: Path, x: int) -> None:
    cluster.recover_node(d, x)  # returns once x caught up
    assert not (d / f"node-{x}" / "rejoining").exists()
    _kill(d, x)  # a restart after the rebuild is a Restart again
    cluster.start_node(d, x)


def _wipe(d: Path, x: int) -> None:
    shutil.rmtree(d / f"node-{x}" / "wal")  # the log lost by hand: the node starts empty, as a new one
    cluster.init_node(d, x)
    cluster.start_node(d, x)


def test_a_node_rebuilt_by_recover_node_is_explained_by_the_specs_rebuild_step(tmp_path):
    x, events, result = _lose_a_follower(tmp_path, _recover_then_restart)
    assert result.ok, result.failure and result.failure.reason
    assert result.audited == len(events)
    boots = [(e.action, e.params) for e in events if e.node == x and e.action in ("Init", "Restart", "Rebuild")]
    assert boots == [("Init", {}), ("Rebuild", {"peers": sorted({1, 2, 3} - {x})}), ("Restart", {})]


def test_a_node_whose_whole_folder_was_lost_is_rebuilt_and_catches_up(tmp_path):
    """recover-node refused a node whose folder is gone (the disk replaced: 'lock: No such file or directory'); with
    the folder made again by hand its boot count started at 0 again, below the incarnation the leader had seen
    acknowledge the old log, so the leader never lowered what it believed the node held and the node, which does
    not vote until it has caught up, waited for as long as that leader led ('not caught up within 30 s')."""
    boots = {}

    def lose_the_folder(d: Path, x: int) -> None:
        boots["old"] = int((d / f"node-{x}" / "boot").read_text())
        shutil.rmtree(d / f"node-{x}")
        assert cluster.recover_node(d, x, wait=20) is None  # (no storage was there to keep)
        boots["new"] = int((d / f"node-{x}" / "boot").read_text())

    _lose_a_follower(tmp_path, lose_the_folder, audit=False)  # (x's trace went with the folder: no audit)
    assert boots["new"] > boots["old"]


def test_a_node_that_lost_its_log_without_recover_node_is_refused_at_its_boot(tmp_path):
    x, events, result = _lose_a_follower(tmp_path, _wipe)
    assert not result.ok and result.failure is not None
    assert (result.failure.event.node, result.failure.event.action) == (x, "Init")
    assert Counter(e.action for e in events if e.node == x)["Init"] == 2
