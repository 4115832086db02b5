"""bosco.tla (tlaplus/Examples, specifications/bosco): Song and van Renesse's one-step Byzantine
asynchronous consensus, as in the ByMC benchmarks (Konnov, Tran, Widder).

Translated from the TLA+ text by following docs/writing-a-spec.md. Processes are 0..N-1 (the text's
1..N), shown p1..pN; the correct ones are the first N - F (`Corr == 1 .. N - F`), the faulty ones the
last F, fixed, and only the correct ones have a `pc` and a `rcvd`. A message <<p, "ECHO0">> is the pair
(p, 0). `Step(self)` receives a set `r` of messages (`rcvd[self] \\subseteq r \\subseteq sent \\cup` every
ECHO0 and ECHO1 of a faulty process) and takes one of eight disjuncts: each is an action with the
parameters (self, r), so TLC's states generated (one step per r and per disjunct that holds) are
paxraft's. The last disjunct, `pc' = pc /\\ sent' = sent`, is the action Receive.

Symmetry: the correct processes are interchangeable among themselves and the faulty ones among
themselves (TLC: `Permutations(Corr) \\cup Permutations(Faulty)` over model values, MCboscoSym.tla); a
renaming that moves a correct process onto a faulty one is no symmetry (one has a pc, the other sends
anything), and paxraft refuses such a permute.

TLC 2.20 (tests/user_specs/bcast/, TypeOK and Lemma3_0 .. Lemma4_1): N=3 T=0 F=0 7,568 distinct, 85,304
generated, depth 7 (1,384 / 15,604 / 7 with symmetry), N=2 118 / 588 / 5, N=1 8 / 18 / 3. bosco.cfg (N=4,
T=1, F=1) has more than a million states (TLC ran 15 minutes on this busy machine and did not finish);
tests/test_user_bcast.py has the figures of every bound checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import product
from typing import Annotated, Any, NamedTuple

from bcast_common import at, moved, name_of, subsets

from spec.core import Label, MscEvent, Spec, SpecError, action, invariant

V0, V1, S0, S1, D0, D1, U0, U1 = range(8)
PC = ("V0", "V1", "S0", "S1", "D0", "D1", "U0", "U1")
Msg = tuple[int, int]  # (sender, 0 for ECHO0 or 1 for ECHO1)


class BoscoState(NamedTuple):
    pc: tuple[int, ...]  # pc[p] for each correct process p
    rcvd: tuple[frozenset[Msg], ...]  # rcvd[p] for each correct process p
    sent: frozenset[Msg]  # the messages the correct processes sent


class Bosco(Spec):
    """BOSCO one-step Byzantine consensus (bosco.tla): N processes, at most T Byzantine, the last F faulty."""

    variables = ("pc", "rcvd", "sent")

    def __init__(
        self,
        n: Annotated[int, "number of processes (N)"] = 4,
        t: Annotated[int, "the resilience: at most T faulty processes, N > 3T (T)"] = 1,
        f: Annotated[int, "number of faulty processes, the last F, F <= T (F)"] = 1,
    ) -> None:
        self.check_assumptions(n, t, f)
        self.N, self.T, self.F = n, t, f
        self.P = tuple(range(n))
        self.Corr = tuple(range(n - f))
        self.Faulty = tuple(range(n - f, n))
        self.moreNplus3Tdiv2 = (n + 3 * t) // 2 + 1  # more than (N + 3T) / 2
        self.moreNminusTdiv2 = (n - t) // 2 + 1  # more than (N - T) / 2
        self.byz = frozenset((p, v) for p in self.Faulty for v in (0, 1))
        super().__init__()

    def check_assumptions(self, n: int, t: int, f: int) -> None:
        """ASSUME N > 3 * T /\\ T >= F /\\ F >= 0 (and a correct process: pc has a domain to start from)."""
        if t < 0 or f < 0 or n - f < 1:
            raise SpecError(f"bosco needs T >= 0, F >= 0 and a correct process, got --n {n} --t {t} --f {f}")
        if not n > 3 * t:
            raise SpecError(f"bosco assumes N > 3T, got --n {n} --t {t}")
        if not t >= f:
            raise SpecError(f"bosco assumes T >= F, got --t {t} --f {f}")

    def start_values(self) -> tuple[int, ...]:
        """The values pc may start with: pc \\in [Corr -> {"V0", "V1"}]."""
        return (V0, V1)

    def init_states(self) -> Iterator[BoscoState]:
        """Init: each correct process proposes 0 or 1, nothing sent or received."""
        nothing = (frozenset(),) * len(self.Corr)
        for pc in product(self.start_values(), repeat=len(self.Corr)):
            yield BoscoState(pc, nothing, frozenset())

    # --- Step(self) = Receive(self) /\ one of eight disjuncts --------------------------------------------

    def receipts(self, s: BoscoState) -> list[tuple[int, frozenset[Msg]]]:
        """\\E self \\in Corr, r: rcvd[self] \\subseteq r \\subseteq sent \\cup the faulty processes' messages."""
        avail = s.sent | self.byz
        return [(p, s.rcvd[p] | more) for p in self.Corr if s.rcvd[p] <= avail for more in subsets(avail - s.rcvd[p])]

    def counts(self, r: frozenset[Msg]) -> tuple[int, int, int]:
        """rcvd0(self), rcvd1(self) and rcvd01(self) (the senders heard from) on rcvd'[self] = r."""
        ones = sum(v for _, v in r)
        return len(r) - ones, ones, len({p for p, _ in r})

    def step(self, s: BoscoState, p: int, r: frozenset[Msg], to: int, send: int | None = None) -> BoscoState:
        """pc' = [pc EXCEPT ![self] = to], rcvd' = [rcvd EXCEPT ![self] = r], and a message sent or not."""
        sent = s.sent | {(p, send)} if send is not None else s.sent
        return BoscoState(at(s.pc, p, to), at(s.rcvd, p, r), sent)

    def sent_vote(self, s: BoscoState, p: int) -> bool:
        """pc[self] = "S0" \\/ pc[self] = "S1"."""
        return s.pc[p] in (S0, S1)

    @action(receipts)
    def UponV0(self, s: BoscoState, p: int, r: frozenset[Msg]) -> BoscoState | None:
        return self.step(s, p, r, S0, 0) if s.pc[p] == V0 else None

    @action(receipts)
    def UponV1(self, s: BoscoState, p: int, r: frozenset[Msg]) -> BoscoState | None:
        return self.step(s, p, r, S1, 1) if s.pc[p] == V1 else None

    def one_step(self, s: BoscoState, p: int, r: frozenset[Msg], v: int) -> BoscoState | None:
        """UponOneStep0/1: N - T senders heard from, more than (N + 3T) / 2 votes for v: decide v."""
        c0, c1, c01 = self.counts(r)
        if not self.sent_vote(s, p) or c01 < self.N - self.T or (c0, c1)[v] < self.moreNplus3Tdiv2:
            return None
        return self.step(s, p, r, (D0, D1)[v])

    @action(receipts)
    def UponOneStep0(self, s: BoscoState, p: int, r: frozenset[Msg]) -> BoscoState | None:
        return self.one_step(s, p, r, 0)

    @action(receipts)
    def UponOneStep1(self, s: BoscoState, p: int, r: frozenset[Msg]) -> BoscoState | None:
        return self.one_step(s, p, r, 1)

    def underlying(self, s: BoscoState, p: int, r: frozenset[Msg], v: int) -> BoscoState | None:
        """UponUnderlying0/1: more than (N - T) / 2 votes for v, fewer for the other, no one-step decision."""
        c0, c1, c01 = self.counts(r)
        mine, other = (c0, c1) if v == 0 else (c1, c0)
        if not self.sent_vote(s, p) or c01 < self.N - self.T or self.decides(c0, c1):
            return None
        if mine < self.moreNminusTdiv2 or other >= self.moreNminusTdiv2:
            return None
        return self.step(s, p, r, (U0, U1)[v])

    def decides(self, c0: int, c1: int) -> bool:
        """Not (rcvd0(self) < moreNplus3Tdiv2 /\\ rcvd1(self) < moreNplus3Tdiv2): a one-step decision wins."""
        return c0 >= self.moreNplus3Tdiv2 or c1 >= self.moreNplus3Tdiv2

    @action(receipts)
    def UponUnderlying0(self, s: BoscoState, p: int, r: frozenset[Msg]) -> BoscoState | None:
        return self.underlying(s, p, r, 0)

    @action(receipts)
    def UponUnderlying1(self, s: BoscoState, p: int, r: frozenset[Msg]) -> BoscoState | None:
        return self.underlying(s, p, r, 1)

    @action(receipts)
    def UponUnderlyingUndecided(self, s: BoscoState, p: int, r: frozenset[Msg]) -> BoscoState | None:
        """Both values have more than (N - T) / 2 votes, neither a one-step majority: keep one's own vote."""
        c0, c1, c01 = self.counts(r)
        if not self.sent_vote(s, p) or c01 < self.N - self.T or self.decides(c0, c1):
            return None
        if c0 < self.moreNminusTdiv2 or c1 < self.moreNminusTdiv2:
            return None
        return self.step(s, p, r, U0 if s.pc[p] == S0 else U1)

    @action(receipts)
    def Receive(self, s: BoscoState, p: int, r: frozenset[Msg]) -> BoscoState:
        """Step's last disjunct, pc' = pc /\\ sent' = sent: only receive (r = rcvd[self] is a self-loop)."""
        return s._replace(rcvd=at(s.rcvd, p, r))

    # --- invariants ------------------------------------------------------------------------------------

    @invariant
    def TypeOK(self, s: BoscoState) -> bool:
        msgs = frozenset(product(self.P, (0, 1)))
        return (
            s.sent <= msgs
            and len(s.pc) == len(self.Corr)
            and all(0 <= x < len(PC) for x in s.pc)
            and len(s.rcvd) == len(self.Corr)
            and all(r <= msgs for r in s.rcvd)
        )

    def some(self, s: BoscoState, x: int) -> bool:
        return x in s.pc

    @invariant
    def Lemma3_0(self, s: BoscoState) -> bool:
        """Some correct process decided 0 => none decided 1."""
        return not (self.some(s, D0) and self.some(s, D1))

    @invariant
    def Lemma3_1(self, s: BoscoState) -> bool:
        return not (self.some(s, D1) and self.some(s, D0))

    @invariant
    def Lemma4_0(self, s: BoscoState) -> bool:
        """Some correct process decided 0 => none runs the underlying consensus with 1."""
        return not (self.some(s, D0) and self.some(s, U1))

    @invariant
    def Lemma4_1(self, s: BoscoState) -> bool:
        return not (self.some(s, D1) and self.some(s, U0))

    # --- symmetry over two subsets: Corr among itself, Faulty among itself ---------------------------

    def symmetric_sets(self) -> dict[str, int]:
        return {"Corr": len(self.Corr), "Faulty": len(self.Faulty)}

    def renaming(self, perm: Mapping[str, Sequence[int]]) -> tuple[int, ...]:
        """The renaming of all processes: correct ones by perm["Corr"], faulty ones by perm["Faulty"]."""
        c = len(self.Corr)
        return tuple(perm["Corr"]) + tuple(c + j for j in perm["Faulty"])

    def permute(self, s: BoscoState, perm: Mapping[str, Sequence[int]]) -> BoscoState:
        pi = self.renaming(perm)  # correct processes land on correct ones: pc and rcvd are over Corr
        ren = lambda msgs: frozenset((pi[p], v) for p, v in msgs)  # noqa: E731
        return BoscoState(moved(s.pc, pi), moved([ren(r) for r in s.rcvd], pi), ren(s.sent))

    # --- how it reads ----------------------------------------------------------------------------------

    def msgs(self, ms: frozenset[Msg]) -> list[str]:
        return [f"ECHO{v}({name_of(p)})" for p, v in sorted(ms)]

    def show_state(self, s: BoscoState) -> dict[str, Any]:
        return {
            "pc": {name_of(p): PC[x] for p, x in enumerate(s.pc)},
            "rcvd": {name_of(p): self.msgs(r) for p, r in enumerate(s.rcvd)},
            "sent": self.msgs(s.sent),
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "p":
            return name_of(value)
        if param == "r":
            return "{" + ", ".join(self.msgs(value)) + "}"
        return value

    def msc_event(self, prev: BoscoState, label: Label, nxt: BoscoState) -> MscEvent:
        p, r = label.params
        got = tuple(self.msgs(r - prev.rcvd[p]))
        return MscEvent(name_of(p), got, tuple(self.msgs(nxt.sent - prev.sent)))


class AcrossRoles(Bosco):
    """A symmetry over all N processes, correct and faulty alike: no symmetry of bosco (refused)."""

    def symmetric_sets(self) -> dict[str, int]:
        return {"P": self.N}

    def permute(self, s: BoscoState, perm: Mapping[str, Sequence[int]]) -> BoscoState:
        """Renames the messages by any renaming of P, and pc and rcvd where a correct process lands on one."""
        pi = perm["P"]
        ren = lambda msgs: frozenset((pi[p], v) for p, v in msgs)  # noqa: E731
        pc, rcvd = list(s.pc), list(s.rcvd)
        for p in self.Corr:
            if pi[p] in self.Corr:
                pc[pi[p]], rcvd[pi[p]] = s.pc[p], ren(s.rcvd[p])
        return BoscoState(tuple(pc), tuple(rcvd), ren(s.sent))


class BoscoAllZero(Bosco):
    """OneStep0, `(\\A i \\in Corr : pc[i] = "V0") => [](\\A i \\in Corr : pc[i] \\notin {"D1", "U0", "U1"})`: a
    property of the initial states where every correct process proposes 0, so an invariant of the model started
    there. The text: it does not hold with at most 7T processes (N = 4, T = 1: a faulty process's votes
    keep a correct one from deciding in one step)."""

    def start_values(self) -> tuple[int, ...]:
        return (V0,)

    @invariant
    def OneStep0(self, s: BoscoState) -> bool:
        """Every correct process proposed 0: all decide 0 in one step, none decides 1 or runs the underlying one."""
        return not ({D1, U0, U1} & set(s.pc))


# --- planted bugs -------------------------------------------------------------------------------------


class OneStepOnFewer(Bosco):
    """A process decides in one step on (N + 3T) / 2 votes, one fewer than "more than" half of N + 3T."""

    variant = "one-step-threshold-low"
    rule = "moreNplus3Tdiv2 is (N + 3T) \\div 2, one vote fewer than more than (N + 3T) / 2"
    breaks = "Lemma3_0"
    failing_bounds = {"n": 2, "t": 0, "f": 0}
    trace_length = 4

    def __init__(self, n: int = 4, t: int = 1, f: int = 1) -> None:
        super().__init__(n, t, f)
        self.moreNplus3Tdiv2 -= 1


class TooManyFaulty(Bosco):
    """More faulty processes than the algorithm tolerates: F = T + 1 faulty processes split the decision."""

    variant = "faulty-beyond-t"
    rule = "the model allows F > T faulty processes (ASSUME T >= F dropped)"
    breaks = "Lemma3_0"
    failing_bounds = {"n": 3, "t": 0, "f": 1}
    trace_length = 4

    def check_assumptions(self, n: int, t: int, f: int) -> None:
        super().check_assumptions(n, t, 0)
        if n - f < 1:
            raise SpecError(f"faulty-beyond-t needs a correct process, got --n {n} --f {f}")
