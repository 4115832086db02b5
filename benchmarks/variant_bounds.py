"""Smallest failing bounds of the catalog's variants, found by search, and their local minimality.

    .venv/bin/python benchmarks/variant_bounds.py search [VARIANT...]   # Paxos variants, from the smallest model up
    .venv/bin/python benchmarks/variant_bounds.py minimal [--spec S]    # any catalog entry: lower each bound by one

``search`` tries Paxos models in order of size (acceptors + max_ballot + max_restarts, values
fixed at 2, the least that can break Agreement; for ``flexible`` every q1, q2 at each size)
and prints every model tried with its verdict, until the first violation.  ``minimal`` takes
each failing catalog entry and lowers one integer bound at a time: every such model must be
safe (or not constructible) for the recorded bounds to be a local minimum.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from modelcheck import check  # noqa: E402
from spec.catalog import catalog  # noqa: E402
from spec.core import SpecError  # noqa: E402
from spec.registry import entry  # noqa: E402

CAP = 3_000_000  # distinct states: a model beyond this is reported as not affordable


def candidates(cls: type, max_size: int) -> list[dict]:
    """Paxos bounds in increasing size; restarts only for variants that lose something on restart."""
    restarts = cls.persists != ("maxBal", "maxVBal", "maxVal")
    flexible = not cls.assume_intersection
    out = []
    for size in range(1, max_size + 1):
        for n, b, r in itertools.product(range(1, 5), range(0, 4), range(0, 3)):
            if n + b + r != size or (r and not restarts):
                continue
            base = {"acceptors": n, "values": 2, "max_ballot": b}
            if r:
                base["max_restarts"] = r
            if flexible:
                out += [{**base, "q1": k1, "q2": k2} for k1 in range(1, n + 1) for k2 in range(1, n + 1)]
            else:
                out.append(base)
    return out


def search(names: list[str], max_size: int) -> None:
    variants = entry("paxos").variants
    for name in names or list(variants):
        cls = variants[name]
        print(f"== {name}: {cls.rule}")
        for bounds in candidates(cls, max_size):
            t = time.perf_counter()
            r = check(cls(**bounds), max_states=CAP)
            shown = " ".join(f"{k}={v}" for k, v in bounds.items())
            note = "" if r.complete else " (stopped at the state cap: not affordable)"
            verdict = f"{r.violated}, {r.trace_length} steps" if r.violated else "safe" + note
            print(f"   {shown:<58} {r.distinct_states:>10,} states {time.perf_counter() - t:7.2f}s  {verdict}")
            if r.violated:
                print(f"   smallest failing bounds: {shown}; shortest counterexample {r.trace_length} steps\n")
                break
        else:
            print(f"   no violation up to size {max_size}\n")


def minimal(spec_name: str | None) -> int:
    bad = 0
    for e in catalog(spec_name):
        if e.breaks is None:
            continue
        cls = e.build().__class__
        lowered = []
        for key, val in e.bounds.items():
            if isinstance(val, bool) or not isinstance(val, int) or key == "values":
                continue
            bounds = {k: v for k, v in e.bounds.items() if k != "symmetry"}
            bounds[key] = val - 1
            try:
                spec = cls(**bounds)
            except SpecError:
                continue
            r = check(spec, symmetry=e.symmetry, max_states=CAP)
            ok = r.violated is None and r.complete
            bad += not ok
            lowered.append(f"{key}={val - 1}: {'safe' if ok else r.violated or 'incomplete'}")
        print(f"{e.spec}/{e.name} at {e.show_bounds()}: {'; '.join(lowered) or 'no bound to lower'}")
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("search")
    s.add_argument("names", nargs="*")
    s.add_argument("--max-size", type=int, default=6)
    m = sub.add_parser("minimal")
    m.add_argument("--spec")
    args = parser.parse_args()
    if args.mode == "search":
        search(args.names, args.max_size)
        return 0
    return minimal(args.spec)


if __name__ == "__main__":
    sys.exit(main())
