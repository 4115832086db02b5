r"""PConProof.tla (Lamport, "Byzantizing Paxos by Refinement"; tlaplus/Examples, specifications/byzpaxos).

A new user's spec (notes newuser11, 2026-12-05), written from README.md and docs/ only, beside the TLA+ text
(tests/user_specs/byzpaxos/PConProof.tla): the translation below BEGIN TRANSLATION. PCon is Paxos with the leader's
choice of a safe value made explicit: a leader sends 1c messages for the values its 1b messages show safe, then a
2a for one of them. Acceptors a1..aN, values v1..vK, ballots 0..MAX, quorums every majority (PConProof.cfg:
three acceptors, two values, ballots 0..2, {{a1, a2}, {a1, a3}, {a2, a3}, {a1, a2, a3}}).

    paxraft check tests/user_specs/byz_pcon.py:PConProof --max-ballot 1   # 13,049 / 780,208 / 19, TLC's
    paxraft refine tests/user_specs/byz_pcon.py:PConProof VoteProof --max-ballot 1   # V == INSTANCE VoteProof

Phase1c's \E S \in SUBSET Value : \A v \in S : \E Q \in Quorum : ShowsSafeAt(Q, self, v) is, for TLC, one step
per subset S and per choice, for each v in S, of a quorum Q and of the disjunct of ShowsSafeAt that holds (every
1b message of Q reports no vote, or the 1c message m1c it names); those choices are Phase1c's parameter `ways`.
"""

from __future__ import annotations

from itertools import combinations, product
from typing import Annotated, Any, NamedTuple

from byz_vote import Quorum, VoteProof, VoteState, acceptor_name, at, constants, quorum_name
from lamport_consensus import value_name

from spec.core import Spec, action, invariant, refines

NONE = -1  # None == CHOOSE v : v \notin Value
M1A, M1B, M1C, M2A, M2B = range(5)  # a message is a tuple, its type first and its ballot second
MSG_TYPE = ("1a", "1b", "1c", "2a", "2b")
Msg = tuple[int, ...]  # (1a, bal) (1b, bal, acc, mbal, mval) (1c, bal, val) (2a, bal, val) (2b, bal, acc, val)
Way = tuple[Quorum, int]  # how ShowsSafeAt(Q, b, v) holds: Q, and -1 (no 1b vote) or the ballot of m1c


class PConState(NamedTuple):
    maxBal: tuple[int, ...]
    maxVBal: tuple[int, ...]
    maxVVal: tuple[int, ...]
    msgs: frozenset[Msg]


def show_msg(m: Msg) -> str:
    fields = {M1A: ("bal",), M1B: ("bal", "acc", "mbal", "mval"), M1C: ("bal", "val"), M2A: ("bal", "val")}
    names = fields.get(m[0], ("bal", "acc", "val"))
    shown = [f"{n} |-> {show_field(n, x)}" for n, x in zip(names, m[1:], strict=True)]
    return f"[type |-> {MSG_TYPE[m[0]]}, " + ", ".join(shown) + "]"


def show_field(name: str, x: int) -> str:
    if name == "acc":
        return acceptor_name(x)
    if name in ("val", "mval"):
        return "None" if x == NONE else value_name(x)
    return str(x)


class PConProof(Spec):
    """Lamport's PConProof.tla: Paxos whose leaders send 1c messages for the values their 1b messages show safe."""

    variables = ("maxBal", "maxVBal", "maxVVal", "msgs")

    def __init__(
        self,
        acceptors: Annotated[int, "number of acceptors (Acceptor = a1..aN)"] = 3,
        values: Annotated[int, "number of values (Value = v1..vK)"] = 2,
        max_ballot: Annotated[int, "largest ballot (Ballot = 0..MAX)"] = 2,
        quorum: Annotated[int, "a quorum is any set of at least Q acceptors (0: a majority; fewer breaks QA)"] = 0,
    ) -> None:
        constants(self, acceptors, values, max_ballot, quorum)
        self.V = VoteProof(acceptors, values, max_ballot, quorum)
        super().__init__()

    quorums = VoteProof.quorums

    def init_states(self) -> list[PConState]:
        n = len(self.Acceptor)
        return [PConState((-1,) * n, (-1,) * n, (NONE,) * n, frozenset())]

    # -- the define statement
    @staticmethod
    def sentMsgs(s: PConState, t: int, b: int) -> list[Msg]:
        return [m for m in s.msgs if m[0] == t and m[1] == b]

    def shows_safe_by(self, s: PConState, b: int, v: int, Q: Quorum, c: int) -> bool:
        """ShowsSafeAt(Q, b, v) holds by the disjunct `c` names: -1, every 1b message of Q reports no vote; else
        the 1c message m1c of ballot c for v. An acceptor sends one 1b message per ballot (Phase1b raises its
        maxBal to b), so \\A a \\in Q : \\E m \\in Q1b : m.acc = a has one witness, and is no parameter."""
        Q1b = [m for m in s.msgs if m[0] == M1B and m[1] == b and m[2] in Q]
        if len({m[2] for m in Q1b}) != len(Q):
            return False
        if c == -1:
            return all(m[3] == -1 for m in Q1b)
        return (M1C, c, v) in s.msgs and all(c >= m[3] and (c != m[3] or m[4] == v) for m in Q1b)

    def shows_safe_ways(self, s: PConState, b: int, v: int) -> list[Way]:
        """Every (Q, witness) for which ShowsSafeAt(Q, b, v) holds: TLC's steps."""
        cs = (-1, *sorted(m[1] for m in s.msgs if m[0] == M1C and m[2] == v))
        return [(Q, c) for Q in self.Quorum for c in cs if self.shows_safe_by(s, b, v, Q, c)]

    # -- refinement mapping: V == INSTANCE VoteProof (votes from the 2b messages, maxBal as it is)
    def votes(self, s: PConState) -> tuple[frozenset[tuple[int, int]], ...]:
        votes: list[set[tuple[int, int]]] = [set() for _ in self.Acceptor]
        for m in s.msgs:
            if m[0] == M2B:
                votes[m[2]].add((m[1], m[3]))
        return tuple(frozenset(vs) for vs in votes)

    def as_vote_state(self, s: PConState) -> VoteState:
        return VoteState(self.votes(s), s.maxBal)

    @refines(VoteProof)
    def as_voteproof(self) -> tuple[VoteProof, Any]:
        """VoteProof over the same acceptors, values and ballots; THEOREM Implementation == Spec => V!Spec."""
        return self.V, self.as_vote_state

    # -- acceptor(self) == \E b \in Ballot : Phase1b(self, b) \/ Phase2b(self, b)
    def each_acceptor_ballot(self, s: PConState) -> list[tuple[int, int]]:
        return [(a, b) for a in self.Acceptor for b in self.Ballot]

    @action(each_acceptor_ballot)
    def Phase1b(self, s: PConState, a: int, b: int) -> PConState | None:
        if not (b > s.maxBal[a] and self.sentMsgs(s, M1A, b)):
            return None
        m1b = (M1B, b, a, s.maxVBal[a], s.maxVVal[a])
        return s._replace(maxBal=at(s.maxBal, a, b), msgs=s.msgs | {m1b})

    @action(lambda self, s: [(a, m[1], m[2]) for a in self.Acceptor for m in s.msgs if m[0] == M2A])
    def Phase2b(self, s: PConState, a: int, b: int, v: int) -> PConState | None:
        """\\E m \\in sentMsgs("2a", b): v is m.val."""
        if not (b >= s.maxBal[a] and (M2A, b, v) in s.msgs):
            return None
        return PConState(at(s.maxBal, a, b), at(s.maxVBal, a, b), at(s.maxVVal, a, v), s.msgs | {(M2B, b, a, v)})

    # -- leader(self) for self \in Ballot: Phase1a \/ \E S \in SUBSET Value : Phase1c(S) \/ \E v : Phase2a(v)
    @action(lambda self, s: [(b,) for b in self.Ballot])
    def Phase1a(self, s: PConState, b: int) -> PConState | None:
        return s._replace(msgs=s.msgs | {(M1A, b)})

    def each_1c(self, s: PConState) -> list[tuple[int, tuple[int, ...], tuple[Way, ...]]]:
        """\\E S \\in SUBSET Value, and for each v in S the (Q, witness) of \\E Q : ShowsSafeAt(Q, self, v)."""
        out = []
        for b in self.Ballot:
            ways = {v: self.shows_safe_ways(s, b, v) for v in self.Value}
            for k in range(len(self.Value) + 1):
                for S in combinations(self.Value, k):
                    out.extend((b, S, w) for w in product(*(ways[v] for v in S)))
        return out

    @action(each_1c)
    def Phase1c(self, s: PConState, b: int, S: tuple[int, ...], ways: tuple[Way, ...]) -> PConState | None:
        if len(ways) != len(S) or not all(
            Q in self.Quorum and self.shows_safe_by(s, b, v, Q, c) for v, (Q, c) in zip(S, ways, strict=True)
        ):
            return None
        return s._replace(msgs=s.msgs | {(M1C, b, v) for v in S})

    @action(lambda self, s: [(b, v) for b in self.Ballot for v in self.Value])
    def Phase2a(self, s: PConState, b: int, v: int) -> PConState | None:
        if self.sentMsgs(s, M2A, b) or (M1C, b, v) not in s.msgs:
            return None
        return s._replace(msgs=s.msgs | {(M2A, b, v)})

    # -- PConProof.cfg: INVARIANTS TypeOK PAccInv P1bInv P1cInv P2aInv
    @invariant
    def TypeOK(self, s: PConState) -> bool:
        bals, vals, accs = set(self.Ballot) | {-1}, set(self.Value), set(self.Acceptor)
        ok_vars = all(x in bals for x in s.maxBal + s.maxVBal) and all(x in vals | {NONE} for x in s.maxVVal)
        return ok_vars and all(self.is_message(m, bals, vals, accs) for m in s.msgs)

    @staticmethod
    def is_message(m: Msg, bals: set[int], vals: set[int], accs: set[int]) -> bool:
        """m \\in Message"""
        t, ok = m[0], m[1] in bals and m[1] != -1
        if t == M1A:
            return ok and len(m) == 2
        if t == M1B:
            return ok and m[2] in accs and m[3] in bals and m[4] in vals | {NONE}
        if t in (M1C, M2A):
            return ok and len(m) == 3 and m[2] in vals
        return t == M2B and ok and m[2] in accs and m[3] in vals

    @invariant
    def PAccInv(self, s: PConState) -> bool:
        V, vs = self.V, self.as_vote_state(s)
        return all(
            s.maxBal[a] >= s.maxVBal[a]
            and all(V.DidNotVoteIn(vs, a, b) for b in range(s.maxVBal[a] + 1, s.maxBal[a]))
            and (s.maxVBal[a] == -1 or V.VotedFor(vs, a, s.maxVBal[a], s.maxVVal[a]))
            for a in self.Acceptor
        )

    @invariant
    def P1bInv(self, s: PConState) -> bool:
        vs = self.as_vote_state(s)
        return all(
            s.maxBal[m[2]] >= m[1]
            and m[1] > m[3]
            and all(self.V.DidNotVoteIn(vs, m[2], b) for b in range(m[3] + 1, m[1]))
            for m in s.msgs
            if m[0] == M1B
        )

    @invariant
    def P1cInv(self, s: PConState) -> bool:
        vs = self.as_vote_state(s)
        return all(self.V.SafeAt(vs, m[1], m[2]) for m in s.msgs if m[0] == M1C)

    @invariant
    def P2aInv(self, s: PConState) -> bool:
        return all((M1C, m[1], m[2]) in s.msgs for m in s.msgs if m[0] == M2A)

    # -- reading
    def show_state(self, s: PConState) -> dict[str, Any]:
        per = {"maxBal": s.maxBal, "maxVBal": s.maxVBal}
        shown: dict[str, Any] = {k: {acceptor_name(a): x for a, x in enumerate(t)} for k, t in per.items()}
        shown["maxVVal"] = {acceptor_name(a): show_field("val", x) for a, x in enumerate(s.maxVVal)}
        shown["msgs"] = [show_msg(m) for m in sorted(s.msgs)]
        return shown

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "S":
            return "{" + ", ".join(value_name(v) for v in value) + "}"
        if param == "ways":
            return ", ".join(f"{quorum_name(Q)}:{'no vote' if c == -1 else f'1c@{c}'}" for Q, c in value) or "-"
        return {"a": acceptor_name, "v": value_name}.get(param, str)(value)

    # -- symmetry: acceptors (every majority is a quorum) and values
    def symmetric_sets(self) -> dict[str, int]:
        return {"Acceptor": len(self.Acceptor), "Value": len(self.Value)}

    def permute(self, s: PConState, perm: Any) -> PConState:
        pa, pv = perm["Acceptor"], perm["Value"]
        n = len(self.Acceptor)
        maxBal, maxVBal, maxVVal = [-1] * n, [-1] * n, [NONE] * n
        for a in self.Acceptor:
            maxBal[pa[a]], maxVBal[pa[a]] = s.maxBal[a], s.maxVBal[a]
            maxVVal[pa[a]] = NONE if s.maxVVal[a] == NONE else pv[s.maxVVal[a]]
        return PConState(tuple(maxBal), tuple(maxVBal), tuple(maxVVal), frozenset(rename(m, pa, pv) for m in s.msgs))


def rename(m: Msg, pa: Any, pv: Any) -> Msg:
    """A message with its acceptor and values renamed."""
    t = m[0]
    if t == M1B:
        return (t, m[1], pa[m[2]], m[3], NONE if m[4] == NONE else pv[m[4]])
    if t in (M1C, M2A):
        return (t, m[1], pv[m[2]])
    if t == M2B:
        return (t, m[1], pa[m[2]], pv[m[3]])
    return m
