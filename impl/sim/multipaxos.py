"""The simulated cluster running Multi-Paxos replicas: the same network, disks, faults and clients as Raft's.

Only the core and the safety check differ. Raft's check maps the cluster onto raft.tla's
variables; here the checks are Multi-Paxos's own safety property, per-slot agreement, on what
is observable: no two replicas ever apply different commands in one slot
(``Agreement[history]``), and a leader's proposals never contradict a command already chosen in
that slot (``ChosenStable``: once a majority chose a command in ballot b, every proposal there in
a ballot above b is that command; a stale leader of a lower ballot may still propose another,
which no majority will accept). A replica whose storage is damaged is rebuilt from its peers
(:meth:`MultiPaxosSimCluster.recover_node`) by the rule of impl/multipaxos/rejoin.py.
"""

from __future__ import annotations

from typing import Any

from impl.kv.machine import describe_command
from impl.multipaxos.core import LEADER, ROLE_NAMES, MultiPaxosNode
from impl.multipaxos.rejoin import rebuilt_promise
from impl.multipaxos.rules import NONE, Rules
from impl.raft.core import Config, HardState
from impl.raft.log import Entry
from impl.raft.rejoin import Rebuilt
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
        self.rejoining: set[int] = set()  # rebuilt and not yet resumed (the runtime's marker file)
        super().__init__(n, seed, **kw)

    def recover_node(self, i: int, gate: bool = True, floor: bool = True) -> None:
        """Rebuild replica ``i`` from its peers (impl/multipaxos/rejoin.py): empty storage whose promise is above
        every ballot its peers promised (all of them must read: ValueError else), rejoining until it resumes.
        ``gate`` and ``floor`` are Raft's (the planted bug ``rebuild-without-gate`` is the rules' here)."""
        peers = [j for j in self.ids if j != i and j not in self.damaged]
        ballots = [hs.term if (hs := self.disks[j].hard_state) else 0 for j in peers]
        promise = rebuilt_promise(i, len(self.ids), ballots)
        self.crash(i)
        self.damaged.discard(i)
        disk = self.disks[i] = self._new_disk(i)
        disk.hard_state = HardState(promise, 0)
        clock = max((r.node.clock if (r := self.replicas[j]) else self.clocks[j]) for j in peers)
        self.rebuilt[i] = Rebuilt(tuple(peers), tuple(ballots), clock)
        self.rejoining.add(i)
        self.stats["rebuilt"] = self.stats.get("rebuilt", 0) + 1
        self._start(i)
        self._check()

    def storage_intact(self) -> int:
        """How many replicas' storage holds what they promised and voted (not damaged, not rejoining)."""
        return sum(i not in self.damaged and i not in self.rejoining for i in self.ids)

    def _start(self, i: int) -> None:
        self.extra_kw = {"rejoining": True} if i in self.rejoining else {}
        super()._start(i)

    def _process(self, i: int) -> None:
        rep = self.replicas[i]
        assert rep is not None
        rep.process()
        if i in self.rejoining and not rep.node.rejoining:  # type: ignore[attr-defined]  # (resumed: the marker goes)
            self.rejoining.discard(i)
            self.stats["resumed"] = self.stats.get("resumed", 0) + 1
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
