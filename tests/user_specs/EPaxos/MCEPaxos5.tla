---- MODULE MCEPaxos5 ----
EXTENDS EgalitarianPaxos, TLC
CONSTANTS r1, r2, r3, r4, r5, c1, noneVal
MCReplicas == {r1, r2, r3, r4, r5}
MCQuorums(r) == {Q \in SUBSET MCReplicas : r \in Q /\ Cardinality(Q) = 3}
ConsistencyInv == \A i \in Instances : Cardinality(committed[i]) <= 1
NontrivialityFixed == \A i \in Instances : \A C \in committed[i] : C[1] \in proposed \/ C[1] = none
FewMsgs == Cardinality(sentMsg) <= 4
====
