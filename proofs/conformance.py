"""What a conformance check found: the explicit spec and a Z3 encoding compared on a small instance.

One report for both proofs (proofs/paxos/conformance.py compares states directly and samples Z3
successors; proofs/raft/conformance.py compares through an abstraction, where a step may be a
stutter); the certificate's manifest reads its first lines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from spec.core import Label


@dataclass
class Report:
    """Counts and failures; empty failure lists mean conformance."""

    states: int = 0
    transitions: int = 0
    seconds: float = 0.0
    abstract: bool = False  #: compared through an abstraction (the counts below it apply)
    abstract_states: int = 0
    stutters: int = 0  #: transitions the abstraction does not see
    by_action: Counter = field(default_factory=Counter)  #: the abstract action that explained each step
    sampled: int = 0  #: states whose every Z3 successor was looked for among the spec's
    invariant_failures: list[tuple[Any, str]] = field(default_factory=list)
    transition_failures: list[tuple[Any, Label, Any]] = field(default_factory=list)
    extra_successors: list[tuple[Any, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No disagreement found."""
        return not (self.invariant_failures or self.transition_failures or self.extra_successors)

    def summary(self) -> str:
        """One line per check, then the abstract actions that explained the steps (or the sampled successors)."""
        if self.abstract:
            steps = ", ".join(f"{a} {n}" for a, n in sorted(self.by_action.items()))
            lines = [
                f"{self.states} reachable states ({self.abstract_states} abstract): "
                f"{len(self.invariant_failures)} violate a Z3 invariant conjunct",
                f"{self.transitions} transitions ({self.stutters} stutters): "
                f"{len(self.transition_failures)} not a step of the Z3 model",
                f"abstract steps: {steps}",
            ]
        else:
            lines = [
                f"{self.states} reachable states: {len(self.invariant_failures)} violate a Z3 invariant conjunct",
                f"{self.transitions} transitions: {len(self.transition_failures)} not allowed by the Z3 action",
                f"{self.sampled} sampled states: {len(self.extra_successors)} Z3 successors the spec lacks",
            ]
        return "\n".join([*lines, f"{self.seconds:.2f}s"])
