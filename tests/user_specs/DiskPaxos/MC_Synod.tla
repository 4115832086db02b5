---- MODULE MC_Synod ----
\* paxraft: Synod's Inner alone (tests/user_specs/synod.py), its history variables free.
EXTENDS Synod, TLC
VARIABLES chosen, allInput

SInit == IS(chosen, allInput)!IInit
SNext == IS(chosen, allInput)!INext
Agreement == \A p \in Proc : output[p] \in {chosen, NotAnInput}
SSym == Permutations(Inputs)
====
