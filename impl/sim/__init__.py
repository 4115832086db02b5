"""Deterministic simulation: the real Raft cores and replicas on a simulated network and disk, driven by a seed."""
