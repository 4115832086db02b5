"""Conformance: every step of ``spec/raft.py`` on a small instance is a step of the Z3 Raft model, or a stutter.

This is what keeps the proof of :mod:`proofs.raft.encoding` about the Raft the checker explores.
Breadth first over the spec's reachable states (within its state constraint, and the
successors that leave it), under the abstraction function of :mod:`proofs.raft.instance`:

1. every state's abstraction satisfies each conjunct of the Z3 invariant (and so, by
   ``Inv => Safety``, the proved properties);
2. every transition's abstraction is a stutter (the model does not see what changed) or
   satisfies the formula of the abstract action :func:`~proofs.raft.instance.abstract_steps`
   names for it, with every parameter bound.

Both evaluate the very formulas handed to Z3 (:mod:`proofs.evaluate`). Distinct abstract
states and abstract steps are checked once each.
"""

from __future__ import annotations

from proofs.conformance import Report, abstract_check
from proofs.raft.encoding import RaftEncoding
from proofs.raft.instance import RaftInstance
from spec.raft import Raft


def check(
    spec: Raft,
    enc: RaftEncoding | None = None,
    max_failures: int = 20,
    instance: type[RaftInstance] = RaftInstance,
) -> Report:
    """Run both checks on every reachable state and transition of ``spec`` (stop after ``max_failures``).

    ``enc`` and ``instance``: the model and its abstraction function (Raft's coarse model by default).
    """
    inst = instance(spec)
    return abstract_check(spec, enc or RaftEncoding(), inst, lambda s, label, t: inst.steps(s, label), max_failures)
