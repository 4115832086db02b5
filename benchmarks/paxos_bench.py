"""Paxos checker throughput: distinct and generated states/s and peak memory, vs. a plain loop.

Each model runs in a fresh process (so peak RSS is that model's alone), on one core.
Run: .venv/bin/python benchmarks/paxos_bench.py  (or `make bench`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = [
    ("1 acceptor, 1 value, ballots 0..1", {"acceptors": 1, "values": 1, "max_ballot": 1}, False),
    ("3 acceptors, 2 values, ballots 0..1", {"acceptors": 3, "values": 2, "max_ballot": 1}, False),
    ("3 acceptors, 2 values, ballots 0..1, symmetry", {"acceptors": 3, "values": 2, "max_ballot": 1}, True),
    ("3 acceptors, 2 values, ballots 0..2", {"acceptors": 3, "values": 2, "max_ballot": 2}, False),
]

CHILD_CHECK = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from modelcheck import check
from spec.paxos import Paxos
r = check(Paxos(**{bounds!r}), symmetry={sym!r})
print(json.dumps(dict(distinct=r.distinct_states, generated=r.states_generated, depth=r.depth,
    seconds=r.seconds, rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    bytes_per_state=r.bytes_per_state, verdict=r.verdict)))
"""

CHILD_PLAIN = """
import gc, json, resource, sys, time
if {gc_off!r}:
    gc.disable()
sys.path.insert(0, {bench!r})
from plain_paxos import plain_paxos
t = time.perf_counter()
n, depth = plain_paxos({bounds[acceptors]}, {bounds[values]}, {bounds[max_ballot]})
print(json.dumps(dict(distinct=n, depth=depth, seconds=time.perf_counter() - t,
    rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)))
"""


def child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter and parse the JSON line it prints."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print one row per model, then the plain-loop comparison on the largest model."""
    print(f"{'model':<48} {'distinct':>9} {'generated':>10} {'depth':>5} {'sec':>7} "
          f"{'distinct/s':>10} {'gen/s':>10} {'peak MiB':>8} {'B/state':>7}")
    last: dict = {}
    for title, bounds, sym in MODELS:
        r = child(CHILD_CHECK.format(root=str(ROOT), bounds=bounds, sym=sym))
        print(f"{title:<48} {r['distinct']:>9,} {r['generated']:>10,} {r['depth']:>5} {r['seconds']:>7.2f} "
              f"{r['distinct'] / r['seconds']:>10,.0f} {r['generated'] / r['seconds']:>10,.0f} "
              f"{r['rss'] / 2**20:>8.0f} {r['bytes_per_state']:>7.0f}", flush=True)
        last = r
    bounds = MODELS[-1][1]
    print(f"\nlargest model, paxraft: {last['seconds']:.2f}s, peak {last['rss'] / 2**20:.0f} MiB "
          "(the checker pauses the cyclic GC during a search)")
    for gc_off, how in ((False, "as written (GC on)"), (True, "with the GC paused too")):
        plain = child(CHILD_PLAIN.format(bench=str(ROOT / "benchmarks"), bounds=bounds, gc_off=gc_off))
        assert (plain["distinct"], plain["depth"]) == (last["distinct"], last["depth"]), "plain loop disagrees"
        print(f"plain reference loop {how}: {plain['seconds']:.2f}s, peak {plain['rss'] / 2**20:.0f} MiB; "
              f"paxraft speed relative to it: {plain['seconds'] / last['seconds']:.2f}x (>= 1.0: no slower)")
    print("issue 2's reference points on this kind of machine: TLC 2.20 33 s, the plain loop 5.9 s")


if __name__ == "__main__":
    from _args import parser, run_main

    parser(__doc__).parse_args()
    run_main(main)
