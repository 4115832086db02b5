---- MODULE MCbcastFolkloreSym ----
\* bcastFolklore with its processes as model values (Init's Corr = 1 .. N becomes Corr = MCProc), so that TLC
\* can take the symmetry of renaming them: Corr is a variable, renamed with pc, rcvd and sent.
EXTENDS bcastFolklore, TLC
CONSTANTS p1, p2, p3
MCProc == {p1, p2, p3}
Sym == Permutations(MCProc)
MCInit ==
  /\ nCrashed = 0
  /\ Corr = MCProc
  /\ sent = {}
  /\ pc \in [ Proc -> {"V0", "V1"} ]
  /\ rcvd = [ i \in Proc |-> {} ]
====
