"""An abstract lock: at most one client holds it."""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from spec.core import Spec, action, invariant

FREE = -1


class LockState(NamedTuple):
    holder: int  # a client, or FREE


class Lock(Spec):
    """An abstract lock: a free lock is acquired by one client, which releases it."""

    variables = ("holder",)

    def __init__(self, clients: Annotated[int, "number of clients"] = 2) -> None:
        self.C = tuple(range(clients))
        super().__init__()

    def init_states(self) -> list[LockState]:
        return [LockState(FREE)]

    def each_client(self, s: LockState) -> list[tuple[int]]:
        return [(c,) for c in self.C]

    @action(each_client)
    def Acquire(self, s: LockState, c: int) -> LockState | None:
        return LockState(c) if s.holder == FREE else None

    @action(each_client)
    def Release(self, s: LockState, c: int) -> LockState | None:
        return LockState(FREE) if s.holder == c else None

    @invariant
    def TypeOK(self, s: LockState) -> bool:
        return s.holder == FREE or s.holder in self.C

    def symmetric_sets(self) -> dict[str, int]:
        return {"Client": len(self.C)}

    def permute(self, s: LockState, perm: Any) -> LockState:
        return s if s.holder == FREE else LockState(perm["Client"][s.holder])
