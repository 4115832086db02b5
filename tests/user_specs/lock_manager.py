"""A two-phase lock manager: clients request locks, the manager grants them, and a client that released one
(its shrinking phase) may not take another. Written from docs/writing-a-spec.md alone; its actions carry
guards of every shape a user writes, so that the refused steps of tests/test_refusal_lock_manager.py can
be named (spec/refusal.py).

    paxraft check tests/user_specs/lock_manager.py:LockManager --clients 2 --locks 2
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

from spec.core import Spec, action, invariant

FREE = -1
GROWING, SHRINKING, DONE = range(3)


class LMState(NamedTuple):
    holder: tuple[int, ...]  # holder[lock]: the client holding it, or FREE
    phase: tuple[int, ...]  # phase[client]
    req: frozenset[tuple[int, int]]  # (client, lock) requests not yet granted


class LockManager(Spec):
    """Two-phase locking: a client takes locks while growing, releases them while shrinking, then is done."""

    variables = LMState._fields

    def __init__(self, clients: Annotated[int, "number of clients"] = 2,
                 locks: Annotated[int, "number of locks"] = 2) -> None:
        self.C, self.L = clients, locks
        super().__init__()

    def init_states(self) -> list[LMState]:
        return [LMState((FREE,) * self.L, (GROWING,) * self.C, frozenset())]

    def pairs(self, s: LMState) -> list[tuple[int, int]]:
        return [(c, lk) for c in range(self.C) for lk in range(self.L)]

    @action(pairs)
    def Request(self, s: LMState, c: int, lk: int) -> LMState | None:
        if lk >= self.L:
            return None
        if s.phase[c] != GROWING:
            return None
        if (c, lk) in s.req:
            return None
        if s.holder[lk] == c:
            return None
        return s._replace(req=s.req | {(c, lk)})

    @action(pairs)
    def Grant(self, s: LMState, c: int, lk: int) -> LMState | None:
        if not (s.holder[lk] == FREE and (c, lk) in s.req):
            return None
        holder = s.holder[:lk] + (c,) + s.holder[lk + 1:]
        return s._replace(holder=holder, req=s.req - {(c, lk)})

    @action(pairs)
    def Release(self, s: LMState, c: int, lk: int) -> LMState | None:
        if (s.holder[lk] != c
                or s.phase[c] == DONE
                or any(r == c for r, _ in s.req)):
            return None
        holder = s.holder[:lk] + (FREE,) + s.holder[lk + 1:]
        return s._replace(holder=holder, phase=self.set_phase(s, c, SHRINKING))

    @action(lambda self, s: [(c,) for c in range(self.C)])
    def Withdraw(self, s: LMState, c: int) -> LMState | None:
        return self.drop_requests(s, c)

    @action(lambda self, s: [(c,) for c in range(self.C)])
    def Finish(self, s: LMState, c: int) -> LMState | None:
        for h in s.holder:
            if h == c:
                return None
        return None if s.phase[c] != SHRINKING else s._replace(phase=self.set_phase(s, c, DONE))

    @action(lambda self, s: [(c, m) for c in range(self.C) for m in ("grow", "shrink")])
    def Switch(self, s: LMState, c: int, mode: str) -> LMState | None:
        match (mode, s.phase[c]):
            case ("grow", _):
                return None
            case (_, p) if p != GROWING:
                return None
        return s._replace(phase=self.set_phase(s, c, SHRINKING))

    @action(pairs)
    def Steal(self, s: LMState, c: int, lk: int) -> LMState | None:
        try:
            owner = s.holder[lk + self.L]  # (never there: the bound is read past its end)
        except IndexError:
            return None
        return s._replace(holder=(owner,) * self.L)

    @action(lambda self, s: [(c,) for c in range(self.C)])
    def Reset(self, s: LMState, c: int) -> LMState | None:
        if any(h == c for h in s.holder):
            return None
        if s.phase[c] == DONE and not s.req:
            return s._replace(phase=self.set_phase(s, c, GROWING))

    def drop_requests(self, s: LMState, c: int) -> LMState | None:
        mine = frozenset(r for r in s.req if r[0] == c)
        if not mine:
            return None
        return s._replace(req=s.req - mine)

    def set_phase(self, s: LMState, c: int, p: int) -> tuple[int, ...]:
        return s.phase[:c] + (p,) + s.phase[c + 1:]

    @invariant
    def OnlyGrowingHold(self, s: LMState) -> bool:
        """Every lock held is held by a growing client: false (a shrinking client keeps the locks it has not
        released yet), so that `check` writes a counterexample to edit."""
        return all(s.phase[h] == GROWING for h in s.holder if h != FREE)
