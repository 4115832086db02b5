"""A spec written from scratch, as a user would: a ticket lock for N clients (not Paxos, not Raft).

Each client takes the next ticket from a dispenser, waits until the lock serves its number,
enters the critical section and leaves, which serves the next number. Tickets run out at
``tickets``, so the last state has no successor (a deadlock the checker can report). With
``eager=True`` a client enters one number early: mutual exclusion breaks.
"""

from __future__ import annotations

from typing import NamedTuple

from spec.core import Spec, action, invariant


class Lock(NamedTuple):
    next: int  # the dispenser's next ticket
    serving: int  # the ticket allowed in
    held: tuple[int, ...]  # each client's ticket, -1 for none
    inside: tuple[bool, ...]  # which clients are in the critical section


def _clients(self: TicketLock, s: Lock) -> list[tuple[int]]:
    return [(i,) for i in range(self.clients)]


class TicketLock(Spec):
    name = "ticket-lock"
    variables = Lock._fields

    def __init__(self, clients: int = 4, tickets: int = 8, eager: bool = False) -> None:
        self.clients, self.tickets, self.eager = clients, tickets, eager
        super().__init__()

    def bounds(self) -> dict[str, int | bool]:
        return {"clients": self.clients, "tickets": self.tickets, "eager": self.eager}

    def init_states(self) -> list[Lock]:
        return [Lock(0, 0, (-1,) * self.clients, (False,) * self.clients)]

    @action(params=_clients)
    def Take(self, s: Lock, i: int) -> Lock | None:
        if s.held[i] >= 0 or s.next >= self.tickets:
            return None
        return s._replace(next=s.next + 1, held=s.held[:i] + (s.next,) + s.held[i + 1 :])

    @action(params=_clients)
    def Enter(self, s: Lock, i: int) -> Lock | None:
        turn = s.held[i] in (s.serving, s.serving + 1) if self.eager else s.held[i] == s.serving
        if s.held[i] < 0 or s.inside[i] or not turn:
            return None
        return s._replace(inside=s.inside[:i] + (True,) + s.inside[i + 1 :])

    @action(params=_clients)
    def Leave(self, s: Lock, i: int) -> Lock | None:
        if not s.inside[i]:
            return None
        return Lock(
            s.next, s.serving + 1, s.held[:i] + (-1,) + s.held[i + 1 :], s.inside[:i] + (False,) + s.inside[i + 1 :]
        )

    @invariant
    def MutualExclusion(self, s: Lock) -> bool:
        return sum(s.inside) <= 1
