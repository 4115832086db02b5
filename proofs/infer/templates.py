"""Templates: which variables a clause may quantify, and the atoms (and existential disjuncts) over them.

A template names its universal variables per sort, the largest number of literals per
clause, and optionally one existential variable with a guard relation that ties it to a
universal one (``exists y:Acc. member(y,Q) & ...``: "some member of every quorum ...", the
forall-exists shape of consensus invariants). Atoms are built mechanically from the
signature: every relation applied to distinct variables of the right sorts, and every
equality between a variable and a variable or constant of its sort.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from proofs.infer.language import EQ, Atom, Exists, Literal, Signature


@dataclass(frozen=True)
class Template:
    """The shape of the clauses one enumeration produces."""

    universal: tuple[tuple[str, str], ...]  # (variable, sort)
    max_literals: int = 3
    #: the last literal of a longest clause is an order/membership/equality literal (keeps the count small)
    rigid_last: bool = True
    exists: tuple[str, str] | None = None  # (variable, sort)
    guard: str | None = None  # rigid relation (exists var, universal var) every existential starts with
    max_exists_literals: int = 2  # besides the guard

    def describe(self) -> str:
        """``A:Acc B1:Bal ... [exists y:Acc guarded by member]``, at most N literals."""
        text = " ".join(f"{v}:{s}" for v, s in self.universal)
        if self.exists:
            text += f", exists {self.exists[0]}:{self.exists[1]} ({self.guard} & <= {self.max_exists_literals})"
        return f"{text}, <= {self.max_literals} literals"

    def sorts(self) -> dict[str, list[str]]:
        """Sort -> its universal variables, in order."""
        out: dict[str, list[str]] = {}
        for v, s in self.universal:
            out.setdefault(s, []).append(v)
        return out

    def symmetries(self) -> list[dict[str, str]]:
        """Every renaming that permutes the universal variables of each sort among themselves."""
        groups = list(self.sorts().values())
        out = []
        for perms in itertools.product(*[itertools.permutations(g) for g in groups]):
            out.append({a: b for g, p in zip(groups, perms) for a, b in zip(g, p)})
        return out


def atoms(sig: Signature, tpl: Template) -> list[Atom]:
    """The universal atoms: relations over distinct variables, equalities with variables and constants."""
    by_sort = tpl.sorts()
    out: list[Atom] = []
    for rel, arg_sorts in sig.relations.items():
        out += [Atom(rel, args) for args in _distinct_args(arg_sorts, by_sort)]
    for sort, names in by_sort.items():
        out += [Atom(EQ, (x, y)) for x, y in itertools.combinations(names, 2)]
        consts = [c for c, (s, _) in sig.constants.items() if s == sort]
        out += [Atom(EQ, (x, c)) for x in names for c in consts]
    return out


def existential_parts(sig: Signature, tpl: Template) -> list[Exists]:
    """Every ``exists y. guard(y, x) & l1 & ...`` with up to ``max_exists_literals`` literals naming y."""
    if tpl.exists is None or tpl.guard is None:
        return []
    y, ysort = tpl.exists
    by_sort = tpl.sorts()
    guard_sorts = sig.relations[tpl.guard]
    guards = [Atom(tpl.guard, (y, x)) for x in by_sort.get(guard_sorts[1], [])] if guard_sorts[0] == ysort else []
    inner = {s: list(v) for s, v in by_sort.items()}
    inner.setdefault(ysort, [])
    ylits: list[Literal] = []
    for rel in sorted(sig.state_relations):
        arg_sorts = sig.relations[rel]
        for pos, s in enumerate(arg_sorts):
            if s != ysort:
                continue
            rest = arg_sorts[:pos] + arg_sorts[pos + 1 :]
            for args in _distinct_args(rest, by_sort):
                atom = Atom(rel, args[:pos] + (y,) + args[pos:])
                ylits += [Literal(atom, True), Literal(atom, False)]
    out = []
    for g in guards:
        for k in range(1, tpl.max_exists_literals + 1):
            for combo in itertools.combinations(ylits, k):
                if len({lit.atom for lit in combo}) < k:
                    continue  # l & ~l
                out.append(Exists(y, ysort, (Literal(g, True), *combo)))
    return out


def _distinct_args(arg_sorts: tuple[str, ...], by_sort: dict[str, list[str]]) -> Iterator[tuple[str, ...]]:
    """Every way to fill the argument sorts with pairwise distinct variables."""
    for args in itertools.product(*[by_sort.get(s, []) for s in arg_sorts]):
        if len(set(args)) == len(args):
            yield args


def rename_atom(atom: Atom, ren: dict[str, str]) -> Atom:
    """The atom with variables renamed (equalities kept in a canonical argument order)."""
    args = tuple(ren.get(a, a) for a in atom.args)
    if atom.rel == EQ:
        args = tuple(sorted(args, key=lambda a: (a not in ren.values(), a)))
    return Atom(atom.rel, args)
