"""Raft's commit machinery in Z3: :mod:`proofs.raft.encoding`'s coarse model with the rules LeaderCompleteness needs.

The coarse model lets a server vote without comparing logs, a follower accept or cut
entries on any request whatever its term, and has no commitIndex. This model adds what
raft.tla says there (each rule one a catalog variant changes):

- ``rvReq(c, t, li, lt)``: a RequestVote request of candidate c in term t whose log ends at
  index li of term lt; a vote is granted only to a log at least as up to date as the
  voter's (``VoteLogOk``: vote-without-log-check and vote-len-only change it);
- ``appendReq(t, p, pt, e, et, ev)``: the entry requests carry their term; a follower takes
  an entry, or cuts its log on a conflict, only from a request of its own term
  (``AppendTermOk``: accept-stale-term);
- ``reqCommit(t, l, lt, c)``: every AppendEntries request (heartbeats too) of term t whose last
  entry is index l of term lt (0 and 0 for none) and whose mcommitIndex is c, the leader's
  commitIndex capped at l (``LeaderCommitFor``: commit-no-min);
- ``commitIdx(n, x)``: commitIndex; a follower takes the request's when its log holds the
  request's last entry, and answers with success (``AcceptCommit``; truncate-on-match cuts
  the log there too);
- ``respGe(k, t, x)``: a successful response of k in term t acknowledging index >= x (x >= 1);
- ``matchGe(k, t, x)``: the leader of term t has matchIndex[k] >= x (x >= 1), from a response
  (``AckedIndex``: match-len); it commits index x when a quorum (itself and those with
  ``matchGe``) holds x and entry x is of its own term (``CommitTermOk``: no-figure8-rule).

Message removal is one action, ``DropMessages``: any in-flight tuples may go (a receive that
consumes a message, a reject, a drop). What is proved here is what the coarse model proves,
on this finer model; LeaderCompleteness and StateMachineSafety are not proved (docs/proofs.md
says what their invariant needs beyond this model).
"""

from __future__ import annotations

import z3

from proofs.raft.encoding import (
    ACTION_LABELS,
    ActionEncoding,
    Draft,
    RaftEncoding,
    RaftZ3State,
    add,
    set_row,
    update,
)


class CommitState(RaftZ3State):
    """The coarse model's relations, entry requests with their term, and the commit machinery's relations."""

    SIGNATURE: dict[str, tuple[str, ...]] = {
        **RaftZ3State.SIGNATURE,
        "appendReq": ("Term", "Index", "Term", "Index", "Term", "Value"),
        "rvReq": ("Node", "Term", "Index", "Term"),
        "reqCommit": ("Term", "Index", "Term", "Index"),
        "commitIdx": ("Node", "Index"),
        "respGe": ("Node", "Term", "Index"),
        "matchGe": ("Node", "Term", "Index"),
    }


#: Messages: every relation a DropMessages step may shrink.
MESSAGES = ("voteResp", "appendReq", "rvReq", "reqCommit", "respGe")

COMMIT_LABELS: dict[str, tuple[str, ...]] = {
    "Restart": ACTION_LABELS["Restart"],
    "Timeout": ACTION_LABELS["Timeout"],
    "UpdateTerm": ACTION_LABELS["UpdateTerm"],
    "RequestVote": ("i", "t", "k", "kt", "kv"),
    "GrantVote": ("i", "j", "t", "li", "lt", "k", "kt", "kv"),
    "HandleRequestVoteResponse": ACTION_LABELS["HandleRequestVoteResponse"],
    "BecomeLeader": ACTION_LABELS["BecomeLeader"],
    "ClientRequest": ACTION_LABELS["ClientRequest"],
    "AdvanceCommitIndex": ("i", "t", "x", "xt", "xv", "q"),
    "AppendEntries": ("i", "p", "pt", "e", "et", "ev", "t", "pv", "ci", "c"),
    "Heartbeat": ("i", "t", "p", "pt", "pv", "ci", "c"),
    "AcceptEntry": ("i", "p", "pt", "e", "et", "ev", "pv", "t"),
    "AcceptCommit": ("i", "t", "l", "lt", "lv", "c"),
    "RemoveLastEntry": ("i", "x", "xt", "xv", "t", "p", "pt", "e", "et", "ev", "eu", "euv"),
    "ReturnToFollower": ACTION_LABELS["ReturnToFollower"],
    "HandleAppendEntriesResponse": ("i", "j", "t", "m"),
    "DropMessages": (),
}


class RaftCommitEncoding(RaftEncoding):
    """raft.tla's votes, terms, commitIndex and matchIndex on top of the coarse model; the same safety proved."""

    LABELS = COMMIT_LABELS
    SORT_OF = {
        **RaftEncoding.SORT_OF,
        "li": "Index", "lt": "Term", "ci": "Index", "c": "Index", "l": "Index", "lv": "Value",
        "eu": "Term", "euv": "Value", "m": "Index",
    }  # fmt: skip

    def state(self, tag: str) -> CommitState:
        """Fresh relations for one state."""
        return CommitState(self.voc, tag)

    def request(self, s: RaftZ3State, *entry: z3.ExprRef) -> z3.BoolRef:
        """An entry request of some term carries ``(p, pt, e, et, ev)``."""
        m = z3.Const("M_", self.voc.Term)
        return z3.Exists([m], s.appendReq(m, *entry))

    def real_state(self, s: RaftZ3State) -> list[z3.BoolRef]:
        """The coarse model's preferences, one commitIndex per server, and no message the CTI does not need."""
        voc = self.voc
        n = z3.Const("N", voc.Node)
        x, y = z3.Consts("X Y", voc.Index)
        quiet = [z3.ForAll(xs, z3.Not(getattr(s, name)(*xs))) for name in MESSAGES for xs in [s.fresh(name)]]
        one = z3.ForAll([n, x, y], z3.Implies(z3.And(s.commitIdx(n, x), s.commitIdx(n, y)), x == y))
        return [*super().real_state(s), one, z3.ForAll([n], z3.Exists([x], s.commitIdx(n, x))), *quiet]

    # -- the rules a catalog variant changes, one method each ---------------------------------
    def vote_log_ok(self, lt: z3.ExprRef, li: z3.ExprRef, kt: z3.ExprRef, k: z3.ExprRef) -> z3.BoolRef:
        """VoteLogOk: the candidate's last term is later, or the same with a log at least as long."""
        return z3.Or(self.voc.ltT(kt, lt), z3.And(kt == lt, self.voc.leI(k, li)))

    def append_term_ok(self, s: RaftZ3State, i: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
        """AppendTermOk: the request's term is i's current term."""
        return s.currentTerm(i, t)

    def commit_term_ok(self, xt: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
        """CommitTermOk: the entry committed is of the leader's term."""
        return xt == t

    def leader_commit_for(self, ci: z3.ExprRef, last: z3.ExprRef, c: z3.ExprRef) -> z3.BoolRef:
        """LeaderCommitFor: mcommitIndex is Min({commitIndex, last entry the request covers})."""
        le = self.voc.leI
        return z3.Or(z3.And(le(ci, last), c == ci), z3.And(le(last, ci), c == last))

    # -- the actions: the coarse model's, refined, and the new ones --------------------------
    def refine(self, d: Draft) -> None:
        """A vote needs the candidate's request, from a log up to date; Restart, UpdateTerm and BecomeLeader
        also reset what the model keeps of matchIndex and commitIndex."""
        name, ps, pre, post, guards, changes = d.name, d.ps, d.pre, d.post, d.guards, d.changes
        voc = self.voc
        if name in ("Restart", "UpdateTerm"):
            i = ps[0]
            # The matchIndex of a leader that stops leading is no longer the leader of its term's.
            stops = lambda u: z3.And(pre.leader(i), pre.currentTerm(i, u))  # noqa: E731
            kept = lambda k, u, x: z3.And(pre.matchGe(k, u, x), z3.Not(stops(u)))  # noqa: E731
            changes["matchGe"] = update(pre, post, "matchGe", kept)
        if name == "Restart":
            changes["commitIdx"] = set_row(pre, post, "commitIdx", ps[0], lambda x: x == voc.IndexZero)
        if name == "GrantVote":
            _, j, t, li, lt, k, kt, kv = ps
            i = ps[0]
            guards += [pre.rvReq(j, t, li, lt), self._ends(pre, i, k, kt, kv), self.vote_log_ok(lt, li, kt, k)]
            changes.update(self._shrink(pre, post, "rvReq"))
        if name == "BecomeLeader":
            t = ps[1]
            changes["matchGe"] = update(pre, post, "matchGe", lambda k, u, x: z3.And(pre.matchGe(k, u, x), u != t))

    def _ends(self, s: RaftZ3State, n: z3.ExprRef, k: z3.ExprRef, kt: z3.ExprRef, kv: z3.ExprRef) -> z3.BoolRef:
        """n's log ends at index k of term kt (k = 0 and kt = 0: empty)."""
        voc = self.voc
        return z3.And(self.log_ends_at(s, n, k, kt, kv), z3.Implies(k == voc.IndexZero, kt == voc.TermZero))

    def _shrink(self, pre: RaftZ3State, post: RaftZ3State, *names: str) -> dict[str, z3.BoolRef]:
        """Each named message relation may lose tuples (a receive consumes, the network drops)."""
        out = {}
        for name in names:
            xs = pre.fresh(name)
            out[name] = z3.ForAll(xs, z3.Implies(getattr(post, name)(*xs), getattr(pre, name)(*xs)))
        return out

    def a_RequestVote(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """RequestVote(i, j): candidate i of term t, whose log ends at k (term kt), asks for votes."""
        i, t, k, kt, kv = self.params("RequestVote")
        guards = [pre.candidate(i), pre.currentTerm(i, t), self._ends(pre, i, k, kt, kv)]
        return self.build("RequestVote", pre, post, guards, {"rvReq": add(pre, post, "rvReq", i, t, k, kt)})

    def a_AdvanceCommitIndex(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """Leader i of term t commits index x, held by quorum q (itself and matchIndex >= x), entry x of its term."""
        i, t, x, xt, xv, q = self.params("AdvanceCommitIndex")
        k = z3.Const("K_", self.voc.Node)
        return self.build("AdvanceCommitIndex", pre, post, [
            pre.leader(i),
            pre.currentTerm(i, t),
            pre.log(i, x, xt, xv),
            self.commit_term_ok(xt, t),
            z3.ForAll([k], z3.Implies(self.voc.member(k, q), z3.Or(k == i, pre.matchGe(k, t, x)))),
        ], {"commitIdx": set_row(pre, post, "commitIdx", i, lambda y: y == x)})  # fmt: skip

    def a_AppendEntries(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """AppendEntries(i, j) with an entry: the request has the leader's term and its capped commitIndex."""
        i, p, pt, e, et, ev, t, pv, ci, c = self.params("AppendEntries")
        guards = self.sends_entry(pre, i, t, p, pt, pv, e, et, ev) + [
            pre.commitIdx(i, ci), self.leader_commit_for(ci, e, c),
        ]  # fmt: skip
        return self.build("AppendEntries", pre, post, guards, {
            "appendReq": add(pre, post, "appendReq", t, p, pt, e, et, ev),
            "reqCommit": add(pre, post, "reqCommit", t, e, et, c),
        })  # fmt: skip

    def a_Heartbeat(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """AppendEntries(i, j) with no entry: leader i of term t sends entry p's index and term and its commitIndex."""
        i, t, p, pt, pv, ci, c = self.params("Heartbeat")
        voc = self.voc
        return self.build("Heartbeat", pre, post, [
            pre.leader(i),
            pre.currentTerm(i, t),
            z3.Or(z3.And(p == voc.IndexZero, pt == voc.TermZero), pre.log(i, p, pt, pv)),
            pre.commitIdx(i, ci),
            self.leader_commit_for(ci, p, c),
        ], {"reqCommit": add(pre, post, "reqCommit", t, p, pt, c)})  # fmt: skip

    def a_AcceptEntry(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """HandleAppendEntriesRequest, no conflict: a follower in the request's term appends its entry."""
        i, p, pt, e, et, ev, pv, t = self.params("AcceptEntry")
        return self.build("AcceptEntry", pre, post, [
            self.follower(pre, i),
            self.append_term_ok(pre, i, t),
            pre.appendReq(t, p, pt, e, et, ev),
            self.log_ends_at(pre, i, p, pt, pv),
        ], {"log": add(pre, post, "log", i, e, et, ev)})  # fmt: skip

    def a_AcceptCommit(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """HandleAppendEntriesRequest, already done: the follower holds the request's last entry l (term lt).

        It takes the request's commitIndex c and answers success for index l; the request may be consumed.
        """
        i, t, l, lt, lv, c = self.params("AcceptCommit")[:6]
        voc = self.voc
        changes = {
            "commitIdx": set_row(pre, post, "commitIdx", i, lambda y: y == c),
            "respGe": add_up_to(pre, post, "respGe", i, t, l, voc),
            **self._shrink(pre, post, "appendReq", "reqCommit"),
        }
        changes.update(self.matched_log(pre, post, i, l))
        return self.build("AcceptCommit", pre, post, [
            self.follower(pre, i),
            self.append_term_ok(pre, i, t),
            pre.reqCommit(t, l, lt, c),
            z3.Or(z3.And(l == voc.IndexZero, lt == voc.TermZero), pre.log(i, l, lt, lv)),
        ], changes)  # fmt: skip

    def matched_log(self, pre: RaftZ3State, post: RaftZ3State, i: z3.ExprRef, l: z3.ExprRef) -> dict[str, z3.BoolRef]:
        """MatchedLog: what an already-done request does to the log (raft.tla: nothing)."""
        return {}

    def a_RemoveLastEntry(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """HandleAppendEntriesRequest, conflict: entry e of a request of i's term has another term (eu) in i's log."""
        i, x, xt, xv, t, p, pt, e, et, ev, eu, euv = self.params("RemoveLastEntry")[:12]
        voc = self.voc
        pv = z3.Const("PV_", voc.Value)
        return self.build("RemoveLastEntry", pre, post, [
            self.follower(pre, i),
            self.append_term_ok(pre, i, t),
            pre.appendReq(t, p, pt, e, et, ev),
            z3.Or(p == voc.IndexZero, z3.Exists([pv], pre.log(i, p, pt, pv))),
            pre.log(i, e, eu, euv),
            eu != et,
            self.log_ends_at(pre, i, x, xt, xv),
            x != voc.IndexZero,
        ], {"log": update(pre, post, "log", lambda n, y, u, w: z3.And(pre.log(n, y, u, w), z3.Not(z3.And(
            n == i, y == x, u == xt, w == xv))))})  # fmt: skip

    def a_HandleAppendEntriesResponse(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """Leader i of term t takes j's success response: matchIndex[i][j] becomes m (AckedIndex)."""
        i, j, t, m = self.params("HandleAppendEntriesResponse")
        voc = self.voc
        return self.build("HandleAppendEntriesResponse", pre, post, [
            pre.leader(i), pre.currentTerm(i, t), self.acked_index(pre, i, j, t, m),
        ], {
            "matchGe": update(pre, post, "matchGe", lambda k, u, y: z3.If(
                z3.And(k == j, u == t), z3.And(y != voc.IndexZero, voc.leI(y, m)), pre.matchGe(k, u, y))),
            **self._shrink(pre, post, "respGe"),
        })  # fmt: skip

    def acked_index(self, s: RaftZ3State, i: z3.ExprRef, j: z3.ExprRef, t: z3.ExprRef, m: z3.ExprRef) -> z3.BoolRef:
        """AckedIndex: m is the index a success response of j in term t acknowledges (0: one that carries none)."""
        return z3.Or(m == self.voc.IndexZero, s.respGe(j, t, m))

    def a_DropMessages(self, pre: RaftZ3State, post: RaftZ3State) -> ActionEncoding:
        """Messages leave the network: consumed by a receive, rejected, or dropped."""
        return self.build("DropMessages", pre, post, [], self._shrink(pre, post, *MESSAGES))


def add_up_to(
    pre: RaftZ3State, post: RaftZ3State, name: str, k: z3.ExprRef, t: z3.ExprRef, last: z3.ExprRef, voc: object
) -> z3.BoolRef:
    """``name`` (k, t, x) for every 1 <= x <= last is added: a fact about index ``last`` holds for those below it."""
    return update(
        pre,
        post,
        name,
        lambda n, u, x: z3.Or(
            getattr(pre, name)(n, u, x), z3.And(n == k, u == t, x != voc.IndexZero, voc.leI(x, last))  # type: ignore[attr-defined]
        ),
    )
