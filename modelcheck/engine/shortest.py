"""Every shortest counterexample at once: the breadth-first DAG of shortest paths to the first bad level.

The plain search keeps one parent per state, so it can name one shortest trace. This one
keeps, for each state, every edge from the level above, and finishes the level where the
first violation appears, so the DAG holds every shortest counterexample. From it:

* :meth:`ShortestDag.diverse` gives up to K of them that are not renamings of one another
  (no one permutation of the symmetric sets maps one trace onto another, whether or not the
  search itself used symmetry);
* :meth:`ShortestDag.fewest_switches` gives one with the fewest changes of acting process
  (the node of the spec's message-sequence chart), found by dynamic programming over the DAG.

A step that breaks an action invariant (:func:`spec.core.action_invariant`) ends a counterexample as a
violating state does: it gets a node of its own (a *step node*, never looked up by fingerprint, since the
state it reaches may be one seen before, even an initial one), whose one edge is that step. Without them
``--counterexamples`` and ``--fewest-switches`` said "No error found" of a spec whose plain check reports
the action invariant broken, and preferred a longer trace to a state invariant.

The first trace it names is exactly the plain search's (same discovery order), so what the
options save is measured against what ``paxraft check`` prints. One process only: the
DAG lives in this process's memory (integers per edge; states only for the frontier).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from modelcheck.engine._fingerprint import fingerprinter, plain_or_apart
from modelcheck.engine.result import Step
from spec.behaviour import initial_states, invariant_check, state_constraint, step_check
from spec.core import Label, Params, Spec, SpecError, State

#: how far ShortestDag.diverse looks for counterexamples unlike those it has: concrete traces built, DAG paths walked
DIVERSE_TRACES, DIVERSE_PATHS = 20_000, 200_000
Edge = tuple[int, int, Params, int]  # (parent node, action index, params, actor id; -1 when not asked)


@dataclass
class ShortestDag:
    """Nodes by discovery order (level by level); for each, its edges from the level above."""

    spec: Spec
    symmetry: bool
    fps: list[int] = field(default_factory=list)
    preds: list[list[Edge]] = field(default_factory=list)
    targets: list[tuple[int, str]] = field(default_factory=list)  # (node, violated) on the last level
    actors: list[str] = field(default_factory=list)
    depth: int = 0
    states_generated: int = 0
    complete: bool = True
    step_nodes: set[int] = field(default_factory=set)  # the nodes that are a violating step (module docstring)
    diverse_all: bool = True  # the last diverse() looked at every shortest counterexample, or found as many as asked

    @property
    def distinct_states(self) -> int:
        """Nodes discovered (the stored states, plus violating states outside the constraint), less the step
        nodes: the state such a step reaches is counted once, as a state, or was counted before."""
        return len(self.fps) - len(self.step_nodes)

    def trace(self, nodes: list[int], actions: list[int]) -> list[Step]:
        """The first concrete trace along node path ``nodes`` (``actions[k]`` leads into ``nodes[k]``)."""
        return next(self.traces(nodes, actions))

    def traces(self, nodes: list[int], actions: list[int]) -> Iterator[list[Step]]:
        """The concrete traces along node path ``nodes``, the first one first. Without symmetry a node is one
        state: one trace. Under symmetry a node is an orbit, and two traces through the same orbits need not be
        renamings of each other (two transactions opened in either order, then the first one writes): every
        one is given, so that none is lost to the one-per-orbit search. A path ending at a step node ends with
        a step that breaks an action invariant (of the steps into that orbit, only those)."""
        spec, every = self.spec, self.symmetry
        fp = fingerprinter(spec, every)
        last = len(nodes) - 1
        breaking = nodes[last] in self.step_nodes

        def options(k: int, state: State) -> Iterator[Step]:
            """The steps from ``state`` into node ``k`` (the first only without symmetry: the node's one state)."""
            act, taken = spec.actions[actions[k]], set()
            for params, nxt in act.successors(state):
                if breaking and k == last and spec.step_violated(state, nxt) is None:
                    continue
                if fp(nxt) == self.fps[nodes[k]] and nxt not in taken:
                    taken.add(nxt)
                    yield Step(Label(act.name, params), nxt)
                    if not every:
                        return

        # depth first with a stack of iterators: a recursion per step failed on a 1,500-step counterexample
        for state in spec.init_states():
            if fp(state) != self.fps[nodes[0]]:
                continue
            steps = [Step(None, state)]
            if len(nodes) == 1:
                yield steps
            stack = [options(1, state)] if len(nodes) > 1 else []
            while stack:  # steps holds one more state than stack holds iterators
                nxt = next(stack[-1], None)
                if nxt is None:
                    stack.pop()
                    steps.pop()
                elif len(steps) + 1 == len(nodes):
                    yield [*steps, nxt]
                else:
                    steps.append(nxt)
                    stack.append(options(len(steps), nxt.state))
            if not every:
                return

    def paths(self, target: int) -> Iterator[tuple[list[int], list[int]]]:
        """Every path from an initial node to ``target``, the plain search's first (first parents first)."""
        for nodes, acts, _ in self._walk(target, None):
            yield nodes, acts

    def _walk(self, target: int, steps: Counter[Any] | None) -> Iterator[tuple[list[int], list[int], Any]]:
        """:meth:`paths`, depth first back from ``target`` with a stack (a recursion per step failed on long ones);
        with ``steps`` (an empty Counter) each path also comes with its initial node and the multiset of its edges'
        (action, parameters), kept up to date as the walk goes (a path is not read again to count them)."""
        into: list[int] = []  # into[i]: the action into back[i] from back[i + 1]
        back, tried = [target], [0]
        took: list[tuple[int, Any]] = []  # the (action, parameters) of the edges walked, as into
        while tried:
            j = back[-1]
            if not self.preds[j] or tried[-1] == len(self.preds[j]):
                if not self.preds[j]:
                    key = None if steps is None else (j, frozenset((+steps).items()))
                    yield back[::-1], [-1, *into[::-1]], key
                back.pop()
                tried.pop()
                if into:
                    into.pop()
                    if steps is not None:
                        steps[took.pop()] -= 1
                continue
            parent, ai, params, _ = self.preds[j][tried[-1]]
            tried[-1] += 1
            back.append(parent)
            into.append(ai)
            tried.append(0)
            if steps is not None:
                took.append((ai, _hashable(params)))
                steps[took[-1]] += 1

    def diverse(self, k: int, limit: int | None = None, paths: int | None = None) -> list[tuple[list[Step], str]]:
        """Up to ``k`` shortest counterexamples, no two of them alike (:class:`_Alike`: the same steps in another
        order, or a renaming of such). At most ``limit`` concrete traces are built and ``paths`` paths of the
        DAG walked; :attr:`diverse_all` says whether every one was."""
        limit, paths = limit or DIVERSE_TRACES, paths or DIVERSE_PATHS
        alike = _Alike(self.spec)
        out: list[tuple[list[Step], str]] = []
        # a node is one state (no symmetry, no view): a path's edges are its steps, and a path taking the steps of
        # one walked before is skipped before its trace is built (most shortest paths are reorderings)
        by_edges = not self.symmetry and not self.spec.has_view
        streams = [self._walk(t, Counter() if by_edges else None) for t, _ in self.targets]
        built, walked, edge_keys, orbit_paths = 0, 0, set(), set()
        self.diverse_all = False
        for group in itertools.zip_longest(*(_tagged(p, bad) for p, (_, bad) in zip(streams, self.targets))):
            for item in group:  # round robin over targets
                if item is None:
                    continue
                (nodes, acts, key), bad = item
                walked += 1
                if walked > paths:
                    return out
                if key is not None:
                    if key in edge_keys:
                        continue
                    edge_keys.add(key)
                if self.symmetry:  # edges of one action from one orbit to the next give the same traces
                    path = (*nodes, *acts)
                    if path in orbit_paths:
                        continue
                    orbit_paths.add(path)
                for trace in self.traces(nodes, acts):
                    built += 1
                    if alike.new(trace):
                        out.append((trace, bad))
                        if len(out) == k:
                            self.diverse_all = True  # as many as asked
                            return out
                    if built >= limit:
                        return out
        self.diverse_all = True
        return out

    def fewest_switches(self) -> tuple[list[Step], str, int]:
        """A shortest counterexample with the fewest changes of acting process, its invariant and that count."""
        if self.symmetry:
            raise SpecError("--fewest-switches reads who acts in each concrete step; drop --symmetry")
        # best[j]: last actor -> (switches, parent node, parent's last actor, action index)
        best: list[dict[int, tuple[int, int, int, int]]] = []
        for edges in self.preds:
            here: dict[int, tuple[int, int, int, int]] = {}
            if not edges:
                here[-1] = (0, -1, -1, -1)
            for parent, ai, _, actor in edges:
                for last, (cost, *_rest) in best[parent].items():
                    c = cost + (last not in (-1, actor))
                    if actor not in here or c < here[actor][0]:
                        here[actor] = (c, parent, last, ai)
            best.append(here)
        choice = min(
            (cost, n, t, last, bad)
            for n, (t, bad) in enumerate(self.targets)
            for last, (cost, *_r) in best[t].items()
        )
        cost, _, node, last, bad = choice
        nodes, acts = [], []
        while node != -1:
            _, parent, plast, ai = best[node][last]
            nodes.append(node)
            acts.append(ai)
            node, last = parent, plast
        return self.trace(nodes[::-1], acts[::-1]), bad, cost



def _tagged(paths: Iterator[Any], bad: str) -> Iterator[tuple[Any, str]]:
    for p in paths:
        yield p, bad


def _hashable(params: Params) -> Any:
    """``params``, or its text where a parameter cannot be hashed (a list)."""
    try:
        hash(params)
    except TypeError:
        return repr(params)
    return params


def _steps(labels: Iterable[Label]) -> Counter[Any]:
    """The multiset of a trace's steps (action and parameters)."""
    return Counter((label.name, _hashable(label.params)) for label in labels)


class _Alike:
    """Which shortest counterexamples are one: those that take the same steps (action and parameters) from the same
    initial state in another order, which ends them in the same state (a step is a function of its state), and the
    renamings of those (one permutation of the spec's symmetric sets for the whole trace). Reordered independent
    steps are the same bug: two counters stepping to 2 have 6 interleavings and one counterexample. Until
    2026-12-06 only equal or renamed sequences of states were one, so ``--counterexamples 5`` could print five
    orders of one set of steps."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.fp = plain_or_apart(spec)  # a -1 and a -2 hash alike (modelcheck.engine._fingerprint)
        self.perms = spec.permutations()[1:] if spec.symmetric_sets() and not spec.asymmetric else []
        self.acts = {act.name: act for act in spec.actions}
        self.exact: set[tuple[int, frozenset[tuple[Any, int]]]] = set()  # every trace's met so far
        self.kept: dict[tuple[int, int], list[tuple[list[Step], Counter[Any]]]] = {}  # by ends, least renaming

    def new(self, trace: list[Step]) -> bool:
        """Whether ``trace`` is alike none met before (it is remembered either way)."""
        steps = _steps(st.label for st in trace[1:])  # type: ignore[misc]  # (a label past the first step)
        exact = (self.fp(trace[0].state), frozenset(steps.items()))
        if exact in self.exact:
            return False
        self.exact.add(exact)
        if not self.perms:
            return True
        permute, fp, first, last = self.spec.permute, self.fp, trace[0].state, trace[-1].state
        ends = [(fp(first), fp(last))] + [(fp(permute(first, p)), fp(permute(last, p))) for p in self.perms]
        kept = self.kept.setdefault(min(ends), [])
        for other, theirs in kept:  # a renaming takes the ends onto theirs: are its steps theirs, reordered?
            at = (fp(other[0].state), fp(other[-1].state))
            if any(e == at and self._renamed_steps_are(trace, p, theirs) for e, p in zip(ends[1:], self.perms)):
                return False
        kept.append((trace, steps))
        return True

    def _renamed_steps_are(self, trace: list[Step], perm: dict[str, tuple[int, ...]], steps: Counter[Any]) -> bool:
        """Whether ``trace`` renamed by ``perm`` takes the steps ``steps``. A renaming keeps a step's action and
        renames its parameters: the renamed step is the step of that action from the renamed state to the renamed
        successor (one of ``steps`` still unused, where several parameters lead there)."""
        spec, fp, left = self.spec, self.fp, Counter(steps)
        for prev, cur in zip(trace, trace[1:]):
            act = self.acts[cur.label.name]  # type: ignore[union-attr]  # (a step past the first has a label)
            s, goal = spec.permute(prev.state, perm), fp(spec.permute(cur.state, perm))
            key = next((k for params, t in act.successors(s)
                        if fp(t) == goal and left[k := (act.name, _hashable(params))] > 0), None)
            if key is None:
                return False
            left[key] -= 1
        return True


def actor(spec: Spec, prev: State, label: Label, nxt: State) -> str:
    """Who takes a step: the lane of the message-sequence chart."""
    return spec.msc_event(prev, label, nxt).node


def switches(spec: Spec, trace: list[Step]) -> int:
    """How often the acting process changes along ``trace``."""
    who = [actor(spec, trace[i - 1].state, trace[i].label, trace[i].state)  # type: ignore[arg-type]  # (a label)
           for i in range(1, len(trace))]
    return sum(a != b for a, b in zip(who, who[1:]))


def shortest_dag(
    spec: Spec,
    *,
    symmetry: bool = False,
    with_actors: bool = False,
    max_states: int | None = None,
    bad: Callable[[State], str | None] | None = None,
) -> ShortestDag:
    """Explore level by level until a level holds a violating state (``bad``: the invariants by
    default) or a step that breaks an action invariant (checked unless ``bad`` is given: a goal is no
    check), finishing that level; ``with_actors`` records who acts on each edge."""
    fingerprint = fingerprinter(spec, symmetry)
    violated = bad or invariant_check(spec)
    step_bad = None if bad is not None else step_check(spec)
    constraint = state_constraint(spec)
    actions = [(a.enumerate, a.step) for a in spec.actions]
    dag = ShortestDag(spec, symmetry)
    index: dict[int, int] = {}
    actor_ids: dict[str, int] = {}
    bad_states: set[int] = set()  # the nodes that are violating states

    def node(fp: int, edge: Edge | None, name: str | None) -> int:
        j = index[fp] = len(dag.fps)
        dag.fps.append(fp)
        dag.preds.append([edge] if edge else [])
        if name:
            dag.targets.append((j, name))
            bad_states.add(j)
        return j

    def broken_step(s: State, si: int, ai: int, params: Params, t: State, fp: int, who: int) -> None:
        """The step ``s -> t`` checked against the action invariants (after the state invariants of ``t``, as
        the breadth-first search does); one it breaks gets a step node."""
        name = step_bad(s, t, ai) if step_bad is not None else None
        if name:
            dag.step_nodes.add(len(dag.fps))
            dag.targets.append((len(dag.fps), name))
            dag.fps.append(fp)
            dag.preds.append([(si, ai, params, who)])

    frontier: list[tuple[State, int]] = []
    for s in initial_states(spec):
        dag.states_generated += 1
        fp = fingerprint(s)
        if fp in index:
            continue
        name = violated(s)
        if constraint is not None and not constraint(s) and not name:
            continue
        frontier.append((s, node(fp, None, name)))
    dag.depth = 1
    cap = -1 if max_states is None else max_states
    while frontier and not dag.targets:
        if max_states is not None and dag.distinct_states >= max_states:  # the initial states fill it
            dag.complete = False
            dag.actors = list(actor_ids)
            return dag
        level = len(dag.fps)  # nodes from here on are on the new level
        nxt: list[tuple[State, int]] = []
        for s, si in frontier:
            for ai, (enum, step) in enumerate(actions):
                for params in enum(s):
                    t = step(s, *params)
                    if t is None:
                        continue
                    dag.states_generated += 1
                    fp = fingerprint(t)
                    j = index.get(fp)
                    who = -1
                    if with_actors and (j is None or j >= level or step_bad is not None):
                        lane = actor(spec, s, Label(spec.actions[ai].name, params), t)
                        who = actor_ids.setdefault(lane, len(actor_ids))
                    if j is not None and j < level:  # reached on an earlier level: not a shortest path to it
                        broken_step(s, si, ai, params, t, fp, who)  # but the step may break an action invariant
                        continue
                    if j is not None:
                        dag.preds[j].append((si, ai, params, who))
                        if j not in bad_states:  # a path to a violating state names its invariant
                            broken_step(s, si, ai, params, t, fp, who)
                        continue
                    name = violated(t)
                    if not name:
                        broken_step(s, si, ai, params, t, fp, who)
                    if constraint is not None and not constraint(t) and not name:
                        continue
                    j = node(fp, (si, ai, params, who), name)
                    if not name and (constraint is None or constraint(t)):
                        nxt.append((t, j))
                    if dag.distinct_states == cap and not dag.targets:  # exactly max_states, as the bfs engine
                        dag.complete = False
                        dag.depth += 1  # the level begun
                        dag.actors = list(actor_ids)
                        return dag
        frontier = nxt
        dag.depth += 1
    dag.actors = list(actor_ids)
    if not dag.targets:
        dag.depth -= 1
    return dag
