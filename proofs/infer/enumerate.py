"""The candidate clauses: every clause of a template that holds on every sampled row, and no weaker one.

Clauses grow one literal at a time, in a fixed literal order, from those that still fail on
some row (a clause that holds is kept and never extended: its extensions are weaker). A
literal that is false on no row where the clause fails is not added (the longer clause would
hold only where a shorter one does). Clauses equal up to renaming variables of one sort are
kept once. Forall-exists clauses ``U | exists y. E`` pair each failing universal part ``U``
with the strongest existential disjuncts ``E`` that hold wherever ``U`` fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from proofs.infer.language import EQ, Atom, Clause, Exists, Literal, Signature
from proofs.infer.samples import Rows
from proofs.infer.templates import Template, rename_atom


@dataclass
class Enumeration:
    """What one template gave: the clauses, how many were tried, over how many distinct rows."""

    clauses: list[Clause]
    tried: int
    rows: int


def universal_clauses(sig: Signature, tpl: Template, atoms: Sequence[Atom], rows: Rows) -> Enumeration:
    """Every minimal universal clause of at most ``tpl.max_literals`` literals true on every row."""
    lits = [Literal(a, pos) for a in atoms for pos in (False, True)]
    index = {lit: i for i, lit in enumerate(lits)}
    false = [rows.false_of[lit] for lit in lits]
    rigid = [lit.atom.rel == EQ or lit.atom.rel not in sig.state_relations for lit in lits]
    syms = tpl.symmetries()
    renamed = [[index.get(Literal(rename_atom(lit.atom, r), lit.positive)) for lit in lits] for r in syms]
    valid: list[tuple[int, ...]] = []
    valid_sets: set[frozenset[int]] = set()
    tried = 0
    n = len(lits)
    frontier: list[tuple[tuple[int, ...], int]] = [((), -1)]  # (clause, rows where it fails; -1: all)
    for k in range(1, tpl.max_literals + 1):
        if not frontier:  # (no clause left to extend: template(..., literals=10**9) looped a billion times)
            break
        nxt: list[tuple[tuple[int, ...], int]] = []
        more = k < tpl.max_literals
        if not more:
            allowed = [j for j in range(n) if rigid[j] or not tpl.rigid_last or k == 1]
            frontier = _closing(frontier, allowed, false, rows.count)
        for clause, fails in frontier:
            start = clause[-1] + 1 if clause else 0
            used = {i >> 1 for i in clause}  # literal 2a and 2a+1 share atom a
            for j in range(start, n) if more else [j for j in allowed if j >= start]:
                if (j >> 1) in used:
                    continue
                now = fails & false[j]
                if now == fails:
                    continue
                tried += 1
                if now:
                    if more:
                        nxt.append(((*clause, j), now))
                    continue
                cand = (*clause, j)
                if k > 1 and any(frozenset(cand[:i] + cand[i + 1 :]) in valid_sets for i in range(k - 1)):
                    continue
                images = _images(cand, renamed)
                if min(images) == cand:
                    valid.append(cand)
                valid_sets.update(frozenset(im) for im in images)
        frontier = nxt
    clauses = [clause_of(tpl, [lits[i] for i in c]) for c in valid]
    return Enumeration(clauses, tried, rows.count)


def _closing(
    frontier: list[tuple[tuple[int, ...], int]], allowed: list[int], false: list[int], count: int, chunk: int = 20_000
) -> list[tuple[tuple[int, ...], int]]:
    """The failing clauses that one more allowed literal could make hold (a numpy filter before the last level)."""
    if not frontier or any(f < 0 for _, f in frontier):
        return frontier
    nbytes = max(1, (count + 7) // 8)
    cols = np.stack([np.frombuffer(false[j].to_bytes(nbytes, "little"), dtype=np.uint8) for j in allowed])
    out = []
    for start in range(0, len(frontier), chunk):
        part = frontier[start : start + chunk]
        mat = np.frombuffer(b"".join(f.to_bytes(nbytes, "little") for _, f in part), dtype=np.uint8)
        mat = mat.reshape(len(part), nbytes)
        closes = np.zeros(len(part), dtype=bool)
        for col in cols:
            closes |= ~(mat & col).any(axis=1)
        out += [p for p, c in zip(part, closes) if c]
    return out


def _images(clause: tuple[int, ...], renamed: list[list[int | None]]) -> list[tuple[int, ...]]:
    """The clause under every symmetry, each as a sorted tuple of literal indices."""
    out: list[tuple[int, ...]] = []
    for ren in renamed:
        img = [ren[i] for i in clause]
        if None not in img:
            out.append(tuple(sorted(img)))  # type: ignore[arg-type]  # (None is not in it)
    return out


def exists_clauses(
    sig: Signature, tpl: Template, atoms: Sequence[Atom], exists: Sequence[Exists], rows: Rows
) -> Enumeration:
    """Every ``U | exists y. E`` true on every row: ``U`` minimal and failing alone, ``E`` strongest for it."""
    lits = [Literal(a, pos) for a in atoms for pos in (False, True)]
    false = [rows.false_of[lit] for lit in lits]
    efalse = [rows.exists_false[e] for e in exists]
    elits = [frozenset(e.lits) for e in exists]
    found: dict[tuple[int, ...], list[int]] = {}
    tried = 0
    parts: list[tuple[tuple[int, ...], int]] = [((), -1)]
    for k in range(0, tpl.max_literals):
        nxt: list[tuple[tuple[int, ...], int]] = []
        for clause, fails in parts:
            if fails == 0:
                continue  # U holds alone: a universal clause says it
            tried += len(exists)
            good = [e for e in range(len(exists)) if fails & efalse[e] == 0]
            weaker_elsewhere: set[int] = set()
            for i in range(len(clause)):
                for e in found.get(clause[:i] + clause[i + 1 :], []):
                    weaker_elsewhere.update(g for g in good if elits[g] <= elits[e])
            good = [g for g in good if g not in weaker_elsewhere]
            strongest = [g for g in good if not any(elits[g] < elits[h] for h in good)]
            if strongest:
                found[clause] = strongest
            if k + 1 < tpl.max_literals:
                start = clause[-1] + 1 if clause else 0
                atoms_in = {lits[i].atom for i in clause}
                for j in range(start, len(lits)):
                    if lits[j].atom not in atoms_in and fails & false[j] != fails:
                        nxt.append(((*clause, j), fails & false[j]))
        parts = nxt
    # every found pair's sub-parts were found first, so found keeps only the strongest, minimal ones
    for clause in list(found):
        subs = [clause[:i] + clause[i + 1 :] for i in range(len(clause))]
        found[clause] = [e for e in found[clause] if not any(_stronger_found(found, s, elits, e) for s in subs)]
    seen: set[str] = set()
    out = []
    syms = tpl.symmetries()
    for clause, es in found.items():
        for e in es:
            c = clause_of(tpl, [lits[i] for i in clause], exists[e])
            key = canonical_key(c, tpl, syms)
            if key not in seen:
                seen.add(key)
                out.append(c)
    return Enumeration(out, tried, rows.count)


def _stronger_found(found: dict, sub: tuple[int, ...], elits: list[frozenset], e: int) -> bool:
    return any(elits[e] <= elits[f] for f in found.get(sub, []))


def canonical_key(c: Clause, tpl: Template, syms: list[dict[str, str]] | None = None) -> str:
    """The same text for clauses equal up to renaming variables of one sort among the template's."""
    return min(_canonical_text(c, r) for r in (syms if syms is not None else tpl.symmetries()))


def _canonical_text(c: Clause, ren: dict[str, str]) -> str:
    lits = sorted(Literal(rename_atom(lit.atom, ren), lit.positive).text() for lit in c.lits)
    ex = ""
    if c.exists:
        ex = ",".join(sorted(Literal(rename_atom(lit.atom, ren), lit.positive).text() for lit in c.exists.lits))
    return "|".join(lits) + "#" + ex


def merges_variables(c: Clause) -> bool:
    """Whether the clause has a literal ``X != Y`` between two of its variables: it says the same as the
    smaller clause with Y renamed X (which is a candidate, or implied by one), so Houdini need not ask."""
    names = {v for v, _ in c.vars}
    return any(lit.atom.rel == EQ and not lit.positive and set(lit.atom.args) <= names for lit in c.lits)


def clause_of(tpl: Template, lits: list[Literal], ex: Exists | None = None) -> Clause:
    """A clause quantifying exactly the universal variables it uses, in template order."""
    used = {a for lit in lits for a in lit.atom.args} | ({a for lit in ex.lits for a in lit.atom.args} if ex else set())
    return Clause(tuple((v, s) for v, s in tpl.universal if v in used), tuple(lits), ex)
