"""PySyncObj 0.3.17 as the benchmark's yardstick: a 3-process cluster on 127.0.0.1 with a replicated dict.

``run(...)`` starts three node processes (``python benchmarks/pysyncobj_cluster.py node ...``), each a
``SyncObj`` with one ``ReplDict``; the process that becomes leader runs the workload of
``benchmarks/kv_bench.py`` against its own dict (sequential writes, then writes from C concurrent
sessions with one write outstanding each) and writes the results to a JSON file. PySyncObj has no
network client protocol, so its client calls the leader in-process: one network hop fewer than
our client, which talks to the leader over TCP. No journal: PySyncObj keeps its log in memory
(the issue's figures are without fsync too).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def _peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _workload(d: Any, sync_n: int, n: int, conc: int, size: int) -> dict[str, float]:
    """The same pattern as kv_bench: sequential writes, then ``conc`` sessions with one write in flight each.

    In callbacks, as PySyncObj's client is (so not kv_load.workload); the figures are kv_load's."""
    from kv_load import rates  # a node runs as a script: this folder is on sys.path

    val = "v" * size
    d.set("warm", val, sync=True, timeout=30)
    lat: list[float] = []
    t0 = time.perf_counter()
    for k in range(sync_n):
        t = time.perf_counter()
        d.set(f"s{k}", val, sync=True, timeout=30)
        lat.append(time.perf_counter() - t)
    sync_s = time.perf_counter() - t0
    plat: list[float] = []
    done = threading.Event()
    per = n // conc
    left = [conc]
    lock = threading.Lock()
    failures = [0]

    def session(w: int) -> None:
        state = {"k": 0, "t": 0.0}

        def next_write() -> None:
            state["t"] = time.perf_counter()
            d.set(f"p{w}.{state['k']}", val, callback=on_done)

        def on_done(res: Any, err: Any) -> None:
            if err:  # a write PySyncObj did not apply: count it and send it again
                failures[0] += 1
                next_write()
                return
            plat.append(time.perf_counter() - state["t"])
            state["k"] += 1
            if state["k"] < per:
                next_write()
            else:
                with lock:
                    left[0] -= 1
                    if left[0] == 0:
                        done.set()

        next_write()

    t0 = time.perf_counter()
    for w in range(conc):
        session(w)
    if not done.wait(600):
        raise RuntimeError("PySyncObj concurrent workload did not finish in 600 s")
    pipe_s = time.perf_counter() - t0
    return {**rates(lat, sync_s, plat, pipe_s), "failures": failures[0]}


def node_main(argv: list[str]) -> int:
    """One PySyncObj node; the leader runs the workload and writes ``OUT/result.json``."""
    from _args import Parser
    from pysyncobj import SyncObj, SyncObjConf
    from pysyncobj.batteries import ReplDict

    ap = Parser(prog="pysyncobj_cluster.py node")
    ap.add_argument("--self", required=True)
    ap.add_argument("--partners", required=True)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--batch", choices=("on", "off"), default="on")
    ap.add_argument("--sync-writes", type=int, required=True)
    ap.add_argument("--writes", type=int, required=True)
    ap.add_argument("--concurrency", type=int, required=True)
    ap.add_argument("--value-size", type=int, required=True)
    a = ap.parse_args(argv)
    conf = SyncObjConf(appendEntriesUseBatch=a.batch == "on", dynamicMembershipChange=False)
    d = ReplDict()
    obj = SyncObj(a.self, a.partners.split(","), conf=conf, consumers=[d])
    me = a.self.replace(":", "_")
    stop = a.out / "stop"
    while not stop.exists():
        if obj._isLeader() and obj.isReady():
            res = _workload(d, a.sync_writes, a.writes, a.concurrency, a.value_size)
            res["node"] = a.self
            (a.out / "result.json.tmp").write_text(json.dumps(res))
            os.replace(a.out / "result.json.tmp", a.out / "result.json")
            break
        time.sleep(0.05)
    while not stop.exists():
        time.sleep(0.05)
    (a.out / f"rss-{me}").write_text(str(_peak_rss_kib()))
    obj.destroy()
    return 0


def run(batch: bool, sync_n: int, n: int, conc: int, size: int, ports: list[int]) -> dict[str, float]:
    """Start the 3 nodes, wait for the leader's results, stop them; results plus the max peak RSS."""
    out = Path(tempfile.mkdtemp(prefix="pso-bench-"))
    addrs = [f"127.0.0.1:{p}" for p in ports]
    procs = []
    for a in addrs:
        partners = ",".join(x for x in addrs if x != a)
        procs.append(subprocess.Popen(
            [sys.executable, __file__, "node", "--self", a, "--partners", partners, "--out", str(out),
             "--batch", "on" if batch else "off", "--sync-writes", str(sync_n), "--writes", str(n),
             "--concurrency", str(conc), "--value-size", str(size)], stdin=subprocess.DEVNULL))
    try:
        deadline = time.monotonic() + 900
        while not (out / "result.json").exists():
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError(f"PySyncObj cluster gave no result (see {out})")
            time.sleep(0.1)
        res: dict[str, float] = json.loads((out / "result.json").read_text())
    finally:
        (out / "stop").touch()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    rss = [int(f.read_text()) for f in out.glob("rss-*")]
    res["rss"] = max(rss, default=0) * 1024
    return res


if __name__ == "__main__":
    from _args import parser, run_main

    ap = parser(__doc__)
    ap.add_argument("command", choices=["node"], help="one node of the cluster (benchmarks/kv_bench.py starts them)")
    ap.add_argument("node_args", nargs=argparse.REMAINDER, help="--self, --partners, --out, ... of the node")
    args = ap.parse_args()
    run_main(lambda: node_main(args.node_args))
