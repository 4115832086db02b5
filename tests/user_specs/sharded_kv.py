"""A sharded key-value store (mypyvy's sharded_kv): each key lives on one node and moves by transfer messages.

A node that owns a key may put a value under it. To reshard, the node that stores ``k = v`` drops the key
(and its ownership) and sends a transfer message ``(n_new, k, v)``; the node that receives it stores the pair
and owns the key. KeysUnique: no key is stored at two nodes, nor with two values. ``ShardedKVProof`` is
mypyvy's sharded_kv.pyv in paxraft's encoding: three sorts, every query in EPR. Its invariant was not written
by hand first: ``paxraft infer`` found it from the spec's reachable states (tests/test_user_sharded_kv.py).
The variant ``keep-owner`` forgets to drop the ownership on a reshard: the old owner puts again and the key
ends up at two nodes.

    paxraft check tests/user_specs/sharded_kv.py:ShardedKV
    paxraft infer tests/user_specs/sharded_kv.py:ShardedKV --out sharded_kv.inv
    paxraft prove tests/user_specs/sharded_kv.py:ShardedKV --invariant sharded_kv.inv
    paxraft check tests/user_specs/sharded_kv.py:ShardedKV --variant keep-owner
"""

from __future__ import annotations

from itertools import product
from typing import Annotated, Any, NamedTuple

import z3

from proofs.user import Encoding, transition
from spec.core import Spec, SpecError, action, invariant


class KVState(NamedTuple):
    table: frozenset[tuple[int, int, int]]  # (node, key, value): the node stores key = value
    owner: frozenset[tuple[int, int]]  # (node, key): the node owns the key
    transfer_msg: frozenset[tuple[int, int, int]]  # (node, key, value) in flight to the node


class ShardedKV(Spec):
    """Nodes store keys they own; a reshard moves a stored pair to another node by a transfer message."""

    variables = ("table", "owner", "transfer_msg")

    def __init__(
        self,
        nodes: Annotated[int, "number of nodes (n1..nN)"] = 2,
        keys: Annotated[int, "number of keys (k1..kK)"] = 2,
        values: Annotated[int, "number of values (v1..vV)"] = 2,
    ) -> None:
        if min(nodes, keys, values) < 1:
            raise SpecError("--nodes, --keys and --values must be at least 1")
        self.Node = tuple(range(nodes))
        self.Key = tuple(range(keys))
        self.Value = tuple(range(values))
        super().__init__()

    def init_states(self) -> list[KVState]:
        """Nothing stored or in flight; each key owned by at most one node (None: by no node)."""
        owners = product((None, *self.Node), repeat=len(self.Key))
        return [
            KVState(frozenset(), frozenset((n, k) for k, n in zip(self.Key, o) if n is not None), frozenset())
            for o in owners
        ]

    def node_key_value(self, s: KVState) -> list[tuple[int, int, int]]:
        return list(product(self.Node, self.Key, self.Value))

    @action(node_key_value)
    def Put(self, s: KVState, n: int, k: int, v: int) -> KVState | None:
        if (n, k) not in s.owner:
            return None
        table = frozenset(e for e in s.table if e[:2] != (n, k)) | {(n, k, v)}
        return s._replace(table=table)

    def drops_owner(self) -> bool:
        """A reshard gives up the key's ownership with its value."""
        return True

    @action(lambda self, s: list(product(self.Key, self.Value, self.Node, self.Node)))
    def Reshard(self, s: KVState, k: int, v: int, n_old: int, n_new: int) -> KVState | None:
        if (n_old, k, v) not in s.table:
            return None
        owner = s.owner - {(n_old, k)} if self.drops_owner() else s.owner
        return KVState(s.table - {(n_old, k, v)}, owner, s.transfer_msg | {(n_new, k, v)})

    @action(node_key_value)
    def RecvTransfer(self, s: KVState, n: int, k: int, v: int) -> KVState | None:
        if (n, k, v) not in s.transfer_msg:
            return None
        return KVState(s.table | {(n, k, v)}, s.owner | {(n, k)}, s.transfer_msg - {(n, k, v)})

    @invariant
    def KeysUnique(self, s: KVState) -> bool:
        return len({k for _, k, _ in s.table}) == len(s.table)

    def show_param(self, action: str, param: str, value: Any) -> str:
        return f"{param[0]}{value + 1}"

    def show_state(self, s: KVState) -> dict[str, Any]:
        def names(xs: frozenset[tuple[int, ...]]) -> list[str]:
            return [" ".join(f"{c}{x + 1}" for c, x in zip("nkv", e)) for e in sorted(xs)]

        return {"table": names(s.table), "owner": names(s.owner), "transfer_msg": names(s.transfer_msg)}


class KeepOwner(ShardedKV):
    """A reshard keeps the old node's ownership: it puts the key again and the key is stored at two nodes."""

    variant = "keep-owner"
    rule = "Reshard: the old node's ownership of the key is not dropped"
    breaks = "KeysUnique"
    trace_length = 4

    def drops_owner(self) -> bool:
        return False


# -- the Z3 encoding -------------------------------------------------------------------------------
class ShardedKVProof(Encoding):
    """ShardedKV in first-order logic (mypyvy's sharded_kv.pyv): three sorts, every query in EPR."""

    spec = ShardedKV
    sorts = ("Node", "Key", "Value")
    variables = {"table": "Node, Key, Value", "owner": "Node, Key", "transfer_msg": "Node, Key, Value"}

    def init(self, s: Any) -> z3.BoolRef:
        n, m, k, v = *z3.Consts("N M", self.Node), z3.Const("K", self.Key), z3.Const("V", self.Value)
        return z3.And(
            z3.ForAll([n, k, v], z3.Not(z3.Or(s.table(n, k, v), s.transfer_msg(n, k, v)))),
            z3.ForAll([n, m, k], z3.Implies(z3.And(s.owner(n, k), s.owner(m, k)), n == m)),
        )

    @transition(n="Node", k="Key", v="Value")
    def Put(self, s: Any, t: Any, n: z3.ExprRef, k: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        return z3.And(
            s.owner(n, k),
            t.table.set(lambda m, j, w: z3.If(z3.And(m == n, j == k), w == v, s.table(m, j, w))),
        )

    def reshard_owner(self, s: Any, t: Any, k: z3.ExprRef, n_old: z3.ExprRef) -> z3.BoolRef:
        return t.owner.remove(n_old, k)

    @transition(k="Key", v="Value", n_old="Node", n_new="Node")
    def Reshard(self, s: Any, t: Any, k: z3.ExprRef, v: z3.ExprRef, n_old: z3.ExprRef, n_new: z3.ExprRef) -> z3.BoolRef:
        return z3.And(
            s.table(n_old, k, v),
            t.table.remove(n_old, k, v),
            self.reshard_owner(s, t, k, n_old),
            t.transfer_msg.add(n_new, k, v),
        )

    @transition(n="Node", k="Key", v="Value")
    def RecvTransfer(self, s: Any, t: Any, n: z3.ExprRef, k: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        return z3.And(
            s.transfer_msg(n, k, v),
            t.transfer_msg.remove(n, k, v),
            t.table.add(n, k, v),
            t.owner.add(n, k),
        )

    def invariant(self, s: Any) -> dict[str, z3.BoolRef]:
        """The seven conjuncts 'paxraft infer' found (mypyvy's four, a transfer's uniqueness split in three)."""
        n, m, k, v, w = *z3.Consts("N M", self.Node), z3.Const("K", self.Key), *z3.Consts("V W", self.Value)
        table, owner, transfer = s.table, s.owner, s.transfer_msg
        return {
            "StoredIsOwned": z3.ForAll([n, k, v], z3.Implies(table(n, k, v), owner(n, k))),
            "OneOwner": z3.ForAll([n, m, k], z3.Implies(z3.And(owner(n, k), owner(m, k)), n == m)),
            "OneValueStored": z3.ForAll([n, k, v, w], z3.Implies(z3.And(table(n, k, v), table(n, k, w)), v == w)),
            "NoTransferWhileOwned": z3.ForAll([n, m, k, v], z3.Not(z3.And(owner(n, k), transfer(m, k, v)))),
            "OneValueInFlight": z3.ForAll(
                [n, k, v, w], z3.Implies(z3.And(transfer(n, k, v), transfer(n, k, w)), v == w)
            ),
            "OneTransferValue": z3.ForAll(
                [n, m, k, v, w], z3.Implies(z3.And(transfer(n, k, v), transfer(m, k, w)), transfer(n, k, w))
            ),
            "OneTransferNode": z3.ForAll(
                [n, m, k, v], z3.Implies(z3.And(transfer(n, k, v), transfer(m, k, v)), n == m)
            ),
        }

    def safety(self, s: Any) -> dict[str, z3.BoolRef]:
        n, m, k, v, w = *z3.Consts("N M", self.Node), z3.Const("K", self.Key), *z3.Consts("V W", self.Value)
        unique = z3.Implies(z3.And(s.table(n, k, v), s.table(m, k, w)), z3.And(n == m, v == w))
        return {"KeysUnique": z3.ForAll([n, m, k, v, w], unique)}

    # -- the finite instance a spec's bounds give, and the spec's states in the encoding's symbols
    def domains(self, spec: ShardedKV) -> dict[str, Any]:
        return {"Node": spec.Node, "Key": spec.Key, "Value": spec.Value}

    def interpret(self, spec: ShardedKV) -> dict[str, Any]:
        return {}

    def abstract(self, spec: ShardedKV, s: KVState) -> dict[str, Any]:
        return {
            "table": lambda n, k, v: (n, k, v) in s.table,
            "owner": lambda n, k: (n, k) in s.owner,
            "transfer_msg": lambda n, k, v: (n, k, v) in s.transfer_msg,
        }


class KeepOwnerProof(ShardedKVProof):
    """The variant's encoding: Reshard leaves owner unchanged."""

    spec = KeepOwner

    def reshard_owner(self, s: Any, t: Any, k: z3.ExprRef, n_old: z3.ExprRef) -> z3.BoolRef:
        return z3.BoolVal(True)
