"""Peterson's mutual exclusion for two processes, written from docs/writing-a-spec.md alone (quality2).

The TLA+ text it follows (one process step per line of the algorithm; `turn` starts at either process):

    Init == flag = [i \\in Proc |-> FALSE] /\\ turn \\in Proc /\\ pc = [i \\in Proc |-> "a1"]
    a1(p) == pc[p] = "a1" /\\ flag' = [flag EXCEPT ![p] = TRUE] /\\ pc' = [pc EXCEPT ![p] = "a2"] ...
    a2(p) == pc[p] = "a2" /\\ turn' = 1 - p /\\ pc' = [pc EXCEPT ![p] = "a3"] ...
    a3(p) == pc[p] = "a3" /\\ (flag[1 - p] = FALSE \\/ turn = p) /\\ pc' = [pc EXCEPT ![p] = "cs"] ...
    cs(p) == pc[p] = "cs" /\\ pc' = [pc EXCEPT ![p] = "a4"] ...
    a4(p) == pc[p] = "a4" /\\ flag' = [flag EXCEPT ![p] = FALSE] /\\ pc' = [pc EXCEPT ![p] = "a1"] ...
    Spec == Init /\\ [][\\E p \\in Proc : proc(p)]_vars /\\ \\A p \\in Proc : WF_vars(proc(p))

The module is tests/user_specs/Peterson.tla (with Peterson.cfg). TLC 2.20 on it: 26 distinct states, 46
generated, depth 7, MutualExclusion and StarvationFree hold; tests/test_user_peterson.py checks paxraft's.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from abstract_lock import FREE, Lock, LockState

from spec.core import WF, Label, LeadsTo, MscEvent, Spec, action, explains, invariant, refines, witness

A1, A2, A3, CS, A4 = range(5)
PC = ("a1", "a2", "a3", "cs", "a4")
FLAG_DOWN, MY_TURN = range(2)  # a3's disjuncts: TLC takes one step per disjunct that holds
WHY = ("flag down", "my turn")


class PState(NamedTuple):
    flag: tuple[bool, bool]
    turn: int
    pc: tuple[int, int]


def put(t: tuple, i: int, x: Any) -> tuple:
    """[t EXCEPT ![i] = x]"""
    return t[:i] + (x,) + t[i + 1 :]


class Peterson(Spec):
    """Peterson's algorithm: two processes, a flag each and a turn; at most one in its critical section."""

    variables = ("flag", "turn", "pc")

    def __init__(self) -> None:
        self.Proc = (0, 1)
        super().__init__()

    def init_states(self) -> list[PState]:
        """Init: flags down, turn \\in Proc, both processes at a1."""
        return [PState((False, False), t, (A1, A1)) for t in self.Proc]

    def each_proc(self, s: PState) -> list[tuple[int]]:
        return [(p,) for p in self.Proc]

    @action(each_proc)
    def a1(self, s: PState, p: int) -> PState | None:
        if s.pc[p] != A1:
            return None
        return s._replace(flag=put(s.flag, p, True), pc=put(s.pc, p, A2))

    @action(each_proc)
    def a2(self, s: PState, p: int) -> PState | None:
        if s.pc[p] != A2:
            return None
        return s._replace(turn=1 - p, pc=put(s.pc, p, A3))

    @action(lambda self, s: [(p, why) for p in self.Proc for why in (FLAG_DOWN, MY_TURN)])
    def a3(self, s: PState, p: int, why: int) -> PState | None:
        """await ~flag[1 - p] \\/ turn = p: the disjunct is a parameter, so the states generated are TLC's."""
        if s.pc[p] != A3:
            return None
        if (why == FLAG_DOWN and not s.flag[1 - p]) or (why == MY_TURN and s.turn == p):
            return s._replace(pc=put(s.pc, p, CS))
        return None

    @action(each_proc)
    def cs(self, s: PState, p: int) -> PState | None:
        if s.pc[p] != CS:
            return None
        return s._replace(pc=put(s.pc, p, A4))

    @action(each_proc)
    def a4(self, s: PState, p: int) -> PState | None:
        if s.pc[p] != A4:
            return None
        return s._replace(flag=put(s.flag, p, False), pc=put(s.pc, p, A1))

    @invariant
    def TypeOK(self, s: PState) -> bool:
        return s.turn in self.Proc and all(isinstance(f, bool) for f in s.flag) and all(0 <= x < 5 for x in s.pc)

    @invariant
    def MutualExclusion(self, s: PState) -> bool:
        """At most one process is in its critical section."""
        return s.pc != (CS, CS)

    @explains("MutualExclusion")
    def why_both(self, s: PState) -> str:
        return f"p1 and p2 are both in cs; turn = p{s.turn + 1}"

    @witness
    def BothTrying(self, s: PState) -> bool:
        """Both processes wait at a3 at once: the case the turn variable decides."""
        return s.pc == (A3, A3)

    def fairness(self) -> list:
        """\\A p \\in Proc : WF_vars(proc(p))."""
        return [WF("a1", "a2", "a3", "cs", "a4", p=p) for p in self.Proc]

    def properties(self) -> dict:
        return {
            f"StarvationFree(p{p + 1})": LeadsTo(lambda s, p=p: s.pc[p] == A2, lambda s, p=p: s.pc[p] == CS,
                                                 f"pc[p{p + 1}] = a2 ~> pc[p{p + 1}] = cs")
            for p in self.Proc
        }

    @refines(Lock)
    def as_lock(self) -> tuple[Lock, Any]:
        """The abstract lock over the two processes: its holder is the process in cs."""
        return Lock(2), lambda s: LockState(s.pc.index(CS) if CS in s.pc else FREE)

    def show_state(self, s: PState) -> dict[str, Any]:
        return {
            "flag": {f"p{p + 1}": s.flag[p] for p in self.Proc},
            "turn": f"p{s.turn + 1}",
            "pc": {f"p{p + 1}": PC[s.pc[p]] for p in self.Proc},
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        if param == "why":
            return WHY[value]
        return f"p{value + 1}"

    def msc_nodes(self) -> list[str]:
        return ["p1", "p2"]

    def msc_event(self, prev: PState, label: Label, nxt: PState) -> MscEvent:
        return MscEvent(f"p{label.params[0] + 1}", (), ())


class TurnFirst(Peterson):
    """A process gives the turn away before raising its flag: the classic misordering."""

    variant = "turn-first"
    rule = "a1 sets turn and a2 raises the flag (the two writes swapped)"
    breaks = "MutualExclusion"
    failing_bounds: dict[str, Any] = {}
    trace_length = 6

    def a1(self, s: PState, p: int) -> PState | None:
        if s.pc[p] != A1:
            return None
        return s._replace(turn=1 - p, pc=put(s.pc, p, A2))

    def a2(self, s: PState, p: int) -> PState | None:
        if s.pc[p] != A2:
            return None
        return s._replace(flag=put(s.flag, p, True), pc=put(s.pc, p, A3))
