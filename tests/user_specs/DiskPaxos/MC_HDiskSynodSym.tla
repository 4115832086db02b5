---- MODULE MC_HDiskSynodSym ----
\* paxraft: MC_HDiskSynod with the disks as model values, symmetric as the inputs are.
EXTENDS MC_HDiskSynod
Sym == Permutations(Inputs) \cup Permutations(Disk)
====
