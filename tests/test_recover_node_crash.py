"""`paxraft cluster recover-node` killed (-9) at every point where it changes the node's folder (issue 14, hostile11).

Whatever point the kill hits, the folder must be one the node's start handles safely: its old log untouched and no
rejoining marker (nothing changed yet), or no readable log (the start refuses in one line), or the rejoining marker
with the rebuilt log holding the vote floor (the node waits to catch up and never votes in a term it may have voted
in). And a second `recover-node` must finish the rebuild from there. `recover-node` used to create the new log in
place after writing the marker: killed between the log's creation and the floor's fsync, it left a marker and a log
at term 0, a node that votes once caught up in a term it may already have voted in (the `rebuild-without-floor`
counterexample of docs/durability.md).
"""

from __future__ import annotations

import builtins
import io
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from impl.raft.core import HardState, Ready
from impl.raft.rejoin import REJOINING, read_marker
from impl.runtime import cluster
from impl.storage.wal import WAL
from impl.storage.wal import check as wal_check

FLOOR = 3  # the highest term in the peers' logs: the rebuilt node's vote floor
WRITES = ("rename", "replace", "write", "pwrite", "fsync", "fdatasync", "ftruncate", "mkdir", "unlink", "rmdir",
          "truncate", "symlink", "link")


class StartedError(Exception):
    """recover_node got as far as starting the node (the test starts none)."""


def _set_term(d: Path, node: int, term: int) -> None:
    w = WAL(d / f"node-{node}" / "wal", owner=cluster.identity(cluster.load(d), node))
    w.load()
    w.save(Ready(hard_state=HardState(term, node)))
    w.sync()
    w.close()


def _no_start(directory: Path, node: int) -> int:
    raise StartedError


def _recover_killed_at(d: Path, k: int) -> int:
    """Run recover_node in a forked child that SIGKILLs itself just before its k-th call that changes a file; the
    child's exit status (0: it got to start the node, -9: killed)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            calls = 0

            def counted(f: Any) -> Any:
                def call(*a: Any, **kw: Any) -> Any:
                    nonlocal calls
                    calls += 1
                    if calls == k:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return f(*a, **kw)
                return call

            for name in WRITES:
                setattr(os, name, counted(getattr(os, name)))
            real_open, real_io_open = os.open, io.open
            flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC
            os.open = lambda p, f, *a, **kw: (counted(real_open) if f & flags else real_open)(p, f, *a, **kw)
            writing = lambda mode: any(c in mode for c in "wax+")  # noqa: E731
            io.open = builtins.open = lambda f, mode="r", *a, **kw: (  # type: ignore[assignment]
                counted(real_io_open) if writing(mode) else real_io_open)(f, mode, *a, **kw)
            cluster.start_node = _no_start
            try:
                cluster.recover_node(d, 2, wait=1)
            except StartedError:
                code = 0
        except BaseException as exc:  # noqa: BLE001 - said, and the child ends
            print(f"child: {exc!r}", file=sys.stderr, flush=True)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _judge(home: Path, old_log: bytes) -> str:
    """What the node's start would make of its folder; fails the test when that is unsafe."""
    marker = read_marker(home / REJOINING)  # (MarkerError: a marker the start refuses, and recover-node before it)
    rep = wal_check(home / "wal")
    if not rep.ok:
        return "refused"  # no log, or one a start refuses: one line, nothing votes
    if marker is None:
        assert (home / "wal" / "wal.log").read_bytes() == old_log, "a new log without the rejoining marker: it votes"
        return "untouched"
    assert (rep.term, rep.vote, rep.last_index) == (FLOOR, 2, 0), (
        f"rejoining with a log at term {rep.term}, vote {rep.vote}: no vote floor")
    return "rebuilt"


def test_recover_node_killed_at_each_write_leaves_a_folder_started_safely_and_rebuilt_again(tmp_path,
                                                                                              monkeypatch):
    d = tmp_path / "c"
    cluster.create(d, 3)
    cluster.release_ports(d)
    for node, term in ((1, FLOOR), (2, 2), (3, FLOOR - 1)):
        _set_term(d, node, term)
    home = d / "node-2"
    (home / "boot").write_text("7")
    pristine = tmp_path / "pristine"
    shutil.copytree(home, pristine)
    old_log = (home / "wal" / "wal.log").read_bytes()
    monkeypatch.setattr(cluster, "start_node", _no_start)
    seen = []
    for k in range(1, 400):
        shutil.rmtree(home)
        shutil.copytree(pristine, home)
        code = _recover_killed_at(d, k)
        assert code in (0, -signal.SIGKILL), f"recover-node failed before kill point {k}"
        seen.append(_judge(home, old_log))
        with pytest.raises(StartedError):  # a second recover-node finishes the rebuild from whatever was left
            cluster.recover_node(d, 2, wait=1)
        assert _judge(home, old_log) == "rebuilt"
        assert read_marker(home / REJOINING) == f"rebuilt from 1,3 terms {FLOOR},{FLOOR - 1} clock 0\n"  # (no traces)
        assert int((home / "boot").read_text()) > 7
        assert not (home / "wal.rebuilding").exists()
        if code == 0:
            break
    else:
        pytest.fail("recover-node never finished")
    assert seen[0] == "untouched" and seen[-1] == "rebuilt" and "refused" in seen, seen


def test_recover_node_says_where_an_earlier_one_set_the_storage_aside(tmp_path):
    """A recover-node killed once it had moved the storage aside leaves the node no log; the next one said "it had no
    storage to keep", as if the node had never had a log. It names the folder the storage went to."""
    from impl.cmd_cluster import kept_storage

    home = tmp_path / "node-2"
    home.mkdir()
    assert kept_storage(home, home / "wal.damaged-1") == f"old storage kept in {home / 'wal.damaged-1'}"
    assert kept_storage(home, None) == "it had no storage to set aside"
    for k, name in enumerate(("wal.damaged-20261206-080000", "wal.damaged-20261206-070000-1")):
        (home / name).mkdir()
        os.utime(home / name, (1_000_000 - k, 1_000_000 - k))  # (by time, not name: the first is the latest)
    assert kept_storage(home, None) == ("it had no storage to set aside (the latest set aside: "
                                        f"{home / 'wal.damaged-20261206-080000'})")
