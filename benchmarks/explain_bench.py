"""Issue 16's measurements: the explorer's per-click latency, and the cost of reading options vs plain BFS.

1. Explorer: on the 705,532-state Raft model's bounds (3 servers, MaxTerm 2, no log), a seeded
   random walk of --steps clicks through the HTTP server; each click is one GET /api/state
   for a path one step longer (what the page asks when a link is clicked): the path is
   replayed (its parent is cached), the state shown, every successor enumerated and checked.
2. ``--counterexamples 5`` and ``--fewest-switches`` (the DAG of shortest paths) against plain
   ``check`` (breadth-first, one parent per state) on Paxos and Raft catalog entries, in the same run.

    python benchmarks/explain_bench.py [--steps 40] [--seed 1] [--entries ignore-votes,volatile-term,...]
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
import urllib.request
from urllib.parse import quote

from modelcheck import check
from modelcheck.engine.shortest import shortest_dag, switches
from modelcheck.output.explore.server import serve_in_thread
from modelcheck.output.explore.session import Session
from spec.catalog import select
from spec.registry import build

RAFT_705532 = {"servers": 3, "values": 1, "max_term": 2, "max_log": 0, "max_copies": 1, "max_in_flight": 1}


def click_latency(steps: int, seed: int) -> list[float]:
    """Milliseconds per click along a seeded random walk of the Raft model, through HTTP."""
    srv = serve_in_thread(Session(build("raft", **RAFT_705532)))
    rng = random.Random(seed)
    path, times = "", []
    try:
        for _ in range(steps):
            t0 = time.perf_counter()
            with urllib.request.urlopen(f"{srv.url}api/state?path={quote(path)}", timeout=60) as r:
                view = json.loads(r.read())
            times.append((time.perf_counter() - t0) * 1000)
            moves = [e for e in view["enabled"] if not e["stutter"]]
            if not moves:
                break
            path = rng.choice(moves)["path"]
    finally:
        srv.shutdown()
        srv.server_close()
    return times


def reading_costs(names: list[str]) -> list[dict[str, object]]:
    """Seconds for plain check, --counterexamples 5 and --fewest-switches on each catalog entry."""
    rows = []
    for e in select(names):
        spec = e.build()
        t0 = time.perf_counter()
        plain = check(spec, symmetry=e.symmetry)
        t1 = time.perf_counter()
        dag = shortest_dag(spec, symmetry=e.symmetry)
        five = dag.diverse(5)
        t2 = time.perf_counter()
        fewest = shortest_dag(spec, with_actors=True).fewest_switches()
        t3 = time.perf_counter()
        rows.append({
            "entry": f"{e.spec}/{e.name}", "length": plain.trace_length, "plain_states": plain.distinct_states,
            "dag_states": dag.distinct_states, "violating": len(dag.targets), "found": len(five),
            "switches": fewest[2], "plain_switches": switches(spec, plain.trace),
            "plain_s": t1 - t0, "k5_s": t2 - t1, "fewest_s": t3 - t2,
        })
    return rows


def main() -> None:
    from _args import Parser

    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--entries", default="ignore-votes,any-vote,flexible-n4-q2-q2,volatile-term,count-stale-votes")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared; figures under load are labelled so)")
    ms = click_latency(args.steps, args.seed)
    print(f"explorer, raft {RAFT_705532}: {len(ms)} clicks, median {statistics.median(ms):.1f} ms, "
          f"p90 {sorted(ms)[int(0.9 * (len(ms) - 1))]:.1f} ms, max {max(ms):.1f} ms (first click {ms[0]:.1f} ms)")
    print(f"{'entry':<28} {'len':>4} {'plain states':>12} {'dag states':>10} {'bad':>5} {'K':>2} {'sw':>3} "
          f"{'(plain)':>7} {'plain s':>8} {'K=5 s':>8} {'x':>5} {'fewest s':>8} {'x':>5}")
    for r in reading_costs(args.entries.split(",")):
        print(f"{r['entry']:<28} {r['length']:>4} {r['plain_states']:>12,} {r['dag_states']:>10,} {r['violating']:>5} "
              f"{r['found']:>2} {r['switches']:>3} {r['plain_switches']:>7} {r['plain_s']:>8.2f} {r['k5_s']:>8.2f} "
              f"{r['k5_s'] / r['plain_s']:>5.1f} {r['fewest_s']:>8.2f} {r['fewest_s'] / r['plain_s']:>5.1f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
