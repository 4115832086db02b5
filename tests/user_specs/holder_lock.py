"""An abstract lock: at most one holder; the spec tests/user_specs/bakery.py refines (issue 12, notes hU4)."""

from __future__ import annotations

from typing import Annotated, NamedTuple

from spec.core import Spec, action, invariant

FREE = -1


class LockState(NamedTuple):
    holder: int  # FREE or the process holding the lock


class Lock(Spec):
    """A lock: Acquire when free, Release by the holder."""

    variables = ("holder",)

    def __init__(self, procs: Annotated[int, "number of processes"] = 2) -> None:
        self.P = tuple(range(procs))
        super().__init__()

    def init_states(self) -> list[LockState]:
        return [LockState(FREE)]

    def each_proc(self, s: LockState) -> list[tuple[int]]:
        return [(p,) for p in self.P]

    @action(each_proc)
    def Acquire(self, s: LockState, p: int) -> LockState | None:
        return LockState(p) if s.holder == FREE else None

    @action(each_proc)
    def Release(self, s: LockState, p: int) -> LockState | None:
        return LockState(FREE) if s.holder == p else None

    @invariant
    def OneHolder(self, s: LockState) -> bool:
        return s.holder == FREE or s.holder in self.P

    def show_state(self, s: LockState) -> dict:
        return {"holder": "free" if s.holder == FREE else f"p{s.holder + 1}"}
