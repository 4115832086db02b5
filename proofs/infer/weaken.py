"""Minimum weakening (DistAI's refinement): a clause Houdini drops comes back one literal weaker.

Enumeration keeps only the minimal clauses true on the samples, and a minimal clause can be
too strong to be inductive where a weaker one is: at the samples' bounds
``~electionVote(T1,N2) | ~voteResp(N2,N1,T1)`` holds on every explored Raft state, but the
proof model breaks it, while ``... | elected(T1,N1)`` is preserved. So when Houdini drops a
clause ``c`` because a step's post-state falsifies it, each ``c | l`` with ``l`` a literal of
``c``'s template (over its atoms, both signs) that holds in that post-state joins as a new
candidate. It holds on the samples too (``c`` does), so the pool stays a set of clauses true
on every explored state; if it breaks later it is weakened again, up to ``max_literals``.

Left out, as in enumeration: a weakening with a literal of an atom ``c`` already has, with
``X != Y`` between two variables (a smaller clause says it), one already proposed (up to
renaming variables of a sort), and one implied by a live candidate whose literals it contains up
to such a renaming (that candidate says more, and is still in). Only universal clauses are weakened.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from proofs.infer.enumerate import canonical_key, clause_of, merges_variables
from proofs.infer.language import Clause, Literal
from proofs.infer.samples import Rows, Samples, rows
from proofs.infer.select import Pool
from proofs.infer.templates import rename_atom


@dataclass
class Weakener:
    """Proposes the one-literal weakenings of dropped clauses, adds them to the pool, remembers their origin."""

    pool: Pool
    max_literals: int
    #: weakening (pool index) -> the dropped clause it weakens (pool index)
    origin: dict[int, int] = field(default_factory=dict)
    _seen: set[tuple[int, str]] = field(default_factory=set)
    _rows: dict[tuple[int, int], Rows] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._seen = {self._key(i) for i in range(len(self.pool.clauses))}

    def _key(self, i: int) -> tuple[int, str]:
        t = self.pool.template_of[i]
        return t, canonical_key(self.pool.clauses[i], self.pool.templates[t])

    def __call__(self, dropped: int, after: Samples, live: Collection[int]) -> list[int]:
        """The new candidates weakening ``dropped`` that hold in ``after`` (the post-state that broke it)."""
        c = self.pool.clauses[dropped]
        if c.exists is not None or len(c.lits) >= self.max_literals:
            return []
        t = self.pool.template_of[dropped]
        tpl = self.pool.templates[t]
        key = (id(after), t)
        if key not in self._rows:  # one post-state breaks many clauses: its rows are computed once per template
            self._rows = {k: v for k, v in self._rows.items() if k[0] == id(after)}
            self._rows[key] = rows([after], tpl, self.pool.atoms[t], [])
        r = self._rows[key]
        fails = -1
        for lit in c.lits:
            fails &= r.false_of[lit]
        have = {lit.atom for lit in c.lits}
        syms = tpl.symmetries()
        stronger = [
            _renamed(self.pool.clauses[i].lits, {})
            for i in live
            if self.pool.template_of[i] == t and self.pool.clauses[i].exists is None
        ]
        out = []
        for atom in self.pool.atoms[t]:
            if atom in have:
                continue
            for positive in (False, True):
                lit = Literal(atom, positive)
                if fails & r.false_of[lit]:
                    continue  # false somewhere the dropped clause is: the same step breaks it
                w = clause_of(tpl, sorted((*c.lits, lit)))
                if merges_variables(w):
                    continue
                images = [_renamed(w.lits, r) for r in syms]
                if any(s <= im for s in stronger for im in images):
                    continue
                k = (t, canonical_key(w, tpl))
                if k in self._seen:
                    continue
                self._seen.add(k)
                self.pool.add(t, [w])
                i = len(self.pool.clauses) - 1
                self.origin[i] = dropped
                out.append(i)
        return out

    def lineage(self, i: int) -> list[Clause]:
        """The clause and the dropped clauses it was weakened from, newest first."""
        out = [self.pool.clauses[i]]
        while i in self.origin:
            i = self.origin[i]
            out.append(self.pool.clauses[i])
        return out


def _renamed(lits: Iterable[Literal], ren: dict[str, str]) -> frozenset[Literal]:
    """The literals with variables renamed (equalities in one argument order, so sets compare)."""
    return frozenset(Literal(rename_atom(lit.atom, ren), lit.positive) for lit in lits)
