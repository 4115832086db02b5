---- MODULE MultiPaxos_MClive ----
\* Termination under weak fairness of each replica's process (tests/user_specs/multipaxos_smr.py's fairness()).
EXTENDS MultiPaxos_MC

FairSpec == Spec /\ \A self \in Replicas: WF_vars(Replica(self))

====
