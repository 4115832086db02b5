"""The clauses ``paxraft infer`` searches: literals over a proof model's relations, read and written as text.

A clause is universally quantified over its variables and is a disjunction of literals, with at
most one existential disjunct ``exists y:S. g & l1 & ...`` (a forall-exists clause). Atoms are a
relation applied to variables or constants (``msg2b(A,B1,V1)``, ``le(B1,B2)``) or an equality
(``B1 = NoBal``). The same clause is turned into a Z3 formula over a state of the proof model
(:meth:`Clause.z3`) and printed as one line that :func:`parse_clause` reads back, so an inferred
invariant is a text file anyone can read, edit and hand to ``paxraft prove``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

import z3

from spec.userfiles import clip, quote

EQ = "="


@dataclass(frozen=True)
class Signature:
    """The vocabulary clauses are written in: sorts, constants and relations (with their argument sorts)."""

    sorts: Mapping[str, z3.SortRef]
    constants: Mapping[str, tuple[str, z3.ExprRef]]  # name -> (sort, Z3 constant)
    relations: Mapping[str, tuple[str, ...]]  # name -> argument sort names
    state_relations: frozenset[str]  # the relations a step may change (the others are rigid)
    #: ``(name, state) -> Z3 function``: a state relation of the given state, or a rigid one
    symbol: Callable[[str, object], z3.FuncDeclRef]
    #: relations defined as a conjunction of literals over the others (also in ``relations``)
    derived: Mapping[str, Definition] = field(default_factory=dict)


@dataclass(frozen=True, order=True)
class Atom:
    """``rel(args)``, or ``args[0] = args[1]`` when ``rel`` is ``=``."""

    rel: str
    args: tuple[str, ...]

    def text(self) -> str:
        """As written in an invariant file."""
        if self.rel == EQ:
            return f"{self.args[0]} = {self.args[1]}"
        return f"{self.rel}({','.join(self.args)})"


@dataclass(frozen=True, order=True)
class Literal:
    """An atom or its negation."""

    atom: Atom
    positive: bool = True

    def text(self) -> str:
        """``~msg2a(B1,V1)``, ``B1 != B2``."""
        if self.atom.rel == EQ:
            op = "=" if self.positive else "!="
            return f"{self.atom.args[0]} {op} {self.atom.args[1]}"
        return ("" if self.positive else "~") + self.atom.text()

    def negate(self) -> Literal:
        """The opposite literal."""
        return Literal(self.atom, not self.positive)


@dataclass(frozen=True)
class Exists:
    """``exists var:sort. l1 & l2 & ...``."""

    var: str
    sort: str
    lits: tuple[Literal, ...]

    def text(self) -> str:
        """As written in an invariant file."""
        return f"(exists {self.var}:{self.sort}. {' & '.join(lit.text() for lit in self.lits)})"


@dataclass(frozen=True)
class Definition:
    """``rel(params) := [exists vars.] l1 & l2 & ...``: a derived relation, an abbreviation (not a conjunct)."""

    params: tuple[tuple[str, str], ...]  # (variable, sort)
    lits: tuple[Literal, ...]
    exists: tuple[tuple[str, str], ...] = ()  # (variable, sort), bound inside the definition

    def text(self, name: str) -> str:
        """``tally(N,J,T) := votesGranted(N,J) & ...``."""
        head = f"{name}({','.join(v for v, _ in self.params)})"
        ex = f"exists {' '.join(f'{v}:{s}' for v, s in self.exists)}. " if self.exists else ""
        return f"{head} := {ex}{' & '.join(lit.text() for lit in self.lits)}"


@dataclass(frozen=True)
class Clause:
    """``forall vars. l1 | l2 | ... [| exists ...]``."""

    vars: tuple[tuple[str, str], ...]  # (name, sort), in the order printed
    lits: tuple[Literal, ...]
    exists: Exists | None = None

    def text(self) -> str:
        """The clause as one line."""
        body = [lit.text() for lit in self.lits] + ([self.exists.text()] if self.exists else [])
        head = f"forall {' '.join(f'{v}:{s}' for v, s in self.vars)}. " if self.vars else ""
        return head + (" | ".join(body) or "false")

    def z3(self, sig: Signature, state: object) -> z3.BoolRef:
        """The clause as a closed Z3 formula over ``state``'s relations.

        With a derived relation that hides an ``exists`` (positively), miniscoped: a universal variable
        that no existential part names is bound inside, around the plain literals only, so the witness
        depends only on the variables it names (what keeps ``forall n t. ~electionVote(t,n) | started(t)``
        in EPR: no Node -> Node Skolem function).
        """
        env = {name: z3.Const(name, sig.sorts[sort]) for name, sort in self.vars}
        plain: list[Literal] = []
        existential: list[Literal] = []
        for lit in self.lits:
            d = sig.derived.get(lit.atom.rel)
            (existential if d is not None and d.exists and lit.positive else plain).append(lit)
        ex_parts = [_literal(sig, state, env, lit) for lit in existential]
        named = {a for lit in existential for a in lit.atom.args}
        if self.exists is not None:
            ex = self.exists
            named |= {a for lit in ex.lits for a in lit.atom.args if a != ex.var}
            y = z3.Const(ex.var, sig.sorts[ex.sort])
            inner = {**env, ex.var: y}
            ex_parts.append(z3.Exists([y], z3.And([_literal(sig, state, inner, lit) for lit in ex.lits])))
        plain_f = [_literal(sig, state, env, lit) for lit in plain]
        if not existential:  # as before derived relations: the exists disjunct under every universal
            body = z3.Or(plain_f + ex_parts) if plain_f or ex_parts else z3.BoolVal(False)
            return z3.ForAll(list(env.values()), body) if env else body
        parts = list(ex_parts)
        if plain_f:
            inner_vars = [env[v] for v, _ in self.vars if v not in named]
            disj = z3.Or(plain_f) if len(plain_f) > 1 else plain_f[0]
            parts.insert(0, z3.ForAll(inner_vars, disj) if inner_vars else disj)
        body = z3.Or(parts) if len(parts) > 1 else parts[0]
        outer_vars = [env[v] for v, _ in self.vars if v in named]
        return z3.ForAll(outer_vars, body) if outer_vars else body


def _key(lit: Literal, sigma: Mapping[str, str]) -> tuple[str, tuple[str, ...], bool]:
    """``lit`` with its variables renamed by ``sigma``, an equality's sides in order: equal keys, same literal."""
    args = tuple(sigma.get(a, a) for a in lit.atom.args)
    return lit.atom.rel, tuple(sorted(args)) if lit.atom.rel == EQ else args, lit.positive


def subsumes(d: Clause, c: Clause) -> bool:
    """Whether an instance of ``d`` (its variables mapped to ``c``'s, sort for sort) is a sub-clause of ``c``, so
    that ``d`` implies ``c``: ``forall N1 N2 K. ~owner(N1,K) | ~transfer(N2,K)`` implies the same with ``N2 := N1``.
    An instance with ``x = x`` is true and proves nothing; ``x != x`` is false and is dropped."""
    if d.exists is not None and (c.exists is None or c.exists.sort != d.exists.sort):
        return False
    choices = [[v for v, t in c.vars if t == sort] for _, sort in d.vars]
    target = {_key(lit, {}) for lit in c.lits}
    for image in product(*choices):
        sigma = dict(zip((v for v, _ in d.vars), image))
        lits = {_key(lit, sigma) for lit in d.lits}
        if any(rel == EQ and args[0] == args[1] and pos for rel, args, pos in lits):
            continue
        lits = {k for k in lits if not (k[0] == EQ and k[1][0] == k[1][1])}
        if not lits <= target:
            continue
        if d.exists is None:
            return True
        assert c.exists is not None
        inner = {**sigma, d.exists.var: c.exists.var}  # d's witness part is at least as strong as c's
        if {_key(lit, {}) for lit in c.exists.lits} <= {_key(lit, inner) for lit in d.exists.lits}:
            return True
    return False


def drop_subsumed(clauses: Sequence[Clause]) -> list[Clause]:
    """The clauses less each one another kept clause :func:`subsumes` (the first of two equal ones stays)."""
    kept = list(clauses)
    for c in list(reversed(kept)):
        if any(d is not c and subsumes(d, c) for d in kept):
            kept.remove(c)
    return kept


def _term(sig: Signature, env: Mapping[str, z3.ExprRef], name: str) -> z3.ExprRef:
    if name in env:
        return env[name]
    return sig.constants[name][1]


def _literal(sig: Signature, state: object, env: Mapping[str, z3.ExprRef], lit: Literal) -> z3.BoolRef:
    args = [_term(sig, env, a) for a in lit.atom.args]
    rel = lit.atom.rel
    if rel == EQ:
        atom = args[0] == args[1]
    elif rel in sig.derived:
        d = sig.derived[rel]
        bound = [z3.Const(f"{v}!{rel}", sig.sorts[srt]) for v, srt in d.exists]
        inner = {**dict(zip((v for v, _ in d.params), args)), **dict(zip((v for v, _ in d.exists), bound))}
        atom = z3.And([_literal(sig, state, inner, x) for x in d.lits])
        atom = z3.Exists(bound, atom) if bound else atom
    else:
        atom = sig.symbol(rel, state)(*args)
    return atom if lit.positive else z3.Not(atom)


# -- reading an invariant file -------------------------------------------------------------------

_CLAUSE = re.compile(r"^\s*forall\s+(?P<vars>[^.]*)\.\s*(?P<body>.*)$")
_EXISTS = re.compile(r"^\(\s*exists\s+(?P<var>\w+)\s*:\s*(?P<sort>\w+)\s*\.\s*(?P<body>.*)\)$")
_ATOM = re.compile(r"^(?P<neg>~?)\s*(?P<rel>\w+)\((?P<args>[^)]*)\)$")
_EQ = re.compile(r"^(?P<x>\w+)\s*(?P<op>!=|=)\s*(?P<y>\w+)$")


class InvariantSyntaxError(ValueError):
    """A line of an invariant file that is not a clause of the signature."""


def parse_clause(text: str, sig: Signature) -> Clause:
    """One clause as :meth:`Clause.text` writes it; an InvariantSyntaxError says what is wrong."""
    m = _CLAUSE.match(text)
    variables: list[tuple[str, str]] = []
    body = text.strip()
    if m:
        for decl in m.group("vars").split():
            name, _, sort = decl.partition(":")
            if sort not in sig.sorts:
                raise InvariantSyntaxError(f"variable {quote(decl)}: unknown sort (sorts: {', '.join(sig.sorts)})")
            if name in dict(variables):
                raise InvariantSyntaxError(f"variable {clip(name)} declared twice")
            variables.append((name, sort))
        body = m.group("body").strip()
    sorts = dict(variables)
    parts = _split_top(body, "|")
    lits: list[Literal] = []
    exists = None
    for part in parts:
        em = _EXISTS.match(part)
        if em:
            if exists is not None:
                raise InvariantSyntaxError("at most one exists per clause")
            if em.group("sort") not in sig.sorts:
                raise InvariantSyntaxError(f"exists {clip(em.group('var'))}: unknown sort "
                                           f"{quote(em.group('sort'))}")
            inner = {**sorts, em.group("var"): em.group("sort")}
            conj = [_parse_literal(p, sig, inner) for p in _split_top(em.group("body"), "&")]
            exists = Exists(em.group("var"), em.group("sort"), tuple(conj))
        else:
            lits.append(_parse_literal(part, sig, sorts))
    return Clause(tuple(variables), tuple(lits), exists)


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses; nothing on one side of a ``sep`` (``a || b``, a line cut after
    ``|``) or no literal at all is an error, not a shorter clause: one literal less is a stronger claim."""
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == sep and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    if out == [""]:
        raise InvariantSyntaxError(f"no literal (a clause is l1 {sep} l2 {sep} ...)")
    if "" in out:
        raise InvariantSyntaxError(f"{sep!r} with no literal on one side in {quote(text.strip())}")
    return out


def _sort_of(name: str, sig: Signature, sorts: Mapping[str, str]) -> str:
    if name in sorts:
        return sorts[name]
    if name in sig.constants:
        return sig.constants[name][0]
    raise InvariantSyntaxError(
        f"{quote(name)} is neither a bound variable ({', '.join(sorts) or 'none'}) nor a constant "
        f"({', '.join(sig.constants) or 'none'})"
    )


def _parse_literal(text: str, sig: Signature, sorts: Mapping[str, str]) -> Literal:
    m = _EQ.match(text)
    if m:
        x, y = m.group("x"), m.group("y")
        if _sort_of(x, sig, sorts) != _sort_of(y, sig, sorts):
            raise InvariantSyntaxError(f"{quote(text)}: {clip(x)} and {clip(y)} have different sorts")
        return Literal(Atom(EQ, (x, y)), m.group("op") == "=")
    m = _ATOM.match(text)
    if not m:
        raise InvariantSyntaxError(f"{quote(text)} is not a literal (rel(args), ~rel(args), x = y or x != y)")
    rel = m.group("rel")
    if rel not in sig.relations:
        raise InvariantSyntaxError(f"unknown relation {quote(rel)} (relations: {', '.join(sig.relations)})")
    raw = m.group("args").strip()
    args = tuple(a.strip() for a in raw.split(",")) if raw else ()
    if "" in args:
        raise InvariantSyntaxError(f"an empty argument in {quote(text)}")
    want = sig.relations[rel]
    if len(args) != len(want):
        raise InvariantSyntaxError(f"{clip(rel)} takes {len(want)} arguments, got {len(args)} in {quote(text)}")
    for a, s in zip(args, want):
        if _sort_of(a, sig, sorts) != s:
            raise InvariantSyntaxError(f"{quote(text)}: argument {clip(a)} is not of sort {s}")
    return Literal(Atom(rel, args), not m.group("neg"))


def read_invariant(text: str, sig: Signature, where: str = "invariant") -> dict[str, Clause]:
    """An invariant file: ``Name: clause`` per line; ``#`` comments and blank lines ignored."""
    out: dict[str, Clause] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, rest = line.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z_]\w*", name.strip()):
            raise InvariantSyntaxError(f"{where}:{n}: expected 'Name: forall ...', got {quote(line)}")
        if name.strip() in out:
            raise InvariantSyntaxError(f"{where}:{n}: conjunct {clip(name.strip())} named twice")
        try:
            out[name.strip()] = parse_clause(rest.strip(), sig)
        except InvariantSyntaxError as exc:
            raise InvariantSyntaxError(f"{where}:{n}: {exc}") from None
    if not out:
        raise InvariantSyntaxError(f"{where}: no conjunct")
    return out


def read_invariant_file(path: str, sig: Signature) -> dict[str, Clause]:
    """:func:`read_invariant` on a file; a missing or unreadable file is an InvariantSyntaxError naming it."""
    from spec.userfiles import MAX_SMALL_FILE_BYTES, read_text  # (a FIFO held prove for ever; /dev/zero filled the
    # memory, "out of memory: the model is too large")

    return read_invariant(read_text(path, limit=MAX_SMALL_FILE_BYTES, error=InvariantSyntaxError), sig, path)


def write_invariant(conjuncts: Mapping[str, Clause], header: str = "") -> str:
    """The file :func:`read_invariant` reads."""
    lines = [f"# {h}" for h in header.splitlines()] if header else []
    lines += [f"{name}: {c.text()}" for name, c in conjuncts.items()]
    return "\n".join(lines) + "\n"
