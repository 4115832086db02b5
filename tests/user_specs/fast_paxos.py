"""Paxos and (simplified) Fast Paxos, as tlaplus/Examples' specifications/SimplifiedFastPaxos gives them.

A new user's spec (notes newuser5, 2026-12-04 night), written from README.md and docs/ only, beside the TLA+ text
(Paxos.tla and FastPaxos.tla by Lim Ngian Xin Terry and Gaurav Gandhi, copied unchanged beside this file with the
models TLC ran). `Paxos` is Paxos.tla: proposers and acceptors without explicit leaders, a set of messages that only
grows, and `decision`, the value some acceptor decided (one variable: PaxosConsistency says it never changes once
set). `FastPaxos` is FastPaxos.tla: a unique coordinator, so no phase 1; in a fast ballot the coordinator sends
"any" and each acceptor proposes a value itself, which is chosen when a fast quorum proposed it alone; a collision
is recovered in a later classic ballot, whose value is the fast quorum's majority value if there is one.

Constants become flags: `--replicas N` (Replicas = r1..rN), `--values V` (Values = v1..vV), `--ballots B` (Ballots =
0..B), `--fast-ballots 1,3` (FastBallots), `--quorum K` (Quorums = every K-subset of the replicas, by default a
majority) and `--fast-quorum K` (FastQuorums = every K-subset; by default the smallest FastAssume allows).

What the text states and what is checked here:

- FastPaxos.cfg's invariants FastTypeOK and FastNontriviality, Paxos.cfg's PaxosTypeOK and PaxosNontriviality.
- PaxosConsistency == [][decision = none]_<<decision>> is a property of steps: both protocols refine `Consensus`
  (decision goes from none to a value once, and then only stutters), `paxraft refine FILE:FastPaxos Consensus`.
- `Agreement` (ours, not the text's): no two values are chosen, where chosen is a fast quorum's unanimous votes in a
  fast ballot or a quorum's votes in a classic ballot: a state predicate, so a planted bug is a short counterexample
  before any acceptor decides.
- FastPaxos does NOT refine Paxos.tla step by step (`@refines(Paxos)` below, and refine says where it fails): a fast
  round's vote (FastPropose) answers a P2a "any", which no Paxos step can send, and the coordinator's classic
  P2a needs no phase 1. The text's own claim, FastSpec => PaxosConsistency, is the refinement of Consensus.
- Liveness (ours: the text's PaxosLiveness is FALSE): under a stable coordinator, one that starts a fast round and
  recovers every collision, and acceptors that answer, a value is eventually decided: `Decided`, <>(decision # none).

`FastPaxosIndexed` is the same model written with docs/fast-specs.md's MsgSet and `where` guards: TLC's counts
and FastPaxos's coverage, about 15% less CPU.

tests/test_user_fast_paxos.py asserts TLC 2.20's counts for both models (Paxos.cfg and FastPaxos.cfg, with and
without their SYMMETRY, and smaller ones) and the planted bugs below. With the fast quorum varied (SmallFastQuorums
takes any size), Agreement breaks exactly where FastAssume fails: 2 of 3 in 7 steps, 2 of 4 in 5, 3 of 5 in 10;
3 of 3, 3 of 4 and 4 of 5 are safe.
"""

from __future__ import annotations

from itertools import combinations
from typing import Annotated, Any, NamedTuple

from spec.core import (
    SF,
    WF,
    Eventually,
    Label,
    MscEvent,
    Spec,
    SpecError,
    action,
    explains,
    invariant,
    refines,
    witness,
)
from spec.values import MsgSet

NONE, ANY = -1, -2  # the model values none and any (Values are 0..V-1)
P1A, P1B, P2A, P2B = range(4)  # a message's type; a message is a tuple starting with it:
# (P1A, ballot), (P1B, ballot, acceptor, maxVBallot, maxValue), (P2A, ballot, value), (P2B, ballot, acceptor, value)
TYPE = ("P1a", "P1b", "P2a", "P2b")

Msg = tuple[int, ...]


def value_name(v: int) -> str:
    return "none" if v == NONE else "any" if v == ANY else f"v{v + 1}"


def replica_name(a: int) -> str:
    return f"r{a + 1}"


def msg_name(m: Msg) -> str:
    if m[0] == P1A:
        return f"P1a({m[1]})"
    if m[0] == P1B:
        return f"P1b({m[1]}, {replica_name(m[2])}, {m[3]}, {value_name(m[4])})"
    if m[0] == P2A:
        return f"P2a({m[1]}, {value_name(m[2])})"
    return f"P2b({m[1]}, {replica_name(m[2])}, {value_name(m[3])})"


def permute_msg(m: Msg, r: tuple[int, ...], v: tuple[int, ...]) -> Msg:
    """A message with its replicas renamed by r and its values by v (none and any stay)."""

    def val(x: int) -> int:
        return x if x < 0 else v[x]

    if m[0] == P1A:
        return m
    if m[0] == P1B:
        return (P1B, m[1], r[m[2]], m[3], val(m[4]))
    if m[0] == P2A:
        return (P2A, m[1], val(m[2]))
    return (P2B, m[1], r[m[2]], val(m[3]))


class PaxosState(NamedTuple):
    messages: frozenset[Msg]  # every message sent
    decision: int  # the decided value of an acceptor, or NONE
    maxBallot: tuple[int, ...]  # maxBallot[a]: the largest ballot a has seen
    maxVBallot: tuple[int, ...]  # maxVBallot[a]: the largest ballot a has accepted (voted in)
    maxValue: tuple[int, ...]  # maxValue[a]: the value a accepted there, or NONE


class FastState(NamedTuple):
    messages: frozenset[Msg]
    decision: int
    maxBallot: tuple[int, ...]
    maxVBallot: tuple[int, ...]
    maxValue: tuple[int, ...]
    cValue: int  # the value the coordinator chose in a classic round, or NONE


def at(t: tuple[int, ...], i: int, x: int) -> tuple[int, ...]:
    """[t EXCEPT ![i] = x]"""
    return t[:i] + (x,) + t[i + 1 :]


class Common:
    """What Paxos.tla defines and FastPaxos.tla extends: constants, message sets, the shared steps and checks
    (a mixin, not a spec: paxraft lists only Spec subclasses)."""

    def __init__(self, replicas: int, values: int, ballots: int, quorum: int | None) -> None:
        check_sizes(replicas, values, ballots)
        self.Replicas = tuple(range(replicas))
        self.Values = tuple(range(values))
        self.Ballots = tuple(range(ballots + 1))
        k = replicas // 2 + 1 if quorum is None else quorum
        if not 1 <= k <= replicas:
            raise SpecError(f"--quorum must be between 1 and --replicas ({replicas}), got {k}")
        self.Quorums = tuple(combinations(self.Replicas, k))
        self.check_quorums()
        super().__init__()

    def check_quorums(self) -> None:
        """PaxosAssume: every quorum is a majority (so any two intersect)."""
        if not replicas_majority(len(self.Replicas), len(self.Quorums[0])):
            raise SpecError(f"--quorum {len(self.Quorums[0])} is not a majority of {len(self.Replicas)} replicas "
                            "(PaxosAssume: Cardinality(Replicas) \\div 2 < Cardinality(q))")

    # -- messages: plain tuples in a frozenset (FastPaxosIndexed: NamedTuples in a MsgSet)
    @staticmethod
    def msg(*fields: int) -> Msg:
        """A message: (P2B, ballot, acceptor, value) and so on."""
        return fields

    @staticmethod
    def message_set(msgs: Any) -> frozenset[Msg]:
        return frozenset(msgs)

    # -- message sets: {m \in messages : m.type = ...}
    @staticmethod
    def of_type(s: Any, t: int) -> list[Msg]:
        return sorted(m for m in s.messages if m[0] == t)

    def voters(self, s: Any, b: int, q: tuple[int, ...]) -> list[Msg] | None:
        """M == {m \\in p2bMessages : m.ballot = b /\\ m.acceptor \\in q}, or None unless every a \\in q is in M."""
        M = [m for m in s.messages if m[0] == P2B and m[1] == b and m[2] in q]
        return M if {m[2] for m in M} >= set(q) else None

    def decide_params(self, s: Any, ballots: tuple[int, ...], quorums: tuple[tuple[int, ...], ...]) -> list:
        """\\E b \\in ballots, q \\in quorums, m \\in M: one step per witness, as TLC counts them."""
        out = []
        for b in ballots:
            votes = [m for m in s.messages if m[0] == P2B and m[1] == b]
            for q in quorums:
                out += [(b, q, m[2], m[3]) for m in votes if m[2] in q]
        return out

    def accepted(self, s: Any, a: int, b: int, v: int) -> Any:
        """PaxosAccepted for acceptor a and the message P2a(b, v)."""
        if v < 0 or (P2A, b, v) not in s.messages or s.maxBallot[a] > b:
            return None
        return s._replace(
            maxBallot=at(s.maxBallot, a, b),
            maxVBallot=at(s.maxVBallot, a, b),
            maxValue=at(s.maxValue, a, v),
            messages=s.messages | {self.msg(P2B, b, a, v)},
        )

    def accepted_params(self, s: Any) -> list[tuple[int, int, int]]:
        """\\E a \\in Replicas, m \\in p2aMessages (the message as its ballot and value)."""
        return [(a, m[1], m[2]) for a in self.Replicas for m in self.of_type(s, P2A) if m[2] >= 0]

    # -- checks
    def type_ok(self, s: Any) -> bool:
        """PaxosTypeOK: messages \\subseteq Message, and each variable in its set."""
        B, R, V = set(self.Ballots), set(self.Replicas), set(self.Values)
        Vn = V | {NONE}

        def ok(m: Msg) -> bool:
            if m[0] == P1A:
                return len(m) == 2 and m[1] in B and m[1] != 0
            if m[0] == P1B:
                return len(m) == 5 and m[1] in B and m[2] in R and m[3] in B and m[4] in Vn
            if m[0] == P2A:
                return len(m) == 3 and m[1] in B and (m[2] in V or m[2] == ANY)
            return m[0] == P2B and len(m) == 4 and m[1] in B and m[2] in R and m[3] in V

        return (
            all(ok(m) for m in s.messages)
            and s.decision in Vn
            and all(x in B for x in s.maxBallot)
            and all(x in B for x in s.maxVBallot)
            and all(x in Vn for x in s.maxValue)
        )

    def chosen(self, s: Any) -> set[int]:
        """The values a quorum voted for in one ballot (a fast quorum, unanimously, in a fast ballot)."""
        out: set[int] = set()
        for b in self.Ballots:
            fast = b in self.fast_ballots()
            for q in self.FastQuorums if fast else self.Quorums:
                M = self.voters(s, b, q)
                if M is not None and len({m[3] for m in M}) == 1:
                    out.add(M[0][3])
        return out

    def fast_ballots(self) -> tuple[int, ...]:
        """Paxos has none; FastPaxos its FastBallots (whose quorums are FastQuorums)."""
        return ()

    FastQuorums: tuple[tuple[int, ...], ...] = ()  # Paxos has none

    @invariant
    def Agreement(self, s: Any) -> bool:
        """Ours: at most one value is chosen."""
        return len(self.chosen(s)) <= 1

    @explains("Agreement")
    def why_not_agreement(self, s: Any) -> str:
        return f"{' and '.join(value_name(v) for v in sorted(self.chosen(s)))} are both chosen"

    # -- symmetry: Permutations(Values) \union Permutations(Replicas), the group they generate
    def symmetric_sets(self) -> dict[str, int]:
        return {"Replicas": len(self.Replicas), "Values": len(self.Values)}

    def permute(self, s: Any, perm: Any) -> Any:
        r, v = perm["Replicas"], perm["Values"]

        def val(x: int) -> int:
            return x if x < 0 else v[x]

        def per_replica(t: tuple[int, ...], f: Any = int) -> tuple[int, ...]:
            out = [0] * len(t)
            for a, x in enumerate(t):
                out[r[a]] = f(x)
            return tuple(out)

        return s._replace(
            messages=self.message_set(self.msg(*permute_msg(m, r, v)) for m in s.messages),
            decision=val(s.decision),
            maxBallot=per_replica(s.maxBallot),
            maxVBallot=per_replica(s.maxVBallot),
            maxValue=per_replica(s.maxValue, val),
            **({"cValue": val(s.cValue)} if "cValue" in s._fields else {}),
        )

    def symmetry_keys(self, s: Any) -> dict[str, list[tuple]]:
        """What renaming carries along with a replica or a value, naming no other element: only the renamings
        sorting these are tried (docs/fast-specs.md, Symmetry)."""
        votes = sorted(m for m in s.messages if m[0] in (P1B, P2B))
        replica = [
            (s.maxBallot[a], s.maxVBallot[a], s.maxValue[a] == NONE,
             tuple((m[0], m[1], m[3] if m[0] == P1B else 0) for m in votes if m[2] == a))
            for a in self.Replicas
        ]  # fmt: skip
        value = [
            (v == s.decision, v == getattr(s, "cValue", NONE), s.maxValue.count(v),
             tuple(sorted((m[0], m[1]) for m in s.messages if (m[0] == P2A and m[2] == v) or (m[0] == P2B and m[3] == v)
                          or (m[0] == P1B and m[4] == v))))
            for v in self.Values
        ]  # fmt: skip
        return {"Replicas": replica, "Values": value}

    # -- reading
    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "a":
            return replica_name(value)
        if param == "v":
            return value_name(value)
        if param == "q":
            return "{" + ", ".join(replica_name(a) for a in value) + "}"
        return value

    def show_state(self, s: Any) -> dict[str, Any]:
        names = [replica_name(a) for a in self.Replicas]
        out = {
            "messages": [msg_name(m) for m in sorted(s.messages)],  # a list reads as a set
            "decision": value_name(s.decision),
            "maxBallot": dict(zip(names, s.maxBallot)),
            "maxVBallot": dict(zip(names, s.maxVBallot)),
            "maxValue": dict(zip(names, map(value_name, s.maxValue))),
        }
        if "cValue" in s._fields:
            out["cValue"] = value_name(s.cValue)
        return out

    def msc_nodes(self) -> list[str]:
        return ["proposer"] + [replica_name(a) for a in self.Replicas] + ["learner"]

    def msc_event(self, prev: Any, label: Label, nxt: Any) -> MscEvent:
        """Proposer and coordinator steps on one lifeline, each acceptor's on its own, decisions on the learner's."""
        sent = tuple(msg_name(m) for m in sorted(nxt.messages - prev.messages))
        p = dict(zip(self.action(label.name).param_names, label.params))
        if "Decide" in label.name:
            got = tuple(msg_name((P2B, p["b"], a, p["v"])) for a in p["q"])
            return MscEvent("learner", got, ())
        if "a" in p:  # an acceptor answers a message
            b = p["b"]
            got = (msg_name((P1A, b)),) if label.name == "PaxosPromise" else (
                msg_name((P2A, b, ANY if label.name == "FastPropose" else p["v"])),)
            return MscEvent(replica_name(p["a"]), got, sent)
        return MscEvent("proposer", (), sent)


def replicas_majority(n: int, k: int) -> bool:
    return n // 2 < k


def check_sizes(replicas: int, values: int, ballots: int) -> None:
    if not 1 <= replicas <= 7:
        raise SpecError(f"--replicas must be between 1 and 7, got {replicas}")
    if not 1 <= values <= 5:
        raise SpecError(f"--values must be between 1 and 5, got {values}")
    if not 1 <= ballots <= 9:
        raise SpecError(f"--ballots must be between 1 and 9 (Ballots = 0..B), got {ballots}")


# ----------------------------------------------------------------------------------------------- Paxos.tla
class Paxos(Common, Spec):
    """Paxos.tla (SimplifiedFastPaxos): Paxos without explicit leaders or learners; decision is any acceptor's."""

    variables = ("messages", "decision", "maxBallot", "maxVBallot", "maxValue")

    def __init__(
        self,
        replicas: Annotated[int, "number of replicas (Replicas = r1..rN)"] = 4,
        values: Annotated[int, "number of values (Values = v1..vV)"] = 3,
        ballots: Annotated[int, "the largest ballot (Ballots = 0..B)"] = 2,
        quorum: Annotated[int | None, "quorum size (Quorums = every K-subset; default a majority)"] = None,
    ) -> None:
        super().__init__(replicas, values, ballots, quorum)

    def init_states(self) -> list[PaxosState]:
        """PaxosInit."""
        n = len(self.Replicas)
        return [PaxosState(self.message_set(()), NONE, (0,) * n, (0,) * n, (NONE,) * n)]

    @action(lambda self, s: [(b,) for b in self.Ballots if b != 0])
    def PaxosPrepare(self, s: PaxosState, b: int) -> PaxosState | None:
        return s._replace(messages=s.messages | {self.msg(P1A, b)})

    @action(lambda self, s: [(a, m[1]) for a in self.Replicas for m in self.of_type(s, P1A)])
    def PaxosPromise(self, s: PaxosState, a: int, b: int) -> PaxosState | None:
        if (P1A, b) not in s.messages or not s.maxBallot[a] < b:
            return None
        return s._replace(
            maxBallot=at(s.maxBallot, a, b),
            messages=s.messages | {self.msg(P1B, b, a, s.maxVBallot[a], s.maxValue[a])},
        )

    def forced_value(self, M: list[Msg]) -> int:
        """ForcedValue(M): the maxValue of a message with the largest maxVBallot (all such agree in Paxos)."""
        return max(M, key=lambda m: m[3])[4]

    def value_ok(self, M: list[Msg], v: int) -> bool:
        """\\/ \\A m \\in M : m.maxValue = none  \\/ v = ForcedValue(M) (never both: v is a value)."""
        return all(m[4] == NONE for m in M) or v == self.forced_value(M)

    @action(lambda self, s: [(b, q, v) for b in self.Ballots for q in self.Quorums for v in self.Values])
    def PaxosAccept(self, s: PaxosState, b: int, q: tuple[int, ...], v: int) -> PaxosState | None:
        if any(m[0] == P2A and m[1] == b for m in s.messages):
            return None
        M = [m for m in s.messages if m[0] == P1B and m[1] == b and m[2] in q]
        if {m[2] for m in M} < set(q):
            return None
        if not self.value_ok(M, v):
            return None
        return s._replace(messages=s.messages | {self.msg(P2A, b, v)})

    @action(Common.accepted_params)
    def PaxosAccepted(self, s: PaxosState, a: int, b: int, v: int) -> PaxosState | None:
        return self.accepted(s, a, b, v)

    @action(lambda self, s: self.decide_params(s, self.Ballots, self.Quorums))
    def PaxosDecide(self, s: PaxosState, b: int, q: tuple[int, ...], a: int, v: int) -> PaxosState | None:
        if (P2B, b, a, v) not in s.messages or a not in q or self.voters(s, b, q) is None:
            return None
        return s._replace(decision=v)

    @invariant
    def PaxosTypeOK(self, s: PaxosState) -> bool:
        return self.type_ok(s)

    @invariant
    def PaxosNontriviality(self, s: PaxosState) -> bool:
        """Only a proposed value is decided, and a 1b message reports a vote exactly when its maxVBallot > 0."""
        decided_ok = s.decision == NONE or any(m[0] == P2A and m[2] == s.decision for m in s.messages)
        return decided_ok and all((m[4] != NONE) == (m[3] > 0) for m in s.messages if m[0] == P1B)

    @refines("Consensus")
    def as_consensus(self) -> tuple[Consensus, Any]:
        """PaxosConsistency: decision goes from none to a value, then stays."""
        return Consensus(len(self.Values)), lambda s: ConsensusState(s.decision)


# ----------------------------------------------------------------------------------------------- FastPaxos.tla
def parse_ballots(text: str, ballots: int) -> tuple[int, ...]:
    try:
        out = tuple(sorted({int(x) for x in text.split(",") if x.strip()}))
    except ValueError:
        raise SpecError(f"--fast-ballots takes ballots separated by commas (such as 1,3), got {text!r}") from None
    if not out or not all(1 <= f <= ballots for f in out):
        raise SpecError(f"--fast-ballots must name ballots between 1 and --ballots ({ballots}), got {text!r}")
    return out


class FastPaxos(Common, Spec):
    """FastPaxos.tla (SimplifiedFastPaxos): one coordinator, fast ballots where acceptors propose, classic recovery."""

    variables = ("messages", "decision", "maxBallot", "maxVBallot", "maxValue", "cValue")

    def __init__(
        self,
        replicas: Annotated[int, "number of replicas (Replicas = r1..rN)"] = 4,
        values: Annotated[int, "number of values (Values = v1..vV)"] = 3,
        ballots: Annotated[int, "the largest ballot (Ballots = 0..B)"] = 4,
        fast_ballots: Annotated[str, "the fast ballots, comma-separated (FastBallots)"] = "1,3",
        quorum: Annotated[int | None, "classic quorum size (Quorums = every K-subset; default a majority)"] = None,
        fast_quorum: Annotated[int | None, "fast quorum size (FastQuorums = every K-subset; default the smallest "
                                           "FastAssume allows)"] = None,
    ) -> None:
        check_sizes(replicas, values, ballots)
        self.FastBallots = parse_ballots(fast_ballots, ballots)
        self.ClassicBallots = tuple(b for b in range(ballots + 1) if b not in self.FastBallots)
        n = replicas
        k = quorum if quorum is not None else n // 2 + 1
        fk = fast_quorum if fast_quorum is not None else self.default_fast_quorum(n, k)
        if not 1 <= fk <= n:
            raise SpecError(f"--fast-quorum must be between 1 and --replicas ({n}), got {fk}")
        self.FastQuorums = tuple(combinations(range(n), fk))
        super().__init__(replicas, values, ballots, quorum)

    def default_fast_quorum(self, n: int, k: int) -> int:
        return smallest_fast_quorum(n, k)

    def check_quorums(self) -> None:
        super().check_quorums()
        n, k, fk = len(self.Replicas), len(self.Quorums[0]), len(self.FastQuorums[0])
        if not fast_assume(n, k, fk):
            raise SpecError(f"--fast-quorum {fk} breaks FastAssume with {n} replicas and quorums of {k}: a fast quorum "
                            f"needs at least {smallest_fast_quorum(n, k)} (any two fast quorums and a quorum meet)")

    def fast_ballots(self) -> tuple[int, ...]:
        return self.FastBallots

    def init_states(self) -> list[FastState]:
        """FastInit: PaxosInit /\\ cValue = none."""
        n = len(self.Replicas)
        return [FastState(self.message_set(()), NONE, (0,) * n, (0,) * n, (NONE,) * n, NONE)]

    @action(lambda self, s: [(f,) for f in self.FastBallots])
    def FastAny(self, s: FastState, f: int) -> FastState | None:
        """Phase 2a (fast): the coordinator sends P2a(f, any)."""
        return s._replace(messages=s.messages | {self.msg(P2A, f, ANY)})

    @action(lambda self, s: [(a, m[1], v) for a in self.Replicas for m in self.of_type(s, P2A) if m[2] == ANY
                             for v in self.Values])
    def FastPropose(self, s: FastState, a: int, b: int, v: int) -> FastState | None:
        """Phase 2b (fast): acceptor a answers P2a(b, any) with a value of its own (its earlier one, if any)."""
        if (P2A, b, ANY) not in s.messages or s.maxBallot[a] > b or s.maxValue[a] not in (NONE, v):
            return None
        if any(m[0] == P2B and m[1] == b and m[2] == a for m in s.messages):
            return None
        return s._replace(
            maxBallot=at(s.maxBallot, a, b),
            maxVBallot=at(s.maxVBallot, a, b),
            maxValue=at(s.maxValue, a, v),
            messages=s.messages | {self.msg(P2B, b, a, v)},
        )

    @action(lambda self, s: self.decide_params(s, self.FastBallots, self.FastQuorums))
    def FastDecide(self, s: FastState, b: int, q: tuple[int, ...], a: int, v: int) -> FastState | None:
        """A value is chosen when a fast quorum proposed it, and only it, in a fast ballot."""
        if (P2B, b, a, v) not in s.messages or a not in q:
            return None
        M = self.voters(s, b, q)
        if M is None or len({m[3] for m in M}) != 1:
            return None
        return s._replace(decision=v)

    @staticmethod
    def is_majority_value(M: list[Msg], v: int) -> bool:
        """IsMajorityValue(M, v) == Cardinality(M) \\div 2 < Cardinality({m \\in M : m.value = v})"""
        return len(M) // 2 < sum(1 for m in M if m[3] == v)

    @action(lambda self, s: [(b, f, q, v) for b in self.ClassicBallots for f in self.FastBallots if f < b
                             for q in self.FastQuorums for v in self.Values])
    def ClassicAccept(self, s: FastState, b: int, f: int, q: tuple[int, ...], v: int) -> FastState | None:
        """Phase 2a (classic): after a collision in fast ballot f, the coordinator picks the fast quorum's majority
        value if there is one, else any value proposed there, and keeps to it in later classic ballots (cValue)."""
        if s.cValue not in (NONE, v) or any(m[0] == P2A and m[1] == b for m in s.messages):
            return None
        M = self.voters(s, f, q)
        if M is None:
            return None
        V = {m[3] for m in M}
        if len(V) <= 1:
            return None
        if any(self.is_majority_value(M, w) for w in V):
            if not self.is_majority_value(M, v):
                return None
        elif not self.recovery_value_ok(v, V):
            return None
        return s._replace(cValue=v, messages=s.messages | {self.msg(P2A, b, v)})

    def recovery_value_ok(self, v: int, V: set[int]) -> bool:
        """With no majority value, the coordinator may pick any value proposed in the fast quorum."""
        return v in V

    @action(Common.accepted_params)
    def ClassicAccepted(self, s: FastState, a: int, b: int, v: int) -> FastState | None:
        """Phase 2b (classic): PaxosAccepted."""
        return self.accepted(s, a, b, v)

    @action(lambda self, s: self.decide_params(s, self.ClassicBallots, self.Quorums))
    def ClassicDecide(self, s: FastState, b: int, q: tuple[int, ...], a: int, v: int) -> FastState | None:
        if (P2B, b, a, v) not in s.messages or a not in q or self.voters(s, b, q) is None:
            return None
        return s._replace(decision=v)

    @invariant
    def FastTypeOK(self, s: FastState) -> bool:
        return self.type_ok(s) and (s.cValue in self.Values or s.cValue == NONE)

    @invariant
    def FastNontriviality(self, s: FastState) -> bool:
        """Only a value some acceptor proposed in a fast ballot is decided."""
        return s.decision == NONE or any(
            m[0] == P2B and m[3] == s.decision and m[1] in self.FastBallots for m in s.messages
        )

    # -- witnesses: both ways to a decision are reachable (else the invariants could hold vacuously)
    @witness(replicas=3, values=2, ballots=2, fast_ballots="1")
    def DecidedFast(self, s: FastState) -> bool:
        """A fast quorum's unanimous votes decided, and no classic ballot was started."""
        return s.decision != NONE and s.cValue == NONE

    @witness(replicas=3, values=2, ballots=2, fast_ballots="1")
    def DecidedInClassic(self, s: FastState) -> bool:
        """After a collision, a quorum accepted the coordinator's value in a classic ballot, which is decided."""
        return s.decision != NONE and any(
            self.voters(s, b, q) is not None for b in self.ClassicBallots for q in self.Quorums
        )

    # -- liveness
    def fairness(self) -> list:
        """A stable coordinator (it starts the fast rounds and recovers from every collision), acceptors that answer,
        and learners that learn (FastSpec's SF on FastDecide and ClassicDecide)."""
        fair = [WF("FastAny"), WF("ClassicAccept")]
        fair += [WF("FastPropose", "ClassicAccepted", a=a) for a in self.Replicas]
        return fair + [SF("FastDecide"), SF("ClassicDecide")]

    def properties(self) -> dict:
        return {"Decided": Eventually(lambda s: s.decision != NONE, "<>(decision # none)")}

    # -- refinement
    @refines("Consensus")
    def as_consensus(self) -> tuple[Consensus, Any]:
        """PaxosConsistency: FastSpec => [][decision = none]_<<decision>>."""
        return Consensus(len(self.Values)), lambda s: ConsensusState(s.decision)

    @refines(Paxos)
    def as_paxos(self) -> tuple[Paxos, Any]:
        """Paxos.tla over the same constants, forgetting cValue and the P2a "any" messages. It does not hold: a fast
        vote answers no P2a of its value (refine fails at FastPropose); kept to show where the protocols part."""
        paxos = Paxos(len(self.Replicas), len(self.Values), len(self.Ballots) - 1, len(self.Quorums[0]))

        def image(s: FastState) -> PaxosState:
            msgs = frozenset(m for m in s.messages if not (m[0] == P2A and m[2] == ANY))
            return PaxosState(msgs, s.decision, s.maxBallot, s.maxVBallot, s.maxValue)

        return paxos, image


def fast_assume(n: int, k: int, fk: int) -> bool:
    """FastAssume for every fk-subset as a fast quorum and every k-subset as a quorum (of n replicas)."""
    return 2 * fk > n and (3 * n) // 4 <= fk and k + 2 * fk > 2 * n


def smallest_fast_quorum(n: int, k: int) -> int:
    return next((fk for fk in range(1, n + 1) if fast_assume(n, k, fk)), n)


# ----------------------------------------------------------------------------------------------- FastPaxos, faster
class P2aMsg(NamedTuple):
    type: int
    ballot: int
    value: int


class P2bMsg(NamedTuple):
    type: int
    ballot: int
    acceptor: int
    value: int


class FastPaxosIndexed(FastPaxos):
    """FastPaxos with its messages in a MsgSet and its guards asking it (docs/fast-specs.md): the same model.

    A message is a NamedTuple equal to the plain tuple it replaces, so states, counts and traces are FastPaxos's;
    the decides read the messages only through `where`, which the checker then answers from what it remembers."""

    @staticmethod
    def msg(*fields: int) -> Msg:
        return P2aMsg(*fields) if fields[0] == P2A else P2bMsg(*fields)

    @staticmethod
    def message_set(msgs: Any) -> MsgSet:  # type: ignore[override]
        return MsgSet(msgs)

    def decide_params(self, s: Any, ballots: tuple[int, ...], quorums: tuple[tuple[int, ...], ...]) -> list:
        out = []
        for b in ballots:
            votes = s.messages.where(type=P2B, ballot=b)
            for q in quorums:
                out += [(b, q, m.acceptor, m.value) for m in votes if m.acceptor in q]
        return out

    def voters(self, s: Any, b: int, q: tuple[int, ...]) -> list[Msg] | None:
        M = [m for m in s.messages.where(type=P2B, ballot=b) if m.acceptor in q]
        return M if {m.acceptor for m in M} >= set(q) else None

    @action(lambda self, s: [(a, m.ballot, v) for a in self.Replicas for m in s.messages.where(type=P2A, value=ANY)
                             for v in self.Values])
    def FastPropose(self, s: FastState, a: int, b: int, v: int) -> FastState | None:
        if s.maxBallot[a] > b or s.maxValue[a] not in (NONE, v) or s.messages.where(type=P2B, ballot=b, acceptor=a):
            return None
        return s._replace(
            maxBallot=at(s.maxBallot, a, b),
            maxVBallot=at(s.maxVBallot, a, b),
            maxValue=at(s.maxValue, a, v),
            messages=s.messages | {P2bMsg(P2B, b, a, v)},
        )

    @action(lambda self, s: self.decide_params(s, self.FastBallots, self.FastQuorums))
    def FastDecide(self, s: FastState, b: int, q: tuple[int, ...], a: int, v: int) -> FastState | None:
        if a not in q or not s.messages.where(type=P2B, ballot=b, acceptor=a, value=v):
            return None
        M = self.voters(s, b, q)
        if M is None or len({m.value for m in M}) != 1:
            return None
        return s._replace(decision=v)

    @action(lambda self, s: self.decide_params(s, self.ClassicBallots, self.Quorums))
    def ClassicDecide(self, s: FastState, b: int, q: tuple[int, ...], a: int, v: int) -> FastState | None:
        if a not in q or not s.messages.where(type=P2B, ballot=b, acceptor=a, value=v):
            return None
        return None if self.voters(s, b, q) is None else s._replace(decision=v)


# ----------------------------------------------------------------------------------------------- Consensus
class ConsensusState(NamedTuple):
    decision: int


class Consensus(Spec):
    """PaxosConsistency as a spec: decision goes from none to one value, and then never changes."""

    variables = ("decision",)

    def __init__(self, values: Annotated[int, "number of values (Values = v1..vV)"] = 3) -> None:
        self.Values = tuple(range(values))
        super().__init__()

    def init_states(self) -> list[ConsensusState]:
        return [ConsensusState(NONE)]

    @action(lambda self, s: [(v,) for v in self.Values])
    def Decide(self, s: ConsensusState, v: int) -> ConsensusState | None:
        return ConsensusState(v) if s.decision == NONE else None

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return value_name(value)

    def show_state(self, s: ConsensusState) -> dict[str, Any]:
        return {"decision": value_name(s.decision)}


# ----------------------------------------------------------------------------------------------- planted bugs
class SmallFastQuorums(FastPaxos):
    """Fast quorums of half the replicas (two of four, --fast-quorum by default): two fast quorums need not meet, so
    two values can be chosen at once."""

    variant = "small-fast-quorums"
    rule = "FastQuorums are every subset of half the replicas (2 of 4; FastAssume needs 3)"
    breaks = "Agreement"
    failing_bounds = {"replicas": 4, "values": 2, "ballots": 1, "fast_ballots": "1", "fast_quorum": 2}
    trace_length = 5

    def default_fast_quorum(self, n: int, k: int) -> int:
        return n // 2  # 2 of 4: any smaller than a majority

    def check_quorums(self) -> None:
        Common.check_quorums(self)  # the classic quorums are still majorities; the fast ones are taken as given


class AnyRecovery(FastPaxos):
    """After a collision the coordinator picks any value, not one the fast quorum proposed."""

    variant = "any-recovery"
    rule = "ClassicAccept with no majority value picks any v \\in Values, not v \\in V"
    breaks = "FastNontriviality"
    failing_bounds = {"replicas": 3, "values": 4, "ballots": 2, "fast_ballots": "1"}
    trace_length = 8  # three values proposed, the fourth decided

    def recovery_value_ok(self, v: int, V: set[int]) -> bool:
        return True


class LazyCoordinator(FastPaxos):
    """A coordinator that need not recover from a collision: WF(ClassicAccept) dropped (MCFastPaxosLive's LazySpec)."""

    variant = "lazy-coordinator"
    rule = "no fairness on ClassicAccept: after a collision the coordinator may wait for ever"
    breaks = "Decided"
    failing_bounds = {"replicas": 3, "values": 2, "ballots": 2, "fast_ballots": "1"}
    trace_length = 4  # FastAny, three proposals that collide, then stuttering

    def fairness(self) -> list:
        return [f for f in super().fairness() if "ClassicAccept" not in f.actions]


class BlankReport(Paxos):
    """An acceptor's promise reports the ballot of its vote but not the value."""

    variant = "blank-report"
    rule = "PaxosPromise's P1b carries maxVBallot[a] with maxValue none"
    breaks = "PaxosNontriviality"
    failing_bounds = {"replicas": 1, "values": 1, "ballots": 2}
    trace_length = 6

    @action(lambda self, s: [(a, m[1]) for a in self.Replicas for m in self.of_type(s, P1A)])
    def PaxosPromise(self, s: PaxosState, a: int, b: int) -> PaxosState | None:
        if (P1A, b) not in s.messages or not s.maxBallot[a] < b:
            return None
        blank = self.msg(P1B, b, a, s.maxVBallot[a], NONE)  # the vote's value left out
        return s._replace(maxBallot=at(s.maxBallot, a, b), messages=s.messages | {blank})


class IgnoreVotes(Paxos):
    """Paxos whose proposer ignores the votes its promises report: it proposes any value."""

    variant = "ignore-votes"
    rule = "PaxosAccept takes any v, not ForcedValue(M)"
    breaks = "Agreement"
    failing_bounds = {"replicas": 1, "values": 2, "ballots": 2}
    trace_length = 8

    def value_ok(self, M: list[Msg], v: int) -> bool:
        return True
