"""Multi-process breadth-first search that reports exactly what the one-process search reports.

Worker ``w`` of ``N`` owns every state whose fingerprint is ``w`` modulo ``N``: it alone
stores those fingerprints (with parent links) and expands those states.  Every state gets
the index the one-process search would give it (its *gid*), and every generated successor a
*key*, ``parent gid << 20 | position among the parent's successors``: keys order the
successors exactly as the one-process loop generates them.  A level runs in four moves:

1. each worker expands its frontier in gid order and asks each successor's owner about its
   fingerprint (fingerprint, key and action index cross processes; the state stays);
2. each owner keeps, per fingerprint not seen in earlier levels, the smallest key: that is
   the discovery the one-process search makes first, so its parent and action are the same;
3. the discoverer checks invariants on the winning states and ships them to their owners;
4. owners exchange their winners' keys, so that each can rank its own among all of them:
   gid = distinct states before the level + rank.

Violations, deadlocks and the ``max_states`` cut are events with keys; the level is finished,
then the smallest key is the one-process search's stopping point, and every worker recounts
states generated, distinct states and per-action coverage up to that key.  So distinct
states, states generated, depth, coverage and the counterexample itself (parent links by
gid, rebuilt the same way) equal the one-process run's, whatever the number of workers.
Nothing here assumes one machine except the transport (``fork`` and queues).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import resource
import signal
import time
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import chain, islice
from multiprocessing.connection import wait
from typing import Any

from modelcheck.engine._fingerprint import fingerprinter
from modelcheck.engine.faults import locate
from modelcheck.engine.result import DEADLOCK, OK, VIOLATION, Coverage, Result, Step
from spec.core import Label, Spec, SpecError, State

KEY_BITS = 20
POS_LIMIT = (1 << KEY_BITS) - 2  # successors of one state; the two top positions mark the events below
DEADLOCK_POS = (1 << KEY_BITS) - 2  # "after the state's (no) successors": the one-process deadlock check
END_POS = (1 << KEY_BITS) - 1  # "after the state is expanded": the one-process max_states check

# Event kinds (an event is a tuple whose first item is its key).
CUT, STATE, DEAD, FULL = "cut", "state", "deadlock", "max-states"


def _no_invariants(state: State) -> None:
    return None


def _violated(spec: Spec, check_invariants: bool) -> Callable[[State], str | None]:
    """The first invariant a state violates (the spec's own check, fast path included), as modelcheck.engine.bfs."""
    return spec.violated if check_invariants else _no_invariants


class _Worker:
    """One worker: its partition of the seen-set (by fingerprint), its frontier and this level's records."""

    def __init__(self, w: int, n: int, spec: Spec, symmetry: bool, check_invariants: bool, check_deadlock: bool):
        self.w, self.n, self.spec = w, n, spec
        self.fingerprint: Callable[[State], int] = fingerprinter(spec, symmetry)
        self.violated = _violated(spec, check_invariants)
        self.check_deadlock = check_deadlock
        self.constrained = type(spec).constraint is not Spec.constraint
        self.index: dict[int, int] = {}  # fingerprint -> local index
        self.fps = array("q")
        self.parents = array("q")
        self.via = array("h")
        self.gids = array("q")  # increasing: states are stored level by level, in gid order
        self.frontier: list[tuple[State, int]] = []  # in gid order
        self.known: set[int] = set()  # fingerprints this worker has asked about (their owners hold them)
        self.total = 0  # distinct states in all workers, before the current level
        k = len(spec.actions)
        self.generated, self.fired, self.new = 0, [0] * k, [0] * k  # completed levels
        # This level, kept for the recount at a stopping point:
        self.level_frontier: list[tuple[State, int]] = []  # the states expanded in the last level
        self.before_level: tuple[int, list[int], list[int]] = (0, [0] * k, [0] * k)  # generated, fired, new
        self.win_keys = array("q")  # keys of the new states this worker owns, sorted
        self.win_ai = array("h")
        self.phases: dict[str, float] = {}  # main-thread CPU seconds per move of a level, summed over levels
        self._last = time.thread_time()

    def _clock(self, phase: str) -> None:
        """Charge this thread's CPU time since the last call to ``phase`` (what the benchmark prints)."""
        now = time.thread_time()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - self._last
        self._last = now

    def init(self, items: list[tuple[State, int, int]], total: int) -> int:
        """Take this worker's initial states (state, gid, fingerprint); the coordinator ran level 1."""
        for s, gid, fp in items:
            self.index[fp] = len(self.fps)
            self.fps.append(fp)
            self.parents.append(-1)
            self.via.append(-1)
            self.gids.append(gid)
            self.frontier.append((s, gid))
        self.total = total
        return len(self.fps)

    def expand(self, queues: tuple[list[Any], ...], max_states: int | None) -> dict[str, Any]:
        """Expand the frontier, settle which successors are new and their gids; report events."""
        n, w, spec = self.n, self.w, self.spec
        self._last = time.thread_time()
        q_queries, q_answers, q_ship, q_keys = queues
        fps = [array("q") for _ in range(n)]  # per owner: fingerprints, keys, action indices asked about
        keys = [array("q") for _ in range(n)]
        vias = [array("h") for _ in range(n)]
        kept: list[list[State]] = [[] for _ in range(n)]  # the successors themselves stay here
        events: list[tuple] = []
        fingerprint, constrained, known, violated = self.fingerprint, self.constrained, self.known, self.violated
        constraint = spec.constraint
        actions = [(a.enumerate, a.step) for a in spec.actions]
        fired = self.fired
        self.before_level = (self.generated, fired[:], self.new[:])
        generated = 0
        for s, gid in self.frontier:
            base = gid << KEY_BITS
            pos = 0
            for ai, (enum, step) in enumerate(actions):
                first = pos
                for params in enum(s):
                    t = step(s, *params)
                    if t is None:
                        continue
                    key = base | pos
                    pos += 1
                    if constrained and not constraint(t):
                        name = violated(t)
                        if name:
                            events.append((key, CUT, name, gid, Label(spec.actions[ai].name, params), t))
                        continue
                    fp = fingerprint(t)
                    if fp in known:  # asked about before by this worker, with a smaller key: not new here
                        continue
                    known.add(fp)
                    d = fp % n
                    fps[d].append(fp)
                    keys[d].append(key)
                    vias[d].append(ai)
                    kept[d].append(t)
                if pos != first:
                    fired[ai] += pos - first
            generated += pos
            if pos > POS_LIMIT:
                raise SpecError(f"{spec.name}: a state with more than {POS_LIMIT:,} successors")
            if self.check_deadlock and not pos:
                events.append((base | DEADLOCK_POS, DEAD, None, gid))
        self.generated += generated
        self.level_frontier = self.frontier

        clock = self._clock
        clock("expand")
        # 1. Owners hear about every successor's fingerprint (no states cross yet).
        for d in range(n):
            if d != w:
                q_queries[d].put((w, fps[d], keys[d], vias[d]))
        asked = {w: (fps[w], keys[w], vias[w])}
        for _ in range(n - 1):
            src, f, k, v = q_queries[w].get()
            asked[src] = (f, k, v)

        clock("ask")
        # 2. The smallest key per unseen fingerprint wins: the one-process search's first discovery.
        index = self.index
        best: dict[int, tuple[int, int, int, int]] = {}  # fp -> (key, ai, asker, position in its query)
        for src in range(n):
            f, k, v = asked[src]
            for p, (fp, key) in enumerate(zip(f, k)):
                if fp in index:
                    continue
                cur = best.get(fp)
                if cur is None or key < cur[0]:
                    best[fp] = (key, v[p], src, p)
        replies = [bytearray(len(asked[src][0])) for src in range(n)]
        winners = sorted((key, ai, fp) for fp, (key, ai, src, p) in best.items())
        for _key, _ai, src, p in best.values():
            replies[src][p] = 1
        for d in range(n):
            if d != w:
                q_answers[d].put((w, replies[d]))
        got = {w: replies[w]}
        for _ in range(n - 1):
            d, r = q_answers[w].get()
            got[d] = r

        clock("decide")
        # 3. The discoverer checks the new states and ships them to their owners.
        arrived: dict[int, list[tuple[int, State]]] = {}
        for d in range(n):
            ship = []
            for t, fp, ai, key, yes in zip(kept[d], fps[d], vias[d], keys[d], got[d]):
                if not yes:
                    continue
                name = violated(t)
                if name:
                    events.append((key, STATE, name, key >> KEY_BITS, ai, fp))
                ship.append((key, t))
            if d != w:
                q_ship[d].put((w, ship))
            else:
                arrived[w] = ship
        for _ in range(n - 1):
            src, batch = q_ship[w].get()
            arrived[src] = batch
        by_key = {key: t for src in range(n) for key, t in arrived[src]}

        clock("ship")
        # 4. Ranks: every owner learns every winner's key, so gids follow the one-process order.
        win_keys = array("q", (key for key, _, _ in winners))
        for d in range(n):
            if d != w:
                q_keys[d].put((w, win_keys))
        others = [win_keys]
        for _ in range(n - 1):
            _, k = q_keys[w].get()
            others.append(k)
        # Every worker sorts the same keys: a key's place among them is its state's place in the level.
        merged = sorted(chain.from_iterable(others)) if n > 1 else win_keys
        base_gid = self.total
        total_new = len(merged)
        gid_of = dict(zip(merged, range(base_gid, base_gid + total_new)))
        gids = [gid_of[key] for key in win_keys]
        local = len(self.fps)
        new_fps = [fp for _, _, fp in winners]
        self.index.update(zip(new_fps, range(local, local + len(new_fps))))
        self.fps.extend(new_fps)
        self.parents.extend(key >> KEY_BITS for key in win_keys)
        self.win_ai = array("h", (ai for _, ai, _ in winners))
        self.via.extend(self.win_ai)
        self.gids.extend(gids)
        self.frontier = list(zip(map(by_key.__getitem__, win_keys), gids))
        if max_states is not None and base_gid < max_states <= base_gid + total_new:
            key = merged[max_states - 1 - base_gid]  # the state that fills the store: stop after its parent
            if key in by_key:
                events.append(((key >> KEY_BITS) << KEY_BITS | END_POS, FULL))
        self.win_keys = win_keys
        self.total = base_gid + total_new
        clock("rank")
        for ai, c in Counter(self.win_ai).items():
            self.new[ai] += c
        return {
            "added": total_new,
            "events": events,
            "stored": len(self.fps),
            "generated": self.generated,
            "fired": self.fired,
            "new": self.new,
            "cpu": time.process_time(),
            "phases": self.phases,
        }

    def recount(self, stop: int) -> dict[str, Any]:
        """Counts as they stood when the one-process search reached key ``stop`` in this last level."""
        parent, last = stop >> KEY_BITS, stop & ((1 << KEY_BITS) - 1)
        generated, fired, new = self.before_level
        fired = fired[:]
        for s, gid in self.level_frontier:  # re-expanded up to the stop: cheaper than recording every step
            if gid > parent:
                break
            ais = self._successor_actions(s)
            for ai in islice(ais, last + 1) if gid == parent else ais:
                fired[ai] += 1
                generated += 1
        won = bisect_right(self.win_keys, stop)
        for ai, c in Counter(self.win_ai[:won]).items():
            new[ai] += c
        return {
            "generated": generated,
            "fired": fired,
            "new": new,
            "stored": len(self.fps) - (len(self.win_keys) - won),
            "new_in_level": won,
        }

    def _successor_actions(self, s: State) -> Iterator[int]:
        """The action index of each successor of ``s``, in generation order."""
        for ai, act in enumerate(self.spec.actions):
            step = act.step
            for params in act.enumerate(s):
                if step(s, *params) is not None:
                    yield ai

    def info(self, gid: int) -> tuple[int, int, int] | None:
        """Parent gid, action index and fingerprint of state ``gid``, or ``None`` if another worker owns it."""
        local = bisect_left(self.gids, gid)
        if local == len(self.gids) or self.gids[local] != gid:
            return None
        return self.parents[local], self.via[local], self.fps[local]


def _serve(worker_args: tuple, queues: tuple[list[Any], ...], conn: Any) -> None:
    gc.disable()  # states are acyclic: the cyclic collector would only rescan them
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's: it reports and stops the workers
    worker = _Worker(*worker_args)
    while True:
        cmd, arg = conn.recv()
        try:
            if cmd == "init":
                conn.send(worker.init(*arg))
            elif cmd == "expand":
                conn.send(worker.expand(queues, arg))
            elif cmd == "recount":
                conn.send(worker.recount(arg))
            elif cmd == "info":
                conn.send(worker.info(arg))
            else:
                conn.close()
                return
        except Exception as exc:  # report to the coordinator instead of leaving it waiting
            exc.paxraft_fault = locate(exc)  # type: ignore[attr-defined]  # located here: tracebacks do not cross pipes
            conn.send(exc)


def parallel_bfs(
    spec: Spec,
    *,
    workers: int = 2,
    symmetry: bool = False,
    check_invariants: bool = True,
    check_deadlock: bool = False,
    max_states: int | None = None,
) -> Result:
    """Breadth-first search of ``spec`` with ``workers`` forked processes; the result equals :func:`check`'s."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    started = time.perf_counter()
    ctx = mp.get_context("fork")
    queues = tuple([ctx.Queue() for _ in range(workers)] for _ in range(4))
    conns, procs = [], []
    for w in range(workers):
        parent_end, child_end = ctx.Pipe()
        args = (w, workers, spec, symmetry, check_invariants, check_deadlock)
        p = ctx.Process(target=_serve, args=(args, queues, child_end), daemon=True)
        p.start()
        conns.append(parent_end)
        procs.append(p)
    result = Result(spec, symmetry=symmetry, mode="parallel")
    result.extra["workers"] = workers
    try:
        out = _Coordinator(spec, symmetry, check_invariants, conns, result, started, max_states).run()
    except BaseException:
        for p in procs:  # the others may be blocked on a failed worker's queues
            p.terminate()
        raise
    for c in conns:
        c.send(("stop", None))
    for p in procs:
        p.join()
    return out


class _Coordinator:
    """Runs level 1 itself (as the one-process search does), then drives the workers level by level."""

    def __init__(
        self,
        spec: Spec,
        symmetry: bool,
        check_invariants: bool,
        conns: list[Any],
        result: Result,
        started: float,
        max_states: int | None,
    ) -> None:
        self.spec, self.symmetry, self.conns, self.result = spec, symmetry, conns, result
        self.started, self.max_states = started, max_states
        self.violated = _violated(spec, check_invariants)
        self.fingerprint = fingerprinter(spec, symmetry)
        self.n = len(conns)
        self.phases: list[dict[str, float]] = []
        self.critical = 0.0  # sum over levels of the slowest worker's CPU seconds in that level

    def ask(self, w: int, cmd: str, arg: Any) -> Any:
        self.conns[w].send((cmd, arg))
        return self._recv(w)

    def _recv(self, w: int) -> Any:
        return self._recv_from(self.conns[w])

    @staticmethod
    def _recv_from(conn: Any) -> Any:
        out = conn.recv()
        if isinstance(out, Exception):
            raise out
        return out

    def broadcast(self, cmd: str, arg: Any = None) -> list[Any]:
        """Send every worker ``cmd``; their replies in worker order (the first failure is raised at once)."""
        for c in self.conns:
            c.send((cmd, arg))
        replies: dict[int, Any] = {}
        waiting = {c: w for w, c in enumerate(self.conns)}
        while waiting:  # a worker that failed leaves the others blocked on its queues: do not wait for them
            for c in wait(list(waiting)):
                replies[waiting.pop(c)] = self._recv_from(c)  # type: ignore[arg-type]
        return [replies[w] for w in range(self.n)]

    # -- traces ------------------------------------------------------------------------------
    def chain(self, gid: int) -> list[tuple[int, int]]:
        """``(action index, fingerprint)`` from an initial state to state ``gid``."""
        out = []
        while gid >= 0:
            parent, via, fp = next(x for x in (self.ask(w, "info", gid) for w in range(self.n)) if x is not None)
            out.append((via, fp))
            gid = parent
        out.reverse()
        return out

    def rebuild(self, chain: list[tuple[int, int]]) -> list[Step]:
        """Replay the actions from the initial state, matching fingerprints (as StateStore.rebuild)."""
        spec, fingerprint = self.spec, self.fingerprint
        state = next(s for s in spec.init_states() if fingerprint(s) == chain[0][1])
        steps = [Step(None, state)]
        for via, fp in chain[1:]:
            act = spec.actions[via]
            params, state = next((p, t) for p, t in act.successors(state) if fingerprint(t) == fp)
            steps.append(Step(Label(act.name, params), state))
        return steps

    # -- the run -----------------------------------------------------------------------------
    def finish(
        self,
        counts: dict[str, Any],
        verdict: str,
        violated: str | None,
        trace: list[Step] | None,
        depth: int,
        cpu: list[float],
    ) -> Result:
        spec, result = self.spec, self.result
        result.verdict, result.violated, result.trace, result.depth = verdict, violated, trace, depth
        result.distinct_states, result.states_generated = counts["stored"], counts["generated"]
        result.coverage = {a.name: Coverage(counts["fired"][i], counts["new"][i]) for i, a in enumerate(spec.actions)}
        result.store_bytes = 100 * result.distinct_states
        result.extra["worker_cpu_seconds"] = [round(c, 2) for c in cpu]
        result.extra["critical_path_cpu_seconds"] = round(self.critical, 2)
        result.extra["worker_phase_seconds"] = [{k: round(v, 2) for k, v in ph.items()} for ph in self.phases]
        result.seconds = time.perf_counter() - self.started
        result.peak_rss_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return result

    def run(self) -> Result:
        spec, fingerprint, violated, n = self.spec, self.fingerprint, self.violated, self.n
        k = len(spec.actions)
        counts: dict[str, Any] = {"stored": 0, "generated": 0, "fired": [0] * k, "new": [0] * k}
        constrained = type(spec).constraint is not Spec.constraint
        parts: list[list[tuple[State, int, int]]] = [[] for _ in range(n)]
        seen: set[int] = set()
        for s in spec.init_states():  # level 1 exactly as modelcheck.engine.bfs runs it
            counts["generated"] += 1
            bad = violated(s)
            if constrained and not spec.constraint(s):
                if bad:
                    return self.finish(counts, VIOLATION, bad, [Step(None, s)], 1, [])
                continue
            fp = fingerprint(s)
            if fp in seen:
                continue
            seen.add(fp)
            counts["stored"] += 1
            if bad:
                return self.finish(counts, VIOLATION, bad, [Step(None, s)], 1, [])
            parts[fp % n].append((s, counts["stored"] - 1, fp))
        total = counts["stored"]
        self.init_generated = counts["generated"]  # the workers count the states they generate
        for w in range(n):
            self.conns[w].send(("init", (parts[w], total)))
        for w in range(n):
            self._recv(w)
        depth = 1 if total else 0
        if not total:
            return self.finish(counts, OK, None, None, 0, [])
        # When the initial states already fill max_states, one process stops after expanding the first.
        events: list[tuple] = [(END_POS, FULL)] if self.max_states is not None and total >= self.max_states else []
        cpu = [0.0] * n
        while True:
            reports = self.broadcast("expand", self.max_states)
            last = cpu
            cpu = [r["cpu"] for r in reports]
            self.phases = [r["phases"] for r in reports]
            # A level ends when its slowest worker does: on idle cores the run takes the sum of those.
            self.critical += max(c - b for c, b in zip(cpu, last))
            events += [e for r in reports for e in r["events"]]
            if events:
                return self.stop(min(events, key=lambda e: e[0]), depth, cpu)
            counts = self.sum_counts(reports)
            if not reports[0]["added"]:
                return self.finish(counts, OK, None, None, depth, cpu)
            depth += 1

    def sum_counts(self, reports: list[dict[str, Any]]) -> dict[str, Any]:
        k = len(self.spec.actions)
        return {
            "stored": sum(r["stored"] for r in reports),
            "generated": self.init_generated + sum(r["generated"] for r in reports),
            "fired": [sum(r["fired"][i] for r in reports) for i in range(k)],
            "new": [sum(r["new"][i] for r in reports) for i in range(k)],
        }

    def stop(self, event: tuple, depth: int, cpu: list[float]) -> Result:
        """The one-process search stops at ``event``: recount up to it, then report it."""
        key, kind = event[0], event[1]
        recounts = self.broadcast("recount", key)
        counts = self.sum_counts(recounts)
        if kind == CUT:
            _, _, name, gid, label, t = event
            return self.finish(
                counts, VIOLATION, name, self.rebuild(self.chain(gid)) + [Step(label, t)], depth + 1, cpu
            )
        if kind == STATE:
            _, _, name, parent, ai, fp = event
            return self.finish(counts, VIOLATION, name, self.rebuild(self.chain(parent) + [(ai, fp)]), depth + 1, cpu)
        if kind == DEAD:
            return self.finish(counts, DEADLOCK, None, self.rebuild(self.chain(event[3])), depth, cpu)
        self.result.complete = False  # max_states reached
        grew = any(r["new_in_level"] for r in recounts)
        return self.finish(counts, OK, None, None, depth + (1 if grew else 0), cpu)
