"""Choosing an inductive invariant from the candidate pool, counterexample by counterexample.

Houdini over thousands of candidates would hand Z3 thousands of quantified hypotheses at once.
Instead the invariant starts empty and grows: while it does not imply safety, or some conjunct
is not preserved by some action, Z3 returns a counterexample whose pre-state the invariant
allows; the smallest pool clause false in that state is added. When no pool clause is false
there, the state satisfies the whole pool, so the conjunct it breaks belongs to no inductive
subset of the pool and is removed from both (Houdini's step, on demand). Every addition or
removal shrinks what is left, so the loop ends: with an inductive invariant that implies
safety, or with a counterexample to safety that the pool cannot exclude.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from proofs.evaluate import structure_of_model
from proofs.infer.language import Clause, Exists
from proofs.infer.samples import Samples, rows, tabulate
from proofs.infer.system import System
from proofs.infer.templates import Template
from proofs.logic import solve


@dataclass
class Pool:
    """The candidate clauses of each template, with what evaluating them on a new state needs."""

    templates: list[Template]
    atoms: list[list]  # per template
    exists: list[list[Exists]]  # per template
    clauses: list[Clause] = field(default_factory=list)
    template_of: list[int] = field(default_factory=list)

    def add(self, t: int, clauses: Sequence[Clause]) -> None:
        """Add template ``t``'s clauses."""
        self.clauses += clauses
        self.template_of += [t] * len(clauses)

    def false_in(self, samples: Samples, among: Sequence[int]) -> list[int]:
        """The clauses (indices, from ``among``) that some row of ``samples`` falsifies."""
        out = []
        by_t: dict[int, list[int]] = {}
        for i in among:
            by_t.setdefault(self.template_of[i], []).append(i)
        for t, idx in by_t.items():
            r = rows([samples], self.templates[t], self.atoms[t], self.exists[t])
            for i in idx:
                c = self.clauses[i]
                fails = -1
                for lit in c.lits:
                    fails &= r.false_of[lit]
                if c.exists is not None:
                    fails &= r.exists_false[c.exists]
                if fails and r.count:
                    out.append(i)
        return out


@dataclass
class Selection:
    """The outcome: the invariant (or None), the counterexample that stopped it, and the work done."""

    invariant: list[Clause] | None
    cti: z3.ModelRef | None = None
    cti_reason: str = ""
    added: int = 0
    removed: int = 0
    queries: int = 0
    seconds: float = 0.0


def size(c: Clause) -> tuple[int, int]:
    """Smaller is preferred: literals (an existential counts its own), then variables."""
    return (len(c.lits) + (len(c.exists.lits) if c.exists else 0), len(c.vars))


def model_samples(model: z3.ModelRef, system: System, state: object) -> Samples:
    """One state of a Z3 model as samples (each sort's universe its domain)."""
    sig = system.sig
    st = structure_of_model(model, system.sorts, system.symbols(state))
    domains = {name: list(st.domains.get(srt.name(), [])) for name, srt in sig.sorts.items()}
    for name, srt in sig.sorts.items():
        if not domains[name]:
            domains[name] = [model.eval(z3.FreshConst(srt), model_completion=True).sexpr()]
    consts = {c: (srt, st.symbols[e.decl().name()]) for c, (srt, e) in sig.constants.items()}
    table = {}
    for rel in sig.relations:
        if rel not in sig.derived:
            sym = sig.symbol(rel, state)  # (a user's function or constant as a relation: proofs/infer/user.py)
            value = st.symbols[sym.name()]
            table[rel] = sym.predicate(value) if hasattr(sym, "predicate") else value
    return tabulate([None], domains, consts, sig.relations, sig.state_relations, table, lambda _s: table, sig.derived)


def select(
    system: System,
    pool: Pool,
    timeout_ms: int = 60_000,
    max_steps: int = 400,
    log: Callable[[str], None] | None = None,
) -> Selection:
    """Grow an invariant from the pool until it is inductive and implies every safety property (``log``: each step)."""
    started = time.perf_counter()
    res = Selection(None)
    order = sorted(range(len(pool.clauses)), key=lambda i: (size(pool.clauses[i]), i))
    alive = set(order)
    inv: list[int] = []
    pre = {}
    post = {}
    proved: dict[tuple[int, str], set[int]] = {}  # (conjunct, action) preserved -> the conjuncts that proof used

    def f_pre(i: int) -> z3.BoolRef:
        if i not in pre:
            pre[i] = pool.clauses[i].z3(system.sig, system.pre)
        return pre[i]

    def f_post(i: int) -> z3.BoolRef:
        if i not in post:
            post[i] = pool.clauses[i].z3(system.sig, system.post)
        return post[i]

    def query(*extra: z3.BoolRef, patience: int = 1) -> tuple[z3.CheckSatResult, z3.ModelRef | None, set[int]]:
        """Check the invariant and ``extra``: the verdict, a model, or the conjuncts an unsat core used."""
        s = z3.Solver()
        s.set(timeout=timeout_ms * patience, unsat_core=True)
        s.add(*system.axioms, *extra)
        flags = {z3.Bool(f"inv!{i}"): i for i in inv}
        for f, i in flags.items():
            s.add(z3.Implies(f, f_pre(i)))
        res.queries += 1
        verdict = solve(s, *flags)
        if verdict == z3.unsat:
            return verdict, None, _core(s, flags)
        return verdict, (s.model() if verdict == z3.sat else None), set()

    def exclude(model: z3.ModelRef) -> int | None:
        candidates = [i for i in order if i in alive and i not in inv]
        bad = set(pool.false_in(model_samples(model, system, system.pre), candidates))
        return next((i for i in candidates if i in bad), None)

    safe: dict[str, set[int]] = {}  # safety property proved -> the conjuncts that proof used

    for _step in range(max_steps):
        broken: tuple[str, Any, Any] | None = None  # (kind, the property or (conjunct, transition), model)
        for name, goal in system.safety.items():
            if name in safe:  # an addition keeps a proof; a removal it used dropped it below
                continue
            verdict, model, used = query(z3.Not(goal))
            if verdict not in (z3.sat, z3.unsat):
                verdict, model, used = query(z3.Not(goal), patience=4)
            if verdict == z3.unsat:
                safe[name] = used
            if verdict == z3.sat:
                broken = ("safety", name, model)
                break
            if verdict != z3.unsat:
                res.cti_reason = f"Z3 gave up on Inv => {name}"
                break
        if broken is None and not res.cti_reason:
            for i in list(inv):
                for tr in system.transitions:
                    if (i, tr.name) in proved:
                        continue
                    verdict, model, used = query(tr.formula, z3.Not(f_post(i)))
                    if verdict not in (z3.sat, z3.unsat):  # Z3 gave up (a loaded machine): once more, longer
                        verdict, model, used = query(tr.formula, z3.Not(f_post(i)), patience=4)
                    if verdict == z3.unsat:
                        proved[(i, tr.name)] = used
                        continue
                    if verdict != z3.sat:  # removing it would be a guess: stop and say so
                        res.cti_reason = f"Z3 gave up on whether {tr.name} preserves {pool.clauses[i].text()}"
                        break
                    broken = ("step", (i, tr.name), model)
                    break
                if broken or res.cti_reason:
                    break
        if res.cti_reason:
            break
        if broken is None:
            res.invariant = [pool.clauses[i] for i in inv]
            break
        kind, what, model = broken
        pick = exclude(model) if model is not None else None
        if log is not None:
            why = f"Inv => {what}" if kind == "safety" else f"{pool.clauses[what[0]].text()} after {what[1]}"
            step = f"add {pool.clauses[pick].text()}" if pick is not None else "remove it"
            log(f"[{res.queries} queries, {len(inv)} conjuncts] {kind} fails: {why}; {step}")
        if pick is not None:
            verdict, _m = _init_implies(system, f_pre(pick), timeout_ms)
            res.queries += 1
            if verdict != z3.unsat:
                alive.discard(pick)
                res.removed += 1
                continue
            inv.append(pick)
            res.added += 1
            continue
        if kind == "safety":
            res.cti, res.cti_reason = model, f"no candidate excludes a state where {what} fails"
            break
        i, _tr = what
        inv.remove(i)
        alive.discard(i)
        res.removed += 1
        proved = {k: used for k, used in proved.items() if i not in used and k[0] != i}  # proofs that needed i go
        safe = {k: used for k, used in safe.items() if i not in used}
    else:
        res.cti_reason = f"no inductive invariant within {max_steps} steps"
    res.seconds = time.perf_counter() - started
    return res


def _core(s: z3.Solver, flags: dict[z3.BoolRef, int]) -> set[int]:
    names = {str(f) for f in s.unsat_core()}
    return {i for f, i in flags.items() if str(f) in names}


def _init_implies(system: System, f: z3.BoolRef, timeout_ms: int) -> tuple[z3.CheckSatResult, None]:
    s = z3.Solver()
    s.set(timeout=timeout_ms)
    s.add(*system.axioms, system.init, z3.Not(f))
    return solve(s), None
