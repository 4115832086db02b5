"""A traced 3-process PySyncObj cluster on 127.0.0.1 with a replicated dict, bounded load, optional leader kill.

``run(directory)`` starts one process per node (``python -m impl.pysyncobj_trace.cluster node ...``),
each a :class:`~impl.pysyncobj_trace.recorder.TracedSyncObj` with one ``ReplDict``, ticked by
hand (``autoTick=False``, one thread, so a step is never interleaved with another). Every node
issues ``writes`` writes of its own keys (at most ``window`` outstanding; a follower forwards
them to the leader, as PySyncObj does), and writes ``status-<id>.json`` (role, term, commit
index, writes done). With ``kill_leader``, once the leader has committed ``kill_after`` entries
the runner SIGKILLs it, and the two others elect a new leader and finish. The run stops when
the live nodes are done or at ``deadline`` seconds; the traces are ``DIR/node-<id>.jsonl``.

Log compaction is off (``logCompactionMinEntries``/``MinTime`` out of reach) and entries are
small (no chunked ``transmission``): the Raft audit maps neither. The journal is PySyncObj's
default, in memory; no node is restarted (a restarted in-memory node would come back empty).

Command line: ``python -m impl.pysyncobj_trace.cluster DIR [--writes N] [--kill-leader]``, then
``paxraft audit DIR/node-*.jsonl --spec raft``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import impl
from impl.runtime.cluster import free_ports

ROOT = Path(impl.__file__).resolve().parent.parent


@dataclass
class Options:
    """A run's bounds and PySyncObj settings."""

    writes: int = 40  # per node
    window: int = 4  # outstanding writes per node
    kill_leader: bool = False
    kill_after: int = 30  # commit index (spec numbering) the first leader reaches before it is killed
    deadline: float = 25.0  # seconds for the whole run
    batch: bool = True  # PySyncObj's appendEntriesUseBatch
    batch_bytes: int = 1 << 16  # appendEntriesBatchSizeBytes
    late_after: int = 0  # start node 3 only once the leader has committed this many entries (0: start all at once)
    extra: dict[str, Any] = field(default_factory=dict)  # more SyncObjConf settings


def conf(o: Options) -> Any:
    """The SyncObjConf of every node: hand-ticked, compaction off, quick elections."""
    from pysyncobj import SyncObjConf

    settings: dict[str, Any] = dict(autoTick=False, appendEntriesUseBatch=o.batch,
                                    appendEntriesBatchSizeBytes=o.batch_bytes, dynamicMembershipChange=False,
                                    logCompactionMinEntries=1 << 40, logCompactionMinTime=1 << 40,
                                    raftMinTimeout=0.4, raftMaxTimeout=0.8, appendEntriesPeriod=0.05,
                                    connectionTimeout=1.5, connectionRetryTime=0.2)
    settings.update(o.extra)
    return SyncObjConf(**settings)


def node_main(argv: list[str]) -> int:
    """One traced node: tick, write its keys, report status, until the stop file appears."""
    from pysyncobj.batteries import ReplDict

    from impl.pysyncobj_trace.recorder import TracedSyncObj

    ap = argparse.ArgumentParser(allow_abbrev=False)
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--id", type=int, required=True)
    ap.add_argument("--options", required=True)
    a = ap.parse_args(argv)
    o = Options(**json.loads(a.options))
    desc = json.loads((a.dir / "cluster.json").read_text())
    addrs = {int(k): f"127.0.0.1:{p}" for k, p in desc["nodes"].items()}
    ids = {addr: i for i, addr in addrs.items()}
    me = addrs[a.id]
    d = ReplDict()
    obj = TracedSyncObj(me, [x for x in addrs.values() if x != me], ids, a.dir / f"node-{a.id}.jsonl", conf(o), [d])
    issued = done = failed = 0
    pending: dict[int, float] = {}  # write number -> when issued
    stop = a.dir / "stop"
    status = a.dir / f"status-{a.id}.json"
    last_status = 0.0

    def callback(k: int) -> Any:
        def on_done(res: Any, err: Any) -> None:
            nonlocal done, failed
            if pending.pop(k, None) is None:
                return  # given up on already
            if err == 0:  # FAIL_REASON.SUCCESS
                done += 1
            else:
                failed += 1
        return on_done

    while not stop.exists():
        obj.doTick(0.005)
        now = time.monotonic()
        for k in [k for k, t in pending.items() if now - t > 3.0]:  # e.g. forwarded to a leader that died
            del pending[k]
            failed += 1
        if obj._getLeader() is not None:
            while len(pending) < o.window and issued < o.writes:
                issued += 1
                pending[issued] = now
                d.set(f"n{a.id}.{issued}", issued, callback=callback(issued))
        if now - last_status > 0.05:
            last_status = now
            st = {"role": obj._px.state()["state"], "term": obj.raftCurrentTerm + 1, "commit": obj.raftCommitIndex - 1,
                  "done": done, "failed": failed, "issued": issued, "finished": done + failed >= o.writes}
            status.with_name(status.name + ".tmp").write_text(json.dumps(st))
            os.replace(status.with_name(status.name + ".tmp"), status)
    obj._px.out.close()
    return 0


def _status(directory: Path, i: int) -> dict[str, Any] | None:
    try:
        return json.loads((directory / f"status-{i}.json").read_text())
    except (OSError, ValueError):
        return None


def run(directory: Path, o: Options | None = None) -> dict[str, Any]:
    """Run the cluster to completion; returns the trace paths, the killed node (or None) and each node's status."""
    o = o or Options()
    directory.mkdir(parents=True, exist_ok=True)
    for f in directory.glob("*"):
        if f.is_file():
            f.unlink()
    ports = free_ports(3)
    (directory / "cluster.json").write_text(json.dumps({"nodes": {str(i + 1): p for i, p in enumerate(ports)}}))
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    opts = json.dumps(o.__dict__)

    def start(i: int) -> subprocess.Popen[bytes]:
        with open(directory / f"node-{i}.err", "wb") as err:
            return subprocess.Popen([sys.executable, "-m", "impl.pysyncobj_trace.cluster", "node", "--dir",
                                     str(directory), "--id", str(i), "--options", opts],
                                    stdin=subprocess.DEVNULL, stderr=err, env=env)

    procs = {i: start(i) for i in ((1, 2) if o.late_after else (1, 2, 3))}
    killed = None
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < o.deadline:
            time.sleep(0.05)
            sts = {i: _status(directory, i) for i in procs if i != killed}
            if 3 not in procs and any(st and st["role"] == "Leader" and st["commit"] >= o.late_after
                                      for st in sts.values()):
                procs[3] = start(3)  # joins with an empty log: the leader must send it the whole log
                continue
            if any(p.poll() is not None for i, p in procs.items() if i != killed):
                raise RuntimeError(f"a PySyncObj node exited early (see {directory}/node-*.err)")
            if o.kill_leader and killed is None:
                for i, st in sts.items():
                    if st and st["role"] == "Leader" and st["commit"] >= o.kill_after:
                        procs[i].send_signal(signal.SIGKILL)
                        procs[i].wait()
                        killed = i
                        break
                continue
            if all(st and st["finished"] for st in sts.values()):
                break
    finally:
        (directory / "stop").touch()
        for p in procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    return {"traces": sorted(str(p) for p in directory.glob("node-*.jsonl")), "killed": killed,
            "status": {i: _status(directory, i) for i in procs}, "seconds": time.monotonic() - t0}


def main(argv: list[str]) -> int:
    """``DIR [--writes N] [--kill-leader] [--no-batch] [--batch-bytes B]``: run, print the trace paths."""
    ap = argparse.ArgumentParser(prog="python -m impl.pysyncobj_trace.cluster", allow_abbrev=False)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--writes", type=int, default=40, help="writes per node (default 40)")
    ap.add_argument("--kill-leader", action="store_true", help="SIGKILL the first leader after --kill-after commits")
    ap.add_argument("--kill-after", type=int, default=30)
    ap.add_argument("--no-batch", action="store_true", help="appendEntriesUseBatch=False")
    ap.add_argument("--batch-bytes", type=int, default=1 << 16, help="appendEntriesBatchSizeBytes")
    ap.add_argument("--late-after", type=int, default=0, help="start node 3 once this many entries are committed")
    a = ap.parse_args(argv)
    res = run(a.dir, Options(writes=a.writes, kill_leader=a.kill_leader, kill_after=a.kill_after,
                             batch=not a.no_batch, batch_bytes=a.batch_bytes, late_after=a.late_after))
    for i, st in sorted(res["status"].items()):
        print(f"node {i}: {'killed' if i == res['killed'] else ''} {st}")
    print(f"{res['seconds']:.1f}s; traces: {' '.join(res['traces'])}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["node"]:
        sys.exit(node_main(sys.argv[2:]))
    sys.exit(main(sys.argv[1:]))
