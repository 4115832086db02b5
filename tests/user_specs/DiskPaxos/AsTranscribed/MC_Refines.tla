---- MODULE MC_Refines ----
\* paxraft: THEOREM HDiskSynodSpec => SynodSpec with the history variables as the witnesses of \EE
\* (TLC does not check \EE); tests/user_specs/hdisk_synod.py's @refines(Synod).
EXTENDS MC_HDiskSynod
Refines == IS(chosen, allInput)!ISpec
====
