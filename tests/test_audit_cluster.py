"""Auditing a real local cluster of our implementation: `paxraft cluster start`, `kv` writes, a leader killed
and restarted, `cluster stop`, then `paxraft audit DIR/node-*/trace.bin --spec raft` (compact trace files, the
nodes' default; `paxraft trace-json` prints their JSON lines)."""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from impl.runtime import cluster
from impl.trace import json_lines
from modelcheck.audit import audit_events, mapping_for
from modelcheck.cli import main
from modelcheck.harness import read_node_traces as read_traces


def _lines(path: str) -> list[str]:
    """A compact trace file's JSON lines."""
    lines, cut = json_lines(Path(path).read_bytes(), path)
    assert cut is None
    return lines


@pytest.fixture(scope="module")
def cluster_run(tmp_path_factory):
    """A 3-node run: 8 writes, the leader SIGKILLed, 8 writes, it restarts, 8 writes, a read; the trace paths."""
    d = tmp_path_factory.mktemp("cluster")
    assert main(["cluster", "start", "--nodes", "3", "--dir", str(d)]) == 0
    try:
        for k in range(8):
            assert main(["kv", "put", f"a{k}", f"v{k}", "--dir", str(d)]) == 0
        lead = _leader(d)
        os.kill(cluster.pid_of(d, lead), signal.SIGKILL)
        for k in range(8):
            assert main(["kv", "put", f"b{k}", f"v{k}", "--dir", str(d)]) == 0
        assert main(["cluster", "start", "--dir", str(d)]) == 0  # the killed node comes back with its data
        for k in range(8):
            assert main(["kv", "put", f"c{k}", f"v{k}", "--dir", str(d)]) == 0
        assert main(["kv", "get", "b3", "--dir", str(d)]) == 0
        _caught_up(d, lead)  # the restarted node catches up (its peers' reconnect backoff reaches 1 s)
    finally:
        assert main(["cluster", "stop", "--dir", str(d)]) == 0
    return d, [str(p) for p in cluster.trace_files(d)], lead


def _caught_up(d: Path, node: int, wait: float = 30.0) -> None:
    """Poll until ``node`` has applied everything the leader committed (no fixed sleep: under load it is slow)."""
    sts: dict = {}
    import asyncio

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        sts = asyncio.run(cluster.statuses(d))
        lead = next((s for s in sts.values() if s and s["role"] == "Leader"), None)
        me = sts.get(node)
        if lead and me and me["applied"] >= lead["commit"]:
            return
        time.sleep(0.1)
    raise AssertionError(f"node {node} has not caught up with the leader within {wait} s: {sts}")


def _leader(d: Path) -> int:
    import asyncio

    lead = asyncio.run(cluster.wait_for_leader(d, 30))
    assert lead is not None, "no leader within 30 s"
    return lead


def test_the_runtime_writes_one_trace_file_per_node(cluster_run):
    d, traces, lead = cluster_run
    assert traces == [str(d / f"node-{i}" / "trace.bin") for i in (1, 2, 3)]
    killed = _lines(traces[lead - 1])
    heads = [json.loads(x) for x in killed if x.startswith('{"format"')]
    assert len(heads) == 2 and all(h["node"] == lead and h["nodes"] == [1, 2, 3] for h in heads)  # one per boot


def test_a_real_cluster_run_with_a_leader_killed_and_restarted_is_explained(cluster_run, capsys):
    d, traces, lead = cluster_run
    events, _ = read_traces(traces)
    result = audit_events(mapping_for("raft", events), events)
    assert result.ok, result.failure and result.failure.reason
    assert result.audited == len(events)
    actions = Counter(e.action for e in events)
    # the killed leader came back; one re-election, or more when a node starved of CPU for an election timeout
    # (0.2 s) campaigned, as test_timeline saw at load ~14 (a write in flight then may be appended twice)
    assert actions["Restart"] == 1 and actions["BecomeLeader"] >= 2
    if actions["BecomeLeader"] == 2:
        assert actions["ClientRequest"] == 2 + 24  # two no-ops and the 24 writes (each acknowledged, so appended once)
    else:
        assert actions["ClientRequest"] >= actions["BecomeLeader"] + 24
    assert actions["ReadIndex"] >= 1 and actions["PreVote"] >= 1  # the read and the pre-vote before re-election
    assert main(["audit", *traces, "--spec", "raft"]) == 0
    out = capsys.readouterr().out
    assert "OK: every event is explained" in out and f"{len(events):,} events explained" in out


def test_an_altered_line_of_a_real_run_is_caught_at_that_event(cluster_run, tmp_path, capsys):
    d, traces, lead = cluster_run
    follower = next(i for i in (1, 2, 3) if i != lead)
    lines = [x + "\n" for x in _lines(traces[follower - 1])]
    # the follower's first accept that appended entries now reports another value in its last new entry
    k = next(n for n, x in enumerate(lines) if '"case":"accept"' in x and json.loads(x)["state"]["log"]["entries"])
    ev = json.loads(lines[k])
    ev["state"]["log"]["entries"][-1][1] = "c999.999"
    lines[k] = json.dumps(ev, separators=(",", ":")) + "\n"
    bad = tmp_path / f"node-{follower}.jsonl"
    bad.write_text("".join(lines))
    files = [str(bad) if i == follower else traces[i - 1] for i in (1, 2, 3)]
    assert main(["audit", *files, "--spec", "raft"]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:{k + 1}: node {follower} HandleAppendEntriesRequest" in out
    assert "    log" in out  # the log is the field that differs


def test_a_sender_trace_that_ends_early_is_named_as_such(cluster_run, tmp_path, capsys):
    """`paxraft audit` of a running cluster's files (read one after the other while the nodes write them) said a
    node 'receives message [1, 0, 708] that node 1's trace never sends', exit 2, as for a forged receipt. When the
    sender's file ends before the receipt, the line says so."""
    d, traces, lead = cluster_run
    lines = [x + "\n" for x in _lines(traces[lead - 1])]
    cut = tmp_path / f"node-{lead}.jsonl"
    cut.write_text("".join(lines[: len(lines) // 2]))
    files = [str(cut) if i == lead else traces[i - 1] for i in (1, 2, 3)]
    assert main(["audit", *files, "--spec", "raft"]) == 2
    err = capsys.readouterr().err
    assert f"that node {lead}'s trace never sends (it ends at clock " in err
    assert "a file read while its node was still writing it, or one cut short" in err
