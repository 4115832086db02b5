"""A node's timeline: CLOCK_MONOTONIC stamps of the steps on a write's critical path (opt-in).

With ``"timeline": true`` in cluster.json each node keeps ``(nanoseconds, mark)`` pairs in memory
and writes them to ``node-N/timeline.txt`` when it stops: data received from a peer or a client, a
Ready round starting, frames written to the peers or to clients, the WAL write + fdatasync starting
and ending. The clock is shared by every process on the machine, so the client's own stamps line
up with the nodes'; ``benchmarks/critical_path.py`` joins them into the steps of one sequential
write (client -> leader -> AppendEntries -> follower fsync -> ack -> commit -> reply). Off by
default: a stamp costs ~0.2 us, the list grows by one tuple per stamp.
"""

from __future__ import annotations

import os
import time
from bisect import bisect_left
from pathlib import Path

RECV_PEER, RECV_CLIENT, ROUND, SENT_PEER, SENT_CLIENT, FSYNC, SYNCED = (
    "recv_peer", "recv_client", "round", "sent_peer", "sent_client", "fsync", "synced")
MARKS = (RECV_PEER, RECV_CLIENT, ROUND, SENT_PEER, SENT_CLIENT, FSYNC, SYNCED)


class Timeline:
    """Stamps kept in memory, written out by :meth:`close` (one ``ns mark`` line each)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stamps: list[tuple[int, str]] = []
        self._now = time.monotonic_ns

    def mark(self, what: str) -> None:
        """Stamp ``what`` now."""
        self.stamps.append((self._now(), what))

    def close(self) -> None:
        """Write the stamps out (private to the node's owner, like the rest of its folder)."""
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("".join(f"{t} {what}\n" for t, what in self.stamps))


def read(path: Path) -> list[tuple[int, str]]:
    """A timeline file's stamps, in order (ValueError naming the line when one is malformed)."""
    out = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        t, _, what = line.partition(" ")
        if not t.isdigit() or what not in MARKS:
            raise ValueError(f"{path}:{n}: not a timeline stamp: {line[:80]!r}")
        out.append((int(t), what))
    return out


STEPS = (  # the critical path of one sequential write, in order; they add up to the client's latency
    "client -> leader",
    "leader: request -> AppendEntries out",
    "AppendEntries -> follower",
    "follower: received -> fsync",
    "follower: WAL write + fdatasync",
    "follower: synced -> ack out",
    "ack -> leader",
    "leader: ack -> reply out",
    "reply -> client",
)


class _Marks:
    """One node's stamps by mark, for 'the first X in [a, b)' and 'the last X in [a, b)'."""

    def __init__(self, stamps: list[tuple[int, str]]) -> None:
        self.at: dict[str, list[int]] = {m: [] for m in MARKS}
        for t, what in stamps:
            self.at[what].append(t)
        for ts in self.at.values():
            ts.sort()

    def first(self, what: str, lo: int | None, hi: int) -> int | None:
        if lo is None:
            return None
        ts = self.at[what]
        k = bisect_left(ts, lo)
        return ts[k] if k < len(ts) and ts[k] < hi else None

    def last(self, what: str, lo: int, hi: int) -> int | None:
        ts = self.at[what]
        k = bisect_left(ts, hi) - 1
        return ts[k] if k >= 0 and ts[k] >= lo else None


_NEVER = 2**63  # past every CLOCK_MONOTONIC stamp


def critical_path(writes: list[tuple[int, int]], nodes: dict[int, list[tuple[int, str]]]) -> list[dict[str, int]]:
    """The steps (:data:`STEPS`, nanoseconds) of each sequential write whose path the stamps show whole.

    ``writes`` are the client's (sent, answered) stamps, one write at a time; ``nodes`` each node's
    timeline. Within a write's window: the leader is the node that received the request first; each
    follower's fdatasync after the leader's AppendEntries went out, the peer data it received last
    before it, and its first frames out after it (the ack); the follower whose ack left first is the
    one on the path; then the leader's first read of peer data after that ack left, and its first
    client reply after that. ``"leader fdatasync"`` (the leader's own, its first after the request: off
    the path when it ends before the ack is read; on a thread it may start and end after the reply) and
    ``"total"`` are added. A write
    whose path is not whole (a stamp missing: a re-election, a retry) is left out."""
    marks = {j: _Marks(st) for j, st in nodes.items()}
    out = []
    for s, r in writes:
        got = None
        for j, m in marks.items():  # the first to receive it: a retry (after 1 s unanswered) may reach another node
            lr = m.first(RECV_CLIENT, s, r)
            if lr is not None and (got is None or lr < got[2]):
                got = (j, m, lr)
        if got is None:
            continue
        leader, lm, lr = got
        lae = lm.first(SENT_PEER, lr, r)
        # with the leader's fsync on a thread it may start and end after the reply (two followers' acks committed;
        # one sync is in flight at a time, so a write that arrives during one waits for the next)
        lfs = lm.first(FSYNC, lr, _NEVER)
        lfe = lm.first(SYNCED, lfs, _NEVER)
        if lae is None or lfs is None or lfe is None:
            continue
        best = None
        for j, fm in marks.items():
            if j == leader:
                continue
            ffs = fm.first(FSYNC, lae, r)
            ffe = fm.first(SYNCED, ffs, r)
            fack = fm.first(SENT_PEER, ffe, r)
            frecv = fm.last(RECV_PEER, lae, ffs) if ffs is not None else None
            if ffs is None or ffe is None or fack is None or frecv is None:
                continue
            if best is None or fack < best[3]:
                best = (frecv, ffs, ffe, fack)
        if best is None:
            continue
        frecv, ffs, ffe, fack = best
        lack = lm.first(RECV_PEER, fack, r)
        lrep = lm.first(SENT_CLIENT, lack, r)
        if lack is None or lrep is None:
            continue
        points = (s, lr, lae, frecv, ffs, ffe, fack, lack, lrep, r)
        step = {name: points[k + 1] - points[k] for k, name in enumerate(STEPS)}
        step["leader fdatasync"] = lfe - lfs
        step["total"] = r - s
        out.append(step)
    return out
