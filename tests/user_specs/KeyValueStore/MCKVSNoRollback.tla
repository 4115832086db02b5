---- MODULE MCKVSNoRollback ----
(* --restrict no-rollback as TLC's ACTION_CONSTRAINT, and as a Next without the RollbackTx disjunct. *)
EXTENDS KeyValueStore, TLC
vars == <<store, tx, snapshotStore, written, missed>>
LiveSpec == Spec /\ \A t \in TxId : WF_vars(RollbackTx(t) \/ CloseTx(t))
NoRollback == ~(\E t \in TxId : RollbackTx(t))
Ends == \A t \in TxId : (t \in tx) ~> (t \notin tx)
NextNR ==
    \/ \E t \in TxId : OpenTx(t)
    \/ \E t \in tx : \E k \in Key : \E v \in Val : Add(t, k, v)
    \/ \E t \in tx : \E k \in Key : \E v \in Val : Update(t, k, v)
    \/ \E t \in tx : \E k \in Key : Remove(t, k)
    \/ \E t \in tx : CloseTx(t)
LiveSpecNR == Init /\ [][NextNR]_vars /\ \A t \in TxId : WF_vars(RollbackTx(t) \/ CloseTx(t))
====
