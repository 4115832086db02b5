"""A snapshot-isolated key-value store (tlaplus/Examples, specifications/KeyValueStore) as paxraft specs.

A new user's spec (notes newuser4, 2026-12-04 night), written from README.md and docs/ only.

`KeyValueStore` is Andrew Helwer's KeyValueStore.tla: transactions open a snapshot of the store, add, update
and remove keys in it, and either roll back or close, merging their writes unless another transaction
closed first having written one of the same keys (a write-write conflict, tracked in `missed`). Its
invariants are the .cfg's TypeInvariant and TxLifecycle. `KVsnap` is Murat Demirbas's PlusCal version
(KVsnap.tla): each transaction runs once through START (snapshot, choose read and write keys), READ, UPDATE
(write its own id as the value of every write key) and COMMIT, logging its operations for the client-centric
isolation check of ClientCentric.tla (Crooks et al.), whose SnapshotIsolation is MCKVsnap.cfg's invariant.

Keys, values and transactions are the TLA+ model values k1.., v1.., t1.., numbered from 0; NoVal is -1.
The TLA+ files TLC ran are beside this one (KeyValueStore.tla, MCKVS.tla, KVsnap.tla, ...); TLC 2.20's
figures are asserted in tests/test_user_kv_snapshot.py.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Annotated, Any, NamedTuple

from spec.core import (
    WF,
    Eventually,
    Label,
    LeadsTo,
    MscEvent,
    Spec,
    SpecError,
    action,
    explains,
    invariant,
    refines,
    restriction,
    witness,
)

NOVAL = -1  # NoVal == CHOOSE v : v \notin Val


def at(t: tuple, i: int, v: Any) -> tuple:
    """[t EXCEPT ![i] = v]."""
    return t[:i] + (v,) + t[i + 1 :]


def key_map(m: tuple[int, ...], val: Any) -> dict[str, str]:
    """[k \\in Key |-> ...] as show_state gives it: printed [k1 |-> v1, k2 |-> NoVal], read by --reach as
    snapshotStore['t1']['k1']."""
    return {f"k{k + 1}": val(x) for k, x in enumerate(m)}


def bounded(flag: str, n: int, lo: int, hi: int) -> int:
    if not lo <= n <= hi:
        raise SpecError(f"{flag} must be between {lo} and {hi}, got {n}")
    return n


# ----------------------------------------------------------------------------------------------- KeyValueStore.tla
class KVState(NamedTuple):
    store: tuple[int, ...]  # store[k]: a value or NOVAL
    tx: frozenset[int]  # the open transactions
    snapshotStore: tuple[tuple[int, ...], ...]  # snapshotStore[t][k]
    written: tuple[frozenset[int], ...]  # written[t]: the keys t wrote
    missed: tuple[frozenset[int], ...]  # missed[t]: the keys others wrote and closed while t was open


class KeyValueStore(Spec):
    """Snapshot isolation (Helwer): of two open transactions writing one key, the later to close fails."""

    variables = ("store", "tx", "snapshotStore", "written", "missed")

    def __init__(
        self,
        keys: Annotated[int, "number of keys (Key = k1..kN)"] = 2,
        vals: Annotated[int, "number of values (Val = v1..vN)"] = 2,
        txs: Annotated[int, "number of transaction ids (TxId = t1..tN)"] = 2,
    ) -> None:
        self.Key = tuple(range(bounded("--keys", keys, 1, 6)))
        self.Val = tuple(range(bounded("--vals", vals, 1, 6)))
        self.TxId = tuple(range(bounded("--txs", txs, 1, 6)))
        self.empty = (NOVAL,) * keys  # [k \in Key |-> NoVal]
        super().__init__()

    def init_states(self) -> list[KVState]:
        n, none = len(self.TxId), frozenset()
        return [KVState(self.empty, none, (self.empty,) * n, (none,) * n, (none,) * n)]

    # -- enumerators: none reads the state, so paxraft takes each once (docs/fast-specs.md)
    def each_tx(self, s: KVState) -> list[tuple[int]]:
        return [(t,) for t in self.TxId]

    def each_tx_key(self, s: KVState) -> list[tuple[int, int]]:
        return [(t, k) for t in self.TxId for k in self.Key]

    def each_tx_key_val(self, s: KVState) -> list[tuple[int, int, int]]:
        return [(t, k, v) for t in self.TxId for k in self.Key for v in self.Val]

    # -- actions, in Next's order
    @action(each_tx)
    def OpenTx(self, s: KVState, t: int) -> KVState | None:
        if t in s.tx:
            return None
        return s._replace(tx=s.tx | {t}, snapshotStore=at(s.snapshotStore, t, s.store))

    def write(self, s: KVState, t: int, k: int, v: int) -> KVState:
        """snapshotStore[t][k] := v and k joins written[t] (Add, Update and Remove)."""
        return s._replace(
            snapshotStore=at(s.snapshotStore, t, at(s.snapshotStore[t], k, v)),
            written=at(s.written, t, s.written[t] | {k}),
        )

    @action(each_tx_key_val)
    def Add(self, s: KVState, t: int, k: int, v: int) -> KVState | None:
        if t not in s.tx or s.snapshotStore[t][k] != NOVAL:
            return None
        return self.write(s, t, k, v)

    @action(each_tx_key_val)
    def Update(self, s: KVState, t: int, k: int, v: int) -> KVState | None:
        if t not in s.tx or s.snapshotStore[t][k] in (NOVAL, v):
            return None
        return self.write(s, t, k, v)

    @action(each_tx_key)
    def Remove(self, s: KVState, t: int, k: int) -> KVState | None:
        if t not in s.tx or s.snapshotStore[t][k] == NOVAL:
            return None
        return self.write(s, t, k, NOVAL)

    @action(each_tx)
    def RollbackTx(self, s: KVState, t: int) -> KVState | None:
        if t not in s.tx:
            return None
        none = frozenset()
        return s._replace(
            tx=s.tx - {t},
            snapshotStore=at(s.snapshotStore, t, self.empty),
            written=at(s.written, t, none),
            missed=at(s.missed, t, none),
        )

    def others_missed(self, s: KVState, tx: frozenset[int], t: int) -> tuple[frozenset[int], ...]:
        """missed' = [otherTx \\in TxId |-> IF otherTx \\in tx' THEN missed[otherTx] \\cup written[t] ELSE {}]."""
        w, none = s.written[t], frozenset()
        return tuple(s.missed[o] | w if o in tx else none for o in self.TxId)

    @action(each_tx)
    def CloseTx(self, s: KVState, t: int) -> KVState | None:
        if t not in s.tx or s.missed[t] & s.written[t]:  # detection of write-write conflicts
            return None
        w, snap, tx = s.written[t], s.snapshotStore[t], s.tx - {t}
        return KVState(
            tuple(snap[k] if k in w else x for k, x in enumerate(s.store)),
            tx,
            at(s.snapshotStore, t, self.empty),
            at(s.written, t, frozenset()),
            self.others_missed(s, tx, t),
        )

    # -- the .cfg's invariants
    @invariant
    def TypeInvariant(self, s: KVState) -> bool:
        vals, keys, n = (*self.Val, NOVAL), frozenset(self.Key), len(self.TxId)
        return (
            len(s.store) == len(self.Key)
            and all(x in vals for x in s.store)
            and s.tx <= frozenset(self.TxId)
            and len(s.snapshotStore) == n
            and all(len(snap) == len(self.Key) and all(x in vals for x in snap) for snap in s.snapshotStore)
            and len(s.written) == n
            and all(w <= keys for w in s.written)
            and len(s.missed) == n
            and all(m <= keys for m in s.missed)
        )

    @invariant
    def TxLifecycle(self, s: KVState) -> bool:
        """A key an open transaction neither wrote nor sees as the store has it was missed; a closed one is clean."""
        return all(
            k in s.missed[t]
            for t in s.tx
            for k in self.Key
            if s.store[k] != s.snapshotStore[t][k] and k not in s.written[t]
        ) and all(
            s.snapshotStore[t] == self.empty and not s.written[t] and not s.missed[t]
            for t in self.TxId
            if t not in s.tx
        )

    @explains("TxLifecycle")
    def why_not_lifecycle(self, s: KVState) -> str:
        for t in sorted(s.tx):
            for k in self.Key:
                if s.store[k] != s.snapshotStore[t][k] and k not in s.written[t] and k not in s.missed[t]:
                    return (f"t{t + 1} is open and sees k{k + 1} = {self.val(s.snapshotStore[t][k])} while the store "
                            f"has {self.val(s.store[k])}, yet k{k + 1} is in neither written[t{t + 1}] nor missed")
        t = next(t for t in self.TxId if t not in s.tx)
        return f"t{t + 1} is closed but its snapshot, written or missed set was not cleared"

    @restriction("no-rollback", action="RollbackTx")
    def NeverRollsBack(self, s: KVState, t: int) -> bool:
        """Transactions end only by closing (--restrict no-rollback): one that conflicts then stays open."""
        return False

    @witness
    def WriteConflict(self, s: KVState) -> bool:
        """An open transaction that can no longer close: another one closed first having written one of its keys."""
        return any(s.missed[t] & s.written[t] for t in s.tx)

    # -- liveness (the TLA+ files state none): every open transaction ends, if ending it is weakly fair
    def fairness(self) -> list:
        """WF_vars(RollbackTx(t) \\/ CloseTx(t)) for each t: a transaction that can end does not stay open."""
        return [WF("RollbackTx", "CloseTx", t=t) for t in self.TxId]

    def properties(self) -> dict:
        return {
            f"Ends{t + 1}": LeadsTo(
                lambda s, t=t: t in s.tx, lambda s, t=t: t not in s.tx, f"t{t + 1} \\in tx ~> t{t + 1} \\notin tx"
            )
            for t in self.TxId
        }

    # -- symmetry: MCKVS.tla's TxIdSymmetric == Permutations(TxId)
    def symmetric_sets(self) -> dict[str, int]:
        return {"TxId": len(self.TxId)}

    def permute(self, s: KVState, perm: Any) -> KVState:
        pi, n = perm["TxId"], len(self.TxId)
        snap, written, missed = [None] * n, [None] * n, [None] * n
        for t in self.TxId:
            snap[pi[t]], written[pi[t]], missed[pi[t]] = s.snapshotStore[t], s.written[t], s.missed[t]
        return KVState(s.store, frozenset(pi[t] for t in s.tx), tuple(snap), tuple(written), tuple(missed))

    def symmetry_keys(self, s: KVState) -> dict[str, list]:
        """A transaction's whole data (no variable names another transaction): only ties are tried."""
        return {
            "TxId": [
                (t in s.tx, s.snapshotStore[t], sorted(s.written[t]), sorted(s.missed[t])) for t in self.TxId
            ]
        }

    # -- reading
    def val(self, x: int) -> str:
        return "NoVal" if x == NOVAL else f"v{x + 1}"

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return {"t": "t", "k": "k", "v": "v"}[param] + str(value + 1)

    def show_state(self, s: KVState) -> dict[str, Any]:
        name = [f"t{t + 1}" for t in self.TxId]
        return {
            "store": {f"k{k + 1}": self.val(x) for k, x in enumerate(s.store)},
            "tx": sorted(name[t] for t in s.tx),
            "snapshotStore": {name[t]: key_map(s.snapshotStore[t], self.val) for t in self.TxId},
            "written": {name[t]: sorted(f"k{k + 1}" for k in s.written[t]) for t in self.TxId},
            "missed": {name[t]: sorted(f"k{k + 1}" for k in s.missed[t]) for t in self.TxId},
        }


class ForgetMissed(KeyValueStore):
    """CloseTx does not tell the other open transactions what it wrote: a later conflicting close succeeds."""

    variant = "forget-missed"
    rule = "CloseTx leaves the other transactions' missed sets as they were"
    breaks = "TxLifecycle"
    failing_bounds = {"keys": 1, "vals": 1, "txs": 2}
    trace_length = 4

    @action(KeyValueStore.each_tx)
    def CloseTx(self, s: KVState, t: int) -> KVState | None:
        if t not in s.tx or s.missed[t] & s.written[t]:
            return None
        w, snap = s.written[t], s.snapshotStore[t]
        return KVState(
            tuple(snap[k] if k in w else x for k, x in enumerate(s.store)),
            s.tx - {t},
            at(s.snapshotStore, t, self.empty),
            at(s.written, t, frozenset()),
            s.missed,
        )


class CloseOnlyFair(KeyValueStore):
    """Only CloseTx is fair: a transaction in conflict can never close, and nothing makes it roll back."""

    variant = "close-only-fair"
    rule = "fairness WF(CloseTx(t)) without RollbackTx"
    breaks = "Ends1"
    failing_bounds = {"keys": 1, "vals": 1, "txs": 2}
    trace_length = 5

    def fairness(self) -> list:
        return [WF("CloseTx", t=t) for t in self.TxId]


# ----------------------------------------------------------------------------------------------- ClientCentric.tla
READ, WRITE = 0, 1  # an operation is (READ or WRITE, key, value): ClientCentric's r(k, v) and w(k, v)


def _first(seq: tuple, x: Any) -> int:
    """Util's Index(seq, e) == CHOOSE i \\in 1..Len(seq) : seq[i] = e: TLC takes the first such i."""
    return seq.index(x)


def _effects(state: tuple[int, ...], txn: tuple) -> tuple[int, ...]:
    for op, k, v in txn:
        if op == WRITE:
            state = at(state, k, v)
    return state


def _commit_test(serial: bool, execution: list[tuple[tuple, tuple]], txn: tuple) -> bool:
    """CT_SER (serial) or CT_SI of ClientCentric.tla for one transaction of an execution."""
    states = [parent for parent, _ in execution]
    sp = next(parent for parent, t in execution if t == txn)  # parentState(execution, transaction)
    before = [s for s in dict.fromkeys(states) if _first(states, s) <= _first(states, sp)]  # s -*-> sp

    def reads_from(op: tuple) -> set:  # ReadStates(execution, operation, transaction)
        kind, k, v = op
        own = any(w[0] == WRITE and w[1] == k and w[2] == v and _first(txn, w) < _first(txn, op) for w in txn)
        return {s for s in before if s[k] == v or own or kind == WRITE}

    complete = set(before)  # the intersection with readStatesForEmptyTransaction
    for op in txn:
        complete &= reads_from(op)
    if serial:
        return sp in complete
    writes = {k for op, k, _ in txn if op == WRITE}
    return any(all(s[k] == sp[k] for k in writes) for s in complete)  # Complete /\ NoConf


@lru_cache(maxsize=1 << 16)
def satisfies(serial: bool, initial: tuple[int, ...], transactions: frozenset) -> bool:
    """satisfyIsolationLevel(initial, transactions, CT_SER or CT_SI): some order of the transactions passes."""
    for order in itertools.permutations(sorted(transactions)):
        execution, state = [], initial
        for txn in order:
            execution.append((state, txn))
            state = _effects(state, txn)
        if all(_commit_test(serial, execution, txn) for txn in order):
            return True
    return False


# ----------------------------------------------------------------------------------------------- KVsnap.tla
START, READ_PC, UPDATE, COMMIT, DONE = range(5)
PC = ("START", "READ", "UPDATE", "COMMIT", "Done")


class SnapState(NamedTuple):
    store: tuple[int, ...]  # store[k]: the id of the transaction that wrote k last, or NOVAL
    tx: frozenset[int]
    missed: tuple[frozenset[int], ...]
    pc: tuple[int, ...]
    snapshotStore: tuple[tuple[int, ...], ...]  # the process-local variables, one entry per transaction
    read_keys: tuple[frozenset[int], ...]
    write_keys: tuple[frozenset[int], ...]
    ops: tuple[tuple[tuple[int, int, int], ...], ...]  # ops[t]: its reads, then its writes, each by key


class KVsnap(Spec):
    """KVsnap (Demirbas): each transaction snapshots, reads, writes its id and commits unless it missed a write."""

    variables = ("store", "tx", "missed", "pc", "snapshotStore", "read_keys", "write_keys", "ops")

    def __init__(
        self,
        keys: Annotated[int, "number of keys (Key = k1..kN)"] = 2,
        txs: Annotated[int, "number of transactions (TxId = t1..tN)"] = 3,
    ) -> None:
        self.Key = tuple(range(bounded("--keys", keys, 1, 4)))
        self.TxId = tuple(range(bounded("--txs", txs, 1, 4)))
        self.empty = (NOVAL,) * keys
        subsets = [frozenset(c) for r in range(1, keys + 1) for c in itertools.combinations(self.Key, r)]
        self.KeySets = tuple(subsets)  # SUBSET Key \ { {} }, which TLC reads as (SUBSET Key) \ {{}}
        super().__init__()

    def init_states(self) -> list[SnapState]:
        n, none = len(self.TxId), frozenset()
        return [SnapState(self.empty, none, (none,) * n, (START,) * n, (self.empty,) * n, (none,) * n, (none,) * n,
                          ((),) * n)]  # fmt: skip

    def each_tx(self, s: SnapState) -> list[tuple[int]]:
        return [(t,) for t in self.TxId]

    def each_start(self, s: SnapState) -> list[tuple[int, int, int]]:
        """(t, rk, wk): with (rk \\in SUBSET Key \\ { {} }; wk \\in SUBSET Key \\ { {} }), as indexes into KeySets."""
        n = len(self.KeySets)
        return [(t, r, w) for t in self.TxId for r in range(n) for w in range(n)]

    @action(each_start)
    def START(self, s: SnapState, t: int, rk: int, wk: int) -> SnapState | None:
        if s.pc[t] != START:
            return None
        return s._replace(
            tx=s.tx | {t},
            snapshotStore=at(s.snapshotStore, t, s.store),
            read_keys=at(s.read_keys, t, self.KeySets[rk]),
            write_keys=at(s.write_keys, t, self.KeySets[wk]),
            pc=at(s.pc, t, READ_PC),
        )

    @action(each_tx)
    def READ(self, s: SnapState, t: int) -> SnapState | None:
        if s.pc[t] != READ_PC:
            return None
        snap = s.snapshotStore[t]
        reads = tuple((READ, k, snap[k]) for k in sorted(s.read_keys[t]))  # SetToSeq({rOp(k, ...)}), by key
        return s._replace(ops=at(s.ops, t, s.ops[t] + reads), pc=at(s.pc, t, UPDATE))

    @action(each_tx)
    def UPDATE(self, s: SnapState, t: int) -> SnapState | None:
        if s.pc[t] != UPDATE:
            return None
        w, snap = s.write_keys[t], s.snapshotStore[t]
        new = tuple(t if k in w else x for k, x in enumerate(snap))
        return s._replace(snapshotStore=at(s.snapshotStore, t, new), pc=at(s.pc, t, COMMIT))

    @action(each_tx)
    def COMMIT(self, s: SnapState, t: int) -> SnapState | None:
        if s.pc[t] != COMMIT:
            return None
        w = s.write_keys[t]
        if s.missed[t] & w:  # a conflict: the transaction ends without committing (and stays in tx)
            return s._replace(pc=at(s.pc, t, DONE))
        tx, snap = s.tx - {t}, s.snapshotStore[t]
        return s._replace(
            tx=tx,
            missed=tuple(s.missed[o] | w if o in tx else s.missed[o] for o in self.TxId),
            store=tuple(snap[k] if k in w else x for k, x in enumerate(s.store)),
            ops=at(s.ops, t, s.ops[t] + tuple((WRITE, k, t) for k in sorted(w))),
            pc=at(s.pc, t, DONE),
        )

    @action()
    def Terminating(self, s: SnapState) -> SnapState | None:
        """Every process is done: stutter (PlusCal's way to keep a finished algorithm from deadlocking)."""
        return s if all(p == DONE for p in s.pc) else None

    @invariant
    def TypeOK(self, s: SnapState) -> bool:
        vals, keys = (*self.TxId, NOVAL), frozenset(self.Key)
        return (
            len(s.store) == len(self.Key)
            and all(x in vals for x in s.store)
            and s.tx <= frozenset(self.TxId)
            and len(s.missed) == len(self.TxId)
            and all(m <= keys for m in s.missed)
        )

    @invariant
    def SnapshotIsolation(self, s: SnapState) -> bool:
        """CC!SnapshotIsolation(InitialState, Range(ops))."""
        return satisfies(False, self.empty, frozenset(s.ops))

    def fairness(self) -> list:
        """fair process: WF_vars(t(self)) for each transaction."""
        return [WF("START", "READ", "UPDATE", "COMMIT", t=t) for t in self.TxId]

    def properties(self) -> dict:
        return {
            "Termination": Eventually(
                lambda s: all(p == DONE for p in s.pc), '<>(\\A self \\in ProcSet: pc[self] = "Done")'
            )
        }

    # -- symmetry: MCKVsnap.tla's TxIdSymmetric; a transaction's id is also the value it writes
    def symmetric_sets(self) -> dict[str, int]:
        return {"TxId": len(self.TxId)}

    def permute(self, s: SnapState, perm: Any) -> SnapState:
        pi, n = perm["TxId"], len(self.TxId)

        def val(x: int) -> int:
            return x if x == NOVAL else pi[x]

        def per_tx(f: tuple) -> tuple:
            out = [None] * n
            for t in self.TxId:
                out[pi[t]] = f[t]
            return tuple(out)

        return SnapState(
            tuple(val(x) for x in s.store),
            frozenset(pi[t] for t in s.tx),
            per_tx(s.missed),
            per_tx(s.pc),
            per_tx(tuple(tuple(val(x) for x in snap) for snap in s.snapshotStore)),
            per_tx(s.read_keys),
            per_tx(s.write_keys),
            per_tx(tuple(tuple((op, k, val(v)) for op, k, v in ops) for ops in s.ops)),
        )

    # -- refinement: KVsnap implements KeyValueStore with Val = TxId (a transaction writes its own id)
    @refines(KeyValueStore)
    def as_key_value_store(self) -> tuple[KeyValueStore, Any]:
        """A transaction is open from START until COMMIT ends it (a conflicting one leaves tx only in
        KeyValueStore: KVsnap keeps it there, finished); it has written the keys whose snapshot holds its own id
        (no other transaction writes that value)."""
        none = frozenset()

        def mapping(s: SnapState) -> KVState:
            live = [t in s.tx and s.pc[t] != DONE for t in self.TxId]
            return KVState(
                s.store,
                frozenset(t for t in self.TxId if live[t]),
                tuple(s.snapshotStore[t] if live[t] else self.empty for t in self.TxId),
                tuple(frozenset(k for k in self.Key if s.snapshotStore[t][k] == t) if live[t] else none
                      for t in self.TxId),  # fmt: skip
                tuple(s.missed[t] if live[t] else none for t in self.TxId),
            )

        return KeyValueStore(len(self.Key), len(self.TxId), len(self.TxId)), mapping

    # -- reading
    def val(self, x: int) -> str:
        return "NoVal" if x == NOVAL else f"t{x + 1}"

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param in ("rk", "wk"):
            return "{" + ", ".join(f"k{k + 1}" for k in sorted(self.KeySets[value])) + "}"
        return f"t{value + 1}"

    def show_op(self, op: tuple[int, int, int]) -> str:
        return f"{'rw'[op[0]]}(k{op[1] + 1},{self.val(op[2])})"

    def show_state(self, s: SnapState) -> dict[str, Any]:
        name = [f"t{t + 1}" for t in self.TxId]
        keys = lambda ks: sorted(f"k{k + 1}" for k in ks)  # noqa: E731
        return {
            "store": {f"k{k + 1}": self.val(x) for k, x in enumerate(s.store)},
            "tx": sorted(name[t] for t in s.tx),
            "missed": {name[t]: keys(s.missed[t]) for t in self.TxId},
            "pc": {name[t]: PC[s.pc[t]] for t in self.TxId},
            "snapshotStore": {name[t]: key_map(s.snapshotStore[t], self.val) for t in self.TxId},
            "read_keys": {name[t]: keys(s.read_keys[t]) for t in self.TxId},
            "write_keys": {name[t]: keys(s.write_keys[t]) for t in self.TxId},
            "ops": {name[t]: tuple(self.show_op(op) for op in s.ops[t]) for t in self.TxId},
        }

    def msc_event(self, prev: SnapState, label: Label, nxt: SnapState) -> MscEvent:
        return MscEvent(f"t{label.params[0] + 1}" if label.params else "system")


class KVsnapPerKey(KVsnap):
    """KVsnap with UPDATE writing one key per step: it refines KeyValueStore at two keys, where KVsnap does not.

    KVsnap.tla's own exercise (more yield points); KVsnapPerKey.tla is the same in TLA+."""

    @action(lambda self, s: [(t, k) for t in self.TxId for k in self.Key])
    def UPDATE(self, s: SnapState, t: int, k: int) -> SnapState | None:  # type: ignore[override]
        snap = s.snapshotStore[t]
        if s.pc[t] != UPDATE or k not in s.write_keys[t] or snap[k] == t:
            return None
        new = at(snap, k, t)
        done = all(new[j] == t for j in s.write_keys[t])
        return s._replace(snapshotStore=at(s.snapshotStore, t, new), pc=at(s.pc, t, COMMIT if done else UPDATE))

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return f"k{value + 1}" if param == "k" else super().show_param(action, param, value)


class SerializableKVsnap(KVsnap):
    """KVsnap checked for serializability, which snapshot isolation does not give (write skew)."""

    variant = "serializable"
    rule = "adds ClientCentric's Serializability as an invariant (MCKVsnap.cfg's commented-out Serialization)"
    breaks = "Serialization"
    failing_bounds = {"keys": 2, "txs": 2}
    trace_length = 8

    @invariant
    def Serialization(self, s: SnapState) -> bool:
        """CC!Serializability(InitialState, Range(ops)): violated by write skew (commented out in the .cfg)."""
        return satisfies(True, self.empty, frozenset(s.ops))


class BlindCommit(KVsnap):
    """COMMIT skips the conflict check: the later of two transactions writing one key overwrites the other."""

    variant = "blind-commit"
    rule = "COMMIT commits even when another transaction committed a write to one of its keys (lost update)"
    breaks = "SnapshotIsolation"
    failing_bounds = {"keys": 1, "txs": 2}
    trace_length = 8

    @action(KVsnap.each_tx)
    def COMMIT(self, s: SnapState, t: int) -> SnapState | None:
        if s.pc[t] != COMMIT:
            return None
        w, tx, snap = s.write_keys[t], s.tx - {t}, s.snapshotStore[t]
        return s._replace(
            tx=tx,
            missed=tuple(s.missed[o] | w if o in tx else s.missed[o] for o in self.TxId),
            store=tuple(snap[k] if k in w else x for k, x in enumerate(s.store)),
            ops=at(s.ops, t, s.ops[t] + tuple((WRITE, k, t) for k in sorted(w))),
            pc=at(s.pc, t, DONE),
        )
