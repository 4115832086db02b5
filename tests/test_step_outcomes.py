"""benchmarks/step_outcomes.py: a check's step calls by outcome, on a spec written here, against a plain BFS
that classifies every call itself."""

from __future__ import annotations

from typing import NamedTuple

from spec.core import Spec, action
from tests.scripts import load_script

OUTCOMES = load_script("benchmarks/step_outcomes.py", "step_outcomes_bench")


class Two(NamedTuple):
    x: int
    y: int


class Walk(Spec):
    """x climbs by 0, 1 or 2 up to 5 (by 0: the state itself); y copies x; both ways reach states twice."""

    variables = Two._fields

    def init_states(self) -> list[Two]:
        return [Two(0, 0)]

    @action(lambda self, s: [(d,) for d in (0, 1, 2)])
    def Climb(self, s: Two, d: int) -> Two | None:
        if s.x + d > 5:
            return None
        return s if d == 0 else s._replace(x=s.x + d)

    @action(lambda self, s: [()])
    def Copy(self, s: Two) -> Two | None:
        return None if s.y == s.x else s._replace(y=s.x)


def _plain(spec: Spec) -> dict[str, dict[str, int]]:
    """Every step call of a breadth-first search, classified as it is made."""
    tallies = {a.name: dict.fromkeys(OUTCOMES.KINDS, 0) for a in spec.actions}
    seen = set(spec.init_states())
    frontier = list(seen)
    while frontier:
        nxt = []
        for s in frontier:
            for a in spec.actions:
                for p in a.enumerate(s):
                    t = a.step(s, *p)
                    kind = ("disabled" if t is None else "itself" if t is s else "seen" if t in seen else "new")
                    tallies[a.name][kind] += 1
                    if kind == "new":
                        seen.add(t)
                        nxt.append(t)
        frontier = nxt
    return tallies


def test_the_outcomes_are_those_a_plain_search_counts_and_the_actions_are_restored() -> None:
    spec = Walk()
    steps = [a.step for a in spec.actions]
    tallies, result = OUTCOMES.outcomes(spec)
    assert tallies == _plain(Walk())
    assert all(t[k] > 0 for t in tallies.values() for k in ("disabled", "seen", "new"))  # every kind happens
    assert tallies["Climb"]["itself"] > 0
    assert sum(t["new"] for t in tallies.values()) == result.distinct_states - 1
    assert [a.step for a in spec.actions] == steps
    assert "share of the calls" in OUTCOMES._table(tallies)
