---- MODULE MultiPaxos_MClivesilent ----
\* Termination under weak fairness of each replica's process (tests/user_specs/multipaxos_smr.py's fairness()).
EXTENDS MultiPaxos_MCsilent

FairSpec == Spec /\ \A self \in Replicas: WF_vars(Replica(self))

====
