---- MODULE MCbcastFolkloreForgetsFairEach ----
\* receive-forgets with weak fairness of each process's steps apart (paxraft's ForgetsFairEach)
EXTENDS bcastFolkloreReceiveForgets
SpecEach == Init /\ [][Next]_vars
                 /\ \A self \in Proc : WF_vars(/\ Receive(self)
                                               /\ \/ UponV1(self)
                                                  \/ UponAccept(self)
                                                  \/ UNCHANGED << pc, sent, nCrashed, Corr >>)
====
