"""Raft checker throughput and memory, against a plain hand-written loop of raft.tla.

    .venv/bin/python benchmarks/raft_bench.py            # the 705,532-state model: paxraft vs the plain loop
    .venv/bin/python benchmarks/raft_bench.py scale      # a 2,379,781-state model: bytes per state, peak RSS
    .venv/bin/python benchmarks/raft_bench.py variants [NAME...]  # Raft variants at their recorded bounds

Each run is a fresh process (peak RSS is that run's alone); times are CPU seconds of that
process, which other load on a shared machine disturbs less than wall time.  The plain
loop (:func:`plain_raft`) is issue 3's reference point: raft.tla as one Python function
over tuples and frozensets, a set of full states, no framework, no invariants, no traces.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FOLLOWER, CANDIDATE, LEADER = 0, 1, 2
NIL = -1
RVQ, RVR, AEQ, AER = 0, 1, 2, 3  # RequestVote/AppendEntries requests and responses


def plain_raft(
    n: int,
    n_values: int,
    max_term: int,
    max_log: int,
    max_copies: int,
    max_in_flight: int,
    history: bool = True,
) -> tuple[int, int, int]:
    """raft.tla explored breadth-first under the four TLC constraint bounds: (distinct, generated, depth).

    Written independently of spec/raft.py (one function, successors in one pass), so that
    agreeing counts cross-check both.  Generated counts the initial state and one
    successor per enabled action instance, as TLC does for raft.tla.
    """
    servers = range(n)
    empty: frozenset = frozenset()
    init = (
        frozenset(),  # messages: {(message, count)}
        frozenset(),  # elections
        frozenset(),  # allLogs
        (1,) * n,  # currentTerm
        (FOLLOWER,) * n,  # state
        (NIL,) * n,  # votedFor
        ((),) * n,  # log
        (0,) * n,  # commitIndex
        (empty,) * n,  # votesResponded
        (empty,) * n,  # votesGranted
        (empty,) * n,  # voterLog: {(voter, log)}
        ((1,) * n,) * n,  # nextIndex
        ((0,) * n,) * n,  # matchIndex
    )

    def upd(t, i, v):
        return t[:i] + (v,) + t[i + 1 :]

    def send(m, msgs):
        for mc in msgs:
            if mc[0] == m:
                return (msgs - {mc}) | {(m, mc[1] + 1)}
        return msgs | {(m, 1)}

    def discard(m, msgs):
        for mc in msgs:
            if mc[0] == m:
                return msgs - {mc} if mc[1] <= 1 else (msgs - {mc}) | {(m, mc[1] - 1)}
        return msgs

    def last_term(lg):
        return lg[-1][0] if lg else 0

    def successors(s):
        msgs, elections, all_logs, ct, st, vf, log, ci, vr, vg, vl, ni, mi = s
        al = all_logs | frozenset(log) if history else all_logs  # Next: allLogs' on every step
        out = []
        for i in servers:  # Restart
            out.append((msgs, elections, al, ct, upd(st, i, FOLLOWER), vf, log, upd(ci, i, 0), upd(vr, i, empty),
                        upd(vg, i, empty), upd(vl, i, empty), upd(ni, i, (1,) * n), upd(mi, i, (0,) * n)))
        for i in servers:  # Timeout
            if st[i] != LEADER:
                out.append((msgs, elections, al, upd(ct, i, ct[i] + 1), upd(st, i, CANDIDATE), upd(vf, i, NIL), log,
                            ci, upd(vr, i, empty), upd(vg, i, empty), upd(vl, i, empty), ni, mi))
        for i in servers:  # RequestVote
            if st[i] == CANDIDATE:
                for j in servers:
                    if j not in vr[i]:
                        m = (RVQ, i, j, ct[i], last_term(log[i]), len(log[i]))
                        out.append((send(m, msgs), elections, al, ct, st, vf, log, ci, vr, vg, vl, ni, mi))
        for i in servers:  # BecomeLeader
            if st[i] == CANDIDATE and len(vg[i]) * 2 > n:
                e = (ct[i], i, log[i], vg[i], vl[i])
                out.append((msgs, elections | {e} if history else elections, al, ct, upd(st, i, LEADER), vf, log,
                            ci, vr, vg, vl, upd(ni, i, (len(log[i]) + 1,) * n), upd(mi, i, (0,) * n)))
        for i in servers:  # ClientRequest
            if st[i] == LEADER:
                for v in range(n_values):
                    out.append((msgs, elections, al, ct, st, vf, upd(log, i, log[i] + ((ct[i], v),)), ci, vr, vg,
                                vl, ni, mi))
        for i in servers:  # AdvanceCommitIndex
            if st[i] == LEADER:
                agree = [k for k in range(1, len(log[i]) + 1)
                         if (1 + sum(1 for j in servers if j != i and mi[i][j] >= k)) * 2 > n]
                nci = max(agree) if agree and log[i][max(agree) - 1][0] == ct[i] else ci[i]
                out.append((msgs, elections, al, ct, st, vf, log, upd(ci, i, nci), vr, vg, vl, ni, mi))
        for i in servers:  # AppendEntries
            if st[i] == LEADER:
                for j in servers:
                    if i != j:
                        prev = ni[i][j] - 1
                        last = min(len(log[i]), ni[i][j])
                        m = (AEQ, i, j, ct[i], prev, log[i][prev - 1][0] if prev > 0 else 0,
                             log[i][ni[i][j] - 1 : last], log[i] if history else (), min(ci[i], last))
                        out.append((send(m, msgs), elections, al, ct, st, vf, log, ci, vr, vg, vl, ni, mi))
        for mc in msgs:  # Receive
            m = mc[0]
            typ, j, i, mterm = m[0], m[1], m[2], m[3]
            if mterm > ct[i]:  # UpdateTerm
                out.append((msgs, elections, al, upd(ct, i, mterm), upd(st, i, FOLLOWER), upd(vf, i, NIL), log, ci,
                            vr, vg, vl, ni, mi))
            elif typ == RVQ:
                lg = log[i]
                ok = m[4] > last_term(lg) or (m[4] == last_term(lg) and m[5] >= len(lg))
                grant = mterm == ct[i] and ok and vf[i] in (NIL, j)
                r = (RVR, i, j, ct[i], int(grant), lg if history else ())
                out.append((discard(m, send(r, msgs)), elections, al, ct, st, upd(vf, i, j) if grant else vf, log,
                            ci, vr, vg, vl, ni, mi))
            elif typ == RVR:
                if mterm < ct[i]:
                    out.append((discard(m, msgs), elections, al, ct, st, vf, log, ci, vr, vg, vl, ni, mi))
                else:
                    nvg, nvl = vg, vl
                    if m[4]:
                        nvg = upd(vg, i, vg[i] | {j})
                        if history and all(p[0] != j for p in vl[i]):
                            nvl = upd(vl, i, vl[i] | {(j, m[5])})
                    out.append((discard(m, msgs), elections, al, ct, st, vf, log, ci, upd(vr, i, vr[i] | {j}), nvg,
                                nvl, ni, mi))
            elif typ == AEQ:
                _, _, _, _, prev, prev_term, ents, _, mci = m
                lg = log[i]
                ok = prev == 0 or (0 < prev <= len(lg) and prev_term == lg[prev - 1][0])
                if mterm < ct[i] or (st[i] == FOLLOWER and not ok):
                    r = (AER, i, j, ct[i], 0, 0)
                    out.append((discard(m, send(r, msgs)), elections, al, ct, st, vf, log, ci, vr, vg, vl, ni, mi))
                elif st[i] == CANDIDATE:
                    out.append((msgs, elections, al, ct, upd(st, i, FOLLOWER), vf, log, ci, vr, vg, vl, ni, mi))
                elif st[i] == FOLLOWER:
                    k = prev + 1
                    if not ents or (len(lg) >= k and lg[k - 1][0] == ents[0][0]):
                        r = (AER, i, j, ct[i], 1, prev + len(ents))
                        out.append((discard(m, send(r, msgs)), elections, al, ct, st, vf, log, upd(ci, i, mci), vr,
                                    vg, vl, ni, mi))
                    elif len(lg) >= k:
                        out.append((msgs, elections, al, ct, st, vf, upd(log, i, lg[:-1]), ci, vr, vg, vl, ni, mi))
                    elif len(lg) == prev:
                        out.append((msgs, elections, al, ct, st, vf, upd(log, i, lg + (ents[0],)), ci, vr, vg, vl,
                                    ni, mi))
            elif mterm < ct[i]:  # AppendEntriesResponse, stale
                out.append((discard(m, msgs), elections, al, ct, st, vf, log, ci, vr, vg, vl, ni, mi))
            else:
                if m[4]:
                    nni, nmi = upd(ni, i, upd(ni[i], j, m[5] + 1)), upd(mi, i, upd(mi[i], j, m[5]))
                else:
                    nni, nmi = upd(ni, i, upd(ni[i], j, max(ni[i][j] - 1, 1))), mi
                out.append((discard(m, msgs), elections, al, ct, st, vf, log, ci, vr, vg, vl, nni, nmi))
        for mc in msgs:  # DuplicateMessage
            out.append((send(mc[0], msgs), elections, al, ct, st, vf, log, ci, vr, vg, vl, ni, mi))
        for mc in msgs:  # DropMessage
            out.append((discard(mc[0], msgs), elections, al, ct, st, vf, log, ci, vr, vg, vl, ni, mi))
        return out

    def in_model(s):  # the state constraint
        msgs = s[0]
        return (
            len(msgs) <= max_in_flight
            and all(mc[1] <= max_copies for mc in msgs)
            and max(s[3]) <= max_term
            and all(len(lg) <= max_log for lg in s[6])
        )

    seen = {init}
    frontier = [init]
    generated, depth = 1, 1
    while frontier:
        nxt = []
        for s in frontier:
            for t in successors(s):
                generated += 1
                if in_model(t) and t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
        depth += bool(frontier)
    return len(seen), generated, depth


TLC_MODEL = {"servers": 3, "values": 1, "max_term": 2, "max_log": 0, "max_copies": 1, "max_in_flight": 1}
SCALE_MODEL = {"servers": 3, "values": 1, "max_term": 2, "max_log": 1, "max_copies": 1, "max_in_flight": 1}

CHILD_CHECK = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from modelcheck import check
from spec.raft import Raft
t = time.process_time()
r = check(Raft(**{bounds!r}), symmetry={sym!r})
print(json.dumps(dict(distinct=r.distinct_states, generated=r.states_generated, depth=r.depth,
    cpu=time.process_time() - t, wall=r.seconds, rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    bytes_per_state=r.bytes_per_state, verdict=r.verdict)))
"""

CHILD_PLAIN = """
import json, resource, sys, time
sys.path.insert(0, {bench!r})
from raft_bench import plain_raft
t = time.process_time()
n, g, d = plain_raft(*{args!r})
print(json.dumps(dict(distinct=n, generated=g, depth=d, cpu=time.process_time() - t,
    rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)))
"""

CHILD_VARIANT = """
import json, sys, time
sys.path.insert(0, {root!r})
from modelcheck import check
from spec.catalog import model
from spec.registry import entry
t = time.process_time()
r = check(model(entry("raft").variants[{name!r}], {bounds!r}), symmetry={sym!r})
print(json.dumps(dict(distinct=r.distinct_states, verdict=r.verdict, violated=r.violated,
    trace_length=r.trace_length, cpu=time.process_time() - t)))
"""


def child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter and parse the JSON line it prints."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _args(bounds: dict) -> tuple:
    return tuple(bounds[k] for k in ("servers", "values", "max_term", "max_log", "max_copies", "max_in_flight"))


def row(title: str, r: dict) -> str:
    """One table row: counts, CPU seconds, rates, peak memory."""
    per = f"{r['bytes_per_state']:>7.0f}" if "bytes_per_state" in r else f"{'-':>7}"
    return (
        f"{title:<34} {r['distinct']:>10,} {r['generated']:>11,} {r['depth']:>5} {r['cpu']:>7.1f} "
        f"{r['distinct'] / r['cpu']:>10,.0f} {r['generated'] / r['cpu']:>10,.0f} {r['rss'] / 2**20:>8.0f} {per}"
    )


HEADER = (
    f"{'run':<34} {'distinct':>10} {'generated':>11} {'depth':>5} {'cpu s':>7} "
    f"{'distinct/s':>10} {'gen/s':>10} {'peak MiB':>8} {'B/state':>7}"
)


def tlc_model() -> None:
    """The 705,532-state model: paxraft (with and without symmetry) and the plain loop, one process each."""
    print("raft.tla, 3 servers, 1 value, MaxTerm 2, MaxLogLen 0, MaxCopies 1, MaxInFlight 1")
    print(f"python {sys.version.split()[0]} at {sys.executable} (make setup's choice: tools/optimized_python.py)")
    print("TLC 2.20 (issue 3): 705,532 distinct, 8,683,474 generated, depth 39, one worker 154-227 s")
    print(HEADER)
    plain = child(CHILD_PLAIN.format(bench=str(ROOT / "benchmarks"), args=_args(TLC_MODEL)))
    print(row("plain loop (no framework)", plain), flush=True)
    ours = child(CHILD_CHECK.format(root=str(ROOT), bounds=TLC_MODEL, sym=False))
    print(row("paxraft check", ours), flush=True)
    sym = child(CHILD_CHECK.format(root=str(ROOT), bounds=TLC_MODEL, sym=True))
    print(row("paxraft check --symmetry", sym), flush=True)
    for r in (plain, ours):
        assert (r["distinct"], r["generated"], r["depth"]) == (705_532, 8_683_474, 39), r
    print(
        f"paxraft / plain loop speed: {plain['cpu'] / ours['cpu']:.2f}x (>= 1.0: no slower); "
        f"paxraft keeps parent links and checks the five invariants on every generated state"
    )


def scale() -> None:
    """A multi-million-state model: how many bytes each stored state costs, and the peak RSS."""
    print("raft.tla, 3 servers, 1 value, MaxTerm 2, MaxLogLen 1, MaxCopies 1, MaxInFlight 1")
    print(HEADER)
    r = child(CHILD_CHECK.format(root=str(ROOT), bounds=SCALE_MODEL, sym=False))
    print(row("paxraft check", r), flush=True)
    print(
        f"store (fingerprint, parent, action) {r['bytes_per_state']:.0f} B/state; "
        f"peak RSS {r['rss'] / r['distinct']:.0f} B/state (includes the widest BFS level's full states)"
    )


def variants() -> None:
    """Each Raft variant at its recorded failing bounds: verdict, invariant, trace length, time."""
    sys.path.insert(0, str(ROOT))
    from spec.registry import entry

    only = sys.argv[2:]  # variant names to run (all when none given; the command line checked them)
    for name, cls in entry("raft").variants.items():
        if only and name not in only:
            continue
        if cls.failing_bounds is None:  # not broken: its bounds_tried say what was searched
            print(f"{name:<24} not broken; tried: {'; '.join(getattr(cls, 'bounds_tried', ()))}", flush=True)
            continue
        bounds = dict(cls.failing_bounds)
        sym = bool(bounds.pop("symmetry", False))
        r = child(CHILD_VARIANT.format(root=str(ROOT), name=name, bounds=bounds, sym=sym))
        shown = " ".join(f"{k}={','.join(v) if isinstance(v, tuple) else v}" for k, v in bounds.items())
        shown += " symmetry" if sym else ""
        found = f"{r['violated']} in {r['trace_length']} steps" if r["violated"] else "no violation"
        print(f"{name:<24} {shown:<80} {found:<34} {r['distinct']:>10,} states {r['cpu']:>7.1f} s", flush=True)


if __name__ == "__main__":
    from _args import parser, run_main

    ap = parser(__doc__)
    ap.add_argument("mode", nargs="?", choices=["scale", "variants"], help="default: the 705,532-state model")
    ap.add_argument("names", nargs="*", help="variants: only these")
    args = ap.parse_args()
    if args.names and args.mode != "variants":
        ap.error(f"variant names ({' '.join(args.names)}) go with the mode 'variants'")
    run_main(lambda: {"scale": scale, "variants": variants}.get(args.mode or "", tlc_model)())
