r"""VoteProof.tla (Lamport, "Byzantizing Paxos by Refinement"; tlaplus/Examples, specifications/byzpaxos).

A new user's spec (notes newuser11, 2026-12-05), written from README.md and docs/ only, beside the TLA+ text
(tests/user_specs/byzpaxos/VoteProof.tla): the TLA+ the PlusCal translator produced, below BEGIN TRANSLATION.
Acceptors a1..aN (`--acceptors`) vote for values v1..vK (`--values`) in ballots 0..MAX (`--max-ballot`); a quorum
is any majority (VoteProof.cfg: {{a1, a2}, {a1, a3}, {a2, a3}, {a1, a2, a3}}).

    paxraft check tests/user_specs/byz_vote.py:VoteProof --max-ballot 2   # VoteProof.cfg: 6,962 / 318,877 / 14
    paxraft refine tests/user_specs/byz_vote.py:VoteProof Consensus       # C == INSTANCE Consensus; Refines

SafeAt(b, v) is the recursive function SA[bb \in Ballot]. TLC, asked for the steps of VoteFor, does not evaluate
SA[b] to a Boolean: it expands the function's body, so every way SafeAt holds is a step of its own (one per
quorum Q of its \E Q, per c of its \E c \in -1..(bb-1), and through SA[c] again, and both disjuncts when bb = 0).
A way is a chain of (Q, c) pairs, the last with c = -1, or () for the disjunct bb = 0; each is a parameter of
VoteFor, which is what makes the states generated TLC's (318,877; 27,727 with SafeAt a Boolean, the same
6,962 distinct states and depth 14).
"""

from __future__ import annotations

from itertools import combinations
from typing import Annotated, Any

from lamport_consensus import Consensus, ConsensusState, value_name
from lamport_voting import Voting, VotingState, acceptor_name, at

from spec.core import Spec, SpecError, action, invariant, refines

VoteState = VotingState  # votes[a]: the votes <<b, v>> acceptor a cast; maxBal[a]: a votes in no ballot below it
Quorum = tuple[int, ...]
Chain = tuple[tuple[Quorum, int], ...]  # a way SafeAt(b, v) holds: the (Q, c) of each level of SA's recursion


def quorum_name(Q: Quorum) -> str:
    return "{" + ", ".join(acceptor_name(a) for a in Q) + "}"


def constants(spec: Any, acceptors: int, values: int, max_ballot: int, quorum: int) -> None:
    """Acceptor, Value, Ballot and Quorum, as VoteProof and PConProof take them from their flags."""
    if acceptors < 1 or values < 1 or max_ballot < 0 or not 0 <= quorum <= acceptors:
        raise SpecError("--acceptors and --values must be at least 1, --max-ballot at least 0, --quorum 0..N")
    spec.q = quorum or acceptors // 2 + 1
    spec.Acceptor = tuple(range(acceptors))
    spec.Value = tuple(range(values))
    spec.Ballot = tuple(range(max_ballot + 1))
    spec.Quorum = spec.quorums()


class VoteProof(Spec):
    """Lamport's VoteProof.tla: acceptors vote in ballots, each vote safe; a quorum voting v in one ballot chooses v."""

    variables = ("votes", "maxBal")

    def __init__(
        self,
        acceptors: Annotated[int, "number of acceptors (Acceptor = a1..aN)"] = 3,
        values: Annotated[int, "number of values (Value = v1..vK)"] = 2,
        max_ballot: Annotated[int, "largest ballot (Ballot = 0..MAX)"] = 2,
        quorum: Annotated[int, "a quorum is any set of at least Q acceptors (0: a majority; fewer breaks QA)"] = 0,
    ) -> None:
        constants(self, acceptors, values, max_ballot, quorum)
        super().__init__()

    def quorums(self) -> tuple[Quorum, ...]:
        """Every set of at least --quorum acceptors (QA: any two intersect, which a majority makes sure of)."""
        n = len(self.Acceptor)
        return tuple(Q for k in range(self.q, n + 1) for Q in combinations(self.Acceptor, k))

    def init_states(self) -> list[VoteState]:
        n = len(self.Acceptor)
        return [VoteState((frozenset(),) * n, (-1,) * n)]

    # -- the define statement
    @staticmethod
    def VotedFor(s: VoteState, a: int, b: int, v: int) -> bool:
        return (b, v) in s.votes[a]

    @staticmethod
    def DidNotVoteIn(s: VoteState, a: int, b: int) -> bool:
        return all(vt[0] != b for vt in s.votes[a])

    def safe_chains(self, s: VoteState, b: int, v: int) -> list[Chain]:
        """Every way SafeAt(b, v) == SA[b] holds, as TLC enumerates them (its steps); [] when it does not hold."""
        ways: list[Chain] = [()] if b == 0 else []  # \/ bb = 0
        for Q in self.Quorum:  # \/ \E Q \in Quorum :
            if not all(s.maxBal[a] >= b for a in Q):
                continue
            for c in range(-1, b):  # \E c \in -1..(bb-1) :
                if not all(self.DidNotVoteIn(s, a, d) for d in range(c + 1, b) for a in Q):
                    continue
                if c == -1:
                    ways.append(((Q, c),))
                elif all(w == v for a in Q for bb, w in s.votes[a] if bb == c):
                    ways.extend(((Q, c), *rest) for rest in self.safe_chains(s, c, v))
        return ways

    def safe_by(self, s: VoteState, b: int, v: int, chain: Chain) -> bool:
        """SafeAt(b, v) holds the way `chain` says (one of safe_chains(s, b, v), checked without listing them)."""
        for Q, c in chain:
            if Q not in self.Quorum or not -1 <= c < b or not all(s.maxBal[a] >= b for a in Q):
                return False
            if not all(self.DidNotVoteIn(s, a, d) for d in range(c + 1, b) for a in Q):
                return False
            if c >= 0 and not all(w == v for a in Q for bb, w in s.votes[a] if bb == c):
                return False
            b = c
        return b == 0 or (b == -1 and bool(chain))  # SA[0]'s disjunct bb = 0, or a last c = -1

    def SafeAt(self, s: VoteState, b: int, v: int) -> bool:
        return bool(self.safe_chains(s, b, v))

    def ChosenIn(self, s: VoteState, b: int, v: int) -> bool:
        return any(all(self.VotedFor(s, a, b, v) for a in Q) for Q in self.Quorum)

    def chosen(self, s: VoteState) -> frozenset[int]:
        return frozenset(v for v in self.Value if any(self.ChosenIn(s, b, v) for b in self.Ballot))

    # -- acceptor(self) == \E b \in Ballot : IncreaseMaxBal(b) \/ \E v \in Value : VoteFor(b, v)
    @action(lambda self, s: [(a, b) for a in self.Acceptor for b in self.Ballot])
    def IncreaseMaxBal(self, s: VoteState, a: int, b: int) -> VoteState | None:
        if not b > s.maxBal[a]:
            return None
        return s._replace(maxBal=at(s.maxBal, a, b))

    def each_vote(self, s: VoteState) -> list[tuple[int, int, int, Chain]]:
        """\\E self, b, v, and the way SafeAt(b, v) holds: TLC takes one step per way."""
        ways = {(b, v): self.safe_chains(s, b, v) for b in self.Ballot for v in self.Value}
        return [
            (a, b, v, chain)
            for a in self.Acceptor
            for b in self.Ballot
            if s.maxBal[a] <= b
            for v in self.Value
            for chain in ways[b, v]
        ]

    @action(each_vote)
    def VoteFor(self, s: VoteState, a: int, b: int, v: int, chain: Chain) -> VoteState | None:
        if not (s.maxBal[a] <= b and self.DidNotVoteIn(s, a, b)):
            return None
        if not all(w == v for p in self.Acceptor if p != a for bb, w in s.votes[p] if bb == b):
            return None
        if not self.safe_by(s, b, v, chain):
            return None
        return VoteState(at(s.votes, a, s.votes[a] | {(b, v)}), at(s.maxBal, a, b))

    # -- VoteProof.cfg: INVARIANTS TypeOK VInv1 VInv2 VInv3 VInv4
    @invariant
    def TypeOK(self, s: VoteState) -> bool:
        ballots, values = set(self.Ballot), set(self.Value)
        votes_ok = all(b in ballots and v in values for vs in s.votes for b, v in vs)
        return votes_ok and all(m == -1 or m in ballots for m in s.maxBal)

    @invariant
    def VInv1(self, s: VoteState) -> bool:
        """An acceptor votes for at most one value in a ballot."""
        return all(len({b for b, _ in vs}) == len(vs) for vs in s.votes)

    @invariant
    def VInv2(self, s: VoteState) -> bool:
        """Every vote is safe."""
        return all(self.SafeAt(s, b, v) for vs in s.votes for b, v in vs)

    @invariant
    def VInv3(self, s: VoteState) -> bool:
        """Two votes in one ballot are for the same value."""
        value_at: dict[int, int] = {}
        return all(value_at.setdefault(b, v) == v for vs in s.votes for b, v in vs)

    @invariant
    def VInv4(self, s: VoteState) -> bool:
        """An acceptor has not voted in a ballot above its maxBal."""
        return all(b <= s.maxBal[a] for a, vs in enumerate(s.votes) for b, _ in vs)

    # -- C == INSTANCE Consensus; Refines == C!Spec (VoteProof.cfg's PROPERTIES)
    @refines(Consensus)
    def as_consensus(self) -> tuple[Consensus, Any]:
        """Consensus over the same values; a state maps to its chosen set."""
        return Consensus(len(self.Value)), lambda s: ConsensusState(self.chosen(s))

    # -- reading and symmetry (acceptors, every majority a quorum; values): Voting's, the same variables
    show_state = Voting.show_state
    symmetric_sets = Voting.symmetric_sets
    permute = Voting.permute

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "chain":
            return " <- ".join(f"{quorum_name(Q)}@{c}" for Q, c in value) or "b = 0"
        return {"a": acceptor_name, "v": value_name}.get(param, str)(value)
