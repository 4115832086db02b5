"""What an idle cluster costs the machine: each node's wake-ups per second and CPU seconds per minute.

Usage: .venv/bin/python benchmarks/idle_cost.py [--seconds S] [--stores raft,multipaxos,etcd] [--set KEY=VALUE,...]

Starts each store in turn (ours: 3 node processes on 127.0.0.1, cluster.json's defaults or ``--set``; etcd 3.4:
3 members, benchmarks/etcd_cluster.py), waits for a leader and a second of quiet, then counts over ``S`` seconds
(default 10) with nothing sent to it:

- wake-ups: voluntary context switches, summed over the process's threads (``voluntary_ctxt_switches`` of
  ``/proc/PID/task/*/status``): each is a sleep the process chose (epoll, a futex), so each is one wake-up;
  a busy machine adds involuntary switches (preemptions), not these, so the figure holds under load;
- CPU: ``etcd_cluster.cpu_seconds`` (schedstat and stat), per minute. A loaded machine inflates it a little
  (cold caches); quote it as quiet only when the load average says so (printed before and after).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import etcd_cluster  # noqa: E402
from benchmarks.kv_bench import row_settings  # noqa: E402
from impl.runtime import cluster  # noqa: E402

STORES = ("raft", "multipaxos", "etcd")


def voluntary_switches(pid: int) -> int:
    """Voluntary context switches of ``pid``'s live threads so far (0 when it is gone)."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for task in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{task}/status").read_text()
        except OSError:  # (a thread that ended since the listing)
            continue
        for line in text.splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                total += int(line.split()[1])
    return total


def idle_cost(pids: list[int], seconds: float,
              sleep: Callable[[float], None] = time.sleep) -> list[tuple[float, float]]:
    """Each process's (wake-ups per second, CPU seconds per minute) over ``seconds`` of idling."""
    sw0 = [voluntary_switches(p) for p in pids]
    cpu0 = [etcd_cluster.cpu_seconds([p]) for p in pids]
    t0 = time.monotonic()
    sleep(seconds)
    took = time.monotonic() - t0
    return [((voluntary_switches(p) - s) / took, (etcd_cluster.cpu_seconds([p]) - c) / took * 60)
            for p, s, c in zip(pids, sw0, cpu0, strict=True)]


@contextmanager
def ours(protocol: str, settings: dict[str, bool | int]) -> Iterator[list[int]]:
    """A 3-node cluster of ours, up with a leader; its pids."""
    d = Path(tempfile.mkdtemp(prefix="idlecost-"))
    try:
        pids = cluster.start(d, 3, **{"protocol": protocol, **settings})
        try:
            yield [pids[i] for i in sorted(pids)]
        finally:
            cluster.stop(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main() -> int:
    from _args import chosen, parser

    ap = parser(__doc__)
    ap.add_argument("--seconds", type=float, default=10.0, metavar="S", help="idle seconds counted (default 10)")
    ap.add_argument("--stores", default=",".join(STORES), help=f"which, joined by commas (default {','.join(STORES)})")
    ap.add_argument("--set", default="", metavar="KEY=VALUE",
                    help="cluster.json settings for our nodes (integers, true or false; several joined by commas)")
    args = ap.parse_args()
    if args.seconds <= 0:
        ap.error(f"--seconds must be above 0 (got {args.seconds})")
    stores = chosen(ap, [s for s in args.stores.split(",") if s], list(STORES), "store")
    try:
        settings = row_settings(args.set) if args.set else {}
    except ValueError as exc:
        ap.error(str(exc).replace("--also", "--set"))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} before; {args.seconds:g} s idle each; "
          f"our settings: {args.set or 'defaults'}", flush=True)
    for store in stores:
        if store == "etcd":
            binary = etcd_cluster.ensure_installed()
            if binary is None:
                print("etcd: not installed (apt-get install etcd-server, as root): skipped")
                continue
            with etcd_cluster.members(binary, cluster.free_ports(6)) as (_, pids):
                time.sleep(1.0)
                rows = idle_cost(pids, args.seconds)
        else:
            try:
                with ours(store, settings) as pids:
                    time.sleep(1.0)
                    rows = idle_cost(pids, args.seconds)
            except (cluster.ClusterError, ValueError) as exc:  # (--set's settings refused: one line)
                print(f"idle_cost.py: {exc}", file=sys.stderr)
                return 2
        for k, (wakes, cpu) in enumerate(rows, 1):
            print(f"{store:<10} node {k}: {wakes:7.1f} wake-ups/s, {cpu:6.3f} CPU s/min", flush=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} after")
    return 0


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
