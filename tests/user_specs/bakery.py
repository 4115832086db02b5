"""Lamport's bakery lock, with the ticket read and the wait loop one process step per other process.

Written from README.md and docs/ only by a new user (issue 12, notes hU4); tests/test_user_bakery.py
runs every feature on it with exact figures.
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from abstract_lock import FREE, Lock, LockState

from spec.core import WF, LeadsTo, Spec, SpecError, action, invariant, refines, witness

NCS, READ, WAIT, CS = range(4)
PC = ("ncs", "read", "wait", "cs")


class BakeryState(NamedTuple):
    pc: tuple[int, ...]  # pc[p]
    num: tuple[int, ...]  # ticket number, 0: none
    choosing: tuple[bool, ...]
    best: tuple[int, ...]  # the largest ticket read so far while choosing
    idx: tuple[int, ...]  # the next process p reads (READ) or waits for (WAIT)


def put(t: tuple, i: int, v: Any) -> tuple:
    return t[:i] + (v,) + t[i + 1 :]


class Bakery(Spec):
    """Lamport's bakery algorithm: take a ticket one larger than any read, enter with the smallest."""

    variables = ("pc", "num", "choosing", "best", "idx")

    def __init__(
        self,
        procs: Annotated[int, "number of processes"] = 2,
        max_ticket: Annotated[int, "tickets above this are not explored"] = 3,
    ) -> None:
        if procs < 1 or max_ticket < 1:
            raise SpecError("--procs and --max-ticket must be at least 1")
        self.P = tuple(range(procs))
        self.max_ticket = max_ticket
        super().__init__()

    def init_states(self) -> list[BakeryState]:
        n = len(self.P)
        return [BakeryState((NCS,) * n, (0,) * n, (False,) * n, (0,) * n, (0,) * n)]

    def each_proc(self, s: BakeryState) -> list[tuple[int]]:
        return [(p,) for p in self.P]

    @action(each_proc)
    def Choose(self, s: BakeryState, p: int) -> BakeryState | None:
        if s.pc[p] != NCS:
            return None
        return s._replace(pc=put(s.pc, p, READ), choosing=put(s.choosing, p, True), best=put(s.best, p, 0),
                          idx=put(s.idx, p, 0))

    @action(each_proc)
    def Read(self, s: BakeryState, p: int) -> BakeryState | None:
        if s.pc[p] != READ:
            return None
        q = s.idx[p]
        best = max(s.best[p], s.num[q])
        if q + 1 < len(self.P):
            return s._replace(best=put(s.best, p, best), idx=put(s.idx, p, q + 1))
        return s._replace(pc=put(s.pc, p, WAIT), num=put(s.num, p, best + 1), choosing=put(s.choosing, p, False),
                          best=put(s.best, p, 0), idx=put(s.idx, p, 0))

    def may_pass(self, s: BakeryState, p: int, q: int) -> bool:
        """p may move past q in its wait loop."""
        if q == p:
            return True
        if s.choosing[q]:
            return False
        return s.num[q] == 0 or (s.num[p], p) < (s.num[q], q)

    @action(each_proc)
    def Check(self, s: BakeryState, p: int) -> BakeryState | None:
        if s.pc[p] != WAIT or not self.may_pass(s, p, s.idx[p]):
            return None
        q = s.idx[p]
        if q + 1 < len(self.P):
            return s._replace(idx=put(s.idx, p, q + 1))
        return s._replace(pc=put(s.pc, p, CS), idx=put(s.idx, p, 0))

    @action(each_proc)
    def Exit(self, s: BakeryState, p: int) -> BakeryState | None:
        if s.pc[p] != CS:
            return None
        return s._replace(pc=put(s.pc, p, NCS), num=put(s.num, p, 0))

    def constraint(self, s: BakeryState) -> bool:
        return max(s.num) <= self.max_ticket

    @invariant
    def MutualExclusion(self, s: BakeryState) -> bool:
        """At most one process is in its critical section."""
        return s.pc.count(CS) <= 1

    @witness
    def BothWaiting(self, s: BakeryState) -> bool:
        """Every process holds a ticket at once."""
        return all(x == WAIT for x in s.pc)

    def fairness(self) -> list:
        return [WF("Read", "Check", "Exit")]

    def properties(self) -> dict:
        return {"Progress": LeadsTo(lambda s: WAIT in s.pc, lambda s: CS in s.pc, "some waits ~> some in CS")}

    @refines(Lock)
    def as_lock(self) -> tuple[Lock, Any]:
        """The lock over the same processes: its holder is the process in its critical section."""
        return Lock(len(self.P)), lambda s: LockState(s.pc.index(CS) if CS in s.pc else FREE)

    def show_state(self, s: BakeryState) -> dict:
        name = [f"p{p + 1}" for p in self.P]
        return {
            "pc": {name[p]: PC[x] for p, x in enumerate(s.pc)},
            "num": {name[p]: x for p, x in enumerate(s.num)},
            "choosing": [name[p] for p in self.P if s.choosing[p]],
            "best": {name[p]: x for p, x in enumerate(s.best)},
            "idx": {name[p]: name[x] for p, x in enumerate(s.idx)},
        }

    def show_param(self, action: str, index: int, value: Any) -> str:
        return f"p{value + 1}"


class NoChoosing(Bakery):
    """A waiting process ignores the choosing flag: the classic bug of the bakery's simplification."""

    variant = "no-choosing"
    rule = "Check does not wait for a process that is choosing its ticket"
    breaks = "MutualExclusion"
    failing_bounds = {"procs": 3}
    trace_length = 14

    def may_pass(self, s: BakeryState, p: int, q: int) -> bool:
        return q == p or s.num[q] == 0 or (s.num[p], p) < (s.num[q], q)
