"""The abstract log a Multi-Paxos implements (tests/user_specs/multipaxos_smr.py refines it): each slot of the log
chooses at most one command, once, and keeps it. Consensus.tla (tlaplus/Examples, Paxos) for every slot at once."""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from spec.core import Spec, action, invariant


class LogState(NamedTuple):
    chosen: tuple[frozenset[int], ...]  # chosen[k]: the commands chosen in slot k + 1 (at most one)


class SlotLog(Spec):
    """A log whose every slot chooses at most one command, once (Consensus per slot)."""

    variables = ("chosen",)

    def __init__(
        self,
        slots: Annotated[int, "number of log slots"] = 2,
        commands: Annotated[int, "number of commands (1..N)"] = 2,
    ) -> None:
        self.Slots = tuple(range(slots))
        self.Commands = tuple(range(1, commands + 1))
        super().__init__()

    def init_states(self) -> list[LogState]:
        return [LogState((frozenset(),) * len(self.Slots))]

    @action(lambda self, s: [(k, c) for k in self.Slots for c in self.Commands])
    def Choose(self, s: LogState, k: int, c: int) -> LogState | None:
        """chosen[k] = {} /\\ chosen' = [chosen EXCEPT ![k] = {c}]."""
        if s.chosen[k]:
            return None
        return LogState(s.chosen[:k] + (frozenset({c}),) + s.chosen[k + 1 :])

    @invariant
    def Agreement(self, s: LogState) -> bool:
        return all(len(x) <= 1 for x in s.chosen)

    def show_state(self, s: LogState) -> dict[str, Any]:
        return {"chosen": {f"slot {k + 1}": sorted(x) for k, x in enumerate(s.chosen)}}
