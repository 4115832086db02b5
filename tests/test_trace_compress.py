"""A node's closed trace segments compressed off its write path (impl/tracezip.py, docs/trace-format.md
"Compressed segments"): a child process at low priority rewrites each closed continuation segment as its ``.z``,
crash-safe at every point; the readers read either form as the same trace and refuse a damaged ``.z`` in one line
naming it; the first segment and the last are never compressed."""

from __future__ import annotations

import os
import re
import shutil
import zlib
from pathlib import Path

import pytest

from impl import tracezip
from impl.runtime import cluster
from impl.trace import TraceFileError, TraceWriter, last_clock, segment_lines, segment_path, trace_tail
from impl.tracezip import ZMAGIC, compress_closed, pending, zipped
from modelcheck.cli import main

BOUND = 4096  # the smallest segment cluster.json takes: a 40-write run closes a few per node


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """A 3-node cluster with 4 KiB segments, its nodes compressing their closed segments (the default)."""
    d = tmp_path_factory.mktemp("compressed")
    cluster.start(d, 3, trace_segment_bytes=BOUND)
    try:
        for k in range(40):
            assert main(["kv", "put", f"k{k}", f"v{k}", "--dir", str(d)]) == 0
    finally:
        cluster.stop(d)
    for first in cluster.trace_files(d):
        tracezip.wait_idle(first)  # (the nodes' children: none is left compressing)
    return d


def _copy(run: Path, to: Path) -> Path:
    shutil.copytree(run, to, ignore=shutil.ignore_patterns("lock", "pid", "wal", "*.log"))
    return to


def _decompress_all(d: Path) -> None:
    """Every ``.z`` of the cluster folder back to its segment (what the nodes wrote)."""
    for z in d.glob("node-*/trace.*.bin.z"):
        seg = z.with_name(z.name[: -len(".z")])
        seg.write_bytes(tracezip.decompress(z.read_bytes(), str(z), 1 << 30))
        z.unlink()


def _lines(first: Path) -> list[str]:
    return [x for chunk, _ in segment_lines(first) for x in chunk]


def test_a_cluster_run_compresses_its_closed_segments_and_audits_as_uncompressed(run, tmp_path, capsys):
    """The nodes' children compressed every closed continuation segment (the first and the last stay as they are);
    the audit and trace-json of the compressed traces say exactly what they say of the same traces uncompressed."""
    firsts = cluster.trace_files(run)
    for first in firsts:
        last = trace_tail(first)[0]
        assert last >= 3, last  # (a leader's trace: about twice a follower's)
        assert first.exists() and segment_path(first, last).exists() and not zipped(segment_path(first, last)).exists()
        for n in range(2, last):
            seg = segment_path(first, n)
            assert zipped(seg).exists() and not seg.exists(), seg
            assert zipped(seg).read_bytes().startswith(ZMAGIC)
        assert not pending(first) and not list(first.parent.glob("*.tmp"))
    plain = _copy(run, tmp_path / "plain")
    _decompress_all(plain)
    outs = []
    for d in (run, plain):
        capsys.readouterr()
        assert main(["audit", "--spec", "raft", *map(str, cluster.trace_files(d))]) == 0
        audit = re.sub(r"in [\d.]+s \([\d,]+ events/s\)", "", capsys.readouterr().out.replace(str(d), "D"))
        assert main(["trace-json", str(d / "node-1" / "trace.bin")]) == 0
        outs.append((audit, capsys.readouterr().out))
    assert "OK: every event is explained" in outs[0][0]
    assert outs[0] == outs[1]
    assert sum(p.stat().st_size for p in plain.glob("node-*/trace*")) > 2 * sum(  # (4 KiB segments: ~3x)
        p.stat().st_size for p in run.glob("node-*/trace*"))


def _events(w: TraceWriter, clock: int, n: int = 10) -> int:
    """Write and flush n JSON-lines events of node 1; the last clock."""
    w.write_lines([f'{{"node":1,"clock":{clock + k},"action":"A","params":{{}},"sent":[],"state":{{"v":"{"x" * 50}"}}}}'
                   for k in range(1, n + 1)])
    w.flush()
    return clock + n


def _clocks(first: Path) -> list[int]:
    return [int(x.split('"clock":')[1].split(",")[0]) for x in _lines(first) if '"format"' not in x]


def test_a_writer_starts_its_child_at_start_and_at_rotation(tmp_path):
    """Segments left uncompressed (compression off, or a node killed before its child ran) are compressed by the
    child the next start makes; then each rotation's child takes the segment just closed. Nothing is lost."""
    first = tmp_path / "trace.bin"
    w = TraceWriter(first, 1, (1, 2, 3), compact=True, segment_bytes=BOUND)
    clock = 0
    while trace_tail(first)[0] < 5:
        clock = _events(w, clock)
    w.close()
    assert w.compressors == [] and pending(first)
    w = TraceWriter(first, 1, (1, 2, 3), compact=True, segment_bytes=BOUND, compress=True)
    assert len(w.compressors) == 1  # at start: segments 2-4 are closed, uncompressed
    w.compressors[0].wait()
    assert [zipped(segment_path(first, n)).exists() for n in range(1, 6)] == [False, True, True, True, False]
    while trace_tail(first)[0] < 9:
        clock = _events(w, clock)
    w.close()
    for c in w.compressors:
        assert c.wait() == 0
    assert not pending(first)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "trace.000002.bin.z", "trace.000003.bin.z", "trace.000004.bin.z", "trace.000005.bin.z", "trace.000006.bin.z",
        "trace.000007.bin.z", "trace.000008.bin.z", "trace.000009.bin", "trace.bin"]
    assert _clocks(first) == list(range(1, clock + 1))


def test_a_restarts_clock_is_read_through_a_compressed_segment(tmp_path):
    """A last segment that holds no event yet (the rotation came with the last write) sends last_clock (a node's
    start, recover-node's peers' clocks) to the segment before, compressed by then: it is read from its ``.z``."""
    first = tmp_path / "trace.bin"
    w = TraceWriter(first, 1, (1, 2, 3), compact=True, segment_bytes=BOUND)
    clock = 0
    while trace_tail(first)[0] < 3:
        clock = _events(w, clock)
    w.close()
    assert compress_closed(first) == [zipped(segment_path(first, 2))]
    assert last_clock(first) == clock


def test_a_compressed_segment_out_of_place_is_refused_naming_both_files(tmp_path):
    """Segments checked to continue one another read the same compressed: segment 4's ``.z`` in place of segment
    3's is refused, naming it and the ``.z`` it does not continue (the line named ``trace.000002.bin``, not there)."""
    first = tmp_path / "trace.bin"
    w = TraceWriter(first, 1, (1, 2, 3), compact=True, segment_bytes=BOUND)
    clock = 0
    while trace_tail(first)[0] < 6:
        clock = _events(w, clock)
    w.close()
    assert len(compress_closed(first)) == 4
    z2, z3, z4 = (zipped(segment_path(first, n)) for n in (2, 3, 4))
    z4.replace(z3)
    with pytest.raises(TraceFileError, match=f"^{z3}: does not continue {z2} \\(it is segment 4, expected 3"):
        _lines(first)


def _refused(files: list[Path], msg: str, capsys) -> None:
    """`paxraft audit` of the files and `trace-json` of the damaged node's: exit 2, one line with ``msg`` each."""
    capsys.readouterr()
    assert main(["audit", *map(str, files), "--spec", "raft"]) == 2
    out = files[0].parent / "out.jsonl"
    assert main(["trace-json", str(files[0]), "--out", str(out)]) == 2
    assert not out.exists()
    printed, err = capsys.readouterr()
    assert err.count(msg) == 2, err
    assert len(err.strip().splitlines()) == 2 and "Traceback" not in err and not printed


@pytest.mark.parametrize("damage, why", [
    ("magic", "it does not start with b'PXRTRCZ\\n'"),
    ("head", "head checksum mismatch"),
    ("stream", ""),  # (what a flipped byte makes of the stream varies: an error, more bytes, others, other bytes)
    ("cut", "the stream ends early, after"),
    ("appended", "3 bytes after the stream"),
    ("length", "that do not match its head"),
])
def test_a_damaged_compressed_segment_is_refused_naming_it(run, tmp_path, capsys, damage, why):
    d = _copy(run, tmp_path / "c")
    files = cluster.trace_files(d)
    z = zipped(segment_path(files[0], 2))
    data = bytearray(z.read_bytes())
    if damage == "magic":
        data[3] ^= 1
    elif damage == "head":
        data[len(ZMAGIC) + 2] ^= 1
    elif damage == "stream":
        data[len(data) // 2] ^= 0xFF
    elif damage == "cut":
        del data[-10:]
    elif damage == "appended":
        data += b"xyz"
    else:  # a head that says one byte less, its checksum made again: the stream holds more
        import zlib
        at = len(ZMAGIC)
        n = int.from_bytes(data[at : at + 8], "big") - 1
        data[at : at + 8] = n.to_bytes(8, "big")
        data[at + 12 : at + 16] = zlib.crc32(bytes(data[at : at + 12])).to_bytes(4, "big")
        why = f"it holds more than the {n:,} bytes its head says"
    z.write_bytes(bytes(data))
    _refused(files, f"{z}: damaged compressed segment: {why}", capsys)


class _CrashError(Exception):
    """A kill -9 of the compressing child at a point of its work."""


@pytest.mark.parametrize("point", ["written", "renamed", "renamed, .z damaged"])
def test_a_crash_while_compressing_leaves_both_and_the_next_run_finishes(run, tmp_path, monkeypatch, point):
    """Killed with the ``.z`` written but not renamed (its temporary left), or renamed but the segment not yet
    removed (both there): the trace reads the same throughout, and the next run leaves the ``.z`` alone, checked
    against the segment (written again when it does not hold it), then removes the segment."""
    d = _copy(run, tmp_path / "c")
    first = cluster.trace_files(d)[0]
    want = _lines(first)
    seg = segment_path(first, 2)
    z = zipped(seg)
    seg.write_bytes(tracezip.decompress(z.read_bytes(), str(z), 1 << 30))
    z.unlink()
    real_replace = os.replace

    def replace(a, b):
        if point == "written":
            raise _CrashError
        real_replace(a, b)

    monkeypatch.setattr(tracezip.os, "replace", replace)
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: (_ for _ in ()).throw(_CrashError()))
    with pytest.raises(_CrashError):
        compress_closed(first)
    monkeypatch.undo()
    tmp = z.with_name(z.name + ".tmp")
    assert seg.exists() and (tmp.exists(), z.exists()) == ((True, False) if point == "written" else (False, True))
    if point == "renamed, .z damaged":
        z.write_bytes(z.read_bytes()[:-5])
    assert _lines(first) == want  # (both there: the segment is read)
    assert compress_closed(first) == ([] if point == "renamed" else [z])
    assert not seg.exists() and z.exists() and not tmp.exists() and not pending(first)
    assert _lines(first) == want


def test_wal_check_sees_a_trace_left_only_in_compressed_segments(run, tmp_path, capsys):
    """`paxraft wal check` of a node's folder checks its trace as the start does: with the first segment moved
    away and only ``.z`` segments left, it looked for ``trace.NNNNNN.bin`` names, found none and said ok, where the
    node's start refuses."""
    d = tmp_path / "c"
    shutil.copytree(run, d, ignore=shutil.ignore_patterns("lock", "pid"))
    home = d / "node-1"
    first = home / "trace.bin"
    segment_path(first, trace_tail(first)[0]).unlink()
    first.rename(tmp_path / "trace.bin")
    assert {p.suffix for p in home.glob("trace*")} == {".z"}
    capsys.readouterr()
    assert main(["wal", "check", str(home)]) == 1
    assert f"{first}: missing, while trace.000002.bin.z of its trace is there" in capsys.readouterr().out


@pytest.mark.parametrize("fault", ["damaged", "missing", "another node's"])
def test_wal_check_reads_every_segment(run, tmp_path, capsys, fault):
    """`wal check` of a node's folder reads its whole trace, as the audit does: it read the last segment only (a
    damaged, missing or foreign ``.z`` in the middle: "ok", exit 0). The node's start reads each segment's head:
    it refuses a missing or foreign one (a ``.z``'s first bytes inflated), not the damage inside a stream."""
    d = tmp_path / "c"
    shutil.copytree(run, d, ignore=shutil.ignore_patterns("lock", "pid"))
    home = d / "node-2"
    first = home / "trace.bin"
    assert trace_tail(first)[0] >= 4
    z = zipped(segment_path(first, 3))
    if fault == "damaged":
        data = bytearray(z.read_bytes())
        data[len(data) // 2] ^= 0xFF
        z.write_bytes(bytes(data))
        msg = f"{z}: damaged compressed segment: "
    elif fault == "missing":
        z.unlink()
        msg = f"{segment_path(first, 3)}: missing, segment 3 of the node's trace, while trace.000002.bin.z continues"
    else:
        shutil.copy(zipped(segment_path(d / "node-3" / "trace.bin", 3)), z)
        msg = f"{z}: a segment of node 3's trace, not node 2's (copied from another node's folder?)"
    capsys.readouterr()
    assert main(["wal", "check", str(home)]) == 1
    out = capsys.readouterr().out
    assert f"error: {msg}" in out and "REFUSED" in out, out
    if fault != "damaged":
        with pytest.raises(TraceFileError, match=re.escape(msg)):
            TraceWriter(first, 2, (1, 2, 3), compact=True, segment_bytes=BOUND)


def test_either_form_of_each_segment_reads_as_the_same_trace(run, tmp_path, capsys):
    """A ``.z`` without its segment (the usual state), a segment without its ``.z`` (not yet compressed), mixed in
    one trace: the same lines; the next run compresses what is left. A compressed last segment (never the node's
    doing) is refused at the node's start, naming it; trace-json's --out refuses a ``.z`` name of the trace."""
    d = _copy(run, tmp_path / "c")
    first = cluster.trace_files(d)[0]
    want = _lines(first)
    last = trace_tail(first)[0]
    for n in range(2, last, 2):
        z = zipped(segment_path(first, n))
        segment_path(first, n).write_bytes(tracezip.decompress(z.read_bytes(), str(z), 1 << 30))
        z.unlink()
    assert _lines(first) == want and pending(first)
    assert len(compress_closed(first)) == len(range(2, last, 2)) and _lines(first) == want
    capsys.readouterr()
    out = zipped(segment_path(first, 2))
    assert main(["trace-json", str(first), "--out", str(out)]) == 2
    assert "the name of one of its segments" in capsys.readouterr().err
    seg = segment_path(first, last)
    seg.rename(zipped(seg))
    with pytest.raises(TraceFileError, match=f"{zipped(seg)}: the trace's last segment is compressed, yet its node "
                       "appends to it"):
        TraceWriter(first, 1, (1, 2, 3), compact=True, segment_bytes=BOUND, compress=True)


def test_a_compressed_copy_that_differs_from_its_segment_is_kept(run, tmp_path):
    """A segment and its ``.z`` both there (a crash's leftover) but not the same bytes (the segment damaged since):
    the next run wrote the ``.z`` again from the segment and removed it, losing the one intact copy. Both are kept
    now, and named in one line; the other segments are compressed as before."""
    d = _copy(run, tmp_path / "c")
    first = cluster.trace_files(d)[0]
    z = zipped(segment_path(first, 2))
    seg = bytearray(tracezip.decompress(z.read_bytes(), str(z), 1 << 30))
    seg[len(seg) // 2] ^= 1  # (a record's payload: its checksum no longer matches; it still ends with NEXT)
    segment_path(first, 3).write_bytes(tracezip.decompress(zipped(segment_path(first, 3)).read_bytes(), "", 1 << 30))
    zipped(segment_path(first, 3)).unlink()  # (and one left to compress)
    before = z.read_bytes()
    segment_path(first, 2).write_bytes(seg)
    with pytest.raises(tracezip.CompressedSegmentError, match=re.escape(
            f"{z}: holds other bytes than trace.000002.bin beside it, which the readers read: both left")):
        compress_closed(first)
    assert z.read_bytes() == before and segment_path(first, 2).read_bytes() == seg
    assert zipped(segment_path(first, 3)).exists() and not segment_path(first, 3).exists()
    assert not list(first.parent.glob("*.tmp"))
    whole = tracezip.decompress(before, str(z), 1 << 30)  # a .z of a part of the segment only: written over
    segment_path(first, 2).write_bytes(whole)
    z.write_bytes(ZMAGIC + tracezip._head(100, zlib.crc32(whole[:100])) + zlib.compress(whole[:100]))
    assert compress_closed(first) == [z] and tracezip.decompress(z.read_bytes(), str(z), 1 << 30) == whole


def test_a_small_file_inflating_to_a_large_segment_is_read_into_one_buffer(tmp_path):
    """A ``.z`` is inflated into one buffer of the length its head says, checked first a piece at a time: reading
    32 MiB from a 32 KiB file held twice that (zlib's blocks, then their join), so a 1 MiB bomb held 2 GiB.
    Bytes after the stream are still refused wherever they start."""
    import tracemalloc
    import zlib

    size = 32 << 20
    c = zlib.compressobj(9)
    body = c.compress(bytes(size)) + c.flush()
    data = ZMAGIC + tracezip._head(size, zlib.crc32(bytes(size))) + body
    tracemalloc.start()
    try:
        out = tracezip.decompress(data, "x.z", 1 << 30)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(out) == size and not any(out[:: 1 << 16])
    assert peak < size + (4 << 20), peak
    with pytest.raises(tracezip.CompressedSegmentError, match="200,000 bytes after the stream"):
        tracezip.decompress(data + bytes(200_000), "x.z", 1 << 30)


@pytest.mark.parametrize("form", ["compact", "json lines"])
def test_trace_json_into_a_closed_pipe_ends_quietly(tmp_path, form):
    """`trace-json T | head`: a reader gone ends the command with status 141 and nothing on stderr, as every command
    does (its write errors were all read as --out's: `--out None: cannot write: Broken pipe`, exit 2)."""
    import subprocess
    import sys

    first = tmp_path / "trace.bin"
    w = TraceWriter(first, 1, (1, 2, 3), compact=form == "compact", segment_bytes=BOUND)
    clock = 0
    while clock < 400:
        clock = _events(w, clock)
    w.close()
    proc = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "trace-json", str(first)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).parent.parent)
    proc.stdout.close()  # (the reader gone before the first line, as `| head -0`)
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141 and err == b"", err


def test_a_compressed_segment_given_as_a_trace_is_named_so(run, capsys):
    """`trace-json`, `audit` and `replay` given a ``.z`` (tab completion's pick) said 'not UTF-8 text'; `replay`
    said so of a node's trace.bin too. They say what the file is and which one to give."""
    first = cluster.trace_files(run)[0]
    z = zipped(segment_path(first, 2))
    what = ("a compressed segment of a node's compact trace, not a trace file: give the trace's first segment "
            "(trace.bin in the node's folder)")
    for argv, want in ((["trace-json", str(z)], f"trace {z}: {what}"), (["audit", "--spec", "raft", str(z)],
                       f"{z}: {what}"), (["replay", str(z)], f"{z}: a node's compact trace (or a segment of one), "
                                                              "not an ITF trace"),
                       (["replay", str(first)], f"{first}: a node's compact trace")):
        capsys.readouterr()
        assert main(argv) == 2
        out, err = capsys.readouterr()
        assert not out and len(err.strip().splitlines()) == 1 and want in err, err
