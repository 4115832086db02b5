---- MODULE EWD687aVariants ----
\* The variants of tests/user_specs/ewd687a.py, each EWD687a.tla's SendAck with one rule changed.
EXTENDS EWD687a

\* eager-last-ack: condition 2b leaves out ~active[p]; a busy process sends its parent the last ack.
SendAckEager(p) == /\ \E e \in InEdges(p) :
                     /\ rcvdUnacked[e] > 0
                     /\ (e = upEdge[p]) =>
                        \/ rcvdUnacked[e] > 1
                        \/ /\ \A d \in InEdges(p) \ {e} : rcvdUnacked[d] = 0
                           /\ \A d \in OutEdges(p) : sentUnacked[d] = 0
                     /\ rcvdUnacked' = [rcvdUnacked EXCEPT ![e] = @ - 1]
                     /\ acks' = [acks EXCEPT ![e] = @ + 1]
              /\ UNCHANGED <<active, msgs, sentUnacked>>
              /\ upEdge' = IF neutral(p)' THEN [upEdge EXCEPT ![p] = NotAnEdge]
                                          ELSE upEdge

\* withheld-last-ack: condition 2b left out; the parent gets an ack only while another is unacked.
SendAckWithheld(p) ==
    /\ \E e \in InEdges(p) :
          /\ rcvdUnacked[e] > 0
          /\ (e = upEdge[p]) => rcvdUnacked[e] > 1
          /\ rcvdUnacked' = [rcvdUnacked EXCEPT ![e] = @ - 1]
          /\ acks' = [acks EXCEPT ![e] = @ + 1]
    /\ UNCHANGED <<active, msgs, sentUnacked>>
    /\ upEdge' = IF neutral(p)' THEN [upEdge EXCEPT ![p] = NotAnEdge] ELSE upEdge

NextEager == \E p \in Procs : SendMsg(p) \/ SendAckEager(p) \/ RcvMsg(p) \/ RcvAck(p) \/ Idle(p)
NextWithheld == \E p \in Procs : SendMsg(p) \/ SendAckWithheld(p) \/ RcvMsg(p) \/ RcvAck(p) \/ Idle(p)
SpecEager == Init /\ [][NextEager]_vars /\ WF_vars(NextEager)
SpecWithheld == Init /\ [][NextWithheld]_vars /\ WF_vars(NextWithheld)
====
