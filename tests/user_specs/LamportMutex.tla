------------------------------ MODULE LamportMutex ------------------------------
(* Lamport's mutual exclusion, the model of tests/user_specs/lamport_mutex.py. *)
EXTENDS Naturals, Sequences, FiniteSets
CONSTANTS N, MaxClock
Proc == 1..N
VARIABLES clock, req, ack, network, crit
vars == <<clock, req, ack, network, crit>>

ReqMsg(c) == <<"req", c>>
AckMsg == <<"ack", 0>>
RelMsg == <<"rel", 0>>

Init == /\ clock = [p \in Proc |-> 0]
        /\ req = [p \in Proc |-> [q \in Proc |-> 0]]
        /\ ack = [p \in Proc |-> {}]
        /\ network = [p \in Proc |-> [q \in Proc |-> <<>>]]
        /\ crit = {}

Broadcast(p, m) == [q \in Proc |-> IF q = p THEN network[p][q] ELSE Append(network[p][q], m)]

beats(p, q) == \/ req[p][q] = 0
               \/ req[p][p] < req[p][q]
               \/ req[p][p] = req[p][q] /\ p < q

Request(p) == /\ req[p][p] = 0 /\ clock[p] < MaxClock
              /\ clock' = [clock EXCEPT ![p] = @ + 1]
              /\ req' = [req EXCEPT ![p][p] = clock[p] + 1]
              /\ ack' = [ack EXCEPT ![p] = {p}]
              /\ network' = [network EXCEPT ![p] = Broadcast(p, ReqMsg(clock[p] + 1))]
              /\ UNCHANGED crit

ReceiveRequest(p, q) ==
  /\ network[q][p] # <<>>
  /\ LET m == Head(network[q][p]) IN
     /\ m[1] = "req"
     /\ req' = [req EXCEPT ![p][q] = m[2]]
     /\ clock' = [clock EXCEPT ![p] = IF m[2] > @ THEN m[2] + 1 ELSE @ + 1]
     /\ network' = [network EXCEPT ![q][p] = Tail(@), ![p][q] = Append(@, AckMsg)]
     /\ UNCHANGED <<ack, crit>>

ReceiveAck(p, q) ==
  /\ network[q][p] # <<>>
  /\ Head(network[q][p])[1] = "ack"
  /\ ack' = [ack EXCEPT ![p] = @ \cup {q}]
  /\ network' = [network EXCEPT ![q][p] = Tail(@)]
  /\ UNCHANGED <<clock, req, crit>>

Enter(p) == /\ p \notin crit /\ req[p][p] # 0 /\ ack[p] = Proc
            /\ \A q \in Proc \ {p} : beats(p, q)
            /\ crit' = crit \cup {p}
            /\ UNCHANGED <<clock, req, ack, network>>

Exit(p) == /\ p \in crit
           /\ crit' = crit \ {p}
           /\ req' = [req EXCEPT ![p][p] = 0]
           /\ ack' = [ack EXCEPT ![p] = {}]
           /\ network' = [network EXCEPT ![p] = Broadcast(p, RelMsg)]
           /\ UNCHANGED clock

ReceiveRelease(p, q) ==
  /\ network[q][p] # <<>>
  /\ Head(network[q][p])[1] = "rel"
  /\ req' = [req EXCEPT ![p][q] = 0]
  /\ network' = [network EXCEPT ![q][p] = Tail(@)]
  /\ UNCHANGED <<clock, ack, crit>>

EnterNoAck(p) == /\ p \notin crit /\ req[p][p] # 0
            /\ \A q \in Proc \ {p} : beats(p, q)
            /\ crit' = crit \cup {p}
            /\ UNCHANGED <<clock, req, ack, network>>

ReceiveRequestStale(p, q) ==
  /\ network[q][p] # <<>>
  /\ LET m == Head(network[q][p]) IN
     /\ m[1] = "req"
     /\ req' = [req EXCEPT ![p][q] = m[2]]
     /\ clock' = [clock EXCEPT ![p] = @ + 1]
     /\ network' = [network EXCEPT ![q][p] = Tail(@), ![p][q] = Append(@, AckMsg)]
     /\ UNCHANGED <<ack, crit>>

NextNoAck == \E p \in Proc : \/ Request(p) \/ EnterNoAck(p) \/ Exit(p)
                        \/ \E q \in Proc : ReceiveRequest(p, q) \/ ReceiveAck(p, q) \/ ReceiveRelease(p, q)
NextStale == \E p \in Proc : \/ Request(p) \/ Enter(p) \/ Exit(p)
                        \/ \E q \in Proc : ReceiveRequestStale(p, q) \/ ReceiveAck(p, q) \/ ReceiveRelease(p, q)

Next == \E p \in Proc : \/ Request(p) \/ Enter(p) \/ Exit(p)
                        \/ \E q \in Proc : ReceiveRequest(p, q) \/ ReceiveAck(p, q) \/ ReceiveRelease(p, q)

Spec == Init /\ [][Next]_vars

Fairness == \A p \in Proc : /\ WF_vars(Enter(p)) /\ WF_vars(Exit(p))
                             /\ \A q \in Proc \ {p} : WF_vars(ReceiveRequest(p, q) \/ ReceiveAck(p, q) \/ ReceiveRelease(p, q))
NoExitFairness == \A p \in Proc : /\ WF_vars(Enter(p))
                             /\ \A q \in Proc \ {p} : WF_vars(ReceiveRequest(p, q) \/ ReceiveAck(p, q) \/ ReceiveRelease(p, q))
FairSpec == Spec /\ Fairness
NoExitSpec == Spec /\ NoExitFairness
Starvation == \A p \in Proc : (req[p][p] # 0) ~> (p \in crit)

Mutex == Cardinality(crit) <= 1
ClockCondition == \A p, q \in Proc : req[p][q] <= clock[p]
=============================================================================
