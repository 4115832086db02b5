"""What ``paxraft infer paxos`` infers over: the Paxos proof model's signature, templates and samples.

The signature is the encoding's (``proofs/paxos/encoding.py``): its state relations, the ballot
order ``le``, quorum membership and the constants ``NoBal``/``NoVal``. Samples are the states
the explicit checker reaches in ``spec/paxos.py`` at small bounds, mapped by the instance the
conformance check uses. No conjunct of the hand-written invariant is an input.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import z3

from proofs.infer import language
from proofs.infer.language import Clause, Signature
from proofs.infer.pipeline import Problem, describe_bounds
from proofs.infer.samples import Samples, tabulate
from proofs.infer.system import System, Transition
from proofs.infer.templates import Template
from proofs.paxos.cti import extract
from proofs.paxos.encoding import BASE, PaxosEncoding, State
from proofs.paxos.instance import PaxosInstance, encoding_for
from spec.behaviour import reachable
from spec.paxos import NONE

#: Explicit-checker bounds whose reachable states are all samples (breadth first) ...
BOUNDS: tuple[dict[str, int], ...] = (
    {"acceptors": 3, "values": 2, "max_ballot": 1},  # three acceptors: quorums that differ
    {"acceptors": 2, "values": 2, "max_ballot": 2},  # three ballots
    {"acceptors": 2, "values": 1, "max_ballot": 3},  # four ballots: order facts that hold only below four go
)
#: ... and bounds too large to explore whole, sampled by seeded random walks: (bounds, walks, steps).
WALKS: tuple[tuple[dict[str, int], int, int], ...] = ()

#: Universal clauses over one acceptor, three ballots and two values; forall-exists clauses over two
#: ballots, two values and a quorum, with "some member y of the quorum" and up to two more literals.
TEMPLATES: tuple[Template, ...] = (
    Template((("A", "Acc"), ("B1", "Bal"), ("B2", "Bal"), ("B3", "Bal"), ("V1", "Val"), ("V2", "Val")), 4),
    Template(
        (("B1", "Bal"), ("B2", "Bal"), ("V1", "Val"), ("V2", "Val"), ("Q", "Quorum")),
        4,
        exists=("y", "Acc"),
        guard="member",
    ),
)


def signature(enc: PaxosEncoding) -> Signature:
    """The encoding's vocabulary as clauses see it (one quorum sort: Paxos.tla's any-two axiom)."""
    voc = enc.voc
    relations: dict[str, tuple[str, ...]] = dict(State.SIGNATURE)
    relations["le"] = ("Bal", "Bal")
    relations[voc.member1.name()] = ("Acc", voc.Quorum1.name())
    rigid = {"le": voc.le, voc.member1.name(): voc.member1}

    def symbol(name: str, state: Any) -> Any:
        return rigid[name] if name in rigid else getattr(state, name)

    return Signature(
        sorts={"Acc": voc.Acc, "Bal": voc.Bal, "Val": voc.Val, voc.Quorum1.name(): voc.Quorum1},
        constants={"NoBal": ("Bal", voc.NoBal), "NoVal": ("Val", voc.NoVal)},
        relations=relations,
        state_relations=frozenset(State.SIGNATURE),
        symbol=symbol,
    )


def system(enc: PaxosEncoding) -> System:
    """Init, the actions (Phase2a in the EPR form its lemma justifies) and Agreement, over a pre and post state."""
    pre, post = enc.state(""), enc.state("'")
    voc = enc.voc
    transitions = []
    for act in enc.actions(pre, post):
        if act.name == "Phase2a":
            act = enc.phase2a(pre, post, quorum_meets=True)
        transitions.append(Transition(act.name, act.formula))
    sorts = [voc.Acc, voc.Bal, voc.Val, voc.Quorum1]

    def symbols(state: Any) -> list[z3.FuncDeclRef]:
        return [state.rel[n] for n in State.SIGNATURE] + [voc.le, voc.member1, voc.NoBal.decl(), voc.NoVal.decl()]

    return System.of(enc, signature(enc), pre, post, transitions, {"Agreement": enc.agreement(pre)}, sorts, symbols)


def explored(
    spec_cls: type,
    bounds: Sequence[dict[str, int]],
    walks: Sequence[tuple[dict[str, int], int, int]] = (),
    seed: int = 0,
) -> list[tuple[PaxosInstance, list]]:
    """For each bounds: the instance and its reachable states (all of them, or those random walks visit)."""
    out = []
    for b in bounds:
        spec = spec_cls(**b)
        out.append((PaxosInstance(spec, encoding_for(spec)), [s for s, _inside, _succ in reachable(spec)]))
    for b, n, steps in walks:
        spec = spec_cls(**b)
        out.append((PaxosInstance(spec, encoding_for(spec)), random_walks(spec, n, steps, seed)))
    return out


def random_walks(spec: Any, walks: int, steps: int, seed: int) -> list:
    """The distinct states ``walks`` seeded random runs of up to ``steps`` steps visit (same seed, same states)."""
    rng = random.Random(seed)
    inits = list(spec.init_states())
    seen: dict[Any, None] = {}
    for _ in range(walks):
        s = rng.choice(inits)
        seen.setdefault(s, None)
        for _ in range(steps):
            succ = [t for _, _, t in spec.successors(s)]
            if not succ:
                break
            s = rng.choice(succ)
            seen.setdefault(s, None)
    return list(seen)


def sample_table(inst: PaxosInstance, states: Sequence[Any], sig: Signature) -> Samples:
    """The states as the proof model's relations, through the conformance abstraction."""
    consts = {"NoBal": ("Bal", NONE), "NoVal": ("Val", NONE)}
    return tabulate(states, inst.domains, consts, sig.relations, sig.state_relations, inst.fixed_symbols(),
                    lambda s: inst.state_symbols(s, ""))


def problem(variant: str | None = None, bounds: Sequence[dict[str, int]] = BOUNDS) -> Problem:
    """``paxraft infer paxos [--variant V]``: the encoding of that variant, samples from its explicit spec."""
    from spec.registry import spec_class

    cls = spec_class("paxos", variant) if variant else spec_class("paxos")
    enc = PaxosEncoding(variant=variant or BASE)
    sys_ = system(enc)
    sig = sys_.sig

    def sample() -> tuple[list[Samples], str, str]:
        out, described = [], []
        for inst, states in explored(cls, bounds, WALKS):
            spec = inst.spec
            for s in states:
                if not spec.Agreement(s):
                    where = f"paxos{f'[{variant}]' if variant else ''} ({describe_bounds(dict(spec.bounds()))})"
                    return [], "", f"Agreement fails on a reachable state of {where}: {spec.show_state(s)}"
            out.append(sample_table(inst, states, sig))
            described.append(f"{len(states):,} reachable states of paxos ({describe_bounds(dict(spec.bounds()))})")
        return out, "; ".join(described), ""

    return Problem("paxos" + (f"[{variant}]" if variant else ""), sys_, TEMPLATES, sample, enc, extract)


class InferredEncoding(PaxosEncoding):
    """The Paxos encoding with its invariant replaced by conjuncts read from a file (``prove paxos --invariant``)."""

    def __init__(self, conjuncts: dict[str, Clause], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conjuncts = conjuncts
        self.sig = signature(self)

    def invariant(self, s: State) -> dict[str, z3.BoolRef]:
        """The file's conjuncts over state ``s``."""
        return {name: c.z3(self.sig, s) for name, c in self.conjuncts.items()}


def read_invariant_file(path: str) -> dict[str, Clause]:
    """The conjuncts of an invariant file over the Paxos signature (an InvariantSyntaxError names the line)."""
    return language.read_invariant_file(path, signature(PaxosEncoding()))
