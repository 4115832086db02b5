"""One worker's line in a benchmark's report: where its time in a parallel run went.

Shared by ``parallel_bench.py`` and ``scale_bench.py`` so that both read a worker's figures
(``extra["per_worker"]`` of a parallel search) the same way.
"""

from __future__ import annotations


def worker_line(w: int, p: dict, places: int = 1) -> str:
    """Worker ``w``'s CPU in chunks (of which expanding, and per state: the figure to compare across runs),
    states shipped, waits, preemptions and page faults; seconds with ``places`` decimals."""
    us = p["expand_cpu_seconds"] / max(p["expanded"], 1) * 1e6
    return (f"worker {w}: {p['cpu_seconds']:.{places}f} CPU s in chunks ({p['expand_cpu_seconds']:.{places}f} "
            f"expanding {p['expanded']:,} states, {us:.0f} us each; {p['states_shipped']:,} shipped to even loads), "
            f"waited {p['wait_seconds']:.{places}f} s for peers, preempted {p['preempted']:,} times, "
            f"{p['minor_faults']:,} minor / {p['major_faults']} major faults")


if __name__ == "__main__":
    from _args import helper_module

    helper_module(__doc__, "parallel_bench.py or benchmarks/scale_bench.py")
