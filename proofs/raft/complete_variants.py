"""The catalog's LeaderCompleteness variants as models: :mod:`proofs.raft.complete` with the one rule each changes.

Each variant of spec/raft_variants.py that breaks LeaderCompleteness changes one rule of
raft.tla; the proof model has that rule as a method, so the variant's model is the complete
model with the method overridden the way the variant's spec overrides it. Proving the variant's
model fails at the obligation of the action whose rule changed, with a counterexample to
induction drawn as Raft states (tests/test_proof_raft_complete.py names each).
"""

from __future__ import annotations

import z3

from proofs.raft.complete import COMPLETE_LABELS, RaftCompleteEncoding
from proofs.raft.encoding import Draft, RaftZ3State, set_row


class NoFigure8Rule(RaftCompleteEncoding):
    """no-figure8-rule: a leader commits an index a quorum stores, whatever the entry's term."""

    def commit_term_ok(self, xt: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
        """Any term will do."""
        return z3.BoolVal(True)


class VoteWithoutLogCheck(RaftCompleteEncoding):
    """vote-without-log-check: a vote is granted whatever the candidate's log."""

    def vote_log_ok(self, lt: z3.ExprRef, li: z3.ExprRef, kt: z3.ExprRef, k: z3.ExprRef) -> z3.BoolRef:
        """Every candidate's log is good enough."""
        return z3.BoolVal(True)


class MatchLen(RaftCompleteEncoding):
    """match-len: on a success response the leader takes its own log's length as the follower's match."""

    def acked_index(self, s: RaftZ3State, i: z3.ExprRef, j: z3.ExprRef, t: z3.ExprRef, m: z3.ExprRef) -> z3.BoolRef:
        """m is the length of i's log."""
        voc = self.voc
        y, u, w = z3.Const("Ym", voc.Index), z3.Const("Um", voc.Term), z3.Const("Wm", voc.Value)
        return z3.And(
            z3.ForAll([y, u, w], z3.Implies(s.log(i, y, u, w), voc.leI(y, m))),
            z3.Or(m == voc.IndexZero, z3.Exists([u, w], s.log(i, m, u, w))),
        )


class AcceptStaleTerm(RaftCompleteEncoding):
    """accept-stale-term: a follower takes a request of a term older than its own as if it were current."""

    def append_term_ok(self, s: RaftZ3State, i: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
        """The request's term is not after i's."""
        u = z3.Const("Ua", self.voc.Term)
        return z3.Exists([u], z3.And(s.currentTerm(i, u), self.voc.leT(t, u)))


class VoteLenOnly(RaftCompleteEncoding):
    """vote-len-only: the up-to-date check compares log lengths only."""

    def vote_log_ok(self, lt: z3.ExprRef, li: z3.ExprRef, kt: z3.ExprRef, k: z3.ExprRef) -> z3.BoolRef:
        """The candidate's log is at least as long, whatever its last term."""
        return self.voc.leI(k, li)


class CommitNoMin(RaftCompleteEncoding):
    """commit-no-min: mcommitIndex is the leader's commitIndex, not capped at the request's last entry."""

    def leader_commit_for(self, ci: z3.ExprRef, last: z3.ExprRef, c: z3.ExprRef) -> z3.BoolRef:
        """The leader's commitIndex as it is."""
        return c == ci


class TruncateOnMatch(RaftCompleteEncoding):
    """truncate-on-match: an already-done request cuts the follower's log after the request's last entry."""

    LABELS = {**COMPLETE_LABELS, "AcceptCommit": (*COMPLETE_LABELS["AcceptCommit"], "k", "kt")}

    def matched_log(self, pre: RaftZ3State, post: RaftZ3State, i: z3.ExprRef, l: z3.ExprRef) -> dict[str, z3.BoolRef]:
        """MatchedLog is log[i][:l]: i's entries above l go."""
        return {"log": set_row(pre, post, "log", i, lambda y, u, w: z3.And(pre.log(i, y, u, w), self.voc.leI(y, l)))}

    def refine(self, d: Draft) -> None:
        """After a cut, i's last entry (k, kt) becomes the request's (l, lt) (k a parameter: the step stays EPR)."""
        super().refine(d)
        name, ps, pre, post, guards, changes = d.name, d.ps, d.pre, d.post, d.guards, d.changes
        if name == "AcceptCommit":
            voc, (i, _, l, lt), (k, kt) = self.voc, ps[:4], ps[-2:]
            guards.append(pre.lastEntry(i, k, kt))
            cut = z3.Not(voc.leI(k, l))
            changes["lastEntry"] = set_row(
                pre, post, "lastEntry", i, lambda y, u: z3.If(cut, z3.And(y == l, u == lt), pre.lastEntry(i, y, u))
            )


class VolatileLog(RaftCompleteEncoding):
    """volatile-log: Restart empties the log."""

    def refine(self, d: Draft) -> None:
        """Restart also loses the log (and its last entry becomes none)."""
        super().refine(d)
        name, ps, pre, post, changes = d.name, d.ps, d.pre, d.post, d.changes
        if name == "Restart":
            voc, i = self.voc, ps[0]
            changes["log"] = set_row(pre, post, "log", i, lambda y, u, w: z3.BoolVal(False))
            changes["lastEntry"] = set_row(
                pre, post, "lastEntry", i, lambda y, u: z3.And(y == voc.IndexZero, u == voc.TermZero)
            )


#: Catalog variant name -> its model.
VARIANTS: dict[str, type[RaftCompleteEncoding]] = {
    "no-figure8-rule": NoFigure8Rule,
    "vote-without-log-check": VoteWithoutLogCheck,
    "match-len": MatchLen,
    "accept-stale-term": AcceptStaleTerm,
    "volatile-log": VolatileLog,
    "vote-len-only": VoteLenOnly,
    "commit-no-min": CommitNoMin,
    "truncate-on-match": TruncateOnMatch,
}
