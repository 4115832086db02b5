---- MODULE MCbcastByzSym ----
\* bcastByz with its processes as model values, so that TLC can take the symmetry of renaming them.
\* Corr and Faulty are variables, renamed with pc, rcvd and sent: every permutation of Proc is a symmetry.
EXTENDS bcastByz, TLC
CONSTANTS p1, p2, p3, p4
MCProc == {p1, p2, p3, p4}
Sym == Permutations(MCProc)
====
