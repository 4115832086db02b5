"""Lamport's ``Consensus.tla`` (tlaplus/Examples, specifications/Paxos): at most one value is ever chosen.

``chosen`` starts empty and may become ``{v}`` once.  Voting implements it under the mapping
``chosen <- Voting's chosen`` (:func:`from_voting`); Paxos through Voting.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from spec.core import Spec, action, invariant
from spec.limits import bounded
from spec.registry import Option, SpecEntry, register
from spec.voting import Voting


class ConsensusState(NamedTuple):
    """The set of chosen values."""

    chosen: frozenset[int]


class Consensus(Spec):
    """Consensus.tla; ``inductive=True`` starts from every state of MCConsensus's IInv (its ISpec)."""

    canonical_order = False  # enumerators iterate tuples and ranges, or sets of small-int tuples built alike

    name = "consensus"
    variables = ("chosen",)

    def __init__(self, values: int = 3, inductive: bool = False) -> None:
        bounded("consensus", "--values", values, 1)
        self.Value = tuple(range(values))
        self.inductive = bool(inductive)
        super().__init__()

    def init_states(self) -> Iterator[ConsensusState]:
        """Init: chosen = {} (or, for ISpec, every chosen \\subseteq Value with Cardinality(chosen) <= 1)."""
        yield ConsensusState(frozenset())
        if self.inductive:
            for v in self.Value:  # the subsets of Cardinality 1, in the order TLC lists them
                yield ConsensusState(frozenset((v,)))

    @action(params=lambda self, s: ((v,) for v in self.Value))
    def Choose(self, s: ConsensusState, v: int) -> ConsensusState | None:
        """Next: nothing chosen yet, and some v becomes the chosen value."""
        return ConsensusState(frozenset({v})) if not s.chosen else None

    @invariant
    def Inv(self, s: ConsensusState) -> bool:
        """TypeOK /\\ Cardinality(chosen) <= 1."""
        return s.chosen <= set(self.Value) and len(s.chosen) <= 1

    def bounds(self) -> dict[str, Any]:
        """Values (and whether the run starts from IInv)."""
        return {"values": len(self.Value), **({"inductive": True} if self.inductive else {})}

    def show_state(self, s: ConsensusState) -> dict[str, Any]:
        """chosen as a set of v1.. names."""
        return {"chosen": sorted(f"v{v + 1}" for v in s.chosen)}

    def show_param(self, action: str, param: str, value: Any) -> Any:
        """Values as v1.."""
        return f"v{value + 1}"


def from_voting(voting: Voting) -> tuple[Consensus, Any]:
    """Voting.tla's ``C == INSTANCE Consensus``: chosen is Voting's chosen."""
    return Consensus(len(voting.Value)), lambda s: ConsensusState(voting.chosen(s))


register(
    SpecEntry(
        name="consensus",
        cls=Consensus,
        summary="Lamport's Consensus.tla (tlaplus/Examples): at most one value is ever chosen",
        options=(Option("--values", "values", int, 3, "number of values"),),
        flags=(Option("--inductive", "inductive", bool, False, "start from every IInv state (MCConsensus's ISpec)"),),
    )
)
