r"""Voting.tla (Lamport; tlaplus/Examples, specifications/Paxos) as a paxraft spec.

A new user's spec (notes newuser10, 2026-12-05), written from README.md and docs/ only, beside the TLA+ text
(tests/user_specs/LamportPaxos/Voting.tla). The abstract algorithm Paxos implements: acceptors vote for values in
numbered ballots; a value is chosen when a quorum votes for it in one ballot. Acceptors are a1..aN
(`--acceptors`), values v1..vK (`--values`), ballots 0..MAX (`--max-ballot`, MCVoting's MCBallot == 0..1), and
the quorums every majority of the acceptors (MCQuorum == {{a1, a2}, {a1, a3}, {a2, a3}}).

    paxraft check tests/user_specs/lamport_voting.py:Voting --symmetry      # MCVoting.cfg: 77 / 451 / 11
    paxraft check tests/user_specs/lamport_voting.py:Voting                 # without SYMMETRY: 599 / 3,124 / 11
    paxraft refine tests/user_specs/lamport_voting.py:Voting Consensus      # C == INSTANCE Consensus

Voting's `chosen` is the state function that maps it to Consensus (THEOREM Spec => C!Spec), declared with
`@refines`. The variant `any-quorum` plants a bug: quorums that need not intersect (every single acceptor).
"""

from __future__ import annotations

from itertools import combinations
from typing import Annotated, Any, NamedTuple

from lamport_consensus import Consensus, ConsensusState, value_name

from spec.core import Spec, SpecError, action, invariant, refines

Vote = tuple[int, int]  # <<b, v>>


class VotingState(NamedTuple):
    votes: tuple[frozenset[Vote], ...]  # votes[a]: the set of votes <<b, v>> cast by acceptor a
    maxBal: tuple[int, ...]  # maxBal[a]: a votes only in ballots >= maxBal[a]; -1 at first


def at(t: tuple, i: int, x: Any) -> tuple:
    """[t EXCEPT ![i] = x]"""
    return t[:i] + (x,) + t[i + 1 :]


def acceptor_name(a: int) -> str:
    return f"a{a + 1}"


class Voting(Spec):
    """Lamport's Voting.tla: acceptors vote in ballots; a quorum voting v in one ballot chooses v."""

    variables = ("votes", "maxBal")

    def __init__(
        self,
        acceptors: Annotated[int, "number of acceptors (Acceptor = a1..aN)"] = 3,
        values: Annotated[int, "number of values (Value = v1..vK)"] = 2,
        max_ballot: Annotated[int, "largest ballot (Ballot = 0..MAX)"] = 1,
    ) -> None:
        if acceptors < 1 or values < 1 or max_ballot < 0:
            raise SpecError("--acceptors and --values must be at least 1, --max-ballot at least 0")
        self.Acceptor = tuple(range(acceptors))
        self.Value = tuple(range(values))
        self.Ballot = tuple(range(max_ballot + 1))
        self.Quorum = self.quorums()
        super().__init__()

    def quorums(self) -> tuple[tuple[int, ...], ...]:
        """Every majority of the acceptors: any two intersect (QuorumAssumption)."""
        n = len(self.Acceptor)
        return tuple(combinations(self.Acceptor, n // 2 + 1))

    def init_states(self) -> list[VotingState]:
        n = len(self.Acceptor)
        return [VotingState((frozenset(),) * n, (-1,) * n)]

    # -- the definitions leading to the algorithm
    @staticmethod
    def VotedFor(s: VotingState, a: int, b: int, v: int) -> bool:
        return (b, v) in s.votes[a]

    def ChosenAt(self, s: VotingState, b: int, v: int) -> bool:
        return any(all(self.VotedFor(s, a, b, v) for a in Q) for Q in self.Quorum)

    def chosen(self, s: VotingState) -> frozenset[int]:
        return frozenset(v for v in self.Value if any(self.ChosenAt(s, b, v) for b in self.Ballot))

    def DidNotVoteAt(self, s: VotingState, a: int, b: int) -> bool:
        return not any(self.VotedFor(s, a, b, v) for v in self.Value)

    def CannotVoteAt(self, s: VotingState, a: int, b: int) -> bool:
        return s.maxBal[a] > b and self.DidNotVoteAt(s, a, b)

    def NoneOtherChoosableAt(self, s: VotingState, b: int, v: int) -> bool:
        return any(all(self.VotedFor(s, a, b, v) or self.CannotVoteAt(s, a, b) for a in Q) for Q in self.Quorum)

    def SafeAt(self, s: VotingState, b: int, v: int) -> bool:
        return all(self.NoneOtherChoosableAt(s, c, v) for c in range(b))

    def ShowsSafeAtWith(self, s: VotingState, Q: tuple[int, ...], b: int, v: int, c: int, w: int) -> bool:
        """ShowsSafeAt(Q, b, v) with c the witness of its \\E c \\in -1..(b-1),
        and w that of \\E a \\in Q : VotedFor(a, c, v)."""
        return (
            all(s.maxBal[a] >= b for a in Q)
            and (c == -1 or (w in Q and self.VotedFor(s, w, c, v)))
            and all(self.DidNotVoteAt(s, a, d) for d in range(c + 1, b) for a in Q)
        )

    def ShowsSafeAt(self, s: VotingState, Q: tuple[int, ...], b: int, v: int) -> bool:
        return any(self.ShowsSafeAtWith(s, Q, b, v, c, w) for c in range(-1, b) for w in ((-1,) if c == -1 else Q))

    # -- the actions: Next == \E a \in Acceptor, b \in Ballot : IncreaseMaxBal(a, b) \/ \E v : VoteFor(a, b, v)
    @action(lambda self, s: [(a, b) for a in self.Acceptor for b in self.Ballot])
    def IncreaseMaxBal(self, s: VotingState, a: int, b: int) -> VotingState | None:
        if not b > s.maxBal[a]:
            return None
        return s._replace(maxBal=at(s.maxBal, a, b))

    def each_vote(self, s: VotingState) -> list[tuple[int, int, int, tuple[int, ...], int, int]]:
        """\\E a, b, v, and the witnesses of VoteFor's existentials: Q of \\E Q \\in Quorum : ShowsSafeAt(Q, b, v),
        c of its \\E c \\in -1..(b-1), and w of (c # -1) => \\E a \\in Q : VotedFor(a, c, v) (-1 when c = -1).
        TLC takes one step per witness that holds, so each is a parameter (to match its states generated)."""
        return [
            (a, b, v, Q, c, w)
            for a in self.Acceptor
            for b in self.Ballot
            for v in self.Value
            for Q in self.Quorum
            for c in range(-1, b)
            for w in ((-1,) if c == -1 else Q)
        ]

    @action(each_vote)
    def VoteFor(
        self, s: VotingState, a: int, b: int, v: int, Q: tuple[int, ...], c: int, w: int
    ) -> VotingState | None:
        if not s.maxBal[a] <= b:
            return None
        if any(vt[0] == b for vt in s.votes[a]):
            return None
        if not all(vt[1] == v for c2 in self.Acceptor if c2 != a for vt in s.votes[c2] if vt[0] == b):
            return None
        if not self.ShowsSafeAtWith(s, Q, b, v, c, w):
            return None
        return VotingState(at(s.votes, a, s.votes[a] | {(b, v)}), at(s.maxBal, a, b))

    # -- the invariant: Inv == TypeOK /\ VotesSafe /\ OneValuePerBallot
    def TypeOK(self, s: VotingState) -> bool:
        ballots, values = set(self.Ballot), set(self.Value)
        return all(b in ballots and v in values for vs in s.votes for b, v in vs) and all(
            m == -1 or m in ballots for m in s.maxBal
        )

    def VotesSafe(self, s: VotingState) -> bool:
        return all(self.SafeAt(s, b, v) for vs in s.votes for b, v in vs)

    @staticmethod
    def OneValuePerBallot(s: VotingState) -> bool:
        value_at: dict[int, int] = {}
        return all(value_at.setdefault(b, v) == v for vs in s.votes for b, v in vs)

    @invariant
    def Inv(self, s: VotingState) -> bool:
        return self.TypeOK(s) and self.VotesSafe(s) and self.OneValuePerBallot(s)

    # -- C == INSTANCE Consensus; THEOREM Spec => C!Spec
    @refines(Consensus)
    def as_consensus(self) -> tuple[Consensus, Any]:
        """Consensus over the same values; a Voting state maps to its chosen set."""
        return Consensus(len(self.Value)), lambda s: ConsensusState(self.chosen(s))

    # -- reading
    def show_state(self, s: VotingState) -> dict[str, Any]:
        return {
            "votes": {
                acceptor_name(a): sorted(f"<<{b}, {value_name(v)}>>" for b, v in vs) for a, vs in enumerate(s.votes)
            },
            "maxBal": {acceptor_name(a): m for a, m in enumerate(s.maxBal)},
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "w":
            return acceptor_name(value) if value >= 0 else "none"
        if param == "Q":
            return "{" + ", ".join(acceptor_name(a) for a in value) + "}"
        return {"a": acceptor_name, "v": value_name}.get(param, str)(value)

    # -- symmetry: MCSymmetry == Permutations(MCAcceptor) \cup Permutations(MCValue)
    def symmetric_sets(self) -> dict[str, int]:
        return {"Acceptor": len(self.Acceptor), "Value": len(self.Value)}

    def permute(self, s: VotingState, perm: Any) -> VotingState:
        pa, pv = perm["Acceptor"], perm["Value"]
        votes: list[frozenset[Vote]] = [frozenset()] * len(self.Acceptor)
        maxBal = [-1] * len(self.Acceptor)
        for a, vs in enumerate(s.votes):
            votes[pa[a]] = frozenset((b, pv[v]) for b, v in vs)
            maxBal[pa[a]] = s.maxBal[a]
        return VotingState(tuple(votes), tuple(maxBal))


class AnyQuorum(Voting):
    """Voting whose quorums need not intersect: every single acceptor is a quorum.

    Voting's Inv still holds (every vote is still safe at its ballot by the quorums it has); what breaks is
    THEOREM Spec => C!Spec: `paxraft refine ... --variant any-quorum Consensus` fails at step 3 (chosen goes from
    {v1} to {v1, v2}), as TLC's PROPERTY ConsensusSpecBar does on MCVotingAnyQuorum (3 steps)."""

    variant = "any-quorum"
    rule = "Quorum is every singleton {a}: the QuorumAssumption Q1 \\cap Q2 # {} is dropped"
    breaks = "Consensus"  # no invariant: the refinement of Consensus is what fails (paxraft refine)
    failing_bounds = {"acceptors": 2}
    trace_length = 3

    def quorums(self) -> tuple[tuple[int, ...], ...]:
        return tuple((a,) for a in self.Acceptor)
