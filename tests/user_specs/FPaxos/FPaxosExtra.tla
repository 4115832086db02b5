---- MODULE FPaxosExtra ----
\* Not fpaxos-tlaplus's: what tests/user_specs/fpaxos.py checks beyond MCFPaxos.cfg (notes newuser9).
EXTENDS FPaxos

\* No two values are agreed (by a Quorum2 quorum), in any ballots.
Agreement == \A v1, v2 \in Value : \A b1, b2 \in Ballot :
    (Agreed(v1, b1) /\ Agreed(v2, b2)) => v1 = v2

FairSpec == Spec /\ WF_vars(Next)
\* The variant lazy-proposer: no fairness for Phase2a.
FairSpecNo2a == Spec /\ WF_vars(\E b \in Ballot : Phase1a(b)) /\ WF_vars(\E a \in Acceptor : Phase1b(a) \/ Phase2b(a))
Progress == <>(\E v \in Value, b \in Ballot : Agreed(v, b))
====
