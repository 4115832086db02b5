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

from modelcheck.engine._fingerprint import fingerprinter
from modelcheck.engine.gcpause import gc_paused
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import Step, count
from spec.behaviour import initial_states, state_constraint
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
    with gc_paused():
        return _explore(spec, symmetry, dict(predicates or {}), keep_states, max_states, progress)


def _explore(
    spec: Spec,
    symmetry: bool,
    predicates: dict[str, Callable[[State], bool]],
    keep_states: bool,
    max_states: int | None,
    progress: Progress | None = None,
) -> StateGraph:
    fingerprint = fingerprinter(spec, symmetry)
    g = StateGraph(spec, symmetry, states=[] if keep_states else None)
    g.marks = {name: bytearray() for name in predicates}
    g.cut_marks = dict.fromkeys(predicates, False)
    g.fired = {a.name: 0 for a in spec.actions}
    constraint = state_constraint(spec)
    index: dict[int, int] = {}
    label_ids: dict[Label, int] = {}
    actions = spec.actions

    def add(s: State, fp: int, parent: int, lid: int, depth: int) -> int:
        i = index[fp] = len(g.fps)
        g.fps.append(fp)
        g.parent.append(parent)
        g.parent_lab.append(lid)
        g.depth_of.append(depth)
        for name, pred in predicates.items():
            g.marks[name].append(1 if pred(s) else 0)
        if g.states is not None:
            g.states.append(s)
        if max_states is not None and len(g.fps) > max_states:
            raise GraphTooLargeError(
                f"{spec.describe()}: more than {count(max_states, 'state')}; raise the limit or shrink the model"
            )
        return i

    def cut_state(s: State) -> None:
        g.cut += 1
        for name, pred in predicates.items():
            if not g.cut_marks[name] and pred(s):
                g.cut_marks[name] = True

    frontier: list[tuple[State, int]] = []
    for s in initial_states(spec):
        g.generated += 1
        if constraint is not None and not constraint(s):
            cut_state(s)
            continue
        fp = fingerprint(s)
        if fp not in index:
            i = add(s, fp, -1, -1, 1)
            g.inits.append(i)
            frontier.append((s, i))
    depth = 1
    while frontier:
        nxt_frontier: list[tuple[State, int]] = []
        for k, (s, si) in enumerate(frontier):  # expanded in index order, so edges are laid out by source index
            if progress and not k & 255:
                progress.tick(len(g.fps), g.generated, depth, len(frontier) - k + len(nxt_frontier))
            for act in actions:
                for params, t in act.successors(s):
                    g.generated += 1
                    g.fired[act.name] += 1
                    label = Label(act.name, params)
                    lid = label_ids.get(label)
                    if lid is None:
                        lid = label_ids[label] = len(g.labels)
                        g.labels.append(label)
                    if t == s:
                        g.self_loops.append(lid)
                        continue
                    if constraint is not None and not constraint(t):
                        cut_state(t)
                        g.cut_from.append(lid)
                        continue
                    fp = fingerprint(t)
                    ti = index.get(fp)
                    if ti is None:
                        ti = add(t, fp, si, lid, depth + 1)
                        nxt_frontier.append((t, ti))
                    if ti == si:  # equal to s up to symmetry: still a stutter of the canonical state
                        g.self_loops.append(lid)
                        continue
                    g.dst.append(ti)
                    g.lab.append(lid)
            g.start.append(len(g.dst))
            g.self_start.append(len(g.self_loops))
            g.cut_start.append(len(g.cut_from))
        frontier = nxt_frontier
        depth += 1
    return g
