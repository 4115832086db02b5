"""Multi-Paxos in Z3: ``encoding`` (MultiPaxos.tla's acceptor and message state over sorts, slots among them,
and its per-slot inductive invariant), ``instance`` (the abstraction from spec/multipaxos.py's states),
``conformance`` (the encoding against the explored spec) and ``cti`` (counterexamples, printed and drawn)."""
