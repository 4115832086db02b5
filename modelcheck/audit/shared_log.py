"""A Raft log for the audit whose cost per event does not grow with the log's length.

raft.tla's log is a sequence; the spec encodes it as a tuple of ``(term, value)`` entries, and
the audit's spec states hold one per node.  With tuples, every appended entry copies the whole
log and every state hash (the audit keeps its candidate states in dicts) re-hashes every entry
of every log: an audit of a 10,000-entry log spends nearly all its time there.

:class:`SharedLog` is the same sequence, immutable to its users, as a *view*: the first ``n``
entries of a buffer (a list only ever appended to) that many logs share.  Appending the entry a
buffer already holds at that position (the leader appended it first, the follower now does; the
mapping decoded the event, the spec step now takes it) shares it; appending at the buffer's end
extends it; a different entry forks the buffer once per (position, entry), copying the prefix
(so logs that diverge the same way share the fork).  Truncating is a shorter view.  The buffer
also keeps CPython's tuple-hash accumulator after each entry, so ``hash(log)`` is O(1) and equals
``hash(tuple(log))``: a SharedLog equals, and hashes like, the tuple of its entries, and the
spec's code (``len``, indexing, ``xlog[:n]``, ``xlog + entries``, ``==``) runs on it unchanged.

:data:`WORK` counts every entry this module touches (appended and hashed, copied on a fork,
compared, read out by iteration or a non-prefix slice): the test of the audit's per-event cost
counts these, not seconds.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

Entry = tuple[int, int]

#: entries touched, by kind: "appended" (stored and hashed), "copied" (a fork), "compared", "read"
WORK: Counter[str] = Counter()

# CPython's tuplehash (Objects/tupleobject.c, xxHash-based since 3.8), one entry at a time.
_MASK = (1 << 64) - 1
_P1, _P2, _P5 = 11400714785074694791, 14029467366897019727, 2870177450012600261


def _mix(acc: int, item: Any) -> int:
    acc = (acc + (hash(item) & _MASK) * _P2) & _MASK
    acc = ((acc << 31) | (acc >> 33)) & _MASK
    return (acc * _P1) & _MASK


def _finish(acc: int, n: int) -> int:
    h = (acc + (n ^ (_P5 ^ 3527539))) & _MASK
    if h == _MASK:
        return 1546275796
    return h - (1 << 64) if h >> 63 else h


class _Buffer:
    """Entries appended only, the hash accumulator after each prefix, and the buffers forked from it."""

    __slots__ = ("entries", "acc", "forks")

    def __init__(self, entries: list[Entry], acc: list[int]) -> None:
        self.entries = entries
        self.acc = acc  # acc[k]: tuplehash's accumulator after entries[:k]
        self.forks: dict[int, list[_Buffer]] = {}  # position -> buffers that differ from this one there first

    def fork(self, at: int, entry: Entry) -> _Buffer:
        """The buffer holding ``entries[:at]`` then ``entry``: an earlier fork, or a copy of the prefix."""
        for other in self.forks.get(at, ()):
            if other.entries[at] == entry:
                return other
        WORK["copied"] += at
        other = _Buffer(self.entries[:at], self.acc[: at + 1])
        self.forks.setdefault(at, []).append(other)
        return other

    def push(self, entry: Entry) -> None:
        WORK["appended"] += 1
        self.entries.append(entry)
        self.acc.append(_mix(self.acc[-1], entry))

    def push_all(self, entries: Sequence[Entry]) -> None:
        """``push`` each entry (one call for a batch)."""
        WORK["appended"] += len(entries)
        acc, a = self.acc, self.acc[-1]
        for e in entries:
            a = _mix(a, e)
            acc.append(a)
        self.entries.extend(entries)


class SharedLog:
    """An immutable sequence of log entries: a prefix of a shared buffer (see the module's docstring)."""

    __slots__ = ("_buf", "_n", "_hash")
    _hash: int | None  # computed on the first hash()

    def __init__(self, buf: _Buffer, n: int) -> None:
        self._buf, self._n, self._hash = buf, n, None

    @classmethod
    def empty(cls) -> SharedLog:
        """An empty log on a new buffer: the logs made from it (by one audit) share its entries."""
        return cls(_Buffer([], [_P5]), 0)

    def extend(self, entries: Iterable[Entry]) -> SharedLog:
        """This log with ``entries`` appended (what ``log + entries`` means)."""
        buf, n = self._buf, self._n
        if type(entries) is tuple:  # the two common cases, without a Python loop: at the buffer's end,
            held, k = buf.entries, len(entries)  # or entries the buffer holds already (a follower's copy)
            if k == 0:
                return self
            if n == len(held):
                buf.push_all(entries)
                return SharedLog(buf, n + k)
            if n + k <= len(held) and tuple(held[n : n + k]) == entries:
                return SharedLog(buf, n + k)
        for e in entries:
            held = buf.entries
            if n < len(held) and held[n] != e:
                buf = buf.fork(n, e)
                held = buf.entries
            if n == len(held):
                buf.push(e)
            n += 1
        return self if n == self._n else SharedLog(buf, n)

    def __len__(self) -> int:
        return self._n

    def __bool__(self) -> bool:
        return self._n > 0

    def __getitem__(self, k: Any) -> Any:
        n = self._n
        if isinstance(k, slice):
            start, stop, step = k.indices(n)
            if start == 0 and step == 1:  # a prefix is a shorter view
                return self if stop == n else SharedLog(self._buf, max(stop, 0))
            out = tuple(self._buf.entries[start:stop:step])
            WORK["read"] += len(out)
            return out
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError("log index out of range")
        return self._buf.entries[k]

    def __iter__(self) -> Iterator[Entry]:
        WORK["read"] += self._n
        return islice(self._buf.entries, self._n)

    def __add__(self, other: Any) -> SharedLog:
        if isinstance(other, (tuple, list, SharedLog)):
            return self.extend(other)
        return NotImplemented

    def __radd__(self, other: Any) -> Any:
        if isinstance(other, tuple):
            return self if not other else other + tuple(self)
        return NotImplemented

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = self._hash = _finish(self._buf.acc[self._n], self._n) if _EXACT_HASH else hash(tuple(self))
        return h

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if isinstance(other, SharedLog):
            n = self._n
            if n != other._n:
                return False
            if self._buf is other._buf:
                return True
            if hash(self) != hash(other):
                return False
            a, b = self._buf.entries, other._buf.entries
        elif isinstance(other, tuple):
            n = self._n
            if n != len(other):
                return False
            a, b = self._buf.entries, other  # type: ignore[assignment]
        else:
            return NotImplemented
        WORK["compared"] += n
        return all(a[k] == b[k] for k in range(n))

    def __ne__(self, other: object) -> bool:
        if type(other) is SharedLog and other._buf is self._buf:  # (the audit's usual compare: one buffer)
            return other._n != self._n
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __lt__(self, other: Any) -> bool:
        return tuple(self) < tuple(other)

    def __repr__(self) -> str:
        return f"SharedLog({tuple(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (of, (tuple(self),))


def of(entries: Iterable[Entry]) -> SharedLog:
    """A SharedLog of these entries, on a buffer of its own."""
    return SharedLog.empty().extend(entries)


Sequence.register(SharedLog)

# The O(1) hash follows CPython's tuple hash; anywhere else, hash the entries (correct, not O(1)).
_EXACT_HASH = True
_EXACT_HASH = sys.implementation.name == "cpython" and all(
    hash(of(t)) == hash(t) for t in ((), ((1, 0),), ((1, 0), (2, 5), (2, 1 << 40))))
