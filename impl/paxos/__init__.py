"""A small single-decree Paxos: sans-IO acceptor and proposer, a seeded simulation, trace events."""
