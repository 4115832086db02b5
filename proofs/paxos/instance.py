"""A finite Paxos instance, as the explicit spec fixes it, seen two ways by the Z3 encoding.

- as a :class:`~proofs.evaluate.Structure`, so the encoding's formulas can be evaluated
  on the spec's states (acceptor ``i`` is ``i``, ballot -1 is ``NoBal``, value -1 is ``NoVal``);
- as Z3 facts: named elements, domain closure, the ballot order and quorum membership
  written out, and a state's relations as ground literals (for BMC and successor queries).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import z3

from proofs.evaluate import Structure
from proofs.paxos.encoding import ANY_TWO, PHASE1_PHASE2, PaxosEncoding, State
from spec.paxos import M1A, M1B, M2A, M2B, Paxos, PaxosState


def encoding_for(spec: Paxos, variant: str | None = None) -> PaxosEncoding:
    """The encoding matching a spec instance: its quorum system decides the quorum axiom."""
    axiom = ANY_TWO if spec.Quorum1 == spec.Quorum2 else PHASE1_PHASE2
    return PaxosEncoding(axiom, variant or "paxos", tuple(spec.persists) if spec.MaxRestarts else None)


class PaxosInstance:
    """The finite domains of one spec instance and their Z3 counterparts."""

    def __init__(self, spec: Paxos, enc: PaxosEncoding) -> None:
        self.spec, self.enc = spec, enc
        voc = enc.voc
        self.domains: dict[str, list[int]] = {
            "Acc": list(spec.Acceptor),
            "Bal": [-1, *spec.Ballot],
            "Val": [-1, *spec.Value],
            voc.Quorum1.name(): list(range(len(spec.Quorum1))),
            voc.Quorum2.name(): list(range(len(spec.Quorum2))),
        }
        self.sorts = {"Acc": voc.Acc, "Bal": voc.Bal, "Val": voc.Val, voc.Quorum1.name(): voc.Quorum1}
        self.sorts[voc.Quorum2.name()] = voc.Quorum2
        # Z3 constants naming each element, e.g. Acc!0, Bal!-1.
        self.elem = {
            name: {i: z3.Const(f"{name}!{i}", self.sorts[name]) for i in dom} for name, dom in self.domains.items()
        }

    # -- as a finite structure -------------------------------------------------------
    def fixed_symbols(self) -> dict[str, Any]:
        """The rigid symbols: order, membership, the None constants."""
        voc, spec = self.enc.voc, self.spec
        q1, q2 = spec.Quorum1, spec.Quorum2
        out: dict[str, Any] = {"le": lambda x, y: x <= y, "NoBal": -1, "NoVal": -1}
        out[voc.member1.name()] = lambda a, q: a in q1[q]
        out[voc.member2.name()] = lambda a, q: a in q2[q]
        return out

    @staticmethod
    def state_symbols(s: PaxosState, tag: str) -> dict[str, Callable[..., bool]]:
        """The encoding's relations of one state (with the ghost ``left``), as Python predicates."""
        msgs = s.msgs
        maxBal, maxVBal, maxVal = s.maxBal, s.maxVBal, s.maxVal
        return {
            "maxBal" + tag: lambda a, b: maxBal[a] == b,
            "left" + tag: lambda a, c: c < maxBal[a],
            "maxVBal" + tag: lambda a, b: maxVBal[a] == b,
            "maxVal" + tag: lambda a, v: maxVal[a] == v,
            "msg1a" + tag: lambda b: (M1A, b) in msgs,
            "msg1b" + tag: lambda a, b, x, v: (M1B, a, b, x, v) in msgs,
            "msg2a" + tag: lambda b, v: (M2A, b, v) in msgs,
            "msg2b" + tag: lambda a, b, v: (M2B, a, b, v) in msgs,
        }

    def structure(self, states: dict[str, PaxosState], params: dict[str, int] | None = None) -> Structure:
        """A structure interpreting the rigid symbols, the states' relations (by tag) and free parameters."""
        symbols = self.fixed_symbols()
        for tag, s in states.items():
            symbols.update(self.state_symbols(s, tag))
        symbols.update(params or {})
        return Structure(self.domains, symbols)

    # -- as Z3 facts ---------------------------------------------------------------------
    def elements(self) -> dict[str, list[z3.ExprRef]]:
        """Sort name -> the Z3 constants naming its elements (what quantifiers are grounded over)."""
        return {name: list(consts.values()) for name, consts in self.elem.items()}

    def facts(self, quantified_closure: bool = True) -> list[z3.BoolRef]:
        """Distinct named elements, domain closure (unless grounding), and the rigid symbols written out."""
        voc, spec = self.enc.voc, self.spec
        out: list[z3.BoolRef] = []
        for name, consts in self.elem.items():
            if name == "Quorum2" and voc.Quorum2.eq(voc.Quorum1):
                continue
            elems = list(consts.values())
            if len(elems) > 1:
                out.append(z3.Distinct(*elems))
            if quantified_closure:
                x = z3.Const(f"{name}!any", self.sorts[name])
                out.append(z3.ForAll([x], z3.Or([x == e for e in elems])))
        B, A, V = self.elem["Bal"], self.elem["Acc"], self.elem["Val"]
        out += [voc.NoBal == B[-1], voc.NoVal == V[-1]]
        out += [voc.le(B[i], B[j]) == z3.BoolVal(i <= j) for i in B for j in B]
        for member, qs, qname in (
            (voc.member1, spec.Quorum1, voc.Quorum1.name()),
            (voc.member2, spec.Quorum2, voc.Quorum2.name()),
        ):
            Q = self.elem[qname]
            out += [member(A[a], Q[k]) == z3.BoolVal(a in q) for k, q in enumerate(qs) for a in A]
        return out

    def state_literals(self, st: State, s: PaxosState) -> list[z3.BoolRef]:
        """Every atom of the state's relations, true or false, as in ``s``."""
        preds = self.state_symbols(s, "")
        out = []
        for name, sorts in State.SIGNATURE.items():
            rel, pred = getattr(st, name), preds[name]
            for combo in itertools.product(*[self.domains[srt] for srt in sorts]):
                atom = rel(*[self.elem[srt][v] for srt, v in zip(sorts, combo)])
                out.append(atom if pred(*combo) else z3.Not(atom))
        return out

    def differs(self, st: State, s: PaxosState) -> z3.BoolRef:
        """The Z3 state ``st`` is not the spec state ``s`` (some atom differs)."""
        return z3.Not(z3.And(self.state_literals(st, s)))

    def read_state(self, model: z3.ModelRef, st: State) -> PaxosState:
        """The spec state a model gives the relations of ``st`` (assumes they are functions where they should be)."""
        A, B, V = self.elem["Acc"], self.elem["Bal"], self.elem["Val"]

        def holds(f: z3.FuncDeclRef, *args: z3.ExprRef) -> bool:
            return z3.is_true(model.eval(f(*args), model_completion=True))

        def fun(rel: z3.FuncDeclRef, rng: dict[int, z3.ExprRef]) -> tuple[int, ...]:
            return tuple(next((i for i, e in rng.items() if holds(rel, A[a], e)), -1) for a in A)

        msgs: set[tuple[int, ...]] = {(M1A, b) for b in B if holds(st.msg1a, B[b])}
        msgs |= {
            (M1B, a, b, x, v) for a, b, x, v in itertools.product(A, B, B, V) if holds(st.msg1b, A[a], B[b], B[x], V[v])
        }
        msgs |= {(M2A, b, v) for b, v in itertools.product(B, V) if holds(st.msg2a, B[b], V[v])}
        msgs |= {(M2B, a, b, v) for a, b, v in itertools.product(A, B, V) if holds(st.msg2b, A[a], B[b], V[v])}
        return PaxosState(fun(st.maxBal, B), fun(st.maxVBal, B), fun(st.maxVal, V), frozenset(msgs))
