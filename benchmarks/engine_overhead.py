"""What the checker's own loop costs on top of the spec: `check` against minimal loops over the SAME spec.

    .venv/bin/python benchmarks/engine_overhead.py                  # Raft, 2 servers, MaxTerm 4, MaxLogLen 1
    .venv/bin/python benchmarks/engine_overhead.py raft705k --max-states 150000
    .venv/bin/python benchmarks/engine_overhead.py docs/examples/paxoscommit.py:PaxosCommit --max-states 100000
    .venv/bin/python benchmarks/engine_overhead.py --runs 3          # alternate the rows three times
    .venv/bin/python benchmarks/engine_overhead.py docs/examples/paxoscommit.py:PaxosCommit --rows check --native-ab
        # each row compiled then pure Python (spec/_native.c; PAXRAFT_NATIVE), side by side in the same minutes

Each row runs in a fresh process; times are that process's CPU seconds (load labelled: on a
shared machine only ratios within one run mean anything). The rows:

- ``check``: the one-process engine (modelcheck.check: parent links, coverage, progress, traces);
- ``search, 1 worker``: the compact-store engine (modelcheck.engine.coordinator.search, workers=1);
- ``loop + invariants``: the spec's own successors (``enumerate``/``step`` of every action, in order,
  with the steps' ``OUTSIDE`` answers on, as in the engines), the constraint, ``spec.violated`` on
  every stored and every cut state, a set of fingerprints: a plain loop, with none of `check`'s
  bookkeeping (but calling ``step(s, *params)`` and looping over the actions, which `check`'s
  generated loop does not: `check` can cost less);
- ``loop``: the same without the invariants: what the spec's code costs.

``check / (loop + invariants)`` bounds the engine's own overhead; ``(loop + invariants) - loop`` the
invariants'. Every row must reach the same distinct and generated counts (asserted). With
``--max-states N`` every row stops where `check` does (as it stores the N-th state).
Compare ``loop`` with a hand-written loop (benchmarks/raft_bench.py's plain loop) to see what the
spec's style costs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MODELS = {
    "raft201k": ("raft", {"servers": 2, "values": 1, "max_term": 4, "max_log": 1}),
    "raft705k": ("raft", {"servers": 3, "values": 1, "max_term": 2, "max_log": 0, "max_copies": 1,
                          "max_in_flight": 1}),
}

CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from spec.registry import entry, load_user_spec
from spec.behaviour import outside_counted, state_constraint
from spec.core import OUTSIDE, Counted
ref, bounds, row, cap = {ref!r}, {bounds!r}, {row!r}, {cap!r}
cls = load_user_spec(ref) if ":" in ref else entry(ref).cls
spec = cls(**bounds)
from modelcheck import check  # imported before the clock starts (numpy), as the loops' imports are
from modelcheck.engine.coordinator import search
def minimal_loop(spec, inv, cap):  # a function, as the engines' loops are (fast locals, not globals)
    violated, constraint = spec.violated, state_constraint(spec)
    actions = [(a.enumerate, a.step) for a in spec.actions]
    seen, frontier, generated = set(), [], 0
    for s in spec.init_states():
        generated += 1
        if inv:
            violated(s)
        if (constraint is None or constraint(s)) and hash(s) not in seen:
            seen.add(hash(s))
            frontier.append(s)
    full = cap is not None and len(seen) >= cap
    while frontier and not full:
        nxt = []
        for s in frontier:
            for enum, step in actions:
                ps = enum(s)
                for params in ps:
                    t2 = step(s, *params)
                    if t2 is None:
                        continue
                    generated += 1
                    if t2 is s or t2 is OUTSIDE:
                        continue
                    if constraint is not None and not constraint(t2):
                        if inv:
                            violated(t2)
                        continue
                    h = hash(t2)
                    if h in seen:
                        continue
                    seen.add(h)
                    if inv:
                        violated(t2)
                    nxt.append(t2)
                    if len(seen) == cap:  # check stops as it stores the N-th state
                        full = True
                        break
                if full:
                    break
                if ps.__class__ is Counted:  # its counted parameters (after the others) would answer OUTSIDE
                    generated += ps.outside
            if full:
                break
        frontier = nxt
    return len(seen), generated


t = time.process_time()
if row == "check":
    r = check(spec, max_states=cap)
    got = (r.distinct_states, r.states_generated)
elif row == "search":
    r = search(spec, max_states=cap)
    got = (r.distinct_states, r.states_generated)
else:
    import gc
    gc.disable()  # as the engines run
    with outside_counted(spec):  # as the engines run: a step may answer OUTSIDE instead of a cut successor
        got = minimal_loop(spec, row == "loop+inv", cap)
print(json.dumps(dict(distinct=got[0], generated=got[1], cpu=time.process_time() - t)))
"""

ROWS = [("check", "check"), ("search", "search, 1 worker"), ("loop+inv", "loop + invariants"), ("loop", "loop")]


def run_row(ref: str, bounds: dict, row: str, cap: int | None, env: dict[str, str] | None = None) -> dict:
    """One row in a fresh interpreter: its counts and CPU seconds."""
    code = CHILD.format(root=str(ROOT), ref=ref, bounds=bounds, row=row, cap=cap)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(model: str, cap: int | None, runs: int, rows: list[str], ab: bool) -> None:
    from _args import native_envs

    ref, bounds = MODELS.get(model, (model, {}))
    print(f"{model} {bounds or ''} max_states={cap}; python {sys.version.split()[0]}; "
          f"load {os.getloadavg()[0]:.2f} before")
    cpu: dict[str, list[float]] = {}
    counts = set()
    for _ in range(runs):
        for row, title in ROWS:
            if row not in rows:
                continue
            for label, env in native_envs(ab):
                r = run_row(ref, bounds, row, cap, env)
                counts.add((r["distinct"], r["generated"]))
                cpu.setdefault(row + label, []).append(r["cpu"])
                print(f"  {title + (f' ({label})' if label else ''):<34} {r['distinct']:>10,} distinct "
                      f"{r['generated']:>12,} generated {r['cpu']:>8.2f} CPU s", flush=True)
    assert len(counts) == 1, f"the rows disagree on the counts: {counts}"
    best = {r: min(v) for r, v in cpu.items()}
    if ab:
        print(f"load {os.getloadavg()[0]:.2f} after; least CPU s of {runs} run(s), compiled / pure Python:")
        for row, title in ROWS:
            if row in rows:
                print(f"  {title:<20} {best[row + 'compiled'] / best[row + 'pure Python']:.2f}")
        return
    if set(rows) != {r for r, _ in ROWS}:
        return
    print(f"load {os.getloadavg()[0]:.2f} after; least CPU s of {runs} run(s) per row:")
    print(f"  engine overhead: check / (loop + invariants) = {best['check'] / best['loop+inv']:.2f}, "
          f"search / (loop + invariants) = {best['search'] / best['loop+inv']:.2f}")
    print(f"  invariants: {best['loop+inv'] - best['loop']:.2f} CPU s = "
          f"{(best['loop+inv'] - best['loop']) / best['check']:.0%} of check; "
          f"the spec's successors and the constraint (loop): {best['loop'] / best['check']:.0%} of check")


if __name__ == "__main__":
    from _args import parser, run_main

    ap = parser(__doc__)
    ap.add_argument("model", nargs="?", default="raft201k",
                    help=f"{', '.join(MODELS)}, a registered spec name, or FILE.py:Class (default raft201k)")
    ap.add_argument("--max-states", type=int, metavar="N", help="stop every row where check stops at N states")
    ap.add_argument("--runs", type=int, default=1, metavar="K", help="alternate the rows K times (default 1)")
    ap.add_argument("--rows", default=",".join(r for r, _ in ROWS),
                    help=f"the rows to run, comma-separated, of {','.join(r for r, _ in ROWS)} (default all)")
    ap.add_argument("--native-ab", action="store_true",
                    help="run each row compiled then pure Python (spec/_native.c, PAXRAFT_NATIVE=1/0)")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    rows = args.rows.split(",")
    if not set(rows) <= {r for r, _ in ROWS}:
        ap.error(f"--rows: {args.rows!r} names no row (rows: {','.join(r for r, _ in ROWS)})")
    run_main(lambda: main(args.model, args.max_states, args.runs, rows, args.native_ab))
