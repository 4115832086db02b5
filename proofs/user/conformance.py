"""Conformance of a user's encoding: the explicit spec and the Z3 encoding agree on a finite instance.

Breadth first over the spec's reachable states, through the user's abstraction (``abstract``):

0. every initial state satisfies the encoding's ``init``, and Z3 finds no initial state of the
   encoding's that is none of the spec's;
1. every abstract state satisfies each invariant conjunct and each safety property;
2. every transition satisfies the formula of the encoding's action of the same name, the label's
   parameters bound and the witnesses existentially quantified, or is a stutter (the abstraction
   does not see it);
3. Z3, asked for a successor by the encoding's Next on the finite instance that is none of the spec's
   abstract successors (nor the state itself), finds none (every ``sample_every``-th state): an
   encoding that allows more than the spec (a guard too weak) is caught here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import z3

from proofs.conformance import NextOracle, Report, decided_model
from proofs.evaluate import compile_formula, ground
from proofs.user.encoding import Prepared
from proofs.user.instance import Instance, Tables
from spec.behaviour import reachable
from spec.core import Label


def check(prep: Prepared, spec: Any, sample_every: int = 1, max_failures: int = 20) -> Report:
    """The three checks on the instance ``spec``; ``sample_every`` 0 skips the Z3 successor queries."""
    started = time.perf_counter()
    inst = Instance(prep, spec)
    pre, post = prep.state(""), prep.state("'")
    goals = {**prep.invariant(pre), **prep.safety(pre)}
    conjuncts = {k: compile_formula(f) for k, f in goals.items()}
    acts = {a.name: a for a in prep.actions(pre, post)}
    formulas = {n: compile_formula(z3.Exists(a.witnesses, a.formula) if a.witnesses else a.formula)
                for n, a in acts.items()}
    rep = Report(abstract=True)
    names = [a.name for a in spec.actions]
    seen: set[Tables] = set()
    steps: dict[tuple, bool] = {}
    oracle = Successors(inst, prep) if sample_every else None
    # Init: each initial state satisfies the encoding's (else the proof is about other behaviours), and Z3
    # finds no initial state of the encoding that is none of the spec's (an Init too weak)
    init = compile_formula(prep.init(pre))
    starts = [(s, inst.abstract(s)) for s in spec.init_states()]
    rep.invariant_failures += [(s, "Init") for s, a in starts if not init(inst.structure({"": a}))]
    if oracle is not None:
        extra = oracle.extra_initial(prep, [a for _, a in starts])
        if extra is not None:
            rep.extra_successors.append((None, extra))
    for n, (s, _inside, raw) in enumerate(reachable(spec)):
        rep.states += 1
        a = inst.abstract(s)
        if a not in seen:
            seen.add(a)
            st = inst.structure({"": a})
            rep.invariant_failures += [(s, k) for k, holds in conjuncts.items() if not holds(st)]
        succ = []
        for i, params, t in raw:
            rep.transitions += 1
            b = inst.abstract(t)
            succ.append(b)
            act = acts[names[i]]
            sorts = [p.sort().name() for p in act.params]
            bound = inst.label(act.name, params, [str(p) for p in act.params], sorts)
            key = (act.name, a, b, tuple(sorted(bound.items())))
            if key not in steps:
                steps[key] = bool(formulas[act.name](inst.structure({"": a, "'": b}, bound)))
            if steps[key]:
                rep.by_action[act.name] += 1
            elif a == b:
                rep.stutters += 1
            else:
                rep.transition_failures.append((s, Label(names[i], params), t))
        if oracle is not None and n % sample_every == 0:
            rep.sampled += 1
            extra = oracle.successor(a, [a, *succ])
            if extra is not None:
                rep.extra_successors.append((s, extra))
        if rep.stop_at(max_failures):
            break
    rep.abstract_states = len(seen)
    rep.seconds = time.perf_counter() - started
    return rep


class Successors(NextOracle):
    """Z3 asked for an abstract successor of a state outside a given set (Next grounded once, reused)."""

    def __init__(self, inst: Instance, prep: Prepared) -> None:
        self.inst = inst
        self.pre, self.post = prep.state(""), prep.state("'")
        super().__init__([*inst.facts(), *inst.closure(self.post)], prep.actions(self.pre, self.post), inst.elements())

    def extra_initial(self, prep: Prepared, known: list[Tables]) -> Tables | None:
        """An initial state of the encoding that is none of ``known``, or None when Z3 proves there is none."""
        solver = z3.Solver()
        solver.set(timeout=30_000)
        st = prep.state("")
        solver.add(*self.inst.facts(), *self.inst.closure(st), ground(prep.init(st), self.inst.elements()))
        for b in set(known):
            solver.add(z3.Not(z3.And(self.inst.literals(st, b))))
        model = decided_model(solver, "the initial states")
        return None if model is None else self.inst.read(model, st)

    def successor(self, a: Tables, known: list[Tables]) -> Tables | None:
        """A successor of ``a`` that is none of ``known``, or None when Z3 proves there is none."""
        model = self.extra(self.inst.literals(self.pre, a),
                           [z3.Not(z3.And(self.inst.literals(self.post, b))) for b in set(known)], str(a))
        return None if model is None else self.inst.read(model, self.post)


def failures(rep: Report, inst: Instance, show: Callable[[Any], str], limit: int = 3) -> list[str]:
    """The first failures of each kind, one line each (``show`` reads a spec state)."""
    out = []
    for s, name in rep.invariant_failures[:limit]:
        if name == "Init":
            out.append(f"the spec's initial state {show(s)} does not satisfy the encoding's init")
        else:
            out.append(f"conjunct {name} is false on the reachable state {show(s)}")
    for s, label, _t in rep.transition_failures[:limit]:
        out.append(f"the spec's step {label} from {show(s)} does not satisfy the encoding's {label.name}")
    for s, extra in rep.extra_successors[:limit]:
        shown = ", ".join(f"{k} {v}" for k, v in inst.rows(extra))
        if s is None:
            out.append(f"the encoding's init allows {shown}, which is no initial state of the spec")
        else:
            out.append(f"from {show(s)} the encoding's Next reaches {shown}, which no step of the spec does")
    return out
