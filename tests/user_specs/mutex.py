"""A spec written from scratch, as a user would, importing nothing but ``spec.core``.

N processes share one lock.  A process requests the lock, enters its critical section once
the lock is free (taking it), and leaves; the lock manager then frees the lock.  The
``EarlyUnlock`` variant frees the lock while its holder is still inside, which breaks
``LockHeld`` in three steps (and ``MutualExclusion`` in five).

Nothing registers this class: ``paxraft check tests/user_specs/mutex.py:Mutex --procs 3``.
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from spec.core import WF, AlwaysEventually, Spec, action, invariant, refines

IDLE, WAITING, CRITICAL = 0, 1, 2
FREE = -1


class MutexState(NamedTuple):
    pc: tuple[int, ...]  # pc[p]: IDLE, WAITING or CRITICAL
    lock: int  # the holder, or FREE


class Mutex(Spec):
    """N processes, one lock: at most one process is in its critical section."""

    variables = ("pc", "lock")

    def __init__(self, procs: Annotated[int, "number of processes (p1..pN)"] = 3) -> None:
        self.Proc = tuple(range(procs))
        super().__init__()

    def init_states(self) -> list[MutexState]:
        return [MutexState((IDLE,) * len(self.Proc), FREE)]

    def procs(self, s: MutexState) -> list[tuple[int]]:
        return [(p,) for p in self.Proc]

    @action(procs)
    def Request(self, s: MutexState, p: int) -> MutexState | None:
        if s.pc[p] != IDLE:
            return None
        return s._replace(pc=s.pc[:p] + (WAITING,) + s.pc[p + 1 :])

    @action(procs)
    def Enter(self, s: MutexState, p: int) -> MutexState | None:
        if s.pc[p] != WAITING or s.lock != FREE:
            return None
        return MutexState(s.pc[:p] + (CRITICAL,) + s.pc[p + 1 :], p)

    @action(procs)
    def Exit(self, s: MutexState, p: int) -> MutexState | None:
        if s.pc[p] != CRITICAL:
            return None
        return s._replace(pc=s.pc[:p] + (IDLE,) + s.pc[p + 1 :])

    @action()
    def Unlock(self, s: MutexState) -> MutexState | None:
        """The lock manager frees the lock once its holder has left (an action with no parameters)."""
        if s.lock == FREE or s.pc[s.lock] == CRITICAL:
            return None
        return s._replace(lock=FREE)

    @invariant
    def MutualExclusion(self, s: MutexState) -> bool:
        return sum(1 for x in s.pc if x == CRITICAL) <= 1

    @invariant
    def LockHeld(self, s: MutexState) -> bool:
        return all(s.lock == p for p in self.Proc if s.pc[p] == CRITICAL)

    # symmetry: processes are interchangeable
    def symmetric_sets(self) -> dict[str, int]:
        return {"procs": len(self.Proc)}

    def permute(self, s: MutexState, perm: Any) -> MutexState:
        pi = perm["procs"]
        pc = [IDLE] * len(self.Proc)
        for p, x in enumerate(s.pc):
            pc[pi[p]] = x
        return MutexState(tuple(pc), FREE if s.lock == FREE else pi[s.lock])

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return f"p{value + 1}"

    # liveness: with every action weakly fair, the lock is free again infinitely often
    def fairness(self) -> list:
        return [WF("Exit"), WF("Unlock")]

    def properties(self) -> dict:
        return {"LockFreed": AlwaysEventually(lambda s: s.lock == FREE, "[]<>(lock = FREE)")}

    # refinement: a Mutex implements a Lock whose holders are the processes in their critical section
    @refines("Lock")
    def as_lock(self) -> tuple[Lock, Any]:
        return Lock(len(self.Proc)), lambda s: LockState(frozenset(p for p in self.Proc if s.pc[p] == CRITICAL))


class LockState(NamedTuple):
    holders: frozenset[int]


class Lock(Spec):
    """The abstract lock: a process acquires it when nobody holds it, and releases it."""

    variables = ("holders",)

    def __init__(self, procs: int = 3) -> None:
        self.Proc = tuple(range(procs))
        super().__init__()

    def init_states(self) -> list[LockState]:
        return [LockState(frozenset())]

    @action(lambda self, s: [(p,) for p in self.Proc])
    def Acquire(self, s: LockState, p: int) -> LockState | None:
        return LockState(frozenset({p})) if not s.holders else None

    @action(lambda self, s: [(p,) for p in self.Proc])
    def Release(self, s: LockState, p: int) -> LockState | None:
        return LockState(frozenset()) if s.holders == {p} else None

    @invariant
    def OneHolder(self, s: LockState) -> bool:
        return len(s.holders) <= 1


class EarlyUnlock(Mutex):
    """The lock manager frees the lock without waiting for its holder to leave."""

    variant = "early-unlock"
    rule = "Unlock() is enabled whenever the lock is held"
    breaks = "LockHeld"
    failing_bounds = {"procs": 2}
    trace_length = 3

    def Unlock(self, s: MutexState) -> MutexState | None:
        return None if s.lock == FREE else s._replace(lock=FREE)
