"""A leader killed -9 between its log's write() and the trace lines and messages that depend on it.

The runtime writes a ready's log records to the OS, then its trace lines, then its messages, then
fdatasyncs (impl/runtime/server.py, InlineSync). A kill -9 after the write but before the trace lines
leaves a log holding entries its trace never showed; the restart drops that last write (its
``TRACE_MARK`` says how long the trace should be, impl/storage/wal.py), so the audit explains the
Restart. With the marks off the same crash is a Restart the audit cannot explain: the must-fail twin.
The fault hook (``crash_at``) makes the leader kill itself at the named point once its log reaches
an index, so the crash lands in the window every time; ``replied`` is just after a round's client replies,
which leave before its trace lines."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from itertools import groupby
from pathlib import Path

import pytest

from impl.raft.core import HardState, Ready
from impl.raft.log import Entry
from impl.runtime import cluster
from impl.storage.wal import WAL, WALError, synced_length
from impl.storage.wal import check as wal_check
from modelcheck.audit import audit_events, mapping_for
from modelcheck.audit.tracefile import TraceError
from modelcheck.cli import main
from modelcheck.harness import read_node_traces as read_traces

CRASH_INDEX = 4  # the leader's no-op is entry 1: the third write crashes it


def _crash_and_restart(d: Path, capsys, at: str, **settings) -> tuple[int, list[int]]:
    """A 3-node cluster whose leader kills itself at ``at`` when it appends entry CRASH_INDEX; it is restarted,
    more writes follow. Returns the killed node and the writes' exit codes."""
    cluster.start(d, 3, crash_at={"at": at, "index": CRASH_INDEX}, **settings)
    codes = []
    try:
        lead = asyncio.run(cluster.wait_for_leader(d, 30))
        assert lead is not None, "no leader within 30 s"
        for k in range(6):
            codes.append(main(["kv", "put", f"k{k}", f"v{k}", "--dir", str(d), "--timeout", "20"]))
        deadline = time.monotonic() + 10
        while cluster.pid_of(d, lead) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cluster.pid_of(d, lead) is None, "the leader did not kill itself at the crash point"
        assert (d / "crashed").read_text() == str(lead)
        cluster.start(d)  # the killed node comes back (its hook fired once: it does not crash again)
        for k in range(6, 9):
            codes.append(main(["kv", "put", f"k{k}", f"v{k}", "--dir", str(d), "--timeout", "20"]))
        for k, code in enumerate(codes):  # every acknowledged write reads back
            if code == 0:
                assert main(["kv", "get", f"k{k}", "--dir", str(d)]) == 0
                assert capsys.readouterr().out.splitlines()[-1] == f"v{k}"
    finally:
        cluster.stop(d)
    return lead, codes


def _audit(d: Path):
    events, _ = read_traces([str(p) for p in cluster.trace_files(d)])
    return events, audit_events(mapping_for("raft", events), events)


@pytest.mark.parametrize("at, settings", [("written", {}), ("sent", {}), ("written", {"leader_fsync_thread": True}),
                                          ("written", {"trace_format": "jsonl"}),
                                          ("written", {"trace_segment_bytes": 4096})])
def test_a_leader_killed_between_its_log_write_and_its_trace_lines_restarts_as_its_trace_says(tmp_path, at, settings,
                                                                                               capsys):
    """(With ``leader_fsync_thread`` the leader's header slot is written too before the trace lines: the restart
    writes a new one. The trace files are compact, the default, or JSON lines.)"""
    lead, codes = _crash_and_restart(tmp_path, capsys, at, **settings)
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


def test_a_leader_killed_right_after_a_reply_with_its_trace_lines_still_in_memory_is_explained(tmp_path, capsys):
    """A round's client replies leave before its trace lines, and a round that sends nothing keeps them for the
    next one (NodeServer._flush): killed there, the leader's trace lacks the acknowledgements it read and the
    commit it made. The audit reads that as a crash before them, and the acknowledged write survives."""
    lead, codes = _crash_and_restart(tmp_path, capsys, "replied")
    events, result = _audit(tmp_path)
    assert result.ok, result.failure and result.failure.reason
    assert result.audited == len(events)
    assert Counter(e.action for e in events)["Restart"] == 1
    assert "dropping the last write" not in (tmp_path / f"node-{lead}" / "node.log").read_text()
    assert codes[:3] == [0, 0, 0]  # the write that committed entry CRASH_INDEX was answered before the kill


def test_a_power_cut_that_takes_a_leaders_unsynced_entry_is_a_restart_the_audit_explains(tmp_path, capsys):
    """The leader kills itself at ``sent`` (entry CRASH_INDEX written, traced and sent, its fdatasync not yet made),
    then a power cut: every node killed and each log cut back to what its last sync covered (the nemesis's
    ``power``). The leader comes back without the entry its trace shows it appended, which it never counted (a
    leader counts itself only for synced entries) and nobody acknowledged from it. The audit's Restart keeps the
    whole log, as raft.tla's does, and refused it (the nemesis's seed 8 with membership faults, 2026-12-06): it is
    ``RestartLosingUnsynced`` now."""
    d = tmp_path
    cluster.start(d, 3, crash_at={"at": "sent", "index": CRASH_INDEX})
    try:
        lead = asyncio.run(cluster.wait_for_leader(d, 30))
        assert lead is not None, "no leader within 30 s"
        for k in range(3):
            main(["kv", "put", f"k{k}", f"v{k}", "--dir", str(d), "--timeout", "20"])
        deadline = time.monotonic() + 10
        while cluster.pid_of(d, lead) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cluster.pid_of(d, lead) is None, "the leader did not kill itself at the crash point"
        for i in (1, 2, 3):  # the power cut
            if (pid := cluster.pid_of(d, i)) is not None:
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while any(cluster.pid_of(d, i) for i in (1, 2, 3)) and time.monotonic() < deadline:
            time.sleep(0.02)
        cut = {}
        for i in (1, 2, 3):
            wal = d / f"node-{i}" / "wal" / "wal.log"
            synced, size = synced_length(wal), wal.stat().st_size
            cut[i] = size - synced
            with open(wal, "r+b") as f:
                f.seek(synced)
                f.write(bytes(size - synced))
        assert cut[lead] > 0  # the leader's entry, never synced
        cluster.start(d)
        assert main(["kv", "put", "after", "x", "--dir", str(d), "--timeout", "20"]) == 0
    finally:
        cluster.stop(d)
    capsys.readouterr()
    events, result = _audit(d)
    assert result.ok, result.failure and result.failure.reason
    assert result.audited == len(events)
    restarts = [e for e in events if e.action == "Restart" and e.node == lead]
    assert len(restarts) == 1


def test_without_the_marks_the_same_crash_is_a_restart_the_audit_cannot_explain(tmp_path, capsys):
    lead, _ = _crash_and_restart(tmp_path, capsys, "written", trace_marks=False)
    _, result = _audit(tmp_path)
    assert not result.ok
    assert result.failure is not None
    assert result.failure.event.action == "Restart" and result.failure.event.node == lead


def test_a_follower_killed_right_after_installing_a_leaders_snapshot_restarts_as_its_trace_says(tmp_path, capsys):
    """A follower that missed a compaction gets the leader's snapshot, put in place (snapshot.bin replaced) as the
    ready is saved, before the round's trace lines went out: killed there (the hook ``installed``) it came back
    from a snapshot its trace never showed, and the audit refused it ('the trace never showed those entries',
    a fresh clone's test_transfer_cluster). Its lines now reach the OS before the snapshot is installed."""
    from test_impl_cluster import kill

    d = tmp_path
    cluster.start(d, 3, snapshot_every=4, crash_at={"at": "installed", "index": 1})
    try:
        lead = asyncio.run(cluster.wait_for_leader(d, 30))
        assert lead is not None, "no leader within 30 s"
        behind = 1 + lead % 3
        # its first boot is in its trace before it is killed: killed before its first trace line (8 CPU hogs, 1 run
        # of 31), its second boot was its first traced, an Init where the test looks for a Restart
        deadline = time.monotonic() + 30
        while not _traced(d, behind):
            assert time.monotonic() < deadline, f"node {behind} wrote no trace event within 30 s"
            time.sleep(0.05)
        kill(d, behind)
        held = wal_check(d / f"node-{behind}" / "wal").last_index  # what it will come back with
        for k in range(10):  # the nodes compact past what the killed follower holds
            assert main(["kv", "put", f"k{k}", f"v{k}", "--dir", str(d), "--timeout", "20"]) == 0
        # ... and have done so before it comes back, both (whichever leads then sends it a snapshot): under load they
        # compacted later, the follower caught up by AppendEntries, no snapshot was sent and the hook never fired
        # (the 30 s wait below ran out, 2026-12-06)
        deadline = time.monotonic() + 30
        while not all((st := asyncio.run(cluster.statuses(d)).get(i)) and st["snapshot_index"] > held
                      for i in (1, 2, 3) if i != behind):
            assert time.monotonic() < deadline, f"the others did not compact past index {held}: {st}"
            time.sleep(0.05)
        # and none of them holds messages for it: a leader keeps what it sent a dead peer (up to 10,000 frames) and
        # hands it over once the peer is back, entries it has compacted since among them; the follower caught up from
        # those (under load: 1 run of 4), no snapshot was sent and the 30 s wait below ran out. Started again, the
        # others hold none, and the leader (one of them: its log is ahead of the follower's) probes and sends it the
        # snapshot, which it installs, and kills itself
        cluster.stop(d)
        cluster.start(d)
        deadline = time.monotonic() + 30
        while not (d / "crashed").exists() or cluster.pid_of(d, behind) is not None:
            assert time.monotonic() < deadline, "the follower did not kill itself after installing the snapshot"
            time.sleep(0.05)
        assert (d / "crashed").read_text() == str(behind)
        cluster.start(d)  # it comes back from that snapshot (the hook fired once)
        assert main(["kv", "put", "after", "v", "--dir", str(d), "--timeout", "20"]) == 0
    finally:
        cluster.stop(d)
    capsys.readouterr()
    code = main(["audit", "--spec", "raft", *map(str, cluster.trace_files(d))])
    said = capsys.readouterr()
    assert code == 0, said.out[-3000:] + said.err  # (the audit's verdict is on stdout)
    events, _ = read_traces([str(p) for p in cluster.trace_files(d)])
    acts = [e.action for e in events if e.node == behind and e.action in ("HandleInstallSnapshotRequest", "Restart")]
    # killed before the writes, then at the hook (snapshot messages that arrived together are handled in one round)
    assert [a for a, _ in groupby(acts)][:3] == ["Restart", "HandleInstallSnapshotRequest", "Restart"], acts


def _traced(d: Path, node: int) -> bool:
    """Whether ``node``'s trace, as the OS holds it, has an event of its own (the nodes' traces read together, as
    each refers to the others' messages; a record being written: not yet)."""
    try:
        events, _ = read_traces([str(p) for p in cluster.trace_files(d)])
    except TraceError:
        return False
    return any(e.node == node for e in events)


def _install_round(d: Path, stop_before_rename: bool = False) -> None:
    """A follower's round that moves it to term 2, votes for node 2, installs a leader's snapshot at index 8 and
    appends entry 9 after it; killed right after the install (the crash hook "installed"), or just before the
    rename. ``before_install`` writes out what is buffered, as the runtime's ``trace_now`` does before the round's
    trace lines; nothing more of the round reaches the OS (the page cache keeps what did)."""
    from impl.raft.core import Snapshot

    class KilledError(Exception):
        pass

    w = WAL(d, create=True)
    w.load()
    w.save(Ready(hard_state=HardState(1, 0)))
    w.sync()

    def before_install() -> None:
        w.write_records()
        if stop_before_rename:
            raise KilledError

    rd = Ready(hard_state=HardState(2, 2), snapshot=Snapshot(8, 2, b"state"), entries_from=9, entries=[Entry(2, b"e9")])
    with contextlib.suppress(KilledError):
        w.save(rd, before_install=before_install)
    w._fd = None  # (the process is gone: no close() writes the buffer)


def test_a_round_that_installs_a_snapshot_keeps_its_term_vote_and_entries_if_killed_right_after_the_install(tmp_path):
    """The round's trace lines reach the OS just before the install; its records were buffered after it, so a
    kill -9 there brought the follower back from the adopted snapshot with its old term, no vote and no entry 9
    while its trace showed the new ones: the audit refused the Restart (the cluster test above, 3 times under load
    17 on 2026-12-06: a backlog of 60 messages handled in one round). They are written out before the lines now."""
    _install_round(tmp_path)
    hs, snap, entries = WAL(tmp_path).load()
    assert hs == HardState(2, 2) and snap is not None and snap.index == 8 and entries == [Entry(2, b"e9")]


def test_a_snapshot_the_log_records_but_never_renamed_into_place_is_moved_there_at_the_start(tmp_path, caplog):
    """Killed between those records and the rename: the log records snapshot 8, snapshot.bin does not hold it, and
    snapshot.bin.tmp (written and synced before the records) does: a start moves it into place; `wal check` reads
    the same without changing anything. A staged file that is not the recorded snapshot is refused as before."""
    from impl.storage.wal import check

    _install_round(tmp_path, stop_before_rename=True)
    assert (tmp_path / "snapshot.bin.tmp").exists() and not (tmp_path / "snapshot.bin").exists()
    rep = check(tmp_path)
    assert rep.ok and (rep.term, rep.vote, rep.snapshot_index, rep.last_index) == (2, 2, 8, 9), rep.errors
    assert (tmp_path / "snapshot.bin.tmp").exists()  # (check changes nothing)
    hs, snap, entries = WAL(tmp_path).load()
    assert hs == HardState(2, 2) and snap is not None and snap.index == 8 and entries == [Entry(2, b"e9")]
    assert (tmp_path / "snapshot.bin").exists() and not (tmp_path / "snapshot.bin.tmp").exists()
    assert "moving snapshot.bin.tmp into place" in caplog.text

    other = tmp_path / "other"
    _install_round(other, stop_before_rename=True)
    staged = other / "snapshot.bin.tmp"
    staged.write_bytes(staged.read_bytes()[:-1] + b"?")  # not the recorded snapshot (its checksum differs)
    with pytest.raises(WALError, match="records a snapshot at index 8 .term 2. but .*snapshot.bin is missing"):
        WAL(other).load()


# -- the log's side, without processes: what a restart keeps of a last write, given the trace's size ----------
def _log_with_a_last_write(d: Path, boot: int | None = None) -> tuple[WAL, tuple[int, int]]:
    """A log of entries 1-3 synced, then entries 4-5 written (not synced) with their mark; the mark's trace
    sizes (before, after): the trace was 100 bytes and the write's lines are 50 more."""
    w = WAL(d, create=True)
    w.load()
    trace = [100, 100]
    w.trace_extent = lambda: (trace[0], trace[1])
    w.save(Ready(hard_state=HardState(2, 1), entries_from=1, entries=[Entry(2, b"e%d" % k) for k in (1, 2, 3)]))
    w.sync()
    if boot is not None:
        w.boot = boot
    trace[1] = 150
    w.save(Ready(entries_from=4, entries=[Entry(2, b"e4"), Entry(2, b"e5")]))
    assert w.write_out()  # the write() reached the OS; the kill comes before its trace lines (and the fdatasync)
    return w, (100, 150)


def _entries(d: Path, trace_size: int | None) -> tuple[list[bytes], int | None]:
    w = WAL(d)
    _, _, entries = w.load(trace_size)
    w.close()
    return [e.data for e in entries], w.trace_cut


@pytest.mark.parametrize("trace_size, kept", [(100, False), (120, False), (150, True), (170, True), (None, True)])
def test_a_restart_keeps_a_last_write_only_if_its_trace_lines_all_reached_the_os(tmp_path, trace_size, kept):
    _log_with_a_last_write(tmp_path)
    data, cut = _entries(tmp_path, trace_size)
    assert data == [b"e1", b"e2", b"e3"] + ([b"e4", b"e5"] if kept else [])
    assert cut == (None if kept else 100)  # the trace is cut back to before the write's lines
    again, _ = _entries(tmp_path, cut or 150)  # a drop was made durable (a new header slot): the same log again
    assert again == data


def test_a_last_write_of_an_earlier_machine_boot_is_kept(tmp_path):
    """After a reboot the trace (never synced) may have lost its tail while the log's write was synced and
    acknowledged: the mark of another boot drops nothing."""
    _log_with_a_last_write(tmp_path, boot=12345)
    assert _entries(tmp_path, 100) == ([b"e1", b"e2", b"e3", b"e4", b"e5"], None)


def test_records_after_the_last_mark_are_a_write_cut_short_and_dropped(tmp_path):
    w, _ = _log_with_a_last_write(tmp_path)
    w.synced()
    w.trace_extent = None  # a write whose mark never reached the OS
    w.save(Ready(entries_from=6, entries=[Entry(2, b"e6")]))
    w.write_records()
    w.close()
    assert _entries(tmp_path, None)[0][-1] == b"e6"  # (read without a trace size: as before)
    assert _entries(tmp_path, 150) == ([b"e1", b"e2", b"e3", b"e4", b"e5"], None)


def test_a_log_written_without_marks_is_read_as_before(tmp_path):
    w = WAL(tmp_path, create=True)
    w.load()
    w.save(Ready(hard_state=HardState(2, 1), entries_from=1, entries=[Entry(2, b"e1")]))
    w.sync()
    w.save(Ready(entries_from=2, entries=[Entry(2, b"e2")]))
    w.write_out()
    w.close()
    assert _entries(tmp_path, 0) == ([b"e1", b"e2"], None)


def test_a_partial_last_trace_line_is_cut_before_the_next_boot_appends(tmp_path):
    """A kill -9 in the middle of a trace write of more than a page leaves a line without its newline; the next
    boot's header must not run on from it (the audit would refuse the merged line as invalid JSON)."""
    from impl.trace import TraceWriter, read_events

    path = tmp_path / "trace.jsonl"
    w = TraceWriter(path, 1, [1, 2])
    w.write([{"clock": 1, "node": 1, "action": "Init", "params": {}, "state": {}}])
    w.close()
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"clock":2,"node":1,"act')
    w = TraceWriter(path, 1, [1, 2])
    assert w.size == len(whole)
    w.close()
    lines = path.read_bytes().split(b"\n")
    assert lines[2].startswith(b'{"format"') and len(lines) == 4  # header, Init, the new header, ''
    assert [e["action"] for e in read_events(path) if "action" in e] == ["Init"]


def test_writes_made_with_the_marks_off_are_kept_once_they_are_on_again(tmp_path):
    """A cluster run with "trace": false (or "trace_marks": false) after one with marks writes records after the
    log's last mark, synced and acknowledged; they were read as a write cut short and all dropped at the first
    start with the trace on again (a cluster lost every write of the run without trace). Only records past the
    synced length can be a write cut short."""
    w, _ = _log_with_a_last_write(tmp_path)
    w.synced()
    w.trace_extent = None  # the next run: no trace
    for k in (6, 7):
        w.save(Ready(entries_from=k, entries=[Entry(2, b"e%d" % k)]))
        w.sync()
    w.save(Ready(entries_from=8, entries=[Entry(2, b"e8")]))
    w.write_records()  # (and a write cut short after them: dropped)
    w.close()
    assert _entries(tmp_path, 150) == ([b"e%d" % k for k in range(1, 8)], None)


def test_wal_check_of_a_node_with_a_json_lines_trace_cut_short_says_what_its_start_says(tmp_path, capsys):
    """A node whose trace.jsonl is shorter than its log's last trace mark says (cut by hand, on this boot) refuses
    to start; `wal check` of its folder said ok (it looked at trace.bin only)."""
    from modelcheck.cli import main

    home = tmp_path / "node-1"
    w = WAL(home / "wal", create=True)
    w.load()
    w.trace_extent = lambda: (500, 600)
    w.save(Ready(hard_state=HardState(2, 1), entries_from=1, entries=[Entry(2, b"e1")]))
    w.sync()
    w.close()
    (home / "trace.jsonl").write_text('{"format":"paxraft-trace","version":2,"node":1,"nodes":[1]}\n')
    assert main(["wal", "check", str(home)]) == 1
    assert f"{home / 'trace.jsonl'}: the trace holds 60 bytes, but the log's last write put its lines at byte 500" in (
        capsys.readouterr().out)
