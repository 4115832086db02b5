"""Liveness under fairness: find a fair behaviour that violates a temporal property, as a lasso.

Each supported property says that, from some *trigger* point on, a *goal* state is reached:
``<>G`` (triggered by the initial state), ``[]<>G`` (by every state) and ``P ~> G``
(by every ``P``-state).  A counterexample is a fair behaviour that, after a trigger, stays
in ``~G`` states forever.  In a finite graph its tail is either

* a *stutter*: a ``~G`` state at which no fair action can change the state, so stopping
  there for ever is a fair behaviour (TLA+ behaviours may always stutter; fairness is
  about ``<<A>>_vars`` steps), or
* a *fair cycle* inside a strongly connected component of the ``~G`` states, found with
  iterative Tarjan and, for strong fairness, the usual Streett refinement: a component
  that enables an ``SF`` family without containing one of its steps loses the enabling
  states and is split again.  ``WF`` is met by a component that contains a step of the
  family or a state where it is disabled (the cycle through every state then meets it).

The report is a lasso: the shortest prefix to the loop, then the shortest fair loop back to it, marked.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from modelcheck.engine.fairness import FairnessRule, show_fair
from modelcheck.engine.faults import raised
from modelcheck.engine.graph import StateGraph, explore, explore_checked
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import OK, Result, Step, count, shown_state
from spec.core import Fair, Spec, SpecError, State, Temporal, strict_predicate
from spec.suggest import hint

EVENTUALLY, ALWAYS_EVENTUALLY, LEADS_TO = "eventually", "always-eventually", "leads-to"
EVENTUALLY_ALWAYS = "eventually-always"


@dataclass
class Lasso:
    """A behaviour that violates a property: ``prefix`` then ``loop`` repeated for ever.

    ``loop`` starts with the step that leaves the last prefix state and ends back in it;
    an empty loop means the behaviour stutters for ever in the last prefix state.
    """

    prefix: list[Step]
    loop: list[Step]

    @property
    def stutters(self) -> bool:
        """The behaviour ends by stuttering for ever in one state."""
        return not self.loop


@dataclass
class LivenessResult:
    """The outcome of checking one temporal property."""

    spec: Spec
    property: str
    text: str
    fairness: list[str]
    holds: bool
    lasso: Lasso | None
    distinct_states: int
    edges: int
    seconds: float
    warnings: list[str] = field(default_factory=list)
    kind: str = EVENTUALLY  # the property's kind (spec.core.Temporal.kind)

    def violation(self) -> str:
        """What the lasso shows, in a phrase: 'a fair behaviour of 3 steps that then loops (2 steps) without
        reaching the goal'."""
        assert self.lasso is not None
        prefix, loop = count(len(self.lasso.prefix) - 1, "step"), count(len(self.lasso.loop), "step")
        if self.kind == EVENTUALLY_ALWAYS:  # <>[]goal: the goal fails in a state visited for ever
            shape = ("stutters for ever in a state where the goal fails" if self.lasso.stutters
                     else f"loops ({loop}) through a state where the goal fails")
            return f"a fair behaviour of {prefix} that then {shape}"
        shape = "stutters for ever" if self.lasso.stutters else f"loops ({loop})"
        return f"a fair behaviour of {prefix} that then {shape} without reaching the goal"

    def to_json(self) -> dict:
        """Machine-readable form."""
        spec = self.spec

        def steps(xs: list[Step]) -> list[dict]:
            return [
                {
                    "action": "Init" if st.label is None else st.label.name,
                    "params": {} if st.label is None else spec.params_json(st.label),
                    "state": shown_state(spec, st.state),
                }
                for st in xs
            ]

        return {
            "spec": spec.name,
            "params": spec.bounds(),
            "variant": spec.variant,
            "property": self.property,
            "formula": self.text,
            "fairness": self.fairness,
            "verdict": "ok" if self.holds else "violation",
            "distinct_states": self.distinct_states,
            "edges": self.edges,
            "seconds": round(self.seconds, 3),
            "prefix": None if self.lasso is None else steps(self.lasso.prefix),
            "loop": None if self.lasso is None else steps(self.lasso.loop),
            "warnings": self.warnings,
        }


def tarjan(nodes: Iterable[int], succ: dict[int, list[int]]) -> list[list[int]]:
    """Strongly connected components of the subgraph ``succ`` over ``nodes`` (iterative Tarjan)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, k = work[-1]
            children = succ.get(v, ())
            if k < len(children):
                work[-1] = (v, k + 1)
                w = children[k]
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, 0))
                elif w in on_stack and index[w] < low[v]:
                    low[v] = index[w]
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[v] < low[parent]:
                    low[parent] = low[v]
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
    return out


class _Fairness:
    """The fairness rule (:class:`modelcheck.engine.fairness.FairnessRule`) on the graph's label ids and states."""

    def __init__(self, g: StateGraph, rule: FairnessRule) -> None:
        self.g = g
        self.rule = rule
        self.conds = rule.conds
        self.mask = [rule.mask(lab) for lab in g.labels]  # by label id
        self._enabled: dict[int, int] = {}

    def enabled(self, s: int) -> int:
        """Bit mask of the conditions enabled at ``s`` (by a step to a kept or a cut state)."""
        m = self._enabled.get(s)
        if m is None:
            labels = self.g.labels
            m = self._enabled[s] = self.rule.enabled(labels[lid] for lid in self.g.out_labels(s))
        return m

    def broken(self, loop: list[int], taken: Iterable[int]) -> int | None:
        """The first condition the loop through the states ``loop`` taking the label ids ``taken`` breaks."""
        m = 0
        for lid in taken:
            m |= self.mask[lid]
        return self.rule.broken(m, (self.enabled(u) for u in loop))


def _fair_components(
    nodes: list[int], succ: dict[int, list[int]], g: StateGraph, fair: _Fairness, first: bool = False
) -> list[tuple[list[int], list[tuple[int, tuple[int, int, int]]]]]:
    """Fair strongly connected subgraphs of ``nodes``, each with its obligations (``first``: only the first found).

    An obligation is ``(condition, (u, v, lid))``, an edge the loop must take, or
    ``(condition, (u, -1, -1))``, a state it must visit (where a weakly fair family is disabled).
    """
    out = []
    pending = [nodes]
    while pending:
        group = pending.pop()
        members = set(group)
        sub = {u: [v for v in succ.get(u, ()) if v in members] for u in group}
        for comp in tarjan(group, sub):
            cset = set(comp)
            if len(comp) == 1 and not sub[comp[0]]:
                continue  # no cycle here (self-loops are stutters, handled apart)
            internal: dict[int, tuple[int, int, int]] = {}  # condition -> one internal step of it
            for u in comp:
                for v, lid in g.edges(u):
                    if v in cset:
                        m = fair.mask[lid]
                        k = 0
                        while m:
                            if m & 1 and k not in internal:
                                internal[k] = (u, v, lid)
                            m >>= 1
                            k += 1
            obligations: list[tuple[int, tuple[int, int, int]]] = []
            remove: set[int] = set()
            ok = True
            for k, f in enumerate(fair.conds):
                bit = 1 << k
                enabled_at = [u for u in comp if fair.enabled(u) & bit]
                if k in internal:
                    if enabled_at:
                        obligations.append((k, internal[k]))
                    continue
                if f.kind == "WF":
                    disabled = [u for u in comp if not fair.enabled(u) & bit]
                    if not disabled:
                        ok = False  # continuously enabled on every cycle here, never taken
                        break
                    obligations.append((k, (min(disabled, key=lambda u: g.depth_of[u]), -1, -1)))
                elif enabled_at:
                    remove.update(enabled_at)  # SF: no fair cycle may visit these states
            if not ok:
                continue
            if remove:
                rest = [u for u in comp if u not in remove]
                if rest:
                    pending.append(rest)
                continue
            out.append((comp, obligations))
            if first:
                return out
    return out


MAX_LOOP_CONDITIONS = 12  # the shortest fair loop is searched over (state, conditions met): 2^k times the states
MAX_LOOP_SEARCH = 1_000_000  # ... and given up for the walk past this many (state, conditions met) pairs


def _loop(
    g: StateGraph, entry: int, comp: set[int], obligations: list[tuple[int, int, int]], fair: _Fairness
) -> list[tuple[int, int]]:
    """A cycle from ``entry`` through ``comp`` that meets every obligation, as ``(state, label id)`` steps: the
    shortest one (:func:`_shortest_loop`) when there are few, else a walk to each in turn."""
    if len(obligations) <= MAX_LOOP_CONDITIONS:
        shortest = _shortest_loop(g, entry, comp, obligations, fair)
        if shortest is not None:
            return shortest
    return _walked_loop(g, entry, comp, obligations, fair)


def _shortest_loop(
    g: StateGraph, entry: int, comp: set[int], obligations: list[tuple[int, int, int]], fair: _Fairness
) -> list[tuple[int, int]] | None:
    """The shortest cycle from ``entry`` through ``comp`` meeting every obligation, by a breadth-first search
    over (state, obligations met); None past :data:`MAX_LOOP_SEARCH` pairs. Obligation ``k`` of condition ``c``
    is met by a step of ``c``'s family, or, for a weakly fair ``c``, by a state where it is disabled. (A walk
    to each obligation in turn gave the alternating-bit protocol's no-ack-wait a 20-step loop where 6 do.)"""
    conds = [c for c, _ in obligations]
    weak = [fair.conds[c].kind == "WF" for c in conds]
    full = (1 << len(conds)) - 1

    def met_by_state(u: int) -> int:
        on = fair.enabled(u)
        return sum(1 << j for j, c in enumerate(conds) if weak[j] and not on >> c & 1)

    def met_by_step(lid: int) -> int:
        m = fair.mask[lid]
        return sum(1 << j for j, c in enumerate(conds) if m >> c & 1)

    start = (entry, met_by_state(entry))
    prev: dict[tuple[int, int], tuple[tuple[int, int], int]] = {}
    queue: deque[tuple[int, int]] = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        u, met = node
        for v, lid in g.edges(u):
            if v not in comp:
                continue
            nxt = (v, met | met_by_step(lid) | met_by_state(v))
            if v == entry and nxt[1] == full:  # closed, every obligation met
                steps = [(v, lid)]
                while node != start:
                    back, back_lid = prev[node]
                    steps.append((node[0], back_lid))
                    node = back
                steps.reverse()
                return steps
            if nxt not in seen:
                if len(seen) >= MAX_LOOP_SEARCH:
                    return None
                seen.add(nxt)
                prev[nxt] = (node, lid)
                queue.append(nxt)
    raise AssertionError("a fair component has a loop through each of its states meeting its obligations")


def _walked_loop(
    g: StateGraph, entry: int, comp: set[int], obligations: list[tuple[int, int, int]], fair: _Fairness
) -> list[tuple[int, int]]:
    """A cycle from ``entry`` through ``comp`` that meets every obligation, as ``(state, label id)`` steps.

    An obligation already met by the steps taken so far (a step of the same family, or a
    state where the same weakly fair family is disabled) is skipped, which keeps loops short.
    """
    steps: list[tuple[int, int]] = []
    cur = entry
    taken = 0  # families whose step the loop has taken
    visited_disabled = 0  # families disabled at some state on the loop
    all_bits = (1 << len(fair.conds)) - 1

    def note(u: int, lid: int) -> None:
        nonlocal taken, visited_disabled
        if lid >= 0:
            taken |= fair.mask[lid]
        visited_disabled |= all_bits & ~fair.enabled(u)

    def walk(target: int) -> None:
        nonlocal cur
        p = g.shortest_path([cur], lambda u: u == target, lambda u: u in comp)
        assert p is not None
        for u, lid in p[1:]:
            note(u, lid)
        steps.extend(p[1:])
        cur = target

    note(entry, -1)
    for k, (u, v, lid) in obligations:
        if v >= 0 and taken >> k & 1:
            continue
        if v < 0 and (visited_disabled | taken) >> k & 1:
            continue
        walk(u)
        if v >= 0:
            steps.append((v, lid))
            note(v, lid)
            cur = v
    if cur == entry and not steps:
        v, lid = next((v, lid) for v, lid in g.edges(entry) if v in comp)
        steps.append((v, lid))
        cur = v
    if cur != entry:
        walk(entry)
    return steps


def check_property(
    spec: Spec,
    name: str | None = None,
    *,
    fairness: Sequence[Fair] | None = None,
    graph: StateGraph | None = None,
    symmetry: bool = False,
    max_states: int | None = None,
    progress: Progress | None = None,
) -> LivenessResult:
    """Check the temporal property ``name`` (default: the only one declared) under the spec's fairness (or
    ``fairness``), on ``graph`` when given (explored with this property's predicates named ``goal`` and
    ``trigger``). :func:`check_liveness` checks the invariants and several properties in one exploration."""
    _refuse_symmetry(symmetry)
    started = time.perf_counter()
    name, prop = temporal(spec, name)
    rule = FairnessRule(spec, spec.fairness() if fairness is None else fairness)
    if graph is None:
        graph = explore(spec, predicates=predicates(spec, name, prop, plain=True), max_states=max_states,
                        progress=progress)
    return _judge(spec, name, prop, rule, graph, "goal", "trigger", started)


def check_liveness(
    spec: Spec,
    names: Sequence[str | None] | None = None,
    *,
    fairness: Sequence[Fair] | None = None,
    symmetry: bool = False,
    max_states: int | None = None,
    progress: Progress | None = None,
    check_invariants: bool = True,
    check_deadlock: bool = False,
) -> tuple[Result, list[LivenessResult]]:
    """The invariants (and deadlock), as :func:`modelcheck.check` checks them, and the temporal properties
    ``names`` (default: every one declared), from one exploration of the model: ``check``'s result (its
    verdict, shortest counterexample, counts and depth) and, unless that is a violation (then none), each
    property's. Names and fairness are checked before the exploration starts."""
    _refuse_symmetry(symmetry)
    started = time.perf_counter()
    if names is None:
        names = list(spec.properties()) or [None]  # none declared: temporal() says so
    props = [temporal(spec, name) for name in names]
    rule = FairnessRule(spec, spec.fairness() if fairness is None else fairness)
    preds: dict[str, Callable[[State], bool]] = {}
    for name, prop in props:
        preds.update(predicates(spec, name, prop))
    g, safety = explore_checked(spec, predicates=preds, max_states=max_states, progress=progress,
                                check_invariants=check_invariants, check_deadlock=check_deadlock)
    if safety.verdict != OK:
        return safety, []
    explored = time.perf_counter() - started  # each property's seconds: the exploration's and its own
    return safety, [_judge(spec, name, prop, rule, g, *_keys(name), time.perf_counter() - explored)
                    for name, prop in props]


def _refuse_symmetry(symmetry: bool) -> None:
    if symmetry:
        raise SpecError(
            "liveness with symmetry reduction is refused: a fair cycle in the quotient graph need not be one "
            "in the real graph, so verdicts can be wrong (TLC's known unsoundness, tlaplus/tlaplus#59); drop --symmetry"
        )


def temporal(spec: Spec, name: str | None) -> tuple[str, Temporal]:
    """The declared temporal property ``name`` (None: the only one) and its name; a one-line error otherwise."""
    props = spec.properties()
    if not props:
        raise SpecError(f"{spec.describe()}: declares no temporal property to check")
    if name is None:
        if len(props) > 1:
            raise SpecError(f"{spec.name}: several properties ({', '.join(props)}); name one")
        name = next(iter(props))
    if name not in props:
        why = (f"; {name} is an invariant, which paxraft check without --liveness checks" if name in spec.invariants
               else hint(name, props))
        raise SpecError(f"{spec.name}: no temporal property {name!r} (declared: {', '.join(props)}){why}")
    return name, props[name]


def _keys(name: str) -> tuple[str, str]:
    """The names of property ``name``'s goal and trigger marks in a graph explored for several properties."""
    return f"goal of {name}", f"trigger of {name}"


def predicates(spec: Spec, name: str, prop: Temporal, plain: bool = False) -> dict[str, Callable[[State], bool]]:
    """The state predicates the graph marks for ``prop``: its goal and trigger, named by :func:`_keys`
    (``plain``: ``goal`` and ``trigger``)."""
    goal, trigger = ("goal", "trigger") if plain else _keys(name)
    preds = {goal: strict_predicate(spec, "property", name, _spec_code(spec, name, prop.goal))}
    if prop.trigger is not None:
        preds[trigger] = strict_predicate(spec, "property", name, _spec_code(spec, name, prop.trigger))
    return preds


def _spec_code(spec: Spec, name: str, pred: Callable[[State], object]) -> Callable[[State], object]:
    """``pred``, whose exception is the spec's code failing (exit 3, naming the property and the state): it was
    reported as paxraft's own failure, exit 4, since the preflight never calls a property's predicates."""

    def call(state: State) -> object:
        try:
            return pred(state)
        except Exception as exc:
            raise raised(spec, f"property {name}", exc, state) from exc

    return call


def _judge(
    spec: Spec, name: str, prop: Temporal, rule: FairnessRule, g: StateGraph, goal_key: str, trigger_key: str,
    started: float,
) -> LivenessResult:
    """Property ``name`` on the explored graph ``g``, whose marks ``goal_key`` (and ``trigger_key``) are its."""
    goal = g.marks[goal_key]
    fair = _Fairness(g, rule)
    n = len(g)

    # R: the ~goal states a violating behaviour can be in after its trigger; for <>[]goal every state (a
    # violating behaviour fails goal infinitely often, and may pass through goal states in between).
    stable = prop.kind == EVENTUALLY_ALWAYS
    if stable:
        starts = list(g.inits)
    elif prop.kind == EVENTUALLY:
        starts = [i for i in g.inits if not goal[i]]
    elif prop.kind == ALWAYS_EVENTUALLY:
        starts = [i for i in range(n) if not goal[i]]
    elif prop.kind == LEADS_TO:
        trig = g.marks[trigger_key]
        starts = [i for i in range(n) if trig[i] and not goal[i]]
    else:
        raise SpecError(f"unknown temporal property kind {prop.kind!r}")
    region: set[int] = set(starts)
    todo = list(starts)
    while todo:
        u = todo.pop()
        for v, _ in g.edges(u):
            if (stable or not goal[v]) and v not in region:
                region.add(v)
                todo.append(v)

    # Tails: stutter states (stuttering there for ever is fair) and fair components.
    tails: list[tuple[list[int], list[tuple[int, tuple[int, int, int]]] | None]] = []
    for u in sorted(region):
        if fair.broken([u], ()) is None and not (stable and goal[u]):  # stuttering in a goal state keeps <>[]goal
            tails.append(([u], None))
    succ = {u: [v for v, _ in g.edges(u) if v in region] for u in region}
    # <>[]goal: a fair loop breaks it only through a ~goal state; any state of a fair component can be on its loop
    tails.extend(c for c in _fair_components(sorted(region), succ, g, fair)
                 if not stable or not all(goal[u] for u in c[0]))

    warnings = (vacuity_warnings(g, prop, goal_key, trigger_key) + narrowed_fairness(spec, rule.conds)
                + _never_enabled(g, fair))
    lasso = None
    if tails:
        lasso = _shortest_lasso(g, prop, starts, region, tails, fair, goal)
    else:
        warnings += _no_fair_behaviour(g, fair)
    return LivenessResult(
        spec=spec,
        property=name,
        text=prop.text,
        fairness=[show_fair(spec, f) for f in rule.conds],
        holds=lasso is None,
        lasso=lasso,
        distinct_states=n,
        edges=g.edge_count(),
        seconds=time.perf_counter() - started,
        warnings=warnings,
        kind=prop.kind,
    )


def _shortest_lasso(
    g: StateGraph,
    prop: Temporal,
    starts: list[int],
    region: set[int],
    tails: list[tuple[list[int], list[tuple[int, tuple[int, int, int]]] | None]],
    fair: _Fairness,
    goal: Sequence[bool],
) -> Lasso:
    """The lasso whose prefix is shortest: reach a trigger, then stay in ``region`` to a tail (for ``<>[]goal``,
    anywhere to a ~goal state of a tail)."""
    tail_of: dict[int, int] = {}
    stable = prop.kind == EVENTUALLY_ALWAYS
    for k, (comp, _) in enumerate(tails):
        for u in comp:
            if not (stable and goal[u]):  # <>[]goal: the loop starts and ends in a ~goal state, so visits it
                tail_of.setdefault(u, k)
    if prop.kind in (EVENTUALLY, EVENTUALLY_ALWAYS):
        path = g.shortest_path(starts, lambda u: u in tail_of, lambda u: u in region)
    else:
        path = _two_phase_path(g, set(starts), region, tail_of)
    assert path is not None
    entry = path[-1][0]
    comp, obligations = tails[tail_of[entry]]
    loop_path = [] if obligations is None else _loop(g, entry, set(comp), obligations, fair)
    assert fair.broken([entry] + [v for v, _ in loop_path], [lid for _, lid in loop_path]) is None, "an unfair loop"
    steps = g.materialize(path + loop_path)
    return Lasso(prefix=steps[: len(path)], loop=steps[len(path) :])


def _two_phase_path(g: StateGraph, starts: set[int], region: set[int], goal: dict[int, int]) -> list[tuple[int, int]]:
    """Shortest path from an initial state, anywhere to a trigger state, then inside ``region`` to ``goal``.

    A breadth-first search over (state, phase) pairs. Entering phase two at a trigger state costs no
    step, so it happens as the state is reached: ``(u, 2)`` is found with ``(u, 1)``, at the same
    distance. (It was an edge of a 0-1 search that marked a pair seen when first queued, so a pair
    reached by a step before its free switch was dequeued kept the longer path: with initial states
    0 and 1, 1 a tail and 0 -> 1, the prefix was 0, 1 instead of 1 alone.)
    """
    prev: dict[tuple[int, int], tuple[tuple[int, int] | None, int]] = {}
    queue: deque[tuple[int, int]] = deque()

    def reach(node: tuple[int, int], back: tuple[int, int] | None, lid: int) -> None:
        if node not in prev:
            prev[node] = (back, lid)
            queue.append(node)
        u, phase = node
        if phase == 1 and u in starts and (u, 2) not in prev:
            prev[(u, 2)] = (node, -1)
            queue.append((u, 2))

    for i in g.inits:
        reach((i, 1), None, -1)
    while queue:
        node = queue.popleft()
        u, phase = node
        if phase == 2 and u in goal:
            out: list[tuple[int, int]] = []
            cur: tuple[int, int] | None = node
            while cur is not None:
                back, lid = prev[cur]
                if back is None or back[0] != cur[0]:  # skip the zero-cost phase switch
                    out.append((cur[0], lid))
                cur = back
            out.reverse()
            return out
        for v, lid in g.edges(u):
            if phase == 2 and v not in region:
                continue
            reach((v, phase), node, lid)
    raise AssertionError("a tail in the region is reachable from a trigger state by construction")


def narrowed_fairness(spec: Spec, conds: Sequence[Fair]) -> list[str]:
    """Warn when a fairness condition names an action ``--without`` leaves out or ``--restrict`` narrows. Here
    such a step neither exists nor enables the condition; in TLA+, ENABLED reads the action itself (TLC, for a
    Next without the disjunct or an ACTION_CONSTRAINT), so a behaviour waiting for such a step is unfair there
    and the property may hold where paxraft finds a lasso (KeyValueStore --restrict no-rollback: Ends1 is
    violated here, holds in TLC)."""
    narrowed = {act: f"--restrict {name}" for name, (act, _, _) in type(spec).restrictions().items()
                if name in spec.restricted}
    narrowed.update({act: "--without" for act in spec.excluded})
    out = []
    for f in conds:
        hit = [a for a in f.actions if a in narrowed]
        if hit:
            how = ", ".join(f"{a} ({narrowed[a]})" for a in hit)
            out.append(f"fairness {show_fair(spec, f)} names {how}: only the steps left enable it here, while TLA+'s "
                       "ENABLED (TLC's, for Next without the disjunct or an ACTION_CONSTRAINT) counts the others too, "
                       "so the verdict can differ from TLC's")
    return out


def _never_enabled(g: StateGraph, fair: _Fairness) -> list[str]:
    """Warn about a fairness condition whose filter no state-changing step of the model passes while its actions
    have such steps: it is enabled nowhere, so it constrains nothing, which is right in TLA+ but is most often a
    filter value the model never offers (``WF("Deliver", dst=5)`` with servers 0..2); a lasso found is then the
    behaviour the user meant to rule out, and nothing said why. (Conditions without a filter need no pass over
    the graph's edges, which the judgement of each property would otherwise make again.)"""
    if not any(f.where or f.test is not None for f in fair.conds):
        return []
    matched, named = 0, set()
    for lid in set(g.lab).union(g.cut_from):
        matched |= fair.mask[lid]
        named.add(g.labels[lid].name)
    return [f"fairness {show_fair(g.spec, f)} is enabled in no state of this model: steps of {', '.join(f.actions)} "
            "change the state, but none passes its filter, so it constrains nothing (is the filter a value the model "
            "offers?)"
            for k, f in enumerate(fair.conds)
            if not matched >> k & 1 and (f.where or f.test is not None) and named.intersection(f.actions)]


def _no_fair_behaviour(g: StateGraph, fair: _Fairness) -> list[str]:
    """Warn when no behaviour of the model is fair, so that every property holds vacuously (TLC is silent too).

    Without a state constraint a fair behaviour always exists (each enabled step is an edge to take). With one,
    a condition may have steps only to states the constraint cuts (the alternating-bit protocol at
    ``--ack-q-len 0``: every SndAck step leaves it, and WF(SndAck) holds no behaviour fair). Only for such a
    condition (its labels among the cut steps', none among the edges': two passes over label ids in C) is the
    whole graph searched for a fair tail."""
    suspects = 0
    for lid in set(g.cut_from):
        suspects |= fair.mask[lid]
    for lid in set(g.lab):
        suspects &= ~fair.mask[lid]
    if not suspects:
        return []
    nodes = list(range(len(g)))
    if any(fair.broken([u], ()) is None for u in nodes):
        return []
    if _fair_components(nodes, {u: [v for v, _ in g.edges(u)] for u in nodes}, g, fair, first=True):
        return []
    culprits = [show_fair(g.spec, f) for k, f in enumerate(fair.conds) if suspects >> k & 1]
    return [
        f"no behaviour of this model is fair, so the property holds vacuously: every step of "
        f"{', '.join(culprits)} leaves the state constraint, and a fair behaviour would have to take one "
        "(raise the constraint's bounds)"
    ]


def vacuity_warnings(g: StateGraph, prop: Temporal, goal_key: str = "goal", trigger_key: str = "trigger") -> list[str]:
    """Warn when the state constraint cut every path to the property's goal, or every state where a leads-to's
    trigger holds (TLC is silent here); the goal's and trigger's marks in ``g`` are named ``goal_key`` and
    ``trigger_key``."""
    if not g.cut:
        return []
    trig = g.marks.get(trigger_key) if prop.kind == LEADS_TO else None
    if trig is not None and not any(trig):
        if g.cut_marks.get(trigger_key):
            return [
                f"the state constraint cut every state where the trigger of {prop.text} holds ({g.cut:,} "
                "successors cut), so the property holds vacuously"
            ]
        return [f"no explored state satisfies the trigger of {prop.text}, and the state constraint cut {g.cut:,} "
                "successors: the constraint may hide every state where it holds"]
    if any(g.marks[goal_key]):
        return []
    if g.cut_marks.get(goal_key):
        return [
            f"the state constraint cut every path to the goal of {prop.text}: it holds only in states the "
            f"constraint excluded ({g.cut:,} successors cut), so the verdict says little about the protocol"
        ]
    return [
        f"no explored state satisfies the goal of {prop.text}, and the state constraint cut {g.cut:,} successors: "
        "the constraint may hide every path to it"
    ]


def format_lasso(spec: Spec, result: LivenessResult) -> str:
    """The verdict and, for a violation, the numbered prefix and the marked loop."""
    from modelcheck.engine.explain import diff_lines  # explain imports nothing of ours; kept local to stay light

    lines = [f"Model: {spec.describe()}", f"Property {result.property}: {result.text}"]
    lines.append("Fairness: " + ("; ".join(result.fairness) if result.fairness else "none"))
    lines.extend(f"Warning: {w}" for w in result.warnings)
    if result.holds:
        lines.append(f"Property {result.property} holds under this fairness.")
    else:
        lasso = result.lasso
        assert lasso is not None
        lines.append(f"Error: property {result.property} is violated: {result.violation()}")
        lines.append("")
        prev = None
        n = 0
        for st in lasso.prefix:
            n += 1
            shown = shown_state(spec, st.state)
            lines.append(f"{n:>3}. {'Initial state' if st.label is None else spec.show_label(st.label)}")
            lines.extend(f"       {x}" for x in diff_lines(prev, shown))
            prev = shown
        if lasso.stutters:
            lines.append(f"     ^-- loop: state {n} stutters for ever (no fair action can change it)")
        else:
            lines.append(f"     --- loop begins: from state {n} the following steps repeat for ever")
            for st in lasso.loop:
                n += 1
                shown = shown_state(spec, st.state)
                lines.append(f"{n:>3}. {spec.show_label(st.label)}" if st.label else f"{n:>3}.")
                lines.extend(f"       {x}" for x in diff_lines(prev, shown))
                prev = shown
            lines.append(f"     --- loop ends: back to state {len(lasso.prefix)}")
    lines.append(f"{count(result.distinct_states, 'distinct state')}, {count(result.edges, 'edge')}, "
                 f"{result.seconds:.2f}s")
    return "\n".join(lines)
