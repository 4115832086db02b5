"""Conformance: every step of ``spec/raft.py`` on a small instance is a step of the Z3 Raft model, or a stutter.

This is what keeps the proof of :mod:`proofs.raft.encoding` about the Raft the checker explores.
Breadth first over the spec's reachable states (within its state constraint, and the
successors that leave it), under the abstraction function of :mod:`proofs.raft.instance`:

1. every state's abstraction satisfies each conjunct of the Z3 invariant (and so, by
   ``Inv => Safety``, the proved properties);
2. every transition's abstraction is a stutter (the model does not see what changed) or
   satisfies the formula of the abstract action :func:`~proofs.raft.instance.abstract_steps`
   names for it, with every parameter bound.

Both evaluate the very formulas handed to Z3 (:mod:`proofs.evaluate`). Distinct abstract
states and abstract steps are checked once each.
"""

from __future__ import annotations

import time

from proofs.conformance import Report
from proofs.evaluate import compile_formula
from proofs.raft.encoding import RaftEncoding
from proofs.raft.instance import Abstract, RaftInstance
from spec.core import Label
from spec.raft import Raft


def check(
    spec: Raft,
    enc: RaftEncoding | None = None,
    max_failures: int = 20,
    instance: type[RaftInstance] = RaftInstance,
) -> Report:
    """Run both checks on every reachable state and transition of ``spec`` (stop after ``max_failures``).

    ``enc`` and ``instance``: the model and its abstraction function (Raft's coarse model by default).
    """
    started = time.perf_counter()
    enc = enc or RaftEncoding()
    inst = instance(spec)
    pre, post = enc.state(""), enc.state("'")
    conjuncts = {k: compile_formula(f) for k, f in enc.invariant(pre).items()}
    formulas = {a.name: compile_formula(a.formula) for a in enc.actions(pre, post)}
    param_names = {a.name: [str(p) for p in a.params] for a in enc.actions(pre, post)}
    inv_seen: set[Abstract] = set()
    step_seen: dict[tuple, str | None] = {}
    rep = Report(abstract=True)

    def failures() -> int:
        return len(rep.invariant_failures) + len(rep.transition_failures)

    names = [a.name for a in spec.actions]
    for s, _inside, raw in inst.reachable():
        succ = [(Label(names[i], params), t) for i, params, t in raw]
        rep.states += 1
        a = inst.abstract(s)
        if a not in inv_seen:
            inv_seen.add(a)
            st = inst.structure({"": a})
            rep.invariant_failures += [(s, name) for name, holds in conjuncts.items() if not holds(st)]
        for label, t in succ:
            rep.transitions += 1
            b = inst.abstract(t)
            if a == b:
                rep.stutters += 1
                continue
            candidates = inst.steps(s, label)
            key = (a, b, tuple((n, tuple(sorted(ps.items()))) for n, ps in candidates))
            if key not in step_seen:
                step_seen[key] = next(
                    (
                        n
                        for n, ps in candidates
                        if set(ps) == set(param_names[n]) and formulas[n](inst.structure({"": a, "'": b}, ps))
                    ),
                    None,
                )
            found = step_seen[key]
            if found is None:
                rep.transition_failures.append((s, label, t))
            else:
                rep.by_action[found] += 1
        if failures() >= max_failures:
            break
    rep.abstract_states = len(inv_seen)
    rep.seconds = time.perf_counter() - started
    return rep
