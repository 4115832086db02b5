"""CASPaxos (Rystsov), as tschottdorf/caspaxos-tla's CASPaxos.tla gives it.

A new user's spec (notes newuser18, 2026-12-06), written from README.md and docs/ only, beside the TLA+ text
(CASPaxos.tla by Tobias Schottdorf; tlaplus/Examples' specifications/CASPaxos points to it). Single-decree Paxos
turned into a reusable register: before the accept phase a proposer replaces the value it recovered with
Mutator(b, v), so every ballot writes a new value built on an older one. Proposers are implicit: their messages
appear "out of thin air". Acceptors are a1..aN, Values 0..V-1, Ballot (the text's Nat) 0..B and
Mutator(b, v) = (1 + b*v) % V, as the toolbox's Model_1 (three acceptors, Values {0, 1, 2, 3}, Nat <- 0..3,
Mutator (1 + b*v) % 4) and the defaults here.

What the text states and what is checked here:

- TypeOK and OnlyOneValuePerBallot (DesiredProperties' first two conjuncts) hold.
- MutationsLineUp, its third, is the text's own "ill-fated assertion" (each committed value is the mutation of the
  previously committed one): `Model1` checks DesiredProperties as Model_1 does and finds it broken in 11 steps, as
  TLC does (a proposer may build on a value that was accepted but never committed).
- `BasedOnLatestCommit` (ours): what MutationsLineUp should say. Each committed ballot b wrote Mutator(b, v) for a
  value v written at a ballot c < b no older than the latest ballot committed below b: no committed write is lost.
- `@refines(CASRegister)`: the ballots' written values and the committed ballots refine a register whose every
  write mutates a write no older than the latest commit (TLC agrees: CASRegister.tla, Refine.cfg).

tests/test_user_caspaxos.py asserts TLC 2.20's counts and the planted bug's verdict and length; the TLA+ text and
the models TLC ran (with their figures) are in tests/user_specs/CASPaxos/.
"""

from __future__ import annotations

from itertools import combinations
from typing import Annotated, Any, NamedTuple

from spec.core import WF, Eventually, Label, MscEvent, Spec, SpecError, action, explains, invariant, refines, witness

# A message is a tuple whose first field is its type (the record's fields follow in the text's order).
PREPARE_REQ = 0  # (PREPARE_REQ, bal)
PREPARE_RSP = 1  # (PREPARE_RSP, acc, promised, accepted, val)
ACCEPT_REQ = 2  # (ACCEPT_REQ, bal, newVal)
ACCEPT_RSP = 3  # (ACCEPT_RSP, acc, accepted)

Msg = tuple[int, ...]


class CASState(NamedTuple):
    prepared: tuple[int, ...]  # prepared[a]
    accepted: tuple[int, ...]  # accepted[a]
    value: tuple[int, ...]  # value[a]
    msgs: frozenset[Msg]


def at(t: tuple[int, ...], i: int, x: int) -> tuple[int, ...]:
    """[t EXCEPT ![i] = x]"""
    return t[:i] + (x,) + t[i + 1 :]


def name_quorum(q: tuple[int, ...]) -> str:
    return "{" + ", ".join(f"a{a + 1}" for a in q) + "}"


class CASPaxos(Spec):
    """CASPaxos (CASPaxos.tla): Paxos whose proposers mutate the recovered value, a reusable CAS register."""

    variables = ("prepared", "accepted", "value", "msgs")

    def __init__(
        self,
        acceptors: Annotated[int, "number of acceptors (Acceptors = a1..aN)"] = 3,
        values: Annotated[int, "number of values (Values = 0..V-1; Mutator(b, v) = (1 + b*v) % V)"] = 4,
        max_ballot: Annotated[int, "largest ballot (Ballot, the text's Nat, = 0..B)"] = 3,
    ) -> None:
        for flag, x, lo in (("--acceptors", acceptors, 1), ("--values", values, 1), ("--max-ballot", max_ballot, 0)):
            if not lo <= x <= 9:
                raise SpecError(f"{flag} must be between {lo} and 9, got {x}")
        self.Acceptors = tuple(range(acceptors))
        self.Values = tuple(range(values))
        self.Ballot = tuple(range(max_ballot + 1))
        # Quorums == { S \in SUBSET(Acceptors) : Cardinality(S) > Cardinality(Acceptors \ S) }
        self.Quorums = tuple(
            q for k in range(acceptors // 2 + 1, acceptors + 1) for q in combinations(range(acceptors), k)
        )
        self.InitialValue = min(self.Values)
        super().__init__()

    def Mutator(self, b: int, v: int) -> int:
        return (1 + b * v) % len(self.Values)

    def init_states(self) -> list[CASState]:
        n = len(self.Acceptors)
        return [CASState((0,) * n, (0,) * n, (self.InitialValue,) * n, frozenset())]

    # -- actions
    @action(lambda self, s: [(b,) for b in self.Ballot])
    def PrepareReq(self, s: CASState, b: int) -> CASState | None:
        if (PREPARE_REQ, b) in s.msgs:  # BallotActive(b)
            return None
        return s._replace(msgs=s.msgs | {(PREPARE_REQ, b)})

    @action(lambda self, s: [(a, m[1]) for a in self.Acceptors for m in s.msgs if m[0] == PREPARE_REQ])
    def PrepareRsp(self, s: CASState, a: int, b: int) -> CASState | None:
        """One step per prepare request m with m.bal > prepared[a] (the text's \\E m \\in msgs), m named by b."""
        if (PREPARE_REQ, b) not in s.msgs or not b > s.prepared[a]:
            return None
        rsp = (PREPARE_RSP, a, b, s.accepted[a], s.value[a])
        return s._replace(prepared=at(s.prepared, a, b), msgs=s.msgs | {rsp})

    def accept_req_params(self, s: CASState) -> list[tuple[int, int, tuple[int, ...], int]]:
        """\\E b, v, Q \\in Quorums and the witness m \\in M (named by its acceptor: an acceptor answers a ballot's
        prepare once): one step per way AcceptReq(b, v) is enabled, as TLC counts them."""
        out = []
        rsps = [m for m in s.msgs if m[0] == PREPARE_RSP]
        for b in self.Ballot:
            mine = [m for m in rsps if m[2] == b]
            if not mine:
                continue
            for Q in self.Quorums:
                M = [m for m in mine if m[1] in Q]
                if len(M) < len(Q):  # \A a \in Q : \E m \in M : m.acc = a
                    continue
                top = max(m[3] for m in M)
                out += [(b, m[4], Q, m[1]) for m in M if m[3] == top]
        return out

    @action(accept_req_params)
    def AcceptReq(self, s: CASState, b: int, v: int, Q: tuple[int, ...], m: int) -> CASState | None:
        if any(x[0] == ACCEPT_REQ and x[1] == b for x in s.msgs):  # ~ \E m \in msgs : accept-req for b
            return None
        return s._replace(msgs=s.msgs | {(ACCEPT_REQ, b, self.Mutator(b, v))})

    def accept_rsp_params(self, s: CASState) -> list[tuple[int, int, int]]:
        return [(a, m[1], m[2]) for a in self.Acceptors for m in s.msgs if m[0] == ACCEPT_REQ]

    @action(accept_rsp_params)
    def AcceptRsp(self, s: CASState, a: int, b: int, v: int) -> CASState | None:
        """One step per accept request m with m.bal >= prepared[a], m named by (b, v); accepting it again is a step
        that changes nothing, as in TLC."""
        if (ACCEPT_REQ, b, v) not in s.msgs or not b >= s.prepared[a]:
            return None
        return self.accept(s, a, b, v)

    def accept(self, s: CASState, a: int, b: int, v: int) -> CASState:
        return CASState(
            at(s.prepared, a, max(b, s.prepared[a])),
            at(s.accepted, a, b),
            at(s.value, a, v),
            s.msgs | {(ACCEPT_RSP, a, b)},
        )

    # -- the text's definitions
    def committed_ballots(self, s: CASState) -> list[int]:
        """CommittedBallots, sorted: 0 and every ballot some quorum accepted (AcceptedByQuorum)."""
        by: dict[int, set[int]] = {}
        for m in s.msgs:
            if m[0] == ACCEPT_RSP:
                by.setdefault(m[2], set()).add(m[1])
        return [0] + sorted(b for b, accs in by.items() if b != 0 and any(set(Q) <= accs for Q in self.Quorums))

    def values_at(self, s: CASState, b: int) -> set[int]:
        """ValuesAt(b): {InitialValue} for 0, else the accept request's value for b once an acceptor accepted b."""
        if b == 0:
            return {self.InitialValue}
        if not any(m[0] == ACCEPT_RSP and m[2] == b for m in s.msgs):
            return set()
        return {m[2] for m in s.msgs if m[0] == ACCEPT_REQ and m[1] == b}

    # -- invariants
    @invariant
    def TypeOK(self, s: CASState) -> bool:
        A, B, V = set(self.Acceptors), set(self.Ballot), set(self.Values)
        return (
            all(x in B for x in s.prepared + s.accepted)
            and all(x in V for x in s.value)
            and all(
                (m[0] == PREPARE_REQ and len(m) == 2 and m[1] in B)
                or (m[0] == PREPARE_RSP and len(m) == 5 and m[1] in A and m[2] in B and m[3] in B and m[4] in V)
                or (m[0] == ACCEPT_REQ and len(m) == 3 and m[1] in B and m[2] in V)
                or (m[0] == ACCEPT_RSP and len(m) == 3 and m[1] in A and m[2] in B)
                for m in s.msgs
            )
        )

    @invariant
    def OnlyOneValuePerBallot(self, s: CASState) -> bool:
        return all(len(self.values_at(s, b)) <= 1 for b in self.Ballot)

    def lost_commit(self, s: CASState) -> tuple[int, int, int] | None:
        """The first committed ballot b whose value mutates no value written at ballots before..b-1, before the latest
        commit below b, as (b, before, b's value); None when there is none."""
        committed = self.committed_ballots(s)
        for i in range(1, len(committed)):
            b, before = committed[i], committed[i - 1]  # BallotCommittedBefore(b)
            (new,) = self.values_at(s, b)
            if not any(new == self.Mutator(b, v) for c in range(before, b) for v in self.values_at(s, c)):
                return b, before, new
        return None

    @invariant
    def BasedOnLatestCommit(self, s: CASState) -> bool:
        """Ours: a committed ballot's value mutates a value written no earlier than the latest commit below it."""
        return self.lost_commit(s) is None

    @explains("BasedOnLatestCommit")
    def why_lost(self, s: CASState) -> str | None:
        found = self.lost_commit(s)
        if found is None:
            return None
        b, before, new = found
        bases = ", ".join(f"ballot {c}: {v}" for c in range(before, b) for v in sorted(self.values_at(s, c)))
        return (
            f"ballot {b} committed value {new}, which is Mutator({b}, v) for no value v written at ballots"
            f" {before}..{b - 1} ({bases}): ballot {before}'s committed write is lost"
        )

    @witness
    def TwoCommits(self, s: CASState) -> bool:
        """Two ballots above 0 committed: BasedOnLatestCommit then compares a commit with an earlier one."""
        return len(self.committed_ballots(s)) > 2

    # -- liveness
    def fairness(self) -> list:
        """WF_vars(Next)."""
        return [WF("PrepareReq", "PrepareRsp", "AcceptReq", "AcceptRsp")]

    def properties(self) -> dict:
        committed = lambda s: len(self.committed_ballots(s)) > 1  # noqa: E731
        return {"Progress": Eventually(committed, "<>(\\E b \\in CommittedBallots : b > 0)")}

    # -- symmetry: the acceptors (Mutator reads ballots and values only)
    def symmetric_sets(self) -> dict[str, int]:
        return {"Acceptors": len(self.Acceptors)}

    def permute(self, s: CASState, perm: Any) -> CASState:
        pa = perm["Acceptors"]

        def fn(t: tuple[int, ...]) -> tuple[int, ...]:
            out = [0] * len(t)
            for a, x in enumerate(t):
                out[pa[a]] = x
            return tuple(out)

        def msg(m: Msg) -> Msg:
            return (m[0], pa[m[1]], *m[2:]) if m[0] in (PREPARE_RSP, ACCEPT_RSP) else m

        return CASState(fn(s.prepared), fn(s.accepted), fn(s.value), frozenset(msg(m) for m in s.msgs))

    # -- presentation
    def show_message(self, m: Msg) -> str:
        if m[0] == PREPARE_REQ:
            return f"prepare-req({m[1]})"
        if m[0] == PREPARE_RSP:
            return f"prepare-rsp(a{m[1] + 1}, promised {m[2]}, accepted {m[3]}, val {m[4]})"
        if m[0] == ACCEPT_REQ:
            return f"accept-req({m[1]}, newVal {m[2]})"
        return f"accept-rsp(a{m[1] + 1}, {m[2]})"

    def show_state(self, s: CASState) -> dict[str, Any]:
        acc = [f"a{a + 1}" for a in self.Acceptors]
        return {
            "prepared": dict(zip(acc, s.prepared)),
            "accepted": dict(zip(acc, s.accepted)),
            "value": dict(zip(acc, s.value)),
            "msgs": [self.show_message(m) for m in sorted(s.msgs)],
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "a" or (param == "m" and action == "AcceptReq"):
            return f"a{value + 1}"
        if param == "Q":
            return name_quorum(value)
        return value

    def msc_nodes(self) -> list[str]:
        return [f"p{b}" for b in self.Ballot] + [f"a{a + 1}" for a in self.Acceptors]

    def msc_event(self, prev: CASState, label: Label, nxt: CASState) -> MscEvent:
        """Proposers are implicit in the text: the proposer of ballot b is drawn as the lifeline p<b>."""
        p = label.params
        if label.name == "PrepareReq":
            return MscEvent(f"p{p[0]}", (), (self.show_message((PREPARE_REQ, p[0])),))
        if label.name == "PrepareRsp":
            a, b = p
            rsp = (PREPARE_RSP, a, b, prev.accepted[a], prev.value[a])
            return MscEvent(f"a{a + 1}", (self.show_message((PREPARE_REQ, b)),), (self.show_message(rsp),))
        if label.name == "AcceptReq":
            b, _, Q, _ = p
            got = tuple(
                self.show_message(m) for m in sorted(prev.msgs) if m[0] == PREPARE_RSP and m[2] == b and m[1] in Q
            )
            new = sorted(nxt.msgs - prev.msgs)
            return MscEvent(f"p{b}", got, tuple(self.show_message(m) for m in new))
        a, b, v = p
        return MscEvent(f"a{a + 1}", (self.show_message((ACCEPT_REQ, b, v)),), (self.show_message((ACCEPT_RSP, a, b)),))

    @refines("CASRegister")
    def as_register(self) -> tuple[CASRegister, Any]:
        """The values the accept requests wrote (with ballot 0's initial value) and the committed ballots."""

        def mapping(s: CASState) -> RegisterState:
            written = {(0, self.InitialValue)} | {(m[1], m[2]) for m in s.msgs if m[0] == ACCEPT_REQ}
            return RegisterState(frozenset(written), frozenset(self.committed_ballots(s)))

        return CASRegister(len(self.Values), len(self.Ballot) - 1), mapping


class Model1(CASPaxos):
    """CASPaxos.toolbox's Model_1: the text's DesiredProperties, whose MutationsLineUp fails."""

    BasedOnLatestCommit = None  # Model_1 checks DesiredProperties only

    def misaligned(self, s: CASState) -> tuple[int, int, int, int] | None:
        """The first committed ballot b whose value is not Mutator(b, the value of the latest commit below b), as
        (b, its value, that commit's ballot, its value); None when there is none."""
        committed = self.committed_ballots(s)
        for i in range(1, len(committed)):
            b, before = committed[i], committed[i - 1]
            (new,), (old,) = self.values_at(s, b), self.values_at(s, before)
            if new != self.Mutator(b, old):
                return b, new, before, old
        return None

    @invariant
    def MutationsLineUp(self, s: CASState) -> bool:
        """Each committed ballot's value is the mutation of the previously committed ballot's value."""
        return self.misaligned(s) is None

    @explains("MutationsLineUp")
    def why_misaligned(self, s: CASState) -> str | None:
        found = self.misaligned(s)
        if found is None:
            return None
        b, new, before, old = found
        return (
            f"ballot {b} committed value {new}, but Mutator({b}, {old}) = {self.Mutator(b, old)}"
            f" for the value {old} committed at ballot {before}, the latest commit below it"
        )


# -- the abstract register
class RegisterState(NamedTuple):
    written: frozenset[tuple[int, int]]  # (ballot, value): each ballot's write, ballot 0 the initial value
    committed: frozenset[int]  # the committed ballots, 0 among them


class CASRegister(Spec):
    """A register of versioned writes: each write mutates one no older than the latest commit below it."""

    variables = ("written", "committed")

    def __init__(
        self,
        values: Annotated[int, "number of values (Values = 0..V-1; Mutator(b, v) = (1 + b*v) % V)"] = 4,
        max_ballot: Annotated[int, "largest ballot (0..B)"] = 3,
    ) -> None:
        self.Values = tuple(range(values))
        self.Ballot = tuple(range(max_ballot + 1))
        super().__init__()

    def init_states(self) -> list[RegisterState]:
        return [RegisterState(frozenset({(0, 0)}), frozenset({0}))]

    def write_params(self, s: RegisterState) -> list[tuple[int, int, int]]:
        return [(b, c, w) for b in self.Ballot for (c, w) in sorted(s.written) if c < b]

    @action(write_params)
    def Write(self, s: RegisterState, b: int, c: int, w: int) -> RegisterState | None:
        """Ballot b writes Mutator(b, w), w the write of ballot c, no older than the latest commit below b."""
        if (c, w) not in s.written or any(x == b for x, _ in s.written) or c < max(x for x in s.committed if x < b):
            return None
        return s._replace(written=s.written | {(b, (1 + b * w) % len(self.Values))})

    @action(lambda self, s: [(b,) for b, _ in sorted(s.written)])
    def Commit(self, s: RegisterState, b: int) -> RegisterState | None:
        if b in s.committed or not any(x == b for x, _ in s.written):
            return None
        return s._replace(committed=s.committed | {b})

    @invariant
    def OneWritePerBallot(self, s: RegisterState) -> bool:
        return len({b for b, _ in s.written}) == len(s.written)


# -- the planted bug
class AcceptIgnoresPromise(CASPaxos):
    """An acceptor accepts an accept request of any ballot, also one below the ballot it promised."""

    variant = "accept-ignores-promise"
    rule = "AcceptRsp drops m.bal >= prepared[a]"
    breaks = "BasedOnLatestCommit"
    failing_bounds = {"acceptors": 2}
    trace_length = 12

    @action(CASPaxos.accept_rsp_params)
    def AcceptRsp(self, s: CASState, a: int, b: int, v: int) -> CASState | None:
        if (ACCEPT_REQ, b, v) not in s.msgs:
            return None
        return self.accept(s, a, b, v)


class LazyProposer(CASPaxos):
    """No fairness for AcceptReq: a proposer holding a quorum's promises may never send its accept request."""

    variant = "lazy-proposer"
    rule = "fairness drops AcceptReq: WF(PrepareReq \\/ PrepareRsp \\/ AcceptRsp)"
    breaks = "Progress"
    failing_bounds = {"max_ballot": 2}
    trace_length = 6

    def fairness(self) -> list:
        return [WF("PrepareReq", "PrepareRsp", "AcceptRsp")]
