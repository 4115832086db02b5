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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from modelcheck.engine._fingerprint import fingerprinter, plain_or_apart
from modelcheck.engine.result import Step
from spec.behaviour import initial_states, invariant_check, state_constraint, step_check
from spec.core import Label, Params, Spec, SpecError, State

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
        """Every path from an initial node to ``target``, the plain search's first (first parents first):
        depth first back from ``target`` with a stack (a recursion per step failed on long ones)."""
        into: list[int] = []  # into[i]: the action into back[i] from back[i + 1]
        back, tried = [target], [0]
        while tried:
            j = back[-1]
            if not self.preds[j] or tried[-1] == len(self.preds[j]):
                if not self.preds[j]:
                    yield back[::-1], [-1, *into[::-1]]
                back.pop()
                tried.pop()
                if into:
                    into.pop()
                continue
            parent, ai, _, _ = self.preds[j][tried[-1]]
            tried[-1] += 1
            back.append(parent)
            into.append(ai)
            tried.append(0)

    def diverse(self, k: int, limit: int = 20_000) -> list[tuple[list[Step], str]]:
        """Up to ``k`` shortest counterexamples, no two of them renamings of each other (nor equal)."""
        canon = _trace_key(self.spec)
        seen: set[tuple[int, ...]] = set()
        out: list[tuple[list[Step], str]] = []
        streams = [((self.paths(t), bad)) for t, bad in self.targets]
        tried, walked = 0, set()
        for group in itertools.zip_longest(*(_tagged(p, bad) for p, bad in streams)):  # round robin over targets
            for item in group:
                if item is None:
                    continue
                (nodes, acts), bad = item
                if self.symmetry:  # edges of one action from one orbit to the next give the same traces
                    path = (*nodes, *acts)
                    if path in walked:
                        continue
                    walked.add(path)
                for trace in self.traces(nodes, acts):
                    tried += 1
                    key = canon(trace)
                    if key not in seen:
                        seen.add(key)
                        out.append((trace, bad))
                        if len(out) == k:
                            return out
                    if tried >= limit:
                        return out
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


Path = tuple[list[int], list[int]]


def _tagged(paths: Iterator[Path], bad: str) -> Iterator[tuple[Path, str]]:
    for p in paths:
        yield p, bad


def _trace_key(spec: Spec) -> Callable[[list[Step]], tuple[int, ...]]:
    """A key equal for two traces exactly when one renaming (one permutation for the whole trace, of
    the spec's symmetric sets) maps one onto the other: the least renamed sequence of state hashes."""
    perms = spec.permutations() if spec.symmetric_sets() and not spec.asymmetric else []
    fp = plain_or_apart(spec)  # a -1 and a -2 hash alike (modelcheck.engine._fingerprint)

    def key(trace: list[Step]) -> tuple[int, ...]:
        own = tuple(fp(st.state) for st in trace)
        return min([own] + [tuple(fp(spec.permute(st.state, p)) for st in trace) for p in perms[1:]])

    return key


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
