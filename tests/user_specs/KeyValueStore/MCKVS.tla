---- MODULE MCKVS ----
EXTENDS KeyValueStore, TLC
TxIdSymmetric == Permutations(TxId)
====

