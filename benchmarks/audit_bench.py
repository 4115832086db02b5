"""Audit throughput: events audited per second (Raft online and offline, Paxos offline) and linearizability speed.

Run: .venv/bin/python benchmarks/audit_bench.py [--writes N] [--concurrency C] [--fsync] [--store-only]

First, in one run, the rate our Raft store produces trace events and the rate the audit checks
them: a 3-node cluster (3 local processes, trace files on, fsync off unless --fsync) serves
kv_bench's concurrent workload (N writes of 100 B from C sessions, after one sequential write); its events per second of
wall time are the production rate.  The same trace files are then audited offline (streamed: surveyed,
then read, merged, decoded and searched, as ``paxraft audit`` does; and the peak RSS of a process doing that,
and of one reading the trace whole first) and online (the events handed one by one to the
auditor the simulation uses, already decoded); the audit rates are per CPU second of this
process (on a loaded machine wall time measures the neighbours) and per wall second, and the
ratios audit / production are printed.  Then the cost per event against the log's length (a
leader's steady state at 100, 10,000 and 100,000 entries), the simulated Raft runs audited
online, Paxos, and linearizability of generated key-value histories.  The load average is
printed with the figures.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from impl.paxos.sim import simulate  # noqa: E402
from impl.trace import decode_compact, is_compact, survey_compact  # noqa: E402
from modelcheck.audit import TraceStream, audit_events, read_traces  # noqa: E402
from modelcheck.audit.paxos_map import PaxosMapping  # noqa: E402
from modelcheck.linearizability import Operation, check_operations, kv_model  # noqa: E402
from modelcheck.linearizability.history import random_timeline  # noqa: E402


def paxos(rounds: int, proposers: int, acceptors: int) -> None:
    t0 = time.perf_counter()
    run = simulate(1, acceptors=acceptors, proposers=proposers, rounds=rounds, max_steps=10**7)
    sim_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as d:
        events, _ = read_traces(run.write(d))
        t0 = time.perf_counter()
        result = audit_events(PaxosMapping.from_events(events), events)
        audit_s = time.perf_counter() - t0
    assert result.ok
    print(
        f"paxos acceptors={acceptors} proposers={proposers} ballots={rounds * proposers}: {len(events):,} events; "
        f"simulation {len(events) / sim_s:,.0f} events/s; audit {len(events) / audit_s:,.0f} events/s "
        f"({audit_s:.2f}s)"
    )


def history(n_ops: int, clients: int, keys: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    store: dict[int, int] = {}
    ops = []
    for _, c, call, ret in random_timeline(rng, n_ops, clients):
        k = rng.randrange(keys)
        if rng.random() < 0.5:
            v = rng.randrange(1000)
            store[k] = v
            ops.append(Operation(c, ("put", k, v), None, call, ret))
        else:
            ops.append(Operation(c, ("get", k), store.get(k), call, ret))
    t0 = time.perf_counter()
    res = check_operations(kv_model(), ops)
    s = time.perf_counter() - t0
    assert res.ok
    print(f"linearizability: {len(ops):,} ops, {clients} clients, {keys} keys: {s:.2f}s ({len(ops) / s:,.0f} ops/s)")


def raft(steps: int, seed: int = 1) -> None:
    """One long simulated Raft run: its event rate without the audit, and the audit's rate online and offline."""
    from modelcheck.audit.raft_sim import write_traces
    from modelcheck.harness import audit_raft_run

    t0 = time.perf_counter()
    cluster, _ = audit_raft_run(seed, steps, online=False, recover=False)
    sim_s = time.perf_counter() - t0
    n = sum(len(v) for v in cluster.trace.values())
    t0 = time.perf_counter()
    _, online = audit_raft_run(seed, steps, recover=False)
    both_s = time.perf_counter() - t0
    assert online is not None and online.failure is None and online.count == n
    with tempfile.TemporaryDirectory() as d:
        events, _ = read_traces(write_traces(cluster.trace, d))
        t0 = time.perf_counter()
        from modelcheck.audit.raft_map import RaftMapping

        result = audit_events(RaftMapping.from_events(events), events)
        offline_s = time.perf_counter() - t0
    assert result.ok and result.audited == n
    log = max(len(v) for v in cluster.trace.values())
    print(
        f"raft steps={steps}: {n:,} events (longest node trace {log:,}); simulation {n / sim_s:,.0f} events/s; "
        f"online audit {n / online.seconds:,.0f} events/s (simulation+audit {n / both_s:,.0f} events/s); "
        f"offline audit (mapping+search) {n / offline_s:,.0f} events/s"
    )


def raft_seeds(count: int, steps: int) -> None:
    """Many seeded hostile runs audited online: how many events, how long."""
    from modelcheck.harness import audit_raft_run

    t0 = time.perf_counter()
    events = 0
    for seed in range(count):
        _, audit = audit_raft_run(seed, steps, recover=False)
        assert audit is not None and audit.failure is None
        events += audit.count
    s = time.perf_counter() - t0
    print(f"raft: {count:,} seeded runs of {steps} steps audited online, all explained: {events:,} events in {s:.1f}s")


def load() -> str:
    """The machine's load average, for the record."""
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def store_events(writes: int, concurrency: int, fsync: bool) -> tuple[list[Path], float, float, int, int]:
    """Run kv_bench's concurrent workload on a traced 3-node store; returns (trace files kept in a temporary
    directory, workload wall seconds, the nodes' CPU seconds, events produced during the workload, events
    before it)."""
    from benchmarks.kv_bench import node_cpu, workload
    from impl.runtime import cluster

    d = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    cluster.start(d, 3, fsync=fsync, trace=True)
    try:
        before = count_events(d)
        cpu0, t0 = node_cpu(d), time.perf_counter()
        asyncio.run(workload(d, 1, writes, concurrency, 100))  # (one sequential write: its statistics need one)
        wall, cpu = time.perf_counter() - t0, node_cpu(d) - cpu0
    finally:
        cluster.stop(d)
    files = cluster.trace_files(d)
    return files, wall, cpu, count_events(d) - before, before


def count_events(d: Path) -> int:
    """Trace events (headers excluded) written so far under ``d``."""
    from impl.runtime import cluster
    from impl.trace import read_events

    return sum(sum(1 for _ in read_events(f)) for f in cluster.trace_files(d))


def audit_offline(files: list[Path]) -> tuple[int, float, float, dict[str, float]]:
    """``paxraft audit``'s work on the files, streamed as it does (modelcheck.audit.TraceStream): (events, CPU
    seconds, wall seconds, CPU seconds by phase: the survey and the mapping it makes, the audit's pass, which
    reads, decodes and searches)."""
    from modelcheck.audit.raft_map import RaftMapping

    c0, w0 = time.process_time(), time.perf_counter()
    events = TraceStream(list(files), decode_compact, survey_compact)
    mapping = RaftMapping.from_events(events)
    c1 = time.process_time()
    result = audit_events(mapping, events)
    c2, w2 = time.process_time(), time.perf_counter()
    assert result.ok and result.audited == len(events), result.failure
    return len(events), c2 - c0, w2 - w0, {"survey": c1 - c0, "audit": c2 - c1}


#: ``paxraft audit`` in a child process: its peak RSS (MB) is the children's maximum, once it has ended; ``list``:
#: the whole trace read into memory first (read_traces), as the audit did before it streamed
_AUDIT_CHILD = """
import os, signal; signal.signal(signal.SIGINT, lambda *_: os._exit(130))  # (Ctrl-C: the script says it, once)
import resource, sys
from impl.trace import decode_compact, survey_compact
from modelcheck.audit import TraceStream, audit_events, read_traces
from modelcheck.audit.raft_map import RaftMapping
files = sys.argv[2:]
events = read_traces(files, decode_compact)[0] if sys.argv[1] == "list" else TraceStream(files, decode_compact,
                                                                                         survey_compact)
assert audit_events(RaftMapping.from_events(events), events).ok
"""


def audit_rss(files: list[Path], how: str) -> float:
    """Peak RSS (MB) of a process that audits the files (``stream``: as ``paxraft audit``; ``list``: read whole)."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([sys.executable, "-c", _AUDIT_CHILD, how, *map(str, files)], check=True,
                   cwd=Path(__file__).resolve().parent.parent)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (peak if peak > before else float("nan")) / 1024


def audit_online(files: list[Path]) -> tuple[int, float, float]:
    """The same events, decoded, handed one at a time to the online auditor: (events, CPU s, wall s)."""
    from modelcheck.audit.raft_sim import RaftOnlineAudit

    recs = []
    nodes: list[int] = []
    for f in files:  # a node's compact trace.bin, or JSON lines where the cluster was asked for them
        data = f.read_bytes()
        lines = ([ln for batch in decode_compact(f, data, []) for ln in batch] if is_compact(data)
                 else data.decode().splitlines())
        for line in lines:
            rec = line if type(line) is dict else json.loads(line)  # (decode_compact: an event as its dict)
            if "format" in rec:
                nodes = rec["nodes"]
            else:
                recs.append(rec)
    recs.sort(key=lambda r: (r["clock"], r["node"]))
    audit = RaftOnlineAudit(nodes)
    c0, w0 = time.process_time(), time.perf_counter()
    for rec in recs:
        audit.on_event(rec)
    c1, w1 = time.process_time(), time.perf_counter()
    assert audit.failure is None and audit.count == len(recs)
    return len(recs), c1 - c0, w1 - w0


def store_vs_audit(writes: int, concurrency: int, fsync: bool, rss: bool = True) -> None:
    """The store's event production and the audit's rates, in one run, and their ratios."""
    print(f"{load()} before the store run ({os.cpu_count()} cores)")
    files, wall, cpu, made, before = store_events(writes, concurrency, fsync)
    d = files[0].parent.parent
    try:
        produced = made / wall
        print(f"store (3 nodes, fsync {'on' if fsync else 'off'}, {writes:,} writes from {concurrency} sessions): "
              f"{made:,} events in {wall:.2f} s = {produced:,.0f} events/s ({made / writes:.2f} per write; "
              f"{made / cpu:,.0f} events per node-CPU second); {before} events before the workload; {load()}")
        n, ocpu, owall, phases = audit_offline(files)
        print(f"offline audit of its {n:,} events, streamed (survey {phases['survey']:.2f} s, audit's pass "
              f"{phases['audit']:.2f} s CPU): {n / ocpu:,.0f} events/CPU-s, {n / owall:,.0f} events/wall-s; "
              f"{load()}")
        if rss:
            print(f"peak RSS of a process auditing them: streamed {audit_rss(files, 'stream'):,.0f} MB, the trace read "
                  f"whole first {audit_rss(files, 'list'):,.0f} MB; {load()}")
        m, ncpu, nwall = audit_online(files)
        print(f"online audit of the same events: {m / ncpu:,.0f} events/CPU-s, {m / nwall:,.0f} events/wall-s; "
              f"{load()}")
        print(f"ratio audit / store production: offline {n / ocpu / produced:.2f} (CPU), {n / owall / produced:.2f} "
              f"(wall); online {m / ncpu / produced:.2f} (CPU), {m / nwall / produced:.2f} (wall)  (target >= 1)")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def per_event_cost(lengths: tuple[int, ...] = (100, 10_000, 100_000), writes: int = 400) -> None:
    """Online audit rate of a leader's steady state (raft_steady) after logs of these lengths."""
    from modelcheck.audit.raft_sim import RaftOnlineAudit
    from modelcheck.audit.raft_steady import steady_trace

    out = []
    for bulk in lengths:
        head, tail = steady_trace(bulk, writes)
        audit = RaftOnlineAudit([1, 2, 3])
        for rec in head:
            audit.on_event(rec)
        c0 = time.process_time()
        for rec in tail:
            audit.on_event(rec)
        out.append(f"{bulk:,} entries: {len(tail) / (time.process_time() - c0):,.0f}")
    print(f"online audit of {writes} writes (5 events each) after a log of " + "; ".join(out)
          + f" events/CPU-s; {load()}")


if __name__ == "__main__":
    from _args import Parser, run_main

    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--writes", type=int, default=20_000, help="writes of the store's workload (default 20,000)")
    ap.add_argument("--concurrency", type=int, default=64, help="concurrent client sessions (default 64)")
    ap.add_argument("--fsync", action="store_true", help="the store fsyncs (default: off, its fastest)")
    ap.add_argument("--store-only", action="store_true", help="only the store-against-audit figures")
    args = ap.parse_args()

    def everything() -> None:
        store_vs_audit(args.writes, args.concurrency, args.fsync)
        per_event_cost()
        if args.store_only:
            return
        raft(steps=3000)
        raft_seeds(1000, 60)
        paxos(rounds=400, proposers=3, acceptors=3)
        paxos(rounds=400, proposers=3, acceptors=5)
        history(10_000, 10, 50)
        history(2_000, 10, 1)

    run_main(everything)
