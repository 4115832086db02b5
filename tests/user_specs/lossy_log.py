"""An abstract replicated log: writes append, a prefix is committed, the uncommitted tail may be lost.

The chain-replication spec (chain_replication.py) refines it: the log is the head's history, the committed
prefix the tail's.
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

from spec.core import Spec, action, invariant


class LogState(NamedTuple):
    log: tuple[int, ...]
    committed: int


class LossyLog(Spec):
    """A log whose committed prefix is durable and whose uncommitted suffix may be lost."""

    variables = ("log", "committed")

    def __init__(
        self,
        values: Annotated[int, "number of values a client may write"] = 2,
        max_writes: Annotated[int, "longest log"] = 2,
    ) -> None:
        self.values = tuple(range(values))
        self.max_writes = max_writes
        super().__init__()

    def init_states(self) -> list[LogState]:
        return [LogState((), 0)]

    @action(lambda self, s: [(v,) for v in self.values])
    def Write(self, s: LogState, v: int) -> LogState | None:
        if len(s.log) >= self.max_writes:
            return None
        return s._replace(log=s.log + (v,))

    @action(lambda self, s: [(k,) for k in range(s.committed + 1, len(s.log) + 1)])
    def Commit(self, s: LogState, k: int) -> LogState | None:
        return s._replace(committed=k)

    @action(lambda self, s: [(k,) for k in range(s.committed, len(s.log))])
    def Lose(self, s: LogState, k: int) -> LogState | None:
        return s._replace(log=s.log[:k])

    @invariant
    def CommittedInLog(self, s: LogState) -> bool:
        return 0 <= s.committed <= len(s.log)
