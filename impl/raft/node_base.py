"""What both protocol cores (impl/raft/core.py's RaftNode, impl/multipaxos/core.py's MultiPaxosNode) set up alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from impl.raft.reads import ReadRounds


class NodeBase:
    """A core's identity among the nodes, its configuration, randomness, rules and value naming, its Lamport
    clock and message sequence (``boot`` tells its incarnations apart), and its ReadIndex rounds."""

    def _init_base(self, node_id: int, nodes: Iterable[int], config: Any, rand: Callable[[int, int], int],
                   rules: Any, describe: Callable[[bytes], str], boot: int, clock: int) -> None:
        self.id = node_id
        self.nodes = tuple(sorted(nodes))  # every node this one may hear of (the address book)
        if node_id not in self.nodes:
            raise ValueError(f"node {node_id} is not one of {self.nodes}")
        self.cfg = config
        self.rand = rand
        self.rules = rules  # the protocol rules a planted bug may change
        self.describe = describe  # an entry's value as the trace names it
        self.boot, self.clock, self.seq = boot, clock, 0
        self.reads = ReadRounds()

    def _random_timeout(self) -> int:
        """An election timeout drawn uniformly from [election_ticks, 2*election_ticks): the jitter that
        keeps two nodes from timing out together round after round."""
        e = self.cfg.election_ticks
        return e + self.rand(0, e - 1)
