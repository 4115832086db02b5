"""Conformance: every step of ``spec/multipaxos.py`` on a small instance is a step of the Z3 model, or a stutter.

Breadth first over the spec's reachable states, under the abstraction of
:mod:`proofs.multipaxos.instance` (as Raft's, proofs/raft/conformance.py):

1. every state's abstraction satisfies each conjunct of the Z3 invariant;
2. every transition's abstraction is a stutter (the model does not see what changed: a commit
   at a follower, a client's request list, ...) or satisfies the formula of the model's action
   of the same name, with every parameter bound from the spec's state and label.

A catalog variant checked against the base encoding shows where it leaves the model: the first
failing transitions name the spec action (``Report.transition_failures``).
"""

from __future__ import annotations

import time

from proofs.conformance import Report
from proofs.evaluate import compile_formula
from proofs.multipaxos.encoding import MultiPaxosEncoding
from proofs.multipaxos.instance import Abstract, MultiPaxosInstance
from spec.behaviour import reachable
from spec.core import Label
from spec.multipaxos import MultiPaxos


def check(spec: MultiPaxos, enc: MultiPaxosEncoding | None = None, max_failures: int = 20) -> Report:
    """Run both checks on every reachable state and transition of ``spec`` (stop after ``max_failures``)."""
    started = time.perf_counter()
    enc = enc or MultiPaxosEncoding()
    inst = MultiPaxosInstance(spec)
    pre, post = enc.state(""), enc.state("'")
    conjuncts = {k: compile_formula(f) for k, f in enc.invariant(pre).items()}
    acts = enc.actions(pre, post)
    formulas = {a.name: compile_formula(a.formula) for a in acts}
    param_names = {a.name: {str(p) for p in a.params} for a in acts}
    inv_seen: set[Abstract] = set()
    step_seen: dict[tuple, bool] = {}
    rep = Report(abstract=True)
    names = [a.name for a in spec.actions]
    for s, _inside, raw in reachable(spec):
        rep.states += 1
        a = inst.abstract(s)
        if a not in inv_seen:
            inv_seen.add(a)
            st = inst.structure({"": a})
            rep.invariant_failures += [(s, name) for name, holds in conjuncts.items() if not holds(st)]
        for i, params, t in raw:
            rep.transitions += 1
            b = inst.abstract(t)
            if a == b:
                rep.stutters += 1
                continue
            label = Label(names[i], params)
            ok = False
            for name, bound in inst.steps(s, label, t):
                ps = {k: v for k, v in bound.items() if k in param_names.get(name, ()) and v is not None}
                if name not in formulas or set(ps) != param_names[name]:
                    continue
                key = (name, a, b, tuple(sorted(ps.items())))
                if key not in step_seen:
                    step_seen[key] = bool(formulas[name](inst.structure({"": a, "'": b}, ps)))
                if step_seen[key]:
                    ok = True
                    rep.by_action[name] += 1
                    break
            if not ok:
                rep.transition_failures.append((s, label, t))
        if len(rep.invariant_failures) + len(rep.transition_failures) >= max_failures:
            break
    rep.abstract_states = len(inv_seen)
    rep.seconds = time.perf_counter() - started
    return rep
