"""Speed-up of `--workers 2` over one process on Paxos (3 acceptors, 2 values, ballots 0..2: 185,369 states).

Run: .venv/bin/python benchmarks/parallel_bench.py [--repeat N]
Prints wall-clock seconds for each run (best of N), the speed-up, and each worker's CPU seconds,
so a reader can tell the algorithm's balance from contention with other processes on the machine.
"""

from __future__ import annotations

import argparse
import os
import time

from modelcheck import check
from modelcheck.parallel import parallel_bfs
from spec.paxos import Paxos


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    spec = Paxos(acceptors=3, values=2, max_ballot=2)
    print(f"model: {spec.describe()}; cores: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    seq_best, par_best = float("inf"), float("inf")
    cpu_seq = 0.0
    workers_cpu: list[float] = []
    for _ in range(args.repeat):
        t0 = time.process_time()
        a = check(spec)
        cpu = time.process_time() - t0
        if a.seconds < seq_best:
            seq_best, cpu_seq = a.seconds, cpu
        b = parallel_bfs(spec, workers=2)
        assert (a.distinct_states, a.states_generated, a.depth) == (b.distinct_states, b.states_generated, b.depth)
        if b.seconds < par_best:
            par_best, workers_cpu = b.seconds, b.extra["worker_cpu_seconds"]
    print(f"distinct {a.distinct_states:,}  generated {a.states_generated:,}  depth {a.depth}  (equal for both)")
    print(f"1 process : {seq_best:6.2f} s wall, {cpu_seq:5.2f} s CPU")
    print(f"2 workers : {par_best:6.2f} s wall, worker CPU {workers_cpu} s")
    print(f"speed-up  : {seq_best / par_best:.2f}x wall; CPU-bound ideal {cpu_seq / max(workers_cpu):.2f}x")


if __name__ == "__main__":
    main()
