"""Where one sequential write's time goes: the steps of its critical path, measured, not estimated.

Usage: .venv/bin/python benchmarks/critical_path.py [--writes N] [--value-size B] [--also KEY=VALUE] [--runs N]

Starts our 3-node Raft store with fsync and ``"timeline": true`` (impl/runtime/timeline.py: each
node stamps CLOCK_MONOTONIC at data received, Ready round, frames out, fdatasync start/end), runs N
sequential writes stamping each one's send and reply in the client, stops the cluster and joins the
stamps into the steps of each write (client -> leader -> AppendEntries -> follower fsync -> ack ->
commit -> reply; impl.runtime.timeline.critical_path). Prints the nodes' CPU per write and each
step's median, 90th percentile and mean in microseconds; the medians do not add up to the median total
(each is a median of its own), the means do add up to the mean total (the steps of each write add up
to its latency), which is what the sequential rate is the inverse of, so they show where the tail goes.
``--also KEY=VALUE`` adds a cluster.json setting (e.g. trace=false); with ``--runs N`` and several
``--also`` the configurations run in turn N times. The machine's load is printed with the figures.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.etcd_cluster import cpu_seconds  # noqa: E402
from benchmarks.kv_bench import setting  # noqa: E402
from impl.kv.client import KVClient  # noqa: E402
from impl.runtime import cluster  # noqa: E402
from impl.runtime.timeline import STEPS, critical_path, read  # noqa: E402


def out_segments(snmp: str) -> int:
    """TCP segments sent, from the text of /proc/net/snmp (its ``Tcp:`` header line, then its values)."""
    lines = snmp.splitlines()
    for names, values in zip(lines, lines[1:]):
        if names.startswith("Tcp:") and values.startswith("Tcp:"):
            return int(values.split()[names.split().index("OutSegs")])
    raise ValueError("no Tcp: OutSegs in /proc/net/snmp")


def segments_now() -> int:
    """The network namespace's TCP segments sent so far."""
    return out_segments(Path("/proc/net/snmp").read_text())


async def writes(d: Path, n: int, size: int, cpu: list[float] | None = None) -> list[tuple[int, int]]:
    """N sequential puts after a warm-up; each one's (sent, answered) CLOCK_MONOTONIC stamps. ``cpu``
    gets the nodes' CPU seconds and the TCP segments sent during the N writes appended."""
    c = KVClient.from_dir(d)
    val = b"v" * size
    for k in range(20):
        await c.put(b"warm%d" % k, val)
    pids = [pid for j in cluster.load(d)["nodes"] if (pid := cluster.pid_of(d, int(j)))]
    cpu0, seg0 = cpu_seconds(pids), segments_now()
    now = time.monotonic_ns
    out = []
    for k in range(n):
        t = now()
        await c.put(b"s%d" % k, val)
        out.append((t, now()))
    if cpu is not None:
        cpu += [cpu_seconds(pids) - cpu0, segments_now() - seg0]
    await c.close()
    return out


def run(n: int, size: int, settings: dict[str, bool | int]) -> tuple[list[dict[str, int]], float, float, float]:
    """One cluster: the joined steps of its writes, its sequential writes/s, the nodes' CPU us per write and the
    TCP segments sent per write."""
    cpu: list[float] = []
    d = Path(tempfile.mkdtemp(prefix="critpath-"))
    try:
        cluster.start(d, 3, **{"fsync": True, **settings, "timeline": True})
        try:
            w = asyncio.run(writes(d, n, size, cpu))
        finally:
            cluster.stop(d)
        nodes = {int(j): read(d / f"node-{j}" / "timeline.txt") for j in cluster.load(d)["nodes"]}
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return critical_path(w, nodes), n / ((w[-1][1] - w[0][0]) / 1e9), cpu[0] / n * 1e6, cpu[1] / n


def report(name: str, steps: list[dict[str, int]], wps: float, cpu_us: float, n: int, segs: float) -> None:
    """Median and p90 of each step, in microseconds."""
    def q(xs: list[int], p: float) -> float:
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(p * len(xs)))] / 1000

    print(f"{name}: {wps:.0f} sequential writes/s, node CPU {cpu_us:.0f} us per write (3 nodes), {segs:.2f} TCP "
          f"segments sent per write; {len(steps)} of {n} writes joined whole")
    if not steps:
        return
    for key in (*STEPS, "total", "leader fdatasync"):
        xs = [s[key] for s in steps]
        print(f"  {key:<38} p50 {statistics.median(xs) / 1000:>7.0f} us   p90 {q(xs, 0.9):>7.0f} us"
              f"   mean {statistics.fmean(xs) / 1000:>7.0f} us")
    late = sum(1 for s in steps if s["leader fdatasync"] > sum(s[k] for k in STEPS[2:6]))
    print(f"  leader's own fdatasync ended after the first ack left its follower: {late} of {len(steps)}")


def main() -> int:
    from _args import Parser

    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--writes", type=int, default=500)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--also", action="append", default=[], metavar="KEY=VALUE",
                    help="also run with this cluster.json setting (an integer, true or false); repeatable")
    ap.add_argument("--runs", type=int, default=1, metavar="N", help="run the configurations in turn N times")
    args = ap.parse_args()
    if args.writes < 1 or args.runs < 1:
        ap.error(f"--writes and --runs must be at least 1 (got {args.writes}, {args.runs})")
    try:
        configs = [("default", {})] + [(s, dict([setting(s)])) for s in args.also]
    except ValueError as exc:
        ap.error(str(exc))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) on {os.cpu_count()} cores")
    for _ in range(args.runs):
        for name, settings in configs:
            steps, wps, cpu_us, segs = run(args.writes, args.value_size, settings)
            report(name, steps, wps, cpu_us, args.writes, segs)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
