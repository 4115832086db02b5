"""Z3 encodings of the specs: inductive-invariant proofs and bounded model checking.

One folder per protocol (``paxos/``, ``raft/``); ``logic`` (proof obligations, their discharge
and table) and ``evaluate`` (formulas evaluated on explicit states) are shared by both.
"""
