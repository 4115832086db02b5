"""A simulated disk: writes are volatile until ``sync``; a crash loses what was not synced."""

from __future__ import annotations

from impl.raft.core import HardState, Ready, Snapshot
from impl.raft.log import Entry


class SimDisk:
    """Stable storage of one simulated node (implements :class:`impl.kv.replica.Storage`)."""

    def __init__(self) -> None:
        self.hard_state: HardState | None = None
        self.snapshot: Snapshot | None = None
        self.entries: list[Entry] = []  # entries after the snapshot
        self._pending: list[Ready | Snapshot] = []
        self.syncs = 0

    @property
    def offset(self) -> int:
        """Index covered by the snapshot."""
        return self.snapshot.index if self.snapshot else 0

    def save(self, rd: Ready) -> None:
        """Buffer a ready's writes."""
        if rd.hard_state is not None or rd.entries or rd.snapshot is not None:
            self._pending.append(rd)

    def save_snapshot(self, snap: Snapshot) -> None:
        """Buffer a snapshot the node took."""
        self._pending.append(snap)

    def sync(self) -> None:
        """Make buffered writes durable, in order."""
        if not self._pending:
            return
        self.syncs += 1
        for w in self._pending:
            if isinstance(w, Snapshot):
                self._apply_snapshot(w)
                continue
            if w.hard_state is not None:
                self.hard_state = w.hard_state
            if w.snapshot is not None:
                self._apply_snapshot(w.snapshot)
            if w.entries:
                k = w.entries_from - self.offset - 1
                del self.entries[max(k, 0) :]
                self.entries.extend(w.entries[max(-k, 0) :])
        self._pending = []

    def _apply_snapshot(self, snap: Snapshot) -> None:
        k = snap.index - self.offset
        if k <= 0:
            return
        # keep the entries after the snapshot when the log matches it there (as the core does)
        keep = k <= len(self.entries) and self.entries[k - 1].term == snap.term
        self.entries = self.entries[k:] if keep else []
        self.snapshot = snap

    def crash(self) -> None:
        """Lose everything not synced."""
        self._pending = []

    def load(self) -> tuple[HardState | None, Snapshot | None, list[Entry]]:
        """What a restarting node reads."""
        return self.hard_state, self.snapshot, list(self.entries)
