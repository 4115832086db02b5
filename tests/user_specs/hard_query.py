"""A spec whose encoding's every query is hard for Z3 (its axioms hold a pigeonhole: 13 pigeons, 12 holes, in
propositions), for tests/test_user_proof.py's Ctrl-C while Z3 searches. ``axioms()`` writes ``axioms`` to stderr
as the query is about to go to Z3, so the test knows when to send SIGINT."""

from __future__ import annotations

import sys
from typing import Any

import z3

from proofs.user import Encoding, transition
from spec.core import Spec, action, invariant

HOLES = 12


class Lamp(Spec):
    """One lamp, switched on once."""

    variables = ("on",)

    def init_states(self) -> list[bool]:
        return [False]

    @action(lambda self, s: [()])
    def SwitchOn(self, s: bool) -> bool | None:
        return None if s else True

    @invariant
    def Fine(self, s: bool) -> bool:
        return True


class LampProof(Encoding):
    spec = Lamp
    rigid = {f"p{i}h{j}": "" for i in range(HOLES + 1) for j in range(HOLES)}
    variables = {"on": ""}

    def axioms(self) -> dict[str, Any]:
        print("axioms", file=sys.stderr, flush=True)
        p = [[getattr(self, f"p{i}h{j}") for j in range(HOLES)] for i in range(HOLES + 1)]
        return {"EachPigeonHasAHole": [z3.Or(row) for row in p],
                "NoSharedHole": [z3.Not(z3.And(p[a][j], p[b][j])) for j in range(HOLES)
                                 for a in range(HOLES + 1) for b in range(a + 1, HOLES + 1)]}

    def init(self, s: Any) -> z3.BoolRef:
        return z3.Not(s.on)

    @transition()
    def SwitchOn(self, s: Any, t: Any) -> z3.BoolRef:
        return z3.And(z3.Not(s.on), t.on == z3.BoolVal(True))

    def invariant(self, s: Any) -> dict[str, z3.BoolRef]:  # true (the axioms are unsatisfiable), proved only by
        return {"NotFirst": z3.Not(self.p0h0)}  # refuting the pigeonhole: minutes of Z3

    def safety(self, s: Any) -> dict[str, z3.BoolRef]:
        return self.invariant(s)
