---- MODULE MCEWD687aSmall ----
\* MCEWD687a's processes and edges with every counter below 2 (paxraft's --bound 2), for the variants too.
EXTENDS EWD687aVariants, TLC
CONSTANTS L, P1, P2, P3
SmallProcs == {L, P1, P2, P3}
SmallEdges == {<<L, P1>>, <<P1, P2>>, <<P2, P1>>, <<P2, P3>>}
Small == \A e \in Edges : msgs[e] < 2 /\ acks[e] < 2 /\ sentUnacked[e] < 2 /\ rcvdUnacked[e] < 2
\* CountersConsistent and TreeWithRoot are [] of state predicates: their bodies, checked as invariants.
CountersInv == \A e \in Edges: sentUnacked[e] = rcvdUnacked[e] + acks[e] + msgs[e]
TreeInv ==
    LET E == {upEdge[p] : p \in DOMAIN upEdge} \ {NotAnEdge}
        N == {e[1] : e \in E} \cup {e[2] : e \in E}
        G == INSTANCE Graphs
        O == G!Transpose([edge |-> E, node |-> N])
    IN  /\ O.edge # {} => G!IsTreeWithRoot(O, Leader)
        /\ \A n \in O.node: ~neutral(n)
====
