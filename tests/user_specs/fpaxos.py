"""Flexible Paxos (Howard, Malkhi, Spiegelman), as fpaxos/fpaxos-tlaplus's FPaxos.tla gives it.

A new user's spec (notes newuser9, 2026-12-05), written from README.md and docs/ only, beside the TLA+ text
(FPaxos.tla by Heidi Howard; tlaplus/Examples' specifications/fpaxos points to it). Single-decree Paxos whose
phase-1 quorums (Quorum1) and phase-2 quorums (Quorum2) need only intersect each other, not among themselves.
Acceptors are a1..aN, values 0..V-1 and ballots 0..B-1 as in the MC files (MCValue == 0..2, MCBallot == 0..2);
-1 is the text's "none" (maxBal, maxVBal and maxVal start at -1).

Constants become flags: `--acceptors N`, `--values V`, `--ballots B`, and `--q1`/`--q2` for Quorum1/Quorum2:
a number K (every K-subset of the acceptors), a list of quorums ("12,34" is {{a1, a2}, {a3, a4}}), or nothing
(every majority). MCFPaxosTwoAcc is `--acceptors 2 --q1 1 --q2 2`, ThreeAcc `--acceptors 3`, FourAcc
`--acceptors 4 --q1 12,34 --q2 13,24`. QuorumAssumption (every Q1 meets every Q2) is checked by the constructor.

What the text states and what is checked here:

- MCFPaxos.cfg's invariants SafeValue and TypeOK, and the text's Safety (not in the .cfg; it holds trivially, as
  Decided(v) needs v agreed at every ballot).
- `Agreement` (ours): no two values are agreed (accepted by a Quorum2 quorum in some ballot).
- `Progress` (ours): under weak fairness of every action, some value is eventually agreed (`--liveness`).
- `@refines(Consensus)`: the set of agreed values refines a write-once register (chosen goes from {} to {v}).

tests/test_user_fpaxos.py asserts TLC 2.20's counts and the planted bugs' verdicts and lengths; the TLA+ text and
the models TLC ran (with their figures) are in tests/user_specs/FPaxos/.
"""

from __future__ import annotations

from itertools import combinations
from typing import Annotated, Any, NamedTuple

from spec.core import WF, Eventually, Label, MscEvent, Spec, SpecError, action, invariant, refines

NONE = -1

Quorums = tuple[tuple[int, ...], ...]


class FPState(NamedTuple):
    maxBal: tuple[int, ...]  # maxBal[a]
    maxVBal: tuple[int, ...]  # maxVBal[a]
    maxVal: tuple[int, ...]  # maxVal[a]
    msgs1a: frozenset[int]  # 1aMsgs: [bal |-> b] as b
    msgs1b: frozenset[tuple[int, int, int, int]]  # 1bMsgs: (acc, bal, mbal, mval)
    msgs2a: frozenset[tuple[int, int]]  # 2aMsgs: (bal, val)
    msgs2b: frozenset[tuple[int, int, int]]  # 2bMsgs: (acc, bal, val)


def at(t: tuple[int, ...], i: int, x: int) -> tuple[int, ...]:
    """[t EXCEPT ![i] = x]"""
    return t[:i] + (x,) + t[i + 1 :]


def parse_quorums(flag: str, text: str, n: int) -> Quorums:
    """`--q1`/`--q2`: "" (every majority), "K" (every K-subset) or "12,34" (acceptor digits, 1-based)."""
    text = text.strip()
    if text == "":
        k = n // 2 + 1
        return tuple(combinations(range(n), k))
    if len(text) == 1 and text.isdigit():  # a size; a single quorum of one acceptor is not expressible
        k = int(text)
        if not 1 <= k <= n:
            raise SpecError(f"{flag} {text}: a quorum size must be between 1 and --acceptors ({n})")
        return tuple(combinations(range(n), k))
    out = []
    for part in text.split(","):
        if not part or not part.isdigit() or any(not 1 <= int(c) <= n for c in part):
            raise SpecError(f"{flag} {text!r}: each quorum is acceptor digits 1..{n}, as in 12,34")
        out.append(tuple(sorted({int(c) - 1 for c in part})))
    return tuple(sorted(set(out)))


def name_quorum(q: tuple[int, ...]) -> str:
    return "{" + ", ".join(f"a{a + 1}" for a in q) + "}"


class FPaxos(Spec):
    """Flexible Paxos (FPaxos.tla): phase-1 and phase-2 quorums need only intersect each other."""

    variables = ("maxBal", "maxVBal", "maxVal", "msgs1a", "msgs1b", "msgs2a", "msgs2b")  # 1aMsgs is no identifier

    def __init__(
        self,
        acceptors: Annotated[int, "number of acceptors (Acceptor = a1..aN)"] = 2,
        values: Annotated[int, "number of values (Value = 0..V-1)"] = 3,
        ballots: Annotated[int, "number of ballots (Ballot = 0..B-1)"] = 3,
        q1: Annotated[str, "Quorum1: K (every K-subset), 12,34 (listed), or empty (majorities)"] = "",
        q2: Annotated[str, "Quorum2: as --q1"] = "",
    ) -> None:
        for flag, x in (("--acceptors", acceptors), ("--values", values), ("--ballots", ballots)):
            if not 1 <= x <= 9:
                raise SpecError(f"{flag} must be between 1 and 9, got {x}")
        self.Acceptor = tuple(range(acceptors))
        self.Value = tuple(range(values))
        self.Ballot = tuple(range(ballots))
        self.Quorum1 = parse_quorums("--q1", q1, acceptors)
        self.Quorum2 = parse_quorums("--q2", q2, acceptors)
        for Q1 in self.Quorum1:
            for Q2 in self.Quorum2:
                if not set(Q1) & set(Q2):
                    raise SpecError(f"QuorumAssumption fails: Quorum1's {name_quorum(Q1)} and Quorum2's "
                                    f"{name_quorum(Q2)} do not intersect")
        super().__init__()

    def init_states(self) -> list[FPState]:
        none = (NONE,) * len(self.Acceptor)
        return [FPState(none, none, none, frozenset(), frozenset(), frozenset(), frozenset())]

    # -- actions
    @action(lambda self, s: [(b,) for b in self.Ballot])
    def Phase1a(self, s: FPState, b: int) -> FPState:
        return s._replace(msgs1a=s.msgs1a | {b})

    @action(lambda self, s: [(a, b) for a in self.Acceptor for b in s.msgs1a])
    def Phase1b(self, s: FPState, a: int, b: int) -> FPState | None:
        if b not in s.msgs1a or not b > s.maxBal[a]:
            return None
        return s._replace(maxBal=at(s.maxBal, a, b), msgs1b=s.msgs1b | {(a, b, s.maxVBal[a], s.maxVal[a])})

    def promises(self, s: FPState, b: int, Q: tuple[int, ...]) -> list[tuple[int, int, int, int]] | None:
        """Q1b == {m \\in 1bMsgs : m.acc \\in Q /\\ m.bal = b}, or None unless every a \\in Q sent one."""
        Q1b = [m for m in s.msgs1b if m[0] in Q and m[1] == b]
        return Q1b if {m[0] for m in Q1b} == set(Q) else None

    def phase1_quorums(self) -> Quorums:
        """The quorums a proposer waits for in phase 1 (Quorum1; a planted bug changes it)."""
        return self.Quorum1

    def phase2a_params(self, s: FPState) -> list[tuple[int, int, tuple[int, ...], int]]:
        """\\E b, v, Q \\in Quorum1 and the witness m \\in Q1bv (its acceptor, or -1 when Q1bv = {}):
        one step per way Phase2a is enabled, as TLC counts them."""
        out = []
        for b in self.Ballot:
            for Q in self.phase1_quorums():
                Q1b = self.promises(s, b, Q)
                if Q1b is None:
                    continue
                Q1bv = [m for m in Q1b if m[2] >= 0]
                if not Q1bv:
                    out += [(b, v, Q, -1) for v in self.Value]
                else:
                    top = max(m[2] for m in Q1bv)
                    out += [(b, m[3], Q, m[0]) for m in Q1bv if m[2] == top]
        return out

    @action(phase2a_params)
    def Phase2a(self, s: FPState, b: int, v: int, Q: tuple[int, ...], m: int) -> FPState | None:
        if any(x[0] == b for x in s.msgs2a):  # ~ \E m \in 2aMsgs : m.bal = b
            return None
        return s._replace(msgs2a=s.msgs2a | {(b, v)})

    @action(lambda self, s: [(a, b, v) for a in self.Acceptor for (b, v) in s.msgs2a])
    def Phase2b(self, s: FPState, a: int, b: int, v: int) -> FPState | None:
        if (b, v) not in s.msgs2a or not b >= s.maxBal[a]:
            return None
        return s._replace(
            maxBal=at(s.maxBal, a, b),
            maxVBal=at(s.maxVBal, a, b),
            maxVal=at(s.maxVal, a, v),
            msgs2b=s.msgs2b | {(a, b, v)},
        )

    # -- invariants
    def agreed(self, s: FPState, v: int, b: int) -> bool:
        """Agreed(v, b): some Quorum2 quorum all sent 2b for v in ballot b."""
        return any(all((a, b, v) in s.msgs2b for a in Q) for Q in self.Quorum2)

    def agreed_values(self, s: FPState) -> frozenset[int]:
        return frozenset(v for (_, b, v) in s.msgs2b if self.agreed(s, v, b))

    @invariant
    def TypeOK(self, s: FPState) -> bool:
        A, B, V = set(self.Acceptor), set(self.Ballot), set(self.Value)
        Bn, Vn = B | {NONE}, V | {NONE}
        return (
            all(x in Bn for x in s.maxBal + s.maxVBal)
            and all(x in Vn for x in s.maxVal)
            and s.msgs1a <= B
            and all(a in A and b in B and mb in Bn and mv in Vn for (a, b, mb, mv) in s.msgs1b)
            and all(b in B and v in V for (b, v) in s.msgs2a)
            and all(a in A and b in B and v in V for (a, b, v) in s.msgs2b)
        )

    @invariant
    def SafeValue(self, s: FPState) -> bool:
        """Agreed(v, b) => NoFutureProposal(v, b): every 2a of a later ballot proposes v."""
        return all(b2 <= b or v2 == v for (_, b, v) in s.msgs2b if self.agreed(s, v, b) for (b2, v2) in s.msgs2a)

    @invariant
    def Safety(self, s: FPState) -> bool:
        """Cardinality({v \\in Value : Decided(v)}) <= 1, Decided(v) == \\A b \\in Ballot : Agreed(v, b)."""
        return sum(all(self.agreed(s, v, b) for b in self.Ballot) for v in self.Value) <= 1

    @invariant
    def Agreement(self, s: FPState) -> bool:
        """Ours: at most one value is agreed, in any ballots."""
        return len(self.agreed_values(s)) <= 1

    # -- liveness
    def fairness(self) -> list:
        return [WF("Phase1a", "Phase1b", "Phase2a", "Phase2b")]

    def properties(self) -> dict:
        return {"Progress": Eventually(lambda s: bool(self.agreed_values(s)), "<>(\\E v, b : Agreed(v, b))")}

    # -- symmetry: values always; acceptors when both quorum systems are every K-subset
    def symmetric_sets(self) -> dict[str, int]:
        sets = {"Value": len(self.Value)}
        n = len(self.Acceptor)
        if all(len(Q) == len(list(combinations(range(n), len(Q[0])))) for Q in (self.Quorum1, self.Quorum2)):
            sets["Acceptor"] = n
        return sets

    def permute(self, s: FPState, perm: Any) -> FPState:
        pa = perm.get("Acceptor", tuple(self.Acceptor))
        pv = perm["Value"]

        def val(v: int) -> int:
            return v if v < 0 else pv[v]

        def fn(t: tuple[int, ...], f: Any = lambda x: x) -> tuple[int, ...]:
            out = [0] * len(t)
            for a, x in enumerate(t):
                out[pa[a]] = f(x)
            return tuple(out)

        return FPState(
            fn(s.maxBal),
            fn(s.maxVBal),
            fn(s.maxVal, val),
            s.msgs1a,
            frozenset((pa[a], b, mb, val(mv)) for (a, b, mb, mv) in s.msgs1b),
            frozenset((b, val(v)) for (b, v) in s.msgs2a),
            frozenset((pa[a], b, val(v)) for (a, b, v) in s.msgs2b),
        )

    # -- presentation
    def show_state(self, s: FPState) -> dict[str, Any]:
        acc = [f"a{a + 1}" for a in self.Acceptor]
        return {
            "maxBal": dict(zip(acc, s.maxBal)),
            "maxVBal": dict(zip(acc, s.maxVBal)),
            "maxVal": dict(zip(acc, s.maxVal)),
            "1aMsgs": [f"1a({b})" for b in sorted(s.msgs1a)],
            "1bMsgs": [f"1b(a{a + 1}, {b}, {mb}, {mv})" for (a, b, mb, mv) in sorted(s.msgs1b)],
            "2aMsgs": [f"2a({b}, {v})" for (b, v) in sorted(s.msgs2a)],
            "2bMsgs": [f"2b(a{a + 1}, {b}, {v})" for (a, b, v) in sorted(s.msgs2b)],
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "a" or (param == "m" and action == "Phase2a"):
            return "none" if value < 0 else f"a{value + 1}"
        if param == "Q":
            return name_quorum(value)
        return value

    def msc_nodes(self) -> list[str]:
        return [f"p{b}" for b in self.Ballot] + [f"a{a + 1}" for a in self.Acceptor]

    def msc_event(self, prev: FPState, label: Label, nxt: FPState) -> MscEvent:
        """Proposers are implicit in the text: the proposer of ballot b is drawn as the lifeline p<b>."""
        p = label.params
        if label.name == "Phase1a":
            return MscEvent(f"p{p[0]}", (), (f"1a({p[0]})",))
        if label.name == "Phase1b":
            a, b = p
            return MscEvent(f"a{a + 1}", (f"1a({b})",), (f"1b(a{a + 1}, {b}, {prev.maxVBal[a]}, {prev.maxVal[a]})",))
        if label.name == "Phase2a":
            b, v, Q, _ = p
            got = tuple(f"1b(a{m[0] + 1}, {b}, {m[2]}, {m[3]})" for m in sorted(prev.msgs1b) if m[0] in Q and m[1] == b)
            return MscEvent(f"p{b}", got, (f"2a({b}, {v})",))
        a, b, v = p
        return MscEvent(f"a{a + 1}", (f"2a({b}, {v})",), (f"2b(a{a + 1}, {b}, {v})",))

    @refines("Consensus")
    def as_consensus(self) -> tuple[Consensus, Any]:
        """The agreed values: {} until a value is agreed, then {v} for ever."""
        return Consensus(len(self.Value)), lambda s: ConsensusState(self.agreed_values(s))


class ConsensusState(NamedTuple):
    chosen: frozenset[int]


class Consensus(Spec):
    """A write-once register: chosen goes from {} to one value and then never changes."""

    variables = ("chosen",)

    def __init__(self, values: Annotated[int, "number of values (Value = 0..V-1)"] = 3) -> None:
        self.Value = tuple(range(values))
        super().__init__()

    def init_states(self) -> list[ConsensusState]:
        return [ConsensusState(frozenset())]

    @action(lambda self, s: [(v,) for v in self.Value])
    def Choose(self, s: ConsensusState, v: int) -> ConsensusState | None:
        return ConsensusState(frozenset({v})) if not s.chosen else None

    @invariant
    def Chosen(self, s: ConsensusState) -> bool:
        return len(s.chosen) <= 1


# -- planted bugs
class IgnorePromise(FPaxos):
    """An acceptor accepts a 2a whatever it promised: Phase2b drops m.bal >= maxBal[a]."""

    variant = "ignore-promise"
    rule = "Phase2b accepts a 2a of any ballot, even below the acceptor's promise"
    breaks = "SafeValue"
    failing_bounds = {"acceptors": 1, "values": 2, "ballots": 2}
    trace_length = 7

    @action(lambda self, s: [(a, b, v) for a in self.Acceptor for (b, v) in s.msgs2a])
    def Phase2b(self, s: FPState, a: int, b: int, v: int) -> FPState | None:
        if (b, v) not in s.msgs2a:
            return None
        return s._replace(
            maxBal=at(s.maxBal, a, max(b, s.maxBal[a])),
            maxVBal=at(s.maxVBal, a, b),
            maxVal=at(s.maxVal, a, v),
            msgs2b=s.msgs2b | {(a, b, v)},
        )


class Phase1WithQ2(FPaxos):
    """A proposer starts phase 2 after promises from a phase-2 quorum: safe where Q2 quorums intersect each
    other (majorities), not on FourAcc's grid, whose Q2 {a1, a3} and {a2, a4} do not."""

    variant = "phase1-with-q2"
    rule = "Phase2a waits for promises from a Quorum2 quorum instead of a Quorum1 quorum"
    breaks = "SafeValue"
    failing_bounds = {"acceptors": 4, "q1": "12,34", "q2": "13,24"}
    trace_length = 10

    def phase1_quorums(self) -> Quorums:
        return self.Quorum2


class LazyProposer(FPaxos):
    """No fairness for Phase2a: a proposer holding promises from a phase-1 quorum may never propose."""

    variant = "lazy-proposer"
    rule = "fairness drops Phase2a: WF(Phase1a), WF(Phase1b \\/ Phase2b)"
    breaks = "Progress"
    failing_bounds = {"acceptors": 2, "q1": "1", "q2": "2", "values": 2, "ballots": 2}
    trace_length = 4

    def fairness(self) -> list:
        return [WF("Phase1a"), WF("Phase1b", "Phase2b")]
