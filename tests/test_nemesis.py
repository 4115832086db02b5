"""The nemesis run of the real store (modelcheck/nemesis.py): clients under kill -9, SIGSTOP, partitions and power
cuts, the history checked; planted bugs it must catch; the partition hook; a client escaping a stopped leader."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from impl.kv.client import ClientError, KVClient
from impl.runtime import cluster
from impl.runtime.server import CUT_FILE
from modelcheck.cli import main
from modelcheck.harness import read_node_traces
from modelcheck.linearizability import Operation, read_history
from modelcheck.nemesis import (
    FAULTS,
    KNOWN,
    Nemesis,
    Record,
    Settings,
    Step,
    operations,
    run,
    schedule,
    shortest_window,
    write_history,
)

SHORT = ("kill", "pause", "partition")  # the default run's faults (the power cut: the slow runs, skip-fsync's test)


def _faults(outcome) -> list[tuple[str, str]]:
    return [(e["fault"], e["target"]) for e in outcome.events if e["phase"] == "start"]


def _kinds(outcome) -> set[tuple[str, str]]:
    return {(r.op, r.outcome) for r in outcome.records}


def test_the_schedule_is_the_seeds():
    s = Settings(seconds=3, seed=179, faults=SHORT)
    assert schedule(s) == [Step(0.5, "kill", "leader", 0.375), Step(1.31, "partition", "leader", 0.887),
                           Step(2.948, "pause", "leader", 0.674)]
    assert [st.fault for st in schedule(Settings(seconds=30, seed=179))][:3] == ["pause", "partition", "partition"]
    # a membership step draws its companion fault and when it runs; the other faults' draws stay as they were
    assert schedule(Settings(seconds=3, seed=547, faults=(*SHORT, "member"))) == [
        Step(0.5, "kill", "follower", 0.305), Step(1.394, "member", "remove-leader", 0.725, "pause follower", False),
        Step(2.559, "member", "add", 1.487, "partition leader", False)]


SHORT_RUNS = {"multipaxos": (179, SHORT, [("kill", "leader"), ("partition", "leader"), ("pause", "leader")]),
              "raft": (547, (*SHORT, "member"), [("kill", "follower"), ("member", "remove-leader"), ("member", "add")])}


@pytest.mark.parametrize("store", ["raft", "multipaxos"])
def test_a_short_nemesis_run_is_linearizable(tmp_path, store, capsys):
    """One seed, every kind of fault but the power cut (the slow runs have it), 3 nodes, compaction every 100
    entries: the history is linearizable, nothing acknowledged is lost, every node catches up, and the nodes'
    traces are explained by the spec (paxraft audit). Raft's seed has membership changes too: the leader removed
    while a follower is stopped (at three members a node is added first), and a node added while the leader is
    cut off."""
    seed, faults, expected = SHORT_RUNS[store]
    out = run(Settings(store=store, seconds=3, seed=seed, faults=faults), tmp_path, keep=store == "raft")
    assert out.ok, out.report()
    assert _faults(out) == expected
    assert {("get", "ok"), ("put", "ok"), ("cas", "ok")} <= _kinds(out)
    assert out.counts()["ok"] > 100  # (1,000-1,500 at load 6-9: the history is not trivially short)
    assert (tmp_path / "cluster").exists() == (store == "raft")  # removed after a run that found nothing, unless kept
    if store == "raft":  # add node 4, remove the leader, add node 5, each made (the first add during the pause)
        changes = [e for e in out.events if e["phase"] == "change"]
        assert [(e["change"].split(" node")[0], e["result"]) for e in changes] == [
            ("add", "done"), ("remove", "done"), ("add", "done")], out.report()
        assert changes[1]["nodes"][0] not in changes[1]["members"] and len(changes[2]["members"]) == 4
        # the audit explained each change in the traces of the five nodes: the removed leader's step down too
        events, _ = read_node_traces([str(p) for p in cluster.trace_files(tmp_path / "cluster")])
        acts = Counter(e.action for e in events)
        assert {a: acts[a] for a in ("AddServer", "RemoveServer", "StepDownRemoved")} == {
            "AddServer": 2, "RemoveServer": 1, "StepDownRemoved": 1}, acts
        assert {e.node for e in events} == {1, 2, 3, 4, 5}
    # the history file is what the checker read, and `paxraft audit --history` passes it
    ops = operations(out.records)
    assert sorted(read_history(tmp_path / "history.jsonl"), key=repr) == sorted(ops, key=repr)
    assert main(["audit", "--history", str(tmp_path / "history.jsonl")]) == 0
    capsys.readouterr()


def test_a_planted_stale_read_is_caught_and_named(tmp_path, capsys):
    """The planted ``stale-reads`` bug (any node answers a get from what it has applied, no ReadIndex): clients
    read from their own node first, as Jepsen's do, and a follower a tick behind answers with an overwritten value:
    no fault is needed. The run fails, names the seed and the key, and the window ends at a read the checker cannot
    linearize."""
    s = Settings(seconds=1.5, seed=1, faults=(), bug="stale-reads", audit=False)  # (reads: no trace event is wrong)
    out = run(s, tmp_path)
    assert out.verdict == "illegal" and not out.ok
    report = out.report()
    assert "is not linearizable (seed 1); shortest failing window" in report
    blocked = [line for line in report.splitlines() if "cannot be linearized" in line]
    assert len(blocked) == 1 and ": get(r" in blocked[0], report
    assert "--seed 1 --faults '' --bug stale-reads" in report and "0 faults (none)" in report  # (said no --faults:
    # run again, the default faults came with it)
    assert (tmp_path / "cluster" / "node-1" / "node.log").exists()  # kept: the evidence
    assert main(["audit", "--history", str(tmp_path / "history.jsonl")]) == 1
    capsys.readouterr()


def test_a_stale_multipaxos_leader_answering_reads_is_caught(tmp_path):
    """The planted Multi-Paxos ``stale-local-read`` (a self-believed leader answers reads from its own copy) under the
    ``stale-leader`` fault: the leader stopped, cut off while stopped (the others drop every message to and from it,
    so nothing of their new leader reaches it), resumed still cut off. Until check-quorum deposes it, it answers
    the reads of the clients homed on it with values the new leader's writes replaced. Plain pauses and partitions
    did not catch it (a resumed leader reads the new leader's queued messages at once; a cut-off one steps down
    about when the others elect).

    Real processes on a shared machine: at a load of 11 on 2 cores, one run in a few answered no stale read before
    check-quorum deposed the leader ("ok"). So up to three seeds, each a full run of its own: the bug must be caught
    by one of them (without the bug no run is "illegal"; quiet, the first catches it)."""
    reports = []
    for seed in (1, 2, 3):
        out = run(Settings(store="multipaxos", seconds=1, seed=seed, faults=("stale-leader",), bug="stale-local-read",
                           clients=8, keys=1, audit=False),  # (8 clients on one key: 4 runs in 5 caught it with 4 on 3)
                  tmp_path / f"seed-{seed}")
        assert _faults(out) == [("stale-leader", "leader")]
        if out.verdict == "illegal":
            assert "cannot be linearized" in out.report()
            return
        reports.append(out.report())
    pytest.fail("stale-local-read was not caught in 3 runs:\n" + "\n".join(reports))


def test_a_planted_missing_fsync_loses_acknowledged_writes_at_a_power_cut(tmp_path):
    """``skip-fsync`` (acknowledged before durable) under the nemesis's power cut: the acknowledged writes of fresh
    keys are gone at the end, and the registers' reads after the cut are not linearizable. Compaction off: a snapshot
    is synced whatever the bug, and a cut just after one (1 run in 16) left no acknowledged fresh key to lose."""
    s = Settings(seconds=1, seed=0, faults=("power",), bug="skip-fsync", snapshot_every=0, audit=False)
    out = run(s, tmp_path)
    assert _faults(out) == [("power", "all")]
    assert out.lost and out.verdict == "illegal", out.report()
    # the fresh puts lost are ones acknowledged before the nodes came back (their log records never synced), no other:
    # one answered after the restart is in the page caches, which no second cut empties (it read back in about 1 run
    # in 5 under load, when this asserted every acknowledged fresh put lost). Not "all of them": an fsync the bug does
    # not skip (a term's, after an election the load brings on) keeps the records before it. The fault's start is
    # noted before the kills: a put answered between the note and the last kill is lost too (1 run in 8)
    back = next(e["time"] for e in out.events if e["phase"] == "end")
    before = {f"{r.key}={r.value} (read None)" for r in out.records
              if r.key.startswith("f") and r.op == "put" and r.outcome == "ok" and r.ret is not None and r.ret < back}
    assert set(out.lost) <= before
    assert all("(read None)" in w for w in out.lost)
    assert f"{len(out.lost)} acknowledged writes lost" in out.report()


def test_the_shortest_window_is_the_stale_read():
    o = Operation
    ops = [o(1, ("put", "x", "a"), None, 0, 1), o(2, ("get", "x"), "a", 2, 3), o(1, ("put", "x", "b"), None, 4, 5),
           o(2, ("get", "x"), "b", 6, 7), o(3, ("get", "x"), "a", 8, 9), o(1, ("put", "x", "c"), None, 10, 11)]
    start, end, inside, values, why = shortest_window(ops)
    # the read of a alone: once the put of b was answered (before the read was called), a is gone for good
    assert (start, end, values) == (8, 9, {"b"})
    assert inside == [ops[4]]
    assert "get(x) -> a [8, 9] cannot be linearized in state b" in why


def test_a_window_does_not_lean_on_a_read_made_before_it():
    """A read called before the window (``A``, which may have read 5 between the two puts) is not in it, and 5 is no
    value the key can hold once the put of 6 was answered: the window is the stale read alone. (Taking every
    operation overlapping the window with every value written before it made [1.5, 5] with ``A`` in it fail,
    though ``A``, ``B`` and the puts are linearizable.)"""
    o = Operation
    ops = [o(1, ("put", "x", 5), None, 0.1, 0.2), o(2, ("get", "x"), 5, 0.15, 3), o(1, ("put", "x", 6), None, 0.3, 0.4),
           o(3, ("get", "x"), 6, 1.5, 2), o(3, ("get", "x"), 5, 4, 5)]
    start, end, inside, values, why = shortest_window(ops)
    assert (start, end, inside, values) == (4, 5, [ops[4]], {6})
    assert "get(x) -> 5 [4, 5] cannot be linearized in state 6" in why


def test_the_checked_history_reads_a_failed_cas_and_leaves_out_writes_nobody_saw(tmp_path):
    """A compare-and-set answered false is the read of the value the store said the key held; a write never answered
    is kept when some operation saw its value (a read, a compare-and-set that took effect on it), else left out."""
    recs = [Record(0, 0, "cas", "r0", "c0.1", "x", 0.0, 0.1, "ok", False, held=["c9.9"]),
            Record(1, 0, "put", "r0", "c0.2", call=0.2),  # never answered, read below
            Record(2, 1, "put", "r0", "c1.1", call=0.2),  # never answered, never seen: left out
            Record(3, 2, "put", "r0", "c2.1", call=0.2),  # never answered, a cas took effect on it
            Record(4, 3, "get", "r0", call=0.3, ret=0.4, outcome="ok", output="c0.2"),
            Record(5, 3, "cas", "r0", "c3.1", "c2.1", 0.5, 0.6, "ok", True)]
    o = Operation
    assert operations(recs) == [o(0, ("get", "r0"), "c9.9", 0.0, 0.1), o(0, ("put", "r0", "c0.2"), "?", 0.2, None),
                                o(2, ("put", "r0", "c2.1"), "?", 0.2, None), o(3, ("get", "r0"), "c0.2", 0.3, 0.4),
                                o(3, ("cas", "r0", "c2.1", "c3.1"), True, 0.5, 0.6)]
    write_history(tmp_path / "h.jsonl", recs)
    assert sorted(read_history(tmp_path / "h.jsonl"), key=repr) == sorted(operations(recs), key=repr)


def test_the_partition_hook_cuts_the_leader_off_and_heals(tmp_path):
    """``"partition_hook": true``: a leader whose cut file names both peers (and theirs it) loses leadership to a
    new leader in a higher term; removing the files reconnects it. Without the hook the file is ignored."""
    d = tmp_path / "c"
    cluster.start(d, 3, partition_hook=True)
    try:
        async def go() -> None:
            lead = await cluster.wait_for_leader(d, 20)
            assert lead is not None
            term = (await cluster.statuses(d))[lead]["term"]
            others = [i for i in (1, 2, 3) if i != lead]
            for i in (1, 2, 3):
                (d / f"node-{i}" / CUT_FILE).write_text(json.dumps(others if i == lead else [lead]))
                os.kill(cluster.pid_of(d, i), signal.SIGUSR1)
            deadline = time.monotonic() + 20
            while True:
                sts = await cluster.statuses(d)
                new = [i for i in others if sts[i] and sts[i]["role"] == "Leader" and sts[i]["term"] > term]
                if new and sts[lead]["role"] != "Leader":
                    break
                assert time.monotonic() < deadline, sts
                await asyncio.sleep(0.05)
            for i in (1, 2, 3):
                (d / f"node-{i}" / CUT_FILE).unlink()
                os.kill(cluster.pid_of(d, i), signal.SIGUSR1)
            c = KVClient.from_dir(d)
            await c.put(b"k", b"v")
            while (await cluster.statuses(d))[lead]["applied"] < (await cluster.statuses(d))[new[0]]["commit"]:
                assert time.monotonic() < deadline + 20
                await asyncio.sleep(0.05)
            await c.close()

        asyncio.run(go())
        assert "cut off from" in (d / "node-1" / "node.log").read_text()
    finally:
        cluster.stop(d)


def test_healing_a_partition_leaves_a_node_an_add_is_starting_alone(tmp_path):
    """A membership change during a partition starts a new node; the heal signals (SIGUSR1) the nodes it gave a cut
    file, not that one: a SIGUSR1 before a node has installed its handler ends it (the default action), and the add
    failed, 'node 4 was not added: it stopped before it was added (not running)' (seed 20, 30 s, membership
    faults), when the heal signalled every node of cluster.json."""
    d = tmp_path / "c"
    cluster.start(d, 3, partition_hook=True)
    try:
        nemesis = Nemesis(d, [1, 2, 3], time.monotonic(), 0.2)
        nemesis.partition([1])
        desc = cluster.load(d)  # node 4 as `cluster add` makes it, started
        desc.setdefault("members", cluster.members(desc))
        desc["nodes"]["4"] = cluster.free_ports(1)[0]
        cluster.init_node(d, 4, desc=desc)
        cluster.save(d, desc)
        pid = cluster.start_node(d, 4)
        nemesis.unpartition()  # (at once: the new process is still starting)
        deadline = time.monotonic() + 20
        while "listening" not in (d / "node-4" / "node.log").read_text():
            assert cluster.pid_of(d, 4) == pid, "node 4 ended while it started"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert not any((d / f"node-{i}" / CUT_FILE).exists() for i in (1, 2, 3))
        asyncio.run(nemesis.status.close())
    finally:
        cluster.stop(d)


def test_a_client_with_a_short_timeout_escapes_a_stopped_leader(tmp_path):
    """A call that times out on a stopped (SIGSTOP) leader leaves the next call to start at the next node: with a
    timeout no longer than one attempt, every call used to go to the stopped node until it came back."""
    d = tmp_path / "c"
    cluster.start(d, 3)
    pid = None
    try:
        async def go() -> int:
            nonlocal pid
            lead = await cluster.wait_for_leader(d, 20)
            assert lead is not None
            c = KVClient.from_dir(d, timeout=0.5)
            await c.put(b"k", b"0")
            assert c.leader == lead
            pid = cluster.pid_of(d, lead)
            os.kill(pid, signal.SIGSTOP)
            failed = 0
            try:
                for n in range(20):  # at most ~10 s; the others elect within ~0.5 s
                    try:
                        await c.put(b"k", b"%d" % n)
                        return failed
                    except ClientError:
                        failed += 1
                raise AssertionError("20 calls in a row went unanswered while a majority was up")
            finally:
                await c.close()

        failed = asyncio.run(go())
        assert failed >= 1
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGCONT)
        cluster.stop(d)


@pytest.mark.slow
@pytest.mark.parametrize("store,nodes", [("raft", 3), ("raft", 5), ("multipaxos", 3), ("multipaxos", 5)])
def test_longer_nemesis_runs_with_every_fault(tmp_path, store, nodes):
    """Every fault, power cuts and bridges included (membership changes: Raft's), 20 s a seed, seeds 0-2."""
    faults = KNOWN if store == "raft" else tuple(f for f in KNOWN if f != "member")
    for seed in range(3):
        out = run(Settings(store=store, nodes=nodes, seconds=20, seed=seed, faults=faults), tmp_path / str(seed))
        assert out.ok, out.report()
        assert len(_faults(out)) >= 5
        assert [f for f, _ in _faults(out)] == [st.fault for st in schedule(out.settings)]


@pytest.mark.slow
def test_membership_changes_under_faults_many_seeds(tmp_path):
    """Raft, 3 nodes, seeds 0-7, 12 s each, a membership change three times as likely as each other fault (each
    change during a kill, pause, partition or power cut, just after one, or alone): linearizable, nothing lost,
    every node back, every trace explained (the audit refused a leader's Restart after a power cut took its last,
    unsynced entry, seed 8 of a 20 s run: RestartLosingUnsynced now), and most changes made."""
    made = asked = 0
    for seed in range(8):
        out = run(Settings(seconds=12, seed=seed, faults=("member", "member", "member", *FAULTS)), tmp_path / str(seed))
        assert out.ok, out.report()
        changes = [e for e in out.events if e["phase"] == "change"]
        asked += len(changes)
        made += sum(e["result"] == "done" for e in changes)
    assert made >= asked * 2 // 3 and made >= 20, (made, asked)


@pytest.mark.slow
def test_a_leader_counting_a_learner_is_caught_by_the_trace_audit(tmp_path):
    """The planted ``count-learners`` (a leader counts a server it is adding, still catching up and in no
    configuration, toward commitment and CheckQuorum): a node added while the leader is cut off (election timeout
    1 s, so that the new node's process is up before CheckQuorum would depose the leader). The new node is in no
    cut file, reaches the old leader, and with it that leader commits alone and acknowledges writes the others,
    electing their own leader, never see. The audit stops at that commit ('only on node(s) 1, 4: not a quorum');
    the history mostly fails too (2026-12-06: 5 seeds of these 6 caught by the audit, 4 not linearizable, 3 with
    acknowledged writes lost, e.g. seed 95: f1.80 and f2.85). With the default 200 ms the learner arrives after
    CheckQuorum deposed the leader and only its last catch-up acknowledgement can count: 2 runs of 4 caught, then
    0 of 8, too few for a test. The unplanted store passes the same seeds."""
    for seed in (373, 737, 824, 95, 862, 1039):  # (each: a node added during "partition leader", from 0.5 s)
        s = Settings(seconds=3, seed=seed, faults=("member", "partition"), bug="count-learners", election_ms=1000)
        out = run(s, tmp_path / str(seed))
        assert _faults(out) == [("member", "add")]
        if out.audit:
            break
    assert re.search(r"AdvanceCommitIndexTo\(i=node \d+, n=\d+\) is not enabled: entry \d+ is stored, as matchIndex "
                     r"says, only on node\(s\) \d+, 4: not a quorum", out.audit), out.report()
    assert not out.ok and "traces: NOT explained" in out.report()
    assert (tmp_path / str(seed) / "audit.txt").read_text() == out.audit + "\n"


@pytest.mark.slow
def test_a_multipaxos_leader_committing_on_a_minority_is_caught(tmp_path):
    """The planted ``commit-minority`` (a slot chosen with one AcceptReply fewer than a majority) under partitions:
    a leader cut off commits alone, and the new majority never saw those writes."""
    found = []
    for seed in range(2, 6):
        out = run(Settings(store="multipaxos", seconds=6, seed=seed, faults=("partition", "kill"),
                           bug="commit-minority"), tmp_path / str(seed))
        found.append(not out.ok)
        if not out.ok:
            break
    assert any(found)


def test_the_command_line_refuses_bad_input_in_one_line(tmp_path):
    """benchmarks/nemesis.py: an --out that is a file is one line naming it, exit status 2, nothing started; the
    settings' own refusals (the lines the command prints) name what was wrong."""
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "nemesis.py"
    (tmp_path / "f").write_text("")
    done = subprocess.run([sys.executable, str(script), "--out", str(tmp_path / "f")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and done.stdout == "", (done.stdout, done.stderr)
    assert done.stderr == f"nemesis.py: --out {tmp_path / 'f'}: cannot make {tmp_path / 'f' / 'raft-3-0'} there " \
        "(Not a directory) (see nemesis.py --help)\n"
    done = subprocess.run([sys.executable, str(script), "--seed", "-1"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (2, "")  # (--seeds refused a negative seed, --seed ran it)
    assert done.stderr == "nemesis.py: --seed must be at least 0, got -1 (see nemesis.py --help)\n"
    for bad, says in [(Settings(faults=("kill", "zap")), "unknown fault 'zap'"),
                      (Settings(store="multipaxos", bug="stale-reads"), "no planted bug of multipaxos"),
                      (Settings(nodes=2), "nodes must be 3..9, got 2"),
                      (Settings(store="multipaxos", faults=("member",)), "fault 'member' is for the raft store only")]:
        with pytest.raises(ValueError, match=says):
            bad.check()


def _running(pid: int) -> bool:
    st = cluster._proc_stat(pid)
    return st is not None and st[0] != "Z"


@pytest.mark.parametrize(("sig", "code", "said"), [(signal.SIGTERM, 143, "terminated (SIGTERM)"),
                                                   (signal.SIGINT, 130, "interrupted")])
def test_a_run_stopped_by_a_signal_stops_its_cluster_in_one_line(tmp_path, sig, code, said):
    """SIGTERM (what `timeout` sends) killed the script at once and left the cluster's three nodes running for ever
    (one of them perhaps SIGSTOPped); Ctrl-C was a KeyboardInterrupt traceback. Now both end in one line, once the
    faults are healed and every node stopped (hostile12)."""
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "nemesis.py"
    proc = subprocess.Popen([sys.executable, str(script), "--seconds", "60", "--out", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    home = tmp_path / "raft-3-0" / "cluster"
    try:
        deadline = time.monotonic() + 60  # (a bound against a hang) until the clients and the nemesis run
        while time.monotonic() < deadline and not (home / "node-1" / "node.log").exists() or \
                "listening" not in (home / "node-1" / "node.log").read_text():
            time.sleep(0.05)
        time.sleep(1)  # (the first fault starts at 0.5 s)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
        pids = [int((home / f"node-{i}" / "pid").read_text().split()[0]) for i in (1, 2, 3)]  # each node's last
        left = list(filter(_running, pids))
        for p in left:  # (the old script's nodes: ours, started above)
            os.kill(p, signal.SIGCONT)
            os.kill(p, signal.SIGKILL)
    assert proc.returncode == code and out == "", (out, err)
    assert err == f"nemesis: {said} in seed 0; the cluster is stopped, its folder kept: {home}\n"
    assert left == []
    ports = json.loads((home / "cluster.json").read_text())["nodes"].values()
    for port in ports:  # nothing left listening on the cluster's ports
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", int(port))) != 0, port


def test_the_scripts_output_into_a_closed_pipe_ends_quietly():
    """benchmarks/_args.run_main: a reader gone (`| head`) is exit 141 and nothing on stderr (was a traceback)."""
    code = "import sys; sys.path.insert(0, 'benchmarks'); from _args import run_main; " \
           "run_main(lambda: [print('x' * 1000) for _ in range(1000)] and 0)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parent.parent)
    proc.stdout.close()
    assert proc.wait(timeout=60) == 141 and proc.stderr.read() == b""
