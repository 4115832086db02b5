"""Raft: the sans-IO core (:mod:`impl.raft.core`), its log, wire messages, tracers and rules (planted bugs)."""
