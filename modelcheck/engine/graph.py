"""The explored state graph with its edges, stored compactly by state index (for liveness and pictures).

States are numbered in breadth-first order, so the successors of state ``i`` occupy
``dst[start[i]:start[i+1]]`` (compressed sparse rows); each edge carries the id of its
interned action label.  Self-loops (steps that change nothing) are not stored as edges:
in TLA+ they are stuttering steps, which every state may take anyway.  Named state
predicates are evaluated once, when a state is found, and kept as one byte per state.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial

from modelcheck.engine._fingerprint import fingerprinter
from modelcheck.engine._level_loop import level_loop
from modelcheck.engine.bfs import _Search
from modelcheck.engine.gcpause import gc_paused
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import Result, Step, count
from spec.core import Label, Spec, SpecError, State


class GraphTooLargeError(SpecError):
    """The model has more states than the size guard allows."""


@dataclass
class StateGraph:
    """Every reachable state (as an index), its outgoing edges and predicate values."""

    spec: Spec
    symmetry: bool
    fps: array = field(default_factory=lambda: array("q"))
    inits: list[int] = field(default_factory=list)
    start: array = field(default_factory=lambda: array("q", [0]))
    dst: array = field(default_factory=lambda: array("q"))
    lab: array = field(default_factory=lambda: array("l"))
    labels: list[Label] = field(default_factory=list)
    depth_of: array = field(default_factory=lambda: array("l"))
    parent: array = field(default_factory=lambda: array("q"))
    parent_lab: array = field(default_factory=lambda: array("l"))
    marks: dict[str, bytearray] = field(default_factory=dict)
    states: list[State] | None = None
    self_loops: array = field(default_factory=lambda: array("l"))  # label ids of self-loops per state (flat)
    self_start: array = field(default_factory=lambda: array("q", [0]))
    generated: int = 0
    cut: int = 0  # successors the state constraint kept out
    cut_marks: dict[str, bool] = field(default_factory=dict)  # predicate held in some cut state
    cut_from: array = field(default_factory=lambda: array("l"))  # label ids leaving to cut states (flat)
    cut_start: array = field(default_factory=lambda: array("q", [0]))
    fired: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.fps)

    def edges(self, i: int) -> Iterable[tuple[int, int]]:
        """``(destination, label id)`` for every state-changing edge leaving state ``i``."""
        a, b = self.start[i], self.start[i + 1]
        return zip(self.dst[a:b], self.lab[a:b])

    def out_labels(self, i: int) -> Iterable[int]:
        """Label ids of every state-changing step leaving ``i``, to kept or to cut states."""
        yield from self.lab[self.start[i] : self.start[i + 1]]
        yield from self.cut_from[self.cut_start[i] : self.cut_start[i + 1]]

    def edge_count(self) -> int:
        """Stored (state-changing, unconstrained) edges."""
        return len(self.dst)

    def path_to(self, i: int) -> list[tuple[int, int]]:
        """The breadth-first tree path to ``i``: ``(state, label id or -1)`` from an initial state."""
        out = [(i, -1)]
        while self.parent[i] >= 0:
            out[-1] = (i, self.parent_lab[i])
            i = self.parent[i]
            out.append((i, -1))
        out.reverse()
        return out

    def materialize(self, path: list[tuple[int, int]]) -> list[Step]:
        """Turn a path of ``(state index, label id into it)`` into a trace of real states."""
        spec = self.spec
        fingerprint = fingerprinter(spec, self.symmetry)
        first = path[0][0]
        state = next(s for s in spec.init_states() if fingerprint(s) == self.fps[first])
        steps = [Step(None, state)]
        for idx, lid in path[1:]:
            label = self.labels[lid]
            nxt = spec.action(label.name).step(state, *label.params)
            if nxt is None or fingerprint(nxt) != self.fps[idx]:  # pragma: no cover - nondeterministic spec
                raise RuntimeError(f"graph replay: {label} does not lead to the recorded state")
            steps.append(Step(label, nxt))
            state = nxt
        return steps

    def shortest_path(
        self, sources: Iterable[int], target: Callable[[int], bool], within: Callable[[int], bool]
    ) -> list[tuple[int, int]] | None:
        """Shortest path from any of ``sources`` to a state satisfying ``target``, through states in ``within``."""
        prev: dict[int, tuple[int, int]] = {}
        queue: deque[int] = deque()
        for s in sources:
            if s not in prev and within(s):
                prev[s] = (-1, -1)
                queue.append(s)
        while queue:
            u = queue.popleft()
            if target(u):
                path = [(u, prev[u][1])]
                while prev[path[-1][0]][0] >= 0:
                    p = prev[path[-1][0]][0]
                    path.append((p, prev[p][1]))
                path.reverse()
                return [(path[0][0], -1)] + path[1:]
            for v, lid in self.edges(u):
                if v not in prev and within(v):
                    prev[v] = (u, lid)
                    queue.append(v)
        return None


@dataclass(frozen=True)
class BrokenStep:
    """A step that breaks an action invariant: from state ``source`` to state ``target`` (-1: a state the
    constraint cuts, not in the graph, ``state``), by ``label``."""

    source: int
    target: int
    label: Label
    state: State
    invariant: str


def first_broken_step(g: StateGraph) -> BrokenStep | None:
    """The first step, in breadth-first order of its source, that breaks an action invariant: the one ``check``
    reports (steps into states the constraint cuts too, as check judges them). Each state's successors are made
    again: a graph is small (``paxraft graph`` draws at most a few hundred states)."""
    spec = g.spec
    if not spec.action_invariants or g.states is None:
        return None
    index = {s: i for i, s in enumerate(g.states)}
    for i, s in enumerate(g.states):
        for ai, params, t in spec.successors(s):
            name = spec.step_violated(s, t)
            if name is not None:
                return BrokenStep(i, index.get(t, -1), Label(spec.actions[ai].name, params), t, name)
    return None


def explore(
    spec: Spec,
    *,
    symmetry: bool = False,
    predicates: Mapping[str, Callable[[State], bool]] | None = None,
    keep_states: bool = False,
    max_states: int | None = None,
    progress: Progress | None = None,
) -> StateGraph:
    """Explore ``spec`` breadth-first, recording every edge; raise :class:`GraphTooLargeError` past ``max_states``."""
    return explore_checked(spec, symmetry=symmetry, predicates=predicates, keep_states=keep_states,
                           max_states=max_states, progress=progress, check_invariants=False)[0]


def explore_checked(
    spec: Spec,
    *,
    symmetry: bool = False,
    predicates: Mapping[str, Callable[[State], bool]] | None = None,
    keep_states: bool = False,
    max_states: int | None = None,
    progress: Progress | None = None,
    check_invariants: bool = True,
    check_deadlock: bool = False,
) -> tuple[StateGraph, Result]:
    """:func:`explore`, checking the invariants (and deadlock) on the way as :func:`modelcheck.check` does:
    the result is ``check``'s, verdict, shortest counterexample, counts, depth and coverage alike (one
    exploration serves both, ``check --liveness``); a violation stops the search, leaving the graph partial.
    Past ``max_states`` distinct states it raises :class:`GraphTooLargeError` instead of stopping."""
    with gc_paused():
        search = _GraphSearch(spec, symmetry, check_invariants, check_deadlock, dict(predicates or {}),
                              keep_states, max_states, progress)
        result = search.run()
        return search.finish(), result


class _GraphSearch(_Search):
    """The breadth-first search of :mod:`modelcheck.engine.bfs` (its initial level, generated level loop,
    stops and report), the loop generated to record the graph as well: every state-changing edge with its
    label, the self-loops, the labels leaving to states the constraint cuts, and the predicates of each state.
    States get the store's indices (breadth-first order). Steps build every successor (``count_outside`` stays
    off): a step into a cut state still enables its action for fairness, so its label is kept."""

    def __init__(
        self,
        spec: Spec,
        symmetry: bool,
        check_invariants: bool,
        check_deadlock: bool,
        predicates: dict[str, Callable[[State], bool]],
        keep_states: bool,
        max_states: int | None,
        progress: Progress | None,
    ) -> None:
        super().__init__(spec, symmetry, check_invariants, check_deadlock, None, progress, None)
        self.counts_outside = False
        self.cap = max_states
        self.predicates = predicates
        g = self.g = StateGraph(spec, symmetry, states=[] if keep_states else None)
        g.parent = self.store.parents  # one array for both
        g.marks = {name: bytearray() for name in predicates}
        g.cut_marks = dict.fromkeys(predicates, False)
        self.cut_pending = bool(predicates)  # some predicate has held in no cut state yet
        self.label_ids: list[dict[tuple, int]] = [{} for _ in spec.actions]  # per action: params -> label id

    #: check's level loop, recording the graph (:func:`modelcheck.engine._level_loop.level_loop`, ``graph``)
    make_level_loop = staticmethod(partial(level_loop, graph=True))

    def record(self, s: State, fp: int, lid: int, depth: int) -> None:
        """The graph's part of a newly stored state; past the size guard, refuse the model."""
        g = self.g
        g.fps.append(fp)
        g.parent_lab.append(lid)
        g.depth_of.append(depth)
        for name, pred in self.predicates.items():
            g.marks[name].append(1 if pred(s) else 0)
        if g.states is not None:
            g.states.append(s)
        if self.cap is not None and len(g.fps) > self.cap:
            raise GraphTooLargeError(
                f"{self.spec.describe()}: more than {count(self.cap, 'state')}; raise the limit or shrink the model"
            )

    def cut_predicates(self, s: State) -> None:
        """Mark the predicates that hold in the cut state ``s``; once each has held in one, there is nothing to do."""
        marks = self.g.cut_marks
        for name, pred in self.predicates.items():
            if not marks[name] and pred(s):
                marks[name] = True
        self.cut_pending = not all(marks.values())

    def initial_cut(self, s: State) -> None:
        self.g.cut += 1  # the loop counts a cut successor the same way
        self.cut_predicates(s)

    def initial_stored(self, s: State, fp: int, i: int) -> None:
        self.record(s, fp, -1, 1)
        self.g.inits.append(i)

    def label_id(self, ai: int, params: tuple) -> int:
        """The id of action ``ai``'s label with ``params``, interned on first sight."""
        lid = self.label_ids[ai][params] = len(self.g.labels)
        self.g.labels.append(Label(self.spec.actions[ai].name, params))
        return lid

    def finish(self) -> StateGraph:
        """The graph, with the search's figures."""
        g = self.g
        g.generated = self.generated()
        g.fired = {a.name: n for a, n in zip(self.spec.actions, self.fired)}
        return g
