"""Conformance: the Z3 encoding and the explicit spec describe the same transition system on small instances.

Three checks tie the proof to the spec the checker explores:

1. every reachable state of the spec satisfies the encoding's invariant (each conjunct, and the
   typing facts the proof does not need);
2. every transition the spec takes satisfies the encoding's formula for the same action,
   with the label's parameters bound and the witnesses existentially quantified;
3. for sampled states, Z3 finds no successor (by any action) that the spec lacks.

Checks 1 and 2 evaluate the very Z3 formulas on the finite instance
(:mod:`proofs.evaluate`); check 3 asks Z3 itself, so it also confirms the evaluator.
"""

from __future__ import annotations

import time

import z3

from proofs.conformance import NextOracle, Report
from proofs.evaluate import compile_formula
from proofs.paxos.encoding import PaxosEncoding
from proofs.paxos.instance import PaxosInstance, encoding_for
from spec.behaviour import reachable
from spec.core import Label
from spec.paxos import Paxos, PaxosState


def check(spec: Paxos, enc: PaxosEncoding | None = None, sample_every: int = 0) -> Report:
    """Run the three checks on ``spec`` (Z3 successor queries on every ``sample_every``-th state; 0 = none)."""
    started = time.perf_counter()
    enc = enc or encoding_for(spec, spec.variant)
    inst = PaxosInstance(spec, enc)
    pre, post = enc.state(""), enc.state("'")
    conjuncts = {k: compile_formula(f) for k, f in {**enc.invariant(pre), **enc.typing(pre)}.items()}
    actions = {a.name: a for a in enc.actions(pre, post)}
    steps = {
        name: (compile_formula(z3.Exists(a.witnesses, a.formula) if a.witnesses else a.formula), a)
        for name, a in actions.items()
    }
    spec_actions = {a.name for a in spec.actions}
    missing = spec_actions - set(actions)
    if missing:
        raise ValueError(f"the encoding has no action {', '.join(sorted(missing))} of {spec.describe()}")
    rep = Report()
    oracle: SuccessorOracle | None = None
    names = [a.name for a in spec.actions]
    for n, (s, _inside, raw) in enumerate(reachable(spec)):
        succ = [(names[i], params, t) for i, params, t in raw]
        rep.states += 1
        st = inst.structure({"": s})
        for name, holds in conjuncts.items():
            if not holds(st):
                rep.invariant_failures.append((s, name))
        for name, params, t in succ:
            rep.transitions += 1
            holds, act = steps[name]
            bound = {str(p): v for p, v in zip(act.params, params)}
            if not holds(inst.structure({"": s, "'": t}, bound)):
                rep.transition_failures.append((s, Label(name, params), t))
        if sample_every and n % sample_every == 0:
            rep.sampled += 1
            oracle = oracle or SuccessorOracle(inst, enc)
            extra = oracle.successor(s, [t for _, _, t in succ])
            if extra is not None:
                rep.extra_successors.append((s, extra))
    rep.seconds = time.perf_counter() - started
    return rep


class SuccessorOracle(NextOracle):
    """Z3 asked for a successor of a given spec state outside a given set (Next grounded once, reused per state)."""

    def __init__(self, inst: PaxosInstance, enc: PaxosEncoding) -> None:
        self.inst = inst
        self.pre, self.post = enc.state(""), enc.state("'")
        super().__init__(inst.facts(quantified_closure=False), enc.actions(self.pre, self.post), inst.elements())

    def successor(self, s: PaxosState, known: list[PaxosState]) -> PaxosState | None:
        """A successor of ``s`` that is none of ``known``, or None when Z3 proves there is none."""
        model = self.extra(self.inst.state_literals(self.pre, s), [self.inst.differs(self.post, t) for t in set(known)],
                           str(s))
        return None if model is None else self.inst.read_state(model, self.post)
