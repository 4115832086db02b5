r"""Consensus.tla (Lamport; tlaplus/Examples, specifications/Paxos) as a paxraft spec.

A new user's spec (notes newuser10, 2026-12-05), written from README.md and docs/ only, beside the TLA+ text
(tests/user_specs/LamportPaxos/Consensus.tla). The consensus problem: a set `chosen` that goes from {} to one
value and stays there. Values are v1..vK (`--values K`, MCConsensus.cfg's {"a", "b", "c"} is K = 3).

    paxraft check tests/user_specs/lamport_consensus.py:Consensus --inductive   # MCConsensus.cfg: 4 / 7 / 1
    paxraft check tests/user_specs/lamport_consensus.py:Consensus --liveness    # LiveSpec => Success

`--inductive` starts from every state satisfying the invariant, as MCConsensus's ISpec == IInv /\ [][Next]_chosen
does (TLC's figures: 4 distinct states, 7 generated, depth 1); without it the spec is Spec (Init: chosen = {}).
Voting.tla refines it (tests/user_specs/lamport_voting.py).
"""

from __future__ import annotations

from itertools import combinations
from typing import Annotated, Any, NamedTuple

from spec.core import WF, Eventually, Spec, action, invariant


class ConsensusState(NamedTuple):
    chosen: frozenset[int]  # the set of all values that have been chosen


def value_name(v: int) -> str:
    return f"v{v + 1}"


class Consensus(Spec):
    """The consensus problem (Lamport's Consensus.tla): at most one value is chosen, and once only."""

    variables = ("chosen",)

    def __init__(
        self,
        values: Annotated[int, "number of values (Value = v1..vK)"] = 3,
        inductive: Annotated[bool, "start from every state satisfying Inv (MCConsensus's ISpec)"] = False,
    ) -> None:
        self.Value = tuple(range(values))
        self.inductive = inductive
        super().__init__()

    def init_states(self) -> list[ConsensusState]:
        """Init == chosen = {}; with --inductive, IInv: chosen \\in SUBSET Value /\\ Cardinality(chosen) <= 1."""
        if not self.inductive:
            return [ConsensusState(frozenset())]
        subsets = (frozenset(c) for k in range(len(self.Value) + 1) for c in combinations(self.Value, k))
        return [ConsensusState(c) for c in subsets if len(c) <= 1]

    @action(lambda self, s: [(v,) for v in self.Value])
    def Next(self, s: ConsensusState, v: int) -> ConsensusState | None:
        """Next == chosen = {} /\\ \\E v \\in Value : chosen' = {v}"""
        if s.chosen:
            return None
        return ConsensusState(frozenset({v}))

    @invariant
    def Inv(self, s: ConsensusState) -> bool:
        """TypeOK /\\ Cardinality(chosen) <= 1"""
        return s.chosen <= frozenset(self.Value) and len(s.chosen) <= 1

    # -- liveness: LiveSpec == Spec /\ WF_chosen(Next), Success == <>(chosen # {})
    def fairness(self) -> list:
        return [WF("Next")]

    def properties(self) -> dict:
        return {"Success": Eventually(lambda s: len(s.chosen) > 0, "<>(chosen # {})")}

    # -- reading
    def show_state(self, s: ConsensusState) -> dict[str, Any]:
        return {"chosen": sorted(value_name(v) for v in s.chosen)}

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return value_name(value)

    # -- symmetry: values are interchangeable
    def symmetric_sets(self) -> dict[str, int]:
        return {"Value": len(self.Value)}

    def permute(self, s: ConsensusState, perm: Any) -> ConsensusState:
        pv = perm["Value"]
        return ConsensusState(frozenset(pv[v] for v in s.chosen))
