"""Houdini over the candidate pool: drop every candidate some action breaks until the rest is inductive.

Every candidate starts in (all are true on the explored states). For each action and each
candidate still in, Z3 looks for a step from a state where all of them hold to one where
that candidate fails; when it finds one, every candidate false in the post-state is dropped
(an inductive subset holds in the post-state of any step from a state satisfying it), not
just the one asked about. What survives is the largest inductive subset of the pool.

One query per (candidate, action), on a solver per action that keeps the candidates as
hypotheses behind flags: asking about all of them at once as one disjunction made Z3 give up
(Restart, 181 candidates, 60 s) where one query each took 10 ms. A proof is kept with its
unsat core and redone only when a candidate it used is dropped, and an action that leaves
every relation of a candidate unchanged is not asked about it.

``supports``: before dropping a candidate, a caller may offer more candidates that are false
in the counterexample's pre-state (stronger facts from a larger template, which would exclude
it); they join and the question is asked again. Each candidate joins at most once and is
dropped at most once, so the loop ends.

``weaken``: after dropping candidates on a counterexample, a caller may offer weaker candidates
in their place that hold in its post-state (or in the initial state, for a candidate Init
breaks; :mod:`proofs.infer.weaken`, DistAI's minimum weakening); they join as any candidate
does. A clause has finitely many weakenings (a literal bound) and each joins at most once, so
the loop still ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

import z3

from proofs.infer.language import Clause, Signature
from proofs.infer.samples import Samples
from proofs.infer.select import Pool, model_samples
from proofs.infer.system import System
from proofs.logic import solve, subterms

#: (candidate dropped, action, the counterexample's pre-state) -> candidates that would exclude that state
Supports = Callable[[int, str, Samples], Iterable[int]]
#: (candidate dropped, the counterexample's post-state, the candidates still in) -> weaker candidates
Weaken = Callable[[int, Samples, Collection[int]], Iterable[int]]


@dataclass
class Fixpoint:
    """The inductive subset (pool indices) and the work done: queries, drops, counterexamples."""

    kept: list[int]
    queries: int = 0
    dropped: int = 0
    joined: int = 0
    weakened: int = 0  # weakenings that joined (true in Init)
    unknown: int = 0  # candidates dropped because Z3 gave up on them (sound: the subset is still proved)
    ctis: list[tuple[int, str, Samples]] = field(default_factory=list)
    seconds: float = 0.0


def relations_of(sig: Signature, c: Clause) -> frozenset[str]:
    """The state relations a clause reads, a derived relation standing for those of its definition."""
    out: set[str] = set()
    lits = list(c.lits) + (list(c.exists.lits) if c.exists else [])
    for lit in lits:
        rel = lit.atom.rel
        d = sig.derived.get(rel)
        if d is not None:
            out |= {x.atom.rel for x in d.lits if x.atom.rel in sig.state_relations}
        elif rel in sig.state_relations:
            out.add(rel)
    return frozenset(out)


@dataclass(frozen=True)
class Footprint:
    """The state relations an action reads (in its guards and updates) and those it may change."""

    reads: frozenset[str]
    writes: frozenset[str]


def footprints(system: System) -> dict[str, Footprint]:
    """Action -> its footprint, read off its formula: a frame conjunct ``forall xs. r'(xs) = r(xs)`` is neither."""
    sig = system.sig
    base = [r for r in sig.relations if r in sig.state_relations and r not in sig.derived]
    pre = {sig.symbol(r, system.pre).name(): r for r in base}
    post = {sig.symbol(r, system.post).name(): r for r in base}

    def frame(e: z3.ExprRef) -> bool:
        body = e.body()
        if not z3.is_eq(body):
            return False
        lhs, rhs = body.children()
        return (
            z3.is_app(lhs)
            and z3.is_app(rhs)
            and post.get(lhs.decl().name(), "") == pre.get(rhs.decl().name())
            and all(z3.is_var(x) for x in lhs.children())
            and [x.get_id() for x in lhs.children()] == [x.get_id() for x in rhs.children()]
        )

    out = {}
    for tr in system.transitions:
        reads: set[str] = set()
        writes: set[str] = set()
        for e in subterms(tr.formula, lambda e: not (z3.is_quantifier(e) and frame(e))):
            if z3.is_app(e):
                name = e.decl().name()
                if name in pre:
                    reads.add(pre[name])
                elif name in post:
                    writes.add(post[name])
        out[tr.name] = Footprint(frozenset(reads), frozenset(writes))
    return out


def houdini(
    system: System,
    pool: Pool,
    active: Iterable[int],
    timeout_ms: int = 60_000,
    supports: Supports | None = None,
    log: Callable[[str], None] | None = None,
    weaken: Weaken | None = None,
) -> Fixpoint:
    """The largest inductive subset of ``active`` (grown by ``supports``) that Init implies."""
    started = time.perf_counter()
    sig = system.sig
    res = Fixpoint([])
    live: set[int] = set()
    dead: set[int] = set()
    pre: dict[int, z3.BoolRef] = {}
    post: dict[int, z3.BoolRef] = {}
    rels: dict[int, frozenset[str]] = {}
    flags: dict[int, z3.BoolRef] = {}
    steps = footprints(system)
    solvers: dict[str, z3.Solver] = {}
    for tr in system.transitions:
        s = z3.Solver()
        s.set(timeout=timeout_ms, unsat_core=True)
        s.add(*system.axioms, tr.formula)
        solvers[tr.name] = s
    init = z3.Solver()
    init.set(timeout=timeout_ms)
    init.add(*system.axioms, system.init)

    def join(new: Iterable[int]) -> int:
        count = 0
        weaker: list[int] = []
        for i in sorted(set(new) - live - dead):
            c = pool.clauses[i]
            pre[i], post[i] = c.z3(sig, system.pre), c.z3(sig, system.post)
            rels[i] = relations_of(sig, c)
            init.push()
            init.add(z3.Not(pre[i]))
            res.queries += 1
            verdict = solve(init)
            if verdict == z3.sat and weaken is not None:  # weaker forms that hold in that initial state
                weaker += weaken(i, model_samples(init.model(), system, system.pre), live)
            init.pop()
            if verdict != z3.unsat:  # true on the samples, but not on some initial state of the model
                dead.add(i)
                res.dropped += 1
                continue
            flags[i] = z3.Bool(f"cand!{i}")
            for s in solvers.values():
                s.add(z3.Implies(flags[i], pre[i]))
            live.add(i)
            count += 1
        if weaker:
            res.weakened += join(weaker)
        return count

    join(active)
    proved: dict[tuple[int, str], set[int]] = {}
    changed = True
    while changed:
        changed = False
        for tr in system.transitions:
            s = solvers[tr.name]
            todo = sorted(live, key=lambda i: (len(pool.clauses[i].lits), i))
            for c in todo:
                if c not in live or (c, tr.name) in proved or not (rels[c] & steps[tr.name].writes):
                    continue
                while c in live:
                    s.push()
                    s.add(z3.Not(post[c]))
                    assumed = [flags[i] for i in sorted(live)]
                    res.queries += 1
                    verdict = solve(s, *assumed)
                    if verdict == z3.unsat:
                        core = {str(x) for x in s.unsat_core()}
                        s.pop()
                        proved[(c, tr.name)] = {i for i in live if str(flags[i]) in core}
                        break
                    if verdict != z3.sat:
                        s.pop()
                        gone = {c}
                        res.unknown += 1
                    else:
                        model = s.model()
                        s.pop()
                        before = model_samples(model, system, system.pre)
                        if supports is not None:
                            joined = join(supports(c, tr.name, before))
                            if joined:
                                res.joined += joined
                                changed = True
                                if log is not None:
                                    log(f"[{res.queries} queries] {tr.name} breaks {pool.clauses[c].text()}: +{joined}")
                                continue
                        res.ctis.append((c, tr.name, before))
                        after = model_samples(model, system, system.post)
                        gone = set(pool.false_in(after, sorted(live))) | {c}
                    live -= gone
                    dead |= gone
                    res.dropped += len(gone)
                    if weaken is not None and verdict == z3.sat:
                        res.weakened += join(w for g in sorted(gone) for w in weaken(g, after, live))
                    proved = {k: used for k, used in proved.items() if k[0] in live and not (used & gone)}
                    changed = True
                    if log is not None:
                        what = pool.clauses[c].text()
                        log(f"[{res.queries} queries] {tr.name} breaks {what}: -{len(gone)}, {len(live)} left")
    res.kept = sorted(live)
    res.seconds = time.perf_counter() - started
    return res


def footprint_supports(system: System, pool: Pool, larger: Iterable[int]) -> Supports:
    """Supports from ``larger``: the candidates false in the counterexample that name only relations of the
    broken candidate and of the action (what excluding that state can be about), smallest first.

    Every larger candidate false there would do as well, but most are true facts nothing needs, each
    costing queries of its own; the footprint keeps the ones the step could depend on (for Raft, "an
    election vote of term t by a server still in t is its vote for t's leader" joins when GrantVote
    breaks "an election vote and a vote response of one term name its leader", through currentTerm,
    which GrantVote reads).
    """
    sig = system.sig
    steps = footprints(system)
    larger = list(larger)
    rels = {i: relations_of(sig, pool.clauses[i]) for i in larger}

    def supports(broken: int, action: str, state: Samples) -> list[int]:
        scope = relations_of(sig, pool.clauses[broken]) | steps[action].reads | steps[action].writes
        return [i for i in pool.false_in(state, larger) if rels[i] <= scope]

    return supports
