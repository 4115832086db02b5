"""MultiPaxos.tla in Z3: the acceptor and message state of ``spec/multipaxos.py`` over uninterpreted sorts.

Paxos's encoding (:mod:`proofs.paxos.encoding`) with a sort ``Slot``: a vote, a proposal and a
report belong to one slot, while a promise (``maxBal``, the spec's ``balMaxKnown``) belongs to
the acceptor and covers every slot at once, as one phase 1 does for all future slots. Every
variable is a relation, so the queries stay in EPR:

- ``maxBal(a, b)`` = balMaxKnown, ``left(a, c)`` the ghost "maxBal[a] > c";
- ``maxVBal(a, s, b)``, ``maxVal(a, s, v)``: ``insts[s].voted`` (ballot and command of a's last vote in s);
- ``msg1a(b)``: a Prepare; ``msg1b(a, b, s, x, v)``: a's PrepareReply for b reports vote (x, v) in slot s;
- ``msg2a(b, s, v)``: an Accept; ``msg2b(a, b, s, v)``: a's AcceptReply joined with the Accept it answers;
- ``notice(s)``: a CommitNotice for slot s.

The spec's ballot 0 ("no ballot") is ``NoBal``, its nil command ``NoVal``. What the spec keeps
beside these (leaders, statuses, commitUpTo, the client's pending and observed) is not needed for
agreement; :mod:`proofs.multipaxos.instance` maps a spec state to these relations, and
:mod:`proofs.multipaxos.conformance` checks each spec step is one of the actions below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

import z3

from proofs.logic import Obligation, inductive_obligations
from proofs.paxos.encoding import ANY_TWO, ActionEncoding, State, Vocabulary, add_tuple, same

BASE = "multipaxos"
#: The catalog variants (spec/multipaxos_variants.py) with an encoding: each changes the rule its variant changes.
SKIP_PHASE1, COMMIT_MINORITY = "skip-phase1", "commit-minority"
GAP_FILL, PROMISE_OMITS, FORGET_VOTES = "gap-fill-ignores-votes", "promise-omits-votes", "forget-votes-on-restart"
VARIANTS = (BASE, SKIP_PHASE1, COMMIT_MINORITY, GAP_FILL, PROMISE_OMITS, FORGET_VOTES)

#: Each action's label parameters, as the spec names them (the rest of its parameters are witnesses).
ACTION_LABELS = {
    "BecomeLeader": ("r", "b"),
    "HandlePrepare": ("r", "b"),
    "HandlePrepareReplies": (),
    "TakeNewRequest": ("r",),
    "HandleAccept": ("r",),
    "HandleAcceptReplies": (),
    "Restart": ("r",),
}


class MPVocabulary(Vocabulary):
    """Paxos's vocabulary (acceptors, ordered ballots, values, quorums that meet) and slots."""

    def __init__(self) -> None:
        super().__init__(ANY_TWO)
        self.Slot = z3.DeclareSort("Slot")


class MPState(State):
    """The relations of one Multi-Paxos state."""

    SIGNATURE: ClassVar[dict[str, tuple[str, ...]]] = {
        "maxBal": ("Acc", "Bal"),
        "left": ("Acc", "Bal"),
        "maxVBal": ("Acc", "Slot", "Bal"),
        "maxVal": ("Acc", "Slot", "Val"),
        "msg1a": ("Bal",),
        "msg1b": ("Acc", "Bal", "Slot", "Bal", "Val"),
        "msg2a": ("Bal", "Slot", "Val"),
        "msg2b": ("Acc", "Bal", "Slot", "Val"),
        "notice": ("Slot",),
    }


def update(
    pre: MPState,
    post: MPState,
    name: str,
    where: Callable[[list[z3.ExprRef]], z3.BoolRef],
    value: Callable[[list[z3.ExprRef]], z3.BoolRef],
) -> z3.BoolRef:
    """``post.name`` is ``value`` at the tuples ``where`` selects and ``pre.name`` elsewhere (an EXCEPT)."""
    xs = [z3.Const(f"{name}_{i}", getattr(pre.voc, s)) for i, s in enumerate(pre.SIGNATURE[name])]
    return z3.ForAll(xs, getattr(post, name)(*xs) == z3.If(where(xs), value(xs), getattr(pre, name)(*xs)))


class MultiPaxosEncoding:
    """MultiPaxos.tla's Init, actions, the per-slot inductive invariant, and the safety it implies."""

    def __init__(self, variant: str = BASE) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"no Z3 encoding of multipaxos variant {variant!r}; encoded: {', '.join(VARIANTS)}")
        self.voc = MPVocabulary()
        self.variant = variant

    def state(self, tag: str) -> MPState:
        """Fresh relations for one state."""
        return MPState(self.voc, tag)

    def sorts(self) -> list[z3.SortRef]:
        """Every sort, as the fragment check and a CTI's universes take them."""
        v = self.voc
        return [v.Acc, v.Bal, v.Val, v.Slot, v.Quorum1]

    # -- Init and the actions ------------------------------------------------------
    def init(self, s: MPState) -> z3.BoolRef:
        """NullNode everywhere (balMaxKnown 0, no vote in any slot), no message, no commit notice."""
        v = self.voc
        a, b, c = z3.Const("A", v.Acc), z3.Const("B", v.Bal), z3.Const("C", v.Bal)
        k, x, y = z3.Const("S", v.Slot), z3.Const("V", v.Val), z3.Const("W", v.Val)
        return z3.And(
            z3.ForAll([a, b], s.maxBal(a, b) == (b == v.NoBal)),
            z3.ForAll([a, b], z3.Not(s.left(a, b))),
            z3.ForAll([a, k, b], s.maxVBal(a, k, b) == (b == v.NoBal)),
            z3.ForAll([a, k, x], s.maxVal(a, k, x) == (x == v.NoVal)),
            z3.ForAll([b], z3.Not(s.msg1a(b))),
            z3.ForAll([a, b, k, c, x], z3.Not(s.msg1b(a, b, k, c, x))),
            z3.ForAll([b, k, x], z3.Not(s.msg2a(b, k, x))),
            z3.ForAll([a, b, k, y], z3.Not(s.msg2b(a, b, k, y))),
            z3.ForAll([k], z3.Not(s.notice(k))),
        )

    def actions(self, pre: MPState, post: MPState) -> list[ActionEncoding]:
        """The spec's actions that change these relations, in its order (the others are stutters here)."""
        acts = [
            self.become_leader(pre, post),
            self.handle_prepare(pre, post),
            self.handle_prepare_replies(pre, post),
            self.take_new_request(pre, post),
            self.handle_accept(pre, post),
            self.handle_accept_replies(pre, post),
        ]
        return acts + ([self.restart(pre, post)] if self.variant == FORGET_VOTES else [])

    def _promise(self, pre: MPState, post: MPState, r: z3.ExprRef, b: z3.ExprRef, report: bool) -> list[z3.BoolRef]:
        """r promises b (balMaxKnown := b) and sends a PrepareReply reporting its vote in every slot
        (``report`` False: ballot 0 and nil everywhere, as promise-omits-votes does)."""
        v = self.voc

        def reply(xs: list[z3.ExprRef]) -> z3.BoolRef:
            _, _, k, x, w = xs
            said = z3.And(pre.maxVBal(r, k, x), pre.maxVal(r, k, w)) if report else z3.And(x == v.NoBal, w == v.NoVal)
            return z3.Or(pre.msg1b(*xs), said)

        return [
            update(pre, post, "maxBal", lambda xs: xs[0] == r, lambda xs: xs[1] == b),
            update(pre, post, "left", lambda xs: xs[0] == r, lambda xs: v.lt(xs[1], b)),
            update(pre, post, "msg1b", lambda xs: z3.And(xs[0] == r, xs[1] == b), reply),
        ]

    def become_leader(self, pre: MPState, post: MPState) -> ActionEncoding:
        """BecomeLeader(r, b): a ballot above r's promise that no one has prepared: Prepare b, and r's own reply."""
        v = self.voc
        r, b, x = z3.Const("r", v.Acc), z3.Const("b", v.Bal), z3.Const("x", v.Bal)
        f = z3.And(
            b != v.NoBal,
            z3.Not(pre.msg1a(b)),
            pre.maxBal(r, x),
            v.lt(x, b),
            add_tuple(pre, post, "msg1a", b),
            *self._promise(pre, post, r, b, True),
            same(pre, post, *_except("msg1a", "maxBal", "left", "msg1b")),
        )
        return ActionEncoding("BecomeLeader", [r, b, x], 2, f)

    def handle_prepare(self, pre: MPState, post: MPState) -> ActionEncoding:
        """HandlePrepare(r, Prepare b): b above r's promise (x): r promises b and reports its votes."""
        v = self.voc
        r, b, x = z3.Const("r", v.Acc), z3.Const("b", v.Bal), z3.Const("x", v.Bal)
        f = z3.And(
            pre.msg1a(b),
            pre.maxBal(r, x),
            v.lt(x, b),
            *self._promise(pre, post, r, b, self.variant != PROMISE_OMITS),
            same(pre, post, *_except("maxBal", "left", "msg1b")),
        )
        return ActionEncoding("HandlePrepare", [r, b, x], 2, f)

    # -- what a quorum's PrepareReplies for b say about slot k -----------------------------
    def reported(self, s: MPState, q: z3.ExprRef, b: z3.ExprRef, k: z3.ExprRef) -> z3.BoolRef:
        """Every member of quorum q sent a PrepareReply for b (it reports something in every slot k)."""
        v = self.voc
        a, x, w = z3.Const("A", v.Acc), z3.Const("MB", v.Bal), z3.Const("MV", v.Val)
        return z3.ForAll([a], z3.Implies(v.member1(a, q), z3.Exists([x, w], s.msg1b(a, b, k, x, w))))

    def quorum_reported(self, s: MPState, q: z3.ExprRef, b: z3.ExprRef, k: z3.ExprRef) -> z3.BoolRef:
        """Every quorum has a member of q whose reply for b reports slot k: the consequence of :meth:`reported`
        the inductive steps use, since it keeps them in EPR (as Paxos's Phase2a)."""
        v = self.voc
        a, x, w, rr = z3.Const("A", v.Acc), z3.Const("MB", v.Bal), z3.Const("MV", v.Val), z3.Const("R", v.Quorum2)
        return z3.ForAll([rr], z3.Exists([a, x, w], z3.And(v.member1(a, q), v.member2(a, rr), s.msg1b(a, b, k, x, w))))

    def no_votes(self, s: MPState, q: z3.ExprRef, b: z3.ExprRef, k: z3.ExprRef) -> z3.BoolRef:
        """No member of q reports a vote in slot k (PeakVotedCmd is nil there): any command is safe."""
        v = self.voc
        a, x, w = z3.Const("A", v.Acc), z3.Const("MB", v.Bal), z3.Const("MV", v.Val)
        return z3.ForAll([a, x, w], z3.Implies(z3.And(v.member1(a, q), s.msg1b(a, b, k, x, w)), x == v.NoBal))

    def peak(self, s: MPState, q: z3.ExprRef, b: z3.ExprRef, k: z3.ExprRef, val: z3.ExprRef) -> z3.BoolRef:
        """val is PeakVotedCmd of q's replies in slot k: the command of the highest-ballot vote reported."""
        v = self.voc
        a, c, x, w = z3.Const("A0", v.Acc), z3.Const("C0", v.Bal), z3.Const("MB", v.Bal), z3.Const("MV", v.Val)
        a2 = z3.Const("A", v.Acc)
        top = z3.ForAll([a2, x, w], z3.Implies(z3.And(v.member1(a2, q), s.msg1b(a2, b, k, x, w)), v.le(x, c)))
        return z3.Exists([a, c], z3.And(c != v.NoBal, v.member1(a, q), s.msg1b(a, b, k, c, val), top))

    def handle_prepare_replies(self, pre: MPState, post: MPState, quorum_meets: bool = False) -> ActionEncoding:
        """HandlePrepareReplies: the replies of quorum q prepare ballot b; b's leader sends Accept, in any set of
        slots, of the peak command there (no Accept of b was sent before; at most one command per slot).

        With ``quorum_meets`` the guard "every member of q replied" becomes :meth:`quorum_reported` in every slot."""
        v = self.voc
        b, q = z3.Const("b", v.Bal), z3.Const("q", v.Quorum1)
        k, val, w = z3.Const("K", v.Slot), z3.Const("V", v.Val), z3.Const("W", v.Val)
        bb = z3.Const("B", v.Bal)
        heard = self.quorum_reported(pre, q, b, k) if quorum_meets else self.reported(pre, q, b, k)
        peak = self.peak(pre, q, b, k, val)
        f = z3.And(
            b != v.NoBal,
            z3.ForAll([k], heard),
            z3.ForAll([k, w], z3.Not(pre.msg2a(b, k, w))),
            z3.ForAll([bb, k, val], z3.Implies(bb != b, post.msg2a(bb, k, val) == pre.msg2a(bb, k, val))),
            z3.ForAll([k, val], z3.Implies(post.msg2a(b, k, val), z3.And(val != v.NoVal, peak))),
            z3.ForAll([k, val, w], z3.Implies(z3.And(post.msg2a(b, k, val), post.msg2a(b, k, w)), val == w)),
            same(pre, post, *_except("msg2a")),
        )
        return ActionEncoding("HandlePrepareReplies", [b, q], 0, f)

    def _vote(self, pre: MPState, post: MPState, r: z3.ExprRef, b: z3.ExprRef, k: z3.ExprRef, val: z3.ExprRef
              ) -> list[z3.BoolRef]:
        """r votes for val in ballot b, slot k: balMaxKnown := b, insts[k].voted := (b, val), an AcceptReply."""
        v = self.voc

        def at(xs: list[z3.ExprRef]) -> z3.BoolRef:
            return z3.And(xs[0] == r, xs[1] == k)

        return [
            update(pre, post, "maxBal", lambda xs: xs[0] == r, lambda xs: xs[1] == b),
            update(pre, post, "left", lambda xs: xs[0] == r, lambda xs: v.lt(xs[1], b)),
            update(pre, post, "maxVBal", at, lambda xs: xs[2] == b),
            update(pre, post, "maxVal", at, lambda xs: xs[2] == val),
            add_tuple(pre, post, "msg2b", r, b, k, val),
        ]

    def take_new_request(self, pre: MPState, post: MPState, quorum_meets: bool = False) -> ActionEncoding:
        """TakeNewRequest(r): leader r of prepared ballot b puts command v into a slot k that q's replies show
        empty, sends Accept and votes for it itself.

        skip-phase1: no quorum was heard, b is r's promise (x = b); gap-fill-ignores-votes: q was heard, but
        the slot need not be empty in its replies."""
        v = self.voc
        r, b, k, val = z3.Const("r", v.Acc), z3.Const("b", v.Bal), z3.Const("k", v.Slot), z3.Const("v", v.Val)
        q, x, w = z3.Const("q", v.Quorum1), z3.Const("x", v.Bal), z3.Const("W", v.Val)
        guard = [b != v.NoBal, val != v.NoVal, z3.ForAll([w], z3.Not(pre.msg2a(b, k, w))), pre.maxBal(r, x)]
        params = [r, b, k, val]
        if self.variant == SKIP_PHASE1:
            guard.append(x == b)
        else:
            heard = self.quorum_reported(pre, q, b, k) if quorum_meets else self.reported(pre, q, b, k)
            guard += [v.le(x, b), heard] + ([] if self.variant == GAP_FILL else [self.no_votes(pre, q, b, k)])
            params.append(q)
        f = z3.And(
            *guard,
            add_tuple(pre, post, "msg2a", b, k, val),
            *self._vote(pre, post, r, b, k, val),
            same(pre, post, *_except("maxBal", "left", "maxVBal", "maxVal", "msg2a", "msg2b")),
        )
        return ActionEncoding("TakeNewRequest", params + [x], 1, f)

    def handle_accept(self, pre: MPState, post: MPState) -> ActionEncoding:
        """HandleAccept(r, Accept(b, k, v)): b at least r's promise (x) and above its vote in k (y): r votes."""
        v = self.voc
        r, b, k, val = z3.Const("r", v.Acc), z3.Const("b", v.Bal), z3.Const("k", v.Slot), z3.Const("v", v.Val)
        x, y = z3.Const("x", v.Bal), z3.Const("y", v.Bal)
        f = z3.And(
            pre.msg2a(b, k, val),
            pre.maxBal(r, x),
            v.le(x, b),
            pre.maxVBal(r, k, y),
            v.lt(y, b),
            *self._vote(pre, post, r, b, k, val),
            same(pre, post, *_except("maxBal", "left", "maxVBal", "maxVal", "msg2b")),
        )
        return ActionEncoding("HandleAccept", [r, b, k, val, x, y], 1, f)

    def handle_accept_replies(self, pre: MPState, post: MPState) -> ActionEncoding:
        """HandleAcceptReplies: the leader of b commits slot k once quorum q voted for its Accept(b, k, v), and
        sends a CommitNotice (commit-minority: on any AcceptReplies)."""
        v = self.voc
        k, b, val = z3.Const("k", v.Slot), z3.Const("b", v.Bal), z3.Const("v", v.Val)
        q, a = z3.Const("q", v.Quorum1), z3.Const("A", v.Acc)
        guard = [pre.msg2a(b, k, val)]
        params = [k, b, val]
        if self.variant != COMMIT_MINORITY:
            guard.append(z3.ForAll([a], z3.Implies(v.member1(a, q), pre.msg2b(a, b, k, val))))
            params.append(q)
        f = z3.And(*guard, add_tuple(pre, post, "notice", k), same(pre, post, *_except("notice")))
        return ActionEncoding("HandleAcceptReplies", params, 0, f)

    def restart(self, pre: MPState, post: MPState) -> ActionEncoding:
        """Restart(r) of forget-votes-on-restart: r's instances are NullInst again; its promise is kept."""
        v = self.voc
        r = z3.Const("r", v.Acc)
        f = z3.And(
            update(pre, post, "maxVBal", lambda xs: xs[0] == r, lambda xs: xs[2] == v.NoBal),
            update(pre, post, "maxVal", lambda xs: xs[0] == r, lambda xs: xs[2] == v.NoVal),
            same(pre, post, *_except("maxVBal", "maxVal")),
        )
        return ActionEncoding("Restart", [r], 1, f)

    # -- the inductive invariant ---------------------------------------------------
    def invariant(self, s: MPState) -> dict[str, z3.BoolRef]:
        """Paxos's invariant (proofs/paxos/encoding.py) in every slot, and: a CommitNotice is for a chosen slot.

        Each conjunct is needed: without any one some obligation has a counterexample
        (tests/test_proof_multipaxos.py)."""
        v = self.voc
        A = z3.Const("A", v.Acc)
        B, C, X = z3.Consts("B C X", v.Bal)
        V, W = z3.Consts("V W", v.Val)
        K = z3.Const("K", v.Slot)
        Q = z3.Const("Q", v.Quorum2)
        lt, le, nobal, noval = v.lt, v.le, v.NoBal, v.NoVal
        fa, imp, And, Not = z3.ForAll, z3.Implies, z3.And, z3.Not
        return {
            "LeftMeansBelowMaxBal": fa([A, X, C], imp(s.maxBal(A, X), s.left(A, C) == lt(C, X))),
            "Msg2aTyped": fa([B, K, V], imp(s.msg2a(B, K, V), And(nobal != B, noval != V))),
            # An acceptor's last vote in a slot is a vote; it votes at most at its promise, at most at its last vote.
            "VotedForMaxVal": fa(
                [A, K, X, V], imp(And(s.maxVBal(A, K, X), s.maxVal(A, K, V), nobal != X), s.msg2b(A, X, K, V))
            ),
            "VoteAtMostBal": fa([A, X, B, K, V], imp(And(s.maxBal(A, X), s.msg2b(A, B, K, V)), le(B, X))),
            "NoVoteAboveVBal": fa([A, K, X, B, V], imp(And(s.maxVBal(A, K, X), s.msg2b(A, B, K, V)), le(B, X))),
            # A PrepareReply: its sender left every lower ballot; per slot it reports its last vote, and none since.
            "Msg1bLeftBelow": fa([A, B, K, X, V, C], imp(And(s.msg1b(A, B, K, X, V), lt(C, B)), s.left(A, C))),
            "Msg1bReportsVote": fa(
                [A, B, K, X, V], imp(And(s.msg1b(A, B, K, X, V), nobal != X), s.msg2b(A, X, K, V))
            ),
            "Msg1bNoVoteBetween": fa(
                [A, B, K, X, V, C, W], Not(And(s.msg1b(A, B, K, X, V), s.msg2b(A, C, K, W), lt(X, C), lt(C, B)))
            ),
            # An Accept: one per ballot and slot, and safe (no other command choosable in that slot below it).
            "Msg2aUnique": fa([B, K, V, W], imp(And(s.msg2a(B, K, V), s.msg2a(B, K, W)), V == W)),
            "Msg2aSafe": fa(
                [C, B, K, V, W, Q],
                imp(
                    And(nobal != C, lt(C, B), s.msg2a(B, K, V), W != V),
                    z3.Exists([A], And(v.member2(A, Q), s.left(A, C), Not(s.msg2b(A, C, K, W)))),
                ),
            ),
            "Msg2bHas2a": fa([A, B, K, V], imp(s.msg2b(A, B, K, V), s.msg2a(B, K, V))),
            "NoticeChosen": self.commit_is_chosen(s),
        }

    def real_state(self, s: MPState) -> list[z3.BoolRef]:
        """What a CTI should preferably show: one promise per acceptor, one last vote per acceptor and slot."""
        v = self.voc
        a, k = z3.Const("A", v.Acc), z3.Const("K", v.Slot)
        x, y, w1, w2 = z3.Const("X", v.Bal), z3.Const("Y", v.Bal), z3.Const("V", v.Val), z3.Const("W", v.Val)
        imp, And, fa = z3.Implies, z3.And, z3.ForAll
        return [
            fa([a, x, y], imp(And(s.maxBal(a, x), s.maxBal(a, y)), x == y)),
            fa([a, k, x, y], imp(And(s.maxVBal(a, k, x), s.maxVBal(a, k, y)), x == y)),
            fa([a, k, w1, w2], imp(And(s.maxVal(a, k, w1), s.maxVal(a, k, w2)), w1 == w2)),
            fa([a], z3.Exists([x], s.maxBal(a, x))),
            fa([a, k], z3.Exists([x], s.maxVBal(a, k, x))),
            fa([a, k], z3.Exists([w1], s.maxVal(a, k, w1))),
        ]

    def chosen(self, s: MPState, k: z3.ExprRef, val: z3.ExprRef) -> z3.BoolRef:
        """Chosen(k, v): some quorum voted for v in slot k in one ballot."""
        v = self.voc
        a, b, q = z3.Const("A", v.Acc), z3.Const("B", v.Bal), z3.Const("Q", v.Quorum2)
        return z3.Exists([b, q], z3.ForAll([a], z3.Implies(v.member2(a, q), s.msg2b(a, b, k, val))))

    def agreement(self, s: MPState) -> z3.BoolRef:
        """Per-slot agreement: in every slot at most one command is chosen."""
        k = z3.Const("K1", self.voc.Slot)
        v, w = z3.Consts("V1 V2", self.voc.Val)
        return z3.ForAll([k, v, w], z3.Implies(z3.And(self.chosen(s, k, v), self.chosen(s, k, w)), v == w))

    def commit_is_chosen(self, s: MPState) -> z3.BoolRef:
        """Every slot with a CommitNotice has a chosen command (with agreement: the one)."""
        k, val = z3.Const("K1", self.voc.Slot), z3.Const("V1", self.voc.Val)
        return z3.ForAll([k], z3.Implies(s.notice(k), z3.Exists([val], self.chosen(s, k, val))))

    def safety(self, s: MPState) -> dict[str, z3.BoolRef]:
        """The properties proved: per-slot Agreement and CommitIsChosen."""
        return {"Agreement": self.agreement(s), "CommitIsChosen": self.commit_is_chosen(s)}

    # -- obligations -------------------------------------------------------------------
    def obligations(self, drop: tuple[str, ...] = ()) -> list[Obligation]:
        """Init => Inv; the two QuorumReported lemmas; Inv /\\ A => Inv' per action; Inv => each property."""

        def lemmas(pre: MPState, post: MPState, axioms: list, ctx: dict) -> list[Obligation]:
            # The hypothesis is the action's guard alone: its other conjuncts would take the query out of EPR.
            out = []
            for act in self.actions(pre, post):
                if act.name == "HandlePrepareReplies":
                    b, q = act.params
                    k = z3.Const("K", self.voc.Slot)
                    guard = z3.ForAll([k], self.reported(pre, q, b, k))
                    goal = z3.ForAll([k], self.quorum_reported(pre, q, b, k))
                elif act.name == "TakeNewRequest" and self.variant != SKIP_PHASE1:
                    _, b, k, _, q, _ = act.params
                    guard, goal = self.reported(pre, q, b, k), self.quorum_reported(pre, q, b, k)
                else:
                    continue
                c = {**ctx, "post": post, "action": act}
                hyps = axioms + [(f"{act.name}.heard", guard)]
                out.append(Obligation(f"{act.name} => QuorumReported", hyps, {"QuorumReported": goal}, c))
            return out

        def step(pre: MPState, post: MPState, act: ActionEncoding) -> ActionEncoding:
            if act.name == "HandlePrepareReplies":
                return self.handle_prepare_replies(pre, post, quorum_meets=True)
            if act.name == "TakeNewRequest":
                return self.take_new_request(pre, post, quorum_meets=True)
            return act

        return inductive_obligations(self, drop, self.sorts(), self.safety, lemmas, step)


def _except(*names: str) -> tuple[str, ...]:
    return tuple(n for n in MPState.SIGNATURE if n not in names)


def conjunct_names() -> Sequence[str]:
    """The invariant's conjuncts, in order."""
    enc = MultiPaxosEncoding()
    return list(enc.invariant(enc.state("")))
