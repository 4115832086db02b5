"""Raft: the sans-IO core (:mod:`impl.raft.core`), its log, its wire messages and test-only mutations."""
