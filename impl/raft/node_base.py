"""What both protocol cores (impl/raft/core.py's RaftNode, impl/multipaxos/core.py's MultiPaxosNode) set up alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from impl.raft.reads import ReadRounds

if TYPE_CHECKING:
    from impl.multipaxos.votes import Votes
    from impl.raft.log import RaftLog


def check_compaction(index: int, applied: int, offset: int) -> None:
    """A snapshot at ``index`` must hold only what the state machine applied, and reach past the current one
    (:meth:`NodeBase.compact`)."""
    if index > applied or index <= offset:
        raise ValueError(f"cannot compact to {index} (applied {applied}, snapshot {offset})")


class NodeBase:
    """A core's identity among the nodes, its configuration, randomness, rules and value naming, its Lamport
    clock and message sequence (``boot`` tells its incarnations apart), and its ReadIndex rounds."""

    # set by each core (what compact reads and writes)
    applied: int
    log: RaftLog | Votes
    snapshot: Any

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

    POSITION = "index"
    """What the trace calls a log position (raft.tla's index; MultiPaxos.tla's slot)."""

    def _emit(self, action: str, params: dict[str, Any]) -> None:
        """Close one protocol step (each core's own: trace event, clock, messages)."""
        raise NotImplementedError

    def _snapshot_at(self, index: int, data: bytes) -> Any:
        """The core's Snapshot of the state machine's ``data`` at ``index``, recorded as its new log start."""
        raise NotImplementedError

    def compact(self, index: int, data: bytes) -> Any:
        """The state machine has a snapshot at ``index`` (<= applied): drop the log up to it, keep the snapshot
        for peers whose logs end before it, trace CompactLog."""
        check_compaction(index, self.applied, self.log.offset)
        snap = self._snapshot_at(index, data)
        self.log.compact(index, snap.term)
        self.snapshot = snap
        self._emit("CompactLog", {self.POSITION: index})
        return snap
