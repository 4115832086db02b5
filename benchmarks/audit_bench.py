"""Audit throughput: events audited per second (Raft online and offline, Paxos offline) and linearizability speed.

Run: .venv/bin/python benchmarks/audit_bench.py
Prints, for a long seeded Paxos run: events, simulation events/s (the implementation's event
rate in the same process), audit events/s; and for generated key-value histories: operations,
keys, seconds, operations/s.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from impl.paxos.sim import simulate  # noqa: E402
from modelcheck.audit import audit_events, read_traces  # noqa: E402
from modelcheck.audit.paxos_map import PaxosMapping  # noqa: E402
from modelcheck.linearizability import Operation, check_operations, kv_model  # noqa: E402


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
    spans = []
    for c in range(clients):
        t = rng.random()
        for _ in range(n_ops // clients):
            call = t + rng.random()
            ret = call + rng.random() * 3
            spans.append((rng.uniform(call, ret), c, call, ret))
            t = ret
    store: dict[int, int] = {}
    ops = []
    for _, c, call, ret in sorted(spans):
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


if __name__ == "__main__":
    raft(steps=3000)
    raft_seeds(1000, 60)
    paxos(rounds=400, proposers=3, acceptors=3)
    paxos(rounds=400, proposers=3, acceptors=5)
    history(10_000, 10, 50)
    history(2_000, 10, 1)
