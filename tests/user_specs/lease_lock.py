"""A spec written from scratch, as a new user would: a lease-based lock service (not Paxos, not Raft).

The server grants a lease ending at now + lease when no unexpired lease is out; the grant
travels as a message and may arrive late; a client holds the lock while its lease has not
expired on the (single, global) clock.  LeaseMutex: at most one client holds the lock.  The
variant local-lease times a lease from its arrival: two clients hold the lock.  Lease refines
the abstract Lock of abstract_lock.py.  tests/test_user_lease.py runs every feature on it.

    paxraft check tests/user_specs/lease_lock.py:Lease       # 200 distinct states, depth 10
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from abstract_lock import FREE, Lock, LockState

from spec.core import WF, Eventually, LeadsTo, Spec, action, invariant, refines

NONE = 0  # held[c] == NONE: client c holds no lease


class LeaseState(NamedTuple):
    now: int  # the global clock
    owner: int  # the client of the server's latest lease, or FREE
    until: int  # when the server's latest lease expires
    held: tuple[int, ...]  # held[c]: the expiry of the lease client c holds, or NONE
    grants: frozenset[tuple[int, int]]  # grant messages in flight: (client, expiry)


class Lease(Spec):
    """Lease-based lock service: clients hold time-bounded leases granted by one server."""

    variables = ("now", "owner", "until", "held", "grants")

    def __init__(
        self,
        clients: Annotated[int, "number of clients"] = 2,
        max_time: Annotated[int, "the clock stops at this time"] = 4,
        lease: Annotated[int, "length of a lease in ticks"] = 2,
    ) -> None:
        self.C = tuple(range(clients))
        self.max_time = max_time
        self.lease = lease
        super().__init__()

    def init_states(self) -> list[LeaseState]:
        return [LeaseState(0, FREE, 0, (NONE,) * len(self.C), frozenset())]

    def each_client(self, s: LeaseState) -> list[tuple[int]]:
        return [(c,) for c in self.C]

    @action(each_client)
    def Grant(self, s: LeaseState, c: int) -> LeaseState | None:
        """The server grants c a lease if no granted lease is still running."""
        if s.owner != FREE and s.now < s.until:
            return None
        until = s.now + self.lease
        return s._replace(owner=c, until=until, grants=s.grants | {(c, until)})

    @action(lambda self, s: sorted(s.grants))
    def Receive(self, s: LeaseState, c: int, until: int) -> LeaseState | None:
        """Client c receives a grant; one that arrives expired is dropped."""
        if (c, until) not in s.grants:
            return None
        held = self.lease_on_receipt(s, c, until)
        return s._replace(held=self.set_held(s, c, held), grants=s.grants - {(c, until)})

    def lease_on_receipt(self, s: LeaseState, c: int, until: int) -> int:
        """The expiry a client keeps for a grant ending at `until` (a stale grant changes nothing)."""
        return until if until > s.now else s.held[c]

    @action(each_client)
    def Release(self, s: LeaseState, c: int) -> LeaseState | None:
        if s.held[c] == NONE:
            return None
        owner = FREE if s.owner == c else s.owner
        return s._replace(owner=owner, held=self.set_held(s, c, NONE))

    @action()
    def Tick(self, s: LeaseState) -> LeaseState | None:
        """Time passes; leases that have expired are dropped."""
        if s.now >= self.max_time:
            return None
        now = s.now + 1
        return s._replace(now=now, held=tuple(NONE if h <= now else h for h in s.held))

    @staticmethod
    def set_held(s: LeaseState, c: int, value: int) -> tuple[int, ...]:
        return s.held[:c] + (value,) + s.held[c + 1 :]

    @invariant
    def LeaseMutex(self, s: LeaseState) -> bool:
        return sum(1 for h in s.held if h != NONE) <= 1

    def symmetric_sets(self) -> dict[str, int]:
        return {"Client": len(self.C)}

    def permute(self, s: LeaseState, perm: Any) -> LeaseState:
        pi = perm["Client"]
        held = [NONE] * len(self.C)
        for c, h in enumerate(s.held):
            held[pi[c]] = h
        return s._replace(
            owner=s.owner if s.owner == FREE else pi[s.owner],
            held=tuple(held),
            grants=frozenset((pi[c], u) for c, u in s.grants),
        )

    def fairness(self) -> list:
        return [WF("Receive"), WF("Tick")]

    def properties(self) -> dict:
        return {
            "ClockRuns": Eventually(lambda s: s.now == self.max_time, "<>(now = MaxTime)"),
            "GrantsArrive": LeadsTo(lambda s: bool(s.grants), lambda s: not s.grants, "grants ~> no grants"),
        }

    @refines(Lock)
    def as_lock(self) -> tuple[Lock, Any]:
        """The holder is the client whose lease runs."""

        def holder(s: LeaseState) -> LockState:
            return LockState(next((c for c, h in enumerate(s.held) if h != NONE), FREE))

        return Lock(len(self.C)), holder


class LocalLease(Lease):
    """A client times its lease from when the grant arrives, not from when it was granted."""

    variant = "local-lease"
    rule = "a client's lease ends lease ticks after it receives the grant"
    breaks = "LeaseMutex"
    failing_bounds = {"clients": 2, "max_time": 2, "lease": 2}
    trace_length = 6

    def lease_on_receipt(self, s: LeaseState, c: int, until: int) -> int:
        return s.now + self.lease
