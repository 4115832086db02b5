---- MODULE MCKVSLive ----
(* Liveness for KeyValueStore.tla (the Examples state none): every open      *)
(* transaction eventually ends, if ending it (RollbackTx or CloseTx) is      *)
(* weakly fair; with only CloseTx weakly fair, a conflicting one never ends.  *)
EXTENDS KeyValueStore, TLC
vars == <<store, tx, snapshotStore, written, missed>>
LiveSpec == Spec /\ \A t \in TxId : WF_vars(RollbackTx(t) \/ CloseTx(t))
CloseOnlySpec == Spec /\ \A t \in TxId : WF_vars(CloseTx(t))
Ends == \A t \in TxId : (t \in tx) ~> (t \notin tx)
====
