"""Raft in Z3: an abstraction of ``spec/raft.py`` (raft.tla) over uninterpreted sorts, and its inductive invariant.

The model is raft.tla seen through an abstraction function (:mod:`proofs.raft.instance`),
in the style of mypyvy's ``raft_epr.pyv``: sorts ``Node``, ``Term`` and ``Index`` (total
orders whose least elements ``TermZero``/``IndexZero`` are raft.tla's 0), ``Value`` and
``Quorum`` (membership and the intersection axiom); every variable is a relation:

- ``currentTerm(n, t)``, ``leader(n)``, ``candidate(n)`` (a follower is neither),
  ``votedFor(n, c)`` (empty row: Nil), ``votesGranted(n, j)``;
- ``voteResp(j, c, t)``: a granted RequestVote response from j to c of term t is in flight;
- ``elected(t, c)``, ``electionVote(t, j)``: the ``elections`` history (leader, votes);
- ``log(n, i, t, v)``: entry i of n's log is ``[term |-> t, value |-> v]``;
- ``appendReq(p, pt, e, et, ev)``: an AppendEntries request with one entry is in flight:
  ``mprevLogIndex = p``, ``mprevLogTerm = pt`` and entry ``e`` (= p + 1) is (et, ev).

What the abstraction forgets: the bag's counts (messages form a set, and a receive may
or may not remove the last copy), the RequestVote requests, denied responses and
AppendEntries responses, heartbeats (no entry), the message fields source, destination,
mterm, mlog and mcommitIndex, and commitIndex, nextIndex, matchIndex, votesResponded,
voterLog and allLogs. So the model is coarser than raft.tla: a server may move to any
higher term (UpdateTerm and Timeout), grant a vote without the log check, and a follower
may accept any in-flight entry or drop its last entry. Raft's commit rule, and with it
LeaderCompleteness and StateMachineSafety, is not in this model.

Safety proved: ElectionSafety (the elections history has one leader per term),
OneLeaderPerTerm and LogMatching. Every query is in EPR (see :func:`proofs.logic.fragment`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import z3

from proofs.logic import Obligation, inductive_obligations, total_order_axioms

#: Each action's label parameters (named as the spec's actions name them), then its witnesses.
ACTION_LABELS = {
    "Restart": ("i",),
    "Timeout": ("i", "t", "t2"),
    "UpdateTerm": ("i", "t", "t2"),
    "GrantVote": ("i", "j", "t"),
    "HandleRequestVoteResponse": ("i", "j", "t", "keep"),
    "BecomeLeader": ("i", "t", "q"),
    "ClientRequest": ("i", "v", "t", "k", "e", "kt", "kv"),
    "AppendEntries": ("i", "p", "pt", "e", "et", "ev", "t", "pv"),
    "AcceptEntry": ("i", "p", "pt", "e", "et", "ev", "pv"),
    "RemoveLastEntry": ("i", "x", "xt", "xv"),
    "ReturnToFollower": ("i",),
    "DropVoteResponse": ("j", "i", "t"),
    "DropAppendRequest": ("p", "pt", "e", "et", "ev"),
}


class RaftVocabulary:
    """The sorts and the rigid symbols: term and index orders, index successor, quorum membership."""

    def __init__(self) -> None:
        self.Node = z3.DeclareSort("Node")
        self.Term = z3.DeclareSort("Term")
        self.Index = z3.DeclareSort("Index")
        self.Value = z3.DeclareSort("Value")
        self.Quorum = z3.DeclareSort("Quorum")
        self.leT = z3.Function("leT", self.Term, self.Term, z3.BoolSort())
        self.leI = z3.Function("leI", self.Index, self.Index, z3.BoolSort())
        self.succ = z3.Function("succ", self.Index, self.Index, z3.BoolSort())
        self.member = z3.Function("member", self.Node, self.Quorum, z3.BoolSort())
        self.TermZero = z3.Const("TermZero", self.Term)
        self.IndexZero = z3.Const("IndexZero", self.Index)

    @property
    def sorts(self) -> list[z3.SortRef]:
        """Every sort, in the order a CTI is minimised."""
        return [self.Node, self.Term, self.Index, self.Value, self.Quorum]

    def ltT(self, x: z3.ExprRef, y: z3.ExprRef) -> z3.BoolRef:
        """Strictly earlier term."""
        return z3.And(self.leT(x, y), x != y)

    def ltI(self, x: z3.ExprRef, y: z3.ExprRef) -> z3.BoolRef:
        """Strictly smaller index."""
        return z3.And(self.leI(x, y), x != y)

    def axioms(self) -> list[tuple[str, z3.BoolRef]]:
        """Total orders with least elements 0; succ(x, y) is y = x + 1; any two quorums meet."""
        out = [(f"TermOrder{i + 1}", ax) for i, ax in enumerate(total_order_axioms(self.leT, self.Term))]
        out += [(f"IndexOrder{i + 1}", ax) for i, ax in enumerate(total_order_axioms(self.leI, self.Index))]
        t = z3.Const("T", self.Term)
        x, y, z = z3.Consts("X Y Z", self.Index)
        out.append(("TermZeroLeast", z3.ForAll([t], self.leT(self.TermZero, t))))
        out.append(("IndexZeroLeast", z3.ForAll([x], self.leI(self.IndexZero, x))))
        # No axiom that every index has a successor: it would close an Index -> Index cycle.
        out.append(("SuccAbove", z3.ForAll([x, y], z3.Implies(self.succ(x, y), self.ltI(x, y)))))
        out.append(
            (
                "SuccNext",
                z3.ForAll([x, y, z], z3.Implies(z3.And(self.succ(x, y), self.ltI(x, z)), self.leI(y, z))),
            )
        )
        q, r, n = z3.Const("Q", self.Quorum), z3.Const("R", self.Quorum), z3.Const("N", self.Node)
        out.append(
            (
                "QuorumIntersection",
                z3.ForAll([q, r], z3.Exists([n], z3.And(self.member(n, q), self.member(n, r)))),
            )
        )
        return out


class RaftZ3State:
    """The relations of one state (names suffixed by a tag: '' before a step, "'" after)."""

    SIGNATURE: dict[str, tuple[str, ...]] = {
        "currentTerm": ("Node", "Term"),
        "leader": ("Node",),
        "candidate": ("Node",),
        "votedFor": ("Node", "Node"),
        "votesGranted": ("Node", "Node"),
        "voteResp": ("Node", "Node", "Term"),
        "elected": ("Term", "Node"),
        "electionVote": ("Term", "Node"),
        "log": ("Node", "Index", "Term", "Value"),
        "appendReq": ("Index", "Term", "Index", "Term", "Value"),
    }

    def __init__(self, voc: RaftVocabulary, tag: str) -> None:
        self.voc, self.tag = voc, tag
        self.rel: dict[str, z3.FuncDeclRef] = {}
        for name, sig in self.SIGNATURE.items():
            sorts = [getattr(voc, s) for s in sig]
            self.rel[name] = z3.Function(name + tag, *sorts, z3.BoolSort())
            setattr(self, name, self.rel[name])

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> Any:
            """(for mypy: the relations are attributes set by name above)"""

    def fresh(self, name: str, suffix: str = "_") -> list[z3.ExprRef]:
        """Bound variables for the arguments of relation ``name``."""
        return [z3.Const(f"{s[0]}{k}{suffix}", getattr(self.voc, s)) for k, s in enumerate(self.SIGNATURE[name])]


# -- transition building blocks -------------------------------------------------------------
def update(pre: RaftZ3State, post: RaftZ3State, name: str, new: Callable[..., z3.BoolRef]) -> z3.BoolRef:
    """``post.name(xs) = new(xs)`` for all xs (``new`` is given the arguments)."""
    xs = pre.fresh(name)
    return z3.ForAll(xs, getattr(post, name)(*xs) == new(*xs))


def same(pre: RaftZ3State, post: RaftZ3State, *names: str) -> z3.BoolRef:
    """UNCHANGED for the named relations."""
    return z3.And([update(pre, post, n, getattr(pre, n)) for n in names])


def add(pre: RaftZ3State, post: RaftZ3State, name: str, *tup: z3.ExprRef) -> z3.BoolRef:
    """``post.name = pre.name \\cup {tup}``."""
    return update(pre, post, name, lambda *xs: z3.Or(getattr(pre, name)(*xs), _is(xs, tup)))


def remove(pre: RaftZ3State, post: RaftZ3State, name: str, *tup: z3.ExprRef) -> z3.BoolRef:
    """``post.name = pre.name \\ {tup}``."""
    return update(pre, post, name, lambda *xs: z3.And(getattr(pre, name)(*xs), z3.Not(_is(xs, tup))))


def set_row(
    pre: RaftZ3State, post: RaftZ3State, name: str, n: z3.ExprRef, value: Callable[..., z3.BoolRef]
) -> z3.BoolRef:
    """``[name EXCEPT ![n] = ...]`` for a relation whose first argument is a node: row n becomes ``value``."""
    return update(pre, post, name, lambda x, *rest: z3.If(x == n, value(*rest), getattr(pre, name)(x, *rest)))


def _is(xs: tuple, tup: tuple) -> z3.BoolRef:
    return z3.And([x == t for x, t in zip(xs, tup)])


@dataclass
class Draft:
    """An action as :meth:`RaftEncoding.build` drafts it, for :meth:`RaftEncoding.refine` to add to in place.

    One object, so that every finer model's ``refine`` states its signature once.
    """

    name: str
    ps: list[z3.ExprRef]
    pre: RaftZ3State
    post: RaftZ3State
    #: The guards, and the new value of each relation the action changes (every other one is UNCHANGED).
    guards: list[z3.BoolRef]
    changes: dict[str, z3.BoolRef]


@dataclass
class ActionEncoding:
    """One abstract action: its parameters (labelled as in :data:`ACTION_LABELS`) and transition formula."""

    name: str
    params: list[z3.ExprRef]
    formula: z3.BoolRef

    @property
    def witnesses(self) -> list[z3.ExprRef]:
        """Parameters no label names: none (a CTI's step shows the labelled ones, :func:`proofs.cti.action_text`)."""
        return []


class RaftEncoding:
    """The abstract model's Init, actions, invariant conjuncts and safety properties."""

    SAFETY: tuple[str, ...] = ("ElectionSafety", "OneLeaderPerTerm", "LogMatching")
    #: The actions and their label parameters; the sort of each parameter name.
    LABELS: dict[str, tuple[str, ...]] = ACTION_LABELS
    SORT_OF: dict[str, str] = {
        "i": "Node", "j": "Node", "t": "Term", "t2": "Term", "q": "Quorum", "v": "Value", "k": "Index",
        "e": "Index", "kt": "Term", "kv": "Value", "p": "Index", "pt": "Term", "et": "Term", "ev": "Value",
        "pv": "Value", "x": "Index", "xt": "Term", "xv": "Value",
    }  # fmt: skip

    def __init__(self) -> None:
        self.voc = RaftVocabulary()

    def state(self, tag: str) -> RaftZ3State:
        """Fresh relations for one state."""
        return RaftZ3State(self.voc, tag)

    def params(self, action: str) -> list[z3.ExprRef]:
        """The parameters of an action as Z3 constants (the same objects every time: Z3 interns by name)."""
        v = self.voc
        return [z3.Bool(p) if p == "keep" else z3.Const(p, getattr(v, self.SORT_OF[p])) for p in self.LABELS[action]]

    # -- derived predicates -----------------------------------------------------------------
    def follower(self, s: RaftZ3State, n: z3.ExprRef) -> z3.BoolRef:
        """n is neither leader nor candidate."""
        return z3.And(z3.Not(s.leader(n)), z3.Not(s.candidate(n)))

    def voted(self, s: RaftZ3State, j: z3.ExprRef, t: z3.ExprRef, c: z3.ExprRef) -> z3.BoolRef:
        """Some part of the state shows that j voted for c in term t.

        j's own votedFor while in term t, a granted response in flight, the votes a
        candidate or leader of term t tallied, or the votes of an election of term t.
        """
        return z3.Or(
            z3.And(s.currentTerm(j, t), s.votedFor(j, c)),
            s.voteResp(j, c, t),
            z3.And(z3.Not(self.follower(s, c)), s.currentTerm(c, t), s.votesGranted(c, j)),
            z3.And(s.elected(t, c), s.electionVote(t, j)),
        )

    def log_ends_at(self, s: RaftZ3State, n: z3.ExprRef, k: z3.ExprRef, kt: z3.ExprRef, kv: z3.ExprRef) -> z3.BoolRef:
        """Len(log[n]) = k: no entry above k, and (unless k = 0) entry k is (kt, kv)."""
        voc = self.voc
        y, u, w = z3.Const("Y_", voc.Index), z3.Const("U_", voc.Term), z3.Const("W_", voc.Value)
        return z3.And(
            z3.ForAll([y, u, w], z3.Implies(s.log(n, y, u, w), voc.leI(y, k))),
            z3.Or(k == voc.IndexZero, s.log(n, k, kt, kv)),
        )

    # -- Init and the actions ----------------------------------------------------------------
    def init(self, s: RaftZ3State) -> z3.BoolRef:
        """Init: every server a follower in term 1 (some term above 0) with an empty log; nothing else."""
        voc = self.voc
        one = z3.Const("One", voc.Term)
        n, t = z3.Const("N", voc.Node), z3.Const("T", voc.Term)
        empty = [
            z3.ForAll(xs, z3.Not(getattr(s, name)(*xs)))
            for name in RaftZ3State.SIGNATURE
            if name != "currentTerm"
            for xs in [s.fresh(name)]
        ]
        return z3.Exists(
            [one], z3.And(one != voc.TermZero, z3.ForAll([n, t], s.currentTerm(n, t) == (t == one)), *empty)
        )

    def actions(self, pre: RaftZ3State, post: RaftZ3State) -> list[ActionEncoding]:
        """Every abstract action, in the order of :attr:`LABELS`."""
        return [getattr(self, "a_" + name)(pre, post) for name in self.LABELS]

    def action(self, name: str, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """One abstract action by name."""
        return getattr(self, "a_" + name)(pre, post)

    def build(
        self, name: str, pre: RaftZ3State, post: RaftZ3State, guards: list[z3.BoolRef], changes: dict[str, z3.BoolRef]
    ) -> ActionEncoding:
        """An action from its guards and the new value of each relation it changes; every other one is UNCHANGED.

        :meth:`refine` sees both first, so a finer model adds its guards and relations to a step here.
        """
        d = Draft(name, self.params(name), pre, post, list(guards), dict(changes))
        self.refine(d)
        rest = [n for n in pre.SIGNATURE if n not in d.changes]
        return ActionEncoding(name, d.ps, z3.And(*d.guards, *d.changes.values(), same(pre, post, *rest)))

    def refine(self, d: Draft) -> None:
        """A finer model's additions to the drafted action, in place (this model adds none)."""

    def a_Restart(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """Restart(i): i becomes a follower and forgets its votes; term, votedFor and log survive."""
        (i,) = self.params("Restart")
        return self.build("Restart", pre, post, [], {
            "leader": update(pre, post, "leader", lambda n: z3.And(pre.leader(n), n != i)),
            "candidate": update(pre, post, "candidate", lambda n: z3.And(pre.candidate(n), n != i)),
            "votesGranted": set_row(pre, post, "votesGranted", i, lambda j: z3.BoolVal(False)),
        })  # fmt: skip

    def a_Timeout(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """Timeout(i): a non-leader in term t becomes a candidate in a later term t2, with no vote and no votes."""
        i, t, t2 = self.params("Timeout")
        return self.build("Timeout", pre, post, [z3.Not(pre.leader(i)), pre.currentTerm(i, t), self.voc.ltT(t, t2)], {
            "currentTerm": set_row(pre, post, "currentTerm", i, lambda u: u == t2),
            "candidate": update(pre, post, "candidate", lambda n: z3.Or(pre.candidate(n), n == i)),
            "votedFor": set_row(pre, post, "votedFor", i, lambda c: z3.BoolVal(False)),
            "votesGranted": set_row(pre, post, "votesGranted", i, lambda j: z3.BoolVal(False)),
        })  # fmt: skip

    def a_UpdateTerm(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """UpdateTerm(i): i in term t moves to a later term t2 as a follower that has not voted."""
        i, t, t2 = self.params("UpdateTerm")
        return self.build("UpdateTerm", pre, post, [pre.currentTerm(i, t), self.voc.ltT(t, t2)], {
            "currentTerm": set_row(pre, post, "currentTerm", i, lambda u: u == t2),
            "leader": update(pre, post, "leader", lambda n: z3.And(pre.leader(n), n != i)),
            "candidate": update(pre, post, "candidate", lambda n: z3.And(pre.candidate(n), n != i)),
            "votedFor": set_row(pre, post, "votedFor", i, lambda c: z3.BoolVal(False)),
        })  # fmt: skip

    def a_GrantVote(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """HandleRequestVoteRequest, granting: i in term t, with no vote or a vote for j, votes for j."""
        i, j, t = self.params("GrantVote")[:3]
        c = z3.Const("C_", self.voc.Node)
        return self.build("GrantVote", pre, post, [
            pre.currentTerm(i, t), z3.ForAll([c], z3.Implies(pre.votedFor(i, c), c == j)),
        ], {
            "votedFor": set_row(pre, post, "votedFor", i, lambda x: x == j),
            "voteResp": add(pre, post, "voteResp", i, j, t),
        })  # fmt: skip

    def a_HandleRequestVoteResponse(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """i in term t tallies j's granted vote of term t; the response is consumed unless a copy is ``keep``."""
        i, j, t, keep = self.params("HandleRequestVoteResponse")
        return self.build("HandleRequestVoteResponse", pre, post, [pre.currentTerm(i, t), pre.voteResp(j, i, t)], {
            "votesGranted": add(pre, post, "votesGranted", i, j),
            "voteResp": z3.If(keep, same(pre, post, "voteResp"), remove(pre, post, "voteResp", j, i, t)),
        })  # fmt: skip

    def a_BecomeLeader(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """BecomeLeader(i): candidate i of term t holds votes of quorum q; the election is recorded."""
        i, t, q = self.params("BecomeLeader")
        n = z3.Const("N_", self.voc.Node)
        return self.build("BecomeLeader", pre, post, [
            pre.candidate(i),
            pre.currentTerm(i, t),
            z3.ForAll([n], z3.Implies(self.voc.member(n, q), pre.votesGranted(i, n))),
        ], {
            "leader": update(pre, post, "leader", lambda x: z3.Or(pre.leader(x), x == i)),
            "candidate": update(pre, post, "candidate", lambda x: z3.And(pre.candidate(x), x != i)),
            "elected": add(pre, post, "elected", t, i),
            "electionVote": update(
                pre, post, "electionVote",
                lambda u, x: z3.Or(pre.electionVote(u, x), z3.And(u == t, pre.votesGranted(i, x))),
            ),
        })  # fmt: skip

    def a_ClientRequest(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """ClientRequest(i, v): leader i of term t, whose log ends at k, appends (t, v) at e = k + 1."""
        i, v, t, k, e, kt, kv = self.params("ClientRequest")
        return self.build("ClientRequest", pre, post, [
            pre.leader(i), pre.currentTerm(i, t), self.log_ends_at(pre, i, k, kt, kv), self.voc.succ(k, e),
        ], {"log": add(pre, post, "log", i, e, t, v)})  # fmt: skip

    def a_AppendEntries(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """AppendEntries(i, j): leader i of term t sends entry e = p + 1 of its log with the term of entry p."""
        i, p, pt, e, et, ev, t, pv = self.params("AppendEntries")[:8]
        return self.build("AppendEntries", pre, post, self.sends_entry(pre, i, t, p, pt, pv, e, et, ev), {
            "appendReq": add(pre, post, "appendReq", p, pt, e, et, ev),
        })  # fmt: skip

    def sends_entry(
        self, s: RaftZ3State, i: z3.ExprRef, t: z3.ExprRef, p: z3.ExprRef, pt: z3.ExprRef, pv: z3.ExprRef,
        e: z3.ExprRef, et: z3.ExprRef, ev: z3.ExprRef,
    ) -> list[z3.BoolRef]:
        """Leader i of term t holds entry p (term pt; p = 0 and pt = 0 for none) and entry e = p + 1 = (et, ev)."""
        voc = self.voc
        return [
            s.leader(i),
            s.currentTerm(i, t),
            z3.Or(z3.And(p == voc.IndexZero, pt == voc.TermZero), s.log(i, p, pt, pv)),
            voc.succ(p, e),
            s.log(i, e, et, ev),
        ]  # fmt: skip

    def a_AcceptEntry(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """HandleAppendEntriesRequest, no conflict: follower i whose log ends at p (term pt) appends entry e."""
        i, p, pt, e, et, ev, pv = self.params("AcceptEntry")[:7]
        return self.build("AcceptEntry", pre, post, [
            self.follower(pre, i), pre.appendReq(p, pt, e, et, ev), self.log_ends_at(pre, i, p, pt, pv),
        ], {"log": add(pre, post, "log", i, e, et, ev)})  # fmt: skip

    def a_RemoveLastEntry(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """HandleAppendEntriesRequest, conflict: follower i removes its last entry x."""
        i, x, xt, xv = self.params("RemoveLastEntry")[:4]
        return self.build("RemoveLastEntry", pre, post, [
            self.follower(pre, i), self.log_ends_at(pre, i, x, xt, xv), x != self.voc.IndexZero,
        ], {"log": remove(pre, post, "log", i, x, xt, xv)})  # fmt: skip

    def a_ReturnToFollower(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """HandleAppendEntriesRequest to a candidate of the request's term: it returns to follower state."""
        (i,) = self.params("ReturnToFollower")
        return self.build("ReturnToFollower", pre, post, [pre.candidate(i)], {
            "candidate": update(pre, post, "candidate", lambda n: z3.And(pre.candidate(n), n != i)),
        })  # fmt: skip

    def a_DropVoteResponse(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """The last copy of a granted vote response leaves the network (dropped, or discarded as stale)."""
        j, i, t = self.params("DropVoteResponse")
        return self.build("DropVoteResponse", pre, post, [pre.voteResp(j, i, t)], {
            "voteResp": remove(pre, post, "voteResp", j, i, t),
        })  # fmt: skip

    def a_DropAppendRequest(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """The last request carrying this entry leaves the network (dropped, rejected or already done)."""
        p, pt, e, et, ev = self.params("DropAppendRequest")
        return self.build("DropAppendRequest", pre, post, [pre.appendReq(p, pt, e, et, ev)], {
            "appendReq": remove(pre, post, "appendReq", p, pt, e, et, ev),
        })  # fmt: skip

    # -- the inductive invariant ------------------------------------------------------------
    def invariant(self, s: RaftZ3State) -> dict[str, z3.BoolRef]:
        """The inductive invariant as named conjuncts (each one needed: tests/test_proof_raft.py)."""
        voc = self.voc
        N, M, J, C = z3.Consts("N M J C", voc.Node)
        T, U, W = z3.Consts("T U W", voc.Term)
        X, Y, P, E = z3.Consts("X Y P E", voc.Index)
        V, V2 = z3.Consts("V V2", voc.Value)
        Q = z3.Const("Q", voc.Quorum)
        fa, imp, And, Not, Ex = z3.ForAll, z3.Implies, z3.And, z3.Not, z3.Exists
        voted = self.voted

        def started(t: z3.ExprRef) -> z3.BoolRef:
            return Ex([C], s.elected(t, C))

        return {
            "CurrentTermFunctional": fa([N, T, U], imp(And(s.currentTerm(N, T), s.currentTerm(N, U)), T == U)),
            # Votes: one per server and term, never in a term the server has not reached, and recorded in votedFor.
            "VoteUnique": fa([J, T, N, M], imp(And(voted(s, J, T, N), voted(s, J, T, M)), N == M)),
            "VoteNotFuture": fa([J, T, C, U], imp(And(voted(s, J, T, C), s.currentTerm(J, U)), voc.leT(T, U))),
            "VoteRecorded": fa([J, T, C], imp(And(voted(s, J, T, C), s.currentTerm(J, T)), s.votedFor(J, C))),
            # Elections: a quorum voted, a leader was elected in its term, in a term reached, and not as a candidate.
            "ElectionQuorum": fa(
                [T, Q], imp(Ex([C], s.elected(T, C)), Ex([J], And(voc.member(J, Q), s.electionVote(T, J))))
            ),
            "ElectionVoteElected": fa([T], imp(Ex([J], s.electionVote(T, J)), started(T))),
            "LeaderElected": fa([N, T], imp(And(s.leader(N), s.currentTerm(N, T)), s.elected(T, N))),
            "ElectedNotFuture": fa([T, C, U], imp(And(s.elected(T, C), s.currentTerm(C, U)), voc.leT(T, U))),
            "ElectedNotCandidate": fa([T, C], Not(And(s.elected(T, C), s.candidate(C), s.currentTerm(C, T)))),
            # Logs: one entry per index, none at 0, and LogMatching itself.
            "LogFunctional": fa(
                [N, X, T, U, V, V2], imp(And(s.log(N, X, T, V), s.log(N, X, U, V2)), And(T == U, V == V2))
            ),
            "NoEntryAtZero": fa([N, T, V], Not(s.log(N, voc.IndexZero, T, V))),
            "LogMatching": self.log_matching(s),
            # Entries of term t exist only after an election of t; while its leader leads, it holds them all.
            "EntryTermStarted": fa([T], imp(Ex([N, X, V], s.log(N, X, T, V)), started(T))),
            "RequestTermStarted": fa([T], imp(Ex([P, U, E, V], self.request(s, P, U, E, T, V)), started(T))),
            "LeaderHoldsTermEntries": fa(
                [M, T, N, X, V], imp(And(s.leader(M), s.currentTerm(M, T), s.log(N, X, T, V)), s.log(M, X, T, V))
            ),
            "LeaderHoldsTermRequests": fa(
                [M, T, P, U, E, V],
                imp(And(s.leader(M), s.currentTerm(M, T), self.request(s, P, U, E, T, V)), s.log(M, E, T, V)),
            ),
            # An AppendEntries request is a fragment of a log: entry p + 1 after entry p (term 0 for p = 0),
            # consistent with every log holding an entry of the same index and term, and with every other request.
            "RequestIndexSucc": fa([P, U, E, T, V], imp(self.request(s, P, U, E, T, V), voc.succ(P, E))),
            "RequestPrevZero": fa([U, E, T, V], imp(self.request(s, voc.IndexZero, U, E, T, V), voc.TermZero == U)),
            "RequestsAgree": fa(
                [P, U, W, E, T, V, V2],
                imp(And(self.request(s, P, U, E, T, V), self.request(s, P, W, E, T, V2)), And(U == W, V == V2)),
            ),
            "RequestMatchesValue": fa(
                [P, U, E, T, V, N, V2], imp(And(self.request(s, P, U, E, T, V), s.log(N, E, T, V2)), V == V2)
            ),
            "RequestMatchesPrev": fa(
                [N, P, U, E, T],
                imp(
                    And(Ex([V], self.request(s, P, U, E, T, V)), Ex([V], s.log(N, E, T, V)), voc.IndexZero != P),
                    Ex([V2], s.log(N, P, U, V2)),
                ),
            ),
        }

    def request(self, s: RaftZ3State, *entry: z3.ExprRef) -> z3.BoolRef:
        """An AppendEntries request carrying ``(p, pt, e, et, ev)`` is in flight."""
        return s.appendReq(*entry)

    def log_matching(self, s: RaftZ3State) -> z3.BoolRef:
        """LogMatching: two logs with an entry of the same index and term agree on every entry up to it."""
        voc = self.voc
        N, M = z3.Consts("N M", voc.Node)
        X, Y = z3.Consts("X Y", voc.Index)
        T, U = z3.Consts("T U", voc.Term)
        V, V2, W = z3.Consts("V V2 W", voc.Value)
        return z3.ForAll(
            [N, M, X, T, V, V2, Y, U, W],
            z3.Implies(
                z3.And(s.log(N, X, T, V), s.log(M, X, T, V2), voc.leI(Y, X)),
                s.log(N, Y, U, W) == s.log(M, Y, U, W),
            ),
        )

    def safety(self, s: RaftZ3State) -> dict[str, z3.BoolRef]:
        """The spec's invariants this model proves."""
        voc = self.voc
        N, M = z3.Consts("N M", voc.Node)
        T = z3.Const("T", voc.Term)
        return {
            "ElectionSafety": z3.ForAll([T, N, M], z3.Implies(z3.And(s.elected(T, N), s.elected(T, M)), N == M)),
            "OneLeaderPerTerm": z3.ForAll(
                [N, M, T],
                z3.Implies(z3.And(s.leader(N), s.leader(M), s.currentTerm(N, T), s.currentTerm(M, T)), N == M),
            ),
            "LogMatching": self.log_matching(s),
        }

    def real_state(self, s: RaftZ3State) -> list[z3.BoolRef]:
        """What a CTI should preferably show: one term per server, one vote, one entry per index, prefix-closed logs."""
        voc = self.voc
        N, C, D = z3.Consts("N C D", voc.Node)
        T, U = z3.Consts("T U", voc.Term)
        X, Y = z3.Consts("X Y", voc.Index)
        V = z3.Const("V", voc.Value)
        return [
            z3.ForAll([N], z3.Exists([T], s.currentTerm(N, T))),
            z3.ForAll([N, C, D], z3.Implies(z3.And(s.votedFor(N, C), s.votedFor(N, D)), C == D)),
            z3.ForAll(
                [N, X, Y],
                z3.Implies(
                    z3.And(z3.Exists([T, V], s.log(N, X, T, V)), voc.ltI(voc.IndexZero, Y), voc.leI(Y, X)),
                    z3.Exists([U, V], s.log(N, Y, U, V)),
                ),
            ),
        ]

    # -- obligations -----------------------------------------------------------------------------
    def obligations(self, drop: tuple[str, ...] = ()) -> list[Obligation]:
        """Init => Inv; Inv /\\ A => Inv' per action; Inv => each safety property (``drop``: conjuncts left out)."""
        return inductive_obligations(self, drop, self.voc.sorts, self.safety)
