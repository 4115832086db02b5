"""Paxos in Z3: ``encoding`` (Paxos.tla over uninterpreted sorts and its inductive invariant),
``instance`` (a finite instance of it), ``conformance`` (the encoding against the explored spec),
``bmc`` (bounded model checking) and ``cti`` (counterexamples to induction, printed and drawn)."""

from __future__ import annotations

from proofs.paxos.encoding import ANY_TWO, PHASE1_PHASE2, QUORUM_AXIOMS, VARIANTS, PaxosEncoding

__all__ = ["PaxosEncoding", "VARIANTS", "QUORUM_AXIOMS", "ANY_TWO", "PHASE1_PHASE2"]
