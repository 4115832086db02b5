----------------------- MODULE MCFastPaxosAgreement -----------------------
(* newuser5: fast_paxos.py's Agreement on FastPaxos.tla with FastAssume left out (FastPaxosAnyQuorums.tla):
   no two values chosen, chosen being a fast quorum's unanimous votes in a fast ballot or a quorum's votes in a
   classic one. SmallFQ_r4v2b1.cfg: fast quorums of 2 of 4 (the small-fast-quorums variant). *)
EXTENDS FastPaxosAnyQuorums

ChosenIn(b, Q) == {v \in Values : \E q \in Q : \A a \in q : \E m \in p2bMessages :
                      m.ballot = b /\ m.acceptor = a /\ m.value = v}
Unanimous(b, Q) == {v \in Values : \E q \in Q :
                      /\ \A a \in q : \E m \in p2bMessages : m.ballot = b /\ m.acceptor = a
                      /\ \A m \in p2bMessages : (m.ballot = b /\ m.acceptor \in q) => m.value = v}
Chosen == UNION {IF b \in FastBallots THEN Unanimous(b, FastQuorums) ELSE ChosenIn(b, Quorums) : b \in Ballots}
Agreement == Cardinality(Chosen) <= 1
===========================================================================
