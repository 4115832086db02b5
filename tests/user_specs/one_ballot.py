r"""One-ballot voting (mypyvy's toy_consensus): nodes vote once; a value a quorum voted for is decided.

Written from scratch in its own file, with its Z3 encoding beside it (docs/proofs.md, "Proving your own
protocol"): the explicit spec is explored by the checker, and ``OneBallotProof`` states the same protocol in
first-order logic over the sorts Node, Value and Quorum, so that ``paxraft prove`` proves Agreement for every
number of nodes, values and quorums, and ``paxraft bmc`` unrolls it on the instance the bounds give.

    paxraft check tests/user_specs/one_ballot.py:OneBallot                          # 3 nodes, 2 values
    paxraft prove tests/user_specs/one_ballot.py:OneBallot                          # 4/4 obligations proved
    paxraft prove tests/user_specs/one_ballot.py:OneBallot --conformance            # the encoding is the spec's
    paxraft bmc tests/user_specs/one_ballot.py:OneBallot --variant vote-twice --depth 6   # 6 steps, as check

The variant ``vote-twice`` plants a bug: a node may change its vote, so two quorums decide different values.
"""

from __future__ import annotations

from itertools import combinations
from typing import Annotated, Any, NamedTuple

import z3

from proofs.user import Encoding, template, transition
from spec.core import Spec, SpecError, action, invariant

NONE = -1  # a node that has not voted


class BallotState(NamedTuple):
    vote: tuple[int, ...]  # vote[n]: the value node n voted for, or NONE
    decided: frozenset[int]  # the values decided


class OneBallot(Spec):
    """Each node votes for one value; a value every member of some majority voted for is decided."""

    variables = ("vote", "decided")

    def __init__(
        self,
        nodes: Annotated[int, "number of nodes (n1..nN)"] = 3,
        values: Annotated[int, "number of values (v1..vK)"] = 2,
    ) -> None:
        if nodes < 1 or values < 1:
            raise SpecError("--nodes and --values must be at least 1")
        self.Node = tuple(range(nodes))
        self.Value = tuple(range(values))
        self.Quorum = tuple(combinations(self.Node, nodes // 2 + 1))  # majorities: any two meet
        super().__init__()

    def init_states(self) -> list[BallotState]:
        return [BallotState((NONE,) * len(self.Node), frozenset())]

    def may_vote(self, s: BallotState, n: int, v: int) -> bool:
        """The vote rule: a node votes once."""
        return s.vote[n] == NONE

    @action(lambda self, s: [(n, v) for n in self.Node for v in self.Value])
    def Vote(self, s: BallotState, n: int, v: int) -> BallotState | None:
        if not self.may_vote(s, n, v):
            return None
        return s._replace(vote=s.vote[:n] + (v,) + s.vote[n + 1 :])

    @action(lambda self, s: [(v, q) for v in self.Value for q in self.Quorum])
    def Decide(self, s: BallotState, v: int, q: tuple[int, ...]) -> BallotState | None:
        if v in s.decided or not all(s.vote[n] == v for n in q):
            return None
        return s._replace(decided=s.decided | {v})

    @invariant
    def Agreement(self, s: BallotState) -> bool:
        return len(s.decided) <= 1

    def show_param(self, action: str, param: str, value: Any) -> str:
        if param == "q":
            return "{" + ", ".join(f"n{n + 1}" for n in value) + "}"
        return f"{param}{value + 1}"

    def show_state(self, s: BallotState) -> dict[str, Any]:
        return {
            "vote": {f"n{n + 1}": "none" if v == NONE else f"v{v + 1}" for n, v in enumerate(s.vote)},
            "decided": sorted(f"v{v + 1}" for v in s.decided),
        }


class VoteTwice(OneBallot):
    """A node may vote again, for another value: two majorities decide different values."""

    variant = "vote-twice"
    rule = "Vote: a node that voted may vote again (the vote-once guard is dropped)"
    breaks = "Agreement"
    trace_length = 6

    def may_vote(self, s: BallotState, n: int, v: int) -> bool:
        return s.vote[n] != v


# -- the Z3 encoding -------------------------------------------------------------------------------
class OneBallotProof(Encoding):
    """OneBallot in first-order logic (mypyvy's toy_consensus_epr): every query is in EPR."""

    spec = OneBallot
    sorts = ("Node", "Value", "Quorum")
    rigid = {"member": "Node, Quorum"}
    variables = {"voted": "Node", "votes": "Node, Value", "decided": "Value"}

    def axioms(self) -> dict[str, z3.BoolRef]:
        n = z3.Const("N", self.Node)
        q, r = z3.Consts("Q R", self.Quorum)
        return {"QuorumIntersection": z3.ForAll([q, r], z3.Exists([n], z3.And(self.member(n, q), self.member(n, r))))}

    # paxraft infer: besides clauses over a node and two values, "some member of every quorum ..." clauses
    infer_templates = (template("N1:Node V1:Value V2:Value"),
                       template("V1:Value V2:Value Q1:Quorum", exists="y:Node", guard="member"))

    def init(self, s: Any) -> z3.BoolRef:
        n, v = z3.Const("N", self.Node), z3.Const("V", self.Value)
        return z3.And(
            z3.ForAll([n], z3.Not(s.voted(n))),
            z3.ForAll([n, v], z3.Not(s.votes(n, v))),
            z3.ForAll([v], z3.Not(s.decided(v))),
        )

    def vote_guard(self, s: Any, n: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        return z3.Not(s.voted(n))

    def vote_update(self, s: Any, t: Any, n: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        return t.votes.add(n, v)

    @transition(n="Node", v="Value")
    def Vote(self, s: Any, t: Any, n: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        return z3.And(self.vote_guard(s, n, v), t.voted.add(n), self.vote_update(s, t, n, v))

    def all_voted(self, s: Any, q: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        """Every member of quorum q voted for v."""
        n = z3.Const("N", self.Node)
        return z3.ForAll([n], z3.Implies(self.member(n, q), s.votes(n, v)))

    @transition(v="Value", q="Quorum")
    def Decide(self, s: Any, t: Any, v: z3.ExprRef, q: z3.ExprRef) -> z3.BoolRef:
        return z3.And(z3.Not(s.decided(v)), self.all_voted(s, q, v), t.decided.add(v))

    def invariant(self, s: Any) -> dict[str, z3.BoolRef]:
        n, v, w = z3.Const("N", self.Node), *z3.Consts("V W", self.Value)
        q = z3.Const("Q", self.Quorum)
        return {
            "VotesAreVoted": z3.ForAll([n, v], z3.Implies(s.votes(n, v), s.voted(n))),
            "OneVoteEach": z3.ForAll([n, v, w], z3.Implies(z3.And(s.votes(n, v), s.votes(n, w)), v == w)),
            "DecidedByQuorum": z3.ForAll([v], z3.Implies(s.decided(v), z3.Exists([q], self.all_voted(s, q, v)))),
        }

    def safety(self, s: Any) -> dict[str, z3.BoolRef]:
        v, w = z3.Consts("V W", self.Value)
        return {"Agreement": z3.ForAll([v, w], z3.Implies(z3.And(s.decided(v), s.decided(w)), v == w))}

    # -- the finite instance a spec's bounds give, and the spec's states in the encoding's symbols
    def domains(self, spec: OneBallot) -> dict[str, Any]:
        return {"Node": spec.Node, "Value": spec.Value, "Quorum": spec.Quorum}

    def interpret(self, spec: OneBallot) -> dict[str, Any]:
        return {"member": lambda n, q: n in q}

    def abstract(self, spec: OneBallot, s: BallotState) -> dict[str, Any]:
        return {
            "voted": lambda n: s.vote[n] != NONE,
            "votes": lambda n, v: s.vote[n] == v,
            "decided": lambda v: v in s.decided,
        }


class VoteTwiceProof(OneBallotProof):
    """The variant's encoding: a node that voted may vote again; its old vote is replaced."""

    spec = VoteTwice

    def vote_guard(self, s: Any, n: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        return z3.Not(s.votes(n, v))

    def vote_update(self, s: Any, t: Any, n: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        return t.votes.set(lambda m, w: z3.If(m == n, w == v, s.votes(m, w)))
