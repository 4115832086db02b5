---- MODULE MCbcastFolkloreP1 ----
\* paxraft variant fair-p1-only: weak fairness of process 1's steps only (the others may stop for ever)
EXTENDS bcastFolklore
SpecP1 == Init /\ [][Next]_vars
               /\ WF_vars(/\ Receive(1)
                          /\ \/ UponV1(1)
                             \/ UponAccept(1)
                             \/ UNCHANGED << pc, sent, nCrashed, Corr >>)
ReliableChanAll ==
  \A sndr \in 1..N : [](<<sndr, "ECHO">> \in sent => <>[](\A p \in Corr : <<sndr, "ECHO">> \in rcvd[p]))
====
