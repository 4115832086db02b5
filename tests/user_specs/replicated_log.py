"""Replicated logs whose divergence is bounded: tlaplus/Examples' FiniteMonotonic/DistributedReplicatedLog.tla,
checked as MCDistributedReplicatedLog.cfg checks it, through TLC's ``VIEW DropCommonPrefix``.

The logs only grow, so the model is infinite; what makes it finite is the view: the search tells states apart by
the logs with their longest common prefix dropped (:meth:`Spec.view`), as TLC does with ``VIEW``. A state reached
whose view was reached before is not explored again. tests/user_specs/ReplicatedLog/ holds the TLA+ text and the
models TLC 2.20 ran:

    paxraft check tests/user_specs/replicated_log.py:ReplicatedLog            # 37 / 271 / 4, as TLC
    paxraft check tests/user_specs/replicated_log.py:ReplicatedLog --liveness   # InSync violated, as TLC

Servers are 0..n-1 (TLC's n1, n2, ...) and values 0..k-1 (TLC's v, ...).
"""

from __future__ import annotations

import itertools
from typing import Annotated, NamedTuple

from spec.core import WF, AlwaysEventually, Spec, SpecError, action, invariant


class LogsState(NamedTuple):
    cLogs: tuple[tuple[int, ...], ...]  # cLogs[s]: server s's log


class ReplicatedLog(Spec):
    """Each server extends its log when no other is longer (by at most Lag beyond the shortest), or copies part of
    a longer log's missing suffix."""

    name = "ReplicatedLog"
    variables = LogsState._fields

    def __init__(
        self,
        servers: Annotated[int, "number of servers (Servers = n1..nN)"] = 3,
        values: Annotated[int, "number of values a log holds"] = 1,
        lag: Annotated[int, "the most two logs may differ in length"] = 3,
    ) -> None:
        for flag, x, low in (("servers", servers, 2), ("values", values, 1), ("lag", lag, 0)):
            if not isinstance(x, int) or not low <= x <= 5:
                raise SpecError(f"ReplicatedLog: --{flag} must be an integer from {low} to 5, got {x!r}")
        self.Servers, self.Values, self.Lag = range(servers), range(values), lag
        super().__init__()

    def init_states(self) -> list[LogsState]:
        return [LogsState(((),) * len(self.Servers))]

    def _copies(self, s: LogsState) -> list[tuple[int, int, int]]:
        """``\\E j \\in Servers : Len(cLogs[j]) > Len(cLogs[i]) /\\ \\E l \\in L-1 .. L : ...``"""
        c = s.cLogs
        return [(i, j, n) for i in self.Servers for j in self.Servers if len(c[j]) > len(c[i])
                for n in range(len(c[j]) - len(c[i]) - 1, len(c[j]) - len(c[i]) + 1)]

    @action(_copies)
    def Copy(self, s: LogsState, i: int, j: int, n: int) -> LogsState:
        """Server i appends the next n entries of server j's log (n is the lag or one less: a lag of 1 may copy
        nothing, a step that changes nothing)."""
        c, have = s.cLogs, len(s.cLogs[i])
        return LogsState(c[:i] + (c[i] + c[j][have : have + n],) + c[i + 1 :])

    def _extensions(self, s: LogsState) -> list[tuple[int, tuple[int, ...]]]:
        """``\\A j : Len(cLogs[j]) <= Len(cLogs[i])`` and ``\\E s \\in BoundedSeq(Values, Lag - Max(...))``"""
        c = s.cLogs
        out = []
        for i in self.Servers:
            if all(len(c[j]) <= len(c[i]) for j in self.Servers):
                room = self.Lag - max(len(c[i]) - len(c[j]) for j in self.Servers)
                out += [(i, seq) for k in range(room + 1) for seq in itertools.product(self.Values, repeat=k)]
        return out

    @action(_extensions)
    def Extend(self, s: LogsState, i: int, seq: tuple[int, ...]) -> LogsState:
        """Server i, whose log no other log is longer than, appends ``seq`` (the empty sequence too)."""
        c = s.cLogs
        return LogsState(c[:i] + (c[i] + seq,) + c[i + 1 :])

    def view(self, s: LogsState) -> tuple[tuple[int, ...], ...]:
        """MCDistributedReplicatedLog's ``VIEW DropCommonPrefix``: each log without the prefix all logs share."""
        common = 0
        for column in zip(*s.cLogs):
            if any(x != column[0] for x in column):
                break
            common += 1
        return tuple(log[common:] for log in s.cLogs)

    def symmetric_sets(self) -> dict[str, int]:
        """The servers are interchangeable (``--symmetry`` is refused with the view all the same: see view)."""
        return {"Servers": len(self.Servers)}

    def permute(self, s: LogsState, perm: dict[str, tuple[int, ...]]) -> LogsState:
        logs = [()] * len(self.Servers)
        for i, log in enumerate(s.cLogs):
            logs[perm["Servers"][i]] = log
        return LogsState(tuple(logs))

    @invariant
    def TypeOK(self, s: LogsState) -> bool:
        return all(x in self.Values for log in s.cLogs for x in log)

    @invariant
    def BoundedLag(self, s: LogsState) -> bool:
        return all(abs(len(a) - len(b)) <= self.Lag for a in s.cLogs for b in s.cLogs)

    def fairness(self) -> list:
        """``\\A s \\in Servers : WF_vars(Extend(s)) /\\ WF_vars(Copy(s))``"""
        return [f for s in self.Servers for f in (WF("Extend", i=s), WF("Copy", i=s))]

    def properties(self) -> dict:
        """InSync: ``\\A i, j \\in Servers : []<>(cLogs[i] = cLogs[j])``, one entry per pair (TLC finds it violated:
        a follower may copy only part of what it misses). AllExtending, ``[]<><<IsStrictPrefix(cLogs[s],
        cLogs'[s])>>_cLogs``, is a property of steps, which paxraft's temporal properties (of states) do not
        express."""
        return {
            f"InSync(n{i + 1},n{j + 1})": AlwaysEventually(
                lambda s, i=i, j=j: s.cLogs[i] == s.cLogs[j], f"[]<>(cLogs[n{i + 1}] = cLogs[n{j + 1}])")
            for i, j in itertools.combinations(self.Servers, 2)
        }
