"""Seeded random fault schedules and scripted scenarios for the simulated cluster (the tests and the audit use them)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from impl.raft.core import LEADER, Config
from impl.raft.rules import NONE, Rules
from impl.sim.cluster import DEFAULT_CONFIG, Faults, SimCluster

HOSTILE = Faults(drop=0.05, duplicate=0.05, max_delay=15, skew=3)


def random_run(seed: int, steps: int = 200, *, n: int = 3, faults: Faults = HOSTILE, rules: Rules = NONE,
               snapshot_every: int = 0, config: Config = DEFAULT_CONFIG, recover: bool = True,
               disk_faults: bool = False, fsync_delay: int = 0,
               on_event: Callable[[dict[str, Any]], None] | None = None,
               on_network: Callable[[str, Any], None] | None = None,
               cluster_class: type[SimCluster] = SimCluster, chunk_bytes: int = 0) -> SimCluster:
    """Run ``steps`` random client writes, reads, crashes, restarts and partitions; then recover.

    ``disk_faults``: power cuts (every node loses what it had not synced), and a node's storage
    damaged (it refuses to start) and later rebuilt from its peers, never leaving fewer than a
    majority of intact storages. ``fsync_delay``: disk syncs take 1..that long and the nodes go on
    meanwhile (the runtime's sync pipeline). Raises :class:`impl.sim.invariants.InvariantViolation` at the
    first unsafe state. ``cluster_class``: the protocol's simulated cluster (impl/sim/multipaxos.py).
    ``chunk_bytes``: messages longer than that travel in chunks, each faulted on its own (SimCluster).
    """
    rng = random.Random(seed)
    c = cluster_class(n, seed, config=config, faults=faults, rules=rules, snapshot_every=snapshot_every,
                      on_event=on_event, on_network=on_network, fsync_delay=fsync_delay, chunk_bytes=chunk_bytes)
    ids = c.ids
    quorum = n // 2 + 1
    for _ in range(steps):
        x = rng.random()
        if disk_faults and rng.random() < 0.08:
            y = rng.random()
            if y < 0.25:
                c.power_cut()
            elif y < 0.6 and c.storage_intact() > quorum:
                c.damage(rng.choice([i for i in ids if i not in c.damaged and i not in c.gates]))
            elif c.damaged:
                c.recover_node(rng.choice(sorted(c.damaged)))
            c.run(rng.randint(1, 40))
            continue
        if x < 0.04:
            c.crash(rng.choice(ids))
        elif x < 0.10:
            c.restart(rng.choice(ids))
        elif x < 0.13:
            c.partition(tuple(rng.sample(ids, n // 2 + rng.randint(0, 1))))
        elif x < 0.17:
            c.heal()
        elif x < 0.19 and c.leader() is not None:
            c.crash(c.leader())  # type: ignore[arg-type]
        elif x < 0.27 and c.acked:
            c.read(rng.randint(1, 3), rng.choice(sorted(c.acked)))
        else:
            c.write(rng.randint(1, 3))
        c.run(rng.randint(1, 40))
    if recover:
        c.recover()
    return c


def snapshot_transfer_run(seed: int, writes: int = 60, *, rules: Rules = NONE, config: Config = DEFAULT_CONFIG,
                          on_event: Callable[[dict[str, Any]], None] | None = None,
                          on_network: Callable[[str, Any], None] | None = None, chunk_bytes: int = 0) -> SimCluster:
    """Three nodes compacting every 5 entries: ``writes`` client writes, a leadership transfer every 7 and a
    leader crash (then restart) every 13, over a lossy, duplicating network; then recover."""
    c = SimCluster(3, seed=seed, faults=Faults(drop=0.05, duplicate=0.05, max_delay=9), snapshot_every=5,
                   config=config, rules=rules, on_event=on_event, on_network=on_network, chunk_bytes=chunk_bytes)
    for k in range(writes):
        c.write(1 + k % 3)
        lead = c.leader()
        if k % 7 == 3 and lead:
            c.node(lead).transfer_leadership(1 + lead % 3)
            c._process(lead)
        if k % 13 == 12 and lead:
            c.crash(lead)
            c.run(30)
            c.restart(lead)
        c.run(9)
    c.recover()
    return c


def membership_run(seed: int, steps: int = 60, *, rules: Rules = NONE, faults: Faults = HOSTILE,
                   snapshot_every: int = 0, config: Config = DEFAULT_CONFIG,
                   on_event: Callable[[dict[str, Any]], None] | None = None,
                   on_network: Callable[[str, Any], None] | None = None) -> SimCluster:
    """Five nodes, three of them members (4 and 5 are spares): random writes, crashes, restarts and
    single-server changes: a spare is added after catching up as a learner, a member (the leader too)
    is removed, and a leader just elected is asked at once for a change (the errata rule refuses it
    until its no-op commits; the 2015 bug takes it). Then recover (acknowledged writes on every member)."""
    rng = random.Random(seed)
    c = SimCluster(5, seed, config=config, faults=faults, rules=rules, snapshot_every=snapshot_every,
                   members=(1, 2, 3), on_event=on_event, on_network=on_network)
    joining: dict[int, int] = {}  # learner -> the leader catching it up
    for _ in range(steps):
        x = rng.random()
        lead = c.leader()
        node = c.node(lead) if lead is not None else None
        for k, at in list(joining.items()):
            if node is None or at != lead:
                del joining[k]
            elif node.caught_up(k):
                node.change_config("add", k)
                del joining[k]
        if x < 0.06:
            c.crash(rng.choice(c.ids))
        elif x < 0.14:
            c.restart(rng.choice(c.ids))
        elif x < 0.20 and lead is not None:
            c.crash(lead)
            for _ in range(400):  # until a new leader is elected, then ask it for a change at once
                c.run(1)
                new = c.leader()
                if new is not None and new != lead:
                    n = c.node(new)
                    spare = sorted(set(c.ids) - n.members)
                    if spare:
                        n.change_config("add", rng.choice(spare))
                    break
        elif x < 0.32 and node is not None:
            spare = sorted(set(c.ids) - node.members - set(joining))
            if spare and rng.random() < 0.5:
                k = rng.choice(spare)
                if node.config_refusal("add", k) is None and node.add_learner(k):
                    joining[k] = lead  # type: ignore[assignment]
            elif len(node.members) > 2:
                node.change_config("remove", rng.choice(sorted(node.members)))
        else:
            c.write(rng.randint(1, 3))
        c.run(rng.randint(1, 40))
    c.recover()
    return c


def leader_disk_stall_run(rules: Rules = NONE, seed: int = 2, *, config: Config = DEFAULT_CONFIG,
                          on_event: Callable[[dict[str, Any]], None] | None = None,
                          on_network: Callable[[str, Any], None] | None = None, step_down: bool = False) -> SimCluster:
    """The leader's fsync stalls while one follower stores (durably) and acknowledges a write; then a power cut,
    and the follower that missed the write campaigns first; then the others come back and the cluster recovers.
    The leader's AppendEntries leave before its own fsync, so only a leader that counts its unsynced copy towards
    the commit (the planted ``leader-counts-unsynced``) acknowledges the write before the cut, and loses it.
    ``step_down``: before the cut the leader is cut off from both followers until it steps down (CheckQuorum),
    its copy still unsynced, so it is a follower when the power goes."""
    c = SimCluster(3, seed, fsync_delay=2, rules=rules, config=config, on_event=on_event, on_network=on_network)
    c.run(300)
    lead = c.leader()
    assert lead is not None
    a, b = [i for i in c.ids if i != lead]
    c.write(1)
    c.run(60)
    c.disks[lead].delay = lambda: 500  # type: ignore[attr-defined]
    c.partition((lead, a), (b,))
    c.write(2)
    c.run(40)
    n = c.node(lead)
    assert n.log.last_index() == 3 and n.log.stable == 2  # the leader's copy of the write is not durable
    if step_down:
        c.partition((lead,), (a, b))
        for _ in range(200):  # bounded: CheckQuorum takes an election timeout or two
            c.run(5)
            if n.role != LEADER:
                break
        assert n.role != LEADER and n.log.stable == 2
    c.power_cut()
    c.heal()
    c.restart(b)
    c.run(200)
    c.restart(lead)
    c.run(300)
    c.restart(a)
    c.recover()
    return c
