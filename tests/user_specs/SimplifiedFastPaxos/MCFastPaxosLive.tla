------------------------- MODULE MCFastPaxosLive -------------------------
(* newuser5: FastPaxos.tla under the fairness of tests/user_specs/fast_paxos.py's FastPaxos.fairness():
   a stable coordinator (WF FastAny, WF ClassicAccept), acceptors that answer (per acceptor, WF of its
   FastPropose \/ ClassicAccepted steps) and FastSpec's SF on both decides; Decided == <>(decision # none).
   LazySpec drops WF(ClassicAccept): the planted liveness bug (variant lazy-coordinator). *)
EXTENDS FastPaxos

vars == <<messages, decision, maxBallot, maxVBallot, maxValue, cValue>>

\* FastPropose and ClassicAccepted (= PaxosAccepted) of one acceptor a: the text's bodies with \E a taken out.
FastProposeBy(a) ==
    /\ UNCHANGED<<decision, cValue>>
    /\ \E m \in p2aMessages, v \in Values:
        /\ m.value = any
        /\ maxBallot[a] <= m.ballot
        /\ maxValue[a] = none \/ maxValue[a] = v
        /\ maxBallot' = [maxBallot EXCEPT ![a] = m.ballot]
        /\ maxVBallot' = [maxVBallot EXCEPT ![a] = m.ballot]
        /\ maxValue' = [maxValue EXCEPT ![a] = v]
        /\ \A n \in p2bMessages : ~(n.ballot = m.ballot /\ n.acceptor = a)
        /\ SendMessage([type |-> "P2b", ballot |-> m.ballot, acceptor |-> a, value |-> v])

ClassicAcceptedBy(a) ==
    /\ UNCHANGED<<decision, cValue>>
    /\ \E m \in p2aMessages :
        /\ m.value \in Values
        /\ maxBallot[a] <= m.ballot
        /\ maxBallot' = [maxBallot EXCEPT ![a] = m.ballot]
        /\ maxVBallot' = [maxVBallot EXCEPT ![a] = m.ballot]
        /\ maxValue' = [maxValue EXCEPT ![a] = m.value]
        /\ SendMessage([type |-> "P2b", ballot |-> m.ballot, acceptor |-> a, value |-> m.value])

Base == FastInit /\ [][FastNext]_vars /\ WF_vars(FastAny)
        /\ \A a \in Replicas : WF_vars(FastProposeBy(a) \/ ClassicAcceptedBy(a))
        /\ SF_vars(FastDecide) /\ SF_vars(ClassicDecide)
LiveSpec == Base /\ WF_vars(ClassicAccept)
LazySpec == Base

Decided == <>(decision # none)
===========================================================================
