"""An abstract leader election: the smallest initiator is elected in one step.

ChangRoberts (tests/user_specs/chang_roberts.py) refines it: a ring step either elects the
leader or changes nothing visible here.
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

from spec.core import Spec, action, invariant

NONE = -1


class Elected(NamedTuple):
    initiator: tuple[bool, ...]
    leader: int  # a node, or NONE


class LeaderElection(Spec):
    """Leader election in one step: the initiator with the smallest identity becomes leader."""

    variables = ("initiator", "leader")

    def __init__(
        self,
        nodes: Annotated[int, "number of nodes"] = 3,
        ids: Annotated[str, "the nodes' identities, comma-separated; default 1..N"] = "",
    ) -> None:
        self.Node = tuple(range(nodes))
        self.Id = tuple(int(x) for x in ids.split(",")) if ids else tuple(range(1, nodes + 1))
        super().__init__()

    def init_states(self) -> list[Elected]:
        n = len(self.Node)
        return [Elected(tuple(bool(b >> i & 1) for i in self.Node), NONE) for b in range(2**n)]

    @action(lambda self, s: [(n,) for n in self.Node])
    def Elect(self, s: Elected, n: int) -> Elected | None:
        if s.leader != NONE or not s.initiator[n]:
            return None
        if self.Id[n] != min(self.Id[m] for m in self.Node if s.initiator[m]):
            return None
        return s._replace(leader=n)

    @invariant
    def LeaderIsInitiator(self, s: Elected) -> bool:
        return s.leader == NONE or s.initiator[s.leader]
