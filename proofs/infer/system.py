"""The proof model infer works on (axioms, Init, actions, safety over a pre and a post state) and minimising.

Minimising keeps the conjuncts an unsat core needs for safety, then what each kept conjunct's
preservation by each action needs, until closed: the result is still inductive and still
implies safety, usually far smaller than what the selection gathered. A core may name a clause that
an instance of another kept one implies; it is dropped (the conjunction is the same formula). For a
user's encoding, each conjunct the others make redundant is then dropped, one at a time, by Z3.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import z3

from proofs.infer.language import Clause, Signature, drop_subsumed
from proofs.logic import solve


@dataclass
class Transition:
    """One action of the proof model as Houdini needs it."""

    name: str
    formula: z3.BoolRef


@dataclass
class System:
    """A proof model: its axioms, Init, actions and safety properties over a pre and a post state."""

    sig: Signature
    pre: object
    post: object
    axioms: list[z3.BoolRef]
    init: z3.BoolRef
    transitions: list[Transition]
    safety: dict[str, z3.BoolRef]
    sorts: Sequence[z3.SortRef]
    symbols: Callable[[object], list[z3.FuncDeclRef]]  # a state's relation symbols (and the rigid ones)

    @classmethod
    def of(
        cls,
        enc: Any,
        sig: Signature,
        pre: object,
        post: object,
        transitions: list[Transition],
        safety: dict[str, z3.BoolRef],
        sorts: Sequence[z3.SortRef],
        symbols: Callable[[object], list[z3.FuncDeclRef]],
    ) -> System:
        """The proof model of a Z3 encoding (paxos, raft) over two of its states: the vocabulary's axioms and
        the encoding's Init over ``pre``, with the rest as given."""
        return cls(sig, pre, post, [f for _, f in enc.voc.axioms()], enc.init(pre), transitions, safety, sorts, symbols)


def minimise(
    system: System, invariant: Sequence[Clause], timeout_ms: int = 60_000, drop_redundant: bool = False
) -> list[Clause]:
    """A subset of an inductive invariant that implies safety, closed under what inductiveness needs, with no
    conjunct an instance of another (:func:`drop_subsumed`); with ``drop_redundant``, none the rest make redundant
    (:func:`irredundant`)."""
    flags = [z3.Bool(f"keep!{i}") for i in range(len(invariant))]
    pre = [c.z3(system.sig, system.pre) for c in invariant]
    post = [c.z3(system.sig, system.post) for c in invariant]

    def core(extra: list[z3.BoolRef]) -> set[int]:
        s = z3.Solver()
        s.set(timeout=timeout_ms, unsat_core=True)
        s.add(*system.axioms, *extra)
        for f, p in zip(flags, pre):
            s.add(z3.Implies(f, p))
        if solve(s, *flags) != z3.unsat:
            return set(range(len(invariant)))  # keep everything rather than guess
        names = {str(x) for x in s.unsat_core()}
        return {i for i, f in enumerate(flags) if str(f) in names}

    needed: set[int] = set()
    queue: list[int] = []
    for goal in system.safety.values():
        for i in core([z3.Not(goal)]) - needed:
            needed.add(i)
            queue.append(i)
    while queue:
        i = queue.pop()
        for tr in system.transitions:
            for j in core([tr.formula, z3.Not(post[i])]) - needed:
                needed.add(j)
                queue.append(j)
        for j in core([system.init, z3.Not(pre[i])]) - needed:  # Init needs none, but be exact
            needed.add(j)
            queue.append(j)
    kept = drop_subsumed([c for i, c in enumerate(invariant) if i in needed])
    return irredundant(system, kept, timeout_ms) if drop_redundant else kept


def irredundant(system: System, invariant: Sequence[Clause], timeout_ms: int = 60_000) -> list[Clause]:
    """Each conjunct in turn dropped when the others still imply safety and are preserved by every action.

    An unsat core is a set of conjuncts that suffices, not a smallest one, and which one Z3 returns depends on
    what it solved before in the process: TwoPhase's invariant came out 11 conjuncts alone and 13 after other
    tests (two implied by the rest). A conjunct Init implies stays implied by it without the others."""
    kept = list(invariant)
    for c in list(invariant):
        rest = [d for d in kept if d is not c]
        if rest and _inductive(system, rest, timeout_ms):
            kept = rest
    return kept


def _inductive(system: System, invariant: Sequence[Clause], timeout_ms: int) -> bool:
    """Whether ``invariant`` implies safety and each action preserves it (an unknown is a no)."""
    pre = [c.z3(system.sig, system.pre) for c in invariant]
    post = z3.And([c.z3(system.sig, system.post) for c in invariant])
    goals = [z3.Not(g) for g in system.safety.values()]
    goals += [z3.And(tr.formula, z3.Not(post)) for tr in system.transitions]
    for goal in goals:
        s = z3.Solver()
        s.set(timeout=timeout_ms)
        s.add(*system.axioms, *pre, goal)
        if solve(s) != z3.unsat:
            return False
    return True
