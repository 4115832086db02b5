"""Smallest failing bounds of the catalog's variants, found by search, and their local minimality.

    .venv/bin/python benchmarks/variant_bounds.py search [VARIANT...]   # Paxos variants, from the smallest model up
    .venv/bin/python benchmarks/variant_bounds.py minimal [--spec S]    # any catalog entry: lower each bound by one
    .venv/bin/python benchmarks/variant_bounds.py quorums [N...]        # Flexible Paxos's rule, every K1, K2

``search`` tries Paxos models in order of size (acceptors + max_ballot + max_restarts, values
fixed at 2, the least that can break Agreement; for ``flexible`` every q1, q2 at each size)
and prints every model tried with its verdict, until the first violation.  ``minimal`` takes
each failing catalog entry and lowers one integer bound at a time: every such model must be
safe (or not constructible) for the recorded bounds to be a local minimum.  ``quorums``
checks the ``flexible`` variant (no quorum assumption) with every K1-subset as phase-1 and
every K2-subset as phase-2 quorums, values 2, ballots 0..1, and compares the verdict with
the rule "safe iff K1 + K2 > N".
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from modelcheck import check  # noqa: E402
from spec.catalog import catalog, model  # noqa: E402
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
        print(f"== {name}: {cls.rule}", flush=True)
        for bounds in candidates(cls, max_size):
            t = time.perf_counter()
            r = check(cls(**bounds), max_states=CAP)
            shown = " ".join(f"{k}={v}" for k, v in bounds.items())
            note = "" if r.complete else " (stopped at the state cap: not affordable)"
            verdict = f"{r.violated}, {r.trace_length} steps" if r.violated else "safe" + note
            secs = time.perf_counter() - t
            print(f"   {shown:<58} {r.distinct_states:>10,} states {secs:7.2f}s  {verdict}", flush=True)
            if r.violated:
                print(f"   smallest failing bounds: {shown}; shortest counterexample {r.trace_length} steps\n")
                break
        else:
            print(f"   no violation up to size {max_size}\n")


def minimal(spec_name: str | None) -> int:
    bad = 0
    for e in catalog(spec_name):
        if e.breaks is None or e.name != e.variant:  # safe, or a case at fixed quorum sizes (not a minimum)
            continue
        cls = e.build().__class__
        lowered = []
        for key, val in e.bounds.items():
            if isinstance(val, bool) or not isinstance(val, int) or key == "values":
                continue
            bounds = dict(e.bounds)
            bounds[key] = val - 1
            try:
                spec = model(cls, bounds)  # with the entry's 'without' and 'restrict', if any
            except SpecError:
                continue
            r = check(spec, symmetry=e.symmetry, max_states=CAP)
            ok = r.violated is None and r.complete
            bad += not ok
            lowered.append(f"{key}={val - 1}: {'safe' if ok else r.violated or 'incomplete'}")
        print(f"{e.spec}/{e.name} at {e.show_bounds()}: {'; '.join(lowered) or 'no bound to lower'}")
    return 1 if bad else 0


def quorums(sizes: list[int]) -> int:
    cls = entry("paxos").variants["flexible"]
    wrong = 0
    print(f"{'N':>2} {'K1':>3} {'K2':>3}  {'K1+K2>N':<8} {'verdict':<22} {'states':>10} {'seconds':>8}")
    for n in sizes:
        for k1, k2 in itertools.product(range(1, n + 1), repeat=2):
            t = time.perf_counter()
            r = check(cls(acceptors=n, q1=k1, q2=k2), max_states=CAP)
            verdict = f"{r.violated}, {r.trace_length} steps" if r.violated else "safe" if r.complete else "incomplete"
            wrong += (r.violated is None) != (k1 + k2 > n) or not r.complete
            print(
                f"{n:>2} {k1:>3} {k2:>3}  {str(k1 + k2 > n):<8} {verdict:<22} {r.distinct_states:>10,} "
                f"{time.perf_counter() - t:>8.2f}",
                flush=True,
            )
    print(f"rule confirmed on every model: {not wrong}")
    return 1 if wrong else 0


def main() -> int:
    from _args import Parser

    parser = Parser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("search")
    s.add_argument("names", nargs="*")
    s.add_argument("--max-size", type=int, default=6)
    m = sub.add_parser("minimal")
    m.add_argument("--spec")
    q = sub.add_parser("quorums")
    q.add_argument("sizes", nargs="*", type=int, default=[3, 4])
    args = parser.parse_args()
    if args.mode == "search":
        search(args.names, args.max_size)
        return 0
    if args.mode == "quorums":
        return quorums(args.sizes)
    return minimal(args.spec)


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
