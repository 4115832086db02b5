---- MODULE MCboscoSym ----
\* bosco with its processes as model values: the correct ones c1.., the faulty ones f1..; TLC's symmetry
\* renames the correct processes among themselves and the faulty ones among themselves, never across.
EXTENDS bosco, TLC
CONSTANTS c1, c2, c3, c4, f1, f2
CONSTANTS MCCorr, MCFaulty
MCP == MCCorr \cup MCFaulty
Sym == Permutations(MCCorr) \cup Permutations(MCFaulty)
====
