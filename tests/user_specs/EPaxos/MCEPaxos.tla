---- MODULE MCEPaxos ----
EXTENDS EgalitarianPaxos, TLC
CONSTANTS r1, r2, r3, c1, c2, noneVal
MCReplicas == {r1, r2, r3}
MCQuorums(r) == {Q \in SUBSET MCReplicas : r \in Q /\ Cardinality(Q) = 2}
ConsistencyInv == \A i \in Instances : Cardinality(committed[i]) <= 1
NontrivialityInv == \A i \in Instances : \A C \in committed[i] : C \in proposed \/ C = none
NontrivialityFixed == \A i \in Instances : \A C \in committed[i] : C[1] \in proposed \/ C[1] = none
StableP(r, i, C) == \E rec \in cmdLog[r] : rec.inst = i /\ rec.cmd = C /\ rec.status \in {"committed", "executed"}
StabilityStep == [][\A r \in Replicas, i \in Instances, C \in Commands : StableP(r, i, C) => StableP(r, i, C)']_vars
Sym == Permutations(MCReplicas)
====
