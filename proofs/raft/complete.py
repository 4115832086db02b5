"""Raft's LeaderCompleteness and StateMachineSafety in Z3: :mod:`proofs.raft.commit`'s model with history.

The commit model has raft.tla's rules; what an inductive invariant for the two properties needs
beyond them is evidence that lasts (the responses a commit counted are consumed, matchIndex is
reset), so this model adds history, as raft.tla's own ``elections`` and ``allLogs`` are:

- ``started(t)``: some leader was elected in term t (the ``elections`` history);
- ``left(n, t)``: n's term is past t (a function of ``currentTerm``, kept as a relation so that
  no formula needs a term chosen per server);
- ``termLog(t, x, u, w)``: the log of the leader of term t, as it was at its election and with every
  entry it appended (``elections``' elog and the entries of term t in ``allLogs``);
- ``acked(k, t, x)``: k acknowledged index x in term t (the ``acks``
  history of :mod:`proofs.raft.ghost`);
- ``cmtVia(t, xa, x, u, w)``: the leader of term t committed entry x = (u, w) when it committed index
  xa (the ``commits`` history),
  and ``cmtBy(T, x, u, w)``: some leader of a term at or before T did;
- ``lastEntry(n, k, kt)``: n's log ends at index k of term kt (0 and 0: empty).

The invariant follows the argument of mypyvy's raft.pyv and Ivy's Raft: an entry of term t that
a quorum acknowledged in term t ("choosable") is held by every acknowledger, by every candidate
of a later term one of them voted for, and by the log of every leader of a later term; the
entries a leader commits are below such an entry (the figure-8 rule); a server's entries up to
its commitIndex are committed by its current term; a request's mcommitIndex covers entries the
leader of its term committed by then. LeaderCompleteness and StateMachineSafety follow.

One conjunct is not in EPR: ``CmtByAnchored`` (a ``cmtBy`` entry was committed in some term not
after T) Skolemises a term from a term. It is given as a hypothesis only to the queries that
use it (:data:`ANCHOR_USERS`); every other query is classified, and is, EPR.
"""

from __future__ import annotations

import z3

from proofs.logic import Obligation, inductive_obligations
from proofs.raft.commit import COMMIT_LABELS, CommitState, RaftCommitEncoding, add_up_to
from proofs.raft.encoding import Draft, RaftZ3State, add, set_row, update


class CompleteState(CommitState):
    """The commit model's relations and the history the LeaderCompleteness invariant reads."""

    SIGNATURE: dict[str, tuple[str, ...]] = {
        **CommitState.SIGNATURE,
        "started": ("Term",),
        "left": ("Node", "Term"),
        "termLog": ("Term", "Index", "Term", "Value"),
        "acked": ("Node", "Term", "Index"),
        "cmtVia": ("Term", "Index", "Index", "Term", "Value"),
        "cmtBy": ("Term", "Index", "Term", "Value"),
        "lastEntry": ("Node", "Index", "Term"),
    }


COMPLETE_LABELS: dict[str, tuple[str, ...]] = {
    **COMMIT_LABELS,
    "RemoveLastEntry": (*COMMIT_LABELS["RemoveLastEntry"], "px", "pxt", "pxv"),
    "AcceptCommit": (*COMMIT_LABELS["AcceptCommit"], "rt"),
}

#: The commit model's conjuncts this model leaves out, because no query needs them. The leaders' logs
#: (``termLog``) carry what they said of logs and requests, since every entry and request is in its term's
#: leader's log (LogInTermLog, RequestInTermLog). What they said of terms follows from ``left`` (VoteNotFuture
#: from VotedLeft and LeftNotCurrent, CurrentTermFunctional from LeftBelowTerm and LeftNotCurrent).
SUPERSEDED = (
    "CurrentTermFunctional", "VoteNotFuture", "ElectedNotFuture", "LogFunctional", "NoEntryAtZero", "LogMatching",
    "EntryTermStarted", "RequestTermStarted", "LeaderHoldsTermEntries", "LeaderHoldsTermRequests", "RequestPrevZero",
    "RequestsAgree", "RequestMatchesValue", "RequestMatchesPrev",
)  # fmt: skip

#: The conjunct that is not in EPR.
ANCHORED = "CmtByAnchored"
_BECOME_LEADER = "Inv /\\ BecomeLeader => Inv'"
#: The queries (obligation, goal) besides its own preservation query that are given ``CmtByAnchored``.
ANCHOR_USERS = ((_BECOME_LEADER, "CommittedInLaterTermLogs"), ("Inv => StateMachineSafety", "StateMachineSafety"))
#: Queries given only these conjuncts (their unsat core): outside EPR, Z3 instantiates every quantified
#: hypothesis. With all of them, BecomeLeader's took 10.7 s of CPU on its own and once ran past 600 s under
#: load (0.4 s with these); StateMachineSafety's took 4 s (0.6 s with these).
FOCUS: dict[tuple[str, str], tuple[str, ...]] = {
    ANCHOR_USERS[0]: (
        "CommittedInLaterTermLogs", ANCHORED, "CmtByLater", "CommitVia", "CommitAnchor", "ChoosableVoted",
        "LogMatchesTermLog",
    ),
    ANCHOR_USERS[1]: (
        ANCHORED, "CommitIdxCommitted", "CommitVia", "CommitAnchor", "ChoosableInLaterTermLogs", "LogInTermLog",
        "TermLogFunctional", "TermLogStarted", "TermLogsMatch",
    ),
}  # fmt: skip


class RaftCompleteEncoding(RaftCommitEncoding):
    """The commit model with history; its invariant proves LeaderCompleteness and StateMachineSafety too."""

    SAFETY = (*RaftCommitEncoding.SAFETY, "LeaderCompleteness", "StateMachineSafety")
    LABELS = COMPLETE_LABELS
    SORT_OF = {**RaftCommitEncoding.SORT_OF, "px": "Index", "pxt": "Term", "pxv": "Value", "rt": "Term"}

    def state(self, tag: str) -> CompleteState:
        """Fresh relations for one state."""
        return CompleteState(self.voc, tag)

    def real_state(self, s: RaftZ3State) -> list[z3.BoolRef]:
        """The commit model's preferences and one last entry per server."""
        voc = self.voc
        n = z3.Const("N", voc.Node)
        x, y = z3.Consts("X Y", voc.Index)
        t, u = z3.Consts("T U", voc.Term)
        one = z3.ForAll(
            [n, x, t, y, u], z3.Implies(z3.And(s.lastEntry(n, x, t), s.lastEntry(n, y, u)), z3.And(x == y, t == u))
        )
        return [*super().real_state(s), one]

    def init(self, s: RaftZ3State) -> z3.BoolRef:
        """Init: the coarse model's, and commitIndex 0, empty logs' last entry (0, 0), no history, no message."""
        voc = self.voc
        one = z3.Const("One", voc.Term)
        n = z3.Const("N", voc.Node)
        t, u = z3.Consts("T U", voc.Term)
        x = z3.Const("X", voc.Index)
        kept = (*RaftZ3State.SIGNATURE, "left", "lastEntry", "commitIdx")
        rest = [name for name in CompleteState.SIGNATURE if name not in kept]
        empty = [z3.ForAll(xs, z3.Not(getattr(s, name)(*xs))) for name in rest for xs in [s.fresh(name)]]
        return z3.And(
            super().init(s),
            z3.Exists([one], z3.And(
                z3.ForAll([n, t], s.currentTerm(n, t) == (t == one)),
                z3.ForAll([n, u], s.left(n, u) == voc.ltT(u, one)),
            )),
            z3.ForAll([n, x, t], s.lastEntry(n, x, t) == z3.And(x == voc.IndexZero, t == voc.TermZero)),
            z3.ForAll([n, x], s.commitIdx(n, x) == (x == voc.IndexZero)),
            *empty,
        )  # fmt: skip

    # -- the history each action records ---------------------------------------------------------
    def refine(self, d: Draft) -> None:
        """The commit model's step, and the history it records (and lastEntry where the log changes)."""
        super().refine(d)
        name, ps, pre, post, guards, changes = d.name, d.ps, d.pre, d.post, d.guards, d.changes
        voc = self.voc
        if name in ("Timeout", "UpdateTerm"):
            i, t2 = ps[0], ps[2]
            changes["left"] = update(
                pre, post, "left", lambda n, u: z3.Or(pre.left(n, u), z3.And(n == i, voc.ltT(u, t2)))
            )
        elif name == "BecomeLeader":
            i, t = ps[0], ps[1]
            changes["started"] = add(pre, post, "started", t)
            changes["termLog"] = update(
                pre,
                post,
                "termLog",
                lambda tt, y, u, w: z3.Or(pre.termLog(tt, y, u, w), z3.And(tt == t, pre.log(i, y, u, w))),
            )
        elif name == "ClientRequest":
            i, v, t, k, e, kt = ps[:6]
            guards.append(pre.lastEntry(i, k, kt))
            changes["termLog"] = add(pre, post, "termLog", t, e, t, v)
            changes["lastEntry"] = set_row(pre, post, "lastEntry", i, lambda y, u: z3.And(y == e, u == t))
        elif name == "AcceptEntry":
            i, p, pt, e, et = ps[:5]
            guards.append(pre.lastEntry(i, p, pt))
            changes["lastEntry"] = set_row(pre, post, "lastEntry", i, lambda y, u: z3.And(y == e, u == et))
        elif name == "RemoveLastEntry":
            i, x, xt = ps[:3]
            px, pxt, pxv = ps[-3:]
            guards += [
                pre.lastEntry(i, x, xt),
                voc.succ(px, x),
                z3.Or(z3.And(px == voc.IndexZero, pxt == voc.TermZero), pre.log(i, px, pxt, pxv)),
            ]
            changes["lastEntry"] = set_row(pre, post, "lastEntry", i, lambda y, u: z3.And(y == px, u == pxt))
        elif name == "AcceptCommit":
            # The response (and so the acknowledgement) carries the responder's term rt (raft.tla: = t).
            i, l, rt = ps[0], ps[2], ps[-1]
            guards.append(pre.currentTerm(i, rt))
            changes["respGe"] = add_up_to(pre, post, "respGe", i, rt, l, voc)
            changes["acked"] = add_up_to(pre, post, "acked", i, rt, l, voc)
        elif name == "AdvanceCommitIndex":
            i, t, x = ps[:3]
            below = lambda y, u, w: z3.And(y != voc.IndexZero, voc.leI(y, x), pre.log(i, y, u, w))  # noqa: E731
            changes["cmtVia"] = update(
                pre, post, "cmtVia", lambda tt, xa, y, u, w: z3.Or(
                    pre.cmtVia(tt, xa, y, u, w), z3.And(tt == t, xa == x, below(y, u, w))
                ),
            )  # fmt: skip
            changes["cmtBy"] = update(
                pre, post, "cmtBy",
                lambda tt, y, u, w: z3.Or(pre.cmtBy(tt, y, u, w), z3.And(voc.leT(t, tt), below(y, u, w))),
            )  # fmt: skip

    # -- the invariant --------------------------------------------------------------------------
    def vouches(self, s: RaftZ3State, n: z3.ExprRef, t: z3.ExprRef, x: z3.ExprRef) -> z3.BoolRef:
        """n vouches for index x of term t's leader's log: it acknowledged x in term t, or it is that leader."""
        return z3.Or(s.acked(n, t, x), s.elected(t, n))

    def choosable(self, s: RaftZ3State, t: z3.ExprRef, x: z3.ExprRef) -> z3.BoolRef:
        """A quorum vouches for index x in term t, or may still: each member vouches or is still in term t."""
        q, n = z3.Const("Qc", self.voc.Quorum), z3.Const("Nc", self.voc.Node)
        return z3.Exists(
            [q],
            z3.ForAll([n], z3.Implies(self.voc.member(n, q), z3.Or(self.vouches(s, n, t, x), z3.Not(s.left(n, t))))),
        )

    def vouched(self, s: RaftZ3State, t: z3.ExprRef, x: z3.ExprRef) -> z3.BoolRef:
        """A quorum vouches for index x in term t (what the leader of t counted when it committed x)."""
        q, n = z3.Const("Qv", self.voc.Quorum), z3.Const("Nv", self.voc.Node)
        return z3.Exists([q], z3.ForAll([n], z3.Implies(self.voc.member(n, q), self.vouches(s, n, t, x))))

    def invariant(self, s: RaftZ3State) -> dict[str, z3.BoolRef]:
        """Seven of the commit model's conjuncts (the rest are :data:`SUPERSEDED`) and the 38 of LeaderCompleteness
        (each needed: the tests drop each)."""
        voc = self.voc
        N, J, C = z3.Consts("N J C", voc.Node)
        T, T2, U, U2, S = z3.Consts("T T2 U U2 S", voc.Term)
        X, Y, K, L, P, E = z3.Consts("X Y K L P E", voc.Index)
        V, V2, W, W2 = z3.Consts("V V2 W W2", voc.Value)
        fa, imp, And, Not, Or, Ex = z3.ForAll, z3.Implies, z3.And, z3.Not, z3.Or, z3.Exists
        le, lt, leI = voc.leT, voc.ltT, voc.leI
        zero, izero = voc.TermZero, voc.IndexZero
        tl, lg, ch = s.termLog, s.log, self.choosable
        out = {k: f for k, f in super().invariant(s).items() if k not in SUPERSEDED}
        out.update({
            # Terms: started, left, and a log's entries of no future term.
            "StartedElected": fa([T], s.started(T) == Ex([C], s.elected(T, C))),
            "LeftBelowTerm": fa([N, T, U], imp(And(s.currentTerm(N, T), lt(U, T)), s.left(N, U))),
            "LeftNotCurrent": fa([N, T, U], imp(And(s.currentTerm(N, T), s.left(N, U)), lt(U, T))),
            "VotedLeft": fa([J, T2, C, T], imp(And(self.voted(s, J, T2, C), lt(T, T2)), s.left(J, T))),
            "LogNotFuture": fa([N, Y, U, W, T], imp(And(lg(N, Y, U, W), s.currentTerm(N, T)), le(U, T))),
            # The leaders' logs: one entry per index, of no later term, matching each other
            # and every log, holding every entry of a log; a leader's log is its term's.
            "TermLogStarted": fa([T, Y, U, W], imp(tl(T, Y, U, W), s.started(T))),
            "TermLogFunctional": fa(
                [T, Y, U, W, U2, W2], imp(And(tl(T, Y, U, W), tl(T, Y, U2, W2)), And(U == U2, W == W2))
            ),
            "TermLogNoZero": fa([T, U, W], Not(tl(T, izero, U, W))),
            "TermLogNotFuture": fa([T, Y, U, W], imp(tl(T, Y, U, W), le(U, T))),
            "TermLogOrigin": fa([T, Y, U, W], imp(tl(T, Y, U, W), tl(U, Y, U, W))),
            "TermLogsMatch": fa(
                [T, X, S, V],
                imp(
                    tl(T, X, S, V),
                    fa(
                        [T2, V2],
                        imp(tl(T2, X, S, V2), fa([Y, U, W], imp(leI(Y, X), tl(T, Y, U, W) == tl(T2, Y, U, W)))),
                    ),
                ),
            ),
            "LogMatchesTermLog": fa(
                [N, X, S, V],
                imp(
                    lg(N, X, S, V),
                    fa([T, V2], imp(tl(T, X, S, V2), fa([Y, U, W], imp(leI(Y, X), lg(N, Y, U, W) == tl(T, Y, U, W))))),
                ),
            ),
            "LogInTermLog": fa([N, Y, U, W], imp(lg(N, Y, U, W), tl(U, Y, U, W))),
            "LeaderLogIsTermLog": fa(
                [N, T, Y, U, W], imp(And(s.leader(N), s.currentTerm(N, T)), lg(N, Y, U, W) == tl(T, Y, U, W))
            ),
            # Messages: a request's entries and last entry are its leader's; a candidate's RequestVote is its log.
            "RequestInTermLog": fa([T, P, U, E, U2, W], imp(s.appendReq(T, P, U, E, U2, W), tl(T, E, U2, W))),
            "RequestPrevInTermLog": fa(
                [T, P, U],
                imp(And(Ex([E, U2, W], s.appendReq(T, P, U, E, U2, W)), izero != P), Ex([V], tl(T, P, U, V))),
            ),
            "ReqCommitInTermLog": fa(
                [T, L, U, X], imp(And(s.reqCommit(T, L, U, X), izero != L), Ex([V], tl(T, L, U, V)))
            ),
            "ReqCommitBelowLast": fa([T, L, U, X], imp(s.reqCommit(T, L, U, X), leI(X, L))),
            "RequestVoteIsLog": fa(
                [C, T, L, U],
                imp(
                    And(s.rvReq(C, T, L, U), s.candidate(C), s.currentTerm(C, T)),
                    And(
                        fa([Y, U2, W], imp(lg(C, Y, U2, W), leI(Y, L))),
                        Or(And(izero == L, zero == U), Ex([V], lg(C, L, U, V))),
                    ),
                ),
            ),
            "RequestVoteNotFuture": fa([C, T, L, U, S], imp(And(s.rvReq(C, T, L, U), s.currentTerm(C, S)), le(T, S))),
            "VotedCandidateReached": fa([J, T, C, U], imp(And(self.voted(s, J, T, C), s.currentTerm(C, U)), le(T, U))),
            # lastEntry: no entry above it; commitIndex not above it.
            "LastEntryAbove": fa([N, K, U, Y, U2, W], imp(And(s.lastEntry(N, K, U), lg(N, Y, U2, W)), leI(Y, K))),
            "CommitBelowLast": fa([N, X, K, U], imp(And(s.commitIdx(N, X), s.lastEntry(N, K, U)), leI(X, K))),
            # Acknowledgements: in a started term, for every index below, and behind every success response
            # and matchIndex.
            "AckedStarted": fa([N, T, X], imp(s.acked(N, T, X), s.started(T))),
            "AckedBelowLeaderLast": fa(
                [N, T, X, C, K, U],
                imp(And(s.acked(N, T, X), s.leader(C), s.currentTerm(C, T), s.lastEntry(C, K, U)), leI(X, K)),
            ),
            "AckedBelow": fa([N, T, X, Y], imp(And(s.acked(N, T, X), leI(Y, X), izero != Y), s.acked(N, T, Y))),
            "ResponseAcked": fa([N, T, X], imp(s.respGe(N, T, X), s.acked(N, T, X))),
            "MatchAcked": fa([N, T, X], imp(s.matchGe(N, T, X), s.acked(N, T, X))),
            # An entry x of term t whose index is choosable in t: every voucher holds it, every candidate of a
            # later term a voucher voted for does, and so does the log of every leader of a later term.
            "ChoosableHeld": fa(
                [T, X],
                imp(ch(s, T, X), fa([N, V], imp(And(self.vouches(s, N, T, X), tl(T, X, T, V)), lg(N, X, T, V)))),
            ),
            "ChoosableVoted": fa(
                [T, X],
                imp(
                    ch(s, T, X),
                    fa(
                        [V, N, T2, C],
                        imp(
                            And(
                                tl(T, X, T, V), self.vouches(s, N, T, X), self.voted(s, N, T2, C), lt(T, T2),
                                s.candidate(C), s.currentTerm(C, T2), Not(s.started(T2)),
                            ),
                            lg(C, X, T, V),
                        ),
                    ),
                ),
            ),  # fmt: skip
            "ChoosableInLaterTermLogs": fa(
                [T, X],
                imp(ch(s, T, X), fa([V, T2], imp(And(tl(T, X, T, V), s.started(T2), le(T, T2)), tl(T2, X, T, V)))),
            ),
            # Commits: of the leader's log, below an index of its term a quorum vouched for; cmtBy is "committed
            # in a term not after".
            "CommitVia": fa([T, X, Y, U, W], imp(s.cmtVia(T, X, Y, U, W), And(leI(Y, X), tl(T, Y, U, W)))),
            "CommitAnchor": fa(
                [T, X],
                imp(Ex([Y, U, W], s.cmtVia(T, X, Y, U, W)), And(self.vouched(s, T, X), Ex([V], tl(T, X, T, V)))),
            ),
            "CmtByLater": fa([T, Y, U, W, T2], imp(And(s.cmtBy(T, Y, U, W), le(T, T2)), s.cmtBy(T2, Y, U, W))),
            ANCHORED: fa(
                [T, Y, U, W], imp(s.cmtBy(T, Y, U, W), Ex([S, X], And(le(S, T), s.cmtVia(S, X, Y, U, W))))
            ),
            "CommittedInLaterTermLogs": fa(
                [T, Y, U, W, T2], imp(And(s.cmtBy(T, Y, U, W), s.started(T2), le(T, T2)), tl(T2, Y, U, W))
            ),
            # commitIndex: a server's entries up to it are committed by its term; so are a request's.
            "CommitIdxCommitted": fa(
                [N, X, T, Y, U, W],
                imp(And(s.commitIdx(N, X), s.currentTerm(N, T), leI(Y, X), lg(N, Y, U, W)), s.cmtBy(T, Y, U, W)),
            ),
            "ReqCommitCommitted": fa(
                [T, L, U2, X],
                imp(s.reqCommit(T, L, U2, X), fa([Y, U, W], imp(And(leI(Y, X), tl(T, Y, U, W)), s.cmtBy(T, Y, U, W)))),
            ),
        })  # fmt: skip
        return out

    def safety(self, s: RaftZ3State) -> dict[str, z3.BoolRef]:
        """The commit model's properties, LeaderCompleteness and StateMachineSafety (as spec/raft.py states them)."""
        voc = self.voc
        I, J, A, B = z3.Consts("I J A B", voc.Node)
        T, U, TA, TB, S, S2 = z3.Consts("T U TA TB S S2", voc.Term)
        X, XA, XB, Y = z3.Consts("X XA XB Y", voc.Index)
        W, W2 = z3.Consts("W W2", voc.Value)
        lg, le, leI = s.log, voc.leT, voc.leI
        return {
            **super().safety(s),
            # A leader holds every entry up to the commitIndex of a server whose term is not after its own.
            "LeaderCompleteness": z3.ForAll(
                [I, T, J, U, X, Y, S, W],
                z3.Implies(
                    z3.And(
                        s.leader(I),
                        s.currentTerm(I, T),
                        s.commitIdx(J, X),
                        s.currentTerm(J, U),
                        le(U, T),
                        leI(Y, X),
                        lg(J, Y, S, W),
                    ),
                    lg(I, Y, S, W),
                ),
            ),  # fmt: skip
            # Two servers' logs agree up to both commitIndexes.
            "StateMachineSafety": z3.ForAll(
                [A, B, XA, XB, TA, TB, Y, S, W, S2, W2],
                z3.Implies(
                    z3.And(
                        s.commitIdx(A, XA),
                        s.commitIdx(B, XB),
                        s.currentTerm(A, TA),
                        s.currentTerm(B, TB),
                        leI(Y, XA),
                        leI(Y, XB),
                        lg(A, Y, S, W),
                        lg(B, Y, S2, W2),
                    ),
                    z3.And(S == S2, W == W2),
                ),
            ),  # fmt: skip
        }

    def obligations(self, drop: tuple[str, ...] = ()) -> list[Obligation]:
        """The obligations; ``CmtByAnchored`` is a hypothesis of its own goal's query and of :data:`ANCHOR_USERS`'s
        only, and each query of :data:`FOCUS` has only its conjuncts (``Obligation.only_for`` says both)."""
        obs = inductive_obligations(self, drop, self.voc.sorts, self.safety)
        for ob in obs:
            users = tuple(goal for name, goal in ANCHOR_USERS if name == ob.name)
            ob.only_for["Inv." + ANCHORED] = (ANCHORED, *users)
            for (name, goal), keep in FOCUS.items():
                if name != ob.name or goal not in ob.goals:
                    continue
                for hyp, _ in ob.hypotheses:
                    if hyp.startswith("Inv.") and hyp[4:] not in keep:
                        given = ob.only_for.get(hyp, tuple(ob.goals))
                        ob.only_for[hyp] = tuple(g for g in given if g != goal)
        return obs
