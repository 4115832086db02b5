"""A node's compact trace in segments (docs/trace-format.md, "Segments"): a node starts a new file once its
current one holds cluster.json's "trace_segment_bytes"; `paxraft audit` and `trace-json` read a node's segments
in order as one trace, one segment in memory at a time; a segment missing, reordered, duplicated, of another
node or damaged is refused in one line naming the file (exit 2), never read past."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import time
import tracemalloc
from pathlib import Path

import pytest

from impl.runtime import cluster
from impl.storage.records import REC, record
from impl.storage.wal import WAL
from impl.trace import (
    _SEG,
    COMPACT_MAGIC,
    SEGMENT,
    TraceFileError,
    TraceWriter,
    check_tail,
    check_trace,
    cut_trace,
    last_clock,
    read_events,
    segment_lines,
    segment_path,
    trace_size,
    trace_tail,
)
from impl.tracezip import pending, wait_idle
from modelcheck.cli import main

BOUND = 4096  # the smallest bound cluster.json takes: a 60-write run fills dozens of segments


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """A 3-node cluster with 4 KiB segments: writes, the leader SIGKILLed, writes, it restarts, writes."""
    d = tmp_path_factory.mktemp("segments")
    cluster.start(d, 3, trace_segment_bytes=BOUND, trace_compress=False)  # (its segments, as the nodes write them)
    try:
        for k in range(20):
            assert main(["kv", "put", f"a{k}", f"v{k}", "--dir", str(d)]) == 0
        lead = asyncio.run(cluster.wait_for_leader(d, 30))
        assert lead is not None
        os.kill(cluster.pid_of(d, lead), signal.SIGKILL)
        for k in range(20):
            assert main(["kv", "put", f"b{k}", f"v{k}", "--dir", str(d)]) == 0
        assert main(["cluster", "start", "--dir", str(d)]) == 0
        for k in range(20):
            assert main(["kv", "put", f"c{k}", f"v{k}", "--dir", str(d)]) == 0
    finally:
        cluster.stop(d)
    return d


def test_a_multipaxos_cluster_writes_its_lines_in_segments(tmp_path, capsys):
    """Multi-Paxos nodes write compact segments by default, as Raft nodes do (a JSON-lines trace, "trace_format":
    "jsonl", is one file without bound): their lines go in JSON-lines records, and the audit of the run passes."""
    d = tmp_path / "mp"
    cluster.start(d, 3, protocol="multipaxos", trace_segment_bytes=BOUND)
    try:
        for k in range(30):
            assert main(["kv", "put", f"k{k}", f"v{k}", "--dir", str(d)]) == 0
    finally:
        cluster.stop(d)
    firsts = cluster.trace_files(d)
    assert [p.name for p in firsts] == ["trace.bin"] * 3 and max(trace_tail(p)[0] for p in firsts) >= 3
    capsys.readouterr()
    assert main(["audit", *map(str, firsts)]) == 0
    assert "against multipaxos" in capsys.readouterr().out


def _segments(first: Path) -> list[Path]:
    n = trace_tail(first)[0]
    return [segment_path(first, i) for i in range(1, n + 1)]


def _copy(run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "c"
    shutil.copytree(run, out, ignore=shutil.ignore_patterns("lock", "pid", "wal", "*.log"))
    return out


def test_a_cluster_run_in_small_segments_is_audited_as_one_trace_per_node(run, capsys):
    """Every node wrote several segments, each closed once it reached the bound; the audit of the three first
    segments reads them all and explains every event; trace-json prints the node's whole trace."""
    firsts = cluster.trace_files(run)
    assert [p.name for p in firsts] == ["trace.bin"] * 3
    for first in firsts:
        segs = _segments(first)
        assert len(segs) >= 3, segs
        assert all(s.stat().st_size >= BOUND for s in segs[:-1])  # (closed by the first write that reaches it)
        assert trace_size(first) == sum(s.stat().st_size for s in segs)
    capsys.readouterr()
    assert main(["audit", *map(str, firsts), "--spec", "raft"]) == 0
    out = capsys.readouterr().out
    assert "OK: every event is explained" in out
    events = sum(1 for f in firsts for _ in read_events(f))
    assert f"Audit of {events:,} events" in out
    assert main(["trace-json", str(firsts[0])]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sum(1 for x in lines if '"format"' not in x) == sum(1 for _ in read_events(firsts[0]))
    boots = int((firsts[0].parent / "boot").read_text()) + 1
    assert sum(1 for x in lines if '"format"' in x) == boots  # a header line per boot


def _refused(files: list[Path], msg: str, capsys) -> None:
    """`paxraft audit` of the files and `trace-json --out` of the damaged node's: exit 2, one line with ``msg``
    each, nothing written (trace-json to standard output prints the segments before the damage, then says it)."""
    capsys.readouterr()
    assert main(["audit", *map(str, files), "--spec", "raft"]) == 2
    out = files[0].parent / "out.jsonl"
    assert main(["trace-json", str(files[0]), "--out", str(out)]) == 2
    assert not out.exists() and not list(files[0].parent.glob("out.jsonl*"))
    printed, err = capsys.readouterr()
    assert err.count(msg) == 2, err
    assert len(err.strip().splitlines()) == 2 and "Traceback" not in err and not printed


def test_a_missing_segment_is_refused_naming_it(run, tmp_path, capsys):
    for which in (2, -1):  # one in the middle, the last
        d = _copy(run, tmp_path / str(which))
        files = cluster.trace_files(d)
        segs = _segments(files[0])
        gone = segs[which - 1 if which > 0 else -1]
        gone.unlink()
        before = segs[segs.index(gone) - 1]
        _refused(files, f"{before}: continues in {gone.name}, which is missing", capsys)


def test_reordered_segments_are_refused(run, tmp_path, capsys):
    d = _copy(run, tmp_path)
    files = cluster.trace_files(d)
    s2, s3 = _segments(files[0])[1:3]
    tmp = s2.with_name("x")
    s2.rename(tmp)
    s3.rename(s2)
    tmp.rename(s3)
    _refused(files, f"{s2}: does not continue {files[0]} (it is segment 3, expected 2", capsys)


def test_a_duplicated_segment_is_refused(run, tmp_path, capsys):
    d = _copy(run, tmp_path / "a")
    files = cluster.trace_files(d)
    segs = _segments(files[0])
    shutil.copy(segs[1], segs[2])  # segment 2 again in place of segment 3
    _refused(files, f"{segs[2]}: does not continue {segs[1]} (it is segment 2, expected 3", capsys)
    d = _copy(run, tmp_path / "b")
    files = cluster.trace_files(d)
    segs = _segments(files[0])
    extra = segment_path(files[0], len(segs) + 1)
    shutil.copy(segs[-1], extra)  # the last segment again, after it
    _refused(files, f"{segs[-1]}: does not end with the record that names the next segment, yet {extra.name} is "
             "there", capsys)


def test_a_segment_of_another_node_or_run_is_refused(run, tmp_path, capsys):
    d = _copy(run, tmp_path / "a")
    files = cluster.trace_files(d)
    mine = _segments(files[0])[1]
    shutil.copy(_segments(files[1])[1], mine)  # node 2's segment 2 as node 1's
    _refused(files, f"{mine}: does not continue {files[0]} (a segment of node 2's trace, not node 1's)", capsys)
    d = _copy(run, tmp_path / "b")
    files = cluster.trace_files(d)
    mine = _segments(files[0])[1]
    data = mine.read_bytes()
    at = len(COMPACT_MAGIC)
    node, number, start, _ = _SEG.unpack_from(data, at + REC)
    head = record(SEGMENT, _SEG.pack(node, number, start, b"another!"))  # all as expected but the random link
    mine.write_bytes(data[:at] + head + data[at + len(head):])
    _refused(files, f"{mine}: does not continue {files[0]} (another run's segment, or an older copy", capsys)


def test_a_damaged_or_cut_segment_is_refused(run, tmp_path, capsys):
    d = _copy(run, tmp_path / "a")
    files = cluster.trace_files(d)
    seg = _segments(files[0])[2]
    data = bytearray(seg.read_bytes())
    data[len(data) // 2] ^= 0x10
    seg.write_bytes(bytes(data))
    _refused(files, f"{seg}: damaged record at byte offset", capsys)
    d = _copy(run, tmp_path / "b")
    files = cluster.trace_files(d)
    seg = _segments(files[0])[1]
    os.truncate(seg, seg.stat().st_size - 5)  # a full segment cut short: its closing record is gone
    _refused(files, f"{seg}: does not end with the record that names the next segment", capsys)


def test_a_node_does_not_append_to_another_nodes_segment(run, tmp_path):
    """A node's start reads its last segment's head: one of another node (a folder copied by hand) is refused
    there, before the node appends to it (the audit would refuse the result)."""
    d = _copy(run, tmp_path)
    first = d / "node-1" / "trace.bin"
    mine, theirs = _segments(first), _segments(d / "node-2" / "trace.bin")
    n = min(len(mine), len(theirs))
    for p in mine[n:]:
        p.unlink()
    last = mine[n - 1]
    shutil.copy(theirs[n - 1], last)  # node 2's segment n as node 1's last
    with pytest.raises(TraceFileError, match=f"{last}: a segment of node 2's trace, not node 1's"):
        TraceWriter(first, 1, (1, 2, 3), compact=True, segment_bytes=BOUND)


@pytest.mark.parametrize("fault", ["another node's", "another cluster's", "another run's", "missing", "cut"])
def test_a_node_does_not_start_on_a_middle_segment_not_its_own(run, tmp_path, fault):
    """A node's start reads every segment's head, not only its last one's (hostile13 left it: a middle segment of
    another node, copied in, or missing, and the node started, its trace one the audit refuses). Another cluster's
    node 1: node 2's segment made node 1's, which starts where no segment of this trace ends."""
    d = _copy(run, tmp_path)
    first = d / "node-1" / "trace.bin"
    mine, theirs = _segments(first), _segments(d / "node-2" / "trace.bin")
    assert len(mine) >= 4 and len(theirs) >= 4
    seg, at = mine[2], len(COMPACT_MAGIC) + REC
    node, number, start, link = _SEG.unpack_from(seg.read_bytes(), at)
    if fault == "missing":
        seg.unlink()
        msg = f"{seg}: missing, segment 3 of the node's trace, while {mine[1].name} continues in it"
    elif fault == "cut":
        os.truncate(mine[1], mine[1].stat().st_size - 5)
        msg = f"{mine[1]}: does not end with the record that names the next segment, yet {seg.name} is there"
    else:
        data = theirs[2].read_bytes() if fault != "another run's" else seg.read_bytes()
        of, _, from_, key = _SEG.unpack_from(data, at)
        of, key = (2, key) if fault == "another node's" else (1, key if fault == "another cluster's" else b"another!")
        head = record(SEGMENT, _SEG.pack(of, 3, from_, key))
        seg.write_bytes(data[: at - REC] + head + data[at - REC + len(head) :])
        msg = {"another node's": f"{seg}: a segment of node 2's trace, not node 1's",
               "another cluster's": f"{seg}: starts at byte {from_:,} of its trace, but {mine[1].name} ends at byte "
                                    f"{start:,}",
               "another run's": f"{seg}: does not continue {mine[1].name} (another run's segment, or an older copy: "
                                "its link differs)"}[fault]
    before = {p.name: p.read_bytes() for p in first.parent.iterdir()}
    with pytest.raises(TraceFileError, match=re.escape(msg)):
        TraceWriter(first, 1, (1, 2, 3), compact=True, segment_bytes=BOUND)
    assert {p.name: p.read_bytes() for p in first.parent.iterdir()} == before  # (nothing written)


def test_a_continuation_segment_given_alone_is_refused_naming_the_first(run, capsys):
    seg = _segments(cluster.trace_files(run)[0])[1]
    capsys.readouterr()
    assert main(["audit", str(seg), "--spec", "raft"]) == 2
    err = capsys.readouterr().err
    assert f"{seg}: segment 2 of a node's trace (from its byte " in err and "give its first segment (trace.bin" in err


def _events(w: TraceWriter, clock: int, n: int, size: int = 50) -> int:
    """Write and flush n JSON-lines events of node 1 (a Multi-Paxos-like tracer's lines); the last clock."""
    pad = "x" * size
    w.write_lines([f'{{"node":1,"clock":{clock + k},"action":"A","params":{{}},"sent":[],"state":{{"v":"{pad}"}}}}'
                   for k in range(1, n + 1)])
    w.flush()
    return clock + n


def test_the_reader_holds_one_segment_at_a_time(tmp_path):
    """segment_lines of a 40-segment trace: the bytes it holds at once stay near one segment's, not the trace's."""
    first = tmp_path / "trace.bin"
    w = TraceWriter(first, 1, (1, 2, 3), compact=True, segment_bytes=64 << 10)
    clock = 0
    while trace_tail(first)[0] < 40:
        clock = _events(w, clock, 50, 200)
    w.close()
    total = trace_size(first)
    tracemalloc.start()
    try:
        n = 0
        for lines, _ in segment_lines(first):
            n += len(lines)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == clock + 1  # every event and the header
    assert peak < total / 4, (peak, total)


def test_a_restart_finishes_a_rotation_cut_by_a_crash_and_cuts_only_the_last_segment(tmp_path):
    """A crash after a segment's closing record, before the next file was in place: the next start makes that
    file and appends there (the chain reads whole); the log's cut of a write's lines lands in the last segment,
    and one before it is refused; the restarted clock is the last event's even when the last segment has none."""
    first = tmp_path / "trace.bin"
    w = TraceWriter(first, 1, (1, 2, 3), compact=True, segment_bytes=BOUND)
    clock = 0
    while trace_tail(first)[0] < 3:
        clock = _events(w, clock, 10)
    w.close()
    assert last_clock(first) == clock  # the last segment holds only its head: the clock is the one before's
    size = trace_size(first)
    segment_path(first, 3).unlink()  # the crash: segment 2 ends with its closing record, segment 3 not made
    assert trace_tail(first)[0] == 2 and trace_size(first) == size - len(COMPACT_MAGIC) - REC - _SEG.size
    check_trace(first, 1)  # (`wal check` reads it whole: the start goes on, nothing lost, so no refusal)
    with pytest.raises(TraceFileError, match="trace.000003.bin, which is missing"):
        list(segment_lines(first))  # (the audit: a last segment may have been deleted; wal check has the log's marks)
    w = TraceWriter(first, 1, (1, 2, 3), compact=True, segment_bytes=BOUND)
    assert trace_tail(first)[0] == 3 and w.size == size
    mark = w.extent()[0]
    clock = _events(w, clock, 3)
    w.close()
    cut_trace(first, mark)  # the log dropped that write: its lines go, the header line of this boot stays
    assert last_clock(first) == clock - 3
    with pytest.raises(TraceFileError, match="but its last segment starts at byte"):
        cut_trace(first, 100)
    lines = [x for chunk, _ in segment_lines(first) for x in chunk]
    assert [json.loads(x).get("clock") for x in lines if '"format"' not in x] == list(range(1, clock - 2))


def test_a_cut_of_the_first_write_keeps_the_first_segments_magic(tmp_path):
    """The first write's mark starts right after the magic (the boot's header line goes with the first events):
    a cut there is in the first segment, not before it (it was refused as before the last segment's head)."""
    first = tmp_path / "trace.bin"
    w = TraceWriter(first, 1, (1, 2, 3), compact=True, segment_bytes=BOUND)
    mark = w.extent()[0]
    _events(w, 0, 3)
    w.close()
    assert mark == len(COMPACT_MAGIC)
    cut_trace(first, mark)
    assert first.read_bytes() == COMPACT_MAGIC and last_clock(first) == 0


def test_the_segment_bound_is_a_checked_setting(tmp_path, capsys):
    d = tmp_path / "c"
    cluster.create(d, 3)
    desc = json.loads((d / "cluster.json").read_text())
    for bad in (100, 1 << 31, "64M", True):
        desc["trace_segment_bytes"] = bad
        (d / "cluster.json").write_text(json.dumps(desc))
        assert main(["cluster", "status", "--dir", str(d)]) == 2
        assert f"trace_segment_bytes must be an integer 4,096..1,073,741,824, got {bad!r}" in capsys.readouterr().err


def test_a_segment_that_grows_while_read_is_named_as_a_running_node(run, tmp_path, monkeypatch, capsys):
    """The audit of a running node's files: its last segment read, then closed and followed by a new one before
    the reader looks for it. That is not damage: the line says the node is running."""
    import spec.userfiles

    d = _copy(run, tmp_path)
    files = cluster.trace_files(d)
    seg = _segments(files[0])[1]
    real = spec.userfiles.read_bytes

    def before_its_next_record(path, *args, **kwargs):
        data = real(path, *args, **kwargs)
        return data[: -(REC + _SEG.size)] if Path(path) == seg else data  # (as read before it was closed)

    monkeypatch.setattr(spec.userfiles, "read_bytes", before_its_next_record)
    with pytest.raises(TraceFileError, match=f"{seg}: grew while it was read, and trace.000003.bin appeared after "
                       "it: its node is running"):
        list(segment_lines(files[0]))


def test_a_node_whose_last_segment_is_damaged_says_how_to_start_it(run, tmp_path, capsys):
    """A node's start reads its last segment: damaged, the node refuses in one line that says the way out (the
    trace is evidence, not state: set it aside), and `wal check` of its folder says so (it said ok); with its
    trace files moved aside it starts, with a new trace."""
    d = tmp_path / "c"
    shutil.copytree(run, d, ignore=shutil.ignore_patterns("lock", "pid"))
    last = _segments(d / "node-1" / "trace.bin")[-1]
    last.write_bytes(b"garbage")
    capsys.readouterr()
    try:
        why = (f"{last}: not a segment of a compact trace (it does not start with b'PXRTRC1\\n' and a segment record) "
               f"(its trace: move every trace*.bin* of {d / 'node-1'} aside to start it with a new one; the audit then "
               "lacks this node's history before)")
        assert main(["wal", "check", str(d / "node-1")]) == 1  # what the start would say (it said ok)
        assert f"error: {why}" in capsys.readouterr().out
        assert main(["cluster", "start", "--dir", str(d)]) == 1
        assert f"node 1: down: {why}" in capsys.readouterr().out
        aside = tmp_path / "aside"
        aside.mkdir()
        for p in (d / "node-1").glob("trace*.bin*"):
            p.rename(aside / p.name)
        assert main(["wal", "check", str(d / "node-1")]) == 0
        assert main(["cluster", "start", "--dir", str(d)]) == 0
        assert main(["kv", "put", "after", "1", "--dir", str(d)]) == 0
    finally:
        cluster.stop(d)
    assert (d / "node-1" / "trace.bin").exists()


def test_a_new_trace_after_the_old_one_was_set_aside_never_drops_a_synced_write(run, tmp_path):
    """The way out above (trace files moved aside) gives the node a new trace while its log's marks count bytes of
    the old one: a new trace that grew (an idle follower's heartbeats) into the last stale mark's range made the
    next start drop that write, synced and acknowledged. The start of a new trace now marks the log."""
    from impl.trace import JSON_LINES

    d = tmp_path / "c"
    shutil.copytree(run, d, ignore=shutil.ignore_patterns("lock", "pid"))
    home = d / "node-2"
    probe = WAL(home / "wal")
    probe._scan()
    _, _, before, _, _ = probe._mark
    last = probe._offset + len(probe._entries)
    aside = tmp_path / "aside"
    aside.mkdir()
    for p in home.glob("trace*.bin*"):
        p.rename(aside / p.name)
    pid = cluster.start_node(d, 2)  # alone: no quorum, no write of its own (pre-vote)
    try:
        for _ in range(200):
            if (home / "trace.bin").exists() and trace_size(home / "trace.bin") > len(COMPACT_MAGIC):
                break
            time.sleep(0.02)
    finally:
        os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    first = home / "trace.bin"
    pad = before - trace_size(first) - REC
    assert pad > 40
    with open(first, "ab") as f:  # its growth, to the first byte of the stale mark's range
        f.write(record(JSON_LINES, b'{"pad":"' + b"x" * (pad - 11) + b'"}\n'))
    assert trace_size(first) == before
    wal = WAL(home / "wal")
    wal.load(trace_size(first))
    assert wal.trace_cut is None and wal._offset + len(wal._entries) == last


def trace_tail_of(segment: Path) -> int:
    """Where a segment starts in its node's whole trace."""
    data = segment.read_bytes()[: len(COMPACT_MAGIC) + REC + _SEG.size]
    return 0 if len(data) < len(COMPACT_MAGIC) + REC + _SEG.size or data[len(COMPACT_MAGIC) + 8] != SEGMENT else (
        _SEG.unpack_from(data, len(COMPACT_MAGIC) + REC)[2])


@pytest.mark.parametrize("how", ["last deleted", "last cut", "first moved"])
def test_a_node_whose_trace_lost_segments_refuses_to_start(run, tmp_path, capsys, how):
    """Its last segment deleted, the start made it again from its predecessor's closing record (a crash between
    the two looks alike) and went on; cut, it went on from there; its first moved away, it went on in its last:
    each a trace with events missing, that the audit read past or could no longer read. The log's last trace mark
    (this boot of the machine) says how long the trace was: the start refuses in one line with the way out, `wal
    check` says the same, and with every trace*.bin moved aside the node starts."""
    d = tmp_path / "c"
    shutil.copytree(run, d, ignore=shutil.ignore_patterns("lock", "pid"))
    home = d / "node-1"
    segs = _segments(home / "trace.bin")
    probe = WAL(home / "wal")
    probe._scan()
    before = probe._mark[2]  # where the log's last write put its lines
    held = max(i for i, p in enumerate(segs) if trace_tail_of(p) <= before)  # the segment holding them
    assert held > 0
    if how == "last deleted":  # (the ones after it hold no log write's lines: only messages tell they are gone)
        for p in segs[held:]:
            p.unlink()
        why = (f"{home / 'trace.bin'}: the trace holds {trace_size(home / 'trace.bin'):,} bytes, but the log's last "
               "write put its lines at byte ")
    elif how == "last cut":  # (to its head, short of the write's lines: a cut at their start drops the write)
        head = len(COMPACT_MAGIC) + REC + _SEG.size
        cut = held if trace_tail_of(segs[held]) + head < before else held - 1
        for p in segs[cut + 1 :]:
            p.unlink()
        os.truncate(segs[cut], head if cut else len(COMPACT_MAGIC))
        why = f"{home / 'trace.bin'}: the trace holds {trace_size(home / 'trace.bin'):,} bytes, but"
    else:
        segs[0].rename(tmp_path / "trace.bin")
        why = f"{home / 'trace.bin'}: missing, while trace.000002.bin of its trace is there"
    capsys.readouterr()
    try:
        assert main(["wal", "check", str(home)]) == 1
        assert why in capsys.readouterr().out
        assert main(["cluster", "start", "--dir", str(d)]) == 1
        out = capsys.readouterr().out
        assert f"node 1: down: {why}" in out and f"move every trace*.bin* of {home} aside" in out
        aside = tmp_path / "aside"
        aside.mkdir()
        for p in home.glob("trace*.bin*"):
            p.rename(aside / p.name)
        assert main(["wal", "check", str(home)]) == 0
        assert main(["cluster", "start", "--dir", str(d)]) == 0
        assert main(["kv", "put", "after", "1", "--dir", str(d)]) == 0
    finally:
        cluster.stop(d)


def test_a_node_does_not_append_to_another_nodes_one_segment_trace(tmp_path):
    """A trace.bin of one segment copied from node 1's folder into node 4's: node 4's start appended its boots to
    it (the check of a segment's node is in a continuation segment's head; the audit refused the file later).
    The first record is the first boot's header: the start refuses, naming both nodes."""
    first = tmp_path / "trace.bin"
    w = TraceWriter(first, 1, (1, 2, 3), compact=True)
    _events(w, 0, 3)
    w.close()
    size = first.stat().st_size
    with pytest.raises(TraceFileError, match="the trace of node 1, not node 4's"):
        TraceWriter(first, 4, (1, 2, 3, 4), compact=True)
    assert first.stat().st_size == size
    check_tail(first, 1)  # (`wal check` of node 1's folder: ok; of node 4's: the same refusal)
    with pytest.raises(TraceFileError, match="the trace of node 1, not node 4's"):
        check_tail(first, 4)
    TraceWriter(first, 1, (1, 2, 3), compact=True).close()  # (its own node goes on)


class _CrashError(Exception):
    """A kill -9 at a point of a segment switch (the writer is abandoned there: what it wrote stays)."""


@pytest.mark.parametrize("point", ["after next", "tmp empty", "before fsync", "before rename", "after rename"])
def test_a_crash_at_every_point_of_a_segment_switch_loses_nothing(tmp_path, monkeypatch, point):
    """Killed at each point of a switch (the closing record written; the temporary file made, empty; written,
    not synced; synced, not renamed; renamed, not yet appended to), the next start goes on and the trace reads
    whole: every event once, in order, no temporary file read as a segment."""
    import impl.trace as tr

    first = tmp_path / "trace.bin"
    w = TraceWriter(first, 1, (1, 2, 3), compact=True, segment_bytes=BOUND)
    clock = _events(w, 0, 10)
    real_write, real_fsync, real_replace = tr.write_all, os.fsync, os.replace
    calls = []

    def write_all(fd, data):
        calls.append(data)
        if point == "tmp empty" and data.startswith(COMPACT_MAGIC):
            raise _CrashError
        real_write(fd, data)

    def fsync(fd):
        if point == "before fsync":
            raise _CrashError
        real_fsync(fd)

    def replace(a, b):
        if point == "before rename":
            raise _CrashError
        real_replace(a, b)
        if point == "after rename":
            raise _CrashError

    monkeypatch.setattr(tr, "write_all", write_all)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    if point == "after next":
        monkeypatch.setattr(TraceWriter, "_open_segment", lambda self, link: (_ for _ in ()).throw(_CrashError()))
    with pytest.raises(_CrashError):
        while True:
            clock = _events(w, clock, 10)
    monkeypatch.undo()
    os.close(w._fd)  # (the killed process's file)
    w = TraceWriter(first, 1, (1, 2, 3), compact=True, segment_bytes=BOUND)
    assert w.size == trace_size(first) and last_clock(first) == clock + 10  # (the switch follows a write)
    clock = _events(w, clock + 10, 10)
    w.close()
    lines = [x for chunk, _ in segment_lines(first) for x in chunk]
    assert [json.loads(x)["clock"] for x in lines if '"format"' not in x] == list(range(1, clock + 1))
    assert trace_size(first) == sum(p.stat().st_size for p in _segments(first))


def test_trace_json_never_writes_over_a_trace(run, tmp_path, capsys):
    """`trace-json D/node-1/trace.bin --out D/node-1/trace.bin` replaced the node's first segment with its JSON
    lines (exit 0), and `--out` a segment's name replaced that segment (or left a stray file the node's start took
    for its last segment). Refused in one line, exit 2, the files unchanged; any other file is written."""
    d = tmp_path / "c"
    shutil.copytree(run, d, ignore=shutil.ignore_patterns("lock", "pid"))
    first = d / "node-1" / "trace.bin"
    segs = _segments(first)
    other = tmp_path / "copy.bin"
    shutil.copy(d / "node-2" / "trace.bin", other)
    before = {p: p.read_bytes() for p in (*segs, other)}
    for out, why in ((first, "the trace being read"), (segs[1], "a compact trace file"),
                     (segment_path(first, len(segs) + 1), "the name of one of its segments"),
                     (other, "a compact trace file")):
        capsys.readouterr()
        assert main(["trace-json", str(first), "--out", str(out)]) == 2
        assert f"--out {out}: {why}" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in (*segs, other)} == before
    assert not segment_path(first, len(segs) + 1).exists()
    assert main(["trace-json", str(first), "--out", str(tmp_path / "node-1.jsonl")]) == 0


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_kill_9_at_random_with_small_segments_loses_no_acknowledged_write(tmp_path, seed):
    """Four writers against a 3-node cluster with 4 KiB segments and a compaction every 50 entries, 12 kill -9s
    of random nodes 0.2-0.8 s apart, each restarted 0.05-0.4 s later (segment switches, compactions and the
    log's drop rule cut at random points): every acknowledged write reads back, no start is refused (the short
    trace rule never fires on a crash), no temporary segment is left, and the audit explains every event."""
    import random

    from impl.kv.client import KVClient

    d, rng = tmp_path / "c", random.Random(seed)
    cluster.start(d, 3, trace_segment_bytes=BOUND, snapshot_every=50)
    acked: dict[bytes, bytes] = {}

    async def writer(stop: asyncio.Event, w: int) -> None:
        c = KVClient.from_dir(d, timeout=20)
        try:
            for k in range(100_000):
                if stop.is_set():
                    break
                key, val = b"w%d-%d" % (w, k), b"v%d" % k
                with contextlib.suppress(Exception):  # (a write cut by a kill: unknown, not acknowledged)
                    if (await c.put(key, val)).status == 0:
                        acked[key] = val
        finally:
            await c.close()

    async def chaos() -> list[bytes]:
        stop = asyncio.Event()
        writers = [asyncio.ensure_future(writer(stop, w)) for w in range(4)]
        for _ in range(12):
            await asyncio.sleep(rng.uniform(0.2, 0.8))
            victim = rng.choice([1, 2, 3])
            pid = cluster.pid_of(d, victim)
            if pid:
                os.kill(pid, signal.SIGKILL)
            await asyncio.sleep(rng.uniform(0.05, 0.4))
            await asyncio.get_running_loop().run_in_executor(None, cluster.start_node, d, victim)
        stop.set()
        await asyncio.gather(*writers)
        c = KVClient.from_dir(d, timeout=20)
        try:
            return [k for k, v in acked.items() if (await c.get(k)).value != v]
        finally:
            await c.close()

    try:
        lost = asyncio.run(chaos())
    finally:
        cluster.stop(d)
    assert len(acked) > 100 and lost == []
    assert not any("cannot start" in (d / f"node-{i}" / "node.log").read_text() for i in (1, 2, 3))
    for first in cluster.trace_files(d):
        wait_idle(first)  # (the nodes' children compressing closed segments, each with its .z.tmp meanwhile)
        assert not pending(first)
    assert not list(d.glob("node-*/*.tmp"))
    assert main(["audit", "--spec", "raft", *map(str, cluster.trace_files(d))]) == 0


def test_a_converted_copy_beside_the_trace_does_not_become_the_trace(run, tmp_path):
    """`paxraft trace-json D/node-1/trace.bin --out D/node-1/trace.jsonl` (a natural name) made the node's next
    start take trace.jsonl for a trace from before compact files and append there, leaving trace.bin (and the
    log's marks, which count its bytes) behind. The node goes on in trace.bin; the copy is left alone."""
    d = tmp_path / "c"
    shutil.copytree(run, d, ignore=shutil.ignore_patterns("lock", "pid"))
    first, copy = d / "node-1" / "trace.bin", d / "node-1" / "trace.jsonl"
    assert main(["trace-json", str(first), "--out", str(copy)]) == 0
    size, text = trace_size(first), copy.read_text()
    try:
        assert main(["cluster", "start", "--dir", str(d)]) == 0
        assert main(["kv", "put", "after", "1", "--dir", str(d)]) == 0
    finally:
        cluster.stop(d)
    assert copy.read_text() == text and trace_size(first) > size
