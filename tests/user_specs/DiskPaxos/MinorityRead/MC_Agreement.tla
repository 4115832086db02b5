---- MODULE MC_Agreement ----
\* paxraft: agreement alone (hdisk_synod.py's witness Disagreement is its negation, found by --reach).
EXTENDS MC_HDiskSynod
Agreement == \A p, q \in Proc : output[p] # NotAnInput /\ output[q] # NotAnInput => output[p] = output[q]
====
