"""Lamport's ``Voting.tla`` (tlaplus/Examples, specifications/Paxos): the abstract algorithm Paxos refines.

Acceptors vote for values in numbered ballots; ``votes[a]`` is the set of ``(ballot, value)``
votes acceptor ``a`` has cast and ``maxBal[a]`` the ballot below which it will no longer vote.
Paxos implements Voting under the refinement mapping of Paxos.tla: ``votes[a]`` is the set
of ``(b, v)`` of ``a``'s 2b messages and ``maxBal`` is Paxos's own (see :func:`from_paxos`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from spec.core import Spec, action, invariant
from spec.limits import bounded, subsets
from spec.paxos import M2B, Paxos, majorities
from spec.registry import Option, SpecEntry, register


class VotingState(NamedTuple):
    """votes[a]: frozenset of (ballot, value); maxBal[a]: a ballot or -1."""

    votes: tuple[frozenset[tuple[int, int]], ...]
    maxBal: tuple[int, ...]


class Voting(Spec):
    """Voting.tla with ``Ballot = 0..max_ballot`` (as MCVoting's ``MCBallot``) and majority quorums."""

    canonical_order = False  # enumerators iterate tuples and ranges, or sets of small-int tuples built alike

    name = "voting"
    variables = ("votes", "maxBal")

    def __init__(
        self, acceptors: int = 3, values: int = 2, max_ballot: int = 1, quorums: Sequence[frozenset[int]] | None = None
    ) -> None:
        for what, val, low in (("acceptors", acceptors, 1), ("values", values, 1), ("max-ballot", max_ballot, 0)):
            bounded("voting", f"--{what}", val, low)
        if quorums is None:
            subsets("voting", acceptors, acceptors // 2 + 1, f"--acceptors {acceptors} (majorities)")
        self.Acceptor = tuple(range(acceptors))
        self.Value = tuple(range(values))
        self.Ballot = tuple(range(max_ballot + 1))
        self.Quorum = tuple(quorums) if quorums is not None else majorities(acceptors)
        self.custom_quorums = quorums is not None
        super().__init__()

    def init_states(self) -> Iterator[VotingState]:
        """No votes; every maxBal is -1."""
        n = len(self.Acceptor)
        yield VotingState((frozenset(),) * n, (-1,) * n)

    # -- definitions -----------------------------------------------------------
    @staticmethod
    def voted_for(s: VotingState, a: int, b: int, v: int) -> bool:
        """VotedFor(a, b, v)."""
        return (b, v) in s.votes[a]

    def did_not_vote_at(self, s: VotingState, a: int, b: int) -> bool:
        """DidNotVoteAt(a, b)."""
        return not any(vb == b for vb, _ in s.votes[a])

    def shows_safe_at(self, s: VotingState, q: frozenset[int], b: int, v: int) -> bool:
        """ShowsSafeAt(Q, b, v): Q promised b, and v is Q's latest vote below b (or Q never voted below b)."""
        if not all(s.maxBal[a] >= b for a in q):
            return False
        for c in range(-1, b):
            if c != -1 and not any(self.voted_for(s, a, c, v) for a in q):
                continue
            if all(self.did_not_vote_at(s, a, d) for d in range(c + 1, b) for a in q):
                return True
        return False

    def chosen(self, s: VotingState) -> frozenset[int]:
        """chosen: values some quorum voted for in one ballot."""
        return frozenset(
            v
            for v in self.Value
            for b in self.Ballot
            if any(all(self.voted_for(s, a, b, v) for a in q) for q in self.Quorum)
        )

    # -- actions ---------------------------------------------------------------------
    @action(params=lambda self, s: ((a, b) for a in self.Acceptor for b in self.Ballot if b > s.maxBal[a]))
    def IncreaseMaxBal(self, s: VotingState, a: int, b: int) -> VotingState | None:
        """Acceptor a promises not to vote below b > maxBal[a]."""
        if not b > s.maxBal[a]:
            return None
        return VotingState(s.votes, s.maxBal[:a] + (b,) + s.maxBal[a + 1 :])

    @action(params=lambda self, s: ((a, b, v) for a in self.Acceptor for b in self.Ballot for v in self.Value))
    def VoteFor(self, s: VotingState, a: int, b: int, v: int) -> VotingState | None:
        """Acceptor a votes for v in ballot b: allowed by maxBal, first vote in b, agreeing, shown safe."""
        if not s.maxBal[a] <= b or not self.did_not_vote_at(s, a, b):
            return None
        if any(vb == b and vv != v for c in self.Acceptor if c != a for vb, vv in s.votes[c]):
            return None
        if not any(self.shows_safe_at(s, q, b, v) for q in self.Quorum):
            return None
        votes = s.votes[:a] + (s.votes[a] | {(b, v)},) + s.votes[a + 1 :]
        return VotingState(votes, s.maxBal[:a] + (b,) + s.maxBal[a + 1 :])

    # -- invariants -------------------------------------------------------------------
    def safe_at(self, s: VotingState, b: int, v: int) -> bool:
        """SafeAt(b, v): no value other than v is or can be chosen in any ballot below b."""
        for c in range(b):
            if not any(
                all(self.voted_for(s, a, c, v) or (s.maxBal[a] > c and self.did_not_vote_at(s, a, c)) for a in q)
                for q in self.Quorum
            ):
                return False
        return True

    @invariant
    def TypeOK(self, s: VotingState) -> bool:
        """votes[a] within Ballot x Value, maxBal[a] within Ballot or -1."""
        return all(b in self.Ballot and v in self.Value for vs in s.votes for b, v in vs) and all(
            m == -1 or m in self.Ballot for m in s.maxBal
        )

    @invariant
    def VotesSafe(self, s: VotingState) -> bool:
        """Every vote is for a value safe at its ballot."""
        return all(self.safe_at(s, b, v) for vs in s.votes for b, v in vs)

    @invariant
    def OneValuePerBallot(self, s: VotingState) -> bool:
        """No two acceptors vote for different values in one ballot."""
        seen: dict[int, int] = {}
        for vs in s.votes:
            for b, v in vs:
                if seen.setdefault(b, v) != v:
                    return False
        return True

    # -- symmetry and presentation ----------------------------------------------------
    def symmetric_sets(self) -> Mapping[str, int]:
        """Acceptors and values (MCVoting's MCSymmetry), acceptors only with majority quorums."""
        sets = {"Value": len(self.Value)}
        if not self.custom_quorums:
            sets["Acceptor"] = len(self.Acceptor)
        return sets

    def permute(self, s: VotingState, perm: Mapping[str, Sequence[int]]) -> VotingState:
        """Rename acceptors and values."""
        pa = perm.get("Acceptor", self.Acceptor)
        pv = perm.get("Value", self.Value)
        votes: list[frozenset[tuple[int, int]]] = [frozenset()] * len(pa)
        mb = [0] * len(pa)
        for a in range(len(pa)):
            votes[pa[a]] = frozenset((b, pv[v]) for b, v in s.votes[a])
            mb[pa[a]] = s.maxBal[a]
        return VotingState(tuple(votes), tuple(mb))

    def bounds(self) -> dict[str, Any]:
        """Acceptors, values and the largest ballot."""
        return {"acceptors": len(self.Acceptor), "values": len(self.Value), "max_ballot": self.Ballot[-1]}

    def show_state(self, s: VotingState) -> dict[str, Any]:
        """votes and maxBal as records a1..an."""
        names = [f"a{a + 1}" for a in self.Acceptor]
        return {
            "votes": {n: sorted(f"<<{b}, v{v + 1}>>" for b, v in vs) for n, vs in zip(names, s.votes)},
            "maxBal": dict(zip(names, s.maxBal)),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        """Acceptors as a1.., values as v1.."""
        return f"a{value + 1}" if param == "a" else f"v{value + 1}" if param == "v" else value


def from_paxos(paxos: Paxos) -> tuple[Voting, Any]:
    """Paxos.tla's refinement mapping: ``votes[a] = {<<m.bal, m.val>> : m a 2b message from a}``, ``maxBal``."""
    voting = Voting(len(paxos.Acceptor), len(paxos.Value), paxos.MaxBallot, quorums=list(paxos.Quorum2))
    n = len(paxos.Acceptor)

    def mapping(s: Any) -> VotingState:
        votes: list[set[tuple[int, int]]] = [set() for _ in range(n)]
        for m in s.msgs:
            if m[0] == M2B:
                votes[m[1]].add((m[2], m[3]))
        return VotingState(tuple(frozenset(v) for v in votes), s.maxBal)

    return voting, mapping


register(
    SpecEntry(
        name="voting",
        cls=Voting,
        summary="Lamport's Voting.tla (tlaplus/Examples): the abstraction Paxos refines",
        refinements={"consensus": "spec.consensus:from_voting"},
        options=(
            Option("--acceptors", "acceptors", int, 3, "number of acceptors (majority quorums)"),
            Option("--values", "values", int, 2, "number of values"),
            Option("--max-ballot", "max_ballot", int, 1, "largest ballot (Ballot = 0..MAX)"),
        ),
    )
)
