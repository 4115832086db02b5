---- MODULE MCTwoSym ----
\* TLC's symmetry needs model values: acceptors and values are model values here.
EXTENDS FPaxosExtra, TLC
CONSTANTS a1, a2, v1, v2, v3
MCAcceptor == {a1, a2}
MCValue    == {v1, v2, v3}
MCQuorum1 == {{a1}, {a2}}
MCQuorum2 == {{a1, a2}}
MCBallot == 0..2
Sym == Permutations(MCAcceptor) \cup Permutations(MCValue)
====
