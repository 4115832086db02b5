"""Executable specifications: Paxos, Raft, their variants and invariants."""
