---- MODULE MCboscoOneStep ----
\* OneStep0 two ways: as the text's temporal property on Spec, and as an invariant of Spec started where every
\* correct process proposes 0 (paxraft's BoscoAllZero)
EXTENDS bosco
InitZero == Init /\ \A i \in Corr : pc[i] = "V0"
SpecZero == InitZero /\ [][Next]_vars
OneStep0Inv == \A i \in Corr : pc[i] \notin {"D1", "U0", "U1"}
====
