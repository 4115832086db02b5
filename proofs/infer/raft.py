"""What ``paxraft infer raft`` infers over: the coarse Raft proof model's signature, templates and samples.

The signature is the encoding's (``proofs/raft/encoding.py``): its state relations, the term
and index orders, the index successor, quorum membership and the constants
``TermZero``/``IndexZero``. Samples are the states the explicit checker reaches in
``spec/raft.py`` (with its elections history) at small bounds, mapped by the abstraction the
conformance check uses (``proofs/raft/instance.py``). The target is election safety
(ElectionSafety and OneLeaderPerTerm); no conjunct of the hand-written invariant is an input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import z3

from proofs.infer import language
from proofs.infer.enumerate import canonical_key
from proofs.infer.language import Atom, Clause, Definition, Literal, Signature
from proofs.infer.pipeline import Problem, describe_bounds
from proofs.infer.samples import Samples, tabulate
from proofs.infer.system import System, Transition
from proofs.infer.templates import Template
from proofs.raft.encoding import RaftEncoding, RaftZ3State
from proofs.raft.instance import RaftInstance
from spec.behaviour import reachable

#: The properties inferred for: the elections history has one leader per term, and so do the servers.
TARGETS = ("ElectionSafety", "OneLeaderPerTerm")
#: Explicit-checker bounds whose reachable states are samples: (bounds, actions left out, every k-th state kept).
#: Two servers and three terms, every state (about 29,000; order facts across terms); three servers
#: (quorums that differ, elections lost), breadth first without the network's loss and duplication,
#: Restart and heartbeats, every 8th state (the whole set, about 176,000 states, is too many rows).
#: Logs stay empty: election safety does not read them, and a log action preserves a clause without them.
BOUNDS: tuple[tuple[dict[str, int], tuple[str, ...], int], ...] = (
    ({"servers": 2, "values": 1, "max_term": 3, "max_log": 0}, (), 1),
    (
        {"servers": 3, "values": 1, "max_term": 2, "max_log": 0},
        ("DuplicateMessage", "DropMessage", "Restart", "AppendEntries"),
        8,
    ),
)
#: Universal clauses over three servers and a term (up to four literals) and over two servers and two
#: terms (up to three); forall-exists clauses over a term and a quorum, with "some member y of the quorum"
#: and up to two more literals (no universal server: a witness that depends on a server is a Node -> Node
#: Skolem function, out of EPR, and Z3 may not come back).
TEMPLATES: tuple[Template, ...] = (
    Template((("N1", "Node"), ("N2", "Node"), ("N3", "Node"), ("T1", "Term")), 4, rigid_last=False),
    Template((("N1", "Node"), ("N2", "Node"), ("T1", "Term"), ("T2", "Term")), 3, rigid_last=False),
    Template((("T1", "Term"), ("Q", "Quorum")), 3, exists=("y", "Node"), guard="member"),
)
#: Houdini starts from the clauses of at most three literals (about 350). Election safety also needs one of
#: four ("an election vote of term t, by a server still in t, is its vote for t's leader"), but the 28,000
#: four-literal clauses true on the samples are too many to start with: each joins only as a support, to
#: exclude a counterexample.
HOUDINI_LITERALS = 3
#: A candidate Houdini drops comes back one literal weaker (if that holds in the counterexample), up to three:
#: three clauses election safety needs (TallyResp, EVTally, EVResp of tests/invariants/raft_election_hand.inv)
#: are not minimal on the samples; the pool has their two-literal forms, which the proof model breaks
#: (``proofs/infer/weaken.py``). The four-literal clause it also needs is minimal: it comes as a support.
WEAKEN_LITERALS = 3
#: Two derived relations (abbreviations, not conjuncts). ``tally(n, j, t)``: candidate n of term t has
#: tallied j's vote; without it the vote-uniqueness facts election safety needs are clauses of seven
#: literals (two candidates' tallies in one term never share a voter), beyond what enumeration reaches.
#: ``started(t)``: some leader was elected in term t; "an election vote of term t has its election" is
#: ``~electionVote(t,j) | started(t)``, which stays in EPR (the witness depends on t alone), where the
#: same fact as ``exists c. elected(t,c)`` under ``forall j`` would make a Node -> Node Skolem function.
DERIVED = {
    "tally": Definition(
        (("N", "Node"), ("J", "Node"), ("T", "Term")),
        (
            Literal(Atom("candidate", ("N",))),
            Literal(Atom("currentTerm", ("N", "T"))),
            Literal(Atom("votesGranted", ("N", "J"))),
        ),
    ),
    "started": Definition((("T", "Term"),), (Literal(Atom("elected", ("T", "C"))),), (("C", "Node"),)),
}
#: Catalog variants whose election safety fails within BOUNDS (infer stops at the reachable state).
VARIANTS = ("count-stale-votes", "volatile-term")
RIGID: dict[str, tuple[str, ...]] = {
    "leT": ("Term", "Term"),
    "leI": ("Index", "Index"),
    "succ": ("Index", "Index"),
    "member": ("Node", "Quorum"),
}


def signature(enc: RaftEncoding) -> Signature:
    """The encoding's vocabulary as clauses see it."""
    voc = enc.voc
    rigid = {name: getattr(voc, name) for name in RIGID}

    def symbol(name: str, state: Any) -> Any:
        return rigid[name] if name in rigid else state.rel[name]

    return Signature(
        sorts={s.name(): s for s in voc.sorts},
        constants={"TermZero": ("Term", voc.TermZero), "IndexZero": ("Index", voc.IndexZero)},
        relations={**RaftZ3State.SIGNATURE, **RIGID, **{n: tuple(s for _, s in d.params) for n, d in DERIVED.items()}},
        state_relations=frozenset(RaftZ3State.SIGNATURE) | frozenset(DERIVED),
        symbol=symbol,
        derived=DERIVED,
    )


def system(enc: RaftEncoding) -> System:
    """Init, the thirteen actions and election safety, over a pre and a post state."""
    pre, post = enc.state(""), enc.state("'")
    voc = enc.voc
    safety = enc.safety(pre)

    def symbols(state: Any) -> list[z3.FuncDeclRef]:
        rigid = [getattr(voc, name) for name in RIGID]
        return [state.rel[n] for n in RaftZ3State.SIGNATURE] + rigid + [voc.TermZero.decl(), voc.IndexZero.decl()]

    transitions = [Transition(a.name, a.formula) for a in enc.actions(pre, post)]
    return System.of(enc, signature(enc), pre, post, transitions, {n: safety[n] for n in TARGETS}, voc.sorts, symbols)


def sample_table(inst: RaftInstance, states: Sequence[Any], sig: Signature) -> Samples:
    """The states as the proof model's relations, through the conformance abstraction."""
    consts = {"TermZero": ("Term", 0), "IndexZero": ("Index", 0)}
    fixed = {name: inst.fixed[name] for name in RIGID}

    def symbols(s: Any) -> dict[str, Callable[..., bool]]:
        return {name: (lambda *args, t=tuples: args in t) for name, tuples in inst.relation_values(s).items()}

    return tabulate(states, inst.domains, consts, sig.relations, sig.state_relations, fixed, symbols, sig.derived)


def explored(
    cls: type, bounds: dict[str, int], without: tuple[str, ...], every: int, name: str
) -> tuple[Any, list, str]:
    """The spec, every ``every``-th reachable state (breadth first), and the first state breaking a target ("")."""
    spec = cls(**bounds)
    walk = spec.without(without) if without else spec
    states = []
    for k, (s, _inside, _succ) in enumerate(reachable(walk)):
        broken = [p for p in TARGETS if not getattr(spec, p)(s)]
        if broken:
            where = f"{name} ({describe(bounds, without)})"
            shown = "\n".join(f"  {var} = {val}" for var, val in spec.show_state(s).items())
            return spec, [], f"{broken[0]} fails on a reachable state of {where}:\n{shown}"
        if k % every == 0:
            states.append(s)
    return spec, states, ""


def describe(bounds: dict[str, int], without: tuple[str, ...] = (), every: int = 1) -> str:
    """``servers=3 ... without=Restart,... every 8th``."""
    text = describe_bounds(bounds) + (f" without={','.join(without)}" if without else "")
    return text + (f", every {every}th state" if every > 1 else "")


def problem(
    variant: str | None = None,
    bounds: Sequence[tuple[dict[str, int], tuple[str, ...], int]] = BOUNDS,
    templates: Sequence[Template] = TEMPLATES,
    houdini_literals: int = HOUDINI_LITERALS,
    weaken_literals: int | None = WEAKEN_LITERALS,
    given_supports: Sequence[Clause] | None = None,
) -> Problem:
    """``paxraft infer raft [--variant V]``: election safety over the coarse model, samples from the explicit spec.

    The proof model encodes raft.tla itself; a variant is only explored, and infer stops at the
    reachable state where its election safety fails (every listed variant has one within the bounds).
    ``given_supports``: only these of the longer candidates may join as supports (a check, not a result:
    ``benchmarks/proofs_bench.py --infer raft --given-support EVRecorded``); without them none joins, so
    the run ends (in about 85 CPU s) and says honestly that its invariant does not imply election safety.
    """
    from proofs.raft.cti import extract
    from spec.registry import spec_class

    cls = spec_class("raft", variant) if variant else spec_class("raft")
    enc = RaftEncoding()
    sys_ = system(enc)
    name = "raft" + (f"[{variant}]" if variant else "")

    def sample() -> tuple[list[Samples], str, str]:
        out, described = [], []
        for b, without, every in bounds:
            spec, states, violation = explored(cls, b, without, every, name)
            if violation:
                return [], "", violation
            out.append(sample_table(RaftInstance(spec), states, sys_.sig))
            described.append(f"{len(states):,} reachable states of raft ({describe(b, without, every)})")
        if variant:  # the proof model is raft.tla's: inferring over it would say nothing about the variant
            raise RuntimeError(f"no reachable state of {name} breaks {' or '.join(TARGETS)} within {bounds}")
        return out, "; ".join(described), ""

    problem = Problem(name, sys_, templates, sample, enc, extract, houdini_literals, weaken_literals)
    if given_supports is not None:
        keys = {canonical_key(c, t) for c in given_supports for t in templates}
        problem.may_support = lambda c: any(canonical_key(c, t) in keys for t in templates)
    else:  # every footprint support joining (about a thousand per round) reached no fixpoint in > 400 CPU s
        problem.may_support = lambda _c: False
    return problem


def read_invariant_file(path: str) -> dict[str, Clause]:
    """The conjuncts of an invariant file over the Raft signature (an InvariantSyntaxError names the line)."""
    return language.read_invariant_file(path, signature(RaftEncoding()))


class InferredRaftEncoding(RaftEncoding):
    """The coarse Raft encoding with its invariant read from a file (``prove raft --invariant``).

    Its safety is what infer targets (election safety): LogMatching needs conjuncts about logs.
    """

    def __init__(self, conjuncts: dict[str, Clause]) -> None:
        super().__init__()
        self.conjuncts = conjuncts
        self.sig = signature(self)

    def invariant(self, s: RaftZ3State) -> dict[str, z3.BoolRef]:
        """The file's conjuncts over state ``s``."""
        return {name: c.z3(self.sig, s) for name, c in self.conjuncts.items()}

    def safety(self, s: RaftZ3State) -> dict[str, z3.BoolRef]:
        """ElectionSafety and OneLeaderPerTerm."""
        props = super().safety(s)
        return {name: props[name] for name in TARGETS}
