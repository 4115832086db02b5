"""A lock server (mypyvy's lockserv): clients ask a server for one lock by messages; at most one holds it.

A client sends ``lock``; the server, when it holds the lock, takes one lock message and sends ``grant``; the
client that receives the grant holds the lock; it unlocks by sending ``unlock``, and the server that receives it
holds the lock again. Each message kind is a set of the clients it is from or to (a client's request is
either pending or not), so the state space is finite. ``LockServProof`` is mypyvy's lockserv.pyv in paxraft's
encoding: Mutex holds for any number of clients. The variant ``grant-twice`` lets the server grant while a
grant is out.

    paxraft check tests/user_specs/lockserv.py:LockServ --nodes 3
    paxraft prove tests/user_specs/lockserv.py:LockServ
    paxraft bmc tests/user_specs/lockserv.py:LockServ --variant grant-twice --depth 6
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

import z3

from proofs.user import Encoding, transition
from spec.core import Spec, SpecError, action, invariant


class LockState(NamedTuple):
    lock_msg: frozenset[int]  # clients whose lock request is in flight
    grant_msg: frozenset[int]  # clients a grant is in flight to
    unlock_msg: frozenset[int]  # clients whose unlock is in flight
    holds_lock: frozenset[int]  # clients that hold the lock
    server_holds_lock: bool


class LockServ(Spec):
    """One lock server and N clients exchanging lock, grant and unlock messages."""

    variables = ("lock_msg", "grant_msg", "unlock_msg", "holds_lock", "server_holds_lock")

    def __init__(self, nodes: Annotated[int, "number of clients (n1..nN)"] = 2) -> None:
        if nodes < 1:
            raise SpecError("--nodes must be at least 1")
        self.Node = tuple(range(nodes))
        super().__init__()

    def init_states(self) -> list[LockState]:
        return [LockState(frozenset(), frozenset(), frozenset(), frozenset(), True)]

    def each_node(self, s: LockState) -> list[tuple[int]]:
        return [(n,) for n in self.Node]

    @action(each_node)
    def SendLock(self, s: LockState, n: int) -> LockState | None:
        if n in s.lock_msg:
            return None  # already requested: the set would not change
        return s._replace(lock_msg=s.lock_msg | {n})

    def may_grant(self, s: LockState) -> bool:
        """The server grants only while it holds the lock."""
        return s.server_holds_lock

    @action(each_node)
    def RecvLock(self, s: LockState, n: int) -> LockState | None:
        if not self.may_grant(s) or n not in s.lock_msg:
            return None
        return s._replace(lock_msg=s.lock_msg - {n}, grant_msg=s.grant_msg | {n}, server_holds_lock=False)

    @action(each_node)
    def RecvGrant(self, s: LockState, n: int) -> LockState | None:
        if n not in s.grant_msg:
            return None
        return s._replace(grant_msg=s.grant_msg - {n}, holds_lock=s.holds_lock | {n})

    @action(each_node)
    def Unlock(self, s: LockState, n: int) -> LockState | None:
        if n not in s.holds_lock:
            return None
        return s._replace(holds_lock=s.holds_lock - {n}, unlock_msg=s.unlock_msg | {n})

    @action(each_node)
    def RecvUnlock(self, s: LockState, n: int) -> LockState | None:
        if n not in s.unlock_msg:
            return None
        return s._replace(unlock_msg=s.unlock_msg - {n}, server_holds_lock=True)

    @invariant
    def Mutex(self, s: LockState) -> bool:
        return len(s.holds_lock) <= 1

    def show_param(self, action: str, param: str, value: Any) -> str:
        return f"n{value + 1}"

    def show_state(self, s: LockState) -> dict[str, Any]:
        def names(xs: frozenset[int]) -> list[str]:
            return [f"n{n + 1}" for n in sorted(xs)]

        return {
            "lock_msg": names(s.lock_msg),
            "grant_msg": names(s.grant_msg),
            "unlock_msg": names(s.unlock_msg),
            "holds_lock": names(s.holds_lock),
            "server_holds_lock": s.server_holds_lock,
        }

    def symmetric_sets(self) -> dict[str, int]:
        return {"Node": len(self.Node)}

    def permute(self, s: LockState, perm: Any) -> LockState:
        pi = perm["Node"]

        def renamed(xs: frozenset[int]) -> frozenset[int]:
            return frozenset(pi[n] for n in xs)

        return LockState(*(renamed(x) for x in s[:4]), s.server_holds_lock)


class GrantTwice(LockServ):
    """The server grants whether or not it holds the lock: two clients end up holding it."""

    variant = "grant-twice"
    rule = "RecvLock: the guard server_holds_lock is dropped"
    breaks = "Mutex"
    trace_length = 6

    def may_grant(self, s: LockState) -> bool:
        return True


# -- the Z3 encoding -------------------------------------------------------------------------------
class LockServProof(Encoding):
    """LockServ in first-order logic (mypyvy's lockserv.pyv): one sort, every query in EPR."""

    spec = LockServ
    sorts = ("Node",)
    variables = {
        "lock_msg": "Node",
        "grant_msg": "Node",
        "unlock_msg": "Node",
        "holds_lock": "Node",
        "server_holds_lock": "",
    }

    def init(self, s: Any) -> z3.BoolRef:
        n = z3.Const("N", self.Node)
        return z3.And(
            z3.ForAll([n], z3.Not(z3.Or(s.lock_msg(n), s.grant_msg(n), s.unlock_msg(n), s.holds_lock(n)))),
            s.server_holds_lock,
        )

    @transition(n="Node")
    def SendLock(self, s: Any, t: Any, n: z3.ExprRef) -> z3.BoolRef:
        return z3.And(z3.Not(s.lock_msg(n)), t.lock_msg.add(n))

    def grant_guard(self, s: Any) -> z3.BoolRef:
        return s.server_holds_lock

    @transition(n="Node")
    def RecvLock(self, s: Any, t: Any, n: z3.ExprRef) -> z3.BoolRef:
        return z3.And(
            self.grant_guard(s),
            s.lock_msg(n),
            t.lock_msg.remove(n),
            t.grant_msg.add(n),
            z3.Not(t.server_holds_lock),
        )

    @transition(n="Node")
    def RecvGrant(self, s: Any, t: Any, n: z3.ExprRef) -> z3.BoolRef:
        return z3.And(s.grant_msg(n), t.grant_msg.remove(n), t.holds_lock.add(n))

    @transition(n="Node")
    def Unlock(self, s: Any, t: Any, n: z3.ExprRef) -> z3.BoolRef:
        return z3.And(s.holds_lock(n), t.holds_lock.remove(n), t.unlock_msg.add(n))

    @transition(n="Node")
    def RecvUnlock(self, s: Any, t: Any, n: z3.ExprRef) -> z3.BoolRef:
        return z3.And(s.unlock_msg(n), t.unlock_msg.remove(n), t.server_holds_lock)

    def invariant(self, s: Any) -> dict[str, z3.BoolRef]:
        m, n = z3.Consts("M N", self.Node)
        server = s.server_holds_lock
        return {
            "Mutex": self.mutex(s),
            "OneGrant": z3.ForAll([m, n], z3.Implies(z3.And(s.grant_msg(m), s.grant_msg(n)), m == n)),
            "OneUnlock": z3.ForAll([m, n], z3.Implies(z3.And(s.unlock_msg(m), s.unlock_msg(n)), m == n)),
            "NoGrantWhileHeld": z3.ForAll([m, n], z3.Not(z3.And(s.holds_lock(m), s.grant_msg(n)))),
            "NoUnlockWhileHeld": z3.ForAll([m, n], z3.Not(z3.And(s.holds_lock(m), s.unlock_msg(n)))),
            "NoGrantAndUnlock": z3.ForAll([m, n], z3.Not(z3.And(s.grant_msg(m), s.unlock_msg(n)))),
            "ServerFreeOfGrants": z3.ForAll([n], z3.Not(z3.And(s.grant_msg(n), server))),
            "ServerFreeOfHolders": z3.ForAll([n], z3.Not(z3.And(s.holds_lock(n), server))),
            "ServerFreeOfUnlocks": z3.ForAll([n], z3.Not(z3.And(s.unlock_msg(n), server))),
        }

    def safety(self, s: Any) -> dict[str, z3.BoolRef]:
        return {"Mutex": self.mutex(s)}

    def mutex(self, s: Any) -> z3.BoolRef:
        m, n = z3.Consts("M N", self.Node)
        return z3.ForAll([m, n], z3.Implies(z3.And(s.holds_lock(m), s.holds_lock(n)), m == n))

    # -- the finite instance a spec's bounds give, and the spec's states in the encoding's symbols
    def domains(self, spec: LockServ) -> dict[str, Any]:
        return {"Node": spec.Node}

    def interpret(self, spec: LockServ) -> dict[str, Any]:
        return {}

    def abstract(self, spec: LockServ, s: LockState) -> dict[str, Any]:
        return {
            "lock_msg": lambda n: n in s.lock_msg,
            "grant_msg": lambda n: n in s.grant_msg,
            "unlock_msg": lambda n: n in s.unlock_msg,
            "holds_lock": lambda n: n in s.holds_lock,
            "server_holds_lock": s.server_holds_lock,
        }


class GrantTwiceProof(LockServProof):
    """The variant's encoding: RecvLock without the server_holds_lock guard."""

    spec = GrantTwice

    def grant_guard(self, s: Any) -> z3.BoolRef:
        return z3.BoolVal(True)
