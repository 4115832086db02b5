"""``infer``: samples, candidates, selection and minimisation, timed stage by stage.

1. the explicit checker's reachable states at small bounds (and the safety property checked on
   them: a violated reachable state ends the run, since no invariant can imply a property that
   a reachable state breaks);
2. per template, every minimal clause true on all of them (:mod:`proofs.infer.enumerate`);
3. an inductive invariant that implies safety, chosen from those by Z3's counterexamples
   (:mod:`proofs.infer.select`);
4. a subset closed under what the proof needs (unsat cores), for a user's encoding less the conjuncts the rest
   make redundant, named ``Inv1``, ``Inv2``, ...
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from proofs.infer.enumerate import exists_clauses, merges_variables, universal_clauses
from proofs.infer.houdini import footprint_supports, houdini
from proofs.infer.language import Clause
from proofs.infer.samples import Samples, rows
from proofs.infer.select import Pool, Selection, select
from proofs.infer.system import System, minimise
from proofs.infer.templates import Template, atoms, existential_parts
from proofs.infer.weaken import Weakener
from proofs.logic import solve


@dataclass
class Stage:
    """One line of the report: what was done, how much, how long."""

    what: str
    detail: str
    seconds: float


@dataclass
class Report:
    """What infer found: the named conjuncts (None when it failed), the stages, and why it stopped."""

    conjuncts: dict[str, Clause] | None = None
    stages: list[Stage] = field(default_factory=list)
    selection: Selection | None = None
    violation: str = ""  # a reachable state breaking the safety property, as text
    reason: str = ""
    inductive: list[Clause] | None = None  # Houdini's largest inductive subset (before the safety check)
    #: conjunct name -> the dropped candidates it weakens (newest first), for conjuncts that are weakenings
    weakens: dict[str, list[Clause]] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """Time to invariant (or to failure), every stage included."""
        return sum(s.seconds for s in self.stages)

    def text(self) -> str:
        """The stage table and the result."""
        width = max([len(s.what) for s in self.stages] + [5])
        out = [f"{s.what.ljust(width)}  {s.seconds:>7.2f}s  {s.detail}" for s in self.stages]
        out.append(f"{'total'.ljust(width)}  {self.seconds:>7.2f}s")
        return "\n".join(out)


@dataclass
class Problem:
    """Everything infer needs about one spec: the proof model and the explored states as samples."""

    name: str
    system: System
    templates: Sequence[Template]
    sample: Callable[[], tuple[list[Samples], str, str]]  # -> (samples, description, safety violation or "")
    encoding: Any = None  # the proof model's encoding (CTIs are read back through it)
    extract: Callable[[Any], Any] | None = None  # the proof's ``Outcome -> CTI`` (how ``prove`` prints CTIs)
    #: Houdini instead of growing the invariant (:mod:`proofs.infer.houdini`): every candidate of at most this
    #: many universal literals starts in; longer ones join only to exclude a counterexample (supports)
    houdini_literals: int | None = None
    #: Houdini weakens a candidate it drops by one literal at a time up to this many (:mod:`proofs.infer.weaken`)
    weaken_literals: int | None = None
    #: a check: only these longer candidates join as supports, wherever one is false in a counterexample's pre-state
    #: (None: every longer one within the footprint of the broken candidate and the action)
    may_support: Callable[[Clause], bool] | None = None
    #: minimise also drops each conjunct the rest make redundant (:func:`proofs.infer.system.irredundant`): one
    #: query per action and conjunct, cheap for a user's encoding, minutes of CPU for paxos's 22 (so not there)
    irredundant: bool = False


def _how(problem: Problem) -> str:
    """How minimise chose, for its stage line."""
    return "unsat cores, less what the rest imply" if problem.irredundant else "unsat cores"


def infer(
    problem: Problem, timeout_ms: int = 60_000, max_steps: int = 400, log: Callable[[str], None] | None = None
) -> Report:
    """Run the four stages on ``problem`` (``log``: each selection step)."""
    rep = Report()
    started = time.perf_counter()
    samples, described, violation = problem.sample()
    described = described or "stopped at a state where safety fails"
    rep.stages.append(Stage("samples", described, time.perf_counter() - started))
    if violation:
        rep.violation = violation
        rep.reason = "it fails on a reachable state"
        return rep
    sig = problem.system.sig
    houdini_way = problem.houdini_literals is not None
    pool = Pool(list(problem.templates), [], [])
    for t, tpl in enumerate(problem.templates):
        started = time.perf_counter()
        at = atoms(sig, tpl)
        exs = existential_parts(sig, tpl)
        pool.atoms.append(at)
        pool.exists.append(exs)
        r = rows(samples, tpl, at, exs)
        found = exists_clauses(sig, tpl, at, exs, r) if tpl.exists else universal_clauses(sig, tpl, at, r)
        clauses = found.clauses
        if houdini_way:
            clauses = [c for c in clauses if not merges_variables(c)]
        pool.add(t, clauses)
        detail = (
            f"{tpl.describe()}: {len(at)} atoms{f', {len(exs)} existentials' if exs else ''}, "
            f"{r.count:,} distinct rows, {found.tried:,} clauses tried, {len(found.clauses):,} hold"
            + (f", {len(clauses):,} kept" if len(clauses) != len(found.clauses) else "")
        )
        rep.stages.append(Stage(f"candidates {t + 1}", detail, time.perf_counter() - started))
    if houdini_way:
        return _by_houdini(problem, pool, rep, timeout_ms, log)
    started = time.perf_counter()
    sel = select(problem.system, pool, timeout_ms, max_steps, log)
    rep.selection = sel
    detail = f"{sel.added} added, {sel.removed} removed, {sel.queries} Z3 queries"
    rep.stages.append(Stage("selection", detail, time.perf_counter() - started))
    if sel.invariant is None:
        rep.reason = sel.cti_reason
        return rep
    started = time.perf_counter()
    kept = minimise(problem.system, sel.invariant, timeout_ms, problem.irredundant)
    rep.stages.append(
        Stage("minimise", f"{len(sel.invariant)} -> {len(kept)} conjuncts ({_how(problem)})",
              time.perf_counter() - started)
    )
    rep.conjuncts = {f"Inv{i}": c for i, c in enumerate(kept, 1)}
    return rep


def _by_houdini(
    problem: Problem, pool: Pool, rep: Report, timeout_ms: int, log: Callable[[str], None] | None
) -> Report:
    """Houdini over the short candidates (longer ones joining as supports), then safety, then minimise."""
    sys_ = problem.system
    short = problem.houdini_literals or 0
    base = [i for i, c in enumerate(pool.clauses) if len(c.lits) <= short]
    larger = [i for i, c in enumerate(pool.clauses) if len(c.lits) > short]
    started = time.perf_counter()
    supports = footprint_supports(sys_, pool, larger) if larger else None
    if problem.may_support is not None:  # a check: the given clauses join wherever they exclude a counterexample
        given = [i for i in larger if problem.may_support(pool.clauses[i])]
        supports = (lambda _c, _a, state: pool.false_in(state, given)) if given else None
    weakener = Weakener(pool, problem.weaken_literals) if problem.weaken_literals else None
    fx = houdini(sys_, pool, base, timeout_ms, supports, log, weakener)
    detail = (
        f"{len(base):,} candidates{f' + {fx.joined} supports' if larger else ''}"
        f"{f' + {fx.weakened} weakenings' if weakener else ''} -> {len(fx.kept)} inductive "
        f"({fx.dropped:,} dropped{f', {fx.unknown} on a Z3 timeout' if fx.unknown else ''}), {fx.queries:,} Z3 queries"
    )
    rep.stages.append(Stage("houdini", detail, time.perf_counter() - started))
    kept = rep.inductive = [pool.clauses[i] for i in fx.kept]
    started = time.perf_counter()
    for name, goal in sys_.safety.items():
        s = z3.Solver()
        s.set(timeout=timeout_ms)
        s.add(*sys_.axioms, *[c.z3(sys_.sig, sys_.pre) for c in kept], z3.Not(goal))
        verdict = solve(s)
        if verdict != z3.unsat:
            rep.stages.append(Stage("safety", f"{name}: {verdict}", time.perf_counter() - started))
            rep.reason = f"the largest inductive subset of the candidates does not imply {name}"
            if verdict == z3.sat:
                rep.selection = Selection(None, s.model(), f"{name} fails", queries=fx.queries)
            return rep
    rep.stages.append(Stage("safety", f"implies {', '.join(sys_.safety)}", time.perf_counter() - started))
    started = time.perf_counter()
    final = minimise(sys_, kept, timeout_ms, problem.irredundant)
    rep.stages.append(
        Stage("minimise", f"{len(kept)} -> {len(final)} conjuncts ({_how(problem)})", time.perf_counter() - started)
    )
    rep.conjuncts = {f"Inv{i}": c for i, c in enumerate(final, 1)}
    if weakener is not None:
        index = {id(pool.clauses[i]): i for i in fx.kept}
        for name, c in rep.conjuncts.items():
            i = index[id(c)]
            if i in weakener.origin:
                rep.weakens[name] = weakener.lineage(i)[1:]
    return rep


def safety_cti(problem: Problem, sel: Selection) -> Any:
    """The counterexample no candidate excludes, read back as the spec's states (as ``prove`` prints CTIs)."""
    from proofs.logic import COUNTEREXAMPLE, Fragment, Obligation, Outcome

    sys_ = problem.system
    name, goal = next((n, g) for n, g in sys_.safety.items() if n in sel.cti_reason)
    ctx = {"encoding": problem.encoding, "pre": sys_.pre, "post": None}
    ob = Obligation(f"Inv => {name} (the inferred candidates)", [], {name: goal}, ctx)
    assert problem.extract is not None
    return problem.extract(Outcome(ob, COUNTEREXAMPLE, 0.0, Fragment(True, ()), sel.cti, failed_goal=name))


def describe_bounds(bounds: dict[str, Any]) -> str:
    """``acceptors=3 values=2 max_ballot=1``."""
    return " ".join(f"{k}={v}" for k, v in bounds.items())
