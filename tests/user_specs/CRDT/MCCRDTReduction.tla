-------------------------- MODULE MCCRDTReduction --------------------------
(* MCCRDT.tla with Min written out (FiniteSetsExt is a community module):    *)
(* its reduction subtracts the least counter from every counter, which       *)
(* breaks Monotonicity (MCCRDT.cfg's comment) and no state invariant.        *)
EXTENDS CRDT, FiniteSets, TLC

ASSUME TLCGet("-Dtlc2.tool.impl.Tool.cdot") = "true"

Min(S) == CHOOSE x \in S : \A y \in S : x <= y

Constraint ==
    \A n \in Node : counter[n][n] <= 3

Reduction ==
    LET m == Min({counter[n][o] : n, o \in Node}) IN
    counter' = [ n \in Node |-> [ o \in Node |-> counter[n][o] - m ] ]

IncrementAndReduction(n) ==
    Increment(n) \cdot Reduction

GossipAndReduction(n, o) ==
    Gossip(n,o) \cdot Reduction

ReductionNext ==
    \E n, o \in Node :
        \/ Increment(n)
        \/ Gossip(n, o)
        \/ IncrementAndReduction(n)
        \/ GossipAndReduction(n, o)

ReductionSpec == Init /\ [][ReductionNext]_counter
=============================================================================
