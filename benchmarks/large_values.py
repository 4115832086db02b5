"""Large values on a 3-node cluster: how long a put of N MiB takes, and whether leadership holds meanwhile.

Usage: .venv/bin/python benchmarks/large_values.py [--sizes 1,4,16] [--repeat 3] [--timeout 120] [--dir D]
       [--max-command-bytes B] [--election-ticks N]

Starts a 3-node Raft cluster (fsync and trace on, the defaults; "max_command_bytes" raised to 64 MiB so that the
sizes beyond the default 4 MiB limit can be tried, and "election_ticks" to the 64 the nodes then require) in a
temporary folder, puts values of each size (MiB) one at a time, ``--repeat`` times, and prints for each put its
seconds, the client's retries, the leader's term before and after (a change: an election happened during the put)
and how many times the value's AppendEntries arrived at a follower in chunks (node.log). Then stops the cluster. A
put that gets no answer within ``--timeout`` seconds is printed as such and the run goes on. The figures depend on
the disk and on the load: quote them with the load (``uptime``) and never from a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from impl.kv.client import ClientError, KVClient  # noqa: E402
from impl.kv.protocol import MAX_COMMAND_DATA  # noqa: E402
from impl.runtime import cluster  # noqa: E402

ARRIVED = re.compile(r"a (\d+)-byte message from node \d+ arrived in \d+ chunks")


def arrivals(d: Path, at_least: int) -> int:
    """Messages of at least ``at_least`` bytes the nodes received in chunks so far (every node.log)."""
    n = 0
    for log in d.glob("node-*/node.log"):
        n += sum(1 for m in ARRIVED.finditer(log.read_text(errors="replace")) if int(m.group(1)) >= at_least)
    return n


async def leader_term(d: Path) -> tuple[int | None, int]:
    """The leader's id and the highest term any node reports."""
    sts = await cluster.statuses(d, 2.0)
    live = [s for s in sts.values() if s]
    lead = next((i for i, s in sts.items() if s and s["role"] == "Leader"), None)
    return lead, max((s["term"] for s in live), default=0)


async def run(d: Path, sizes: list[int], repeat: int, timeout: float) -> None:
    c = KVClient.from_dir(d, timeout)
    await c.put(b"warm-up", b"x")
    for mib in sizes:
        for r in range(repeat):
            size = mib << 20
            value = os.urandom(size)
            _, term0 = await leader_term(d)
            seen0, retries0 = arrivals(d, size), c.retries
            start = time.perf_counter()
            try:
                status = (await c.put(b"big-%d-%d" % (mib, r), value)).status
                took = f"{time.perf_counter() - start:7.2f} s"
            except ClientError:
                status, took = None, f"no answer within {timeout:.0f} s"
            lead, term1 = await leader_term(d)
            print(f"{mib:4d} MiB  {took}  status {status}  retries {c.retries - retries0}  term {term0} -> {term1} "
                  f"(leader {lead})  arrived in chunks {arrivals(d, size) - seen0} time(s)", flush=True)
    await c.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1,4,16", help="MiB, comma-separated")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--dir", type=Path, help="the cluster's folder (default: a temporary one, removed after)")
    ap.add_argument("--max-command-bytes", type=int, default=MAX_COMMAND_DATA)
    ap.add_argument("--election-ticks", type=int, default=None,
                    help="cluster.json's election_ticks (10 ms ticks; default: the fewest the nodes take for "
                         "--max-command-bytes, 10 ms per MiB)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="paxraft-large-") as tmp:
        d = args.dir or Path(tmp) / "c"
        ticks = args.election_ticks or max(20, -(-cluster.min_election_ms(args.max_command_bytes) // 10))
        print(f"max_command_bytes {args.max_command_bytes:,}, election_ticks {ticks}")
        try:
            cluster.start(d, 3, max_command_bytes=args.max_command_bytes, election_ticks=ticks)
        except cluster.ClusterError as exc:  # (a setting the nodes refuse: its one line, not a traceback)
            ap.error(str(exc))
        try:
            asyncio.run(run(d, sizes, args.repeat, args.timeout))
        finally:
            cluster.stop(d)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
