---- MODULE MCKVsnapPerKey ----
EXTENDS KVsnapPerKey, TLC
TxIdSymmetric == Permutations(TxId)
MCNoVal == NoVal
Live(x) == x \in tx /\ pc[x] # "Done"
KVS == INSTANCE KeyValueStore WITH
    Val <- TxId,
    tx <- {x \in TxId : Live(x)},
    snapshotStore <- [x \in TxId |-> IF Live(x) THEN snapshotStore[x] ELSE [k \in Key |-> NoVal]],
    written <- [x \in TxId |-> IF Live(x) THEN {k \in Key : snapshotStore[x][k] = x} ELSE {}],
    missed <- [x \in TxId |-> IF Live(x) THEN missed[x] ELSE {}]
KVSSpec == KVS!Spec
====
