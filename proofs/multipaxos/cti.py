"""Counterexamples to induction of the Multi-Paxos proof: a Z3 model read back as a pair of MultiPaxos.tla states.

Named as the spec names things: ballots by the model's order (``NoBal`` is 0, the next 1, ...),
replicas ``s1..``, commands ``c1..`` (``NoVal`` is nil), slots ``1..``, quorums ``Q1..``. The
printing and drawing are the shared ones (:mod:`proofs.cti`, with Paxos's message column).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import z3

from proofs.cti import Names, false_goals, read_step
from proofs.logic import Outcome
from proofs.multipaxos.encoding import ACTION_LABELS, MPState
from proofs.paxos.cti import CTI, _holds, _one


@dataclass
class MultiPaxosSnapshot:
    """One state of a CTI: each replica's promise and per-slot vote, the messages."""

    balMaxKnown: dict[str, list[str]]
    voted: dict[str, list[str]]
    msgs: list[str]

    @property
    def rows(self) -> list[tuple[str, str]]:
        """(variable, readable value) lines."""
        return [
            ("balMaxKnown", ", ".join(f"{a} |-> {_one(v)}" for a, v in self.balMaxKnown.items())),
            *[(f"voted {key}", ", ".join(vals)) for key, vals in self.voted.items()],
            ("msgs", "{" + ", ".join(self.msgs) + "}"),
        ]


class MultiPaxosCTI(CTI):
    """Paxos's CTI with the wider variable column slot rows need."""

    key_width = 14


def _names(model: z3.ModelRef, enc: object) -> Names:
    voc = enc.voc  # type: ignore[attr-defined]
    names = Names()
    names.ordered(model, voc.Bal, voc.le, voc.NoBal)  # NoBal is 0, as the spec's "no ballot"
    noval = model.eval(voc.NoVal)
    vals = list(model.get_universe(voc.Val) or [])
    others = iter(range(1, len(vals) + 1))
    for v in vals:
        names.of[v.sexpr()] = "nil" if v.eq(noval) else f"c{next(others)}"
    names.order["Val"] = vals
    for sort, prefix in ((voc.Acc, "s"), (voc.Slot, "slot"), (voc.Quorum1, "Q")):
        names.numbered(model, sort, prefix)
    return names


def snapshot(model: z3.ModelRef, s: MPState, names: Names) -> MultiPaxosSnapshot:
    """The relations of ``s`` in the model, named as the spec names them."""
    A, B, V, K = (names.order[n] for n in ("Acc", "Bal", "Val", "Slot"))
    n = names
    promise = {n(a): [n(x) for x in B if _holds(model, s.maxBal, a, x)] for a in A}
    voted = {}
    for a in A:
        voted[n(a)] = [
            f"{n(k)} |-> ({_one([n(x) for x in B if _holds(model, s.maxVBal, a, k, x)])}, "
            f"{_one([n(v) for v in V if _holds(model, s.maxVal, a, k, v)])})"
            for k in K
        ]
    msgs = [f"Prepare({n(b)})" for b in B if _holds(model, s.msg1a, b)]
    msgs += [
        f"PrepareReply({n(a)}, bal={n(b)}, {n(k)}: voted ({n(x)}, {n(v)}))"
        for a, b, k, x, v in itertools.product(A, B, K, B, V)
        if _holds(model, s.msg1b, a, b, k, x, v)
    ]
    msgs += [
        f"Accept(bal={n(b)}, {n(k)}, cmd={n(v)})"
        for b, k, v in itertools.product(B, K, V)
        if _holds(model, s.msg2a, b, k, v)
    ]
    msgs += [
        f"AcceptReply({n(a)}, bal={n(b)}, {n(k)}, cmd={n(v)})"
        for a, b, k, v in itertools.product(A, B, K, V)
        if _holds(model, s.msg2b, a, b, k, v)
    ]
    msgs += [f"CommitNotice({n(k)})" for k in K if _holds(model, s.notice, k)]
    return MultiPaxosSnapshot(promise, voted, msgs)


def extract(outcome: Outcome) -> CTI:
    """Read a counterexample outcome's model back as a CTI."""
    model, names, before, after, action = read_step(outcome, _names, snapshot, ACTION_LABELS)
    voc = outcome.obligation.context["encoding"].voc
    quorums = {
        names(q): [names(a) for a in names.order["Acc"] if _holds(model, voc.member1, a, q)]
        for q in names.order[voc.Quorum1.name()]
    }
    return MultiPaxosCTI(outcome.name, quorums, before, after, action, broken_goals(outcome))


def broken_goals(outcome: Outcome) -> list[str]:
    """The goals false in the counterexample's model, evaluated on its finite universe."""
    ctx = outcome.obligation.context
    voc = ctx["encoding"].voc
    symbols = [voc.le, voc.member1, voc.NoBal.decl(), voc.NoVal.decl()]
    return false_goals(outcome, ctx["sorts"], symbols)
