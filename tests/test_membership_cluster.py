"""Membership changes in a real cluster (`paxraft cluster add/remove`) under writes and kill -9: no
acknowledged write is lost, the change completes, and `paxraft audit` explains every node's trace."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time

import pytest
from test_impl_cluster import Load, kill

from impl.kv.client import KVClient
from impl.kv.protocol import REFUSED
from impl.runtime import cluster
from impl.runtime.server import CUT_FILE
from modelcheck.audit.raft_map import RaftMapping
from modelcheck.cli import main
from modelcheck.harness import read_node_traces as read_traces


async def _in_thread(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


async def _wait_started(d, node: int, wait: float = 20.0) -> None:
    deadline = time.monotonic() + wait
    while cluster.pid_of(d, node) is None:
        assert time.monotonic() < deadline, f"node {node} did not start"
        await asyncio.sleep(0.01)


async def add_a_server_while_the_leader_is_killed(d, new: int, load: Load, rng: random.Random) -> int:
    """Add node ``new``; kill (-9) the leader while it catches up or its configuration entry is in flight (and
    ``load`` is still writing), and bring it back with its data; the add completes. Returns the leader killed."""
    first = await cluster.wait_for_leader(d, 30)
    assert first is not None, "no leader within 30 s"
    adding = asyncio.ensure_future(_in_thread(cluster.add_node, d, 60.0))
    await _wait_started(d, new)
    await asyncio.sleep(rng.uniform(0.0, 0.3))
    kill(d, first)
    assert load.writing()  # (a Writes load goes on past its target: on a busy machine the add may take that long)
    await asyncio.sleep(rng.uniform(0.05, 0.3))
    cluster.start_node(d, first)
    assert (await adding)[0] == new
    return first


async def _changes_under_kills(d, writes: int, rng: random.Random) -> tuple[dict[bytes, bytes], int, int]:
    """Writes throughout; node 4 is added while the leader is killed (mid catch-up or mid change), then a
    member is removed while node 4 is killed; each victim comes back with its data. Returns the acked writes,
    the node removed and the first leader."""
    # the writers go on until the removal is made: on a quiet machine 300 writes were all acknowledged before the
    # added node had started, and the leader's kill landed on an idle cluster (2 of 4 runs failed 'load.writing()')
    load = Load(d, writes, until_stopped=True)
    writers = asyncio.gather(*(load.writer(w) for w in range(load.sessions)))
    await load.reached(writes // 5)
    first = await add_a_server_while_the_leader_is_killed(d, 4, load, rng)
    await load.reached(writes * 3 // 5)
    lead = await cluster.wait_for_leader(d, 30)
    assert lead is not None, "no leader within 30 s after the add"
    gone = rng.choice([i for i in (1, 2, 3) if i != lead])
    removing = asyncio.ensure_future(_in_thread(cluster.remove_node, d, gone, 30.0))
    await asyncio.sleep(rng.uniform(0.0, 0.2))
    kill(d, 4)  # the added node, while the removal is in flight
    await asyncio.sleep(rng.uniform(0.05, 0.3))
    cluster.start_node(d, 4)
    await removing
    load.stop()
    await writers
    await load.check_acked()
    return load.acked, gone, first


def configurations_by_term(files: list[str]) -> dict[int, set[tuple[int, ...]]]:
    """For each term, the configurations (node ids) its leaders were elected under, read off the traces."""
    events, _ = read_traces(files)
    mapping = RaftMapping.from_events(events)
    out: dict[int, set[tuple[int, ...]]] = {}
    for e in events:
        p = mapping.prepare(e)  # (each event in order: a log is decoded as the delta to the one before)
        if e.action == "BecomeLeader":
            config = mapping.spec.ConfigOf(p.log)[0]
            out.setdefault(p.term, set()).add(tuple(sorted(mapping.nodes[k] for k in config)))
    return out


def the_members_agree(d, members: list[int]) -> dict[int, dict | None]:
    """Wait (30 s at most) until every one of ``members`` reports the configuration ``members``; the statuses."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # a node killed late catches up with the latest configuration
        sts = asyncio.run(cluster.statuses(d, 2))
        if all(sts[i] is not None and sts[i]["members"] == members for i in members):
            return sts
        time.sleep(0.1)
    raise AssertionError(f"the members do not agree on the configuration {members}: {sts}")


def _run(tmp_path, writes: int, seed: int, capsys) -> None:
    cluster.start(tmp_path, 3, snapshot_every=60)
    try:
        acked, gone, _ = asyncio.run(_changes_under_kills(tmp_path, writes, random.Random(seed)))
        assert len(acked) >= writes
        assert the_members_agree(tmp_path, sorted({1, 2, 3, 4} - {gone}))[gone] is None
    finally:
        cluster.stop(tmp_path)
    assert json.loads((tmp_path / "cluster.json").read_text())["removed"] == [gone]
    capsys.readouterr()
    files = [str(p) for p in cluster.trace_files(tmp_path)]
    assert len(files) == 4
    assert main(["audit", "--spec", "raft", *files, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "ok" and out["audited"] == out["events"]
    terms = configurations_by_term(files)  # one configuration per term, and the elections saw the changes
    assert all(len(c) == 1 for c in terms.values()) and {c for cs in terms.values() for c in cs} >= {(1, 2, 3)}


def test_add_and_remove_a_server_while_the_leader_and_the_new_server_are_killed(tmp_path, capsys):
    _run(tmp_path, writes=300, seed=1, capsys=capsys)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [2, 3, 4, 5])
def test_changes_under_kills_many_seeds(tmp_path, capsys, seed):
    _run(tmp_path, writes=600, seed=seed, capsys=capsys)


def test_bad_membership_changes_are_one_line_exit_2(tmp_path, capsys):
    cluster.start(tmp_path, 1)
    try:
        assert main(["cluster", "remove", "--dir", str(tmp_path), "--node", "1"]) == 2
        assert capsys.readouterr().err.strip().endswith("node 1 was not removed: node 1 is the last member")
        assert main(["cluster", "remove", "--dir", str(tmp_path), "--node", "7"]) == 2
        err = capsys.readouterr().err.strip()
        assert err.endswith("--node 7 is not a node of this cluster (its nodes: 1)") and len(err.splitlines()) == 1
        assert main(["cluster", "remove", "--dir", str(tmp_path)]) == 2
        assert capsys.readouterr().err.strip().endswith("remove needs --node N")
        assert main(["cluster", "add", "--dir", str(tmp_path)]) == 0
        assert "node 2: pid" in capsys.readouterr().out
        assert main(["cluster", "status", "--dir", str(tmp_path)]) == 0
        assert capsys.readouterr().out.splitlines()[-1] == "configuration: 1, 2 (the leader's, from index 2)"
        assert main(["cluster", "remove", "--dir", str(tmp_path), "--node", "2"]) == 0
        capsys.readouterr()
        # (recover-node of a removed node set its storage aside, started it and waited --wait for it to catch up)
        assert main(["cluster", "recover-node", "--dir", str(tmp_path), "--node", "2", "--wait", "3"]) == 2
        assert capsys.readouterr().err.strip().endswith(
            "node 2 was removed from the configuration (`cluster remove`): no leader sends it anything to catch up "
            "with; `cluster add` adds a new node")
        assert not list((tmp_path / "node-2").glob("wal.damaged-*")) and cluster.pid_of(tmp_path, 2) is None
        pid = cluster.start_node(tmp_path, 2)  # (by hand: a removed node that runs was shown as stopped)
        line = ""
        for _ in range(100):  # (a bound: until it answers)
            main(["cluster", "status", "--dir", str(tmp_path)])
            line = next(x for x in capsys.readouterr().out.splitlines() if x.split()[0] == "2")
            if "still running" in line:
                break
            time.sleep(0.2)
        assert line.split() == ["2", str(pid), "removed", "still", "running:", "`cluster", "stop`", "stops", "it"]
    finally:
        cluster.stop(tmp_path)


def test_a_refused_add_is_rolled_back_and_the_next_add_goes_on_from_its_folder(tmp_path, capsys, monkeypatch):
    """A `cluster add` the leader refused left the new node's id and port in cluster.json: not a member, and
    started by every `cluster start`. Now (the leader's answer replaced by a refusal: the change is never asked)
    cluster.json's nodes are as before and node 4 is stopped, its folder and trace kept; `start` leaves it alone;
    the next add takes id 4 again on a new port and goes on from that folder; the audit explains every trace."""
    d = tmp_path
    cluster.start(d, 3)
    try:
        assert main(["kv", "put", "a", "1", "--dir", str(d)]) == 0
        nodes = json.loads((d / "cluster.json").read_text())["nodes"]

        async def refused(directory, op, node, wait):
            deadline = time.monotonic() + 20  # (a leader refuses once the node has caught up, or at once)
            while (await cluster.statuses(directory))[node] is None:  # it runs, and has written its trace
                assert time.monotonic() < deadline, f"node {node} did not come up"
                await asyncio.sleep(0.05)
            client = KVClient.from_dir(directory, timeout=10)  # a change request links the leader to node 4's
            try:  # port (refused: not a member), so that the next add must make it follow the new port
                assert (await client.change("remove", node)).kind == REFUSED
            finally:
                await client.close()
            return False, "refused for the test"

        monkeypatch.setattr(cluster, "_change", refused)
        capsys.readouterr()
        assert main(["cluster", "add", "--dir", str(d)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.endswith("node 4 was not added: refused for the test; cluster.json is as before (node-4/ is kept: "
                            "its trace is part of the run the audit reads, and the next add goes on from it)"), err
        assert json.loads((d / "cluster.json").read_text())["nodes"] == nodes
        assert cluster.pid_of(d, 4) is None and (d / "node-4" / "trace.bin").exists()
        assert main(["cluster", "start", "--dir", str(d)]) == 0
        assert cluster.pid_of(d, 4) is None and "node 4" not in capsys.readouterr().out
        monkeypatch.undo()
        assert main(["cluster", "add", "--dir", str(d)]) == 0
        assert "node 4: pid" in capsys.readouterr().out
        the_members_agree(d, [1, 2, 3, 4])
        assert main(["kv", "put", "b", "2", "--dir", str(d)]) == 0
    finally:
        cluster.stop(d)
    files = [str(p) for p in cluster.trace_files(d)]
    assert len(files) == 4
    capsys.readouterr()
    assert main(["audit", "--spec", "raft", *files]) == 0
    assert "OK: every event is explained" in capsys.readouterr().out


def test_an_add_cut_short_after_cluster_json_is_taken_up_by_the_next_add(tmp_path, capsys, monkeypatch):
    """`cluster add` interrupted (Ctrl-C, kill) once it had written node 4 into cluster.json, before the leader
    heard of it: node 4 stayed named there, a node of no configuration that every `cluster start` started, while
    the next add took id 5. Now the next add goes on with node 4: cluster.json names the members, no more."""
    d = tmp_path
    cluster.start(d, 3)
    try:
        assert main(["kv", "put", "a", "1", "--dir", str(d)]) == 0

        def interrupted(directory, node):
            raise KeyboardInterrupt

        monkeypatch.setattr(cluster, "start_node", interrupted)
        with pytest.raises(KeyboardInterrupt):
            cluster.add_node(d, wait=10)
        monkeypatch.undo()
        assert "4" in json.loads((d / "cluster.json").read_text())["nodes"]
        assert main(["cluster", "start", "--dir", str(d)]) == 0  # (it starts node 4, in no configuration)
        capsys.readouterr()
        assert main(["cluster", "add", "--dir", str(d)]) == 0
        assert "node 4: pid" in capsys.readouterr().out
        the_members_agree(d, [1, 2, 3, 4])
        assert sorted(map(int, json.loads((d / "cluster.json").read_text())["nodes"])) == [1, 2, 3, 4]
        assert main(["kv", "put", "b", "2", "--dir", str(d)]) == 0
    finally:
        cluster.stop(d)


def test_an_add_whose_node_stops_is_answered_at_once_and_the_retry_of_its_id_goes_on(tmp_path, capsys):
    """A new node that refuses to start (here: a damaged trace.bin in its folder): `cluster add` waited all of
    --wait and said only that no answer came, keeping it in cluster.json. Now it says why at once and rolls
    back. The leader still holds that node as a learner being added: a retry of the same id was refused ("being
    added already") for as long as it led; the newer request now answers for it."""
    d = tmp_path
    cluster.start(d, 3)
    try:
        assert main(["kv", "put", "a", "1", "--dir", str(d)]) == 0
        nodes = json.loads((d / "cluster.json").read_text())["nodes"]
        (d / "node-4").mkdir()
        (d / "node-4" / "trace.bin").write_bytes(b"garbage")
        capsys.readouterr()
        assert main(["cluster", "add", "--dir", str(d), "--wait", "20"]) == 2
        err = capsys.readouterr().err
        assert "node 4 was not added: it stopped before it was added (" in err and "not a compact trace" in err
        assert "cluster.json is as before" in err
        assert json.loads((d / "cluster.json").read_text())["nodes"] == nodes
        (d / "node-4" / "trace.bin").unlink()
        assert main(["cluster", "add", "--dir", str(d), "--wait", "20"]) == 0
        assert "node 4: pid" in capsys.readouterr().out
        the_members_agree(d, [1, 2, 3, 4])
        assert main(["kv", "put", "b", "2", "--dir", str(d)]) == 0
    finally:
        cluster.stop(d)
    capsys.readouterr()
    assert main(["audit", "--spec", "raft", *map(str, cluster.trace_files(d))]) == 0
    assert "OK: every event is explained" in capsys.readouterr().out


def test_an_add_onto_a_folder_copied_from_another_node_is_refused_in_one_line(tmp_path, capsys):
    """node-4/ a copy of node-1/ (its log names node 1): the add ended in "internal error: WALError ... a bug in
    paxraft", exit 4. Now one line with the way out, exit 2, and cluster.json unchanged."""
    import shutil

    cluster.create(tmp_path, 3)
    cluster.init_node(tmp_path, 1)
    shutil.copytree(tmp_path / "node-1", tmp_path / "node-4")
    nodes = json.loads((tmp_path / "cluster.json").read_text())["nodes"]
    capsys.readouterr()
    assert main(["cluster", "add", "--dir", str(tmp_path), "--wait", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(f"node 4 was not added: its folder cannot be used ({tmp_path}/node-4/wal/wal.log: the log of "
                        f"node 1 of this cluster, not of node 4 (folders swapped or copied?)); move {tmp_path}/node-4 "
                        "aside and add again"), err
    assert json.loads((tmp_path / "cluster.json").read_text())["nodes"] == nodes


def test_a_refused_add_stays_in_cluster_json_while_a_configuration_with_it_may_commit(tmp_path, monkeypatch):
    """The rollback's rule: only from a leader whose latest configuration, committed, does not hold the node and
    that has committed an entry of its term (then no configuration with it can ever commit); otherwise the node
    stays in cluster.json (stopped) and the line says why."""
    cluster.create(tmp_path, 3)
    desc = cluster.load(tmp_path)
    desc["nodes"]["4"] = 40000
    cluster.save(tmp_path, desc)
    ok = {"role": "Leader", "members": [1, 2, 3], "config_index": 1, "commit": 5, "term": 2, "commit_term": 2}
    for lead in ({**ok, "members": [1, 2, 3, 4]}, {**ok, "config_index": 6}, {**ok, "commit_term": 1}, None):

        async def statuses(directory, wait=0.5, lead=lead):
            return {1: lead, 2: None, 3: {**ok, "role": "Follower"}}

        monkeypatch.setattr(cluster, "statuses", statuses)
        why = cluster._roll_back_add(tmp_path, 4)
        assert why == ("node 4 stays in cluster.json (stopped; `cluster start` starts it): no leader that has "
                       "committed an entry of its term says it holds no configuration with it")
        assert "4" in cluster.load(tmp_path)["nodes"]
    monkeypatch.setattr(cluster, "statuses", lambda directory, wait=0.5: asyncio.sleep(0, {1: ok}))
    assert cluster._roll_back_add(tmp_path, 4).startswith("cluster.json is as before")
    assert "4" not in cluster.load(tmp_path)["nodes"]


def _cut(d, cuts: dict[int, list[int]]) -> None:
    """The partition hook (modelcheck/nemesis.py's): node i drops every message to and from ``cuts[i]``."""
    for i in (1, 2, 3):
        f = d / f"node-{i}" / CUT_FILE
        if cuts.get(i):
            f.write_text(json.dumps(cuts[i]))
        else:
            f.unlink(missing_ok=True)
        os.kill(cluster.pid_of(d, i), signal.SIGUSR1)


def test_a_member_cut_off_while_a_higher_node_was_added_and_took_over_catches_up(tmp_path):
    """Node 2 is cut off while node 4 is added and then leads (a transfer). The lower id dials, and node 2 linked
    to a node added since it started only on that node's hello, on a configuration naming it, or on a client's
    request to add it (`cluster add` asks node 1 first, which is why the cut node is 2): none could come, so node
    2, a member, never heard from its leader again and stayed behind for good (the nemesis: `not recovered: node
    5: applied 1004 of 1191`, membership changes under partitions). It rereads cluster.json once it changes (the
    idle sweep), links to node 4, and catches up."""
    d = tmp_path
    cluster.start(d, 3, partition_hook=True)
    try:
        lead = asyncio.run(cluster.wait_for_leader(d, 30))
        if lead == 2:
            cluster.transfer(d, 3)
        _cut(d, {2: [1, 3], 1: [2], 3: [2]})
        assert cluster.add_node(d, 30)[0] == 4
        assert cluster.transfer(d, 4)[2] == 4
        _cut(d, {})

        async def writes_then_caught_up() -> tuple[int, int]:
            c = KVClient.from_dir(d)
            for k in range(20):
                await c.put(b"k%d" % k, b"v")
            await c.close()
            deadline = time.monotonic() + 20
            while True:
                sts = await cluster.statuses(d, 1.0)
                if sts[2] is not None and sts[4] is not None and sts[2]["applied"] >= sts[4]["commit"]:
                    return sts[2]["applied"], sts[4]["commit"]
                assert time.monotonic() < deadline, f"node 2 stays behind: {sts[2]}, leader {sts[4]}"
                await asyncio.sleep(0.05)

        applied, commit = asyncio.run(writes_then_caught_up())
        assert applied >= commit > 20
    finally:
        cluster.stop(d)
