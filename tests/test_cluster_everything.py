"""Issue 17's whole story in one real cluster: snapshots every 60 entries, writers throughout, a server added
while the leader is killed (-9), leadership handed to a paused target while the old leader is killed (-9), a
server removed, leadership handed over again to completion. No acknowledged write is lost, the members agree on
the configuration, one leader per term, and `paxraft audit --spec raft` explains every event of every node."""

from __future__ import annotations

import asyncio
import json
import random
import signal
from pathlib import Path

import pytest
from test_impl_cluster import kill
from test_membership_cluster import add_a_server_while_the_leader_is_killed, configurations_by_term, the_members_agree
from test_transfer_cluster import (
    Writes,
    _audit,
    _counts,
    _in_thread,
    _pause,
    _traces,
    _try_transfer,
    leaders_by_term,
    start_a_transfer_to_a_paused_target,
)

from impl.runtime import cluster


async def _everything(d: Path, writes: int, rng: random.Random) -> tuple[dict[bytes, bytes], int, list[str]]:
    """The four steps under ``writes`` (at least) concurrent writes: the acked writes, the node removed and the
    two transfers' outcomes."""
    load = Writes(d, writes)
    writers = asyncio.gather(*(load.writer(w) for w in range(load.sessions)))
    await load.reached(writes // 5)
    await add_a_server_while_the_leader_is_killed(d, 4, load, rng)  # (1)
    nodes = json.loads((d / "cluster.json").read_text())["nodes"]
    load.client.ports[4] = nodes["4"]  # node 4 may lead from now on: the writers must reach it
    members = [1, 2, 3, 4]
    await load.reached(writes * 2 // 5)
    lead, target, moving = await start_a_transfer_to_a_paused_target(d, members, rng)  # (2)
    assert not writers.done()
    kill(d, lead)
    _pause(d, target, signal.SIGCONT)
    await asyncio.sleep(rng.uniform(0.05, 0.3))
    cluster.start_node(d, lead)
    outcomes = [await moving]
    await load.reached(writes * 3 // 5)
    await cluster.settle(d, members, 20)
    lead = await cluster.wait_for_leader(d, 30)
    assert lead is not None, "no leader within 30 s"
    gone = rng.choice([i for i in members if i != lead])
    # (3) (a leader elected just before, that has not committed in its term yet, is asked again by the client)
    await _in_thread(cluster.remove_node, d, gone, 30.0)
    members.remove(gone)
    await load.reached(writes * 4 // 5)
    for _attempt in range(3):  # (4) a node restarted before may still be reconnecting to the leader (under load)
        await cluster.settle(d, members, 20)
        outcomes.append(await _in_thread(_try_transfer, d, None))
        if outcomes[-1].startswith("moved "):
            break
    assert outcomes[-1].startswith("moved "), outcomes
    load.stop = True
    await writers
    await load.check_acked()
    return load.acked, gone, outcomes


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compact_install_add_transfer_remove_transfer_under_kills_is_explained(tmp_path, capsys, seed):
    d = tmp_path
    cluster.start(d, 3, snapshot_every=60, election_ticks=50)
    try:
        acked, gone, outcomes = asyncio.run(_everything(d, 600, random.Random(seed)))
        assert len(acked) >= 600
        assert the_members_agree(d, sorted({1, 2, 3, 4} - {gone}))[gone] is None
    finally:
        cluster.stop(d)
    out = _audit(d, capsys)
    assert out["verdict"] == "ok" and out["audited"] == out["events"], out.get("failure")
    files = _traces(d)
    assert len(files) == 4
    assert all(len(nodes) == 1 for nodes in leaders_by_term(files).values()), leaders_by_term(files)
    assert all(len(c) == 1 for c in configurations_by_term(files).values())
    counts = _counts(files)
    print(f"seed {seed}: {out['events']} events, transfers {outcomes}, removed {gone}:", dict(sorted(counts.items())))
    for kind in ("CompactLog", "AddServer", "RemoveServer", "TransferLeadership", "HandleTimeoutNow"):
        assert counts.get(kind, 0) >= 1, (kind, counts)
    assert counts.get("InstallSnapshot", 0) + counts.get("HandleInstallSnapshotRequest", 0) >= 1, counts
    assert counts["Restart"] == 2, counts  # the leader killed during the add, the old leader during the transfer
