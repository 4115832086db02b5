"""The abstraction from ``spec/multipaxos.py`` states to the relations of :mod:`proofs.multipaxos.encoding`.

A MultiPaxos.tla state is mapped to the model's relations (:meth:`MultiPaxosInstance.abstract`)
and each spec step to the model's action that should explain it, every parameter bound
(:meth:`MultiPaxosInstance.steps`); the instance is also a :class:`~proofs.evaluate.Structure`,
so the very formulas handed to Z3 are evaluated on the spec's states. Replicas, ballots (0 is
``NoBal``), commands (nil, -1, is ``NoVal``) and slots are the spec's ints; a quorum is any set
of at least MajorityNum replicas, numbered in a fixed order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from proofs.evaluate import Structure
from proofs.multipaxos.encoding import MPState
from spec.core import Label
from spec.multipaxos import (
    ACCEPT,
    ACCEPT_REPLY,
    BAL_MAX_KNOWN,
    BAL_PREPARED,
    COMMIT_NOTICE,
    INSTS,
    NIL,
    PREPARE,
    PREPARE_REPLY,
    MultiPaxos,
    MultiPaxosState,
)

#: An abstract state: one frozenset of argument tuples per relation, in MPState.SIGNATURE order.
Abstract = tuple[frozenset, ...]
RELATIONS = tuple(MPState.SIGNATURE)


class MultiPaxosInstance:
    """The finite domains of one spec instance, the abstraction function and the rigid symbols."""

    def __init__(self, spec: MultiPaxos) -> None:
        self.spec = spec
        reps = spec.Replicas
        self.quorums = [
            frozenset(c) for k in range(spec.MajorityNum, len(reps) + 1) for c in itertools.combinations(reps, k)
        ]
        self.quorum_index = {q: i for i, q in enumerate(self.quorums)}
        self.domains: dict[str, list[int]] = {
            "Acc": list(reps),
            "Bal": [0, *spec.Ballots],
            "Val": [NIL, *spec.Commands],
            "Slot": list(spec.Slots),
            "Quorum": list(range(len(self.quorums))),
        }
        quorums = self.quorums
        self.fixed: dict[str, Any] = {
            "le": lambda x, y: x <= y,
            "member": lambda a, q: a in quorums[q],
            "NoBal": 0,
            "NoVal": NIL,
        }

    def abstract(self, s: MultiPaxosState) -> Abstract:
        """The model's relations in state s, in MPState.SIGNATURE order."""
        reps, bals = self.spec.Replicas, self.domains["Bal"]
        accepts = {(m[2], m[3]): m[4] for m in s.msgs if m[0] == ACCEPT}
        rel = {
            "maxBal": frozenset((r, s.node[r][BAL_MAX_KNOWN]) for r in reps),
            "left": frozenset((r, c) for r in reps for c in bals if c < s.node[r][BAL_MAX_KNOWN]),
            "maxVBal": frozenset((r, k, i[2]) for r in reps for k, i in enumerate(s.node[r][INSTS], 1)),
            "maxVal": frozenset((r, k, i[3]) for r in reps for k, i in enumerate(s.node[r][INSTS], 1)),
            "msg1a": frozenset((m[2],) for m in s.msgs if m[0] == PREPARE),
            "msg1b": frozenset(
                (m[1], m[2], k, x, w) for m in s.msgs if m[0] == PREPARE_REPLY for k, (x, w) in enumerate(m[3], 1)
            ),
            "msg2a": frozenset((b, k, c) for (b, k), c in accepts.items()),
            "msg2b": frozenset(
                (m[1], m[2], m[3], accepts[(m[2], m[3])])
                for m in s.msgs
                if m[0] == ACCEPT_REPLY and (m[2], m[3]) in accepts
            ),
            "notice": frozenset((m[1],) for m in s.msgs if m[0] == COMMIT_NOTICE),
        }
        return tuple(rel[name] for name in RELATIONS)

    def structure(self, states: dict[str, Abstract], params: dict[str, Any] | None = None) -> Structure:
        """The rigid symbols, each abstract state's relations (by tag) and the free parameters."""
        symbols = dict(self.fixed)
        for tag, a in states.items():
            for name, tuples in zip(RELATIONS, a):
                symbols[name + tag] = _membership(tuples)
        symbols.update(params or {})
        return Structure(self.domains, symbols)

    def show(self, a: Abstract) -> dict[str, list[tuple]]:
        """An abstract state, relation by relation, for a failure report."""
        return {name: sorted(tuples) for name, tuples in zip(RELATIONS, a)}

    def steps(self, s: MultiPaxosState, label: Label, t: MultiPaxosState) -> list[tuple[str, dict[str, Any]]]:
        """The model's action (every parameter the spec fixes bound) that should explain the step; [] a stutter.

        Binding reads the step's own sent messages (``t.msgs - s.msgs``), the spec's state and its label."""
        name, p = label.name, label.params
        node = s.node
        sent = t.msgs - s.msgs

        def repliers(pred: Callable[[tuple], bool]) -> int | None:
            return self.quorum_index.get(frozenset(m[1] for m in s.msgs if pred(m)))

        if name in ("BecomeLeader", "HandlePrepare"):
            r = p[0]
            b = p[1] if name == "BecomeLeader" else p[1][2]
            return [(name, {"r": r, "b": b, "x": node[r][BAL_MAX_KNOWN]})]
        if name == "HandlePrepareReplies":
            b = node[p[0]][BAL_MAX_KNOWN]
            return [(name, {"b": b, "q": repliers(lambda m: m[0] == PREPARE_REPLY and m[2] == b)})]
        if name == "TakeNewRequest":
            r = p[0]
            ((_, _, b, k, c),) = [m for m in sent if m[0] == ACCEPT]
            # the witness: the replies for b that report no vote in slot k (a quorum once b is prepared), else all
            # replies for b (what gap-fill-ignores-votes's leader heard)
            empty = repliers(lambda m: m[0] == PREPARE_REPLY and m[2] == b and m[3][k - 1][0] == 0)
            heard = repliers(lambda m: m[0] == PREPARE_REPLY and m[2] == b)
            bound = {"r": r, "b": b, "k": k, "v": c, "x": node[r][BAL_MAX_KNOWN]}
            return [(name, {**bound, "q": q}) for q in (empty, heard)]
        if name == "HandleAccept":
            r, (_, _, b, k, c) = p
            voted = node[r][INSTS][k - 1][2]
            return [(name, {"r": r, "b": b, "k": k, "v": c, "x": node[r][BAL_MAX_KNOWN], "y": voted})]
        if name == "HandleAcceptReplies":
            notices = [m for m in sent if m[0] == COMMIT_NOTICE]
            if not notices:
                return []
            k, b = notices[0][1], node[p[0]][BAL_PREPARED]
            c = next((m[4] for m in s.msgs if m[0] == ACCEPT and m[2] == b and m[3] == k), NIL)
            q = repliers(lambda m: m[0] == ACCEPT_REPLY and m[2] == b and m[3] == k)
            return [(name, {"k": k, "b": b, "v": c, "q": q})]
        if name == "Restart":
            return [(name, {"r": p[0]})]
        # HandleCommitNotice, Finish, Terminating, LocalRead: the model does not see them.
        return []


def _membership(tuples: frozenset) -> Callable[..., bool]:
    return lambda *args: args in tuples
