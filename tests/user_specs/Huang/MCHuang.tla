------------------------------ MODULE MCHuang ------------------------------
\* Huang.tla's model with what paxraft's tests/user_specs/huang.py adds: the symmetry of the processes
\* besides the leader, two properties that need the fairness, and the spec without WF(IdleLdr).
EXTENDS Huang, TLC

Sym == Permutations(Procs \ {Leader})

LeaderIdles == <>~active[Leader]

IdlesAll == \A p \in Procs \ {Leader} : active[p] ~> ~active[p]

LazySpec ==
        /\ Init
        /\ [][Next]_vars
        /\ WF_vars(RcvLdr)
        /\ \A p \in Procs \ {Leader}: WF_vars(RcvMsg(p))
        /\ \A p \in Procs \ {Leader}: WF_vars(Idle(p))
=============================================================================
