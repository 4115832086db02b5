"""Per-node clocks that only move forward, with a Z3 encoding over an ordered sort and a function.

The encoding's state is a function ``time: Node -> Round`` and a relation ``seen(n, r)`` (every round a node's
clock showed); ``Round`` is ordered (``orders``: its order ``le`` and the total-order axioms are declared for
you), and ``zero`` is a rigid constant. The variant ``time-travel`` lets a clock go back.

    paxraft prove tests/user_specs/logical_clock.py:Clock
    paxraft bmc tests/user_specs/logical_clock.py:Clock --variant time-travel --depth 3 --nodes 1   # 2 steps
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

import z3

from proofs.user import Encoding, transition
from spec.core import Spec, SpecError, action, invariant


class ClockState(NamedTuple):
    time: tuple[int, ...]  # time[n]: node n's clock
    seen: frozenset[tuple[int, int]]  # (n, r): n's clock showed r


class Clock(Spec):
    """Each node's clock ticks to any later round."""

    variables = ("time", "seen")

    def __init__(
        self,
        nodes: Annotated[int, "number of nodes"] = 2,
        max_round: Annotated[int, "largest round (rounds 0..MAX)"] = 2,
    ) -> None:
        if nodes < 1 or max_round < 0:
            raise SpecError("--nodes must be at least 1 and --max-round at least 0")
        self.Node, self.Round = tuple(range(nodes)), tuple(range(max_round + 1))
        super().__init__()

    def init_states(self) -> list[ClockState]:
        return [ClockState((0,) * len(self.Node), frozenset())]

    def may_tick(self, s: ClockState, n: int, r: int) -> bool:
        return r > s.time[n]

    @action(lambda self, s: [(n, r) for n in self.Node for r in self.Round])
    def Tick(self, s: ClockState, n: int, r: int) -> ClockState | None:
        if not self.may_tick(s, n, r):
            return None
        return ClockState(s.time[:n] + (r,) + s.time[n + 1 :], s.seen | {(n, r)})

    @invariant
    def NoGoingBack(self, s: ClockState) -> bool:
        return all(r <= s.time[n] for n, r in s.seen)


class TimeTravel(Clock):
    """A clock may move to any other round, earlier ones too."""

    variant = "time-travel"
    rule = "Tick: r # time[n] in place of r > time[n]"
    breaks = "NoGoingBack"
    trace_length = 2

    def may_tick(self, s: ClockState, n: int, r: int) -> bool:
        return r != s.time[n]


class ClockProof(Encoding):
    spec = Clock
    sorts = ("Node", "Round")
    orders = {"Round": "le"}
    rigid = {"zero": "-> Round"}
    variables = {"time": "Node -> Round", "seen": "Node, Round"}

    def axioms(self) -> dict[str, z3.BoolRef]:
        r = z3.Const("R", self.Round)
        return {"ZeroLeast": z3.ForAll([r], self.le(self.zero, r))}

    def init(self, s: Any) -> z3.BoolRef:
        n, r = z3.Const("N", self.Node), z3.Const("R", self.Round)
        return z3.And(z3.ForAll([n], s.time(n) == self.zero), z3.ForAll([n, r], z3.Not(s.seen(n, r))))

    def tick_guard(self, s: Any, n: z3.ExprRef, r: z3.ExprRef) -> z3.BoolRef:
        return z3.And(self.le(s.time(n), r), s.time(n) != r)

    @transition(n="Node", r="Round")
    def Tick(self, s: Any, t: Any, n: z3.ExprRef, r: z3.ExprRef) -> z3.BoolRef:
        return z3.And(self.tick_guard(s, n, r), t.time.set(lambda m: z3.If(m == n, r, s.time(m))), t.seen.add(n, r))

    def invariant(self, s: Any) -> dict[str, z3.BoolRef]:
        return {"SeenNotAfterTime": self.no_going_back(s)}

    def safety(self, s: Any) -> dict[str, z3.BoolRef]:
        return {"NoGoingBack": self.no_going_back(s)}

    def no_going_back(self, s: Any) -> z3.BoolRef:
        n, r = z3.Const("N", self.Node), z3.Const("R", self.Round)
        return z3.ForAll([n, r], z3.Implies(s.seen(n, r), self.le(r, s.time(n))))

    def domains(self, spec: Clock) -> dict[str, Any]:
        return {"Node": spec.Node, "Round": spec.Round}

    def interpret(self, spec: Clock) -> dict[str, Any]:
        return {"zero": 0}

    def abstract(self, spec: Clock, s: ClockState) -> dict[str, Any]:
        return {"time": lambda n: s.time[n], "seen": lambda n, r: (n, r) in s.seen}


class TimeTravelProof(ClockProof):
    spec = TimeTravel

    def tick_guard(self, s: Any, n: z3.ExprRef, r: z3.ExprRef) -> z3.BoolRef:
        return s.time(n) != r
