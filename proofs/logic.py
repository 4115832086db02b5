"""Shared machinery of the Z3 proofs: ordered sorts, obligations, their fragment, and running them.

Every check is its own solver query with a timeout, and its outcome is one of
``proved`` (the negated goal is unsatisfiable), ``counterexample`` (a model is
returned) or ``unknown`` (Z3 gave up; its reason is kept), never a silent timeout.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from modelcheck.cli.common import UsageError, positive

PROVED, COUNTEREXAMPLE, UNKNOWN = "proved", "counterexample", "unknown"
DEFAULT_TIMEOUT_MS = 60_000
# Z3 resource units for a query outside EPR (no finite-model guarantee): it answers unknown past this,
# whatever the machine's load. The shipped ones use at most about a tenth of it (docs/proofs.md).
NON_EPR_RLIMIT = 2_000_000_000


def subterms(f: z3.ExprRef, descend: Callable[[z3.ExprRef], bool] = lambda e: True) -> Iterator[z3.ExprRef]:
    """Each distinct subterm of ``f`` once (a shared subterm is not walked again), in no set order: quantifiers,
    applications and bound variables; below a quantifier or application only when ``descend`` says so."""
    seen: set[int] = set()
    stack = [f]
    while stack:
        e = stack.pop()
        if e.get_id() in seen:
            continue
        seen.add(e.get_id())
        yield e
        if not descend(e):
            continue
        if z3.is_quantifier(e):
            stack.append(e.body())
        elif z3.is_app(e):
            stack.extend(e.children())


def total_order_axioms(le: z3.FuncDeclRef, sort: z3.SortRef) -> list[z3.BoolRef]:
    """``le`` is a total order on ``sort``: reflexive, transitive, antisymmetric, total."""
    x, y, z = z3.Consts("X Y Z", sort)
    return [
        z3.ForAll([x], le(x, x)),
        z3.ForAll([x, y, z], z3.Implies(z3.And(le(x, y), le(y, z)), le(x, z))),
        z3.ForAll([x, y], z3.Implies(z3.And(le(x, y), le(y, x)), x == y)),
        z3.ForAll([x, y], z3.Or(le(x, y), le(y, x))),
    ]


@dataclass
class ActionEncoding:
    """One action: its parameters (the spec's label first, then witnesses) and its transition formula."""

    name: str
    params: list[z3.ExprRef]
    label_arity: int
    formula: z3.BoolRef

    @property
    def witnesses(self) -> list[z3.ExprRef]:
        """Parameters the spec's label leaves implicit (values read from the state)."""
        return self.params[self.label_arity :]


def renamed_apart(acts: Iterable[ActionEncoding], suffix: str = "") -> list[
        tuple[ActionEncoding, z3.BoolRef, list[tuple[z3.ExprRef, z3.ExprRef]]]]:
    """Each action's formula with its parameters replaced by constants of its own (``Name.param`` + ``suffix``),
    with the (parameter, constant) pairs: actions that share a parameter's name must not share its unknown in a
    disjunction of them (Next), nor steps of an unrolling (hence the suffix)."""
    out = []
    for act in acts:
        fresh = [(p, z3.Const(f"{act.name}.{p}{suffix}", p.sort())) for p in act.params]
        out.append((act, z3.substitute(act.formula, *fresh), fresh))
    return out


@dataclass
class Obligation:
    """One proof obligation: named hypotheses imply every named goal (each goal its own query)."""

    name: str
    hypotheses: list[tuple[str, z3.BoolRef]]
    goals: dict[str, z3.BoolRef]
    #: What the counterexample's model is read back as (used by the CTI printer).
    context: dict = field(default_factory=dict)
    #: Hypotheses given only to the queries of the named goals (hypothesis name -> goal names): a
    #: conjunct outside EPR stays out of every query that does not need it.
    only_for: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def hypotheses_for(self, goal: str) -> list[tuple[str, z3.BoolRef]]:
        """The hypotheses of the query of ``goal``."""
        return [(k, h) for k, h in self.hypotheses if k not in self.only_for or goal in self.only_for[k]]

    def narrow(self) -> set[str]:
        """The hypotheses given to fewer than half the goals (a conjunct outside EPR, say): the queries that
        get one are classified on their own; the rest are covered by :func:`fragment_of_all_goals`."""
        return {k for k, goals in self.only_for.items() if 2 * len(set(goals) & set(self.goals)) < len(self.goals)}


def inductive_obligations(
    enc: Any,
    drop: tuple[str, ...],
    sorts: Sequence[z3.SortRef],
    safety: Callable[[Any], dict[str, z3.BoolRef]],
    lemmas: Callable[[Any, Any, list, dict], list[Obligation]] | None = None,
    step_action: Callable[[Any, Any, Any], Any] | None = None,
) -> list[Obligation]:
    """The obligations of an inductive-invariant proof, in the order the tables print them.

    ``Init => Inv``; then the encoding's ``lemmas(pre, post, axioms, context)``; ``Inv /\\ A => Inv'``
    for each action (``step_action(pre, post, action)`` may replace the action's formula for this
    step); and ``Inv => P`` for each safety property of ``safety(pre)``. ``enc`` has ``state``,
    ``invariant``, ``init``, ``actions``, ``real_state`` and ``voc.axioms()``; the conjuncts named
    in ``drop`` are left out of the invariant (an unknown name is a ValueError naming them all).
    """
    pre, post = enc.state(""), enc.state("'")
    names = list(enc.invariant(pre))
    bad = sorted(set(drop) - set(names))
    if bad:
        raise ValueError(f"no invariant conjunct named {', '.join(bad)}; conjuncts: {', '.join(names)}")
    axioms = enc.voc.axioms()
    inv = {k: f for k, f in enc.invariant(pre).items() if k not in drop}
    inv_post = {k: f for k, f in enc.invariant(post).items() if k not in drop}
    hyps = axioms + [(f"Inv.{k}", f) for k, f in inv.items()]
    ctx = {"encoding": enc, "pre": pre, "post": None, "prefer": enc.real_state(pre), "sorts": sorts}
    obs = [Obligation("Init => Inv", axioms + [("Init", enc.init(pre))], inv, ctx)]
    if lemmas is not None:
        obs += lemmas(pre, post, axioms, ctx)
    for act in enc.actions(pre, post):
        if step_action is not None:
            act = step_action(pre, post, act)
        step_ctx = {**ctx, "post": post, "action": act}
        obs.append(Obligation(f"Inv /\\ {act.name} => Inv'", hyps + [(act.name, act.formula)], inv_post, step_ctx))
    for name, goal in safety(pre).items():
        obs.append(Obligation(f"Inv => {name}", hyps, {name: goal}, ctx))
    return obs


@dataclass
class Outcome:
    """What the queries of one obligation returned (the first goal not proved decides the result)."""

    obligation: Obligation
    result: str
    seconds: float
    fragment: Fragment
    model: z3.ModelRef | None = None
    reason: str = ""
    failed_goal: str | None = None
    queries: int = 0

    @property
    def name(self) -> str:
        """The obligation's name."""
        return self.obligation.name


# -- the fragment of a query ------------------------------------------------------


@dataclass(frozen=True)
class Fragment:
    """Whether a query is in EPR with stratified functions, and if not, which symbols close a cycle."""

    epr: bool
    edges: tuple[tuple[str, str, str], ...]  # (from sort, to sort, origin)
    cycle: tuple[tuple[str, str, str], ...] = ()

    def __str__(self) -> str:
        if self.epr:
            return "EPR"
        path = ", ".join(f"{a}->{b} ({why})" for a, b, why in self.cycle)
        return f"not EPR: sort cycle {path}"

    @property
    def short(self) -> str:
        """``EPR`` or ``FOL`` for a table column."""
        return "EPR" if self.epr else "FOL"


def fragment(named: Iterable[tuple[str, z3.BoolRef]]) -> Fragment:
    """Classify a conjunction of formulas (hypotheses and the negated goal, as given to the solver).

    After Skolemisation, an existential quantifier inside universals becomes a function
    from the universals' sorts to its own sort, and every uninterpreted function symbol
    is an edge from its argument sorts to its result sort. The query is in the
    decidable, finite-model fragment (EPR extended with stratified functions) exactly
    when that graph of sorts has no cycle.
    """
    edges: dict[tuple[str, str], str] = {}

    def add(src: str, dst: str, why: str) -> None:
        edges.setdefault((src, dst), why)

    seen_funcs: set[str] = set()
    for origin, formula in named:
        _walk(formula, True, [], origin, add, seen_funcs, set())
    graph: dict[str, list[tuple[str, str]]] = {}
    for (a, b), why in edges.items():
        graph.setdefault(a, []).append((b, why))
    cycle = _find_cycle(graph)
    all_edges = tuple(sorted((a, b, why) for (a, b), why in edges.items()))
    return Fragment(epr=not cycle, edges=all_edges, cycle=tuple(cycle))


def _walk(
    e: z3.ExprRef,
    positive: bool | None,
    universals: list[str],
    origin: str,
    add: Callable[[str, str, str], None],
    seen_funcs: set[str],
    visited: set[tuple[int, bool | None, tuple[str, ...]]],
) -> None:
    """Polarity-aware walk; ``positive`` None means both polarities (under an iff or if-then-else)."""
    key = (e.get_id(), positive, tuple(universals))
    if key in visited:
        return
    visited.add(key)
    if z3.is_quantifier(e):
        sorts = [e.var_sort(i).name() for i in range(e.num_vars())]
        universal = e.is_forall() if positive is not False else not e.is_forall()
        existential_too = positive is None
        if universal and not existential_too:
            _walk(e.body(), positive, universals + sorts, origin, add, seen_funcs, visited)
            return
        for s in sorts:  # a Skolem function of the enclosing universals
            for u in universals:
                add(u, s, f"witness in {origin}")
        inner = universals + sorts if existential_too else universals
        _walk(e.body(), positive, inner, origin, add, seen_funcs, visited)
        return
    if not z3.is_app(e):
        return
    decl = e.decl()
    kind = decl.kind()
    if kind == z3.Z3_OP_UNINTERPRETED and decl.arity() > 0 and not z3.is_bool(e):
        name = decl.name()
        if name not in seen_funcs:
            seen_funcs.add(name)
            for i in range(decl.arity()):
                add(decl.domain(i).name(), decl.range().name(), f"function {name}")
    children = e.children()
    if kind == z3.Z3_OP_NOT:
        flip = None if positive is None else not positive
        _walk(children[0], flip, universals, origin, add, seen_funcs, visited)
    elif kind == z3.Z3_OP_IMPLIES:
        flip = None if positive is None else not positive
        _walk(children[0], flip, universals, origin, add, seen_funcs, visited)
        _walk(children[1], positive, universals, origin, add, seen_funcs, visited)
    elif kind in (z3.Z3_OP_AND, z3.Z3_OP_OR):
        for c in children:
            _walk(c, positive, universals, origin, add, seen_funcs, visited)
    elif kind == z3.Z3_OP_EQ and z3.is_bool(children[0]) or kind == z3.Z3_OP_ITE:
        for c in children:
            _walk(c, None, universals, origin, add, seen_funcs, visited)
    else:
        for c in children:
            _walk(c, positive, universals, origin, add, seen_funcs, visited)


def _find_cycle(graph: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str, str]]:
    """One cycle of the sort graph as its edges, or []."""
    color: dict[str, int] = {}
    stack: list[tuple[str, str, str]] = []

    def dfs(u: str) -> list[tuple[str, str, str]]:
        color[u] = 1
        for v, why in graph.get(u, ()):
            stack.append((u, v, why))
            if color.get(v) == 1:
                start = next(i for i, (a, _, _) in enumerate(stack) if a == v)
                return stack[start:]
            if color.get(v) is None:
                found = dfs(v)
                if found:
                    return found
            stack.pop()
        color[u] = 2
        return []

    for node in sorted(graph):
        if node not in color:
            found = dfs(node)
            if found:
                return found
    return []


# -- running -----------------------------------------------------------------------

#: Z3 counts a time limit in milliseconds in 32 bits: a longer one wrapped round (``--timeout 4294967.297`` gave
#: each query 1 ms, and its obligations came out ``unknown (timeout)``).
Z3_MAX_SECONDS = (2**32 - 1) // 1000


def z3_timeout(flag: str, seconds: float) -> int:
    """A Z3 time limit given in seconds, checked (positive, finite, at most :data:`Z3_MAX_SECONDS`: a UsageError
    naming the flag), in Z3's milliseconds: at least 1, since Z3 reads 0 as no limit at all (``--timeout 0.0001``
    ran every query without one)."""
    positive(flag, seconds)
    if seconds > Z3_MAX_SECONDS:
        raise UsageError(f"{flag} must be at most {Z3_MAX_SECONDS:,} seconds (Z3 counts milliseconds in 32 bits), "
                         f"got {seconds:,}")
    return max(1, math.ceil(seconds * 1000))


#: What Z3 says of a query Ctrl-C stopped, when Z3 took the signal itself (:func:`hear_signals` not in place).
_CTRL_C = "interrupted from keyboard"
_hearing = False


def hear_signals(guard: Callable[[Any], Any] | None = None) -> None:
    """Once per process, in the ``paxraft`` program (a caller of ``main()``, a test, keeps its own handlers), before
    any Z3 object is made: Z3 no longer takes SIGINT for itself; Python's own handler hears it (and SIGTERM), and a
    thread the signal wakes (``signal.set_wakeup_fd``) interrupts Z3, so the query under way stops at once and the
    KeyboardInterrupt follows. Z3's own handler only cancelled the query, and when Z3 did not look at that before it
    finished, the Ctrl-C was lost: `prove raft --complete` ran on to the end, exit 0, after 2 of 10 Ctrl-Cs. The
    SIGINT and SIGTERM handlers are wrapped in ``guard`` (the command line's: kept from raising inside a finalizer,
    which Z3's objects have, where Python ignores it). Not in place when something else has the wakeup fd (an
    asyncio loop): Z3's own handler then, and :func:`solve` reads its answer."""
    global _hearing
    if _hearing or not getattr(sys.modules.get("paxraft"), "running", False) \
            or threading.current_thread() is not threading.main_thread():
        return
    r, w = os.pipe()
    os.set_blocking(w, False)
    old = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    if old != -1:
        signal.set_wakeup_fd(old)
        os.close(r)
        os.close(w)
        return
    _hearing = True
    z3.set_param("ctrl_c", False)
    ctx = z3.main_ctx()
    taken = threading.Event()  # set once Python's handler has run: the KeyboardInterrupt is on its way
    for sig in (signal.SIGINT, signal.SIGTERM):
        if callable(handler := signal.getsignal(sig)):
            noted = _noting(handler, taken)
            signal.signal(sig, guard(noted) if guard is not None else noted)

    def interrupt_z3() -> None:
        while True:
            got = os.read(r, 64)
            if signal.SIGINT in got or signal.SIGTERM in got:
                # again until the handler has run (up to 10 s): Z3 forgets an interrupt that comes before a query
                # starts, and one that came in the last bytecodes before `check` left it to run to its time limit,
                # Python's handler waiting for it (test_user_proof's Ctrl-C test timed out once, under load)
                for _ in range(200):
                    ctx.interrupt()
                    if taken.wait(0.05):
                        break

    threading.Thread(target=interrupt_z3, daemon=True, name="z3-interrupt").start()


def _noting(handler: Callable[[int, Any], Any], taken: threading.Event) -> Callable[[int, Any], Any]:
    """``handler``, setting ``taken`` first (what :func:`hear_signals`' thread waits for)."""
    def run(signum: int, frame: Any) -> Any:
        taken.set()
        return handler(signum, frame)

    return run


def solve(solver: z3.Solver, *assumptions: z3.ExprRef) -> z3.CheckSatResult:
    """``solver.check(*assumptions)``, but a Ctrl-C (or SIGTERM) during it stops the command: Z3 took SIGINT for
    itself and answered ``unknown``, so the command went on to its next query and ended with a verdict (``unknown
    (interrupted from keyboard)``, exit 1), or lost it altogether (:func:`hear_signals`, which the commands call
    first). Every query goes through here."""
    if _hearing:
        solver.set(ctrl_c=False)
    verdict = solver.check(*assumptions)
    if verdict == z3.unknown and solver.reason_unknown() == _CTRL_C:
        raise KeyboardInterrupt
    return verdict


def discharge(ob: Obligation, timeout_ms: int = DEFAULT_TIMEOUT_MS, one_classification: bool = False) -> Outcome:
    """Check each goal of one obligation in its own query; proved when all are, else the first failure.

    ``one_classification``: classify the hypotheses with all negated goals at once
    (:func:`fragment_of_all_goals`); when that is EPR, so is each query (a sub-graph of it),
    and the per-goal classification, which dominates the time of small queries, is skipped.
    """
    total = 0.0
    frags = []
    union = fragment_of_all_goals(ob) if one_classification else None
    narrow = ob.narrow()
    if union is not None and not union.epr:
        union = None  # some goal may close a cycle: classify each query on its own
    for n, (goal_name, goal) in enumerate(ob.goals.items(), 1):
        hyps = ob.hypotheses_for(goal_name)
        own = any(goal_name in ob.only_for[k] for k in narrow)  # hypotheses only a few queries have
        frag = (not own and union) or fragment([*hyps, ("negated goal", z3.Not(goal))])
        frags.append(frag)
        solver = z3.Solver()
        solver.set(timeout=timeout_ms)
        if not frag.epr:  # a resource limit decides, the wall clock only stops a runaway query
            solver.set(rlimit=NON_EPR_RLIMIT, timeout=max(timeout_ms, IMPROVE_BACKSTOP_MS))
        solver.add(*[h for _, h in hyps])
        solver.add(z3.Not(goal))
        started = time.perf_counter()
        verdict = solve(solver)
        total += time.perf_counter() - started
        if verdict == z3.sat:
            model = improve_model(solver, ob.context.get("prefer", ()), ob.context.get("sorts", ()))
            return Outcome(ob, COUNTEREXAMPLE, total, frag, model, failed_goal=goal_name, queries=n)
        if verdict != z3.unsat:
            return Outcome(ob, UNKNOWN, total, frag, reason=solver.reason_unknown(), failed_goal=goal_name, queries=n)
    return Outcome(ob, PROVED, total, _worst(frags), queries=len(ob.goals))


def fragment_of_all_goals(ob: Obligation) -> Fragment:
    """The fragment of the hypotheses (but the narrow ones) with every negated goal at once: when EPR, every
    query that gets no narrow hypothesis is EPR (its formulas are a subset)."""
    narrow = ob.narrow()
    shared = [(k, h) for k, h in ob.hypotheses if k not in narrow]
    return fragment([*shared, *((f"negated goal {k}", z3.Not(g)) for k, g in ob.goals.items())])


# Z3 resource units per query while a CTI's model is made readable (each query there takes ~0.1-0.2
# M units, ~0.1 s); the wall-clock backstop only stops a runaway query and is never reached on the
# shipped models, so the CTI is the same on a loaded machine and a quiet one.
IMPROVE_RLIMIT = 20_000_000
IMPROVE_BACKSTOP_MS = 600_000


def improve_model(
    solver: z3.Solver, prefer: Sequence[z3.BoolRef], sorts: Sequence[z3.SortRef], rlimit: int = IMPROVE_RLIMIT
) -> z3.ModelRef:
    """A more readable model of a satisfiable query: fewest elements, then preferred facts where possible.

    Each sort's universe is shrunk to the least size that keeps the query satisfiable (as
    mypyvy minimises models); then ``prefer``, facts a real state has but the hypotheses
    need not imply (every acceptor has one maxBal, ...), are kept where they fit.
    """
    model = solver.model()
    # A resource limit, not a time limit: the model a CTI shows must not depend on the machine's load.
    solver.set(timeout=IMPROVE_BACKSTOP_MS, rlimit=rlimit)
    for sort in sorts:
        size = len(model.get_universe(sort) or [])
        for k in range(1, size):
            elems = [z3.Const(f"{sort.name()}!min{i}", sort) for i in range(k)]
            x = z3.Const(f"{sort.name()}!x", sort)
            solver.push()
            solver.add(z3.ForAll([x], z3.Or([x == e for e in elems])))
            if solve(solver) == z3.sat:
                model = solver.model()
                break
            solver.pop()
    for fact in prefer:  # with the universes bounded, these are cheap even when not in EPR
        solver.push()
        solver.add(fact)
        if solve(solver) == z3.sat:
            model = solver.model()
        else:
            solver.pop()
    return model


def _worst(frags: Sequence[Fragment]) -> Fragment:
    """The first non-EPR fragment among the queries, else an EPR one."""
    for f in frags:
        if not f.epr:
            return f
    return frags[0] if frags else Fragment(True, ())


def _result(o: Outcome) -> str:
    """An obligation's result column: proved, counterexample (and the conjunct it breaks), or unknown (why)."""
    res = o.result if o.result != UNKNOWN else f"unknown ({o.reason})"
    if o.failed_goal and len(o.obligation.goals) > 1:
        res += f" ({o.failed_goal})"
    return res


def table(outcomes: Sequence[Outcome], title: str) -> str:
    """The obligations as a table: obligation, fragment, result, seconds."""
    width = max([len(o.name) for o in outcomes] + [len("obligation")])
    results = [_result(o) for o in outcomes]
    rwidth = max([len(r) for r in results] + [14])  # "counterexample (NoGrantWhileHeld)" pushed its seconds out
    lines = [title, f"{'obligation'.ljust(width)}  {'fragment':<8}  {'result'.ljust(rwidth)}  {'seconds':>8}"]
    for o, res in zip(outcomes, results):
        lines.append(f"{o.name.ljust(width)}  {o.fragment.short:<8}  {res.ljust(rwidth)}  {o.seconds:>8.3f}")
    total = sum(o.seconds for o in outcomes)
    proved = sum(o.result == PROVED for o in outcomes)
    lines.append(f"{proved}/{len(outcomes)} obligations proved in {total:.2f}s")
    for o in outcomes:
        if not o.fragment.epr:
            lines.append(f"  {o.name}: {o.fragment}")
    return "\n".join(lines)


@dataclass
class Deepening:
    """What :func:`deepen` found: the shortest ``length`` with its model, or why Z3 gave up (``unknown``), or
    neither (no violation up to the depth asked); and Z3's seconds at each depth tried."""

    length: int | None = None
    model: z3.ModelRef | None = None
    unknown: str | None = None
    seconds_per_depth: list[float] = field(default_factory=list)


def deepen(solver: z3.Solver, depth: int, extend: Callable[[int], None], bad: Callable[[int], z3.BoolRef]) -> Deepening:
    """Bounded model checking's loop, for every encoding: for k = 0, 1, ..., ``depth``, ``extend(k)`` adds step k
    (from state k-1 to state k; not called for k = 0) to ``solver``, which holds Init, and Z3 is asked whether
    state k can be ``bad(k)``. The first k that can is the shortest violation.

    "Bad at k" is asked under an assumption literal rather than inside push/pop, so Z3 keeps its incremental
    state (and what it learnt) from one depth to the next; once unsat, ``Not(bad(k))`` is added as a fact: no
    k-step behaviour ends badly, so no longer one passes through a bad state k, and saying so prunes the deeper
    searches."""
    out = Deepening()
    for k in range(depth + 1):
        if k:
            extend(k)
        b = bad(k)
        probe = z3.Bool(f"!bad@{k}")  # (a name no encoding's own constants take)
        solver.add(z3.Implies(probe, b))
        started = time.perf_counter()
        verdict = solve(solver, probe)
        out.seconds_per_depth.append(time.perf_counter() - started)
        if verdict == z3.sat:
            out.length, out.model = k, solver.model()
            return out
        if verdict != z3.unsat:
            out.unknown = f"depth {k}: {solver.reason_unknown()}"
            return out
        solver.add(z3.Not(b))
    return out
