"""The runners that drive the implementation under the audit and the linearizability checker.

This is the one place where the checking side (``modelcheck.audit``, ``modelcheck.linearizability``)
meets ``impl``: it sits above both, so neither imports the other (tests/test_architecture.py).

- :func:`audit_paxos_run`: the Paxos simulation with the audit online, stopping at the first
  unexplained event.
- :func:`audit_raft_run` (and :func:`trace_config`): the Raft implementation under the
  deterministic simulation, audited online as it runs, or run with traces on for an offline audit.
- :class:`KVHistoryRun`: client histories of the replicated key-value store under the simulation,
  for the linearizability checker. Clients call put and get on a few shared keys, one operation
  outstanding per client; each operation is recorded with its invoke and return times in
  simulated time units. A write never answered (its node crashed) or answered "retry" has an
  unknown outcome; a request a node refused at once (not the leader) never took effect and is
  not recorded. Reads go to the leader (ReadIndex), or to any node when ``reads_anywhere``
  (which only a store with the planted bug ``stale-reads`` of ``impl.raft.rules`` serves).
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from impl.kv.machine import GET, PUT, Command
from impl.paxos.sim import simulate
from impl.sim.cluster import DEFAULT_CONFIG, SimCluster
from impl.sim.multipaxos import DEFAULT_CONFIG as MP_CONFIG
from impl.sim.multipaxos import MultiPaxosSimCluster
from impl.sim.scenario import random_run
from impl.trace import decode_compact, survey_compact
from modelcheck.audit.multipaxos_map import MultiPaxosMapping
from modelcheck.audit.online import OnlineHook
from modelcheck.audit.paxos_map import PaxosMapping
from modelcheck.audit.raft_sim import RaftOnlineAudit
from modelcheck.audit.tracefile import Event, TraceStream, read_traces
from modelcheck.linearizability import UNKNOWN, Operation


def audit_paxos_run(seed: int, **sim: Any) -> tuple[Any, OnlineHook]:
    """Run the Paxos simulation with the audit online; returns the run and the hook (see ``hook.failure``)."""
    acceptors, proposers = sim.get("acceptors", 3), sim.get("proposers", 2)
    rounds = sim.get("rounds", 2)
    acc_ids = list(range(1, acceptors + 1))
    prop_ids = list(range(acceptors + 1, acceptors + proposers + 1))
    mapping = PaxosMapping(acc_ids, sorted(f"v{p}" for p in prop_ids), {"max_ballot": proposers * rounds - 1})
    header = {"spec": "paxos", "acceptors": acc_ids}
    hook = OnlineHook(mapping, lambda node: header)
    return simulate(seed, on_event=hook, **sim), hook


def trace_config(**changes: Any) -> Any:
    """The simulation's default Raft configuration with trace events on."""
    return replace(DEFAULT_CONFIG, trace=True, **changes)


def audit_raft_run(seed: int, steps: int = 150, *, online: bool = True, keep_events: int | None = None,
                   **sim: Any) -> tuple[Any, RaftOnlineAudit | None]:
    """Run ``impl.sim.scenario.random_run`` with traces on (and the audit online unless ``online=False``).

    Returns ``(cluster, audit)``; raises :class:`RefinementViolation` (online) or the simulation's
    ``InvariantViolation`` at the first failure.
    """
    sim.setdefault("config", trace_config())
    nodes = list(range(1, sim.get("n", 3) + 1))
    if not online:
        return random_run(seed, steps, **sim), None
    audit = RaftOnlineAudit(nodes, keep_events, members=sim.get("members"))
    cluster = random_run(seed, steps, on_event=audit.on_event, on_network=audit.on_network, **sim)
    return cluster, audit


class MultiPaxosOnlineAudit:
    """``on_event`` for the Multi-Paxos simulation: audits each event against MultiPaxos.tla as it happens and
    raises :class:`AuditStop` at the first one no spec behaviour explains."""

    def __init__(self, nodes: list[int], slots: int = 1024) -> None:
        self.mapping = MultiPaxosMapping(nodes, slots)
        self.hook = OnlineHook(self.mapping, lambda node: {"spec": "multipaxos", "nodes": nodes})

    def __call__(self, rec: dict[str, Any]) -> None:
        if not self.hook(rec):
            raise AuditStop(self.hook)


class AuditStop(AssertionError):  # noqa: N818 (named like the simulation's InvariantViolation)
    """An online audit found an event no spec behaviour explains: ``failure`` says which and why."""

    def __init__(self, hook: OnlineHook) -> None:
        self.failure = hook.failure
        assert self.failure is not None
        f = self.failure
        super().__init__(f"event {f.index + 1}: {f.event.describe()}: {f.reason}")


def audit_multipaxos_run(seed: int, steps: int = 150, **sim: Any) -> tuple[Any, MultiPaxosOnlineAudit]:
    """The Multi-Paxos client runs of :class:`KVHistoryRun` with traces on and the audit online; returns
    ``(history run, audit)``; raises :class:`AuditStop` (or the simulation's ``InvariantViolation``)."""
    audit = MultiPaxosOnlineAudit(list(range(1, sim.get("n", 3) + 1)))
    sim.setdefault("config", replace(MP_CONFIG, trace=True))
    run = KVHistoryRun(seed, cluster_class=MultiPaxosSimCluster, on_event=audit, **sim)
    run.run(steps)
    return run, audit


def write_traces(cluster: SimCluster, directory: Any, spec: str = "multipaxos") -> list[str]:
    """Write a simulated cluster's recorded trace events as one trace file per node (``node-N.jsonl``), as
    ``paxraft audit`` reads them; returns the paths."""
    from pathlib import Path

    from impl.trace import TraceWriter

    files = []
    for i, events in cluster.trace.items():
        w = TraceWriter(Path(directory) / f"node-{i}.jsonl", i, cluster.ids, spec=spec)
        w.write(events)
        w.close()
        files.append(str(w.path))
    return files


KEYS = ("x", "y", "z")


class KVHistoryRun:
    """A simulated cluster with clients whose operations are recorded as a history."""

    def __init__(self, seed: int, *, clients: int = 4, reads_anywhere: bool = False,
                 cluster_class: type[SimCluster] = SimCluster, disk_faults: bool = False, **cluster: Any) -> None:
        self.rng = random.Random(seed ^ 0x5EED)
        # a node's storage damaged, then rebuilt from its peers (`recover-node`): drawn from a generator of its own,
        # so that the runs without them are the same as before
        self.disk_rng = random.Random(seed ^ 0xD15C) if disk_faults else None
        self.c = cluster_class(cluster.pop("n", 3), seed, **cluster)
        self.clients = range(1, clients + 1)
        self.seq = dict.fromkeys(self.clients, 0)
        self.busy: dict[int, int] = {}  # client -> index of its open operation
        self.ops: list[dict[str, Any]] = []  # client, input, output, call, ret
        self.reads_anywhere = reads_anywhere
        self.writes = 0

    def _open(self, client: int, inp: tuple) -> int:
        self.ops.append({"client": client, "input": inp, "output": UNKNOWN, "call": self.c.now, "ret": None})
        self.busy[client] = len(self.ops) - 1
        return len(self.ops) - 1

    def _reply(self, k: int, client: int) -> Any:
        def reply(kind: str, res: Any) -> None:
            op = self.ops[k]
            if op["ret"] is not None or self.busy.get(client) != k:
                return
            del self.busy[client]
            if kind == "not_leader" and op["call"] == self.c.now:
                op["refused"] = True  # refused on the spot: never entered the log
                return
            if kind == "ok":
                op["ret"] = self.c.now
                if op["input"][0] == "get":
                    op["output"] = None if res.value is None else res.value.decode()
                else:
                    op["output"] = None
            # "retry" or a later "not_leader": outcome unknown, the interval stays open

        return reply

    def put(self, client: int) -> None:
        """Client ``client`` writes a fresh value to a random key, through the leader."""
        lead = self.c.leader()
        if lead is None:
            return
        self.seq[client] += 1
        self.writes += 1
        key = self.rng.choice(KEYS)
        value = f"{client}.{self.seq[client]}"
        k = self._open(client, ("put", key, value))
        self.c.replicas[lead].submit(Command(PUT, client, self.seq[client], key.encode(), value.encode()),  # type: ignore[union-attr]
                                     self._reply(k, client))
        self.c._process(lead)

    def get(self, client: int) -> None:
        """Client ``client`` reads a random key, at the leader (or at any node when reads go anywhere)."""
        alive = [i for i in self.c.ids if self.c.alive(i)]
        node = self.rng.choice(alive) if self.reads_anywhere and alive else self.c.leader()
        if node is None:
            return
        key = self.rng.choice(KEYS)
        k = self._open(client, ("get", key))
        self.c.replicas[node].submit(Command(GET, client, 0, key.encode()), self._reply(k, client))  # type: ignore[union-attr]
        self.c._process(node)

    def run(self, steps: int = 300) -> list[Operation]:
        """Random client calls, crashes, restarts and partitions; returns the history."""
        c, rng = self.c, self.rng
        for _ in range(steps):
            x = rng.random()
            if x < 0.03:
                c.crash(rng.choice(c.ids))
            elif x < 0.08:
                c.restart(rng.choice(c.ids))
            elif x < 0.10:
                c.partition(tuple(rng.sample(c.ids, len(c.ids) // 2 + 1)))
            elif x < 0.14:
                c.heal()
            else:
                client = rng.choice(self.clients)
                if client not in self.busy:
                    (self.put if rng.random() < 0.5 else self.get)(client)
            if self.disk_rng is not None:
                self._disk_fault(self.disk_rng)
            c.run(rng.randint(1, 30))
        return self.history()

    def _disk_fault(self, rng: random.Random) -> None:
        """Now and then a node's storage is damaged (while every storage is intact), or a damaged one rebuilt."""
        c = self.c
        if rng.random() >= 0.05:
            return
        if c.damaged:
            c.recover_node(min(c.damaged))
        elif c.storage_intact() == len(c.ids):
            c.damage(rng.choice(c.ids))

    def history(self) -> list[Operation]:
        """The recorded operations (those refused on the spot left out)."""
        return [Operation(o["client"], o["input"], o["output"], o["call"], o["ret"])
                for o in self.ops if not o.get("refused")]


def read_node_traces(paths: list[Any]) -> tuple[list[Event], list[str]]:
    """:func:`modelcheck.audit.read_traces` that also reads our nodes' compact trace files (trace.bin)."""
    return read_traces(paths, decode_compact)


def stream_node_traces(paths: list[Any]) -> TraceStream:
    """The files as ``paxraft audit`` reads them: a :class:`modelcheck.audit.TraceStream` (read as the audit goes,
    in bounded memory) that also reads our nodes' compact trace files."""
    return TraceStream(paths, decode_compact, survey_compact)
