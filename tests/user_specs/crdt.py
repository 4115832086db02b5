"""A grow-only counter CRDT: tlaplus/Examples' FiniteMonotonic/CRDT.tla, with its action property
``Monotonicity == [][Monotonic]_counter`` as an action invariant.

tests/user_specs/CRDT/ holds CRDT.tla (verbatim) and the models TLC 2.20 ran: MCCRDTPlain (Spec under MCCRDT's
constraint, every node's own counter at most 3) and MCCRDTReduction (MCCRDT.tla's ReductionNext, whose reduction
subtracts the least counter from every counter after a step, ``\\cdot``; MCCRDT.cfg leaves Monotonicity out, for the
reduction breaks it, and no state invariant):

    paxraft check tests/user_specs/crdt.py:CRDT --nodes 3
    paxraft check tests/user_specs/crdt.py:CRDT --variant reduction

One action, Step, takes the disjunct as a parameter, so that the steps are tried in the text's order and TLC's states
generated are paxraft's.
A composed step ``A \\cdot B`` is one step here; TLC counts its middle state too in its states generated (the
reduction's whole model: TLC 2,401, paxraft 1,601; 100 distinct states and depth 9 either way).
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

from spec.core import Spec, SpecError, action, action_invariant, invariant

INCREMENT, GOSSIP, INCREMENT_REDUCE, GOSSIP_REDUCE = range(4)


class CounterState(NamedTuple):
    counter: tuple[tuple[int, ...], ...]  # counter[n][o]: node n's view of node o's count


class CRDT(Spec):
    """A grow-only counter: each node increments its own entry and gossips its view, merged by max."""

    name = "CRDT"
    variables = CounterState._fields
    canonical_order = False  # the enumerators iterate ranges: the steps in TLC's order, not sorted

    def __init__(self, nodes: Annotated[int, "number of nodes (Node = n1..nN)"] = 2, max_count: int = 3) -> None:
        for flag, x in (("nodes", nodes), ("max-count", max_count)):
            if not isinstance(x, int) or not 1 <= x <= 6:
                raise SpecError(f"CRDT: --{flag} must be an integer from 1 to 6, got {x!r}")
        self.N, self.C = nodes, max_count
        super().__init__()

    def init_states(self) -> list[CounterState]:
        return [CounterState(((0,) * self.N,) * self.N)]

    def constraint(self, s: CounterState) -> bool:
        """MCCRDT's Constraint: \\A n \\in Node : counter[n][n] <= 3"""
        return all(s.counter[n][n] <= self.C for n in range(self.N))

    def steps(self, s: CounterState) -> list[tuple[int, int, int]]:
        """Next: ``(\\E n \\in Node : Increment(n)) \\/ (\\E n, o \\in Node : Gossip(n, o))``, in TLC's order."""
        nodes = range(self.N)
        return [(n, n, INCREMENT) for n in nodes] + [(n, o, GOSSIP) for o in nodes for n in nodes]

    @action(lambda self, s: self.steps(s))
    def Step(self, s: CounterState, n: int, o: int, kind: int) -> CounterState:
        """``\\E n, o \\in Node : Increment(n) \\/ Gossip(n, o) [\\/ ...AndReduction]``, one disjunct per ``kind``."""
        c = s.counter
        if kind in (INCREMENT, INCREMENT_REDUCE):
            c = c[:n] + (c[n][:n] + (c[n][n] + 1,) + c[n][n + 1 :],) + c[n + 1 :]
        else:
            c = c[:o] + (tuple(max(a, b) for a, b in zip(c[n], c[o])),) + c[o + 1 :]
        if kind in (INCREMENT_REDUCE, GOSSIP_REDUCE):
            m = min(min(row) for row in c)
            c = tuple(tuple(x - m for x in row) for row in c)
        return CounterState(c)

    @invariant
    def TypeOK(self, s: CounterState) -> bool:
        return all(x >= 0 for row in s.counter for x in row)

    @invariant
    def Safety(self, s: CounterState) -> bool:
        return all(s.counter[n][n] >= s.counter[o][n] for n in range(self.N) for o in range(self.N))

    @action_invariant
    def Monotonicity(self, s: CounterState, t: CounterState) -> bool:
        """``[][\\A n, o \\in Node : counter'[n][o] >= counter[n][o]]_counter``"""
        return all(b >= a for x, y in zip(s.counter, t.counter) for a, b in zip(x, y))

    def symmetric_sets(self) -> dict[str, int]:
        return {"Node": self.N}

    def permute(self, s: CounterState, perm: dict) -> CounterState:
        p, c = perm["Node"], s.counter
        out = [[0] * self.N for _ in range(self.N)]
        for n in range(self.N):
            for o in range(self.N):
                out[p[n]][p[o]] = c[n][o]
        return CounterState(tuple(tuple(row) for row in out))


class Reduction(CRDT):
    """MCCRDT's ReductionNext: after an Increment or a Gossip, a step may subtract the least counter from all."""

    variant = "reduction"
    rule = "a step may also subtract the least counter from every counter (MCCRDT's reduction, \\cdot)"
    breaks = "Monotonicity"
    failing_bounds = {"nodes": 2, "max_count": 3}
    trace_length = 4

    def steps(self, s: CounterState) -> list[tuple[int, int, int]]:
        """ReductionNext: ``\\E n, o \\in Node`` over the four disjuncts (Increment(n) once per o, as TLC takes it)."""
        nodes = range(self.N)
        return [(n, o, k) for o in nodes for n in nodes for k in range(4)]
