"""Multi-Paxos: the sans-IO core, its rules, votes and trace events."""
