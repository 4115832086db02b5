"""A simulated disk: writes are volatile until ``sync``; a crash loses what was not synced."""

from __future__ import annotations

from collections.abc import Callable

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
        self.crashes = 0

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
        self._make_durable(len(self._pending))

    def _make_durable(self, n: int) -> None:
        """The first ``n`` buffered writes become durable."""
        if not n:
            return
        self.syncs += 1
        done, self._pending = self._pending[:n], self._pending[n:]
        for w in done:
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
        self.crashes += 1

    def load(self) -> tuple[HardState | None, Snapshot | None, list[Entry]]:
        """What a restarting node reads."""
        return self.hard_state, self.snapshot, list(self.entries)


class SlowDisk(SimDisk):
    """A disk whose sync completes ``delay()`` time units after it starts (the replica goes on meanwhile),
    scheduled by the simulation through ``later(delay, callback)``; a crash before then loses the writes."""

    def __init__(self, delay: Callable[[], int], later: Callable[[int, Callable[[], None]], None]) -> None:
        super().__init__()
        self.delay, self.later = delay, later

    def begin_sync(self, done: Callable[[], None]) -> None:
        """Start a sync of everything buffered; ``done`` runs when it completes (never after a crash)."""
        n, crashes = len(self._pending), self.crashes

        def complete() -> None:
            if self.crashes == crashes:
                self._make_durable(n)
                done()

        self.later(self.delay(), complete)
