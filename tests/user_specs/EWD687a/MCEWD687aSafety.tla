---- MODULE MCEWD687aSafety ----
EXTENDS MCEWD687a
\* CountersConsistent and TreeWithRoot are [] of state predicates: their bodies as invariants.
CountersInv == \A e \in Edges: sentUnacked[e] = rcvdUnacked[e] + acks[e] + msgs[e]
TreeInv ==
    LET E == {upEdge[p] : p \in DOMAIN upEdge} \ {NotAnEdge}
        N == {e[1] : e \in E} \cup {e[2] : e \in E}
        G == INSTANCE Graphs
        O == G!Transpose([edge |-> E, node |-> N])
    IN  /\ O.edge # {} => G!IsTreeWithRoot(O, Leader)
        /\ \A n \in O.node: ~neutral(n)
====
