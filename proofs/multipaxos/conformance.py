"""Conformance: every step of ``spec/multipaxos.py`` on a small instance is a step of the Z3 model, or a stutter.

Breadth first over the spec's reachable states, under the abstraction of
:mod:`proofs.multipaxos.instance` (as Raft's, proofs/raft/conformance.py):

1. every state's abstraction satisfies each conjunct of the Z3 invariant;
2. every transition's abstraction is a stutter (the model does not see what changed: a commit
   at a follower, a client's request list, ...) or satisfies the formula of the model's action
   of the same name, with every parameter bound from the spec's state and label.

A catalog variant checked against the base encoding shows where it leaves the model: the first
failing transitions name the spec action (``Report.transition_failures``).
"""

from __future__ import annotations

from proofs.conformance import Report, abstract_check
from proofs.multipaxos.encoding import MultiPaxosEncoding
from proofs.multipaxos.instance import MultiPaxosInstance
from spec.multipaxos import MultiPaxos


def check(spec: MultiPaxos, enc: MultiPaxosEncoding | None = None, max_failures: int = 20) -> Report:
    """Run both checks on every reachable state and transition of ``spec`` (stop after ``max_failures``)."""
    inst = MultiPaxosInstance(spec)
    return abstract_check(spec, enc or MultiPaxosEncoding(), inst, inst.steps, max_failures)
