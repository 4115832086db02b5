"""The in-memory Raft log: entries after an optional snapshot, with durability and change tracking."""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    """One log entry: its term and its command bytes (empty bytes = the leader's no-op)."""

    term: int
    data: bytes


class RaftLog:
    """Entries ``offset+1 .. last_index``; entries up to ``offset`` live in a snapshot.

    ``stable`` is the last index known durable; ``unstable_from`` the first index the
    storage still has to write (a truncation lowers it). ``changed_from`` is the lowest
    index modified since the trace last looked (the trace's log delta).
    """

    __slots__ = ("offset", "offset_term", "entries", "stable", "unstable_from", "changed_from")

    def __init__(self, entries: list[Entry] | None = None, offset: int = 0, offset_term: int = 0) -> None:
        self.offset = offset
        self.offset_term = offset_term
        self.entries: list[Entry] = list(entries or [])
        self.stable = self.last_index()
        self.unstable_from = self.stable + 1
        self.changed_from = offset + 1

    def last_index(self) -> int:
        """Index of the last entry (the snapshot index when there are no entries)."""
        return self.offset + len(self.entries)

    def last_term(self) -> int:
        """Term of the last entry (raft.tla's LastTerm), 0 for an empty log."""
        return self.entries[-1].term if self.entries else self.offset_term

    def term(self, index: int) -> int:
        """Term of the entry at ``index``; 0 for index 0; -1 when compacted away or past the end."""
        if index == self.offset:
            return self.offset_term
        if index == 0:
            return 0
        if index < self.offset or index > self.offset + len(self.entries):
            return -1
        return self.entries[index - self.offset - 1].term

    def entry(self, index: int) -> Entry:
        """The entry at ``index`` (which must be present)."""
        return self.entries[index - self.offset - 1]

    def slice(self, lo: int, hi: int) -> list[Entry]:
        """Entries ``lo..hi`` inclusive (all present)."""
        return self.entries[lo - self.offset - 1 : hi - self.offset]

    def append(self, entries: list[Entry]) -> None:
        """Add entries at the end."""
        self.entries.extend(entries)

    def truncate_after(self, index: int) -> None:
        """Keep entries up to ``index``; drop the rest (they will be rewritten)."""
        if index < self.last_index():
            del self.entries[index - self.offset :]
            self.stable = min(self.stable, index)
            self.unstable_from = min(self.unstable_from, index + 1)
            self.changed_from = min(self.changed_from, index + 1)

    def stable_to(self, index: int) -> None:
        """Storage reports entries up to ``index`` durable."""
        self.stable = max(self.stable, min(index, self.last_index()))
        self.unstable_from = max(self.unstable_from, self.stable + 1)

    def compact(self, index: int, term: int) -> None:
        """Drop entries up to ``index`` (now covered by a snapshot whose last term is ``term``)."""
        if index <= self.offset:
            return
        if index >= self.last_index():
            self.entries = []
        else:
            del self.entries[: index - self.offset]
        self.offset, self.offset_term = index, term
        self.stable = max(self.stable, index)
        self.unstable_from = max(self.unstable_from, index + 1)

    def restore(self, index: int, term: int) -> None:
        """Replace the whole log by a snapshot ending at ``(index, term)``."""
        self.entries = []
        self.offset, self.offset_term = index, term
        self.stable = index
        self.unstable_from = index + 1
        self.changed_from = 1

    def first_index_of_term_at(self, index: int) -> int:
        """The first index of the run of entries ending at ``index`` that share its term."""
        term = self.term(index)
        while index - 1 > self.offset and self.term(index - 1) == term:
            index -= 1
        return index

    def last_index_of_term(self, term: int) -> int:
        """The last index holding an entry of ``term``, or 0 when there is none."""
        for k in range(len(self.entries) - 1, -1, -1):
            t = self.entries[k].term
            if t == term:
                return self.offset + k + 1
            if t < term:
                break
        return 0
