"""A leader killed -9 between its log's write() and the trace lines and messages that depend on it.

The runtime writes a ready's log records to the OS, then its trace lines, then its messages, then
fdatasyncs (impl/runtime/server.py, InlineSync). A kill -9 after the write but before the trace lines
leaves a log holding entries its trace never showed; the restart drops that last write (its
``TRACE_MARK`` says how long the trace should be, impl/storage/wal.py), so the audit explains the
Restart. With the marks off the same crash is a Restart the audit cannot explain: the must-fail twin.
The fault hook (``crash_at``) makes the leader kill itself at the named point once its log reaches
an index, so the crash lands in the window every time."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import pytest

from impl.runtime import cluster
from modelcheck.audit import audit_events, mapping_for, read_traces
from modelcheck.cli import main

CRASH_INDEX = 4  # the leader's no-op is entry 1: the third write crashes it


def _crash_and_restart(d: Path, at: str, **settings) -> tuple[int, list[int]]:
    """A 3-node cluster whose leader kills itself at ``at`` when it appends entry CRASH_INDEX; it is restarted,
    more writes follow. Returns the killed node and the writes' exit codes."""
    cluster.start(d, 3, crash_at={"at": at, "index": CRASH_INDEX}, **settings)
    codes = []
    try:
        lead = asyncio.run(cluster.wait_for_leader(d, 10))
        assert lead is not None
        for k in range(6):
            codes.append(main(["kv", "put", f"k{k}", f"v{k}", "--dir", str(d), "--timeout", "5"]))
        deadline = time.monotonic() + 10
        while cluster.pid_of(d, lead) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cluster.pid_of(d, lead) is None, "the leader did not kill itself at the crash point"
        assert (d / "crashed").read_text() == str(lead)
        cluster.start(d)  # the killed node comes back (its hook fired once: it does not crash again)
        for k in range(6, 9):
            codes.append(main(["kv", "put", f"k{k}", f"v{k}", "--dir", str(d), "--timeout", "5"]))
        assert main(["kv", "get", "k8", "--dir", str(d)]) == 0
    finally:
        cluster.stop(d)
    return lead, codes


def _audit(d: Path):
    events, _ = read_traces(sorted(str(p) for p in d.glob("node-*/trace.jsonl")))
    return events, audit_events(mapping_for("raft", events), events)


@pytest.mark.parametrize("at", ["written", "sent"])
def test_a_leader_killed_between_its_log_write_and_its_trace_lines_restarts_as_its_trace_says(tmp_path, at, capsys):
    lead, codes = _crash_and_restart(tmp_path, at)
    events, result = _audit(tmp_path)
    assert result.ok, result.failure and result.failure.reason
    assert result.audited == len(events)
    actions = Counter(e.action for e in events)
    assert actions["Restart"] == 1
    node_log = (tmp_path / f"node-{lead}" / "node.log").read_text()
    dropped = "dropping the last write" in node_log
    # killed after the write but before the trace lines: the write is dropped at boot; after the lines: kept
    assert dropped == (at == "written")
    assert codes.count(0) >= len(codes) - 1  # only the write the leader was appending when it died may fail


def test_without_the_marks_the_same_crash_is_a_restart_the_audit_cannot_explain(tmp_path, capsys):
    lead, _ = _crash_and_restart(tmp_path, "written", trace_marks=False)
    _, result = _audit(tmp_path)
    assert not result.ok
    assert result.failure is not None
    assert result.failure.event.action == "Restart" and result.failure.event.node == lead
