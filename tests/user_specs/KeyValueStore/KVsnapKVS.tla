---- MODULE KVsnapKVS ----
(* KVsnap implements KeyValueStore (Val = TxId: a transaction writes its id) *)
(* under the mapping of tests/user_specs/kv_snapshot.py's as_key_value_store. *)
EXTENDS KVsnap, TLC
MCNoVal == NoVal
Live(x) == x \in tx /\ pc[x] # "Done"
KVS == INSTANCE KeyValueStore WITH
    Val <- TxId,
    tx <- {x \in TxId : Live(x)},
    snapshotStore <- [x \in TxId |-> IF Live(x) THEN snapshotStore[x] ELSE [k \in Key |-> NoVal]],
    written <- [x \in TxId |-> IF Live(x) /\ pc[x] = "COMMIT" THEN write_keys[x] ELSE {}],
    missed <- [x \in TxId |-> IF Live(x) THEN missed[x] ELSE {}]
KVSSpec == KVS!Spec
====
