"""The replicated key-value store: its state machine, its commands, the replica and the client protocol."""
