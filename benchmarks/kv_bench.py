"""Benchmark of our key-value store (Raft and Multi-Paxos): 3 local processes, synchronous and concurrent writes.

Usage: .venv/bin/python benchmarks/kv_bench.py [--sync-writes N] [--writes N] [--concurrency C] [--value-size B]
       [--repeat N] [--only on|off] [--sync-thread] [--fsync-poll US] [--also KEY=VALUE] [--alternate N] [--realtime]
       [--no-multipaxos] [--no-pysyncobj] [--no-etcd] [--no-trace]

Reports writes/s, p50/p99 latency and each node's peak RSS (VmHWM) for: our Raft store with fsync
on, and with fsync off; our Multi-Paxos store (``--protocol multipaxos``) the same way; then, in
the same run and with the same sequential and concurrent
workload, a 3-member etcd with fsync (Debian's ``etcd-server``, installed by apt when run as root;
benchmarks/etcd_cluster.py) and PySyncObj 0.3.17 (``pip install '.[bench]'``) with its default
settings and with appendEntriesUseBatch=False (benchmarks/pysyncobj_cluster.py); and the ratios
of our figures to those measurements (and to the issue's PySyncObj reference figures). The
machine's load average is printed with the figures: on a loaded machine they measure the
neighbours too.
With ``--repeat N`` every configuration runs N times (each on a fresh cluster) and the run with the
best concurrent rate is reported: on a shared machine the other runs mostly measure the neighbours.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import etcd_cluster, kv_load, pysyncobj_cluster  # noqa: E402
from impl.kv.client import KVClient  # noqa: E402
from impl.runtime import cluster  # noqa: E402

REFERENCE = {  # measured on 2 cores by the author (issue 7)
    "PySyncObj best synchronous (no fsync)": 577.0,
    "PySyncObj pipelined (no fsync)": 4800.0,
}


async def workload(d: Path, sync_n: int, n: int, conc: int, size: int, client_poll_us: int = 0) -> dict[str, float]:
    """The shared workload (benchmarks/kv_load.py) against the cluster in ``d`` (the client polling its sockets
    for ``client_poll_us`` after each request: KVClient's ``busy_poll_us``)."""
    c = KVClient.from_dir(d, busy_poll_us=client_poll_us)
    try:
        return await kv_load.workload(c.put, lambda: (partial(c.put, session=c.session()), _nothing),
                                      lambda: node_cpu(d), sync_n, n, conc, size)
    finally:
        await c.close()


def _nothing() -> None:
    """Closing one of our sessions: nothing to do (they share the client's connections)."""


def node_cpu(d: Path) -> float:
    """CPU seconds (user + system) used so far by the three node processes together."""
    return etcd_cluster.cpu_seconds([pid for i in (1, 2, 3) if (pid := cluster.pid_of(d, i))])


def peak_rss(d: Path) -> list[int]:
    out = []
    for i in (1, 2, 3):
        pid = cluster.pid_of(d, i)
        kb = 0
        if pid:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    kb = int(line.split()[1])
        out.append(kb * 1024)
    return out


def run_one(fsync: bool, args: argparse.Namespace, **settings: bool | int | str) -> dict[str, float]:
    """One fresh cluster with these cluster.json settings (``client_poll_us``: the client's, not the nodes')."""
    d = Path(tempfile.mkdtemp(prefix="kvbench-"))
    client_poll = int(settings.pop("client_poll_us", 0))
    try:
        cluster.start(d, 3, **{"fsync": fsync, "trace": not args.no_trace, **settings})  # --also may override
        try:
            r = kv_load.run_clients(workload(d, args.sync_writes, args.writes, args.concurrency, args.value_size,
                                             client_poll), args.client_loop)
            r["rss"] = max(peak_rss(d))
        finally:
            cluster.stop(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return r


def best_of(n: int, run: Callable[[], dict[str, float]]) -> dict[str, float]:
    """The result with the highest concurrent rate of ``n`` runs."""
    return max((run() for _ in range(n)), key=lambda r: r["pipe_wps"])


def setting(text: str) -> tuple[str, bool | int]:
    """``KEY=VALUE`` of --also: a cluster.json setting with an integer or boolean value."""
    key, eq, value = text.partition("=")
    if not eq or not key or not (value in ("true", "false") or value.lstrip("-").isdigit()):
        raise ValueError(f"--also {text!r}: expected KEY=VALUE with an integer, true or false")
    return key, (value == "true") if value in ("true", "false") else int(value)


def row_settings(text: str) -> dict[str, bool | int]:
    """One --also row: ``KEY=VALUE`` or several joined by commas (``busy_poll_us=300,busy_poll_leader=true``)."""
    return dict(setting(part) for part in text.split(","))


def alternate(args: argparse.Namespace, also: list[dict[str, bool | int]]) -> dict[str, float]:
    """The fsync-on row and one row per --also setting, run in turn ``--alternate`` times (so the
    neighbours' load falls on each alike); prints each run and the medians; the default row's median run."""
    configs: list[tuple[str, dict[str, bool | int]]] = [("paxraft fsync on", {})]
    configs += [("  " + ",".join(f"{key}={str(value).lower()}" for key, value in row.items()), row) for row in also]
    rows: dict[str, list[dict[str, float]]] = {name: [] for name, _ in configs}
    for _ in range(args.alternate):
        for name, settings in configs:
            rows[name].append(best_of(args.repeat, lambda settings=settings: run_one(True, args, **settings)))
            row(name, rows[name][-1])
    if args.alternate > 1:
        for name, runs in rows.items():
            print(f"median of {len(runs)}: {name.strip():<24} sequential "
                  f"{statistics.median(r['sync_wps'] for r in runs):.0f} w/s, p50 "
                  f"{statistics.median(r['sync_p50'] for r in runs):.2f} ms; concurrent "
                  f"{statistics.median(r['pipe_wps'] for r in runs):.0f} w/s; node CPU per write "
                  f"{statistics.median(r['seq_cpu_us'] for r in runs):.0f} us sequential, "
                  f"{statistics.median(r['cpu_us'] for r in runs):.0f} us concurrent; vCPU halts per sequential write "
                  f"{statistics.median(r['seq_halts'] for r in runs):.2f}")
    base = sorted(rows["paxraft fsync on"], key=lambda r: r["sync_wps"])
    return base[len(base) // 2]


def row(name: str, r: dict[str, float]) -> None:
    """One line of the results table."""
    print(f"{name:<22} {r['sync_wps']:>9.0f} {r['sync_p50']:>7.2f} {r['sync_p99']:>7.2f} {r['pipe_wps']:>9.0f} "
          f"{r['pipe_p50']:>7.2f} {r['pipe_p99']:>7.2f} {r['rss'] / 2**20:>11.1f} MiB"
          + (f"   {r['cpu_us']:.0f} / {r['client_cpu_us']:.0f}; sequential {r['seq_cpu_us']:.0f}"
             if "cpu_us" in r else "")
          + (f"; vCPU halts/seq write {r['seq_halts']:.2f}" if "seq_halts" in r else ""), flush=True)


def main() -> int:
    from _args import Parser

    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--sync-writes", type=int, default=1000)
    ap.add_argument("--writes", type=int, default=20000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--no-trace", action="store_true", help="nodes do not write trace files")
    ap.add_argument("--client-loop", choices=kv_load.CLIENT_LOOPS, default="asyncio",
                    help="the event loop our stores' and etcd's clients run on (PySyncObj's client has its own "
                         "threads); benchmarks/kv_paired.py has the same flag")
    ap.add_argument("--no-multipaxos", action="store_true", help="do not run our Multi-Paxos store")
    ap.add_argument("--no-pysyncobj", action="store_true", help="do not run the PySyncObj cluster")
    ap.add_argument("--no-etcd", action="store_true", help="do not run the etcd cluster")
    ap.add_argument("--only", choices=("on", "off"), help="run our store with fsync on (or off) only")
    ap.add_argument("--sync-thread", action="store_true",
                    help='also run our store with fsync on and "sync_thread" (the fsync on a thread), in the same run')
    ap.add_argument("--fsync-poll", type=int, default=0, metavar="US",
                    help="also run our store with fsync on and a thread waking every US microseconds during "
                         "each fsync (impl/runtime/waker.py), in the same run")
    ap.add_argument("--also", action="append", default=[], metavar="KEY=VALUE",
                    help="also run our store with fsync on and this cluster.json setting (an integer, true or "
                         "false), in the same run; e.g. --also wal_prealloc=0 (repeatable, one row each; "
                         "KEY=VALUE,KEY=VALUE for several in one row); "
                         "client_poll_us=US is the client's busy poll (KVClient), not a node setting")
    ap.add_argument("--alternate", type=int, default=1, metavar="N",
                    help="run the fsync-on row and the --also rows N times in turn (A/B/A/B...), each reported")
    ap.add_argument("--realtime", action="store_true",
                    help="run at real-time priority (SCHED_RR 10, inherited by every node and etcd; needs root; round "
                         "robin, not FIFO: two etcd members spinning at SCHED_FIFO starved the third and the benchmark "
                         "for 10 minutes on 2 cores): "
                         "on a loaded machine each wake-up then preempts the neighbours, close to a quiet machine")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="run each configuration N times and report its run with the best concurrent rate")
    args = ap.parse_args()
    if args.repeat < 1 or args.alternate < 1:
        ap.error(f"--repeat and --alternate must be at least 1 (got {args.repeat}, {args.alternate})")
    try:
        also = [row_settings(s) for s in args.also]
    except ValueError as exc:
        ap.error(str(exc))
    if args.realtime:
        try:
            os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(10))
        except OSError as exc:
            ap.error(f"--realtime: cannot set SCHED_RR ({exc.strerror}; it needs root or CAP_SYS_NICE)")
    trace = "off" if args.no_trace else "on"
    best = f"; best of {args.repeat} runs each (by concurrent rate)" if args.repeat > 1 else ""
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) on {os.cpu_count()} cores "
          f"before the run{'; at real-time priority (SCHED_RR)' if args.realtime else ''}")
    print(f"3 nodes on 127.0.0.1, key ~8 B, value {args.value_size} B, trace files {trace}; {args.sync_writes} "
          f"sequential writes, then {args.writes} writes from {args.concurrency} concurrent sessions{best}")
    print(f"{'configuration':<22} {'sync w/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'conc w/s':>9} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'peak RSS/node':>14}   CPU us/write: nodes / client (concurrent); nodes sequential"
          "; vCPU halts per sequential write (kv_load.vcpu_halts)")
    results = {}
    for fsync in (True, False):
        if args.only and args.only != ("on" if fsync else "off"):
            continue
        if fsync and (also or args.alternate > 1):
            results[fsync] = alternate(args, also)
            continue
        r = results[fsync] = best_of(args.repeat, lambda fsync=fsync: run_one(fsync, args))
        row("paxraft fsync " + ("on" if fsync else "off"), r)
        if fsync and args.sync_thread:
            threaded = best_of(args.repeat, lambda: run_one(True, args, sync_thread=True))
            row("paxraft fsync thread", threaded)
        if fsync and args.fsync_poll > 0:
            polled = best_of(args.repeat, lambda: run_one(True, args, fsync_poll_us=args.fsync_poll))
            row(f"paxraft poll {args.fsync_poll} us", polled)
    mp = {}
    for fsync in (True, False):
        if args.no_multipaxos or (args.only and args.only != ("on" if fsync else "off")):
            continue
        r = mp[fsync] = best_of(args.repeat, lambda fsync=fsync: run_one(fsync, args, protocol="multipaxos"))
        row("multipaxos fsync " + ("on" if fsync else "off"), r)
    etcd = None
    if not args.no_etcd:
        binary = etcd_cluster.ensure_installed()
        if binary is None:
            print("etcd: not installed (apt-get install etcd-server, as root) -- skipped")
        else:
            etcd = best_of(args.repeat, lambda: etcd_cluster.run(
                binary, args.sync_writes, args.writes, args.concurrency, args.value_size, cluster.free_ports(6),
                args.client_loop))
            row(etcd_cluster.version(binary).replace("etcd Version: ", "etcd ") + " fsync", etcd)
    pso = {}
    if not args.no_pysyncobj:
        for batch in (True, False):
            try:  # the peer failing (its own timeouts) is a row that says so, not the end of the run's figures
                r = best_of(args.repeat, lambda batch=batch: pysyncobj_cluster.run(
                    batch, args.sync_writes, args.writes, args.concurrency, args.value_size, cluster.free_ports(3)))
            except RuntimeError as e:
                print(f"PySyncObj batch {'on' if batch else 'off'}: {e}")
                continue
            pso[batch] = r
            row(f"PySyncObj batch {'on' if batch else 'off'}", r)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) on {os.cpu_count()} cores")
    if etcd is not None and True in results:
        on = results[True]
        print("ratios to etcd measured in this run (both with fsync, same workload):")
        print(f"  sequential: paxraft / etcd = {on['sync_wps'] / etcd['sync_wps']:.2f} (target 2.00)")
        print(f"  {args.concurrency} concurrent sessions: paxraft / etcd = {on['pipe_wps'] / etcd['pipe_wps']:.2f}")
        if True in mp:
            print(f"  sequential: multipaxos / etcd = {mp[True]['sync_wps'] / etcd['sync_wps']:.2f}")
            print(f"  {args.concurrency} concurrent sessions: multipaxos / etcd = "
                  f"{mp[True]['pipe_wps'] / etcd['pipe_wps']:.2f}")
    for fsync in (True, False):
        if fsync in mp and fsync in results:
            a, b = mp[fsync], results[fsync]
            print(f"multipaxos / raft, fsync {'on' if fsync else 'off'} (target >= 0.90): sequential "
                  f"{a['sync_wps'] / b['sync_wps']:.2f}, concurrent {a['pipe_wps'] / b['pipe_wps']:.2f}")
    if len(results) < 2:
        return 0
    on, off = results[True], results[False]
    if pso:
        best_sync = max(r["sync_wps"] for r in pso.values())
        best_pipe = max(r["pipe_wps"] for r in pso.values())
        print("ratios to PySyncObj measured in this run (its best configuration per column; no fsync):")
        print(f"  sync, fsync off / PySyncObj sync      = {off['sync_wps'] / best_sync:.2f}")
        print(f"  conc, fsync off / PySyncObj conc      = {off['pipe_wps'] / best_pipe:.2f} (target 2.00)")
        print(f"  conc, fsync on  / PySyncObj conc      = {on['pipe_wps'] / best_pipe:.2f}")
    ref = REFERENCE
    print("ratios to the issue's PySyncObj reference figures (not measured in this run):")
    best_sync = ref["PySyncObj best synchronous (no fsync)"]
    print(f"  sync, fsync off / PySyncObj best sync = {off['sync_wps'] / best_sync:.2f}")
    print(f"  conc, fsync off / PySyncObj pipelined = {off['pipe_wps'] / ref['PySyncObj pipelined (no fsync)']:.2f}"
          " (target 2.00)")
    return 0


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
