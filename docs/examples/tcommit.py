"""TCommit.tla (tlaplus/Examples, specifications/transaction_commit) as a paxraft spec.

The transaction-commit problem: resource managers (RMs) each prepare, then all commit or all
abort; TCConsistent says no RM commits while another aborts.  Read it beside TCommit.tla:
one method per action, named as there; docs/writing-a-spec.md walks through it.

    paxraft check docs/examples/tcommit.py:TCommit --rms 3      # 34 distinct states, as TLC
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from spec.core import WF, Eventually, Spec, action, invariant

# RM states as small ints (hashing ints is the same in every process: deterministic fingerprints);
# show_state prints their names.
WORKING, PREPARED, COMMITTED, ABORTED = range(4)
RM_STATE = ("working", "prepared", "committed", "aborted")


class TCState(NamedTuple):
    rmState: tuple[int, ...]  # rmState[rm]


class TCommit(Spec):
    """Transaction commit (Gray and Lamport): every RM commits or every RM aborts."""

    variables = ("rmState",)

    def __init__(self, rms: Annotated[int, "number of resource managers (RM = r1..rN)"] = 3) -> None:
        self.RM = tuple(range(rms))
        super().__init__()

    def init_states(self) -> list[TCState]:
        """TCInit: every RM is working."""
        return [TCState((WORKING,) * len(self.RM))]

    def each_rm(self, s: TCState) -> list[tuple[int]]:
        """The parameters of an action of one RM: \\E rm \\in RM."""
        return [(rm,) for rm in self.RM]

    def can_commit(self, s: TCState) -> bool:
        return all(x in (PREPARED, COMMITTED) for x in s.rmState)

    def not_committed(self, s: TCState) -> bool:
        return all(x != COMMITTED for x in s.rmState)

    @staticmethod
    def set_rm(s: TCState, rm: int, value: int) -> TCState:
        """[rmState EXCEPT ![rm] = value]."""
        return TCState(s.rmState[:rm] + (value,) + s.rmState[rm + 1 :])

    @action(each_rm)
    def Prepare(self, s: TCState, rm: int) -> TCState | None:
        if s.rmState[rm] != WORKING:
            return None
        return self.set_rm(s, rm, PREPARED)

    # Decide(rm) is a disjunction whose two branches can both be enabled (every RM prepared):
    # each branch is a successor of its own, so the decision is a parameter.
    @action(lambda self, s: [(rm, d) for rm in self.RM for d in (COMMITTED, ABORTED)])
    def Decide(self, s: TCState, rm: int, decision: int) -> TCState | None:
        if decision == COMMITTED and s.rmState[rm] == PREPARED and self.can_commit(s):
            return self.set_rm(s, rm, COMMITTED)
        if decision == ABORTED and s.rmState[rm] in (WORKING, PREPARED) and self.not_committed(s):
            return self.set_rm(s, rm, ABORTED)
        return None

    @invariant
    def TCTypeOK(self, s: TCState) -> bool:
        return len(s.rmState) == len(self.RM) and all(x in range(4) for x in s.rmState)

    @invariant
    def TCConsistent(self, s: TCState) -> bool:
        return not (ABORTED in s.rmState and COMMITTED in s.rmState)

    # -- how states and parameters read ------------------------------------------------------
    def show_state(self, s: TCState) -> dict[str, Any]:
        return {"rmState": {f"r{rm + 1}": RM_STATE[x] for rm, x in enumerate(s.rmState)}}

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return RM_STATE[value] if param == "decision" else f"r{value + 1}"

    # -- symmetry: RMs are interchangeable --------------------------------------------------
    def symmetric_sets(self) -> dict[str, int]:
        return {"RM": len(self.RM)}

    def permute(self, s: TCState, perm: Any) -> TCState:
        pi, out = perm["RM"], [WORKING] * len(self.RM)
        for rm, x in enumerate(s.rmState):
            out[pi[rm]] = x
        return TCState(tuple(out))

    # -- liveness: with every RM's steps weakly fair, every RM decides --------------------------
    def fairness(self) -> list:
        return [WF("Prepare", "Decide")]

    def properties(self) -> dict:
        decided = (COMMITTED, ABORTED)
        return {"Termination": Eventually(lambda s: all(x in decided for x in s.rmState), "<>(all RMs decided)")}
