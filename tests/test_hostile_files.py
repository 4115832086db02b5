"""Files edited by hand or damaged (hostile6): a checkpoint's manifest, a cluster's cluster.json under `wal check`,
`cluster` and `kv`. Each was a traceback, an internal error, a "Fatal Python error" or a silent "ok" before.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from test_cli import one_error_line, run

from impl.storage.wal import check as wal_check
from modelcheck.cli.main import _hash_seed_for
from modelcheck.engine import checkpoint

DEEP = "[" * 100_000 + "]" * 100_000


def a_checkpoint(capsys: pytest.CaptureFixture, tmp_path: Path) -> Path:
    """A checkpoint of a Paxos run stopped at 2,000 states."""
    ck = tmp_path / "ck"
    code, _, _ = run(capsys, "check", "paxos", "--checkpoint", str(ck), "--checkpoint-every", "0",
                     "--max-states", "2000", "--quiet")
    assert code == 0 and (ck / "current" / "manifest.json").is_file()
    return ck


def edit_manifest(ck: Path, **hashing: str) -> None:
    """The manifest's hashing fields changed, its checksum made again (an edit by someone who knows the format)."""
    path = ck / "current" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["hashing"].update(hashing)
    manifest["sha256"] = checkpoint._digest(manifest)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(("seed", "taken"), [("12", "12"), ("99999999999", None), ("\u0661\u0662", None),
                                             ("4294967296", None), ("4294967295", "4294967295")])
def test_a_recorded_seed_python_cannot_start_with_is_not_taken(capsys: pytest.CaptureFixture, tmp_path: Path,
                                                               seed: str, taken: str | None) -> None:
    """The resume starts Python again under the recorded PYTHONHASHSEED: one out of Python's range, or of
    non-ASCII digits (str.isdigit takes them), ended it in "Fatal Python error", exit 1."""
    ck = a_checkpoint(capsys, tmp_path)
    edit_manifest(ck, seed=seed)
    assert checkpoint.recorded_seed(ck) == taken
    assert _hash_seed_for(["check", "--resume", str(ck)]) == taken


def test_a_manifest_nested_too_deep_is_a_damaged_checkpoint(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    ck = a_checkpoint(capsys, tmp_path)
    (ck / "current" / "manifest.json").write_text(DEEP)
    assert _hash_seed_for(["check", "--resume", str(ck)]) is None  # (a RecursionError traceback before the run)
    code, out, err = run(capsys, "check", "--resume", str(ck))
    assert code == 2 and out == "" and one_error_line(err) == (
        f"paxraft check: error: {ck / 'current'}/manifest.json: damaged (RecursionError); cannot resume")


def a_cluster(tmp_path: Path) -> Path:
    """A one-node cluster's folder (no process started)."""
    from impl.runtime import cluster

    d = tmp_path / "c"
    cluster.create(d, 1)
    cluster.release_ports(d)
    return d


def test_cluster_commands_refuse_a_cluster_json_nested_too_deep(capsys: pytest.CaptureFixture,
                                                                tmp_path: Path) -> None:
    """Was: `cluster status/stop/recover-node` printed "paxraft cluster: maximum recursion depth exceeded ..." on
    stdout, exit 1; `kv` an internal error, exit 4."""
    d = a_cluster(tmp_path)
    (d / "cluster.json").write_text(DEEP)
    want = f"{d / 'cluster.json'}: not a usable cluster description (maximum recursion depth exceeded"
    for argv in (["cluster", "status", "--dir", str(d)], ["cluster", "recover-node", "--dir", str(d), "--node", "1"],
                 ["kv", "--dir", str(d), "get", "k"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "" and want in one_error_line(err), argv


@pytest.mark.parametrize(("content", "why"), [
    (DEEP, "JSON nested too deeply (more than about 1,000 levels)"),  # (an internal error, exit 4)
    (b"\xff\xfe", "not UTF-8 text"),  # (these four: "ok", exit 0, the owner unchecked)
    ("[1]", "not a usable cluster description (list indices must be integers"),
    (json.dumps({"secret": 5}), "not a usable cluster description (fromhex() argument must be str, not int)"),
    (None, "cannot read: a directory, not a file"),
])
def test_wal_check_says_when_it_cannot_read_the_owner_from_cluster_json(capsys: pytest.CaptureFixture,
                                                                          tmp_path: Path, content: str | bytes | None,
                                                                          why: str) -> None:
    d = a_cluster(tmp_path)
    code, out, _ = run(capsys, "wal", "check", str(d / "node-1"))
    assert code == 0 and ": ok (format 2)" in out
    desc = d / "cluster.json"
    os.unlink(desc)
    if content is None:
        desc.mkdir()
    else:
        desc.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, _ = run(capsys, "wal", "check", str(d / "node-1"))
    assert code == 1 and ": REFUSED (format 2)" in out
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and why in errors[0] and errors[0].endswith("the log's owner was not checked")


def test_a_full_disk_is_one_line_not_an_internal_error(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """`--msc /dev/full`: 'internal error: OSError: [Errno 28] No space left on device (a bug in paxraft ...)',
    exit 4; a write names no file, so the rule for an OSError naming one did not apply."""
    from test_audit_hostile import pingpong

    pingpong(tmp_path)
    code, _, err = run(capsys, "audit", "--spec", f"{tmp_path / 'pingpong_log.py'}:PingPong", str(tmp_path / "p0.log"),
                       str(tmp_path / "p1.log"), "--msc", "/dev/full")
    assert code == 2 and one_error_line(err) == (
        "paxraft audit: error: No space left on device (while writing the output)")


@pytest.mark.parametrize(("part", "value", "named"), [
    ("identity", [1], '"identity" is not an object'),
    ("coordinator", "x", '"coordinator" is not an object'),
    ("options", None, '"options" is not an object'),
    ("hashing", 7, '"hashing" is not an object'),
    ("coordinator.total", "5", '"coordinator.total" is not an integer >= 0'),
    ("coordinator.depth", -1, '"coordinator.depth" is not an integer >= 0'),
    ("coordinator.lo", True, '"coordinator.lo" is not an integer >= 0'),
    ("coordinator.seconds", [], '"coordinator.seconds" is not a number'),
    # hostile7: the run's options (cli) reached the resume unchecked (exit 4), and counters out of order or NaN
    # seconds were taken up: lo past level_hi ended the search at once, "No error found" of a run cut at 500 states
    ("cli", [1], '"cli" is not an object'),
    ("cli.bounds", "x", '"cli.bounds" is not an object'),
    ("cli.spec", 5, '"cli.spec" is not a string'),
    ("cli.workers", "2", '"cli.workers" is not an integer >= 1'),
    ("cli.variant", 3, '"cli.variant" is not a string or null'),
    ("coordinator.lo", 10**6, '"coordinator" counters out of order (lo <= level_hi <= total)'),
    ("coordinator.level_hi", 3, '"coordinator" counters out of order (lo <= level_hi <= total)'),
    ("coordinator.seconds", float("nan"), '"coordinator.seconds" is not a number'),
])
def test_a_manifest_edited_with_its_checksum_made_again_is_refused_in_one_line(
        capsys: pytest.CaptureFixture, tmp_path: Path, part: str, value: object, named: str) -> None:
    """The checksum is no MAC: an edit that made it again with `identity` a list or `coordinator` a string reached
    `.get` on a non-object, an internal error (exit 4); now the manifest is damaged, exit 2, naming the part."""
    ck = a_checkpoint(capsys, tmp_path)
    path = ck / "current" / "manifest.json"
    manifest = json.loads(path.read_text())
    *outer, last = part.split(".")
    (manifest[outer[0]] if outer else manifest)[last] = value
    manifest["sha256"] = checkpoint._digest(manifest)
    path.write_text(json.dumps(manifest))
    code, out, err = run(capsys, "check", "--resume", str(ck))
    assert code == 2 and out == "" and one_error_line(err) == (
        f"paxraft check: error: {ck / 'current'}/manifest.json: damaged ({named}); cannot resume")


@pytest.mark.parametrize("name", ["/etc/passwd", "../x", "..", "sub/x", ""])
def test_a_manifest_naming_a_file_outside_its_folder_is_refused(capsys: pytest.CaptureFixture, tmp_path: Path,
                                                                name: str) -> None:
    """hostile7: the manifest's "files" names were joined to the checkpoint's folder unchecked: with the checksum
    made again, "/etc/passwd" or "../x" was read for its size and CRC ("size or checksum differs", or taken up when
    they matched). Only a plain file name of the folder is taken."""
    ck = a_checkpoint(capsys, tmp_path)
    (ck / "x").write_bytes(b"outside")
    path = ck / "current" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["files"][name] = {"bytes": 7, "crc32": zlib.crc32(b"outside")}
    manifest["sha256"] = checkpoint._digest(manifest)
    path.write_text(json.dumps(manifest))
    code, out, err = run(capsys, "check", "--resume", str(ck))
    assert code == 2 and out == "" and one_error_line(err) == (
        f"paxraft check: error: {ck / 'current'}/manifest.json: damaged (\"files\" names {name!r}, not a file of "
        "the checkpoint's folder); cannot resume")


def test_a_manifest_whose_total_was_edited_down_is_refused(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """Counters in order but fewer states than the stores hold (its checksum made again): the search ended at the
    level's end, "No error found" of a run stopped at 2,000 states; the workers' stores now say how many there are."""
    ck = a_checkpoint(capsys, tmp_path)
    path = ck / "current" / "manifest.json"
    manifest = json.loads(path.read_text())
    held = manifest["coordinator"]["total"]
    manifest["coordinator"].update(total=300, level_hi=300, lo=300)
    manifest["sha256"] = checkpoint._digest(manifest)
    path.write_text(json.dumps(manifest))
    code, out, err = run(capsys, "check", "--resume", str(ck))
    assert code == 2 and out == "" and one_error_line(err) == (
        f"paxraft check: error: {ck / 'current'}/manifest.json: damaged (it says 300 states, its stores hold "
        f"{held:,}); cannot resume")


def one_line(err: str, needle: str) -> None:
    assert needle in one_error_line(err), err


def _paxraft(*argv: str) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, bounded: each of these held its command for ever."""
    from impl.runtime import cluster

    return subprocess.run([sys.executable, "-m", "modelcheck.cli", *argv], capture_output=True, text=True, timeout=120,
                          cwd=cluster.ROOT)


def test_a_fifo_as_cluster_json_is_one_line_not_a_command_waiting_for_ever(tmp_path: Path) -> None:
    """cluster.json is opened without waiting and read only as a regular file, up to 1 MiB: a FIFO there held every
    command and node that read it for ever (its open() waited for a writer)."""
    d = a_cluster(tmp_path)
    os.unlink(d / "cluster.json")
    os.mkfifo(d / "cluster.json", 0o600)
    for argv in (["cluster", "status"], ["cluster", "start"], ["cluster", "stop"], ["kv", "get", "k"]):
        r = _paxraft(*argv, "--dir", str(d))
        assert (r.returncode, r.stdout) == (2, ""), argv
        one_line(r.stderr, f"{d / 'cluster.json'}: not a usable cluster description (not a regular file (a FIFO, a "
                           "device or a socket))")
    os.unlink(d / "cluster.json")
    (d / "cluster.json").write_text(" " * (1 << 20) + "{}")
    code = _paxraft("cluster", "status", "--dir", str(d))
    assert code.returncode == 2 and "not a usable cluster description (larger than 1,048,576 bytes)" in code.stderr


@pytest.mark.parametrize("name", ["node.log", "lock", "boot", "pid"])
def test_a_fifo_or_folder_among_a_node_folders_files_is_named_before_any_node_starts(tmp_path: Path, name: str) -> None:
    """A FIFO as node-2/node.log held `cluster start` for ever (its open waited for a reader), as node-2/pid or lock
    it held `cluster status`, `start` and `stop` (their reads waited for a writer), as node-2/boot it held the node;
    a folder as boot failed the node with '[Errno 21] Is a directory'. `cluster start` names it and starts no node;
    `status` reads past it."""
    from impl.runtime import cluster

    d = tmp_path / "c"
    cluster.create(d, 3)
    cluster.release_ports(d)
    f = d / "node-2" / name
    f.unlink(missing_ok=True)
    os.mkfifo(f, 0o600)
    status = _paxraft("cluster", "status", "--dir", str(d))
    assert status.returncode == 1 and status.stdout.count("not running") == 3, status
    r = _paxraft("cluster", "start", "--dir", str(d))
    assert (r.returncode, r.stdout) == (2, "")
    one_line(r.stderr, f"{f}: not a regular file (a FIFO, a device or a socket), where a node keeps its {name} file: "
                       "move it out of the way")
    assert all(cluster.pid_of(d, i) is None for i in (1, 2, 3))
    f.unlink()
    f.mkdir()
    r = _paxraft("cluster", "start", "--dir", str(d))
    assert r.returncode == 2
    one_line(r.stderr, f"{f}: a folder, where a node keeps its {name} file: move it out of the way")


@pytest.mark.parametrize("fifo", [True, False])
def test_a_trace_bin_that_is_a_fifo_or_a_folder_is_named_by_wal_check(tmp_path: Path, fifo: bool) -> None:
    """A FIFO as a node's trace.bin held `wal check` (and the node's start) for ever; a folder was named with
    '[Errno 21] Is a directory'. Both: REFUSED, exit 1, the file named (the node's start says the same)."""
    d = a_cluster(tmp_path)
    f = d / "node-1" / "trace.bin"
    os.mkfifo(f) if fifo else f.mkdir()
    r = _paxraft("wal", "check", str(d / "node-1"))
    what = "not a regular file (a FIFO, a device or a socket)" if fifo else "a folder"
    assert r.returncode == 1 and f"error: {f}: {what}, where the node keeps its trace (a file)" in r.stdout, r


def test_wal_check_of_a_node_whose_wal_folder_is_a_file_is_refused(capsys: pytest.CaptureFixture,
                                                                   tmp_path: Path) -> None:
    """A node's wal/ replaced by a file: `wal check` said the folder was no node's folder (exit 2), though the node
    refuses to start on it; it is REFUSED (exit 1), the wal/ named."""
    import shutil

    d = a_cluster(tmp_path)
    wal = d / "node-1" / "wal"
    shutil.rmtree(wal)
    wal.write_bytes(b"")
    code, out, _ = run(capsys, "wal", "check", str(d / "node-1"))
    assert code == 1 and f"error: {wal}: not a folder" in out, out


def test_trace_json_out_a_fifo_or_a_link_is_written_into_not_replaced(tmp_path: Path) -> None:
    """`trace-json --out FIFO` waited for ever for a reader (it read the FIFO to see whether it held a trace); with a
    reader, the FIFO was replaced by a file and the reader got nothing; a link (`--out /dev/stdout`) was replaced by
    a file. A FIFO no process reads is one line, exit 2; one read, and a link's target, get the lines."""
    import threading

    trace = tmp_path / "t.jsonl"
    trace.write_text(json.dumps({"node": 1, "clock": 1, "action": "Init", "params": {}, "sent": [], "state": {}})
                     + "\n")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    r = _paxraft("trace-json", str(trace), "--out", str(fifo))
    assert (r.returncode, r.stdout) == (2, "")
    one_line(r.stderr, f"--out {fifo}: a FIFO that no process reads (writing would wait for one)")
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = _paxraft("trace-json", str(trace), "--out", str(fifo))
    reader.join(60)
    assert r.returncode == 0 and got == [trace.read_bytes()] and fifo.is_fifo()
    target, link = tmp_path / "target", tmp_path / "link"
    link.symlink_to(target)
    assert _paxraft("trace-json", str(trace), "--out", str(link)).returncode == 0
    assert link.is_symlink() and target.read_bytes() == trace.read_bytes()


@pytest.mark.parametrize("cut_at", [1, 2, 3])
def test_a_new_cluster_whose_start_was_cut_short_starts_next_time(capsys: pytest.CaptureFixture, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 cut_at: int) -> None:
    """`cluster start` of a new folder stopped (Ctrl-C, kill) once some nodes' empty logs were made and before
    cluster.json was: each later start was an internal error (WALError: the log of node 1 of another cluster), the
    folder unusable. The secret is staged before the logs now, and the next start makes them its own; a folder
    left so by an older paxraft is one line naming the node's folder."""
    from impl.runtime import cluster

    d = tmp_path / "c"
    real = cluster.init_node

    def cut(directory: Path, node: int, **kw: object) -> None:
        if node == cut_at:
            raise KeyboardInterrupt
        real(directory, node, **kw)

    monkeypatch.setattr(cluster, "init_node", cut)
    with pytest.raises(KeyboardInterrupt):
        cluster.create(d, 3)
    monkeypatch.undo()
    cluster.release_ports(d)
    assert not (d / "cluster.json").exists() and len(list(d.glob("node-*/wal/wal.log"))) == cut_at - 1
    old = tmp_path / "old"  # (as an older paxraft left it: no staged secret)
    if cut_at > 1:
        shutil.copytree(d, old)
        (old / cluster.CREATING).unlink()
    desc = cluster.create(d, 3)
    cluster.release_ports(d)
    assert (d / "cluster.json").exists() and not (d / cluster.CREATING).exists()
    for i in (1, 2, 3):
        rep = wal_check(d / f"node-{i}" / "wal", owner=cluster.identity(desc, i))
        assert rep.ok and not rep.errors, rep.errors
    if cut_at > 1:
        code, out, err = run(capsys, "cluster", "start", "--dir", str(old))
        assert code == 2 and not out and one_error_line(err).startswith(
            f"paxraft cluster: error: no new cluster made in {old}: {old}/node-1/wal/wal.log: the log of node 1 of "
            "another cluster"), err
        assert err.rstrip().endswith(f"move {old}/node-1 aside and start again"), err
