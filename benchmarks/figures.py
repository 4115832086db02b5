"""Same figures before and after: the checker's exact figures for every default-suite model and catalog entry.

    .venv/bin/python benchmarks/figures.py [--all] [--out FILE] [NAME...]     # measure, print one row each
    .venv/bin/python benchmarks/figures.py --compare tests/data/figures.json  # measure, then diff with a file
    .venv/bin/python benchmarks/figures.py --tree /tmp/base --out before.json # the same, on another checkout

A row is a model, named ``suite/<spec> <bounds>`` (``paxraft check``'s default suite) or
``catalog/<spec>/<entry>`` (``paxraft variants``), and its figures: verdict, violated invariant,
distinct states, states generated, depth, counterexample length, and a digest of the
counterexample (each step's action, parameters and state) and of the per-action coverage, so a
refactoring that keeps the counts but finds another trace or fires actions differently shows.
Without ``--all`` the catalog entries whose recorded model takes minutes (``SLOW``) are left out.
``--tree`` imports paxraft from another checkout (e.g. ``git archive main | tar -x -C /tmp/base``),
so one run of this script gives the figures before and after a change.  tests/data/figures.json is
the committed baseline; tests/test_figures.py asserts it.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: catalog entries whose recorded model takes minutes (hundreds of thousands to millions of states)
SLOW = frozenset({
    "raft/no-figure8-rule", "raft/truncate-on-match", "raft/vote-without-log-check", "raft/volatile-log",
    "raft/match-len", "raft/accept-stale-term", "raft/vote-len-only", "raft/commit-no-min",
    "raft-config/single-server-no-errata",
    "raft-snapshot/install-moves-commit-back",  # its BFS takes about 45 minutes (docs/snapshots.md)
    "raft-rebuild/rebuild-without-gate", "raft-rebuild/rebuild-without-floor",
    "raft-rebuild/rebuild-floor-from-too-few-peers",  # 150k-430k states each (tests/test_raft_rebuild.py)
    "multipaxos-rebuild/rebuild-without-gate", "multipaxos-rebuild/resume-after-stale-leader",
    "multipaxos-rebuild/rebuild-floor-from-too-few-peers", "multipaxos-rebuild/resume-at-the-floor",
    # 31k-99k states each, 49-642 s at load 8-15 (tests/test_multipaxos_rebuild.py checks them)
})
FIELDS = ("verdict", "violated", "distinct_states", "states_generated", "depth", "trace_length", "trace", "coverage")


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def models(everything: bool = False) -> list[tuple[str, Any, bool]]:
    """(row name, spec, symmetry) for the default suite and the catalog (its fast entries unless ``everything``)."""
    from spec.catalog import catalog
    from spec.model import Model
    from spec.registry import entries

    out = []
    for e in entries().values():
        for bounds in e.suite:
            m = Model.recorded(e.cls, bounds)
            shown = " ".join(f"{k}={v}" for k, v in bounds.items())
            out.append((f"suite/{e.name} {shown}", m.build(), m.symmetry))
    for c in catalog():
        name = f"catalog/{c.spec}/{c.name}"
        if c.recorded and (everything or name.removeprefix("catalog/") not in SLOW):
            out.append((name, c.build(), c.symmetry))
    return out


def figures(spec: Any, symmetry: bool) -> dict[str, Any]:
    """Model-check one model: its exact figures (and the CPU seconds it took, not compared)."""
    from modelcheck import check

    started = time.process_time()
    r = check(spec, symmetry=symmetry)
    j = r.to_json()
    return {
        "verdict": r.verdict,
        "violated": r.violated,
        "distinct_states": r.distinct_states,
        "states_generated": r.states_generated,
        "depth": r.depth,
        "trace_length": r.trace_length,
        # the steps and states, not their rendering (the label and changed keys each step gained on 2026-12-06)
        "trace": None if j["trace"] is None else _digest([{k: st[k] for k in ("action", "params", "state")}
                                                          for st in j["trace"]]),
        "coverage": _digest(j["coverage"]),
        "cpu_seconds": round(time.process_time() - started, 2),
    }


def compare(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[str]:
    """One line per difference in a compared field, per row missing on one side (rows on both sides only count)."""
    out = []
    for name in sorted(before.keys() | after.keys()):
        if name not in after or name not in before:
            out.append(f"{name}: only {'before' if name in before else 'after'}")
            continue
        for f in FIELDS:
            if before[name].get(f) != after[name].get(f):
                out.append(f"{name}: {f} {before[name].get(f)!r} -> {after[name].get(f)!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure, print, optionally write and compare; exit 1 when a compared figure differs."""
    from _args import Parser

    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="only rows whose name contains one of these")
    ap.add_argument("--all", action="store_true", help="also the catalog entries that take minutes")
    ap.add_argument("--out", type=Path, help="write the figures as JSON")
    ap.add_argument("--compare", type=Path, help="a figures file to compare with (its rows not measured are ignored)")
    ap.add_argument("--tree", type=Path, default=ROOT, help="the checkout to import paxraft from")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.tree.resolve()))
    rows: dict[str, dict[str, Any]] = {}
    for name, spec, sym in models(args.all):
        if args.names and not any(n in name for n in args.names):
            continue
        rows[name] = figures(spec, sym)
        f = rows[name]
        print(f"{name:<70} {f['verdict']:<9} {f['distinct_states']:>10,} {f['states_generated']:>11,} "
              f"{f['depth']:>4} {f['trace_length'] if f['trace_length'] is not None else '-':>4} "
              f"{f['cpu_seconds']:>8.2f}s", flush=True)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n")
    if args.compare:
        baseline = json.loads(args.compare.read_text())
        diffs = compare({k: v for k, v in baseline.items() if k in rows}, rows)
        print("\n".join(diffs) if diffs else f"same figures as {args.compare}: {len(rows)} rows")
        return 1 if diffs else 0
    return 0


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
