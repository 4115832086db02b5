"""The abstraction from ``spec/raft.py`` states with their history to :mod:`proofs.raft.complete`'s model.

A state here is a :class:`~proofs.raft.ghost.Ghosted` pair: the spec state and the two
history variables the proof records beside it (:mod:`proofs.raft.ghost`). The commit model's
relations are read from the spec state (:mod:`proofs.raft.commit_instance`); the history ones
from raft.tla's own histories and the recorded ones:

- ``started``: the terms of ``elections``; ``left(n, t)``: t below currentTerm[n];
- ``termLog(t)``: the elog of t's election, and every entry of term t in ``allLogs`` or a log;
- ``acked`` and ``cmtVia``: the recorded acks and commits; ``cmtBy(T)``: commits of a term <= T;
- ``lastEntry(n)``: (Len(log[n]), LastTerm(log[n])).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from proofs.raft import ghost
from proofs.raft.commit_instance import CommitInstance
from proofs.raft.complete import CompleteState
from spec.core import Label
from spec.raft import LastTerm


class CompleteInstance(CommitInstance):
    """The complete model's relations of a (state, history) pair, and the abstract steps of a spec step."""

    relations = tuple(CompleteState.SIGNATURE)

    def reachable(self) -> Iterator[tuple[ghost.Ghosted, bool, list]]:
        """Every reachable (state, history) pair, breadth first."""
        return ghost.reachable(self.spec)

    def relation_values(self, x: ghost.Ghosted) -> dict[str, frozenset]:  # type: ignore[override]
        """The commit model's relations of the state, and the history's."""
        s, g = x
        rel = super().relation_values(s)
        S, terms = self.spec.Server, self.domains["Term"]
        term_log = {(e[0], y, t, v) for e in s.elections for y, (t, v) in enumerate(e[2], 1)}
        for lg in (*s.allLogs, *s.log):
            term_log.update((t, y, t, v) for y, (t, v) in enumerate(lg, 1))
        cmt = frozenset((t, xa, y, et, ev) for t, xa, y, (et, ev) in g.commits)
        rel["started"] = frozenset((e[0],) for e in s.elections)
        rel["left"] = frozenset((i, t) for i in S for t in terms if t < s.currentTerm[i])
        rel["termLog"] = frozenset(term_log)
        rel["acked"] = g.acks
        rel["cmtVia"] = cmt
        rel["cmtBy"] = frozenset((big, y, et, ev) for t, _, y, et, ev in cmt for big in terms if t <= big)
        rel["lastEntry"] = frozenset((i, len(s.log[i]), LastTerm(s.log[i])) for i in S)
        return rel

    def steps(self, x: ghost.Ghosted, label: Label) -> list[tuple[str, dict[str, Any]]]:  # type: ignore[override]
        """The commit model's abstract steps; RemoveLastEntry also names the entry that becomes the last, and
        AcceptCommit the responder's term."""
        s = x.s
        out = super().steps(s, label)
        if label.name != "HandleAppendEntriesRequest":
            return out
        i = label.params[0]
        lg = s.log[i]
        px = max(len(lg) - 1, 0)
        pxt, pxv = lg[px - 1] if px else (0, 0)
        more = {"RemoveLastEntry": {"px": px, "pxt": pxt, "pxv": pxv}, "AcceptCommit": {"rt": s.currentTerm[i]}}
        return [(n, {**ps, **more.get(n, {})}) for n, ps in out]
