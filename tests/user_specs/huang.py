"""Huang.tla (tlaplus/Examples, specifications/Huang) as a paxraft spec, written by a new user.

Huang's weight-throwing termination detection: the leader starts active with weight 1; an active
process sending a message gives half its weight to the message; a process receiving one adds
the message's weight to its own (and becomes active); a non-leader going idle throws its weight
back to the leader.  The leader detects termination when it is idle and holds weight 1 again.
Weights are dyadic rationals: here ``fractions.Fraction`` (DyadicRationals.tla keeps them reduced,
as Fraction does, so equal weights are equal states in both).

Processes: index 0 is the leader L, 1..N the others (Huang.cfg: Procs = {P1, P2, P3, P4, L}).
``msgs[p]`` is the sequence of weights in transit to p (received in any order, RemoveAt(i)).
The state constraint keeps every process's weight denominator <= 8 (``--max-den``).

TLC 2.20 on Huang.cfg (CommunityModules' DyadicRationals, SequencesExt, Functions; TypeOK; Safe
and Live; CHECK_DEADLOCK FALSE): see tests/test_user_huang.py for the figures and
tests/user_specs/Huang/ for the TLA+ files run.

Safe == [](TerminationDetected => []Terminated) is written as the invariant Safe,
TerminationDetected => Terminated: a state where termination is detected has no step but
stuttering (every process idle, no message), so []Terminated follows from Terminated there.

    paxraft check tests/user_specs/huang.py:Huang --procs 4 --max-den 8
    paxraft refine tests/user_specs/huang.py:Huang Detection
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Any, NamedTuple

from spec.core import WF, Eventually, Label, LeadsTo, MscEvent, Spec, action, invariant, refines

LEADER = 0
ZERO, ONE = Fraction(0), Fraction(1)


class State(NamedTuple):
    active: tuple[bool, ...]  # active[p]
    weight: tuple[Fraction, ...]  # weight[p]
    msgs: tuple[tuple[Fraction, ...], ...]  # msgs[p]: the weights in transit to p


class DetectionState(NamedTuple):
    terminated: bool
    detected: bool


def put(t: tuple[Any, ...], i: int, v: Any) -> tuple[Any, ...]:
    """[t EXCEPT ![i] = v]."""
    return t[:i] + (v,) + t[i + 1 :]


def show_weight(w: Fraction) -> str:
    """DyadicRationals' PrettyPrint: 0, 1 or num/den."""
    return str(w)


class Detection(Spec):
    """Termination and its detection, abstractly: detection comes with or after termination, never before."""

    variables = ("terminated", "detected")

    def init_states(self) -> list[DetectionState]:
        return [DetectionState(False, False)]

    @action(lambda self, s: [(False,), (True,)])
    def Terminate(self, s: DetectionState, detected: bool) -> DetectionState | None:
        """The computation ends; it may be detected in the same step."""
        if s.terminated:
            return None
        return DetectionState(True, detected)

    @action()
    def Detect(self, s: DetectionState) -> DetectionState | None:
        if not s.terminated or s.detected:
            return None
        return s._replace(detected=True)

    @invariant
    def DetectedOnlyTerminated(self, s: DetectionState) -> bool:
        return not s.detected or s.terminated


class Huang(Spec):
    """Huang's weight-throwing termination detection: the leader idle with all the weight back means done."""

    variables = ("active", "weight", "msgs")

    def __init__(
        self,
        procs: Annotated[int, "number of processes besides the leader (Procs = {P1..PN, L})"] = 4,
        max_den: Annotated[int, "state constraint: every weight's denominator at most this"] = 8,
    ) -> None:
        self.Procs = tuple(range(procs + 1))
        self.max_den = max_den
        super().__init__()

    def pname(self, p: int) -> str:
        return "L" if p == LEADER else f"P{p}"

    def init_states(self) -> list[State]:
        n = len(self.Procs)
        active = tuple(p == LEADER for p in self.Procs)
        weight = tuple(ONE if p == LEADER else ZERO for p in self.Procs)
        return [State(active, weight, ((),) * n)]

    # -- actions ----------------------------------------------------------------------------------
    @action(lambda self, s: [(p, q) for p in self.Procs for q in self.Procs])
    def SendMsg(self, s: State, p: int, q: int) -> State | None:
        """p sends half its weight to q (any process, itself and the leader included)."""
        if not s.active[p]:
            return None
        half = s.weight[p] / 2
        return s._replace(weight=put(s.weight, p, half), msgs=put(s.msgs, q, s.msgs[q] + (half,)))

    def each_others_msg(self, s: State) -> list[tuple[int, int]]:
        return [(p, i) for p in self.Procs if p != LEADER for i in range(len(s.msgs[p]))]

    @action(each_others_msg)
    def RcvMsg(self, s: State, p: int, i: int) -> State | None:
        """p (not the leader) receives its i-th message, in any order, and becomes active."""
        if p == LEADER or i >= len(s.msgs[p]):
            return None
        box = s.msgs[p]
        return State(
            put(s.active, p, True), put(s.weight, p, s.weight[p] + box[i]), put(s.msgs, p, box[:i] + box[i + 1 :])
        )

    @action(lambda self, s: [(p,) for p in self.Procs if p != LEADER])
    def Idle(self, s: State, p: int) -> State | None:
        """p (not the leader) goes idle and throws its weight back to the leader."""
        if p == LEADER or not s.active[p]:
            return None
        return State(
            put(s.active, p, False),
            put(s.weight, p, ZERO),
            put(s.msgs, LEADER, s.msgs[LEADER] + (s.weight[p],)),
        )

    @action()
    def IdleLdr(self, s: State) -> State | None:
        if not s.active[LEADER]:
            return None
        return s._replace(active=put(s.active, LEADER, False))

    @action(lambda self, s: [(i,) for i in range(len(s.msgs[LEADER]))])
    def RcvLdr(self, s: State, i: int) -> State | None:
        """The leader takes back the weight of its i-th message (and stays as active as it was)."""
        box = s.msgs[LEADER]
        if i >= len(box):
            return None
        return s._replace(
            weight=put(s.weight, LEADER, s.weight[LEADER] + box[i]), msgs=put(s.msgs, LEADER, box[:i] + box[i + 1 :])
        )

    def constraint(self, s: State) -> bool:
        """StateConstraint: the weights do not halve towards infinity."""
        return all(w.denominator <= self.max_den for w in s.weight)

    # -- properties -------------------------------------------------------------------------------
    @staticmethod
    def terminationDetected(s: State) -> bool:
        return not s.active[LEADER] and s.weight[LEADER] == ONE

    @staticmethod
    def terminated(s: State) -> bool:
        return not any(s.active) and not any(s.msgs)

    @invariant
    def TypeOK(self, s: State) -> bool:
        """Weights are dyadic rationals, and those of the processes and the messages sum to 1."""
        every = list(s.weight) + [w for box in s.msgs for w in box]
        return (
            all(isinstance(a, bool) for a in s.active)
            and all(isinstance(w, Fraction) and w >= 0 and w.denominator & (w.denominator - 1) == 0 for w in every)
            and sum(every, ZERO) == ONE
        )

    @invariant
    def Safe(self, s: State) -> bool:
        """[](TerminationDetected => []Terminated), as TerminationDetected => Terminated (see the module)."""
        return not self.terminationDetected(s) or self.terminated(s)

    def fairness(self) -> list:
        others = [p for p in self.Procs if p != LEADER]
        return [
            WF("RcvLdr"),
            WF("IdleLdr"),
            *(WF("RcvMsg", p=p) for p in others),
            *(WF("Idle", p=p) for p in others),
        ]

    def properties(self) -> dict:
        props = {"Live": LeadsTo(self.terminated, self.terminationDetected, "Terminated ~> TerminationDetected")}
        # Not in Huang.tla: properties that need the fairness (Live holds without it, since a
        # terminated state has all the weight back at the idle leader already).
        props["LeaderIdles"] = Eventually(lambda s: not s.active[LEADER], "<>~active[L]")
        for p in self.Procs:
            if p != LEADER:
                name = self.pname(p)
                props[f"Idles{name}"] = LeadsTo(
                    lambda s, p=p: s.active[p], lambda s, p=p: not s.active[p], f"active[{name}] ~> ~active[{name}]"
                )
        return props

    # -- symmetry: the processes besides the leader are interchangeable -----------------------------
    def symmetric_sets(self) -> dict[str, int]:
        return {"Others": len(self.Procs) - 1}

    def permute(self, s: State, perm: Any) -> State:
        pi = (LEADER,) + tuple(1 + j for j in perm["Others"])  # pi[p]: p's new name
        n = len(self.Procs)
        active, weight, msgs = [False] * n, [ZERO] * n, [()] * n
        for p in self.Procs:
            active[pi[p]], weight[pi[p]], msgs[pi[p]] = s.active[p], s.weight[p], s.msgs[p]
        return State(tuple(active), tuple(weight), tuple(msgs))

    # -- refinement -------------------------------------------------------------------------------
    @refines(Detection)
    def as_detection(self) -> tuple[Detection, Any]:
        """terminated and detected are Huang's Terminated and TerminationDetected."""
        return Detection(), lambda s: DetectionState(self.terminated(s), self.terminationDetected(s))

    # -- how states read --------------------------------------------------------------------------
    def show_state(self, s: State) -> dict[str, Any]:
        return {
            "active": {self.pname(p): s.active[p] for p in self.Procs},
            "weight": {self.pname(p): show_weight(s.weight[p]) for p in self.Procs},
            "msgs": {self.pname(p): tuple(show_weight(w) for w in s.msgs[p]) for p in self.Procs},
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return value + 1 if param == "i" else self.pname(value)

    def msc_nodes(self) -> list[str]:
        return [self.pname(p) for p in self.Procs]

    def msc_event(self, prev: State, label: Label, nxt: State) -> MscEvent:
        if label.name == "SendMsg":
            p, q = label.params
            return MscEvent(self.pname(p), (), (f"w {show_weight(nxt.msgs[q][-1])} to {self.pname(q)}",))
        if label.name in ("RcvMsg", "RcvLdr"):
            p, i = label.params if label.name == "RcvMsg" else (LEADER, label.params[0])
            return MscEvent(self.pname(p), (f"w {show_weight(prev.msgs[p][i])} to {self.pname(p)}",), ())
        if label.name == "Idle":
            p = label.params[0]
            thrown = nxt.msgs[LEADER][len(prev.msgs[LEADER]) :]  # none where the weight is lost (lost-weight)
            return MscEvent(self.pname(p), (), tuple(f"w {show_weight(w)} to L" for w in thrown))
        return MscEvent("L", (), ())


# -- planted bugs --------------------------------------------------------------------------------
class DuplicateWeight(Huang):
    """A sender keeps its whole weight and sends half as well: weight is made from nothing."""

    variant = "duplicate-weight"
    rule = "SendMsg leaves the sender's weight as it was"
    breaks = "TypeOK"
    failing_bounds = {"procs": 1, "max_den": 8}
    trace_length = 1

    def SendMsg(self, s: State, p: int, q: int) -> State | None:
        nxt = super().SendMsg(s, p, q)
        return None if nxt is None else nxt._replace(weight=s.weight)


class EarlyDetection(Huang):
    """Duplicated weight without TypeOK to catch it: the leader sees weight 1 while a message is in transit."""

    variant = "early-detection"
    rule = "SendMsg leaves the sender's weight as it was (TypeOK left out)"
    breaks = "Safe"
    failing_bounds = {"procs": 1, "max_den": 8}
    trace_length = 2

    def SendMsg(self, s: State, p: int, q: int) -> State | None:
        nxt = super().SendMsg(s, p, q)
        return None if nxt is None else nxt._replace(weight=s.weight)

    def TypeOK(self, s: State) -> bool:
        return True


class LostWeight(Huang):
    """An idle process drops its weight instead of throwing it back: termination is never detected."""

    variant = "lost-weight"
    rule = "Idle sets the weight to zero without sending it to the leader"
    breaks = "TypeOK"
    failing_bounds = {"procs": 1, "max_den": 8}
    trace_length = 3

    def Idle(self, s: State, p: int) -> State | None:
        nxt = super().Idle(s, p)
        return None if nxt is None else nxt._replace(msgs=s.msgs)


class LazyLeader(Huang):
    """The leader need never go idle: no weak fairness on IdleLdr."""

    variant = "lazy-leader"
    rule = "no WF(IdleLdr)"
    breaks = "LeaderIdles"
    failing_bounds = {"procs": 1, "max_den": 8}
    trace_length = 0

    def fairness(self) -> list:
        return [f for f in super().fairness() if f.actions != ("IdleLdr",)]
