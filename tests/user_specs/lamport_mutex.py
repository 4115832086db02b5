"""Lamport's distributed mutual exclusion with logical clocks (Time, Clocks, and the Ordering of Events, 1978).

A new user's spec (notes newuser2, 2026-12-04 night), written from README.md and docs/writing-a-spec.md only.
Processes 0..N-1 talk over reliable FIFO channels. To enter, a process time-stamps a request with its clock
and sends it to every other process; each answers with an acknowledgement. A process enters when every other
process has acknowledged and its own request is the oldest it knows of (ties broken by process number); on
leaving it sends a release. `AbstractMutex` is the same protocol seen from above (idle, waiting, critical);
`LamportMutex` refines it. The clocks are bounded by `--max-clock`: a process requests only while its clock is
below it, so the model is finite with no state constraint (a constraint would cut the liveness check's paths).

tests/user_specs/LamportMutex.tla is the same model in TLA+; TLC 2.20 gives the same counts (N = 3, MaxClock = 3:
17,074 distinct states, 50,554 generated, depth 37; N = 3, MaxClock = 2: 865 / 2,391 / 28; TLC's -deadlock, as
the protocol ends once every clock has reached MaxClock), and the same liveness verdicts (FairSpec: Starvation
holds; without weak fairness on Exit it is violated). Its NextNoAck and NextStale are the two planted bugs:
their whole models (2 processes, no invariants) have TLC's counts too.
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from spec.core import SF, WF, Label, LeadsTo, MscEvent, Spec, SpecError, action, explains, invariant, refines

IDLE, WAITING, CRIT = range(3)
PC = ("idle", "waiting", "crit")

REQ, ACK, REL = range(3)  # a message is (REQ, timestamp), (ACK,) or (REL,)
MSG = ("req", "ack", "rel")


# ----------------------------------------------------------------------------------------------- the abstract spec
class AMState(NamedTuple):
    pc: tuple[int, ...]  # pc[p]: idle, waiting or crit


class AbstractMutex(Spec):
    """Mutual exclusion seen from above: a waiting process enters when nobody is in the critical section."""

    variables = ("pc",)

    def __init__(self, procs: Annotated[int, "number of processes"] = 3) -> None:
        if not 1 <= procs <= 6:
            raise SpecError(f"--procs must be between 1 and 6, got {procs}")
        self.Proc = tuple(range(procs))
        super().__init__()

    def init_states(self) -> list[AMState]:
        return [AMState((IDLE,) * len(self.Proc))]

    def each_proc(self, s: AMState) -> list[tuple[int]]:
        return [(p,) for p in self.Proc]

    def set_pc(self, s: AMState, p: int, x: int) -> AMState:
        return AMState(s.pc[:p] + (x,) + s.pc[p + 1 :])

    @action(each_proc)
    def Request(self, s: AMState, p: int) -> AMState | None:
        return self.set_pc(s, p, WAITING) if s.pc[p] == IDLE else None

    @action(each_proc)
    def Enter(self, s: AMState, p: int) -> AMState | None:
        return self.set_pc(s, p, CRIT) if s.pc[p] == WAITING and CRIT not in s.pc else None

    @action(each_proc)
    def Exit(self, s: AMState, p: int) -> AMState | None:
        return self.set_pc(s, p, IDLE) if s.pc[p] == CRIT else None

    @invariant
    def Mutex(self, s: AMState) -> bool:
        return s.pc.count(CRIT) <= 1

    def fairness(self) -> list:
        """Strong fairness on each process's Enter (it is disabled whenever another is inside), weak on Exit."""
        return [SF("Enter", p=p) for p in self.Proc] + [WF("Exit", p=p) for p in self.Proc]

    def properties(self) -> dict:
        return {
            f"Starvation{p + 1}": LeadsTo(
                lambda s, p=p: s.pc[p] == WAITING,
                lambda s, p=p: s.pc[p] == CRIT,
                f"waiting(p{p + 1}) ~> crit(p{p + 1})",
            )
            for p in self.Proc
        }

    def symmetric_sets(self) -> dict[str, int]:
        return {"Proc": len(self.Proc)}

    def permute(self, s: AMState, perm: Any) -> AMState:
        pi, out = perm["Proc"], [IDLE] * len(self.Proc)
        for p, x in enumerate(s.pc):
            out[pi[p]] = x
        return AMState(tuple(out))

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return f"p{value + 1}"

    def show_state(self, s: AMState) -> dict[str, Any]:
        return {"pc": {f"p{p + 1}": PC[x] for p, x in enumerate(s.pc)}}


# ----------------------------------------------------------------------------------------------- Lamport's protocol
class LMState(NamedTuple):
    clock: tuple[int, ...]  # clock[p]: p's logical clock
    req: tuple[tuple[int, ...], ...]  # req[p][q]: the timestamp of q's request as p knows it, 0 for none
    ack: tuple[frozenset[int], ...]  # ack[p]: the processes that acknowledged p's request (p itself included)
    network: tuple[tuple[tuple[tuple[int, ...], ...], ...], ...]  # network[p][q]: the FIFO channel from p to q
    crit: frozenset[int]  # the processes in the critical section


class LamportMutex(Spec):
    """Lamport's mutual exclusion: time-stamped requests, acknowledgements and releases over FIFO channels."""

    variables = ("clock", "req", "ack", "network", "crit")

    def __init__(
        self,
        procs: Annotated[int, "number of processes"] = 3,
        max_clock: Annotated[int, "a process requests only while its clock is below this"] = 3,
    ) -> None:
        if not 1 <= procs <= 6:
            raise SpecError(f"--procs must be between 1 and 6, got {procs}")
        if max_clock < 1:
            raise SpecError(f"--max-clock must be at least 1, got {max_clock}")
        self.Proc = tuple(range(procs))
        self.MaxClock = max_clock
        super().__init__()

    def init_states(self) -> list[LMState]:
        n = len(self.Proc)
        empty = ((),) * n
        return [LMState((0,) * n, ((0,) * n,) * n, (frozenset(),) * n, (empty,) * n, frozenset())]

    # -- helpers: [f EXCEPT ![i] = v] and the channels
    @staticmethod
    def at(t: tuple, i: int, v: Any) -> tuple:
        return t[:i] + (v,) + t[i + 1 :]

    def broadcast(self, net: tuple, p: int, m: tuple[int, ...]) -> tuple:
        """Append m to every channel from p to another process."""
        return self.at(net, p, tuple(ch if q == p else ch + (m,) for q, ch in enumerate(net[p])))

    def beats(self, s: LMState, p: int, q: int) -> bool:
        """p's request is older than q's as p knows them: (timestamp, process) ordered lexicographically."""
        mine, theirs = s.req[p][p], s.req[p][q]
        return theirs == 0 or (mine, p) < (theirs, q)

    # -- enumerators
    def each_proc(self, s: LMState) -> list[tuple[int]]:
        return [(p,) for p in self.Proc]

    def incoming(self, s: LMState) -> list[tuple[int, int]]:
        """(p, q): q's channel to p holds a message for p to receive."""
        return [(p, q) for p in self.Proc for q in self.Proc if s.network[q][p]]

    def head(self, s: LMState, p: int, q: int) -> tuple[int, ...] | None:
        ch = s.network[q][p]
        return ch[0] if ch else None

    def pop(self, net: tuple, p: int, q: int) -> tuple:
        """Take the head off the channel from q to p."""
        return self.at(net, q, self.at(net[q], p, net[q][p][1:]))

    # -- actions
    @action(each_proc)
    def Request(self, s: LMState, p: int) -> LMState | None:
        if s.req[p][p] != 0 or s.clock[p] >= self.MaxClock:
            return None
        c = s.clock[p] + 1
        return s._replace(
            clock=self.at(s.clock, p, c),
            req=self.at(s.req, p, self.at(s.req[p], p, c)),
            ack=self.at(s.ack, p, frozenset({p})),
            network=self.broadcast(s.network, p, (REQ, c)),
        )

    @action(incoming)
    def ReceiveRequest(self, s: LMState, p: int, q: int) -> LMState | None:
        m = self.head(s, p, q)
        if m is None or m[0] != REQ:
            return None
        c = max(s.clock[p], m[1]) + 1
        net = self.pop(s.network, p, q)
        net = self.at(net, p, self.at(net[p], q, net[p][q] + ((ACK,),)))
        return s._replace(clock=self.at(s.clock, p, c), req=self.at(s.req, p, self.at(s.req[p], q, m[1])), network=net)

    @action(incoming)
    def ReceiveAck(self, s: LMState, p: int, q: int) -> LMState | None:
        m = self.head(s, p, q)
        if m is None or m[0] != ACK:
            return None
        return s._replace(ack=self.at(s.ack, p, s.ack[p] | {q}), network=self.pop(s.network, p, q))

    @action(each_proc)
    def Enter(self, s: LMState, p: int) -> LMState | None:
        if p in s.crit or s.req[p][p] == 0 or len(s.ack[p]) != len(self.Proc):
            return None
        if not all(self.beats(s, p, q) for q in self.Proc if q != p):
            return None
        return s._replace(crit=s.crit | {p})

    @action(each_proc)
    def Exit(self, s: LMState, p: int) -> LMState | None:
        if p not in s.crit:
            return None
        return s._replace(
            crit=s.crit - {p},
            req=self.at(s.req, p, self.at(s.req[p], p, 0)),
            ack=self.at(s.ack, p, frozenset()),
            network=self.broadcast(s.network, p, (REL,)),
        )

    @action(incoming)
    def ReceiveRelease(self, s: LMState, p: int, q: int) -> LMState | None:
        m = self.head(s, p, q)
        if m is None or m[0] != REL:
            return None
        return s._replace(req=self.at(s.req, p, self.at(s.req[p], q, 0)), network=self.pop(s.network, p, q))

    # -- safety
    @invariant
    def Mutex(self, s: LMState) -> bool:
        return len(s.crit) <= 1

    @invariant
    def ClockCondition(self, s: LMState) -> bool:
        """Every timestamp p has seen is at most p's clock (a request received moves the clock past it)."""
        return all(s.req[p][q] <= s.clock[p] for p in self.Proc for q in self.Proc)

    @invariant
    def AcksOnlyWhenRequesting(self, s: LMState) -> bool:
        """ack[p] is empty exactly when p has no request, and holds p itself otherwise."""
        return all((s.req[p][p] == 0) == (not s.ack[p]) and (not s.ack[p] or p in s.ack[p]) for p in self.Proc)

    @explains("Mutex")
    def why_not_mutex(self, s: LMState) -> str:
        return f"{' and '.join(f'p{p + 1}' for p in sorted(s.crit))} are in the critical section together"

    # -- liveness
    def fairness(self) -> list:
        """Weak fairness on every step but Request, per process (a process's receipts from each sender)."""
        fair = [WF(a, p=p) for p in self.Proc for a in ("Enter", "Exit")]
        fair += [
            WF("ReceiveRequest", "ReceiveAck", "ReceiveRelease", p=p, q=q)
            for p in self.Proc
            for q in self.Proc
            if q != p
        ]
        return fair

    def properties(self) -> dict:
        return {
            f"Starvation{p + 1}": LeadsTo(
                lambda s, p=p: s.req[p][p] != 0,
                lambda s, p=p: p in s.crit,
                f"req[p{p + 1}][p{p + 1}] # 0 ~> p{p + 1} \\in crit",
            )
            for p in self.Proc
        }

    # -- refinement
    @refines(AbstractMutex)
    def as_abstract(self) -> tuple[AbstractMutex, Any]:
        """A process is critical in crit, waiting while it has a request, idle otherwise."""

        def pc(s: LMState) -> AMState:
            return AMState(tuple(CRIT if p in s.crit else WAITING if s.req[p][p] else IDLE for p in self.Proc))

        return AbstractMutex(len(self.Proc)), pc

    # -- reading
    def show_param(self, action: str, param: str, value: Any) -> Any:
        return f"p{value + 1}"

    def show_msg(self, m: tuple[int, ...]) -> str:
        return f"req({m[1]})" if m[0] == REQ else MSG[m[0]]

    def show_state(self, s: LMState) -> dict[str, Any]:
        name = [f"p{p + 1}" for p in self.Proc]
        return {
            "clock": {name[p]: s.clock[p] for p in self.Proc},
            "req": {name[p]: tuple(s.req[p]) for p in self.Proc},
            "ack": {name[p]: sorted(name[q] for q in s.ack[p]) for p in self.Proc},
            "network": {
                f"{name[p]}->{name[q]}": tuple(self.show_msg(m) for m in s.network[p][q])
                for p in self.Proc
                for q in self.Proc
                if q != p
            },
            "crit": sorted(name[p] for p in s.crit),
        }

    def msc_event(self, prev: LMState, label: Label, nxt: LMState) -> MscEvent:
        name = [f"p{p + 1}" for p in self.Proc]
        p = label.params[0]
        if label.name in ("ReceiveRequest", "ReceiveAck", "ReceiveRelease"):
            q = label.params[1]
            m = self.show_msg(prev.network[q][p][0])
            sent = (f"ack {name[p]}->{name[q]}",) if label.name == "ReceiveRequest" else ()
            return MscEvent(name[p], (f"{m} {name[q]}->{name[p]}",), sent)
        if label.name in ("Request", "Exit"):
            m = self.show_msg((REQ, nxt.clock[p]) if label.name == "Request" else (REL,))
            return MscEvent(name[p], (), tuple(f"{m} {name[p]}->{name[q]}" for q in self.Proc if q != p))
        return MscEvent(name[p])


# ----------------------------------------------------------------------------------------------- planted bugs
class NoAckWait(LamportMutex):
    """A process enters once its request is the oldest it knows of, without waiting for the acknowledgements."""

    variant = "no-ack-wait"
    rule = "Enter needs no acknowledgements, only the oldest known request"
    breaks = "Mutex"
    failing_bounds = {"procs": 2, "max_clock": 1}
    trace_length = 4

    @action(LamportMutex.each_proc)
    def Enter(self, s: LMState, p: int) -> LMState | None:
        if p in s.crit or s.req[p][p] == 0:
            return None
        if not all(self.beats(s, p, q) for q in self.Proc if q != p):
            return None
        return s._replace(crit=s.crit | {p})


class StaleClock(LamportMutex):
    """A process receiving a request does not move its clock past the request's timestamp."""

    variant = "stale-clock"
    rule = "ReceiveRequest ticks the clock by one, ignoring the timestamp received"
    breaks = "ClockCondition"
    failing_bounds = {"procs": 3, "max_clock": 2}
    trace_length = 4

    @action(LamportMutex.incoming)
    def ReceiveRequest(self, s: LMState, p: int, q: int) -> LMState | None:
        m = self.head(s, p, q)
        if m is None or m[0] != REQ:
            return None
        net = self.pop(s.network, p, q)
        net = self.at(net, p, self.at(net[p], q, net[p][q] + ((ACK,),)))
        clock = self.at(s.clock, p, s.clock[p] + 1)
        return s._replace(clock=clock, req=self.at(s.req, p, self.at(s.req[p], q, m[1])), network=net)
