"""Multi-process breadth-first search: states partitioned by fingerprint, level by level.

Worker ``w`` of ``N`` owns every state whose fingerprint is ``w`` modulo ``N``: it alone
stores those fingerprints (with parent links) and expands those states.  A level runs in
three moves: each worker expands its frontier and sends every successor to the successor's
owner (one batch per destination per level, duplicates within the batch dropped); each
owner keeps the successors it has not seen, in source-worker order, and checks invariants
on them; the coordinator sums the reports and starts the next level or stops.  Because a
level is finished before the next starts, distinct states, states generated and depth are
those of the one-process search, and a violation is found at the same depth (its trace is
as short).  Nothing here assumes one machine except the transport (``fork`` and pipes), so
the same partitioning could run on a cluster.

On a violation the level is completed before stopping, so the counts then can exceed the
one-process search's (which stops at the first violating state of the level).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import resource
import time
from array import array
from collections.abc import Callable
from typing import Any

from modelcheck.bfs import first_violated
from modelcheck.fingerprint import fingerprinter
from modelcheck.result import DEADLOCK, OK, VIOLATION, Coverage, Result, Step
from spec.core import Label, Spec, State


class _Worker:
    """The state one worker keeps: its partition of the seen-set and its frontier."""

    def __init__(self, w: int, n: int, spec: Spec, symmetry: bool, check_invariants: bool, check_deadlock: bool):
        self.w, self.n, self.spec = w, n, spec
        self.fingerprint: Callable[[State], int] = fingerprinter(spec, symmetry)
        self.invariants = list(spec.invariants.items()) if check_invariants else []
        self.check_deadlock = check_deadlock
        self.constrained = type(spec).constraint is not Spec.constraint
        self.index: dict[int, int] = {}
        self.fps: list[int] = []
        self.parents: list[int] = []
        self.via: list[int] = []
        self.frontier: list[tuple[State, int]] = []
        self.known: set[int] = set()  # fingerprints this worker has asked about (their owners hold them)
        k = len(spec.actions)
        self.generated, self.fired, self.new = 0, [0] * k, [0] * k

    def _add(self, fp: int, parent: int, ai: int) -> int:
        local = len(self.fps)
        self.index[fp] = local
        self.fps.append(fp)
        self.parents.append(parent)
        self.via.append(ai)
        return local * self.n + self.w

    def _report(self, added: int, bad: list[Any], deadlock: int | None, answered: int = 0) -> dict[str, Any]:
        return {
            "added": added,
            "answered": answered,
            "generated": self.generated,
            "fired": self.fired,
            "new": self.new,
            "bad": bad,
            "deadlock": deadlock,
            "stored": len(self.fps),  # states this worker owns
            "cpu": time.process_time(),
        }

    def init(self) -> dict[str, Any]:
        bad: list[Any] = []
        added = 0
        for s in self.spec.init_states():
            fp = self.fingerprint(s)
            if fp % self.n != self.w:
                continue
            self.generated += 1
            name = first_violated(self.invariants, s)
            if self.constrained and not self.spec.constraint(s):
                if name:
                    bad.append(("cut-init", name, s))
                continue
            if fp in self.index:
                continue
            gid = self._add(fp, -1, -1)
            added += 1
            if name:
                bad.append(("state", name, gid))
            self.frontier.append((s, gid))
        return self._report(added, bad, None)

    def expand(self, queries: list[Any], answers: list[Any], shipments: list[Any]) -> dict[str, Any]:
        """Expand the frontier; ask each owner which successors are new; send the new ones to their owners."""
        n, w, spec = self.n, self.w, self.spec
        # Per destination: fingerprints, parent ids and action indices (sent), and the states (kept here).
        fps = [array("q") for _ in range(n)]
        parents = [array("q") for _ in range(n)]
        vias = [array("h") for _ in range(n)]
        states: list[list[State]] = [[] for _ in range(n)]
        bad: list[Any] = []
        deadlock = None
        fingerprint, constrained, known = self.fingerprint, self.constrained, self.known
        actions = [(a.enumerate, a.step) for a in spec.actions]
        for s, gid in self.frontier:
            enabled = False
            for ai, (enum, step) in enumerate(actions):
                for params in enum(s):
                    t = step(s, *params)
                    if t is None:
                        continue
                    enabled = True
                    self.generated += 1
                    self.fired[ai] += 1
                    if constrained and not spec.constraint(t):
                        name = first_violated(self.invariants, t)
                        if name:
                            bad.append(("cut", name, gid, Label(spec.actions[ai].name, params), t))
                        continue
                    fp = fingerprint(t)
                    if fp in known:  # asked about before (by this worker): its owner has it
                        continue
                    known.add(fp)
                    d = fp % n
                    fps[d].append(fp)
                    parents[d].append(gid)
                    vias[d].append(ai)
                    states[d].append(t)
            if self.check_deadlock and not enabled and deadlock is None:
                deadlock = gid
        # First only fingerprints and small ints cross processes: most successors are not new.
        for d in range(n):
            if d != w:
                queries[d].put((w, fps[d], parents[d], vias[d]))
        asked = {w: (fps[w], parents[w], vias[w])}
        for _ in range(n - 1):
            src, f, p, v = queries[w].get()
            asked[src] = (f, p, v)
        replies = {}
        for src in range(n):  # a fixed order: the first asker (lowest worker) gets the state
            f, p, v = asked[src]
            out = array("q")
            for fp, parent, ai in zip(f, p, v):
                out.append(-1 if fp in self.index else self._add(fp, parent, ai))
            replies[src] = out
        for src in range(n):
            if src != w:
                answers[src].put((w, replies[src]))
        got = {w: replies[w]}
        for _ in range(n - 1):
            d, r = answers[w].get()
            got[d] = r
        # The new states go to their owners, who expand them next level (this balances the work).
        added = 0
        ship: list[list[tuple[State, int]]] = [[] for _ in range(n)]
        for d in range(n):
            for t, ai, gid in zip(states[d], vias[d], got[d]):
                if gid < 0:
                    continue
                added += 1
                self.new[ai] += 1
                name = first_violated(self.invariants, t)
                if name:
                    bad.append(("state", name, gid))
                ship[d].append((t, gid))
        for d in range(n):
            if d != w:
                shipments[d].put((w, ship[d]))
        arrived = {w: ship[w]}
        for _ in range(n - 1):
            src, batch = shipments[w].get()
            arrived[src] = batch
        self.frontier = [item for src in range(n) for item in arrived[src]]
        return self._report(added, bad, deadlock, sum(len(r) for r in replies.values()))

    def info(self, gid: int) -> tuple[int, int, int]:
        local = gid // self.n
        return self.parents[local], self.via[local], self.fps[local]


def _serve(worker_args: tuple, queues: tuple[list[Any], list[Any], list[Any]], conn: Any) -> None:
    gc.disable()  # states are acyclic: the cyclic collector would only rescan them
    worker = _Worker(*worker_args)
    while True:
        cmd, arg = conn.recv()
        if cmd == "init":
            conn.send(worker.init())
        elif cmd == "expand":
            conn.send(worker.expand(*queues))
        elif cmd == "info":
            conn.send(worker.info(arg))
        else:
            conn.close()
            return


def parallel_bfs(
    spec: Spec,
    *,
    workers: int = 2,
    symmetry: bool = False,
    check_invariants: bool = True,
    check_deadlock: bool = False,
    max_states: int | None = None,
) -> Result:
    """Breadth-first search of ``spec`` with ``workers`` forked processes (initial states are depth 1)."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    started = time.perf_counter()
    ctx = mp.get_context("fork")
    queries = [ctx.Queue() for _ in range(workers)]
    answers = [ctx.Queue() for _ in range(workers)]
    shipments = [ctx.Queue() for _ in range(workers)]
    conns, procs = [], []
    for w in range(workers):
        parent_end, child_end = ctx.Pipe()
        args = (w, workers, spec, symmetry, check_invariants, check_deadlock)
        p = ctx.Process(target=_serve, args=(args, (queries, answers, shipments), child_end), daemon=True)
        p.start()
        conns.append(parent_end)
        procs.append(p)
    result = Result(spec, symmetry=symmetry, mode="parallel")
    result.extra["workers"] = workers
    try:
        return _coordinate(spec, symmetry, conns, result, started, max_states)
    finally:
        for c in conns:
            c.send(("stop", None))
        for p in procs:
            p.join(timeout=10)


def _coordinate(
    spec: Spec, symmetry: bool, conns: list[Any], result: Result, started: float, max_states: int | None
) -> Result:
    n = len(conns)

    def broadcast(cmd: str) -> list[dict[str, Any]]:
        for c in conns:
            c.send((cmd, None))
        return [c.recv() for c in conns]

    def info(gid: int) -> tuple[int, int, int]:
        conns[gid % n].send(("info", gid))
        return conns[gid % n].recv()

    def trace_to(gid: int) -> list[Step]:
        chain = []
        while gid >= 0:
            parent, via, fp = info(gid)
            chain.append((via, fp))
            gid = parent
        chain.reverse()
        fingerprint = fingerprinter(spec, symmetry)
        state = next(s for s in spec.init_states() if fingerprint(s) == chain[0][1])
        steps = [Step(None, state)]
        for via, fp in chain[1:]:
            act = spec.actions[via]
            params, state = next((p, t) for p, t in act.successors(state) if fingerprint(t) == fp)
            steps.append(Step(Label(act.name, params), state))
        return steps

    def finish(
        reports: list[dict[str, Any]], verdict: str, violated: str | None, trace: list[Step] | None, depth: int
    ) -> Result:
        result.verdict, result.violated, result.trace, result.depth = verdict, violated, trace, depth
        result.distinct_states = sum(r["stored"] for r in reports)
        result.states_generated = sum(r["generated"] for r in reports)
        result.coverage = {
            a.name: Coverage(sum(r["fired"][i] for r in reports), sum(r["new"][i] for r in reports))
            for i, a in enumerate(spec.actions)
        }
        result.store_bytes = 100 * result.distinct_states
        result.extra["worker_cpu_seconds"] = [round(r["cpu"], 2) for r in reports]
        result.seconds = time.perf_counter() - started
        result.peak_rss_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return result

    def verdict_of(reports: list[dict[str, Any]], depth: int) -> Result | None:
        bad = [b for r in reports for b in r["bad"]]
        if bad:
            kind, name, *rest = min(bad, key=lambda b: (b[0] != "state", b[2] if b[0] != "cut-init" else 0))
            if kind == "state":
                return finish(reports, VIOLATION, name, trace_to(rest[0]), depth)
            if kind == "cut":
                gid, label, t = rest
                return finish(reports, VIOLATION, name, trace_to(gid) + [Step(label, t)], depth)
            return finish(reports, VIOLATION, name, [Step(None, rest[0])], depth)
        dead = [r["deadlock"] for r in reports if r["deadlock"] is not None]
        if dead:
            return finish(reports, DEADLOCK, None, trace_to(min(dead)), depth - 1)
        return None

    reports = broadcast("init")
    depth = 1 if any(r["added"] for r in reports) else 0
    done = verdict_of(reports, depth)
    if done:
        return done
    while True:
        reports = broadcast("expand")
        grew = any(r["added"] for r in reports)
        done = verdict_of(reports, depth + 1)
        if done:
            return done
        if not grew:
            return finish(reports, OK, None, None, depth)
        depth += 1
        if max_states is not None and sum(r["stored"] for r in reports) >= max_states:
            result.complete = False
            return finish(reports, OK, None, None, depth)
