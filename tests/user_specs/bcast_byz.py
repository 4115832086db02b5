"""bcastByz.tla (tlaplus/Examples, specifications/bcastByz): Srikanth and Toueg's reliable broadcast
with Byzantine processes, one round, as in the ByMC benchmarks (Konnov, Tran, Widder).

Translated from the TLA+ text by following docs/writing-a-spec.md. Processes are 0..N-1 (the text's
1..N), shown p1..pN. The only message is ECHO, so a message <<p, "ECHO">> is its sender p, and a set
of messages a frozenset of senders. `Corr` and `Faulty` are variables, chosen by Init (every set of
N - F correct processes) and never changed. `Next` is `\\E self \\in Corr : Step(self)` or
`UNCHANGED vars`; `Step(self)` receives a subset of `sent \\cup ByzMsgs` and takes one of four
threshold-guarded transitions. Each is one action whose parameters are the process and the two halves
of `newMessages` (its correct-sender part, a subset of `sent`, and its Byzantine part, a subset of
`ByzMsgs`): the halves are disjoint, so each subset TLC tries is one parameter tuple, and TLC's
"states generated" are paxraft's. The Byzantine half lets the fairness name the steps of
`ReceiveFromCorrectSender(self)`: those whose Byzantine half is empty.

TLC 2.20 (tests/user_specs/bcast/bcastByz.tla, the Examples' file without its TLAPS proofs):
bcastByz.cfg (N=4, T=1, F=1, Spec, TypeOK FCConstraints, CorrLtl RelayLtl UnforgLtl): 14,424 distinct,
227,344 generated, depth 7, every property holds; bcastByzNoBcast.cfg (N=10, T=3, F=2, SpecNoBcast,
Unforg): 45 / 90 / 1.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import combinations, product
from typing import Annotated, Any, NamedTuple

from bcast_common import at, moved, name_of, names, subsets

from spec.core import WF, Label, LeadsTo, MscEvent, Spec, SpecError, action, invariant, refines
from spec.limits import enumerable

V0, V1, SE, AC = range(4)
PC = ("V0", "V1", "SE", "AC")
UPON = ("UponV1", "UponNonFaulty", "UponAcceptNotSentBefore", "UponAcceptSentBefore")


class ByzState(NamedTuple):
    Corr: frozenset[int]  # the correct processes
    Faulty: frozenset[int]  # the faulty ones: Proc \ Corr
    pc: tuple[int, ...]  # pc[p] for every process, faulty ones included (they never step)
    rcvd: tuple[frozenset[int], ...]  # rcvd[p]: the senders of the ECHOs p received
    sent: frozenset[int]  # the senders of the ECHOs sent by correct processes


class EchoState(NamedTuple):
    Corr: frozenset[int]
    echoed: frozenset[int]  # the correct processes that sent ECHO
    accepted: frozenset[int]  # the correct processes that accepted


class EchoQuorum(Spec):
    """A plain broadcast: correct processes echo at will, and one accepts only after N - 2T correct ones echoed."""

    variables = ("Corr", "echoed", "accepted")

    def __init__(
        self,
        n: Annotated[int, "number of processes (N)"] = 4,
        t: Annotated[int, "the resilience (T)"] = 1,
        f: Annotated[int, "number of faulty processes (F)"] = 1,
    ) -> None:
        if not 0 <= f <= n or t < 0:
            raise SpecError(f"echo_quorum needs 0 <= F <= N and T >= 0, got --n {n} --t {t} --f {f}")
        self.N, self.T, self.F = n, t, f
        super().__init__()

    def init_states(self) -> Iterator[EchoState]:
        for corr in combinations(range(self.N), self.N - self.F):
            yield EchoState(frozenset(corr), frozenset(), frozenset())

    def each_corr(self, s: EchoState) -> list[tuple[int]]:
        return [(p,) for p in sorted(s.Corr)]

    def quorum(self, s: EchoState) -> bool:
        """More than T correct processes echoed: N - 2T of them (with N - T ECHOs and at most T faulty)."""
        return len(s.echoed) >= self.N - 2 * self.T

    def show_state(self, s: EchoState) -> dict[str, Any]:
        return {k: names(getattr(s, k)) for k in self.variables}

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return name_of(value)

    @action(each_corr)
    def Echo(self, s: EchoState, p: int) -> EchoState | None:
        return None if p in s.echoed else s._replace(echoed=s.echoed | {p})

    @action(each_corr)
    def Accept(self, s: EchoState, p: int) -> EchoState | None:
        if p in s.accepted or not self.quorum(s):
            return None
        return s._replace(accepted=s.accepted | {p})

    @action(each_corr)
    def EchoAccept(self, s: EchoState, p: int) -> EchoState | None:
        """Echo and accept in one step, on the others' ECHOs (UponAcceptNotSentBefore)."""
        if p in s.echoed or p in s.accepted or not self.quorum(s):
            return None
        return s._replace(echoed=s.echoed | {p}, accepted=s.accepted | {p})


class BcastByz(Spec):
    """Srikanth-Toueg reliable broadcast (bcastByz.tla): N processes, at most T Byzantine, F of them faulty."""

    variables = ("Corr", "Faulty", "pc", "rcvd", "sent")

    def __init__(
        self,
        n: Annotated[int, "number of processes (N)"] = 4,
        t: Annotated[int, "the resilience: at most T faulty processes, N > 3T (T)"] = 1,
        f: Annotated[int, "number of faulty processes, F <= T (F)"] = 1,
    ) -> None:
        self.check_assumptions(n, t, f)
        self.N, self.T, self.F = n, t, f
        self.Proc = tuple(range(n))
        enumerable("bcast_byz", "initial states", self.init_count(), f"--n {n} --f {f}")
        super().__init__()

    def check_assumptions(self, n: int, t: int, f: int) -> None:
        """ASSUME NTF == N > 3 * T /\\ T >= F /\\ F >= 0 (and at least one process)."""
        if n < 1 or t < 0 or f < 0:
            raise SpecError(f"bcast_byz needs N >= 1, T >= 0 and F >= 0, got --n {n} --t {t} --f {f}")
        if not n > 3 * t:
            raise SpecError(f"bcast_byz assumes N > 3T, got --n {n} --t {t}")
        if not t >= f:
            raise SpecError(f"bcast_byz assumes T >= F, got --t {t} --f {f}")

    def init_count(self) -> int:
        """|{Corr \\in SUBSET Proc : Cardinality(Corr) = N - F}| * |[Proc -> {V0, V1}]|."""
        from math import comb

        return comb(self.N, self.F) * len(self.start_values()) ** self.N

    def start_values(self) -> tuple[int, ...]:
        """The values pc may start with: pc \\in [Proc -> {"V0", "V1"}]."""
        return (V0, V1)

    def init_states(self) -> Iterator[ByzState]:
        """Init: nothing sent or received, each process V0 or V1, every choice of N - F correct processes."""
        procs, nothing = frozenset(self.Proc), (frozenset(),) * self.N
        for corr in combinations(self.Proc, self.N - self.F):
            for pc in product(self.start_values(), repeat=self.N):
                yield ByzState(frozenset(corr), procs - frozenset(corr), pc, nothing, frozenset())

    # --- Step(self): ReceiveFromAnySender(self) /\ one of the four transitions ---------------------

    def receipts(self, s: ByzState) -> list[tuple[int, frozenset[int], frozenset[int]]]:
        """\\E self \\in Corr, newMessages \\in SUBSET (sent \\cup ByzMsgs), split as (from sent, from Faulty)."""
        byz = list(subsets(s.Faulty))
        return [(p, good, bad) for p in sorted(s.Corr) for good in subsets(s.sent) for bad in byz]

    def receive(self, s: ByzState, p: int, good: frozenset[int], bad: frozenset[int]) -> tuple:
        """rcvd' = [rcvd EXCEPT ![self] = rcvd[self] \\cup newMessages]"""
        return at(s.rcvd, p, s.rcvd[p] | good | bad)

    def echo_threshold(self) -> int:
        """UponNonFaulty's N - 2T: enough ECHOs that one comes from a correct process."""
        return self.N - 2 * self.T

    def accept_threshold(self) -> int:
        """N - T: enough ECHOs that N - 2T of them (more than T) come from correct processes."""
        return self.N - self.T

    def echo(self, s: ByzState, p: int, rcvd: tuple, to: int) -> ByzState:
        """pc' = [pc EXCEPT ![self] = to], sent' = sent \\cup {<<self, "ECHO">>}"""
        return s._replace(pc=at(s.pc, p, to), rcvd=rcvd, sent=s.sent | {p})

    @action(receipts)
    def UponV1(self, s: ByzState, p: int, good: frozenset[int], bad: frozenset[int]) -> ByzState | None:
        if s.pc[p] != V1:
            return None
        return self.echo(s, p, self.receive(s, p, good, bad), SE)

    @action(receipts)
    def UponNonFaulty(self, s: ByzState, p: int, good: frozenset[int], bad: frozenset[int]) -> ByzState | None:
        rcvd = self.receive(s, p, good, bad)
        if s.pc[p] not in (V0, V1) or not self.echo_threshold() <= len(rcvd[p]) < self.accept_threshold():
            return None
        return self.echo(s, p, rcvd, SE)

    @action(receipts)
    def UponAcceptNotSentBefore(
        self, s: ByzState, p: int, good: frozenset[int], bad: frozenset[int]
    ) -> ByzState | None:
        rcvd = self.receive(s, p, good, bad)
        if s.pc[p] not in (V0, V1) or len(rcvd[p]) < self.accept_threshold():
            return None
        return self.echo(s, p, rcvd, AC)

    @action(receipts)
    def UponAcceptSentBefore(self, s: ByzState, p: int, good: frozenset[int], bad: frozenset[int]) -> ByzState | None:
        rcvd = self.receive(s, p, good, bad)
        if s.pc[p] != SE or len(rcvd[p]) < self.accept_threshold():
            return None
        return s._replace(pc=at(s.pc, p, AC), rcvd=rcvd)

    @action()
    def Unchanged(self, s: ByzState) -> ByzState:
        """Next's `UNCHANGED vars`: a self-loop for terminating computations (TLC counts it generated)."""
        return s

    # --- invariants and properties -----------------------------------------------------------------

    @invariant
    def TypeOK(self, s: ByzState) -> bool:
        procs = frozenset(self.Proc)
        return (
            len(s.pc) == self.N
            and all(x in (V0, V1, SE, AC) for x in s.pc)
            and s.Corr <= procs
            and s.Faulty <= procs
            and s.sent <= procs
            and len(s.rcvd) == self.N
            and all(r <= s.sent | s.Faulty for r in s.rcvd)
        )

    @invariant
    def FCConstraints(self, s: ByzState) -> bool:
        procs = frozenset(self.Proc)
        return (
            s.Corr | s.Faulty == procs
            and s.Faulty == procs - s.Corr
            and len(s.Corr) >= self.N - self.T
            and len(s.Faulty) <= self.T
        )

    def all_corr(self, s: ByzState, x: int) -> bool:
        return all(s.pc[i] == x for i in s.Corr)

    def fairness(self) -> list:
        """WF_vars(\\E self \\in Corr : ReceiveFromCorrectSender(self) /\\ (UponV1 \\/ ... )): one condition
        for every correct process together, on the steps that receive nothing from a faulty one."""
        return [WF(*UPON, bad=frozenset(), text="WF(\\E self \\in Corr : ReceiveFromCorrectSender(self) /\\ Upon...)")]

    def properties(self) -> dict:
        """CorrLtl and RelayLtl. CorrLtl, `(\\A i \\in Corr : pc[i] = "V1") => <>(\\A i \\in Corr : pc[i] = "AC")`,
        is about the initial state; as a leads-to it says the same here, because no process returns to V1
        (so the trigger holds only on a prefix from the initial state) and all-accepted is stable.
        UnforgLtl, `(\\A i \\in Corr : pc[i] = "V0") => [](...)`, is a safety property of the initial states
        that start all correct processes in V0: the invariant Unforg of BcastByzNoBcast (below)."""
        all_v1, all_ac = (lambda s: self.all_corr(s, V1)), (lambda s: self.all_corr(s, AC))
        some_ac = lambda s: any(s.pc[i] == AC for i in s.Corr)  # noqa: E731
        every_ac = '<>(\\A i \\in Corr : pc[i] = "AC")'
        return {
            "CorrLtl": LeadsTo(all_v1, all_ac, f'(\\A i \\in Corr : pc[i] = "V1") => {every_ac}'),
            "RelayLtl": LeadsTo(some_ac, all_ac, f'[]((\\E i \\in Corr : pc[i] = "AC") => {every_ac})'),
        }

    # --- symmetry: Corr and Faulty are variables, so renaming every process is a symmetry ----------

    def symmetric_sets(self) -> dict[str, int]:
        return {"Proc": self.N}

    def permute(self, s: ByzState, perm: Mapping[str, Sequence[int]]) -> ByzState:
        pi = perm["Proc"]
        ren = lambda xs: frozenset(pi[x] for x in xs)  # noqa: E731
        rcvd = moved([ren(r) for r in s.rcvd], pi)
        return ByzState(ren(s.Corr), ren(s.Faulty), moved(s.pc, pi), rcvd, ren(s.sent))

    @refines(EchoQuorum)
    def as_echo_quorum(self) -> tuple[EchoQuorum, Any]:
        """Unforgeability as a refinement: sent holds the correct processes' ECHOs, and a process at AC accepted."""
        return EchoQuorum(self.N, self.T, self.F), lambda s: EchoState(
            s.Corr, s.sent, frozenset(p for p in s.Corr if s.pc[p] == AC)
        )

    # --- how it reads --------------------------------------------------------------------------------

    def show_state(self, s: ByzState) -> dict[str, Any]:
        return {
            "Corr": names(s.Corr),
            "Faulty": names(s.Faulty),
            "pc": {name_of(p): PC[x] for p, x in enumerate(s.pc)},
            "rcvd": {name_of(p): names(r) for p, r in enumerate(s.rcvd)},
            "sent": names(s.sent),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "p":
            return name_of(value)
        if param in ("good", "bad"):
            return "{" + ", ".join(names(value)) + "}"
        return value

    def msc_event(self, prev: ByzState, label: Label, nxt: ByzState) -> MscEvent:
        if label.name == "Unchanged":
            return MscEvent("env")
        p, good, bad = label.params
        got = tuple(f"ECHO({name_of(q)})" for q in sorted(good | bad))
        sent = (f"ECHO({name_of(p)})",) if p in nxt.sent - prev.sent else ()
        return MscEvent(name_of(p), got, sent)


class BcastByzNoBcast(BcastByz):
    """bcastByz.tla's SpecNoBcast: InitNoBcast (every process starts in V0), no fairness; Unforg holds."""

    def start_values(self) -> tuple[int, ...]:
        """InitNoBcast == pc \\in [Proc -> {"V0"}] /\\ Init."""
        return (V0,)

    def fairness(self) -> list:
        return []

    def properties(self) -> dict:
        return {}

    @invariant
    def Unforg(self, s: ByzState) -> bool:
        """\\A i \\in Proc : i \\in Corr => pc[i] # "AC": nobody broadcast, so no correct process accepts."""
        return all(s.pc[i] != AC for i in s.Corr)


# --- planted bugs ---------------------------------------------------------------------------------


class EchoOnFewer(BcastByzNoBcast):
    """A correct process echoes on N - 2T - 1 ECHOs: T faulty ones suffice, and they forge an accept."""

    variant = "echo-threshold-low"
    rule = "UponNonFaulty needs N - 2T - 1 ECHOs, not N - 2T (one too few)"
    breaks = "Unforg"
    failing_bounds = {"n": 4, "t": 1, "f": 1}
    trace_length = 3

    def echo_threshold(self) -> int:
        return self.N - 2 * self.T - 1


class TooManyFaulty(BcastByzNoBcast):
    """More faulty processes than the algorithm tolerates: F = T + 1 of them forge an accept."""

    variant = "faulty-beyond-t"
    rule = "the model allows F > T faulty processes (ASSUME T >= F dropped)"
    breaks = "Unforg"
    failing_bounds = {"n": 4, "t": 1, "f": 2}
    trace_length = 2

    def check_assumptions(self, n: int, t: int, f: int) -> None:
        super().check_assumptions(n, t, 0)
        if f > n:
            raise SpecError(f"faulty-beyond-t needs F <= N, got --n {n} --f {f}")

    @invariant
    def FCConstraints(self, s: ByzState) -> bool:
        """The cardinality constraints say T >= |Faulty|, which this model breaks on purpose: not checked."""
        return True


class AcceptOnMore(BcastByz):
    """A correct process accepts only on N - T + 1 ECHOs, more than the correct processes alone send."""

    variant = "accept-threshold-high"
    rule = "UponAccept* need N - T + 1 ECHOs, not N - T (one too many)"
    breaks = "CorrLtl"
    failing_bounds = {"n": 4, "t": 1, "f": 1}
    trace_length = 3

    def accept_threshold(self) -> int:
        return self.N - self.T + 1
