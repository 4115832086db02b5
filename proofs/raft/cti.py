"""Counterexamples to induction of the Raft proof, read back as a readable pair of Raft states.

Servers are ``s1..``, terms and indices are numbered by the model's orders (``TermZero``
and ``IndexZero`` are 0), values ``v1..``, quorums ``Q1..`` with their members. Each state
shows, per server, its term, role, vote, the votes it tallied and its log as
``[index: (term, value), ...]``, then the messages in flight and the elections history.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import z3

from proofs.cti import CTI, Names, false_goals, read_step
from proofs.logic import Outcome
from proofs.raft.encoding import RaftEncoding, RaftZ3State


@dataclass
class RaftSnapshot:
    """One state of a CTI as (what, readable value) rows."""

    rows: list[tuple[str, str]]


class RaftCTI(CTI):
    """A counterexample: the state, the step and the next state (for an inductive step), the broken goals."""


def _names(model: z3.ModelRef, enc: RaftEncoding) -> Names:
    """Readable names for a model's elements, and the elements of each sort in display order."""
    voc = enc.voc
    names = Names()
    names.ordered(model, voc.Term, voc.leT, voc.TermZero)
    names.ordered(model, voc.Index, voc.leI, voc.IndexZero)
    for sort, prefix in ((voc.Node, "s"), (voc.Value, "v"), (voc.Quorum, "Q")):
        names.numbered(model, sort, prefix)
    return names


def snapshot(model: z3.ModelRef, s: RaftZ3State, names: Names) -> RaftSnapshot:
    """The relations of ``s`` in the model, as rows: one per server, then messages and elections."""
    N, T, I, V = (names.order[k] for k in ("Node", "Term", "Index", "Value"))

    def holds(rel: z3.FuncDeclRef, *args: z3.ExprRef) -> bool:
        return z3.is_true(model.eval(rel(*args), model_completion=True))

    def one(xs: list[str]) -> str:
        return xs[0] if len(xs) == 1 else "{" + ", ".join(xs) + "}"

    rows = []
    for n in N:
        role = "Leader" if holds(s.leader, n) else "Candidate" if holds(s.candidate, n) else "Follower"
        if holds(s.leader, n) and holds(s.candidate, n):
            role = "Leader+Candidate"
        terms = one([names(t) for t in T if holds(s.currentTerm, n, t)])
        votes = [names(c) for c in N if holds(s.votedFor, n, c)]
        vote = one(votes) if votes else "Nil"
        granted = "{" + ", ".join(names(j) for j in N if holds(s.votesGranted, n, j)) + "}"
        log = [(x, t, v) for x, t, v in itertools.product(I, T, V) if holds(s.log, n, x, t, v)]
        entries = [f"{names(x)}: ({names(t)}, {names(v)})" for x, t, v in log]
        row = f"term {terms}, {role}, votedFor {vote}, votesGranted {granted}, log [{', '.join(entries)}]"
        if "commitIdx" in s.rel:  # the commit model: commitIndex, and a leader's matchIndex of each server
            row += f", commitIndex {one([names(x) for x in I if holds(s.commitIdx, n, x)] or ['?'])}"
            if holds(s.leader, n):
                match = [(k, x) for k, t, x in itertools.product(N, T, I) if holds(s.currentTerm, n, t)
                         and holds(s.matchGe, k, t, x)]  # fmt: skip
                row += ", matchIndex >= {" + ", ".join(f"{names(k)}: {names(x)}" for k, x in match) + "}"
        rows.append((names(n), row))
    msgs = [
        f"vote {names(j)}->{names(c)} (term {names(t)})"
        for j, c, t in itertools.product(N, N, T)
        if holds(s.voteResp, j, c, t)
    ]
    if "commitIdx" in s.rel:
        msgs += _commit_messages(s, holds, names)
    else:
        msgs += [
            f"AppendEntries(prev {names(p)}: term {names(pt)}, entry {names(e)}: ({names(et)}, {names(ev)}))"
            for p, pt, e, et, ev in itertools.product(I, T, I, T, V)
            if holds(s.appendReq, p, pt, e, et, ev)
        ]
    rows.append(("messages", "{" + ", ".join(msgs) + "}"))
    elections = []
    for t in T:
        leaders = [names(c) for c in N if holds(s.elected, t, c)]
        if leaders or any(holds(s.electionVote, t, j) for j in N):
            voters = ", ".join(names(j) for j in N if holds(s.electionVote, t, j))
            elections.append(f"term {names(t)}: {one(leaders) if leaders else 'nobody'} by {{{voters}}}")
    rows.append(("elections", "{" + "; ".join(elections) + "}"))
    return RaftSnapshot(rows)


def _commit_messages(s: RaftZ3State, holds: Callable[..., bool], names: Names) -> list[str]:
    """The commit model's messages: requests with their term and commitIndex, RequestVote, success responses."""
    N, T, I, V = (names.order[k] for k in ("Node", "Term", "Index", "Value"))
    out = [
        f"AppendEntries(term {names(t)}, prev {names(p)}: term {names(pt)}, "
        f"entry {names(e)}: ({names(et)}, {names(ev)}))"
        for t, p, pt, e, et, ev in itertools.product(T, I, T, I, T, V)
        if holds(s.appendReq, t, p, pt, e, et, ev)
    ]
    out += [
        f"AppendEntries(term {names(t)}, last {names(x)}: term {names(xt)}, commitIndex {names(c)})"
        for t, x, xt, c in itertools.product(T, I, T, I)
        if holds(s.reqCommit, t, x, xt, c)
    ]
    out += [
        f"RequestVote({names(c)}, term {names(t)}, last {names(x)}: term {names(xt)})"
        for c, t, x, xt in itertools.product(N, T, I, T)
        if holds(s.rvReq, c, t, x, xt)
    ]
    out += [
        f"success {names(k)} (term {names(t)}, index >= {names(x)})"
        for k, t, x in itertools.product(N, T, I)
        if holds(s.respGe, k, t, x)
    ]
    return out


def extract(outcome: Outcome) -> RaftCTI:
    """Read a counterexample outcome of the Raft proof back as a CTI."""
    enc: RaftEncoding = outcome.obligation.context["encoding"]
    model, names, before, after, action = read_step(outcome, _names, snapshot, enc.LABELS)
    quorums = {
        names(q): [names(n) for n in names.order["Node"] if z3.is_true(model.eval(enc.voc.member(n, q), True))]
        for q in names.order["Quorum"]
    }
    return RaftCTI(outcome.name, quorums, before, after, action, broken_goals(outcome))


def broken_goals(outcome: Outcome) -> list[str]:
    """The goals false in the counterexample's model, evaluated on its finite universe."""
    voc = outcome.obligation.context["encoding"].voc
    symbols = [voc.leT, voc.leI, voc.succ, voc.member, voc.TermZero.decl(), voc.IndexZero.decl()]
    return false_goals(outcome, voc.sorts, symbols)
