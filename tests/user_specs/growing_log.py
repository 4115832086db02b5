"""A replicated log whose committed entries must never change: a user's spec with action invariants.

tests/user_specs/GrowingLog/GrowingLog.tla is the TLA+ text, checked by TLC 2.20 with its two action properties
(``PROPERTY [][...]_vars``); this file says the same in Python:

    paxraft check tests/user_specs/growing_log.py:GrowingLog
    paxraft check tests/user_specs/growing_log.py:GrowingLog --variant any-leader

Node 0 is the leader: it writes values, copies its log to a follower, commits an index stored on a majority;
a follower learns the commit index once its log holds the committed prefix. A new leader takes over another
node's log: only one holding the committed prefix (``NewLeader``'s up-to-date rule); the ``any-leader`` variant
drops that rule, and a committed entry vanishes (TLC: CommittedEntriesStay violated, 5 states, 4 steps).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from spec.core import Spec, SpecError, action, action_invariant


class LogState(NamedTuple):
    log: tuple[tuple[int, ...], ...]  # log[i]: node i's entries (values 1..V)
    commit: tuple[int, ...]  # commit[i]: node i's commit index


def replaced(t: tuple, i: int, x: object) -> tuple:
    """``[t EXCEPT ![i] = x]``"""
    return t[:i] + (x,) + t[i + 1 :]


class GrowingLog(Spec):
    """GrowingLog.tla: N nodes (0 leads), values 1..V, logs of at most L entries."""

    name = "GrowingLog"
    variables = LogState._fields
    up_to_date = True  # NewLeader's rule (the TLA+ constant UpToDate)

    def __init__(self, nodes: int = 3, values: int = 2, max_len: int = 2) -> None:
        for flag, x in (("nodes", nodes), ("values", values), ("max-len", max_len)):
            if not isinstance(x, int) or not 1 <= x <= 6:
                raise SpecError(f"GrowingLog: --{flag} must be an integer from 1 to 6, got {x!r}")
        self.N, self.V, self.L = nodes, values, max_len
        super().__init__()

    def init_states(self) -> Iterator[LogState]:
        yield LogState(((),) * self.N, (0,) * self.N)

    def followers(self, s: LogState) -> Iterator[tuple[int]]:
        return ((i,) for i in range(1, self.N))

    @action(params=lambda self, s: ((v,) for v in range(1, self.V + 1)))
    def Write(self, s: LogState, v: int) -> LogState | None:
        if len(s.log[0]) >= self.L:
            return None
        return s._replace(log=replaced(s.log, 0, s.log[0] + (v,)))

    @action(params=followers)
    def Replicate(self, s: LogState, i: int) -> LogState | None:
        if s.log[i] == s.log[0]:
            return None
        return s._replace(log=replaced(s.log, i, s.log[0]))

    @action(params=followers)
    def Learn(self, s: LogState, i: int) -> LogState | None:
        c = s.commit[0]
        if s.commit[i] >= c or s.log[i][:c] != s.log[0][:c] or len(s.log[i]) < c:
            return None
        return s._replace(commit=replaced(s.commit, i, c))

    @action(params=followers)
    def NewLeader(self, s: LogState, j: int) -> LogState | None:
        c = s.commit[0]
        if s.log[j] == s.log[0] or (self.up_to_date and s.log[j][:c] != s.log[0][:c]):
            return None
        return s._replace(log=replaced(s.log, 0, s.log[j]))

    @action(params=lambda self, s: ((k,) for k in range(1, self.L + 1)))
    def Commit(self, s: LogState, k: int) -> LogState | None:
        if not s.commit[0] < k <= len(s.log[0]):
            return None
        stored = sum(1 for x in s.log if x[:k] == s.log[0][:k])  # logs of fewer entries differ in length
        if 2 * stored <= self.N:
            return None
        return s._replace(commit=replaced(s.commit, 0, k))

    @action_invariant
    def CommitNeverDecreases(self, s: LogState, t: LogState) -> bool:
        """``[][\\A i \\in Node : commit'[i] >= commit[i]]_vars``"""
        return all(b >= a for a, b in zip(s.commit, t.commit))

    @action_invariant
    def CommittedEntriesStay(self, s: LogState, t: LogState) -> bool:
        """``[][\\A i \\in Node : Len(log'[i]) >= commit[i] /\\ SubSeq(log'[i], 1, commit[i]) = ...]_vars``"""
        return all(len(y) >= c and y[:c] == x[:c] for c, x, y in zip(s.commit, s.log, t.log))


class AnyLeader(GrowingLog):
    """Any node may become the leader, up to date or not (UpToDate = FALSE): a committed entry is lost."""

    variant = "any-leader"
    rule = "NewLeader takes over any other node's log, whether it holds the committed entries or not"
    breaks = "CommittedEntriesStay"
    failing_bounds = {"nodes": 3, "values": 2, "max_len": 2}
    trace_length = 4  # steps: the 5 states TLC prints
    up_to_date = False
