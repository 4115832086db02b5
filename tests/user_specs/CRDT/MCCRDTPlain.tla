---------------------------- MODULE MCCRDTPlain ----------------------------
(* CRDT.tla's Spec with MCCRDT.tla's state constraint, without the reduction  *)
(* (MCCRDT.cfg does not check Monotonicity, which its reduction breaks).      *)
EXTENDS CRDT, TLC

Constraint ==
    \A n \in Node : counter[n][n] <= 3

Perms == Permutations(Node)
=============================================================================
