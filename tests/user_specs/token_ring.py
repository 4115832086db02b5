"""Dijkstra's self-stabilizing token ring (EWD426), as TokenRing.tla in tlaplus/Examples (specifications/ewd426).

    paxraft check tests/user_specs/token_ring.py:TokenRing --nodes 6 --values 6 --liveness Stab

N nodes in a ring hold counters in 0..M-1, starting anywhere (every assignment is an initial state). Node 0
holds the token when its counter equals node N-1's, and then increments its own; node i > 0 holds it when its
counter differs from node i-1's, and then copies it. Whatever the start, under weak fairness of the whole
next-state relation the ring reaches a state with exactly one token and stays in such states for ever:
``Stab == <>[]UniqueToken``, a property of the kind ``EventuallyAlways``. It needs N <= M + 1 (the spec's
ASSUME); :class:`TooFewValues` drops it, and TLC and paxraft both find a behaviour that never stabilizes.
TLC 2.20 on TokenRing.cfg (N = M = 6): 46,656 distinct states, 248,832 generated, depth 1, Stab holds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Annotated, Any, NamedTuple

from spec.core import WF, EventuallyAlways, Spec, SpecError, action, invariant


class Ring(NamedTuple):
    """``c``: the counter of each node."""

    c: tuple[int, ...]


class TokenRing(Spec):
    """TokenRing.tla: CreateToken at node 0, PassToken(i) elsewhere; Spec == Init /\\ [][Next]_vars /\\ WF(Next)."""

    variables = Ring._fields

    def __init__(self, nodes: Annotated[int, "the ring's size (N; Node = 0..N-1)"] = 6,
                 values: Annotated[int, "the counters' range (M; 0..M-1; the spec assumes N <= M + 1)"] = 6) -> None:
        for what, val in (("nodes", nodes), ("values", values)):
            if not isinstance(val, int) or isinstance(val, bool) or val < 1:
                raise SpecError(f"token ring: --{what} must be an integer >= 1, got {val!r}")
        self.check_assumption(nodes, values)
        self.N, self.M = nodes, values
        super().__init__()

    def check_assumption(self, nodes: int, values: int) -> None:
        """``ASSUME N <= M + 1``: with fewer values the ring need not stabilize."""
        if nodes > values + 1:
            raise SpecError(f"token ring: the spec assumes N <= M + 1; got {nodes} nodes and {values} values "
                            "(TooFewValues drops the assumption)")

    def init_states(self) -> Iterator[Ring]:
        """``c \\in [Node -> 0..M-1]``: every assignment."""
        return (Ring(c) for c in itertools.product(range(self.M), repeat=self.N))

    @action()
    def CreateToken(self, s: Ring) -> Ring | None:
        """Node 0 holds the token (its counter equals its predecessor's) and injects a new value."""
        if s.c[0] != s.c[-1]:
            return None
        return Ring(((s.c[-1] + 1) % self.M,) + s.c[1:])

    @action(params=lambda self, s: ((i,) for i in range(1, self.N)))
    def PassToken(self, s: Ring, i: int) -> Ring | None:
        """Node i holds the token (its counter differs from its predecessor's) and copies the predecessor's."""
        if s.c[i] == s.c[i - 1]:
            return None
        return Ring(s.c[:i] + (s.c[i - 1],) + s.c[i + 1:])

    @invariant
    def TypeOK(self, s: Ring) -> bool:
        """``c \\in [Node -> 0..M-1]``"""
        return len(s.c) == self.N and all(0 <= x < self.M for x in s.c)

    def unique_token(self, s: Ring) -> bool:
        """``UniqueToken``: for some i in 0..N, the counters before i equal c[0] and those from i on are c[0] - 1
        (mod M): the one token is at i (at node 0 when i = N)."""
        c0, below = s.c[0], (s.c[0] - 1) % self.M
        return any(all(x == c0 for x in s.c[:i]) and all(x == below for x in s.c[i:]) for i in range(self.N + 1))

    def properties(self) -> dict[str, Any]:
        """``Stab == <>[]UniqueToken``"""
        return {"Stab": EventuallyAlways(self.unique_token, "<>[]UniqueToken")}

    def fairness(self) -> list[Any]:
        """``WF_vars(Next)``: fairness of the whole next-state relation, both actions as one family."""
        return [WF("CreateToken", "PassToken")]

    def bounds(self) -> dict[str, Any]:
        return {"nodes": self.N, "values": self.M}


class TooFewValues(TokenRing):
    """Fewer counter values than the ring needs: two tokens can chase each other round it for ever."""

    variant = "too-few-values"
    rule = "the ASSUME N <= M + 1 dropped"
    breaks = "Stab"
    failing_bounds = {"nodes": 4, "values": 2}
    trace_length = 8  # no prefix: from an initial state, a loop of 8 steps (TLC's own counterexample)

    def check_assumption(self, nodes: int, values: int) -> None:
        """No assumption."""
