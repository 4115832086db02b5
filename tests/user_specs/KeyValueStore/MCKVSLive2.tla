---- MODULE MCKVSLive2 ----
EXTENDS KeyValueStore, TLC
vars == <<store, tx, snapshotStore, written, missed>>
RollbackOnly == Spec /\ \A t \in TxId : WF_vars(RollbackTx(t))
SFClose == Spec /\ \A t \in TxId : SF_vars(CloseTx(t))
LiveSpec == Spec /\ \A t \in TxId : WF_vars(RollbackTx(t) \/ CloseTx(t))
SFCloseWFRollback == Spec /\ \A t \in TxId : SF_vars(CloseTx(t)) /\ WF_vars(RollbackTx(t))
AllFair == Spec /\ WF_vars(Next)
Ends == \A t \in TxId : (t \in tx) ~> (t \notin tx)
Quiesce == []<>(tx = {})
Lands == \A t \in TxId : \A k \in Key : (t \in tx /\ k \in written[t]) ~> (store[k] = snapshotStore[t][k] \/ t \notin tx)
SomeWrite == <>(\E k \in Key : store[k] # NoVal)
====
