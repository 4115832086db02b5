"""Speed-up of `--workers N` over one process, and where the workers' time goes.

Run: .venv/bin/python benchmarks/parallel_bench.py [--repeat N] [--workers N] [--model paxos|raft|raft705k]

paxos: 3 acceptors, 2 values, ballots 0..2 (185,369 states); raft: 2 servers, terms up to 4,
one log entry, no history variables; raft705k: the 705,532-state raft.tla model of
benchmarks/scale_bench.py. Prints the load average before and after (other work on the machine
distorts wall-clock times), the best wall-clock time of N runs of each, one process's CPU time,
and from the N-worker run's ``--json`` figures: each worker's CPU seconds in chunks (of which
expanding states), the seconds it waited for its peers in exchanges, the times it was preempted
(other load) and its page faults; the critical path (per chunk, the slowest worker's CPU seconds,
summed: what the run takes on idle cores) against the seconds the chunks took. Asserts that both
runs report the same counts, depth and coverage.

Wall-clock times only show a speed-up when the machine is otherwise idle: with the kernel's
autogroup scheduling (/proc/sys/kernel/sched_autogroup_enabled = 1), a busy machine gives each
login session one share, so two workers then share what one process would get.
"""

from __future__ import annotations

import os
import time

from modelcheck import check
from modelcheck.engine.parallel import parallel_bfs
from spec.core import Spec
from spec.paxos import Paxos
from spec.raft import Raft


def model(name: str) -> Spec:
    """The benchmark model called ``name``."""
    if name == "raft":
        return Raft(servers=2, values=1, max_term=4, max_log=1, no_history=True)
    if name == "raft705k":
        return Raft(servers=3, values=1, max_term=2, max_log=0, max_copies=1, max_in_flight=1)
    return Paxos(acceptors=3, values=2, max_ballot=2)


def main() -> None:
    from _args import parser
    from worker_figures import worker_line

    ap = parser(__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--model", choices=("paxos", "raft", "raft705k"), default="paxos")
    args = ap.parse_args()
    spec = model(args.model)
    print(f"model: {spec.describe()}; cores: {os.cpu_count()}; load average before: {os.getloadavg()[0]:.2f}")
    seq_best, par_best = float("inf"), float("inf")
    cpu_seq = 0.0
    best = None
    for _ in range(args.repeat):
        t0 = time.process_time()
        a = check(spec)
        cpu = time.process_time() - t0
        if a.seconds < seq_best:
            seq_best, cpu_seq = a.seconds, cpu
        b = parallel_bfs(spec, workers=args.workers)
        same = (b.distinct_states, b.states_generated, b.depth, b.coverage)
        assert same == (a.distinct_states, a.states_generated, a.depth, a.coverage), "parallel run differs"
        if b.seconds < par_best:
            par_best, best = b.seconds, b
    assert best is not None
    x = best.extra
    print(f"distinct {a.distinct_states:,}  generated {a.states_generated:,}  depth {a.depth}  (equal for both)")
    print(f"1 process : {seq_best:6.2f} s wall, {cpu_seq:5.2f} s CPU")
    print(f"{args.workers} workers : {par_best:6.2f} s wall, {x['chunks']} chunks")
    for w, p in enumerate(x["per_worker"]):
        print("  " + worker_line(w, p, places=2))
    crit = x["critical_path_cpu_seconds"]
    print(f"  critical path {crit:.2f} s CPU; chunks took {x['chunk_seconds']:.2f} s")
    print(f"speed-up  : {seq_best / par_best:.2f}x wall; on idle cores {cpu_seq / crit:.2f}x (CPU / critical path)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
