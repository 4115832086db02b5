"""Consensus for every slot of a log: each slot chooses at most one command, once (Consensus.tla, per slot).

Multi-Paxos implements it under the mapping ``chosen[slot] <- the commands a majority accepted in one
ballot for that slot`` (:func:`from_multipaxos`), so ``paxraft refine multipaxos slot-consensus``
checks per-slot agreement on every reachable step, not only the client-visible Linearizability.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from spec.core import Spec, SpecError, action, invariant
from spec.multipaxos import ACCEPT, ACCEPT_REPLY, MultiPaxos, MultiPaxosState


class SlotConsensusState(NamedTuple):
    """Per slot 1..N, the set of chosen commands."""

    chosen: tuple[frozenset[int], ...]


class SlotConsensus(Spec):
    """Consensus.tla for each of ``slots`` slots, over ``commands`` commands."""

    canonical_order = False  # enumerators iterate tuples and ranges, or sets of small-int tuples built alike

    name = "slot-consensus"
    variables = ("chosen",)

    def __init__(self, slots: int = 2, commands: int = 2) -> None:
        for what, val in (("slots", slots), ("commands", commands)):
            if not isinstance(val, int) or val < 1:
                raise SpecError(f"slot-consensus: --{what} must be an integer >= 1, got {val!r}")
        self.Slots = tuple(range(slots))
        self.Commands = tuple(range(commands))
        super().__init__()

    def init_states(self) -> Iterator[SlotConsensusState]:
        """Nothing chosen in any slot."""
        yield SlotConsensusState((frozenset(),) * len(self.Slots))

    @action(params=lambda self, s: ((k, c) for k in self.Slots for c in self.Commands))
    def Choose(self, s: SlotConsensusState, k: int, c: int) -> SlotConsensusState | None:
        """Slot k has chosen nothing yet, and chooses command c."""
        if s.chosen[k]:
            return None
        return SlotConsensusState(s.chosen[:k] + (frozenset({c}),) + s.chosen[k + 1 :])

    @invariant
    def Inv(self, s: SlotConsensusState) -> bool:
        """Every slot has chosen at most one command."""
        return all(len(c) <= 1 for c in s.chosen)

    def bounds(self) -> dict[str, Any]:
        """Slots and commands."""
        return {"slots": len(self.Slots), "commands": len(self.Commands)}

    def show_state(self, s: SlotConsensusState) -> dict[str, Any]:
        """chosen per slot, commands by number."""
        return {"chosen": {str(k + 1): sorted(c) for k, c in enumerate(s.chosen)}}

    def show_param(self, action: str, param: str, value: Any) -> Any:
        """Slots from 1, as in the TLA+ text."""
        return value + 1 if param == "k" else value


def chosen(spec: MultiPaxos, s: MultiPaxosState) -> tuple[frozenset[int], ...]:
    """Per slot, the commands of the Accepts that a majority answered in their ballot."""
    accepted: dict[tuple[int, int], set[int]] = {}
    for m in s.msgs:
        if m[0] == ACCEPT_REPLY:
            accepted.setdefault((m[2], m[3]), set()).add(m[1])
    out: list[set[int]] = [set() for _ in spec.Slots]
    for m in s.msgs:
        if m[0] == ACCEPT and len(accepted.get((m[2], m[3]), ())) >= spec.MajorityNum:
            out[m[3] - 1].add(m[4])
    return tuple(frozenset(c) for c in out)


def from_multipaxos(mp: MultiPaxos) -> tuple[SlotConsensus, Any]:
    """The per-slot Consensus a Multi-Paxos model implements, and the mapping."""
    return SlotConsensus(len(mp.Slots), len(mp.Commands)), lambda s: SlotConsensusState(chosen(mp, s))
