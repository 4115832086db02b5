"""Drives :class:`~modelcheck.engine.search.Partition` workers chunk by chunk; checkpoints and resumes.

The coordinator runs level 1 itself (as the one-process search does), then asks every worker
to expand chunk after chunk of gids, stops at the smallest event key, and assembles the
:class:`~modelcheck.result.Result`. It is the same for every transport.
"""

from __future__ import annotations

import functools
import resource
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from modelcheck.engine import checkpoint as ckpt
from modelcheck.engine._fingerprint import fingerprinter, sample_holds_salted
from modelcheck.engine.bfs import StepCheck
from modelcheck.engine.gcpause import gc_paused
from modelcheck.engine.progress import Progress
from modelcheck.engine.result import DEADLOCK, OK, VIOLATION, Coverage, Result, Step
from modelcheck.engine.search import CUT, DEAD, EVENT_ORDER, FULL, STATE, STEP, Partition, rebuild
from modelcheck.engine.transport import InProcess, LocalProcesses, RayActors
from spec.behaviour import initial_states, invariant_check, state_constraint
from spec.core import Spec, SpecError, State
from spec.registry import user_module_sources

CHUNK = 1 << 15  # gids per worker and chunk: bounds the successors held at once
CHUNK_NEAR_CAP = 64  # gids per worker beyond the estimate, in a chunk close to the max_states cap


class StoppedError(Exception):
    """SIGINT/SIGTERM arrived: a checkpoint was written and the run stopped."""


def search(
    spec: Spec,
    *,
    workers: int = 1,
    ray: bool = False,
    ray_address: str | None = None,
    symmetry: bool = False,
    check_invariants: bool = True,
    check_deadlock: bool = False,
    max_states: int | None = None,
    progress: Progress | None = None,
    memory: int | None = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: float = 60.0,
    resume: bool = False,
    chunk: int = CHUNK,
    cli: dict[str, Any] | None = None,
    per_worker: bool = False,
    steps: Callable[[], StepCheck] | None = None,
) -> Result:
    """Breadth-first search of ``spec``; the result equals the one-process search's for any transport.

    ``memory`` (bytes) bounds the store and the frontier held in memory; past it they spill to
    disk. ``checkpoint`` is a directory: a checkpoint is written there at level boundaries
    (at most every ``checkpoint_every`` seconds) and on SIGINT/SIGTERM; ``resume`` continues
    from the one found there. ``per_worker`` puts the per-worker figures in ``extra`` for one
    in-process worker too (they are there for several, Ray, checkpoints and spills). ``steps`` makes each
    worker's check of every step (refinement, :class:`~modelcheck.engine.refinement.RefinementSteps`) in place
    of the spec's action invariants; what each counted (its ``report()``) is ``extra["step_reports"]``.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if steps is not None and (ray or checkpoint):
        raise ValueError("a step check of the caller's runs in local workers, without checkpoints")
    started = time.perf_counter()  # the run's seconds include starting the workers
    root = Path(checkpoint) if checkpoint else None
    loaded = None
    if resume:
        assert root is not None, "resume needs the checkpoint directory"
        where, manifest = ckpt.load(root)
        options = {"symmetry": symmetry, "check_invariants": check_invariants, "check_deadlock": check_deadlock,
                   "workers": workers}  # not max_states: a stopping rule, which a resumed run may move
        ckpt.check_matches(manifest, ckpt.spec_identity(spec), options)
        ckpt.check_cap(manifest, max_states)
        ckpt.check_hashing(where, manifest, lambda: sample_holds_salted(spec))
        loaded = (where, manifest)
    temp = None
    spill_dir = None
    if memory is not None:
        if root is not None:
            spill_dir = root / "spill"
            shutil.rmtree(spill_dir, ignore_errors=True)
            spill_dir.mkdir(parents=True)
        else:
            spill_dir = temp = Path(tempfile.mkdtemp(prefix="paxraft-spill-"))
    make = functools.partial(
        Partition,
        spec=spec,
        symmetry=symmetry,
        check_invariants=check_invariants,
        check_deadlock=check_deadlock,
        spill_dir=str(spill_dir) if spill_dir else None,
        memory=memory // workers if memory is not None else None,
        steps=steps,
    )
    if ray:
        transport: Any = RayActors(make, workers, ray_address, user_module_sources(type(spec)))
        if transport.str_hashes != {hash(ckpt.PROBE)} and sample_holds_salted(spec):
            transport.close()
            raise SpecError(f"{spec.name}: its states hold strings, and Ray's workers hash strings otherwise than "
                            "this process (a fingerprint is a hash: they would count states twice); set "
                            "PYTHONHASHSEED before starting Python (paxraft check sets one itself)")
    elif workers > 1:
        transport = LocalProcesses(make, workers)
    else:
        transport = InProcess(make)
    run = _Run(spec, transport, symmetry, check_invariants, check_deadlock, max_states, progress, chunk)
    run.root, run.every, run.cli, run.per_worker = root, checkpoint_every, cli, per_worker
    run.step_reports = steps is not None
    if root is not None:  # as the run starts: a module the spec imports later is not the resume's to hash
        run.identity = ckpt.spec_identity(spec)
    run.started = started
    handlers = run.catch_signals() if root is not None else {}
    try:
        with gc_paused():  # the in-process worker expands here; forked workers pause their own
            return run.resume(*loaded) if loaded else run.start()
    finally:
        for sig, h in handlers.items():
            signal.signal(sig, h)
        transport.close()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
        elif spill_dir is not None:
            shutil.rmtree(spill_dir, ignore_errors=True)


class _Run:
    def __init__(
        self,
        spec: Spec,
        transport: Any,
        symmetry: bool,
        check_invariants: bool,
        check_deadlock: bool,
        max_states: int | None,
        progress: Progress | None,
        chunk: int,
    ) -> None:
        self.spec, self.t, self.n = spec, transport, transport.n
        self.symmetry, self.check_invariants, self.check_deadlock = symmetry, check_invariants, check_deadlock
        self.max_states, self.progress, self.chunk = max_states, progress, chunk * transport.n
        self.fingerprint = fingerprinter(spec, symmetry)
        self.started = time.perf_counter()
        self.before_seconds = 0.0  # time spent before the checkpoint this run resumed from
        parallel = self.n > 1 or transport.name == "ray"
        self.result = Result(spec, symmetry=symmetry, mode="parallel" if parallel else "bfs")
        self.init_generated = 0
        self.total = 0
        self.depth = 0
        self.level_hi = 0
        self.lo = 0
        self.chunks = 0
        # Seconds in chunk calls, and the slowest worker's CPU in each chunk summed (the run on idle
        # cores): their difference is what waits cost (imbalance, barriers, a worker descheduled).
        self.chunk_wall = self.critical_cpu = 0.0
        self.peak_disk = 0  # the most bytes the workers had on disk at a chunk's end
        self.reports: list[dict[str, Any]] = []
        self.root: Path | None = None
        self.step_reports = False  # gather what the workers' step checks counted (refinement)
        self.every = 60.0
        self.last_saved = time.monotonic()
        self.stop_requested = False
        self.resumed_from: int | None = None
        self.cli: dict[str, Any] | None = None  # the command line's record, for `--resume DIR` alone
        self.identity: dict[str, Any] = {}  # the spec's (checkpoint.spec_identity), taken as the run starts
        self.per_worker = False  # per-worker figures in extra even for one in-process worker

    # -- signals and checkpoints -----------------------------------------------------------------
    def catch_signals(self) -> dict[int, Any]:
        def request(signum: int, frame: Any) -> None:
            self.stop_requested = True

        return {sig: signal.signal(sig, request) for sig in (signal.SIGINT, signal.SIGTERM)}

    def save(self) -> None:
        assert self.root is not None
        nxt = ckpt.begin(self.root)
        files = [f for fs in self.t.call("save", str(nxt)) for f in fs]
        ckpt.commit(
            self.root,
            files,
            {
                "identity": self.identity,
                "hashing": ckpt.hashing(),
                "cli": self.cli,
                "options": {"symmetry": self.symmetry, "check_invariants": self.check_invariants,
                            "check_deadlock": self.check_deadlock, "max_states": self.max_states, "workers": self.n},
                "coordinator": {"init_generated": self.init_generated, "total": self.total, "depth": self.depth,
                                "level_hi": self.level_hi, "lo": self.lo,
                                "seconds": self.before_seconds + time.perf_counter() - self.started},
            },
        )
        self.last_saved = time.monotonic()

    def resume(self, where: Path, manifest: dict[str, Any]) -> Result:
        c = manifest["coordinator"]
        stored = self.t.call("restore", str(where))
        if any(n != c["total"] for n in stored):  # (a total edited down, its checksum made again, ended the search
            # there: "No error found" of a run stopped at its limit)
            raise ckpt.CheckpointError(f"{where}/manifest.json: damaged (it says {c['total']:,} states, its stores "
                                       f"hold {stored[0]:,}); cannot resume")
        self.init_generated, self.total, self.depth = c["init_generated"], c["total"], c["depth"]
        self.level_hi, self.lo, self.before_seconds = c["level_hi"], c["lo"], c["seconds"]
        self.resumed_from = self.total
        return self.loop([])

    # -- the run ---------------------------------------------------------------------------------
    def start(self) -> Result:
        """Level 1 exactly as the one-process search runs it, then the loop."""
        spec, fingerprint, n = self.spec, self.fingerprint, self.n
        violated = invariant_check(spec, self.check_invariants)
        constraint = state_constraint(spec)
        parts: list[list[tuple[State, int, int]]] = [[] for _ in range(n)]
        seen: set[int] = set()
        stored = generated = 0
        k = len(spec.actions)
        counts = {"stored": 0, "generated": 0, "fired": [0] * k, "new": [0] * k}
        for s in initial_states(spec):
            generated += 1
            bad = violated(s)
            if constraint is not None and not constraint(s):
                if bad:
                    return self.finish({**counts, "generated": generated}, VIOLATION, bad, [Step(None, s)], 1)
                continue
            fp = fingerprint(s)
            if fp in seen:
                continue
            seen.add(fp)
            stored += 1
            if bad:
                return self.finish({**counts, "stored": stored, "generated": generated}, VIOLATION, bad,
                                   [Step(None, s)], 1)
            parts[fp % n].append((s, stored - 1, fp))
            if self.max_states is not None and stored >= self.max_states:  # the initial states fill it
                self.result.complete = False
                if self.root is not None:
                    self.result.extra["no_checkpoint"] = "the initial states alone reach --max-states"
                return self.finish({**counts, "stored": stored, "generated": generated}, OK, None, None, 1)
        self.init_generated = generated
        if not stored:
            return self.finish({**counts, "generated": generated}, OK, None, None, 0)
        self.t.call("init", parts, stored)  # each worker takes its own part
        self.total = self.level_hi = stored
        self.depth = 1
        return self.loop([])

    def loop(self, pending: list[tuple]) -> Result:
        t = self.t
        while True:
            while self.lo < self.level_hi:
                hi = min(self.level_hi, self.lo + self.next_chunk())
                t0 = time.perf_counter()
                reports = t.call("chunk", hi, self.max_states)
                self.chunk_wall += time.perf_counter() - t0
                self.critical_cpu += max(r["chunk_cpu"] for r in reports)
                self.reports = reports
                self.chunks += 1
                events = pending + [e for r in reports for e in r["events"]]
                pending = []
                if events:  # at one key, the state's own violation, then its step's, then the max_states cut
                    first = min(events, key=lambda e: (e[0], EVENT_ORDER[e[1]]))
                    if first[1] == FULL and self.root is not None:
                        self.save_at_cut(hi, reports, events)
                    return self.stop(first)
                self.total += reports[0]["added"]
                self.peak_disk = max(self.peak_disk, sum(r["disk_bytes"] for r in reports))
                self.lo = hi
                if self.progress:
                    self.progress.tick(self.total, self.init_generated + sum(r["generated"] for r in reports),
                                       self.depth, sum(r["queued"] for r in reports))
                if self.stop_requested and self.root is not None:
                    self.save()
                    raise StoppedError(f"interrupted: checkpoint written to {self.root} "
                                      f"(continue with: paxraft check --resume {self.root})")
            if self.total == self.level_hi:  # the level found nothing new
                return self.finish(self.sum_counts(self.reports), OK, None, None, self.depth)
            t.call("end_level")
            self.lo, self.level_hi = self.level_hi, self.total
            self.depth += 1
            if self.root is not None and (self.stop_requested or time.monotonic() - self.last_saved >= self.every):
                self.save()
                if self.stop_requested:
                    raise StoppedError(f"interrupted: checkpoint written to {self.root} "
                                      f"(continue with: paxraft check --resume {self.root})")

    def save_at_cut(self, hi: int, reports: list[dict[str, Any]], events: list[tuple]) -> None:
        """A ``max_states`` cut with a checkpoint folder: write the checkpoint of the chunk's end, so that the cut
        run can go on (``--resume DIR``, with a higher cap or none). The chunk that reached the cap was expanded
        whole, and a chunk's end is where any checkpoint is taken; the cut only recounts what is reported up to
        it. Not when the chunk also met a violation or a deadlock (past the cut): its expansion stopped there,
        and its end is no place to go on from."""
        if any(e[1] != FULL for e in events):
            self.result.extra["no_checkpoint"] = ("the chunk that reached --max-states also met a violation or a "
                                                  "deadlock past it")
            return
        self.total += reports[0]["added"]
        self.lo = hi
        self.save()
        self.result.extra["checkpoint_at_cut"] = {"dir": str(self.root), "states": self.total}

    def next_chunk(self) -> int:
        """Gids to expand next: a whole chunk, or near the ``max_states`` cap about half as many as
        should reach it, so that chunks close in on the cap. The chunk that reaches it is expanded
        whole, then re-expanded up to the stop to recount it (:meth:`Partition.recount`): with whole
        chunks (32,768 states per worker) a run cut at 150,000 states expanded up to two chunks more
        than the one-process search. Where a chunk ends changes no result (keys order the
        successors whatever the chunks)."""
        if self.max_states is None or not self.lo:
            return self.chunk
        rate = self.total / self.lo  # distinct states per state expanded so far (at least 1)
        return min(self.chunk, int((self.max_states - self.total) / rate / 2) + CHUNK_NEAR_CAP * self.n)

    def sum_counts(self, reports: list[dict[str, Any]]) -> dict[str, Any]:
        k = len(self.spec.actions)
        if not reports:
            reports = self.t.call("stats")
        return {
            "stored": sum(r["stored"] for r in reports),
            "generated": self.init_generated + sum(r["generated"] for r in reports),
            "fired": [sum(r["fired"][i] for r in reports) for i in range(k)],
            "new": [sum(r["new"][i] for r in reports) for i in range(k)],
        }

    def chain(self, gid: int) -> list[tuple[int, int]]:
        """``(action index, fingerprint)`` from an initial state to state ``gid``."""
        out = []
        while gid >= 0:
            parent, via, fp = next(x for x in self.t.call("info", gid) if x is not None)
            out.append((via, fp))
            gid = parent
        out.reverse()
        return out

    def stop(self, event: tuple) -> Result:
        """The one-process search stops at ``event``: recount up to it, then report it."""
        key, kind = event[0], event[1]
        recounts = self.t.call("recount", key)
        counts = self.sum_counts(recounts)
        spec, fp, depth = self.spec, self.fingerprint, self.depth
        grew = any(r["new_in_level"] for r in recounts)  # TLC's depth: the deepest level stored so far
        if kind in (CUT, STEP):
            _, _, name, gid, label, t = event
            trace = rebuild(spec, fp, self.chain(gid)) + [Step(label, t)]
            return self.finish(counts, VIOLATION, name, trace, depth + 1 if kind == CUT or grew else depth)
        if kind == STATE:
            _, _, name, parent, ai, f = event
            return self.finish(counts, VIOLATION, name, rebuild(spec, fp, self.chain(parent) + [(ai, f)]), depth + 1)
        if kind == DEAD:
            trace = rebuild(spec, fp, self.chain(event[3]))
            return self.finish(counts, DEADLOCK, None, trace, depth + (1 if grew else 0))  # TLC's, as at a STEP
        self.result.complete = False  # max_states reached
        return self.finish(counts, OK, None, None, depth + (1 if grew else 0))

    def finish(
        self, counts: dict[str, Any], verdict: str, violated: str | None, trace: list[Step] | None, depth: int
    ) -> Result:
        spec, result = self.spec, self.result
        result.verdict, result.violated, result.trace, result.depth = verdict, violated, trace, depth
        result.distinct_states, result.states_generated = counts["stored"], counts["generated"]
        result.coverage = {a.name: Coverage(counts["fired"][i], counts["new"][i]) for i, a in enumerate(spec.actions)}
        stats = self.t.call("stats") if self.total else []
        result.store_bytes = sum(s["store_bytes"] for s in stats)
        result.seconds = self.before_seconds + time.perf_counter() - self.started
        result.peak_rss_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if self.per_worker or self.n > 1 or self.t.name == "ray" or self.root is not None or any(
                s["disk_bytes"] for s in stats):
            self._extra(stats)
        if self.step_reports:
            result.extra["step_reports"] = self.t.call("step_report")
        if self.progress:
            self.progress.done(result)
        return result

    def _extra(self, stats: list[dict[str, Any]]) -> None:
        """Per-worker figures and the exchange's cost per distinct state (the --json additions)."""
        x, n_states = self.result.extra, max(self.result.distinct_states, 1)
        sent = sum(s["bytes_sent"] for s in stats)
        msgs = sum(s["messages_sent"] for s in stats)
        x["workers"] = self.n
        x["transport"] = self.t.name
        x["per_worker"] = [
            {
                "states": s["stored"],
                "expanded": s["expanded"],
                "cpu_seconds": round(s["cpu"], 2),
                "expand_cpu_seconds": round(s["expand_cpu"], 2),
                "wait_seconds": round(s["wait"], 2),
                "states_shipped": s["shipped"],
                "states_per_second": round(s["expanded"] / s["cpu"]) if s["cpu"] else 0,
                "bytes_sent": s["bytes_sent"],
                "messages_sent": s["messages_sent"],
                "store_bytes": s["store_bytes"],
                "queries": s["asked"],
                "asked_bytes": s["asked_bytes"],
                "disk_bytes": s["disk_bytes"],
                "peak_rss_bytes": s["peak_rss_bytes"],
                "minor_faults": s["faults"][0],
                "major_faults": s["faults"][1],
                "preempted": s["preempted"],
            }
            for s in stats
        ]
        x["bytes_exchanged_per_state"] = round(sent / n_states, 1)
        x["messages_per_state"] = round(msgs / n_states, 4)
        x["chunks"] = self.chunks
        x["chunk_seconds"] = round(self.chunk_wall, 2)
        x["critical_path_cpu_seconds"] = round(self.critical_cpu, 2)
        x["disk_bytes"] = sum(s["disk_bytes"] for s in stats)
        x["peak_disk_bytes"] = max(self.peak_disk, x["disk_bytes"])
        if self.t.name == "ray":
            x["ray_nodes"] = sorted({node.split(":")[0] for node in getattr(self.t, "nodes", [])})
        if self.resumed_from is not None:
            x["resumed_at_states"] = self.resumed_from
