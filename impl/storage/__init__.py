"""Durable storage of a Raft node: the write-ahead log and snapshots."""
