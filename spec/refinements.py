"""Which spec implements which, under which refinement mapping (as MCPaxos's ``VotingSpecBar``).

Each entry builds, from a concrete spec instance, the abstract spec with matching constants
and the mapping from concrete to abstract states.  Paxos => Consensus is the composition.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spec.consensus import from_voting
from spec.core import Spec, SpecError
from spec.paxos import Paxos
from spec.slot_consensus import from_multipaxos
from spec.voting import Voting, from_paxos

Mapping = Callable[[Any], Any]


def _paxos_to_consensus(p: Paxos) -> tuple[Spec, Mapping]:
    voting, to_voting = from_paxos(p)
    consensus, to_consensus = from_voting(voting)
    return consensus, lambda s: to_consensus(to_voting(s))


#: (concrete spec name, abstract spec name) -> builder of (abstract spec, mapping)
REFINEMENTS: dict[tuple[str, str], Callable[[Any], tuple[Spec, Mapping]]] = {
    ("paxos", "voting"): from_paxos,
    ("voting", "consensus"): from_voting,
    ("paxos", "consensus"): _paxos_to_consensus,
    ("multipaxos", "slot-consensus"): from_multipaxos,
}


def refinement(concrete: Spec, abstract_name: str) -> tuple[Spec, Mapping]:
    """The abstract spec and mapping for ``concrete`` (a spec or one of its variants)."""
    key = (concrete.name, abstract_name)
    if key not in REFINEMENTS:
        known = ", ".join(f"{a} => {b}" for a, b in REFINEMENTS)
        raise SpecError(f"no refinement mapping from {concrete.name} to {abstract_name} (known: {known})")
    if abstract_name == "voting" and not isinstance(concrete, Paxos):  # pragma: no cover - guarded by the key
        raise SpecError("the Voting mapping needs a Paxos spec")
    return REFINEMENTS[key](concrete)


__all__ = ["REFINEMENTS", "refinement", "Voting"]
