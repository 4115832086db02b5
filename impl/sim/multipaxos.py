"""The simulated cluster running Multi-Paxos replicas: the same network, disks, faults and clients as Raft's.

Only the core and the safety check differ. Raft's check maps the cluster onto raft.tla's
variables; here the checks are Multi-Paxos's own safety property, per-slot agreement, on what
is observable: no two replicas ever apply different commands in one slot
(``Agreement[history]``), and a leader's proposals never contradict a command already chosen in
that slot (``ChosenStable``: once a majority chose a command in ballot b, every proposal there in
a ballot above b is that command; a stale leader of a lower ballot may still propose another,
which no majority will accept). Storage damage and rebuilt replicas
(``disk_faults``) are Raft-only: a Multi-Paxos acceptor rebuilt empty would forget its votes.
"""

from __future__ import annotations

from typing import Any

from impl.kv.machine import describe_command
from impl.multipaxos.core import LEADER, ROLE_NAMES, MultiPaxosNode
from impl.multipaxos.rules import NONE, Rules
from impl.raft.core import Config
from impl.raft.log import Entry
from impl.sim.cluster import SimCluster
from impl.sim.invariants import InvariantViolation

DEFAULT_CONFIG = Config(election_ticks=10, heartbeat_ticks=2, max_batch_entries=8, trace=False)


class MultiPaxosSimCluster(SimCluster):
    """N Multi-Paxos replicas under the simulated network and disks."""

    node_class = MultiPaxosNode

    def __init__(self, n: int = 3, seed: int = 0, **kw: Any) -> None:
        kw.setdefault("config", DEFAULT_CONFIG)
        if kw.get("rules") is None or not isinstance(kw["rules"], Rules):
            kw["rules"] = NONE
        self.chosen: dict[int, bytes] = {}  # slot -> the command applied there (by whichever replica first)
        self.chosen_in: dict[int, int] = {}  # slot -> the ballot whose majority chose it (seen at its leader)
        super().__init__(n, seed, **kw)

    def _process(self, i: int) -> None:
        rep = self.replicas[i]
        assert rep is not None
        rep.process()
        if rep.applied_log:
            for slot, entry, _ in rep.applied_log:
                self._record(i, slot, entry)
            rep.applied_log.clear()

    def _record(self, node: int, slot: int, entry: Entry) -> None:
        # (Replica and SimCluster.node name Raft's core; this cluster's node_class is Multi-Paxos's, duck-typed)
        n: MultiPaxosNode = self.node(node)  # type: ignore[assignment]
        if n.role == LEADER and entry.term == n.ballot:  # chosen by this leader's ballot
            self.chosen_in.setdefault(slot, entry.term)
        seen = self.chosen.setdefault(slot, entry.data)
        if seen != entry.data:
            raise InvariantViolation("Agreement[history]", f"node {node} applied {describe_command(entry.data)} in "
                                     f"slot {slot}, but {describe_command(seen)} was applied there before")

    def _check(self) -> None:
        if not self.check:
            return
        for i in self.ids:
            rep = self.replicas[i]
            if rep is None:
                continue
            n: MultiPaxosNode = rep.node  # type: ignore[assignment]  # (as in _record)
            if n.role != LEADER:
                continue
            log = n.log
            for s in range(max(n.commit, log.offset) + 1, log.last() + 1):
                chosen = self.chosen.get(s)
                v = log.get(s)
                if chosen is not None and v.term == n.ballot > self.chosen_in.get(s, n.ballot) and v.data != chosen:
                    raise InvariantViolation("ChosenStable", f"leader {i} proposes {describe_command(v.data)} in "
                                             f"slot {s} at ballot {n.ballot}, but {describe_command(chosen)} "
                                             "was chosen there")

    def views(self) -> list[Any]:
        """Not used: Raft's abstract state has no Multi-Paxos counterpart here."""
        return []

    def knows_all_committed(self, n: Any) -> bool:
        """A prepared leader has re-proposed every slot phase 1 reported: once those are chosen it knows all."""
        return bool(n.role == LEADER and n.commit >= n.next_slot - 1)

    def roles(self) -> dict[int, str]:
        """Each running node's role."""
        return {i: ROLE_NAMES[r.node.role] for i, r in self.replicas.items() if r is not None}
