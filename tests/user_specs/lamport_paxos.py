r"""Paxos.tla (Lamport; tlaplus/Examples, specifications/Paxos) as a paxraft spec.

A new user's spec (notes newuser10, 2026-12-05), written from README.md and docs/ only, beside the TLA+ text
(tests/user_specs/LamportPaxos/Paxos.tla). Single-decree Paxos without explicit leaders or learners; messages
are a set that only grows. Acceptors a1..aN (`--acceptors`), values v1..vK (`--values`), ballots 0..MAX
(`--max-ballot`), quorums every majority. MCPaxos.cfg as shipped is `--acceptors 1 --values 1` (Quorum {{a1}});
its commented-out model, `--acceptors 3 --values 2`, is the one worth checking.

    paxraft check tests/user_specs/lamport_paxos.py:Paxos                            # MCPaxos.cfg: 25 / 82 / 9
    paxraft check tests/user_specs/lamport_paxos.py:Paxos --acceptors 3 --values 2   # 3,921 / 23,563 / 17
    paxraft refine tests/user_specs/lamport_paxos.py:Paxos Voting                    # V == INSTANCE Voting

MCPaxos.cfg's invariants are Inv's four conjuncts, Inv1..Inv4 (Inv4 is V!Inv, Voting's invariant of the mapped
state); its PROPERTY VotingSpecBar (V!Spec) is the `@refines(Voting)` below, checked by `paxraft refine`; MCLSpec's
fairness and MCLiveness (<>(V!chosen # {})) are `fairness` and `properties`, checked by `--liveness`. The variant
`ignore-votes` plants a bug: Phase2a(b, v) needs a quorum of 1b messages but not that v is their highest vote.
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from lamport_consensus import value_name
from lamport_voting import Voting, VotingState, acceptor_name, at

from spec.core import WF, Eventually, Label, MscEvent, Spec, action, invariant, refines

NONE = -1  # None == CHOOSE v : v \notin Value, and maxVBal's -1
T1A, T1B, T2A, T2B = range(4)  # message types "1a", "1b", "2a", "2b"
Msg = tuple[int, ...]
# [type |-> "1a", bal |-> b]                                 (T1A, b)
# [type |-> "1b", acc |-> a, bal |-> b, mbal |-> mb, mval |-> mv]   (T1B, a, b, mb, mv)
# [type |-> "2a", bal |-> b, val |-> v]                      (T2A, b, v)
# [type |-> "2b", acc |-> a, bal |-> b, val |-> v]           (T2B, a, b, v)


class PaxosState(NamedTuple):
    maxBal: tuple[int, ...]  # maxBal[a]
    maxVBal: tuple[int, ...]  # <<maxVBal[a], maxVal[a]>> is a's vote with the largest ballot,
    maxVal: tuple[int, ...]  # <<-1, None>> if a has not voted
    msgs: frozenset[Msg]  # every message ever sent


class Paxos(Spec):
    """Lamport's Paxos.tla: single-decree Paxos without explicit leaders or learners; refines Voting."""

    variables = ("maxBal", "maxVBal", "maxVal", "msgs")

    def __init__(
        self,
        acceptors: Annotated[int, "number of acceptors (Acceptor = a1..aN)"] = 1,
        values: Annotated[int, "number of values (Value = v1..vK)"] = 1,
        max_ballot: Annotated[int, "largest ballot (Ballot = 0..MAX)"] = 1,
    ) -> None:
        # V == INSTANCE Voting: "The constant parameters and the set Ballots are the same as in Voting."
        self.V = Voting(acceptors, values, max_ballot)
        V = self.V
        self.Acceptor, self.Value, self.Ballot, self.Quorum = V.Acceptor, V.Value, V.Ballot, V.Quorum
        super().__init__()

    def init_states(self) -> list[PaxosState]:
        n = len(self.Acceptor)
        return [PaxosState((-1,) * n, (-1,) * n, (NONE,) * n, frozenset())]

    # -- Phase1a(b) == Send([type |-> "1a", bal |-> b])
    @action(lambda self, s: [(b,) for b in self.Ballot])
    def Phase1a(self, s: PaxosState, b: int) -> PaxosState | None:
        return s._replace(msgs=s.msgs | {(T1A, b)})

    # -- Phase1b(a): \E m \in msgs : m.type = "1a" /\ m.bal > maxBal[a] ...; b is m.bal
    @action(lambda self, s: [(a, m[1]) for a in self.Acceptor for m in s.msgs if m[0] == T1A])
    def Phase1b(self, s: PaxosState, a: int, b: int) -> PaxosState | None:
        if (T1A, b) not in s.msgs or not b > s.maxBal[a]:
            return None
        return s._replace(maxBal=at(s.maxBal, a, b), msgs=s.msgs | {(T1B, a, b, s.maxVBal[a], s.maxVal[a])})

    # -- Phase2a(b, v): Q is the witness of \E Q \in Quorum, and w the acceptor whose 1b message m is the witness
    #    of \E m \in Q1bv (-1 for the disjunct Q1bv = {}): TLC takes one step per witness, as paxraft does here.
    def each_phase2a(self, s: PaxosState) -> list[tuple[int, int, tuple[int, ...], int]]:
        return [
            (b, v, Q, w) for b in self.Ballot for v in self.Value for Q in self.Quorum for w in (NONE,) + Q
        ]

    @action(each_phase2a)
    def Phase2a(self, s: PaxosState, b: int, v: int, Q: tuple[int, ...], w: int) -> PaxosState | None:
        if any(m[0] == T2A and m[1] == b for m in s.msgs):
            return None
        Q1b = {m[1]: (m[3], m[4]) for m in s.msgs if m[0] == T1B and m[1] in Q and m[2] == b}  # acc -> (mbal, mval)
        if len(Q1b) != len(Q):  # \A a \in Q : \E m \in Q1b : m.acc = a
            return None
        if not self.reports_allow(Q1b, v, w):
            return None
        return s._replace(msgs=s.msgs | {(T2A, b, v)})

    @staticmethod
    def reports_allow(Q1b: dict[int, tuple[int, int]], v: int, w: int) -> bool:
        """\\/ Q1bv = {}  \\/ \\E m \\in Q1bv : m.mval = v /\\ \\A mm \\in Q1bv : m.mbal >= mm.mbal, m the 1b of w."""
        Q1bv = {a: r for a, r in Q1b.items() if r[0] >= 0}
        if w == NONE:
            return not Q1bv
        return w in Q1bv and Q1bv[w][1] == v and all(Q1bv[w][0] >= mbal for mbal, _ in Q1bv.values())

    # -- Phase2b(a): \E m \in msgs : m.type = "2a" /\ m.bal >= maxBal[a] ...; b, v are m.bal, m.val
    @action(lambda self, s: [(a, m[1], m[2]) for a in self.Acceptor for m in s.msgs if m[0] == T2A])
    def Phase2b(self, s: PaxosState, a: int, b: int, v: int) -> PaxosState | None:
        if (T2A, b, v) not in s.msgs or not b >= s.maxBal[a]:
            return None
        return PaxosState(
            at(s.maxBal, a, b), at(s.maxVBal, a, b), at(s.maxVal, a, v), s.msgs | {(T2B, a, b, v)}
        )

    # -- the refinement mapping: votes == [a \in Acceptor |-> {<<m.bal, m.val>> : m \in 2b msgs of a}]
    def votes(self, s: PaxosState) -> tuple[frozenset[tuple[int, int]], ...]:
        out: list[set[tuple[int, int]]] = [set() for _ in self.Acceptor]
        for m in s.msgs:
            if m[0] == T2B:
                out[m[1]].add((m[2], m[3]))
        return tuple(frozenset(x) for x in out)

    def as_voting_state(self, s: PaxosState) -> VotingState:
        return VotingState(self.votes(s), s.maxBal)

    @refines(Voting)
    def as_voting(self) -> tuple[Voting, Any]:
        """THEOREM Spec => V!Spec: Voting over the same constants; votes from the 2b messages, maxBal as is."""
        return self.V, self.as_voting_state

    # -- Inv, conjunct by conjunct (MCPaxos.cfg: INVARIANT Inv1 Inv2 Inv3 Inv4)
    @invariant
    def Inv1(self, s: PaxosState) -> bool:
        """TypeOK"""
        ballots, values, accs = set(self.Ballot) | {-1}, set(self.Value), set(self.Acceptor)

        def message_ok(m: Msg) -> bool:
            if m[0] == T1A:
                return m[1] in ballots and m[1] >= 0
            if m[0] == T1B:
                return m[1] in accs and m[2] >= 0 and m[2] in ballots and m[3] in ballots and m[4] in values | {NONE}
            if m[0] == T2A:
                return m[1] >= 0 and m[1] in ballots and m[2] in values
            return m[1] in accs and m[2] >= 0 and m[2] in ballots and m[3] in values

        return (
            all(b in ballots for b in s.maxBal)
            and all(b in ballots for b in s.maxVBal)
            and all(v in values or v == NONE for v in s.maxVal)
            and all(message_ok(m) for m in s.msgs)
        )

    @invariant
    def Inv2(self, s: PaxosState) -> bool:
        """\\A a : IF maxVBal[a] = -1 THEN maxVal[a] = None ELSE <<maxVBal[a], maxVal[a]>> \\in votes[a]"""
        votes = self.votes(s)
        return all(
            s.maxVal[a] == NONE if s.maxVBal[a] == -1 else (s.maxVBal[a], s.maxVal[a]) in votes[a]
            for a in self.Acceptor
        )

    @invariant
    def Inv3(self, s: PaxosState) -> bool:
        """What the 1b and 2a messages promise (Inv's third conjunct)."""
        votes, vs = self.votes(s), self.as_voting_state(s)
        value_2a = {}
        for m in s.msgs:
            if m[0] == T1B:
                _, a, b, mbal, mval = m
                if not (s.maxBal[a] >= b and (mbal < 0 or (mbal, mval) in votes[a])):
                    return False
            elif m[0] == T2A:
                _, b, v = m
                if not any(self.V.ShowsSafeAt(vs, Q, b, v) for Q in self.Quorum):
                    return False
                if value_2a.setdefault(b, v) != v:
                    return False
        return True

    @invariant
    def Inv4(self, s: PaxosState) -> bool:
        """V!Inv"""
        return self.V.Inv(self.as_voting_state(s))

    # -- liveness (MCLSpec and MCLiveness): WF_vars(Phase1a(MaxBallot)), \A v : WF_vars(Phase2a(MaxBallot, v)),
    #    \A a \in {a1, a2} : WF_vars(Phase1b(a) \/ Phase2b(a)); <>(V!chosen # {})
    def fairness(self) -> list:
        top = self.Ballot[-1]
        return (
            [WF("Phase1a", b=top)]
            + [WF("Phase2a", b=top, v=v) for v in self.Value]
            + [WF("Phase1b", "Phase2b", a=a) for a in self.Acceptor[:2]]
        )

    def properties(self) -> dict:
        return {
            "MCLiveness": Eventually(lambda s: bool(self.V.chosen(self.as_voting_state(s))), "<>(V!chosen # {})")
        }

    # -- reading
    def show_message(self, m: Msg) -> str:
        if m[0] == T1A:
            return f"1a(bal={m[1]})"
        if m[0] == T1B:
            mval = "None" if m[4] == NONE else value_name(m[4])
            return f"1b({acceptor_name(m[1])}, bal={m[2]}, mbal={m[3]}, mval={mval})"
        if m[0] == T2A:
            return f"2a(bal={m[1]}, val={value_name(m[2])})"
        return f"2b({acceptor_name(m[1])}, bal={m[2]}, val={value_name(m[3])})"

    def show_state(self, s: PaxosState) -> dict[str, Any]:
        return {
            "maxBal": {acceptor_name(a): b for a, b in enumerate(s.maxBal)},
            "maxVBal": {acceptor_name(a): b for a, b in enumerate(s.maxVBal)},
            "maxVal": {acceptor_name(a): "None" if v == NONE else value_name(v) for a, v in enumerate(s.maxVal)},
            "msgs": sorted(self.show_message(m) for m in s.msgs),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "Q":
            return "{" + ", ".join(acceptor_name(a) for a in value) + "}"
        if param == "w":
            return "none" if value == NONE else acceptor_name(value)
        return {"a": acceptor_name, "v": value_name}.get(param, str)(value)

    # -- the message-sequence chart: a ballot's leader sends 1a and 2a, acceptors answer
    def msc_nodes(self) -> list[str]:
        return [f"leader {b}" for b in self.Ballot] + [acceptor_name(a) for a in self.Acceptor]

    def msc_event(self, prev: PaxosState, label: Label, nxt: PaxosState) -> MscEvent:
        sent = tuple(self.show_message(m) for m in sorted(nxt.msgs - prev.msgs))
        p = label.params
        if label.name == "Phase1a":
            return MscEvent(f"leader {p[0]}", (), sent)
        if label.name == "Phase2a":
            b, _, Q, _ = p
            got = tuple(self.show_message(m) for m in sorted(prev.msgs) if m[0] == T1B and m[2] == b and m[1] in Q)
            return MscEvent(f"leader {b}", got, sent)
        got_msg = (T1A, p[1]) if label.name == "Phase1b" else (T2A, p[1], p[2])
        return MscEvent(acceptor_name(p[0]), (self.show_message(got_msg),), sent)

    # -- symmetry: MCSymmetry == Permutations(MCAcceptor) \cup Permutations(MCValue)
    def symmetric_sets(self) -> dict[str, int]:
        return {"Acceptor": len(self.Acceptor), "Value": len(self.Value)}

    def permute(self, s: PaxosState, perm: Any) -> PaxosState:
        pa, pv = perm["Acceptor"], perm["Value"]

        def val(v: int) -> int:
            return NONE if v == NONE else pv[v]

        n = len(self.Acceptor)
        maxBal, maxVBal, maxVal = [-1] * n, [-1] * n, [NONE] * n
        for a in self.Acceptor:
            maxBal[pa[a]], maxVBal[pa[a]], maxVal[pa[a]] = s.maxBal[a], s.maxVBal[a], val(s.maxVal[a])

        def msg(m: Msg) -> Msg:
            if m[0] == T1A:
                return m
            if m[0] == T1B:
                return (T1B, pa[m[1]], m[2], m[3], val(m[4]))
            if m[0] == T2A:
                return (T2A, m[1], pv[m[2]])
            return (T2B, pa[m[1]], m[2], pv[m[3]])

        return PaxosState(tuple(maxBal), tuple(maxVBal), tuple(maxVal), frozenset(msg(m) for m in s.msgs))


class IgnoreVotes(Paxos):
    """Phase2a(b, v) for any v once a quorum has answered: the leader ignores the votes its 1b messages report."""

    variant = "ignore-votes"
    rule = "Phase2a(b, v) needs a quorum of ballot-b 1b messages but not that v is their highest-ballot vote"
    breaks = "Inv3"
    failing_bounds = {"acceptors": 3, "values": 2}
    trace_length = 9

    @staticmethod
    def reports_allow(Q1b: dict[int, tuple[int, int]], v: int, w: int) -> bool:
        return w == NONE  # the TLA+ variant drops the disjunction: one step per (b, v, Q)
