---- MODULE MCEWD687aPair ----
\* Two processes besides the leader, each able to send to the other and both reached from the leader: renaming
\* P1 and P2 maps the graph to itself, so SYMMETRY Permutations({P1, P2}) is sound. Every counter below 2.
EXTENDS EWD687a, TLC
CONSTANTS L, P1, P2
PairProcs == {L, P1, P2}
PairEdges == {<<L, P1>>, <<L, P2>>, <<P1, P2>>, <<P2, P1>>}
Small == \A e \in Edges : msgs[e] < 2 /\ acks[e] < 2 /\ sentUnacked[e] < 2 /\ rcvdUnacked[e] < 2
Sym == Permutations({P1, P2})
====
