"""A counter whose steps a hidden flag enables, and an encoding that abstracts the flag away (it over-approximates:
Step is always enabled), for tests/test_user_proof.py: the spec's two initial states look alike to the encoding,
and only the second (flag set) can step. BMC's counterexample (x = 0, Step, x = 1) is a behaviour of the spec
through the second; following the first alone said the spec had none ("drifted", exit 3)."""

from __future__ import annotations

from typing import Any, NamedTuple

import z3

from proofs.user import Encoding, transition
from spec.core import Spec, action, invariant


class Counter(NamedTuple):
    x: int
    flag: bool  # hidden from the encoding


class HiddenFlag(Spec):
    variables = ("x", "flag")

    def init_states(self) -> list[Counter]:
        return [Counter(0, False), Counter(0, True)]

    @action(lambda self, s: [()])
    def Step(self, s: Counter) -> Counter | None:
        return s._replace(x=s.x + 1) if s.flag and s.x < 2 else None

    @invariant
    def StaysZero(self, s: Counter) -> bool:
        return s.x == 0


class HiddenFlagProof(Encoding):
    spec = HiddenFlag
    sorts = ("Num",)
    orders = {"Num": "le"}
    variables = {"x": "-> Num"}

    def init(self, s: Any) -> z3.BoolRef:
        n = z3.Const("N", self.Num)
        return z3.ForAll([n], self.le(s.x, n))  # x is the least number

    @transition()
    def Step(self, s: Any, t: Any) -> z3.BoolRef:  # (the flag dropped: x goes to the next number, always)
        n = z3.Const("N", self.Num)
        between = z3.And(self.le(s.x, n), self.le(n, t.x), n != s.x, n != t.x)
        return z3.And(self.le(s.x, t.x), s.x != t.x, z3.ForAll([n], z3.Not(between)))

    def invariant(self, s: Any) -> dict[str, z3.BoolRef]:
        return self.safety(s)

    def safety(self, s: Any) -> dict[str, z3.BoolRef]:
        n = z3.Const("N", self.Num)
        return {"StaysZero": z3.ForAll([n], self.le(s.x, n))}

    def domains(self, spec: HiddenFlag) -> dict[str, Any]:
        return {"Num": [0, 1, 2]}

    def abstract(self, spec: HiddenFlag, s: Counter) -> dict[str, Any]:
        return {"x": s.x}
