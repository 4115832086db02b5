"""A Multi-Paxos replica rebuilt from its peers (impl/multipaxos/rejoin.py, the rule of spec/multipaxos_rebuild.py):
the promise it starts with, the simulation rebuilding replicas under load, and a real cluster's `recover-node`."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from impl.kv.client import KVClient
from impl.multipaxos.core import ROUND
from impl.multipaxos.rejoin import rebuilt_promise
from impl.multipaxos.rules import bug
from impl.runtime import cluster
from impl.sim.invariants import InvariantViolation
from impl.sim.multipaxos import MultiPaxosSimCluster
from impl.sim.scenario import random_run
from modelcheck.cli import main
from modelcheck.harness import KVHistoryRun
from modelcheck.linearizability import check_operations, kv_model


def test_the_rebuilt_promise_is_above_every_peers_and_needs_every_peer():
    assert rebuilt_promise(2, 3, [3 << ROUND | 1, 2 << ROUND | 3]) == 4 << ROUND  # owned by no replica (id 0)
    assert rebuilt_promise(1, 3, [0, 0]) == 1 << ROUND
    with pytest.raises(ValueError, match="the promised ballots of all 4 other nodes are needed .* 3 could be read"):
        rebuilt_promise(1, 5, [1, 2, 3])  # a majority of the others is too few (docs/multipaxos.md)


def test_replicas_rebuilt_under_faults_rejoin_and_no_acknowledged_write_is_lost():
    """Seeded hostile runs with power cuts and a replica's storage damaged then rebuilt: every slot agreed
    (Agreement[history], ChosenStable), each rebuilt replica resumed, and recover() finds every acknowledged write on
    every replica."""
    rebuilt = resumed = acked = 0
    for seed in range(10):
        c = random_run(seed, 300, cluster_class=MultiPaxosSimCluster, disk_faults=True)
        assert not c.rejoining and not c.damaged
        rebuilt, resumed, acked = rebuilt + c.stats["rebuilt"], resumed + c.stats["resumed"], acked + len(c.acked)
    assert (rebuilt, resumed, acked) == (13, 13, 123)


def _verdict(seed: int, **kw) -> tuple[str, dict[str, int]]:
    run = KVHistoryRun(seed, cluster_class=MultiPaxosSimCluster, disk_faults=True, **kw)
    try:
        ops = run.run(300)
    except InvariantViolation as exc:
        return exc.name, run.c.stats
    return check_operations(kv_model(), ops).verdict, run.c.stats


def test_client_histories_with_rebuilt_replicas_are_linearizable_and_the_gate_less_bug_is_caught():
    """The same runs with the planted bug rebuild-without-gate (a rebuilt replica promises and votes at once): seed 0
    proposes another command where one was chosen; without the bug every run's history is linearizable."""
    assert _verdict(0, rules=bug("rebuild-without-gate"))[0] == "ChosenStable"
    stats = [_verdict(seed) for seed in range(6)]
    assert [v for v, _ in stats] == ["ok"] * 6
    assert [(s["rebuilt"], s.get("resumed", 0)) for _, s in stats] == [(3, 2), (1, 0), (2, 1), (3, 2), (4, 3), (3, 2)]


def _put_some(d, n: int) -> None:
    async def go() -> None:
        c = KVClient.from_dir(d, timeout=15)
        try:
            for k in range(n):
                assert (await c.put(b"k%d" % k, b"v%d" % k)).status == 0
        finally:
            await c.close()

    asyncio.run(go())


def _get_all(d, n: int) -> list[bytes | None]:
    async def go() -> list[bytes | None]:
        c = KVClient.from_dir(d, timeout=15)
        try:
            return [(await c.get(b"k%d" % k)).value for k in range(n)]
        finally:
            await c.close()

    return asyncio.run(go())


@pytest.mark.slow  # (8 s: a cluster started twice)
def test_recover_node_rebuilds_a_multipaxos_node_whose_log_is_gone(tmp_path, capsys):
    """Processes on 127.0.0.1: node 2's log deleted, its start refused naming recover-node; recover-node rebuilds it
    (returning once it resumed), it votes again, and every write is there; with node 2 down, the others serve it."""
    d = tmp_path / "c"
    assert main(["cluster", "start", "--dir", str(d), "--protocol", "multipaxos"]) == 0
    try:
        _put_some(d, 20)
        deadline = time.monotonic() + 30
        while not all(st and st["applied"] >= 20 for st in asyncio.run(cluster.statuses(d, 2)).values()):
            assert time.monotonic() < deadline, "not every node applied the 20 writes within 30 s"
            time.sleep(0.1)
    finally:
        cluster.stop(d)
    (d / "node-2" / "wal" / "wal.log").unlink()
    capsys.readouterr()
    try:
        assert main(["cluster", "start", "--dir", str(d)]) == 1
        out = capsys.readouterr().out
        assert "node 2: down: " in out and "wal.log: missing" in out and "paxraft cluster recover-node" in out
        assert main(["cluster", "recover-node", "--dir", str(d), "--node", "2"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("node 2: rebuilt from its peers and caught up, voting again; old storage kept in ")
        st = asyncio.run(cluster.statuses(d, 2))[2]
        assert st is not None and st["rejoining"] is False and st["commit"] >= 20, st
        assert _get_all(d, 20) == [b"v%d" % k for k in range(20)]
        pid = cluster.pid_of(d, 1)  # node 1 killed: nodes 2 (rebuilt) and 3 are the majority that must choose
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while cluster.pid_of(d, 1) is not None:
            assert time.monotonic() < deadline, "node 1 still there 20 s after SIGKILL"
            time.sleep(0.01)
        _put_some(d, 25)
        assert _get_all(d, 25) == [b"v%d" % k for k in range(25)]
    finally:
        cluster.stop(d)
    # the traces, node 2's Rebuild and Resume among them, are explained by the audit (the extension's steps)
    capsys.readouterr()
    traces = sorted(str(p) for p in d.glob("node-*/trace.bin"))
    assert len(traces) == 3 and main(["audit", *traces]) == 0, capsys.readouterr()
