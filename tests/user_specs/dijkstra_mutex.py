"""Dijkstra's 1965 mutual exclusion, as Lamport's PlusCal DijkstraMutex.tla in tlaplus/Examples
(specifications/dijkstra-mutex), written from docs/writing-a-spec.md and docs/checking.md alone (newuser26).

    paxraft check tests/user_specs/dijkstra_mutex.py:LSpec --procs 3 --liveness DeadlockFreedom

Each label of the PlusCal process is an action whose first parameter is the process (``self``); ``pc`` holds
label numbers. ``temp`` is a process's local variable: the model value ``defaultInitValue`` at first (``NONE``
here, an int no process is), a process at Li3a, a set of processes at Li4a. The module's two specifications
are two classes: :class:`DijkstraMutex` is ``Spec`` (weak fairness of each process's whole next-state action)
and :class:`LSpec` is ``LSpec``, whose ``WF_vars((pc[self] # "ncs") /\\ P(self))`` lets a process stay in its
non-critical section for ever: ``P(self)`` is a disjunction of one action per label, each guarded by
``pc[self]`` equal to its label, so the conjunction is ``P(self)`` without the ``ncs`` disjunct, which is a
family of actions ``WF`` names. The properties are the module's three, each ``\\A i \\in Proc : ...``, one entry
per process: DeadlockFree and DeadlockFreedom hold under either fairness and StarvationFree under neither.

TLC 2.20 (LSpec-model/MC.cfg is Proc = {p1, p2, p3}, LSpec, MutualExclusion, DeadlockFreedom):
2 processes 660 distinct states, 1,322 generated, depth 29; 3 processes 90,882 / 282,810 / 54.
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from spec.core import WF, LeadsTo, Spec, SpecError, action, invariant

LI0, LI1, LI2, LI3A, LI3B, LI3C, LI3D, LI4A, LI4B, CS, LI5, LI6, NCS = range(13)
PC = ("Li0", "Li1", "Li2", "Li3a", "Li3b", "Li3c", "Li3d", "Li4a", "Li4b", "cs", "Li5", "Li6", "ncs")
NONE = -1  # defaultInitValue, and Li4b's witness when temp[self] = {} (no \E j)


class DMState(NamedTuple):
    b: tuple[bool, ...]
    c: tuple[bool, ...]
    k: int
    pc: tuple[int, ...]
    temp: tuple[Any, ...]  # per process: NONE, a process (Li3a) or a frozenset of processes (Li4a)


def put(t: tuple, i: int, x: Any) -> tuple:
    """[t EXCEPT ![i] = x]"""
    return t[:i] + (x,) + t[i + 1 :]


class DijkstraMutex(Spec):
    """Dijkstra's mutual exclusion (CACM 1965), PlusCal by Lamport; Spec: WF of each process's next-state action."""

    variables = DMState._fields

    def __init__(self, procs: Annotated[int, "number of processes (Proc = p1..pN)"] = 2) -> None:
        if not isinstance(procs, int) or isinstance(procs, bool) or not 1 <= procs <= 9:
            raise SpecError(f"dijkstra mutex: --procs must be an integer in 1..9, got {procs!r}")
        self.Proc = tuple(range(procs))
        super().__init__()

    def init_states(self) -> list[DMState]:
        """b = c = [i \\in Proc |-> TRUE], k \\in Proc, temp = defaultInitValue, pc = "Li0"."""
        n = len(self.Proc)
        return [DMState((True,) * n, (True,) * n, k, (LI0,) * n, (NONE,) * n) for k in self.Proc]

    def each_proc(self, s: DMState) -> list[tuple[int]]:
        return [(p,) for p in self.Proc]

    def step(self, s: DMState, p: int, at: int, to: int, **changes: Any) -> DMState | None:
        """A label's step: enabled when pc[p] = at; pc[p] becomes ``to``, and the other variables ``changes``."""
        if s.pc[p] != at:
            return None
        return s._replace(pc=put(s.pc, p, to), **changes)

    @action(each_proc)
    def Li0(self, s: DMState, p: int) -> DMState | None:
        return self.step(s, p, LI0, LI1, b=put(s.b, p, False))

    @action(each_proc)
    def Li1(self, s: DMState, p: int) -> DMState | None:
        return self.step(s, p, LI1, LI2 if s.k != p else LI4A)

    @action(each_proc)
    def Li2(self, s: DMState, p: int) -> DMState | None:
        return self.step(s, p, LI2, LI3A, c=put(s.c, p, True))

    @action(each_proc)
    def Li3a(self, s: DMState, p: int) -> DMState | None:
        return self.step(s, p, LI3A, LI3B, temp=put(s.temp, p, s.k))

    @action(each_proc)
    def Li3b(self, s: DMState, p: int) -> DMState | None:
        if s.pc[p] != LI3B:
            return None
        return self.step(s, p, LI3B, LI3C if s.b[s.temp[p]] else LI3D)

    @action(each_proc)
    def Li3c(self, s: DMState, p: int) -> DMState | None:
        return self.step(s, p, LI3C, LI3D, k=p)

    @action(each_proc)
    def Li3d(self, s: DMState, p: int) -> DMState | None:
        return self.step(s, p, LI3D, LI1)

    @action(each_proc)
    def Li4a(self, s: DMState, p: int) -> DMState | None:
        others = frozenset(q for q in self.Proc if q != p)
        return self.step(s, p, LI4A, LI4B, c=put(s.c, p, False), temp=put(s.temp, p, others))

    def li4b_witnesses(self, s: DMState) -> list[tuple[int, int]]:
        """\\E j \\in temp[self] when temp[self] # {} (one step per j, as TLC counts), else one step (NONE)."""
        out = []
        for p in self.Proc:
            t = s.temp[p]
            if isinstance(t, frozenset):
                out += [(p, j) for j in t] if t else [(p, NONE)]
        return out

    @action(li4b_witnesses)
    def Li4b(self, s: DMState, p: int, j: int) -> DMState | None:
        if s.pc[p] != LI4B:
            return None
        rest = s.temp[p]
        if not rest:
            return self.step(s, p, LI4B, CS)
        if j not in rest:
            return None
        return self.step(s, p, LI4B, LI1 if not s.c[j] else LI4B, temp=put(s.temp, p, rest - {j}))

    @action(each_proc)
    def cs(self, s: DMState, p: int) -> DMState | None:
        return self.step(s, p, CS, LI5)

    @action(each_proc)
    def Li5(self, s: DMState, p: int) -> DMState | None:
        return self.step(s, p, LI5, LI6, c=put(s.c, p, True))

    @action(each_proc)
    def Li6(self, s: DMState, p: int) -> DMState | None:
        return self.step(s, p, LI6, NCS, b=put(s.b, p, True))

    @action(each_proc)
    def ncs(self, s: DMState, p: int) -> DMState | None:
        return self.step(s, p, NCS, LI0)

    @invariant
    def MutualExclusion(self, s: DMState) -> bool:
        """\\A i, j \\in Proc : (i # j) => ~(pc[i] = "cs" /\\ pc[j] = "cs")."""
        return s.pc.count(CS) <= 1

    def fairness(self) -> list:
        """Spec: \\A self \\in Proc : WF_vars(P(self))."""
        return [WF(*PC, p=p, text=f"WF_vars(P(p{p + 1}))") for p in self.Proc]

    def properties(self) -> dict:
        def some_cs(s: DMState) -> bool:
            return CS in s.pc

        props: dict = {}
        for i in self.Proc:
            n = f"p{i + 1}"
            props[f"DeadlockFree({n})"] = LeadsTo(lambda s, i=i: s.pc[i] == LI0, some_cs,
                                                  f'(pc[{n}] = "Li0") ~> (\\E j \\in Proc : pc[j] = "cs")')
            props[f"DeadlockFreedom({n})"] = LeadsTo(
                lambda s, i=i: s.pc[i] not in (LI5, LI6, NCS), some_cs,
                f'(pc[{n}] \\notin {{"Li5", "Li6", "ncs"}}) ~> (\\E j \\in Proc : pc[j] = "cs")')
            props[f"StarvationFree({n})"] = LeadsTo(lambda s, i=i: s.pc[i] == LI0, lambda s, i=i: s.pc[i] == CS,
                                                    f'(pc[{n}] = "Li0") ~> (pc[{n}] = "cs")')
        return props

    def show_state(self, s: DMState) -> dict[str, Any]:
        def name(p: int) -> str:
            return f"p{p + 1}"

        def temp(t: Any) -> Any:
            if isinstance(t, frozenset):
                return [name(q) for q in sorted(t)]
            return "defaultInitValue" if t == NONE else name(t)

        return {
            "b": {name(p): s.b[p] for p in self.Proc},
            "c": {name(p): s.c[p] for p in self.Proc},
            "k": name(s.k),
            "pc": {name(p): PC[s.pc[p]] for p in self.Proc},
            "temp": {name(p): temp(s.temp[p]) for p in self.Proc},
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return "none" if value == NONE else f"p{value + 1}"


class LSpec(DijkstraMutex):
    """Dijkstra's mutual exclusion under LSpec: a process may stay in its non-critical section for ever."""

    def fairness(self) -> list:
        """\\A self \\in Proc : WF_vars((pc[self] # "ncs") /\\ P(self)): P(self) without its ncs step."""
        return [WF(*(a for a in PC if a != "ncs"), p=p, text=f'WF_vars((pc[p{p + 1}] # "ncs") /\\ P(p{p + 1}))')
                for p in self.Proc]


class UnfairFirst(LSpec):
    """LSpec without p1's fairness: p1 may stop for ever at any label, even holding c[p1] = FALSE at Li4b."""

    variant = "unfair-first"
    rule = "no weak fairness for p1 (\\A self \\in Proc \\ {p1} : WF_vars(...))"
    breaks = "DeadlockFreedom"
    failing_bounds = {"procs": 2}
    trace_length = 10  # p1 stops at Li1, p2 loops Li3b..Li3a; TLC's lasso: 8 steps, then the same 5-step loop

    def fairness(self) -> list:
        return super().fairness()[1:]


class HolderMayStop(LSpec):
    """LSpec's fairness gated by k # self as well: the process k names may stop for ever, even at Li4b."""

    variant = "holder-may-stop"
    rule = 'a process holding k need not move: WF_vars((k # self) /\\ (pc[self] # "ncs") /\\ P(self))'
    breaks = "DeadlockFreedom"
    failing_bounds = {"procs": 2}
    trace_length = 10  # TLC's lasso: 8 steps, then the same 5-step loop

    def fairness(self) -> list:
        """A state predicate that is no label's guard: ``when`` (``WF_vars(P /\\ A)``), not a smaller family."""
        return [WF(*(a for a in PC if a != "ncs"), p=p, when=lambda s, p=p: s.k != p,
                   text=f'WF_vars((k # p{p + 1}) /\\ (pc[p{p + 1}] # "ncs") /\\ P(p{p + 1}))') for p in self.Proc]
