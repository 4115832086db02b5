r"""BPConProof.tla (Lamport, "Byzantizing Paxos by Refinement"; tlaplus/Examples, specifications/byzpaxos).

A new user's spec (notes newuser11, 2026-12-05), written from README.md and docs/ only, beside the TLA+ text
(tests/user_specs/byzpaxos/BPConProof.tla): the translation below BEGIN TRANSLATION. Byzantine Paxos: good
acceptors a1..aN (`--acceptors`) and fake ones f1..fF (`--fake`, which send any 1b, 2av or 2b message in their own
name), values v1..vK, ballots 0..MAX. A Byzantine quorum is any set of at least `--byz-quorum` acceptors, good or
fake (default a majority of them all), a weak quorum any set of at least `--weak-quorum` (default F + 1).

    paxraft check tests/user_specs/byz_bpcon.py:BPConProof --fake 0 --values 1 --max-ballot 0   # 6,268 / 173,887 / 15
    paxraft refine tests/user_specs/byz_bpcon.py:BPConProof PConProof --fake 0 --values 1 --max-ballot 0

BPConProof.cfg (3 good, 1 fake, 2 values, ballots 0..2) is far beyond TLC in minutes (a fake acceptor may send any
of 2,304 1b messages, and LearnsSent any subset of those sent); tests/user_specs/byzpaxos/README.md lists the models
TLC and paxraft ran. Its ByzQuorum lists the sets of exactly three acceptors, ours every set of at least three: the
extra set changes no count, since ByzQuorum and WeakQuorum appear only inside set filters and in KnowsSafeAt, which
TLC evaluates to Booleans (no step per witness). The TLA+ variable 2avSent is `sent2av` (a field name cannot start
with a digit).
"""

from __future__ import annotations

from itertools import combinations
from typing import Annotated, Any, NamedTuple

from byz_pcon import M1A, M1B, M1C, M2A, M2B, NONE, PConProof, PConState
from byz_vote import Quorum, acceptor_name, at
from lamport_consensus import value_name

from spec.core import Spec, SpecError, action, invariant, refines

M2AV = M2A  # the 2av message takes the 2a's type number: PCon has 2a messages, BPCon 2av ones
Msg = tuple[Any, ...]  # (1a, bal) (1b, bal, acc, mbal, mval, m2av) (1c, bal, val) (2av|2b, bal, acc, val)
Rec = tuple[int, int]  # [bal |-> b, val |-> v] of 2avSent and of a 1b's m2av


class BPConState(NamedTuple):
    maxBal: tuple[int, ...]
    maxVBal: tuple[int, ...]
    maxVVal: tuple[int, ...]
    sent2av: tuple[frozenset[Rec], ...]  # 2avSent
    knowsSent: tuple[frozenset[Msg], ...]
    bmsgs: frozenset[Msg]


def subsets(xs: Any) -> list[tuple]:
    """SUBSET xs, each as a sorted tuple."""
    xs = sorted(xs)
    return [c for k in range(len(xs) + 1) for c in combinations(xs, k)]


class BPConProof(Spec):
    """Lamport's BPConProof.tla: Byzantine Paxos, in which fake acceptors may send any message in their own name."""

    variables = ("maxBal", "maxVBal", "maxVVal", "sent2av", "knowsSent", "bmsgs")

    def __init__(
        self,
        acceptors: Annotated[int, "number of good acceptors (Acceptor = a1..aN)"] = 3,
        fake: Annotated[int, "number of fake acceptors (FakeAcceptor = f1..fF)"] = 1,
        values: Annotated[int, "number of values (Value = v1..vK)"] = 2,
        max_ballot: Annotated[int, "largest ballot (Ballot = 0..MAX)"] = 2,
        byz_quorum: Annotated[int, "a ByzQuorum is any set of at least this many acceptors (0: a majority)"] = 0,
        weak_quorum: Annotated[int, "a WeakQuorum is any set of at least this many acceptors (0: fake + 1)"] = 0,
    ) -> None:
        if acceptors < 1 or fake < 0 or values < 1 or max_ballot < 0:
            raise SpecError("--acceptors and --values must be at least 1, --fake and --max-ballot at least 0")
        n = acceptors + fake
        self.q = byz_quorum or n // 2 + 1
        self.w = weak_quorum or fake + 1
        self.Acceptor = tuple(range(acceptors))
        self.FakeAcceptor = tuple(range(acceptors, n))
        self.ByzAcceptor = tuple(range(n))
        self.Value = tuple(range(values))
        self.Ballot = tuple(range(max_ballot + 1))
        self.ByzQuorum = self.byz_quorums()
        self.WeakQuorum = tuple(Q for k in range(self.w, n + 1) for Q in combinations(self.ByzAcceptor, k))
        self.check_assumptions()
        self.Quorum = tuple(sorted({tuple(a for a in S if a < acceptors) for S in self.ByzQuorum}))
        self.P = PConProof(acceptors, values, max_ballot, quorum=min(len(Q) for Q in self.Quorum))
        self.Forgeable = {fa: tuple(self.forgeable(fa)) for fa in self.FakeAcceptor}  # listed once: 2,316 messages
        self.forgeable_set = {fa: frozenset(ms) for fa, ms in self.Forgeable.items()}
        super().__init__()

    def byz_quorums(self) -> tuple[Quorum, ...]:
        n = len(self.ByzAcceptor)
        return tuple(Q for k in range(self.q, n + 1) for Q in combinations(self.ByzAcceptor, k))

    def check_assumptions(self) -> None:
        """ASSUME BQA /\\ BQLA (TLC checks them before it starts); refused in one line."""
        good = set(self.Acceptor)
        if not all(set(Q1) & set(Q2) & good for Q1 in self.ByzQuorum for Q2 in self.ByzQuorum):
            raise SpecError(f"--byz-quorum {self.q}: two Byzantine quorums meet in no good acceptor (BQA)")
        if not all(set(Q) & good for Q in self.WeakQuorum):
            raise SpecError(f"--weak-quorum {self.w}: a weak quorum holds no good acceptor (BQA)")
        if not (self.ByzQuorum and any(set(Q) <= good for Q in self.ByzQuorum)):
            raise SpecError(f"--byz-quorum {self.q}: no Byzantine quorum of good acceptors only (BQLA)")

    def init_states(self) -> list[BPConState]:
        n = len(self.Acceptor)
        none = (frozenset(),) * n
        return [BPConState((-1,) * n, (-1,) * n, (NONE,) * n, none, none, frozenset())]

    # -- the define statement
    @staticmethod
    def sentMsgs(s: BPConState, t: int, b: int) -> list[Msg]:
        return [m for m in s.bmsgs if m[0] == t and m[1] == b]

    def KnowsSafeAt(self, s: BPConState, ac: int, b: int, v: int) -> bool:
        S = [m for m in s.knowsSent[ac] if m[1] == b]

        def every(Qs: tuple[Quorum, ...], ok: Any) -> bool:
            return any(all(any(m[2] == a and ok(m) for m in S) for a in Q) for Q in Qs)

        if every(self.ByzQuorum, lambda m: m[3] == -1):
            return True
        return any(
            every(self.ByzQuorum, lambda m, c=c: m[3] <= c and (m[3] != c or m[4] == v))
            and every(self.WeakQuorum, lambda m, c=c: any(rb >= c and rv == v for rb, rv in m[5]))
            for c in range(b)
        )

    # -- acceptor(self) == \E b \in Ballot : Phase1b \/ Phase2av \/ Phase2b \/ LearnsSent
    def each_acceptor_ballot(self, s: BPConState) -> list[tuple[int, int]]:
        return [(a, b) for a in self.Acceptor for b in self.Ballot]

    @action(each_acceptor_ballot)
    def Phase1b(self, s: BPConState, a: int, b: int) -> BPConState | None:
        if not (b > s.maxBal[a] and self.sentMsgs(s, M1A, b)):
            return None
        m1b = (M1B, b, a, s.maxVBal[a], s.maxVVal[a], s.sent2av[a])
        return s._replace(maxBal=at(s.maxBal, a, b), bmsgs=s.bmsgs | {m1b})

    @action(lambda self, s: [(a, m[1], m[2]) for a in self.Acceptor for m in s.bmsgs if m[0] == M1C])
    def Phase2av(self, s: BPConState, a: int, b: int, v: int) -> BPConState | None:
        """\\E m \\in {ms \\in sentMsgs("1c", b) : KnowsSafeAt(self, b, ms.val)}: v is m.val."""
        if not (s.maxBal[a] <= b and all(rb < b for rb, _ in s.sent2av[a])):
            return None
        if (M1C, b, v) not in s.bmsgs or not self.KnowsSafeAt(s, a, b, v):
            return None
        sent = frozenset(r for r in s.sent2av[a] if r[1] != v) | {(b, v)}
        return s._replace(maxBal=at(s.maxBal, a, b), sent2av=at(s.sent2av, a, sent), bmsgs=s.bmsgs | {(M2AV, b, a, v)})

    @action(lambda self, s: [(a, b, v) for a in self.Acceptor for b in self.Ballot for v in self.Value])
    def Phase2b(self, s: BPConState, a: int, b: int, v: int) -> BPConState | None:
        """v \\in {vv \\in Value : \\E Q \\in ByzQuorum : \\A aa \\in Q : \\E m \\in sentMsgs("2av", b) : ...}"""
        if not s.maxBal[a] <= b:
            return None
        if not any(all((M2AV, b, aa, v) in s.bmsgs for aa in Q) for Q in self.ByzQuorum):
            return None
        return s._replace(
            maxBal=at(s.maxBal, a, b),
            maxVBal=at(s.maxVBal, a, b),
            maxVVal=at(s.maxVVal, a, v),
            bmsgs=s.bmsgs | {(M2B, b, a, v)},
        )

    @action(lambda self, s: [(a, b, S) for a in self.Acceptor for b in self.Ballot for S in subsets(self.one_bs(s, b))])
    def LearnsSent(self, s: BPConState, a: int, b: int, S: tuple[Msg, ...]) -> BPConState | None:
        """\\E S \\in SUBSET sentMsgs("1b", b): one step per subset."""
        if not all(m in s.bmsgs and m[0] == M1B and m[1] == b for m in S):
            return None
        return s._replace(knowsSent=at(s.knowsSent, a, s.knowsSent[a] | frozenset(S)))

    def one_bs(self, s: BPConState, b: int) -> list[Msg]:
        return self.sentMsgs(s, M1B, b)

    # -- leader(self) for self \in Ballot: Phase1a \/ \E S \in SUBSET [type : {"1c"}, bal : {self}, val : Value]
    @action(lambda self, s: [(b,) for b in self.Ballot])
    def Phase1a(self, s: BPConState, b: int) -> BPConState | None:
        return s._replace(bmsgs=s.bmsgs | {(M1A, b)})

    @action(lambda self, s: [(b, S) for b in self.Ballot for S in subsets(self.Value)])
    def Phase1c(self, s: BPConState, b: int, S: tuple[int, ...]) -> BPConState | None:
        return s._replace(bmsgs=s.bmsgs | {(M1C, b, v) for v in S})

    # -- facceptor(self) == \E m \in {mm \in 1bMessage \cup 2avMessage \cup 2bMessage : mm.acc = self}
    def forgeable(self, fa: int) -> list[Msg]:
        """The messages fake acceptor fa may send: any 1b, 2av or 2b message in its own name."""
        recs = [(b, v) for b in self.Ballot for v in self.Value]
        one_bs = [
            (M1B, b, fa, mb, mv, frozenset(m2av))
            for b in self.Ballot
            for mb in (-1, *self.Ballot)
            for mv in (*self.Value, NONE)
            for m2av in subsets(recs)
        ]
        votes = [(t, b, fa, v) for t in (M2AV, M2B) for b in self.Ballot for v in self.Value]
        return one_bs + votes

    @action(lambda self, s: [(fa, m) for fa, ms in self.Forgeable.items() for m in ms])
    def FakeSend(self, s: BPConState, fa: int, m: Msg) -> BPConState | None:
        if m not in self.forgeable_set.get(fa, ()):
            return None
        return s._replace(bmsgs=s.bmsgs | {m})

    # -- the refinement mapping: P == INSTANCE PConProof WITH maxBal <- PmaxBal
    def good(self, m: Msg) -> bool:
        return m[0] != M1A and m[0] != M1C and m[2] in self.Acceptor

    def msgs(self, s: BPConState) -> frozenset[Msg]:
        """msgsOfType("1a") \\cup 1bmsgs \\cup 1cmsgs \\cup 2amsgs \\cup acceptorMsgsOfType("2b"), as PCon's msgs."""
        out: set[Msg] = set()
        good_2av: set[tuple[int, int, int]] = set()
        for m in s.bmsgs:
            t = m[0]
            if t == M1A:
                out.add(m)
            elif t == M1C:
                if any(self.KnowsSafeAt(s, a, m[1], m[2]) for a in self.Acceptor):
                    out.add(m)
            elif m[2] in self.Acceptor:
                if t == M1B:
                    out.add(m[:5])  # 1bRestrict(m)
                elif t == M2B:
                    out.add(m)
                else:
                    good_2av.add((m[1], m[2], m[3]))
        for b in self.Ballot:
            for v in self.Value:
                if any(all((b, a, v) in good_2av for a in Q) for Q in self.Quorum):
                    out.add((M2A, b, v))
        return frozenset(out)

    def PmaxBal(self, s: BPConState) -> tuple[int, ...]:
        best = [-1] * len(self.Acceptor)
        for m in s.bmsgs:
            if m[0] in (M1B, M2B) and m[2] in self.Acceptor:
                best[m[2]] = max(best[m[2]], m[1])
        return tuple(best)

    def as_pcon_state(self, s: BPConState) -> PConState:
        return PConState(self.PmaxBal(s), s.maxVBal, s.maxVVal, self.msgs(s))

    @refines(PConProof)
    def as_pconproof(self) -> tuple[PConProof, Any]:
        """PConProof over the good acceptors, Quorum == {S \\cap Acceptor : S \\in ByzQuorum}; Spec => P!Spec."""
        return self.P, self.as_pcon_state

    # -- BPConProof.cfg: INVARIANT Inv
    @invariant
    def Inv(self, s: BPConState) -> bool:
        """TypeOK /\\ bmsgsFinite /\\ 1bInv1 /\\ 1bInv2 /\\ maxBalInv /\\ 2avInv1 /\\ 2avInv2 /\\ 2avInv3 /\\ accInv
        /\\ knowsSentInv (bmsgsFinite holds of every state here)."""
        return self.TypeOK(s) and self.msg_invs(s) and self.accInv(s) and self.knowsSentInv(s)

    def TypeOK(self, s: BPConState) -> bool:
        bals, vals, recs = {-1, *self.Ballot}, set(self.Value), {(b, v) for b in self.Ballot for v in self.Value}
        vars_ok = all(x in bals for x in s.maxBal + s.maxVBal) and all(x in vals | {NONE} for x in s.maxVVal)
        known_ok = all(self.is_1b(m) for k in s.knowsSent for m in k)
        return vars_ok and known_ok and all(r <= recs for r in s.sent2av) and all(map(self.is_bmessage, s.bmsgs))

    def is_1b(self, m: Msg) -> bool:
        recs = {(b, v) for b in self.Ballot for v in self.Value}
        return (
            m[0] == M1B
            and m[1] in self.Ballot
            and m[2] in self.ByzAcceptor
            and m[3] in (-1, *self.Ballot)
            and m[4] in (NONE, *self.Value)
            and m[5] <= recs
        )

    def is_bmessage(self, m: Msg) -> bool:
        t = m[0]
        if t == M1A:
            return m[1] in self.Ballot
        if t == M1B:
            return self.is_1b(m)
        if t == M1C:
            return m[1] in self.Ballot and m[2] in self.Value
        return m[1] in self.Ballot and m[2] in self.ByzAcceptor and m[3] in self.Value

    def msg_invs(self, s: BPConState) -> bool:
        """1bInv1, 1bInv2, maxBalInv, 2avInv1, 2avInv2, 2avInv3: over the good acceptors' messages."""
        msgs, seen = self.msgs(s), set()
        for m in s.bmsgs:
            if not self.good(m):
                continue
            t, b, a = m[0], m[1], m[2]
            if b > s.maxBal[a]:  # maxBalInv
                return False
            if t == M1B:
                if (t, b, a) in seen or not all((M1C, rb, rv) in msgs for rb, rv in m[5]):  # 1bInv2, 1bInv1
                    return False
            elif t == M2AV:
                if (t, b, a) in seen or (M1C, b, m[3]) not in msgs:  # 2avInv1, 2avInv3
                    return False
                if not any(rv == m[3] and rb >= b for rb, rv in s.sent2av[a]):  # 2avInv2
                    return False
            seen.add((t, b, a))
        return True

    def accInv(self, s: BPConState) -> bool:
        msgs = self.msgs(s)
        return all(rb <= s.maxBal[a] and (M1C, rb, rv) in msgs for a in self.Acceptor for rb, rv in s.sent2av[a])

    @staticmethod
    def knowsSentInv(s: BPConState) -> bool:
        return all(k <= s.bmsgs for k in s.knowsSent)

    # -- reading
    def byz_name(self, a: int) -> str:
        return acceptor_name(a) if a in self.Acceptor else f"f{a - len(self.Acceptor) + 1}"

    def show_msg(self, m: Msg) -> str:
        t, b = m[0], m[1]
        if t == M1A:
            return f"1a({b})"
        if t == M1C:
            return f"1c({b}, {value_name(m[2])})"
        if t == M1B:
            mv = "None" if m[4] == NONE else value_name(m[4])
            m2av = "{" + ", ".join(f"<<{rb}, {value_name(rv)}>>" for rb, rv in sorted(m[5])) + "}"
            return f"1b({b}, {self.byz_name(m[2])}, mbal {m[3]}, mval {mv}, m2av {m2av})"
        return f"{'2av' if t == M2AV else '2b'}({b}, {self.byz_name(m[2])}, {value_name(m[3])})"

    def show_state(self, s: BPConState) -> dict[str, Any]:
        def per(t: tuple, f: Any = str) -> dict[str, Any]:
            return {acceptor_name(a): f(x) for a, x in enumerate(t)}

        return {
            "maxBal": per(s.maxBal, int),
            "maxVBal": per(s.maxVBal, int),
            "maxVVal": per(s.maxVVal, lambda x: "None" if x == NONE else value_name(x)),
            "2avSent": per(s.sent2av, lambda r: sorted(f"<<{b}, {value_name(v)}>>" for b, v in r)),
            "knowsSent": per(s.knowsSent, lambda k: sorted(self.show_msg(m) for m in k)),
            "bmsgs": sorted(self.show_msg(m) for m in s.bmsgs),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "m":
            return self.show_msg(value)
        if param == "S":
            if action == "LearnsSent":
                return "{" + ", ".join(self.show_msg(m) for m in value) + "}"
            return "{" + ", ".join(value_name(v) for v in value) + "}"
        return {"a": acceptor_name, "fa": self.byz_name, "v": value_name}.get(param, str)(value)


class Impersonate(BPConProof):
    """A fake acceptor sends messages in a good acceptor's name: messages are not authenticated."""

    variant = "impersonate"
    rule = "facceptor's message need not carry its own name: mm.acc = self is dropped"
    breaks = "Inv"
    failing_bounds = {"fake": 1, "values": 1, "max_ballot": 0}
    trace_length = 1

    def forgeable(self, fa: int) -> list[Msg]:
        own = super().forgeable(fa)
        return sorted({m[:2] + (a,) + m[3:] for a in self.ByzAcceptor for m in own})


class NoGoodMeet(BPConProof):
    """Byzantine quorums that need not meet in a good acceptor: any single acceptor is one."""

    variant = "no-good-meet"
    rule = "ByzQuorum is every set of one acceptor: BQA's Q1 \\cap Q2 \\cap Acceptor # {} is dropped"
    breaks = "PConProof"  # Inv holds; what fails is Spec => P!Spec (paxraft refine)
    failing_bounds = {"fake": 0, "values": 2, "max_ballot": 0}
    trace_length = 7

    def byz_quorums(self) -> tuple[Quorum, ...]:
        return tuple((a,) for a in self.ByzAcceptor)

    def check_assumptions(self) -> None:
        """BQA is what this variant drops."""
