"""bcastFolklore.tla (tlaplus/Examples, specifications/bcastFolklore): reliable broadcast by message
diffusion with crash faults (Chandra and Toueg, Fig. 4), as in the ByMC benchmarks (Konnov, Tran, Widder).

Translated from the TLA+ text by following docs/writing-a-spec.md. Processes are 0..N-1 (the text's
1..N), shown p1..pN; a message <<p, "ECHO">> is its sender p. `Corr` starts as every process and loses
each one that crashes (at most F). `Step(self)` receives a set `msgs` (`rcvd[self] \\subseteq msgs
\\subseteq sent`) and takes one of four disjuncts, each an action with the parameters (self, msgs): UponV1,
UponAccept, UponCrash, and Receive for the last one, `UNCHANGED << pc, sent, nCrashed, Corr >>` (a
self-loop when msgs = rcvd[self], counted as TLC counts it). Fairness is the text's one WF over every
correct process's steps but crashing.

TLC 2.20 (tests/user_specs/bcast/): bcastFolklore.cfg (N=4, T=1, F=1) takes TLC 30 minutes (the
manifest's figure) and is not run here; N=3, T=1, F=1 (bcastFolklore3.cfg, the same properties): 3,700
distinct, 36,224 generated, depth 7, every property holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import product
from typing import Annotated, Any, NamedTuple

from bcast_common import at, moved, name_of, names, subsets

from spec.core import WF, Eventually, Label, LeadsTo, MscEvent, Spec, SpecError, action, invariant

V0, V1, AC, CR = range(4)
PC = ("V0", "V1", "AC", "CR")


class FolkState(NamedTuple):
    Corr: frozenset[int]  # the processes that have not crashed
    nCrashed: int
    pc: tuple[int, ...]
    rcvd: tuple[frozenset[int], ...]  # rcvd[p]: the senders of the ECHOs p received
    sent: frozenset[int]  # the senders of the ECHOs sent


class BcastFolklore(Spec):
    """Reliable broadcast by diffusion with crash faults (bcastFolklore.tla): at most F of N processes crash."""

    variables = ("Corr", "nCrashed", "pc", "rcvd", "sent")

    def __init__(
        self,
        n: Annotated[int, "number of processes (N)"] = 3,
        t: Annotated[int, "the resilience, N > 2T (T)"] = 1,
        f: Annotated[int, "the most processes that crash, F <= T (F)"] = 1,
    ) -> None:
        if n < 1 or t < 0 or f < 0:
            raise SpecError(f"bcast_folklore needs N >= 1, T >= 0 and F >= 0, got --n {n} --t {t} --f {f}")
        if not n > 2 * t:
            raise SpecError(f"bcast_folklore assumes N > 2T, got --n {n} --t {t}")
        if not t >= f:
            raise SpecError(f"bcast_folklore assumes T >= F, got --t {t} --f {f}")
        self.N, self.T, self.F = n, t, f
        self.Proc = tuple(range(n))
        super().__init__()

    def start_values(self) -> tuple[int, ...]:
        """pc \\in [Proc -> {"V0", "V1"}]"""
        return (V0, V1)

    def init_states(self) -> Iterator[FolkState]:
        """Init: nobody crashed, nothing sent or received, each process V0 or V1."""
        nothing = (frozenset(),) * self.N
        for pc in product(self.start_values(), repeat=self.N):
            yield FolkState(frozenset(self.Proc), 0, pc, nothing, frozenset())

    # --- Step(self) = Receive(self) /\ one of four disjuncts --------------------------------------------

    def receipts(self, s: FolkState) -> list[tuple[int, frozenset[int]]]:
        """\\E self \\in Corr, msgs: pc[self] # "CR" /\\ rcvd[self] \\subseteq msgs \\subseteq sent."""
        return [(p, msgs) for p in sorted(s.Corr) if s.pc[p] != CR for msgs in self.receive_sets(s, p)]

    def receive_sets(self, s: FolkState, p: int) -> list[frozenset[int]]:
        """The msgs with rcvd[p] \\subseteq msgs \\subseteq sent: none when rcvd[p] holds an ECHO no longer sent
        (crash-unsends), and then p cannot step at all."""
        if not s.rcvd[p] <= s.sent:
            return []
        return [s.rcvd[p] | more for more in subsets(s.sent - s.rcvd[p])]

    def accept_threshold(self) -> int:
        """UponAccept's rcvd'[self] # {}: one ECHO suffices."""
        return 1

    def echo(self, s: FolkState, p: int, msgs: frozenset[int]) -> FolkState:
        """pc' = [pc EXCEPT ![self] = "AC"], sent' = sent \\cup {<<self, "ECHO">>}"""
        return s._replace(pc=at(s.pc, p, AC), rcvd=at(s.rcvd, p, msgs), sent=s.sent | {p})

    @action(receipts)
    def UponV1(self, s: FolkState, p: int, msgs: frozenset[int]) -> FolkState | None:
        return self.echo(s, p, msgs) if s.pc[p] == V1 else None

    @action(receipts)
    def UponAccept(self, s: FolkState, p: int, msgs: frozenset[int]) -> FolkState | None:
        if s.pc[p] not in (V0, V1) or len(msgs) < self.accept_threshold():
            return None
        return self.echo(s, p, msgs)

    @action(receipts)
    def UponCrash(self, s: FolkState, p: int, msgs: frozenset[int]) -> FolkState | None:
        if s.nCrashed >= self.F or s.pc[p] == CR:
            return None
        return FolkState(s.Corr - {p}, s.nCrashed + 1, at(s.pc, p, CR), at(s.rcvd, p, msgs), self.crash_sent(s, p))

    def crash_sent(self, s: FolkState, p: int) -> frozenset[int]:
        """sent' = sent: what a process sent stays sent when it crashes."""
        return s.sent

    @action(receipts)
    def Receive(self, s: FolkState, p: int, msgs: frozenset[int]) -> FolkState:
        """Step's last disjunct: only receive (UNCHANGED << pc, sent, nCrashed, Corr >>)."""
        return s._replace(rcvd=at(s.rcvd, p, msgs))

    # --- invariants and properties ---------------------------------------------------------------------

    @invariant
    def TypeOK(self, s: FolkState) -> bool:
        procs = frozenset(self.Proc)
        return (
            s.sent <= procs
            and len(s.pc) == self.N
            and all(x in (V0, V1, AC, CR) for x in s.pc)
            and all(r <= procs for r in s.rcvd)
            and 0 <= s.nCrashed <= self.N
            and s.Corr <= procs
        )

    def fairness(self) -> list:
        """WF_vars(\\E self \\in Corr : Receive(self) /\\ (UponV1 \\/ UponAccept \\/ UNCHANGED ...)): one condition
        for every correct process together; crashing is never forced."""
        return [WF("UponV1", "UponAccept", "Receive")]

    def properties(self) -> dict:
        """CorrLtl, RelayLtl and ReliableChan (one per sender). CorrLtl, `(\\A i \\in Corr : pc[i] = "V1") =>
        <>(\\E i \\in Corr : pc[i] = "AC")`, is about the initial state: it is `<>(Q \\/ ~P)`, since from an
        initial state where P holds, P holds until Q does (a correct process leaves V1 only by accepting or
        crashing, and a crash keeps the others V1). A leads-to P ~> Q would ask more, of a later state where
        a crash left only V1 processes correct: crash-unsends violates it where TLC says CorrLtl holds.
        ReliableChan reads `\\E sndr` where every sender is meant (as written it holds while one process has
        not sent); `<>[]` is `<>` here because rcvd only grows and Corr only shrinks. UnforgLtl, a safety
        property of the initial states without a V1 process, is the invariant Unforg of FolkloreNoBcast."""
        all_v1 = lambda s: all(s.pc[i] == V1 for i in s.Corr)  # noqa: E731
        some_ac = lambda s: any(s.pc[i] == AC for i in s.Corr)  # noqa: E731
        all_ac = lambda s: all(s.pc[i] == AC for i in s.Corr)  # noqa: E731
        out = {
            "CorrLtl": Eventually(
                lambda s: some_ac(s) or not all_v1(s),
                '(\\A i \\in Corr : pc[i] = "V1") => <>(\\E i \\in Corr : pc[i] = "AC")',
            ),
            "RelayLtl": LeadsTo(
                some_ac, all_ac, '[]((\\E i \\in Corr : pc[i] = "AC") => <>(\\A i \\in Corr : pc[i] = "AC"))'
            ),
        }
        for q in self.Proc:
            name = name_of(q)
            out[f"ReliableChan_{name}"] = LeadsTo(
                lambda s, q=q: q in s.sent,
                lambda s, q=q: all(q in s.rcvd[i] for i in s.Corr),
                f'[](<<{name}, "ECHO">> \\in sent => <>[](\\A p \\in Corr : <<{name}, "ECHO">> \\in rcvd[p]))',
            )
        return out

    # --- symmetry: Corr is a variable, so renaming every process is a symmetry -------------------------

    def symmetric_sets(self) -> dict[str, int]:
        return {"Proc": self.N}

    def permute(self, s: FolkState, perm: Mapping[str, Sequence[int]]) -> FolkState:
        pi = perm["Proc"]
        ren = lambda xs: frozenset(pi[x] for x in xs)  # noqa: E731
        rcvd = moved([ren(r) for r in s.rcvd], pi)
        return FolkState(ren(s.Corr), s.nCrashed, moved(s.pc, pi), rcvd, ren(s.sent))

    # --- how it reads ----------------------------------------------------------------------------------

    def show_state(self, s: FolkState) -> dict[str, Any]:
        return {
            "Corr": names(s.Corr),
            "nCrashed": s.nCrashed,
            "pc": {name_of(p): PC[x] for p, x in enumerate(s.pc)},
            "rcvd": {name_of(p): names(r) for p, r in enumerate(s.rcvd)},
            "sent": names(s.sent),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "p":
            return name_of(value)
        if param == "msgs":
            return "{" + ", ".join(names(value)) + "}"
        return value

    def msc_event(self, prev: FolkState, label: Label, nxt: FolkState) -> MscEvent:
        p, msgs = label.params
        got = tuple(f"ECHO({name_of(q)})" for q in sorted(msgs - prev.rcvd[p]))
        return MscEvent(name_of(p), got, tuple(f"ECHO({name_of(q)})" for q in sorted(nxt.sent - prev.sent)))


class FolkloreNoBcast(BcastFolklore):
    """bcastFolklore.tla's InitNoBcast: every process starts in V0; Unforg holds."""

    def start_values(self) -> tuple[int, ...]:
        """InitNoBcast: pc = [p \\in Proc |-> "V0"]."""
        return (V0,)

    @invariant
    def Unforg(self, s: FolkState) -> bool:
        """\\A self \\in Corr : pc[self] # "AC": nobody broadcast, so no correct process accepts."""
        return all(s.pc[i] != AC for i in s.Corr)


# --- planted bugs ---------------------------------------------------------------------------------


class AcceptOnNothing(FolkloreNoBcast):
    """A process accepts without having received an ECHO: a threshold one too low forges a broadcast."""

    variant = "accept-without-echo"
    rule = "UponAccept needs 0 ECHOs, not one (rcvd'[self] # {} dropped)"
    breaks = "Unforg"
    failing_bounds = {"n": 1, "t": 0, "f": 0}
    trace_length = 1

    def accept_threshold(self) -> int:
        return 0


class AcceptOnTwo(BcastFolklore):
    """A process accepts only on two ECHOs: the one a sole V1 process sends is not enough to relay."""

    variant = "accept-threshold-high"
    rule = "UponAccept needs 2 ECHOs, not one"
    breaks = "RelayLtl"
    failing_bounds = {"n": 3, "t": 1, "f": 1}
    trace_length = 4

    def accept_threshold(self) -> int:
        return 2


class CrashUnsends(BcastFolklore):
    """A crash takes back the ECHO the process sent: the channel is reliable only between correct processes."""

    variant = "crash-unsends"
    rule = "UponCrash removes the crashed process's ECHO from sent"
    breaks = "RelayLtl"
    failing_bounds = {"n": 3, "t": 1, "f": 1}
    trace_length = 2

    def crash_sent(self, s: FolkState, p: int) -> frozenset[int]:
        return s.sent - {p}


class FairP1Only(BcastFolklore):
    """Weak fairness of the first process's steps only: the others may stop for ever."""

    variant = "fair-p1-only"
    rule = "WF over p1's receive, UponV1 and UponAccept steps only, not every correct process's"
    breaks = "CorrLtl"
    failing_bounds = {"n": 3, "t": 1, "f": 1}
    trace_length = 1

    def fairness(self) -> list:
        return [WF("UponV1", "UponAccept", "Receive", p=0)]


class ReceiveForgets(BcastFolklore):
    """A receipt replaces what a process holds by any set of sent ECHOs: it may forget, and receive again."""

    variant = "receive-forgets"
    rule = "Receive drops rcvd[self] \\subseteq msgs: rcvd' may lose what was received"
    breaks = "RelayLtl"
    failing_bounds = {"n": 3, "t": 1, "f": 1}
    trace_length = 3  # UponV1, then a loop of two receipts: one process receives and forgets

    def receive_sets(self, s: FolkState, p: int) -> list[frozenset[int]]:
        """msgs \\in SUBSET sent: rcvd[p] need not be within msgs."""
        return list(subsets(s.sent))


class ForgetsFairEach(ReceiveForgets):
    """receive-forgets with weak fairness of each process's steps apart: every process must go on stepping."""

    variant = "forgets-fair-each"
    rule = "receive-forgets, under a WF per process instead of one over all of them"
    trace_length = 7  # UponV1, then each process receives and forgets in turn

    def fairness(self) -> list:
        """\\A self \\in Proc : WF_vars(Receive(self) /\\ (UponV1(self) \\/ UponAccept(self) \\/ UNCHANGED ...))"""
        return [WF("UponV1", "UponAccept", "Receive", p=p) for p in self.Proc]
