---- MODULE MultiPaxos_MCbugs ----
\* The planted bug of tests/user_specs/multipaxos_smr.py's MinorityQuorum, for TLC:
\* MultiPaxos_MCbugs_minority.cfg replaces MajorityNum by MinorityNum in both phases.
EXTENDS MultiPaxos_MC

MinorityNum == Cardinality(Replicas) \div 2

====
