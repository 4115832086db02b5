"""An acceptor's votes, one per slot: what Multi-Paxos must keep durable, laid out as the shared WAL's log.

Slot ``k`` holds ``Entry(ballot, command)``: the acceptor's vote in that slot (``ballot`` 0: no
vote yet, a gap). Slots up to ``offset`` are in a snapshot (chosen, applied, compacted away).
Because the write-ahead log (impl/storage/wal.py) replaces everything from the first index a
record writes, a change at slot ``k`` is persisted by writing slots ``k..last``; ``dirty_from``
is the lowest slot changed since the last :meth:`take_dirty`.
"""

from __future__ import annotations

from impl.raft.log import Entry

NO_VOTE = Entry(0, b"")


class Votes:
    """Votes for slots ``offset+1 .. last()``."""

    __slots__ = ("offset", "offset_term", "slots", "dirty_from")

    def __init__(self, entries: list[Entry] | None = None, offset: int = 0, offset_term: int = 0) -> None:
        self.offset = offset
        self.offset_term = offset_term
        self.slots: list[Entry] = list(entries or [])
        self.dirty_from = self.last() + 1

    def last(self) -> int:
        """The highest slot with a vote or a gap before one (the snapshot index when there is none)."""
        return self.offset + len(self.slots)

    def get(self, slot: int) -> Entry:
        """The vote in ``slot`` (NO_VOTE past the end); ``slot`` must be above the snapshot."""
        k = slot - self.offset - 1
        return self.slots[k] if k < len(self.slots) else NO_VOTE

    def put(self, slot: int, entry: Entry) -> None:
        """Vote ``entry`` in ``slot`` (above the snapshot), padding any gap before it."""
        k = slot - self.offset - 1
        first = slot
        if k >= len(self.slots):
            first = self.last() + 1  # the padding is new too: storage must get it, or the slots shift there
            self.slots.extend([NO_VOTE] * (k - len(self.slots)))
            self.slots.append(entry)
        else:
            self.slots[k] = entry
        if first < self.dirty_from:
            self.dirty_from = first

    def range(self, lo: int, hi: int) -> list[Entry]:
        """Votes in slots ``lo..hi`` inclusive (both above the snapshot; past the end: none)."""
        return self.slots[lo - self.offset - 1 : hi - self.offset]

    def take_dirty(self) -> tuple[int, list[Entry]]:
        """``(first slot, votes from there to the end)`` changed since the last call (``[]``: nothing)."""
        frm = max(self.dirty_from, self.offset + 1)
        last = self.last()
        self.dirty_from = last + 1
        if frm > last:
            return 0, []
        return frm, self.range(frm, last)

    def compact(self, index: int, term: int) -> None:
        """Drop slots up to ``index`` (now in a snapshot whose last slot's ballot is ``term``)."""
        if index <= self.offset:
            return
        del self.slots[: index - self.offset]
        self.offset, self.offset_term = index, term
        self.dirty_from = max(self.dirty_from, index + 1)
