"""Encodings with a mistake each, for the one-line errors of ``paxraft prove`` (tests/test_user_proof.py).

Each spec class is OneBallot under another name, so that each can have its own (wrong) encoding.
"""

from __future__ import annotations

from typing import Any

import z3
from one_ballot import OneBallot, OneBallotProof

from proofs.user import Encoding, transition


class NoEncoding(OneBallot):
    """A spec whose file declares no encoding of it."""


class ExtraAction(OneBallot):
    pass


class ExtraActionProof(OneBallotProof):
    """An action the spec does not have."""

    spec = ExtraAction

    @transition(n="Node")
    def Retract(self, s: Any, t: Any, n: z3.ExprRef) -> z3.BoolRef:
        return t.voted.remove(n)


class NotAFormula(OneBallot):
    pass


class NotAFormulaProof(OneBallotProof):
    """A conjunct that is a term of sort Node, not a formula."""

    spec = NotAFormula

    def invariant(self, s: Any) -> dict[str, Any]:
        return {**super().invariant(s), "SomeNode": z3.Const("N", self.Node)}


class WrongArguments(OneBallot):
    pass


class WrongArgumentsProof(OneBallotProof):
    """Init applies votes to (Value, Node): z3 refuses."""

    spec = WrongArguments

    def init(self, s: Any) -> z3.BoolRef:
        n, v = z3.Const("N", self.Node), z3.Const("V", self.Value)
        return z3.ForAll([n, v], z3.Not(s.votes(v, n)))


class UnknownSort(OneBallot):
    pass


class UnknownSortProof(OneBallotProof):
    """A variable over a sort never declared."""

    spec = UnknownSort
    variables = {**OneBallotProof.variables, "round": "Node, Round"}


class MissingAction(OneBallot):
    pass


class MissingActionProof(Encoding):
    """No formula for the spec's Decide."""

    spec = MissingAction
    sorts = ("Node", "Value")
    variables = {"votes": "Node, Value"}

    @transition(n="Node", v="Value")
    def Vote(self, s: Any, t: Any, n: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        return t.votes.add(n, v)


class CapturedParameter(OneBallot):
    pass


class CapturedParameterProof(OneBallotProof):
    """A bound variable named as the parameter: the quantifier would capture it."""

    spec = CapturedParameter

    def vote_guard(self, s: Any, n: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        return z3.ForAll([v], z3.Not(s.votes(n, v)))


class NoDomains(OneBallot):
    pass


class NoDomainsProof(OneBallotProof):
    """A finite instance that forgets a sort (bmc, conformance)."""

    spec = NoDomains

    def domains(self, spec: Any) -> dict[str, Any]:
        return {"Node": spec.Node, "Value": spec.Value}


class PreStateUpdate(OneBallot):
    pass


class PreStateUpdateProof(OneBallotProof):
    """A new value given to the state before the step (s.votes.add, not t.votes.add)."""

    spec = PreStateUpdate

    def vote_update(self, s: Any, t: Any, n: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        return s.votes.add(n, v)


class QuorumByIndex(OneBallot):
    pass


class QuorumByIndexProof(OneBallotProof):
    """Quorums numbered in the finite instance, while the spec's Decide passes the quorum itself: label() must map
    it (tests/test_user_proof.py adds the label() that does)."""

    spec = QuorumByIndex

    def domains(self, spec: Any) -> dict[str, Any]:
        return {"Node": spec.Node, "Value": spec.Value, "Quorum": range(len(spec.Quorum))}

    def interpret(self, spec: Any) -> dict[str, Any]:
        return {"member": lambda n, q: n in spec.Quorum[q]}


# -- what the finite instance's methods return (each was an internal error, exit 4: hostile12) --------------
class AbstractFormula(OneBallot):
    pass


class AbstractFormulaProof(OneBallotProof):
    """abstract() gives a z3 formula for a relation: the spec's state is concrete, its value a Python bool."""

    spec = AbstractFormula

    def abstract(self, spec: Any, s: Any) -> dict[str, Any]:
        return {**super().abstract(spec, s), "voted": lambda n: z3.Bool(f"voted{n}")}


class AbstractList(OneBallot):
    pass


class AbstractListProof(OneBallotProof):
    spec = AbstractList

    def abstract(self, spec: Any, s: Any) -> Any:
        return ["voted", "votes", "decided"]


class UnhashableDomain(OneBallot):
    pass


class UnhashableDomainProof(OneBallotProof):
    spec = UnhashableDomain

    def domains(self, spec: Any) -> dict[str, Any]:
        return {**super().domains(spec), "Quorum": [list(q) for q in spec.Quorum]}


class CountedDomain(OneBallot):
    pass


class CountedDomainProof(OneBallotProof):
    spec = CountedDomain

    def domains(self, spec: Any) -> dict[str, Any]:
        return {**super().domains(spec), "Node": len(spec.Node)}


class InterpretList(OneBallot):
    pass


class InterpretListProof(OneBallotProof):
    spec = InterpretList

    def interpret(self, spec: Any) -> Any:
        return [lambda n, q: n in q]


class LabelNumber(OneBallot):
    pass


class LabelNumberProof(OneBallotProof):
    spec = LabelNumber

    def label(self, spec: Any, action: str, params: tuple) -> Any:
        return len(params)


# -- names z3 would take for one constant (a proof of something else, silently: hostile12) -------------------
class ConstantParameter(OneBallot):
    pass


class ConstantParameterProof(OneBallotProof):
    """A state constant named ``n`` as Vote's parameter is: z3's constant ``n`` is both, so Vote let only node ``s.n``
    vote, and the false conjunct OnlyNVotes was proved (4/4, exit 0)."""

    spec = ConstantParameter
    variables = {**OneBallotProof.variables, "n": "-> Node"}

    def invariant(self, s: Any) -> dict[str, z3.BoolRef]:
        m = z3.Const("M", self.Node)
        return {**super().invariant(s), "OnlyNVotes": z3.ForAll([m], z3.Implies(s.voted(m), m == s.n))}


class ConstantBound(OneBallot):
    pass


class ConstantBoundProof(OneBallotProof):
    """A bound variable named as the state constant ``leader``: the quantifier binds the state's leader too."""

    spec = ConstantBound
    variables = {**OneBallotProof.variables, "leader": "-> Node"}

    def invariant(self, s: Any) -> dict[str, z3.BoolRef]:
        n = z3.Const("leader", self.Node)
        return {**super().invariant(s), "LeaderVoted": z3.ForAll([n], z3.Implies(n == s.leader, s.voted(n)))}


class StateAttribute(OneBallot):
    pass


class StateAttributeProof(OneBallotProof):
    """A variable named as an attribute of the state object: s.tag was the state's tag, a string."""

    spec = StateAttribute
    variables = {**OneBallotProof.variables, "tag": "Node"}


class FreeConstant(OneBallot):
    pass


class FreeConstantProof(OneBallotProof):
    """A conjunct over a z3 constant neither declared nor bound: the table was printed, then its CTI's evaluation
    ended in 'internal error: KeyError' (exit 4)."""

    spec = FreeConstant

    def invariant(self, s: Any) -> dict[str, z3.BoolRef]:
        return {**super().invariant(s), "SomeVoted": s.voted(z3.Const("somebody", self.Node))}
