"""Paxos.tla in Z3: the spec's variables and actions over uninterpreted sorts, and its inductive invariant.

The encoding mirrors ``spec/paxos.py`` (Lamport's Paxos.tla) action by action, over
the sorts ``Acc``, ``Bal`` (with a total order ``le`` whose least element ``NoBal``
is the spec's -1), ``Val`` (with ``NoVal``, the spec's None) and quorum sorts with
membership relations, so a proof covers every number of acceptors, ballots and
values, finite or not. Every variable is a relation, never a function, so that the
queries stay in EPR (see :func:`proofs.logic.fragment`):

- ``maxBal(a, b)``, ``maxVBal(a, b)``, ``maxVal(a, v)``: the graphs of the spec's functions;
- ``left(a, c)``: ghost, "maxBal[a] > c" (Padon et al.'s left_rnd), kept in step with
  ``maxBal`` by every action, so "a has left ballot c" needs no quantifier over ballots;
- ``msg1a(b)``, ``msg1b(a, b, mbal, mval)``, ``msg2a(b, v)``, ``msg2b(a, b, v)``: the set ``msgs``.

Actions name the spec's label parameters first (``Phase2b(a, b, v)``), then the
witnesses the spec reads from the state (``maxBal[a]`` as ``x``, the quorum, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import z3

from proofs.logic import ActionEncoding, Obligation, inductive_obligations, total_order_axioms

#: Quorum axioms: Paxos.tla's (any two quorums meet), Flexible Paxos's (every phase-1
#: quorum meets every phase-2 quorum), and a broken one (only phase-2 quorums meet each other).
ANY_TWO, PHASE1_PHASE2, PHASE2_ONLY = "any-two", "phase1-phase2", "phase2-phase2"
QUORUM_AXIOMS = (ANY_TWO, PHASE1_PHASE2, PHASE2_ONLY)

BASE, IGNORE_VOTES = "paxos", "ignore-votes"
#: Encoded action variants: the spec's, and the catalog's ignore-votes (Phase2a skips the vote rule).
VARIANTS = (BASE, IGNORE_VOTES)
#: Catalog variants that change only what an acceptor keeps across Restart: encoded by the spec class's
#: ``persists`` (read from spec/paxos_variants.py, the one place that rule is stated), with Restart in Next.
RESTART_VARIANTS = ("volatile-promise", "amnesia")
#: An acceptor's variables, in the order Restart treats them (``left`` is the ghost that follows maxBal).
ACCEPTOR_VARIABLES = ("maxBal", "maxVBal", "maxVal")

ACTION_LABELS = {
    "Phase1a": ("b",),
    "Phase1b": ("a", "b"),
    "Phase2a": ("b", "v"),
    "Phase2b": ("a", "b", "v"),
    "Restart": ("a",),
}


class Vocabulary:
    """The sorts and the symbols no action changes: ballot order, quorum membership, None constants."""

    def __init__(self, quorum_axiom: str = ANY_TWO) -> None:
        if quorum_axiom not in QUORUM_AXIOMS:
            raise ValueError(f"unknown quorum axiom {quorum_axiom!r}; known: {', '.join(QUORUM_AXIOMS)}")
        self.quorum_axiom = quorum_axiom
        self.Acc = z3.DeclareSort("Acc")
        self.Bal = z3.DeclareSort("Bal")
        self.Val = z3.DeclareSort("Val")
        self.le = z3.Function("le", self.Bal, self.Bal, z3.BoolSort())
        self.NoBal = z3.Const("NoBal", self.Bal)
        self.NoVal = z3.Const("NoVal", self.Val)
        if quorum_axiom == ANY_TWO:
            self.Quorum1 = self.Quorum2 = z3.DeclareSort("Quorum")
            self.member1 = self.member2 = z3.Function("member", self.Acc, self.Quorum1, z3.BoolSort())
        else:
            self.Quorum1 = z3.DeclareSort("Quorum1")
            self.Quorum2 = z3.DeclareSort("Quorum2")
            self.member1 = z3.Function("member1", self.Acc, self.Quorum1, z3.BoolSort())
            self.member2 = z3.Function("member2", self.Acc, self.Quorum2, z3.BoolSort())

    def lt(self, x: z3.ExprRef, y: z3.ExprRef) -> z3.BoolRef:
        """Strictly below in the ballot order."""
        return z3.And(self.le(x, y), x != y)

    def axioms(self) -> list[tuple[str, z3.BoolRef]]:
        """Ballots are totally ordered with NoBal least; the quorum axiom chosen."""
        x = z3.Const("X", self.Bal)
        out = [(f"BallotOrder{i + 1}", ax) for i, ax in enumerate(total_order_axioms(self.le, self.Bal))]
        out.append(("NoBalLeast", z3.ForAll([x], self.le(self.NoBal, x))))
        a = z3.Const("A", self.Acc)
        for qs, member in ((self.Quorum1, self.member1), (self.Quorum2, self.member2)):
            q = z3.Const("Q", qs)
            out.append((f"{qs.name()}NonEmpty", z3.ForAll([q], z3.Exists([a], member(a, q)))))
            if qs.eq(self.Quorum2):
                break
        if self.quorum_axiom == ANY_TWO:
            q, r = z3.Consts("Q R", self.Quorum1)
            out.append(
                (
                    "QuorumIntersection",
                    z3.ForAll([q, r], z3.Exists([a], z3.And(self.member1(a, q), self.member1(a, r)))),
                )
            )
        elif self.quorum_axiom == PHASE1_PHASE2:
            q1, q2 = z3.Const("Q1", self.Quorum1), z3.Const("Q2", self.Quorum2)
            meet = z3.Exists([a], z3.And(self.member1(a, q1), self.member2(a, q2)))
            out.append(("Phase1MeetsPhase2", z3.ForAll([q1, q2], meet)))
        else:
            q, r = z3.Consts("Q R", self.Quorum2)
            meet = z3.Exists([a], z3.And(self.member2(a, q), self.member2(a, r)))
            out.append(("Phase2MeetsPhase2", z3.ForAll([q, r], meet)))
        return out


@dataclass
class State:
    """The relations of one state; ``tag`` tells copies apart (``''`` before a step, ``"'"`` after)."""

    voc: Vocabulary
    tag: str
    rel: dict[str, z3.FuncDeclRef] = field(default_factory=dict)

    #: name -> argument sorts (attribute names of Vocabulary), in the order of the spec's variables.
    SIGNATURE: ClassVar[dict[str, tuple[str, ...]]] = {
        "maxBal": ("Acc", "Bal"),
        "left": ("Acc", "Bal"),
        "maxVBal": ("Acc", "Bal"),
        "maxVal": ("Acc", "Val"),
        "msg1a": ("Bal",),
        "msg1b": ("Acc", "Bal", "Bal", "Val"),
        "msg2a": ("Bal", "Val"),
        "msg2b": ("Acc", "Bal", "Val"),
    }

    def __post_init__(self) -> None:
        for name, sorts in self.SIGNATURE.items():
            self.rel[name] = z3.Function(name + self.tag, *[getattr(self.voc, s) for s in sorts], z3.BoolSort())

    def __getattr__(self, name: str) -> z3.FuncDeclRef:
        rel = self.__dict__.get("rel", {})
        if name in rel:
            return rel[name]
        raise AttributeError(name)


def _vars(voc: Vocabulary, name: str, sort: str) -> tuple[z3.ExprRef, ...]:
    return z3.Consts(name, getattr(voc, sort))


def same(pre: State, post: State, *names: str) -> z3.BoolRef:
    """UNCHANGED: the named relations are equal in both states."""
    out = []
    for name in names:
        xs = [z3.Const(f"{name}_{i}", getattr(pre.voc, s)) for i, s in enumerate(pre.SIGNATURE[name])]
        out.append(z3.ForAll(xs, getattr(post, name)(*xs) == getattr(pre, name)(*xs)))
    return z3.And(out)


def add_tuple(pre: State, post: State, name: str, *tup: z3.ExprRef) -> z3.BoolRef:
    """``post.name = pre.name \\cup {tup}``."""
    xs = [z3.Const(f"{name}_{i}", getattr(pre.voc, s)) for i, s in enumerate(pre.SIGNATURE[name])]
    is_new = z3.And([x == t for x, t in zip(xs, tup)])
    return z3.ForAll(xs, getattr(post, name)(*xs) == z3.Or(getattr(pre, name)(*xs), is_new))


def set_acceptor(
    pre: State, post: State, name: str, a: z3.ExprRef, value: Callable[[z3.ExprRef], z3.BoolRef]
) -> z3.BoolRef:
    """``post.name = [pre.name EXCEPT ![a] = ...]`` for a relation over (Acc, X): row a becomes ``value``."""
    voc = pre.voc
    aa = z3.Const("A_", voc.Acc)
    x = z3.Const("X_", getattr(voc, State.SIGNATURE[name][1]))
    return z3.ForAll([aa, x], getattr(post, name)(aa, x) == z3.If(aa == a, value(x), getattr(pre, name)(aa, x)))


class PaxosEncoding:
    """Paxos.tla's Init, actions, invariant conjuncts and Agreement over the vocabulary."""

    def __init__(
        self, quorum_axiom: str = ANY_TWO, variant: str = BASE, persists: tuple[str, ...] | None = None
    ) -> None:
        """``persists``: None, no Restart in Next (Paxos.tla); else Restart(a), any number of times, keeping
        the named acceptor variables and resetting the others to their initial values."""
        if variant not in VARIANTS + RESTART_VARIANTS:
            raise ValueError(
                f"no Z3 encoding of variant {variant!r}; encoded: {', '.join(VARIANTS + RESTART_VARIANTS)}"
            )
        if variant in RESTART_VARIANTS and persists is None:
            raise ValueError(f"variant {variant!r} changes what Restart keeps: give its persisted variables")
        bad = set(persists or ()) - set(ACCEPTOR_VARIABLES)
        if bad:
            raise ValueError(f"persists names no acceptor variable: {', '.join(sorted(bad))}")
        self.voc = Vocabulary(quorum_axiom)
        self.variant = variant
        self.persists = persists

    def state(self, tag: str) -> State:
        """Fresh relations for one state."""
        return State(self.voc, tag)

    # -- Init and the actions ------------------------------------------------------
    def initially(self, name: str) -> Callable[[z3.ExprRef], z3.BoolRef]:
        """An acceptor variable's value in Init, as "y is it": maxBal and maxVBal -1 (NoBal), maxVal None
        (NoVal). Init and Restart (what an acceptor does not persist) both take it from here."""
        none = self.voc.NoVal if name == "maxVal" else self.voc.NoBal
        return lambda y: y == none

    def init(self, s: State) -> z3.BoolRef:
        """Init: every acceptor variable at its initial value (:meth:`initially`) everywhere, no messages."""
        v = self.voc
        a, b, c = z3.Const("A", v.Acc), z3.Const("B", v.Bal), z3.Const("C", v.Bal)
        x, y = z3.Const("V", v.Val), z3.Const("W", v.Val)
        return z3.And(
            z3.ForAll([a, b], s.maxBal(a, b) == self.initially("maxBal")(b)),
            z3.ForAll([a, b], z3.Not(s.left(a, b))),
            z3.ForAll([a, b], s.maxVBal(a, b) == self.initially("maxVBal")(b)),
            z3.ForAll([a, x], s.maxVal(a, x) == self.initially("maxVal")(x)),
            z3.ForAll([b], z3.Not(s.msg1a(b))),
            z3.ForAll([a, b, c, x], z3.Not(s.msg1b(a, b, c, x))),
            z3.ForAll([b, x], z3.Not(s.msg2a(b, x))),
            z3.ForAll([a, b, y], z3.Not(s.msg2b(a, b, y))),
        )

    def actions(self, pre: State, post: State) -> list[ActionEncoding]:
        """The four actions of Next, in the spec's order, and Restart when the model has crash-restarts."""
        acts = [self.phase1a(pre, post), self.phase1b(pre, post), self.phase2a(pre, post), self.phase2b(pre, post)]
        return acts + ([self.restart(pre, post)] if self.persists is not None else [])

    def restart(self, pre: State, post: State) -> ActionEncoding:
        """Restart(a): acceptor a keeps what it persists; the rest of its row is back to Init; msgs unchanged."""
        voc = self.voc
        a = z3.Const("a", voc.Acc)
        keep = set(self.persists or ())
        parts = [set_acceptor(pre, post, n, a, self.initially(n)) for n in ACCEPTOR_VARIABLES if n not in keep]
        if "maxBal" not in keep:  # the ghost follows maxBal: nothing is below NoBal
            parts.append(set_acceptor(pre, post, "left", a, lambda c: z3.BoolVal(False)))
        unchanged = [n for n in State.SIGNATURE if n not in ACCEPTOR_VARIABLES and n != "left"]
        unchanged += [n for n in ACCEPTOR_VARIABLES if n in keep] + (["left"] if "maxBal" in keep else [])
        return ActionEncoding("Restart", [a], 1, z3.And(*parts, same(pre, post, *unchanged)))

    def phase1a(self, pre: State, post: State) -> ActionEncoding:
        """Phase1a(b): send the 1a message of ballot b (resending is a stutter)."""
        b = z3.Const("b", self.voc.Bal)
        f = z3.And(b != self.voc.NoBal, add_tuple(pre, post, "msg1a", b), same(pre, post, *_except("msg1a")))
        return ActionEncoding("Phase1a", [b], 1, f)

    def phase1b(self, pre: State, post: State) -> ActionEncoding:
        """Phase1b(a, b): a answers 1a(b) for b > maxBal[a] (= x) and reports its vote (vb, vv)."""
        v = self.voc
        a, b, x, vb = z3.Const("a", v.Acc), z3.Const("b", v.Bal), z3.Const("x", v.Bal), z3.Const("vb", v.Bal)
        vv = z3.Const("vv", v.Val)
        f = z3.And(
            pre.msg1a(b),
            pre.maxBal(a, x),
            v.lt(x, b),
            pre.maxVBal(a, vb),
            pre.maxVal(a, vv),
            set_acceptor(pre, post, "maxBal", a, lambda y: y == b),
            set_acceptor(pre, post, "left", a, lambda c: v.lt(c, b)),
            add_tuple(pre, post, "msg1b", a, b, vb, vv),
            same(pre, post, *_except("maxBal", "left", "msg1b")),
        )
        return ActionEncoding("Phase1b", [a, b, x, vb, vv], 2, f)

    def phase2a(self, pre: State, post: State, quorum_meets: bool = False) -> ActionEncoding:
        """Phase2a(b, v): no 2a for b yet, and the 1b messages of phase-1 quorum q show v safe (top vote c).

        With ``quorum_meets`` the guard "every member of q sent a 1b for b" is replaced by its
        consequence "every phase-2 quorum has a member of q that sent one" (:meth:`quorum_reported`):
        the form the inductive step uses, because it keeps the query in EPR.
        """
        voc = self.voc
        b, c = z3.Const("b", voc.Bal), z3.Const("c", voc.Bal)
        val, q = z3.Const("v", voc.Val), z3.Const("q", voc.Quorum1)
        a, mb, mv, w = z3.Const("A", voc.Acc), z3.Const("MB", voc.Bal), z3.Const("MV", voc.Val), z3.Const("W", voc.Val)
        reported = self.quorum_reported(pre, q, b) if quorum_meets else self.all_reported(pre, q, b)
        guard = [b != voc.NoBal, val != voc.NoVal, z3.ForAll([w], z3.Not(pre.msg2a(b, w))), reported]
        if self.variant != IGNORE_VOTES:
            # v is the value of the highest-ballot vote the quorum reports (c), or none voted (c = NoBal).
            top = z3.Exists([a], z3.And(voc.member1(a, q), pre.msg1b(a, b, c, val)))
            guard += [
                z3.ForAll([a, mb, mv], z3.Implies(z3.And(voc.member1(a, q), pre.msg1b(a, b, mb, mv)), voc.le(mb, c))),
                z3.Or(c == voc.NoBal, top),
            ]
        f = z3.And(*guard, add_tuple(pre, post, "msg2a", b, val), same(pre, post, *_except("msg2a")))
        params = [b, val, q] + ([c] if self.variant != IGNORE_VOTES else [])
        return ActionEncoding("Phase2a", params, 2, f)

    def all_reported(self, s: State, q: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
        """Every member of phase-1 quorum q sent a 1b message for ballot b (the spec's guard)."""
        voc = self.voc
        a, mb, mv = z3.Const("A", voc.Acc), z3.Const("MB", voc.Bal), z3.Const("MV", voc.Val)
        return z3.ForAll([a], z3.Implies(voc.member1(a, q), z3.Exists([mb, mv], s.msg1b(a, b, mb, mv))))

    def quorum_reported(self, s: State, q: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
        """Every phase-2 quorum has a member of q that sent a 1b message for b."""
        voc = self.voc
        a, mb, mv, r = (
            z3.Const("A", voc.Acc),
            z3.Const("MB", voc.Bal),
            z3.Const("MV", voc.Val),
            z3.Const("R", voc.Quorum2),
        )
        meets = z3.And(voc.member1(a, q), voc.member2(a, r), s.msg1b(a, b, mb, mv))
        return z3.ForAll([r], z3.Exists([a, mb, mv], meets))

    def phase2b(self, pre: State, post: State) -> ActionEncoding:
        """Phase2b(a, b, v): a votes for v in b >= maxBal[a] (= x), as the 2a message directs."""
        voc = self.voc
        a, b, x, val = z3.Const("a", voc.Acc), z3.Const("b", voc.Bal), z3.Const("x", voc.Bal), z3.Const("v", voc.Val)
        f = z3.And(
            pre.msg2a(b, val),
            pre.maxBal(a, x),
            voc.le(x, b),
            set_acceptor(pre, post, "maxBal", a, lambda y: y == b),
            set_acceptor(pre, post, "left", a, lambda c: voc.lt(c, b)),
            set_acceptor(pre, post, "maxVBal", a, lambda y: y == b),
            set_acceptor(pre, post, "maxVal", a, lambda y: y == val),
            add_tuple(pre, post, "msg2b", a, b, val),
            same(pre, post, "msg1a", "msg1b", "msg2a"),
        )
        return ActionEncoding("Phase2b", [a, b, val, x], 3, f)

    # -- the inductive invariant ---------------------------------------------------
    def invariant(self, s: State) -> dict[str, z3.BoolRef]:
        """The inductive invariant as named conjuncts, after TLAPS Paxos.tla's TypeOK /\\ AccInv /\\ MsgInv.

        Each conjunct is needed: without any one of them some obligation has a
        counterexample (tests/test_proof_paxos.py). Typing facts the proof does not
        need (maxBal is a function, 1b messages carry a real ballot, ...) are left out;
        the conformance check still shows them on the explored states (:meth:`typing`).
        """
        voc = self.voc
        A = z3.Const("A", voc.Acc)
        B, C, X = z3.Consts("B C X", voc.Bal)
        V, W = z3.Consts("V W", voc.Val)
        Q = z3.Const("Q", voc.Quorum2)
        lt, le, nobal, noval = voc.lt, voc.le, voc.NoBal, voc.NoVal
        fa, imp, And, Not = z3.ForAll, z3.Implies, z3.And, z3.Not
        return {
            # The ghost: left(a, c) is maxBal[a] > c.
            "LeftMeansBelowMaxBal": fa([A, X, C], imp(s.maxBal(A, X), s.left(A, C) == lt(C, X))),
            # TypeOK: proposals are for real ballots and values.
            "Msg2aTyped": fa([B, V], imp(s.msg2a(B, V), And(nobal != B, noval != V))),
            # AccInv: an acceptor's last vote is a 2b message; it votes at most at maxBal, at most at maxVBal.
            "VotedForMaxVal": fa([A, X, V], imp(And(s.maxVBal(A, X), s.maxVal(A, V), nobal != X), s.msg2b(A, X, V))),
            "VoteAtMostBal": fa([A, X, B, V], imp(And(s.maxBal(A, X), s.msg2b(A, B, V)), le(B, X))),
            "NoVoteAboveVBal": fa([A, X, B, V], imp(And(s.maxVBal(A, X), s.msg2b(A, B, V)), le(B, X))),
            # MsgInv for 1b: the sender has left every lower ballot; it reports its last vote, and none since.
            "Msg1bLeftBelow": fa([A, B, X, V, C], imp(And(s.msg1b(A, B, X, V), lt(C, B)), s.left(A, C))),
            "Msg1bReportsVote": fa([A, B, X, V], imp(And(s.msg1b(A, B, X, V), nobal != X), s.msg2b(A, X, V))),
            "Msg1bNoVoteBetween": fa(
                [A, B, X, V, C, W], Not(And(s.msg1b(A, B, X, V), s.msg2b(A, C, W), lt(X, C), lt(C, B)))
            ),
            # MsgInv for 2a: one proposal per ballot, and it is safe (SafeAt: no other value choosable below).
            "Msg2aUnique": fa([B, V, W], imp(And(s.msg2a(B, V), s.msg2a(B, W)), V == W)),
            "Msg2aSafe": fa(
                [C, B, V, W, Q],
                imp(
                    And(nobal != C, lt(C, B), s.msg2a(B, V), W != V),
                    z3.Exists([A], And(voc.member2(A, Q), s.left(A, C), Not(s.msg2b(A, C, W)))),
                ),
            ),
            # MsgInv for 2b: every vote follows a proposal.
            "Msg2bHas2a": fa([A, B, V], imp(s.msg2b(A, B, V), s.msg2a(B, V))),
        }

    def typing(self, s: State) -> dict[str, z3.BoolRef]:
        """TypeOK facts true of every reachable state that the proof does not need."""
        voc = self.voc
        A = z3.Const("A", voc.Acc)
        B, X, Y = z3.Consts("B X Y", voc.Bal)
        V, W = z3.Consts("V W", voc.Val)
        nobal, noval = voc.NoBal, voc.NoVal
        fa, imp, And = z3.ForAll, z3.Implies, z3.And
        return {
            "MaxBalFunctional": fa([A, X, Y], imp(And(s.maxBal(A, X), s.maxBal(A, Y)), X == Y)),
            "MaxVBalFunctional": fa([A, X, Y], imp(And(s.maxVBal(A, X), s.maxVBal(A, Y)), X == Y)),
            "MaxValFunctional": fa([A, V, W], imp(And(s.maxVal(A, V), s.maxVal(A, W)), V == W)),
            "Msg1aTyped": fa([B], imp(s.msg1a(B), nobal != B)),
            "Msg1bTyped": fa([A, B, X, V], imp(s.msg1b(A, B, X, V), And(nobal != B, (nobal == X) == (noval == V)))),
            "Msg2bTyped": fa([A, B, V], imp(s.msg2b(A, B, V), And(nobal != B, noval != V))),
            "NoVBalIffNoVal": fa([A, X, V], imp(And(s.maxVBal(A, X), s.maxVal(A, V)), (nobal == X) == (noval == V))),
            "VBalAtMostBal": fa([A, X, Y], imp(And(s.maxVBal(A, X), s.maxBal(A, Y)), z3.And(voc.le(X, Y)))),
            "Msg1bVoteBelow": fa([A, B, X, V], imp(s.msg1b(A, B, X, V), voc.lt(X, B))),
        }

    def real_state(self, s: State) -> list[z3.BoolRef]:
        """What a CTI should preferably show: every acceptor has one maxBal, maxVBal and maxVal."""
        voc = self.voc
        a, b, v = z3.Const("A", voc.Acc), z3.Const("B", voc.Bal), z3.Const("V", voc.Val)
        functional = [f for k, f in self.typing(s).items() if k.endswith("Functional") or k.endswith("Typed")]
        return functional + [
            z3.ForAll([a], z3.Exists([b], s.maxBal(a, b))),
            z3.ForAll([a], z3.Exists([b], s.maxVBal(a, b))),
            z3.ForAll([a], z3.Exists([v], s.maxVal(a, v))),
        ]

    def chosen(self, s: State, v: z3.ExprRef) -> z3.BoolRef:
        """Chosen(v): some phase-2 quorum voted for v in one ballot."""
        voc = self.voc
        a, b, q = z3.Const("A", voc.Acc), z3.Const("B", voc.Bal), z3.Const("Q", voc.Quorum2)
        return z3.Exists([b, q], z3.ForAll([a], z3.Implies(voc.member2(a, q), s.msg2b(a, b, v))))

    def agreement(self, s: State) -> z3.BoolRef:
        """Agreement: at most one value is chosen."""
        v, w = z3.Consts("V1 V2", self.voc.Val)
        return z3.ForAll(
            [v, w],
            z3.Implies(z3.And(v != self.voc.NoVal, w != self.voc.NoVal, self.chosen(s, v), self.chosen(s, w)), v == w),
        )

    # -- obligations -------------------------------------------------------------------
    def obligations(self, drop: tuple[str, ...] = ()) -> list[Obligation]:
        """Init => Inv; Inv /\\ A => Inv' for each action A; Inv => Agreement (conjuncts in ``drop`` left out)."""
        voc = self.voc
        sorts = [voc.Acc, voc.Bal, voc.Val, voc.Quorum1] + ([] if voc.Quorum2.eq(voc.Quorum1) else [voc.Quorum2])

        def lemma(pre: State, post: State, axioms: list, ctx: dict) -> list[Obligation]:
            # The lemma that keeps Phase2a's inductive step in EPR (the spec's guard has a Acc -> Bal witness).
            p2a = self.phase2a(pre, post)
            q, b = p2a.params[2], p2a.params[0]
            goal = {"QuorumReported": self.quorum_reported(pre, q, b)}
            ctx = {**ctx, "post": post, "action": p2a}
            return [Obligation("Phase2a => QuorumReported", axioms + [("Phase2a", p2a.formula)], goal, ctx)]

        def step(pre: State, post: State, act: ActionEncoding) -> ActionEncoding:
            return self.phase2a(pre, post, quorum_meets=True) if act.name == "Phase2a" else act

        return inductive_obligations(self, drop, sorts, lambda pre: {"Agreement": self.agreement(pre)}, lemma, step)

def _except(*names: str) -> tuple[str, ...]:
    return tuple(n for n in State.SIGNATURE if n not in names)
