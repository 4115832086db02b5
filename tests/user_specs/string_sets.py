"""A hostile tester's spec (hostile5): states holding strings, whose hashes Python salts per process.

Every subset of ten names is reachable and every step can be undone, so a search meets states seen
levels before: 1,024 distinct states, 10,241 generated, depth 11, in every process and transport.

    paxraft check tests/user_specs/string_sets.py:Subsets
"""

from __future__ import annotations

from typing import NamedTuple

from spec.core import Spec, action, invariant

NAMES = ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")


class Held(NamedTuple):
    held: frozenset[str]


class Subsets(Spec):
    """Subsets of ten names, one name added or removed per step."""

    variables = ("held",)

    def init_states(self) -> list[Held]:
        return [Held(frozenset())]

    @action(lambda self, s: [(x,) for x in NAMES])
    def Flip(self, s: Held, x: str) -> Held:
        return Held(s.held ^ {x})

    @invariant
    def Names(self, s: Held) -> bool:
        return s.held <= set(NAMES)
