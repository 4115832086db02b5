"""Auditing PySyncObj 0.3.17 (a third-party Raft) against raft.tla + the etcdraft extensions, from real runs.

Each test runs a traced 3-process PySyncObj cluster on 127.0.0.1 (bounded writes and time) and
audits its trace files as ``paxraft audit --spec raft`` does. Default settings with the leader
killed: every event is explained. ``appendEntriesUseBatch=False`` with 100-byte batches: a
follower removes entries that conflict with nothing, which raft.tla's HandleAppendEntriesRequest
never does (it removes only on a conflict), and the audit stops at that event.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from pathlib import Path

from impl.pysyncobj_trace.cluster import Options, run
from impl.pysyncobj_trace.recorder import NOOP, value_name
from modelcheck.audit import audit_events, mapping_for, read_trace, read_traces
from modelcheck.audit.raft_map import RaftMapping
from modelcheck.cli import main


def _audit(traces: list[str]):
    events, warnings = read_traces(traces)
    mapping = mapping_for("raft", events)
    assert isinstance(mapping, RaftMapping)
    return events, mapping, audit_events(mapping, events)


def test_values_are_named_as_the_trace_format_says():
    assert value_name(NOOP) == "noop"
    cmd = b"\x00abc"
    assert value_name(cmd) == f"x{zlib.crc32(cmd):08x}" != value_name(b"\x00abd")


def test_default_pysyncobj_with_its_leader_killed_is_explained_event_for_event(tmp_path, capsys):
    res = run(tmp_path, Options(writes=40, kill_leader=True, kill_after=20))
    assert res["killed"] in (1, 2, 3)
    survivors = [st for i, st in res["status"].items() if i != res["killed"]]
    assert all(st["finished"] for st in survivors), res["status"]
    events, mapping, result = _audit(res["traces"])
    assert result.ok, result.failure and result.failure.reason
    assert result.audited == len(events) > 200  # all of them, none skipped
    actions = Counter(e.action for e in events)
    assert actions["BecomeLeader"] == 2 and actions["Timeout"] >= 2  # the first leader, and one after the kill
    done = sum(st["done"] for st in survivors)
    assert done >= 40 and actions["ClientRequest"] >= 2 + done  # two no-ops and every acknowledged write
    for a in ("UpdateTerm", "HandleRequestVoteRequest", "AppendEntries", "HandleAppendEntriesRequest",
              "HandleAppendEntriesResponse", "AdvanceCommitIndex"):
        assert actions[a] > 0, a
    # the leader's batches are single AppendEntriesRange steps with several entries
    assert any(len(e.recv.get("mentries", [])) > 1 for e in events if e.action == "HandleAppendEntriesRequest")
    assert main(["audit", *res["traces"], "--spec", "raft"]) == 0
    assert f"{len(events):,} events explained" in capsys.readouterr().out


def test_unbatched_pysyncobj_with_small_batches_removes_matching_entries(tmp_path, capsys):
    # The truncation needs a request that overlaps entries the follower already has, which depends on
    # the real processes' timing: on a quiet machine one run may not produce it, so up to four runs
    # (more writes in flight each time) are made and the first one that shows it is examined.
    for attempt, window in enumerate((4, 8, 16, 16)):
        res = run(tmp_path / f"run-{attempt}", Options(writes=60, window=window, batch=False, batch_bytes=100))
        events, mapping, result = _audit(res["traces"])
        if result.failure is not None:
            break
    f = result.failure
    assert f is not None, "PySyncObj's unconditional truncation did not show in four runs"
    e = f.event
    assert (e.action, e.params["case"]) == ("HandleAppendEntriesRequest", "accept")
    assert "leads to a different state" in f.reason
    assert "log" in [k for k, _, _ in f.diff]
    p = mapping.prepare(e)
    prev, entries = e.recv["mprevLogIndex"], e.recv["mentries"]
    old = [[t, mapping.value_names[v]] for t, v in p.old_log]
    new = [[t, mapping.value_names[v]] for t, v in p.log]
    # every entry of the request is already in the follower's log: no conflict (raft.tla: "already done")
    assert old[prev: prev + len(entries)] == entries and len(old) > prev + len(entries)
    # yet the follower cut its log to the request's end, losing entries it had acknowledged
    assert new == old[: prev + len(entries)]
    assert e.sent[0]["msuccess"] is True and e.sent[0]["mmatchIndex"] == prev + len(entries)
    # the entries it lost had been acknowledged to the leader: an earlier success reply covered them
    acked = max(m["mmatchIndex"] for x in events[: f.index] if x.node == e.node for m in x.sent
                if m["type"] == "AppendEntriesResponse" and m["msuccess"])
    assert acked > prev + len(entries)
    assert main(["audit", *res["traces"], "--spec", "raft"]) == 1
    out = capsys.readouterr().out
    assert f"FAILED at event {f.index + 1} of {len(events)}: {e.where}: node {e.node} HandleAppendEntriesRequest" in out


def test_trace_files_follow_the_documented_format(tmp_path):
    res = run(tmp_path, Options(writes=5))
    for path in res["traces"]:
        lines = Path(path).read_text().splitlines()
        head = json.loads(lines[0])
        assert head["format"] == "paxraft-trace" and head["nodes"] == [1, 2, 3] and head["spec"] == "raft"
        assert head["version"] == 2 and head["term_offset"] == 1  # PySyncObj's terms start at 0: declared once
        first = json.loads(lines[1])
        assert first["action"] == "Init"
        assert first["state"] == {"currentTerm": 0, "state": "Follower", "votedFor": None,
                                  "log": {"from": 1, "entries": []}, "commitIndex": 0}
        assert read_trace(path).events[0].state["currentTerm"] == 1  # as the audit reads it: raft.tla's numbering
    events, _, result = _audit(res["traces"])
    assert result.ok and result.audited == len(events)
    # a node's own vote is raft.tla's: a request to itself, handled, answered, counted
    n = next(e.node for e in events if e.action == "Timeout")
    mine = [e for e in events if e.node == n]
    t = next(k for k, e in enumerate(mine) if e.action == "Timeout")
    own = [(e.action, e.params.get("j")) for e in mine[t: t + 4]]
    assert own == [("Timeout", None), ("RequestVote", n), ("HandleRequestVoteRequest", n),
                   ("HandleRequestVoteResponse", n)]
