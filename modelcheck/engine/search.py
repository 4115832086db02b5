"""One breadth-first search for one process, local worker processes and Ray: exact results for any count.

Worker ``w`` of ``N`` owns every state whose fingerprint is ``w`` modulo ``N``: it alone stores
those fingerprints (with parent links) and decides which discovery of such a state counts.
Every state gets the index the one-process search gives it (its *gid*), and every generated
successor a *key*,
``parent gid << 20 | position among the parent's successors``: keys order successors exactly as
the one-process loop generates them. A level is cut into chunks of consecutive gids; every worker
expands the states of the chunk it holds, and the chunk runs in two exchanges (a third when loads
are evened out):

1. ask: each successor's fingerprint, key and action index go to its owner in flat arrays
   (one query per fingerprint per worker and chunk; the state itself stays);
2. decide: the owner drops fingerprints it has seen (delayed duplicate detection against
   sorted runs, :class:`~modelcheck.engine._store.SeenSet`) and keeps the smallest key per new one:
   the discovery the one-process search makes first, hence the same parent and action;
   it records the state (fingerprint, parent, action), tells each asker which queries won, and
   tells every worker the keys of all its winners and how many each asker won;
3. keep: the asker holds its winning states, checks the invariants on them and expands them
   in the next level (a state never travels to be stored: shipping it, pickled and rebuilt,
   cost more than its share of the expansion);
4. rank: from every owner's winning keys each worker numbers the new states among all of them
   (gid = distinct states before the chunk + rank) and sees the workers' loads; when one holds
   more than its share beyond a small slack, it ships the excess, evenly spread in key order
   (:func:`balance_moves`; Raft starts from one state, which would otherwise leave every state
   with one worker). Every exchange is a barrier where a worker can wait for a slower one, so
   the winners' keys ride on the decide exchange rather than a round of their own.

Violations, deadlocks and the ``max_states`` cut are events with keys; the chunk is finished,
the smallest key is where the one-process search stops, and every worker recounts states
generated, distinct states and per-action coverage up to that key. So distinct states, states
generated, depth, coverage and the counterexample itself equal the one-process run's. The
transport (:mod:`modelcheck.engine.transport`) only carries the exchanges; with one worker they are
identity functions, and this is the one-process checker with the compact store.
"""

from __future__ import annotations

import pickle
import resource
import time
import zlib
from array import array
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from modelcheck.engine._fingerprint import fingerprinter
from modelcheck.engine._level_loop import chunk_loop
from modelcheck.engine._numpy import np
from modelcheck.engine._store import INT64, Frontier, Records, SeenSet
from modelcheck.engine.bfs import StepCheck
from modelcheck.engine.calls import step_arity
from modelcheck.engine.result import Step
from modelcheck.engine.view_spot import view_spot
from spec.behaviour import constraint_keepers, invariant_check, outside_counted, state_constraint, step_check
from spec.core import Label, Spec, SpecError, State

KEY_BITS = 20
POS_MASK = (1 << KEY_BITS) - 1
POS_LIMIT = (1 << KEY_BITS) - 2  # successors of one state; the two top positions mark the events below
DEADLOCK_POS = (1 << KEY_BITS) - 2  # "after the state's (no) successors": the one-process deadlock check

# Event kinds (an event is a tuple whose first item is its key).
CUT, STATE, DEAD, FULL = "cut", "state", "deadlock", "max-states"
STEP = "step"  # an action invariant broken by the step to a successor (laid out as CUT)
#: At one key (one successor), the event the one-process search meets first: a state's invariants, then the
#: step's action invariants (TLC's order), then the max_states cut.
EVENT_ORDER = {CUT: 0, STATE: 0, STEP: 1, DEAD: 1, FULL: 2}

BALANCE_SLACK, BALANCE_SHARE = 8, 64  # a worker may hold 8 states or 1/64 of a chunk's new states beyond its share
# A worker remembers the fingerprints it asked about in two generations of sets (a lookup costs less
# than a slot of a direct-mapped table of 64-bit ints, ~340 against ~1,150 instructions, and it is
# exact), and asks about each once per generation: a new one starts at the first chunk after the
# current one holds ASKED_CAP. 705k Raft model, 2 workers: 456k queries per worker with this cap (as
# with no cap), 629k at 2**16, 809k with the table it replaced (0.25 slots per state).
ASKED_CAP = 1 << 18
ASKED_ENTRY_BYTES = 80  # a set's slot and the int it keeps (tracemalloc: 68-78 B)

Exchange = Callable[[str, list[Any]], list[Any]]


def identity_exchange(tag: str, out: list[Any]) -> list[Any]:
    """The exchange of a single worker: what it sends itself is what it receives."""
    return out


class Partition:
    """One worker: its share of the seen-set, its records and frontier, and the current chunk."""

    def __init__(
        self,
        w: int,
        n: int,
        spec: Spec,
        symmetry: bool,
        check_invariants: bool,
        check_deadlock: bool,
        spill_dir: str | None = None,
        memory: int | None = None,
        steps: Callable[[], StepCheck] | None = None,
    ) -> None:
        self.w, self.n, self.spec = w, n, spec
        self.fingerprint: Callable[[State], int] = fingerprinter(spec, symmetry)
        self.view_spot = view_spot(spec, self.fingerprint)  # None without a view
        self.violated = invariant_check(spec, check_invariants)
        # the spec's action invariants, when it has some, or the caller's check of each step (refinement: its
        # own per worker, with counts it can roll back to a chunk's start, as the recount needs)
        self.step_bad: StepCheck | None = steps() if steps is not None else step_check(spec, check_invariants)
        self.check_deadlock = check_deadlock
        self.constraint = state_constraint(spec)  # None: no constraint
        spill = Path(spill_dir) if spill_dir else None
        half = memory // 2 if memory is not None else None  # the store and the frontiers share the budget
        self.spill, self.half = spill, half
        self.seen = SeenSet(spill, half)
        self.records = Records(with_gids=n > 1)
        self.frontier = Frontier(spill, half)  # this level's states not yet expanded, gid order
        self.next = Frontier(spill, half)  # the next level's states found so far
        self.exchange: Exchange = identity_exchange
        self.total = 0  # distinct states in all workers before the current chunk
        k = len(spec.actions)
        self.generated, self.fired, self.new = 0, [0] * k, [0] * k
        self.level_new = 0  # states this worker stored in the current level
        # The current chunk, kept for the recount at a stopping point:
        self.chunk_states: list[tuple[list[State], np.ndarray]] = []
        self.before: tuple[int, list[int], list[int], int] = (0, [0] * k, [0] * k, 0)
        self.win_keys = np.zeros(0, np.int64)
        self.win_ai = np.zeros(0, np.int16)
        self.expanded = 0
        self.cpu = self.expand_cpu = 0.0  # CPU seconds in chunks, and in their expansion loops
        self.bytes_sent = self.messages_sent = 0  # counted by the transport's exchange
        self.wait = 0.0  # seconds the transport's exchange waited for peers
        self.shipped = 0  # states sent to another worker to even out loads
        # Fingerprints this worker has asked about (so their owner holds them or holds a smaller key), in
        # two generations of sets in front of the exchange.
        self.asked_now: set[int] = set()
        self.asked_then: set[int] = set()
        # with a memory budget, at most 1/16 of it per generation
        budget = ASKED_CAP if memory is None else max(1 << 10, memory // 16 // ASKED_ENTRY_BYTES)
        self.asked_cap = min(ASKED_CAP, budget)
        self.asked = 0
        self.expand_chunk = chunk_loop(
            spec,
            [(a.enumerate, a.step, step_arity(a.step)) for a in spec.actions],
            constraint=self.constraint is not None,
            kept=constraint_keepers(spec),
            deadlock=check_deadlock,
            step_check=self.step_bad is not None,
            KEY_BITS=KEY_BITS,
            POS_LIMIT=POS_LIMIT,
            DEADLOCK_POS=DEADLOCK_POS,
            DEAD=DEAD,
        )

    # -- start and bookkeeping -------------------------------------------------------------------
    def init(self, parts: list[list[tuple[State, int, int]]], total: int) -> int:
        """Take this worker's initial states (state, gid, fingerprint); the coordinator ran level 1."""
        items = parts[self.w]
        fps = np.array([fp for _, _, fp in items], dtype=np.int64)
        gids = np.array([g for _, g, _ in items], dtype=np.int64)
        self.seen.add(fps)
        self.records.extend(fps, np.full(len(items), -1, np.int64), np.full(len(items), -1, np.int16), gids)
        self.frontier.append([s for s, _, _ in items], gids)
        self.total = total
        return len(items)

    def end_level(self) -> None:
        """The level is expanded: the states found in it are the next to expand."""
        self.frontier, self.next = self.next, Frontier(self.spill, self.half)
        self.level_new = 0

    def stats(self) -> dict[str, Any]:
        """Counts and memory of this worker (summed by the coordinator)."""
        use = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "stored": len(self.records),
            "generated": self.generated,
            "fired": self.fired,
            "new": self.new,
            "expanded": self.expanded,
            "cpu": self.cpu,
            "expand_cpu": self.expand_cpu,
            "wait": self.wait,
            "shipped": self.shipped,
            "store_bytes": self.seen.nbytes() + self.records.nbytes(),
            "asked_bytes": (len(self.asked_now) + len(self.asked_then)) * ASKED_ENTRY_BYTES,
            "asked": self.asked,
            "disk_bytes": self.seen.disk_bytes() + self.records.disk_bytes() + self.frontier.disk + self.next.disk,
            "queued": len(self.frontier) + len(self.next),
            "bytes_sent": self.bytes_sent,
            "peak_rss_bytes": use.ru_maxrss * 1024,
            # what a slow run's cause can be read from: page faults (memory), preemptions (other load)
            "faults": (use.ru_minflt, use.ru_majflt),
            "preempted": use.ru_nivcsw,
            "messages_sent": self.messages_sent,
        }

    # -- one chunk -------------------------------------------------------------------------------
    def chunk(self, hi: int, max_states: int | None) -> dict[str, Any]:
        """Expand this worker's states with gid below ``hi`` and settle their new successors."""
        t0 = time.process_time()
        spec, n = self.spec, self.n
        self.chunk_states = self.frontier.take(hi)
        self.before = (self.generated, self.fired[:], self.new[:], self.level_new)
        mark = getattr(self.step_bad, "mark", None)
        if mark is not None:
            mark()
        fps_a, keys_a, ai_a = array(INT64), array(INT64), array("h")
        fa, ka, aa = fps_a.append, keys_a.append, ai_a.append
        kept: list[State] = []
        ta = kept.append
        events: list[tuple] = []
        if len(self.asked_now) >= self.asked_cap:  # a new generation; the older one is forgotten
            self.asked_then, self.asked_now = self.asked_now, set()
        # the worker checks its spec's own invariants only; a step check reads every step, so each is built
        with outside_counted(spec, self.step_bad is None):
            last, fired = self.expand_chunk(
                self, self.chunk_states, self.asked_now, self.asked_then, fa, ka, aa, ta, events
            )
        for ai, c in enumerate(fired):
            self.fired[ai] += c
        self.generated += sum(fired)
        self.expanded += sum(int(np.searchsorted(gids, last, side="right")) for _, gids in self.chunk_states)
        self.expand_cpu += time.process_time() - t0
        self.asked += len(fps_a)
        fps = np.frombuffer(fps_a, dtype=np.int64) if fps_a else np.zeros(0, np.int64)
        keys = np.frombuffer(keys_a, dtype=np.int64) if keys_a else np.zeros(0, np.int64)
        ais = np.frombuffer(ai_a, dtype=np.int16) if ai_a else np.zeros(0, np.int16)
        # One query per fingerprint (the loop asked each once): the first (smallest key) of this worker's successors.
        if n > 1:
            owner = fps % n
            picks = [np.nonzero(owner == d)[0] for d in range(n)]
        else:
            picks = [np.arange(len(fps))]

        # 1. ask the owners
        asked = self.exchange("ask", [(fps[p], keys[p], ais[p]) for p in picks])
        # 2. decide: unseen fingerprints, smallest key each
        F = np.concatenate([a[0] for a in asked])
        K = np.concatenate([a[1] for a in asked])
        A = np.concatenate([a[2] for a in asked])
        src = np.repeat(np.arange(n), [len(a[0]) for a in asked])
        at = np.concatenate([np.arange(len(a[0])) for a in asked])
        if n > 1:
            q = least_key_each(F, K)  # by fingerprint: the seen-set's searches then walk forward
            win = q[~self.seen.contains(F[q])]
            win = win[np.argsort(K[win])]  # keys are distinct: any sort gives the one order
        else:
            win = np.nonzero(~self.seen.contains(F))[0]  # one asker, one query per fingerprint, in key order
        wf, wk, wa = F[win], K[win], A[win]
        if n > 1:
            # to each asker: which of its queries won; to everyone: every winner's key and how many
            # each asker won (the rank below, and the loads), so no separate round is needed for them
            ws = src[win]
            wins = np.bincount(ws, minlength=n)
            replies = self.exchange("decide", [(at[win][ws == s].astype(np.int32), wk, wins) for s in range(n)])
            # 3. keep: each winning state stays with the worker that generated it (no state travels to
            # be stored), which checks the invariants on it, in key order
            # (sorted runs, one per owner: a stable sort merges them in linear time)
            mine = np.sort(np.concatenate([picks[d][r[0]] for d, r in enumerate(replies)]), kind="stable")
            # 4. rank: every winner's key, so that gids follow the one-process order
            merged = np.sort(np.concatenate([r[1] for r in replies]), kind="stable")
            loads = np.sum([r[2] for r in replies], axis=0).tolist()
        else:
            mine, merged = picks[0][at[win]], wk  # one asker: its queries in key order
        held_keys = keys[mine]
        held = [kept[i] for i in mine.tolist()]
        violated = self.violated
        for t, i in zip(held, mine.tolist()):
            name = violated(t)
            if name:
                key = int(keys[i])
                events.append((key, STATE, name, key >> KEY_BITS, int(ais[i]), int(fps[i])))
                break  # later winners have larger keys
        gids = self.total + np.searchsorted(merged, wk)
        self.seen.add(wf)
        self.records.extend(wf, wk >> KEY_BITS, wa, gids)
        if self.half is not None and self.spill is not None and self.seen.nbytes() + self.records.nbytes() > self.half:
            self.records.spill(self.spill)  # only counterexamples and checkpoints read them
        if self.view_spot is not None:  # a sample of the states kept, fingerprinted again later (module view_spot)
            self.view_spot.note_many(held, fps[mine], self.total + 1 + np.searchsorted(merged, held_keys))
        if n > 1:
            held, held_keys = self._even_out(held, held_keys, loads)
        self.next.append(held, self.total + np.searchsorted(merged, held_keys))
        for ai, c in enumerate(np.bincount(wa, minlength=len(self.new)).tolist()):
            self.new[ai] += c
        self.level_new += len(wk)
        self.win_keys, self.win_ai = wk, wa
        base_gid, added = self.total, len(merged)
        if max_states is not None and base_gid < max_states <= base_gid + added:
            key = int(merged[max_states - 1 - base_gid])  # the state that fills the store: stop right after it
            if key in set(wk.tolist()):
                events.append((key, FULL))
        self.total = base_gid + added
        cpu = time.process_time() - t0
        self.cpu += cpu
        return {"added": added, "events": events, "chunk_cpu": cpu, **self.stats()}

    def cut_event(self, key: int, bad: str, gid: int, ai: int, params: tuple, t: State) -> tuple:
        """The event: invariant ``bad`` fails on ``t``, successor ``key`` of state ``gid``, outside the constraint."""
        return (key, CUT, bad, gid, Label(self.spec.actions[ai].name, params), t)

    def step_event(self, key: int, bad: str, gid: int, ai: int, params: tuple, t: State) -> tuple:
        """The event: action invariant ``bad`` fails on the step to ``t``, successor ``key`` of state ``gid``."""
        return (key, STEP, bad, gid, Label(self.spec.actions[ai].name, params), t)

    def too_many_successors(self) -> None:
        raise SpecError(f"{self.spec.name}: a state with more than {POS_LIMIT:,} successors")

    def _even_out(self, held: list[State], keys: np.ndarray, counts: list[int]) -> tuple[list[State], np.ndarray]:
        """Ship states from workers holding too many of the chunk's new states to those holding too few.

        Every worker computes the same moves from the same counts. A sender picks the states to
        give evenly spaced in key order, so that every stretch of the next level stays shared.
        """
        moves = balance_moves(counts)
        if not moves:
            return held, keys
        n, w = self.n, self.w
        out: list[Any] = [(np.zeros(0, np.int64), (None, []))] * n
        mine = [(d, c) for s, d, c in moves if s == w]
        if mine:
            give = sum(c for _, c in mine)
            self.shipped += give
            at = (np.arange(give) * len(held)) // give  # evenly spaced positions
            dest = _interleave([d for d, _ in mine], [c for _, c in mine])
            for d, _ in mine:
                sel = at[dest == d]
                out[d] = (keys[sel], _pack([held[i] for i in sel.tolist()], True))
            stay = np.ones(len(held), dtype=bool)
            stay[at] = False
            held = [t for t, k in zip(held, stay.tolist()) if k]
            keys = keys[stay]
        got = [(k, _unpack(p)) for s, (k, p) in enumerate(self.exchange("ship", out)) if s != w and len(k)]
        if got:
            every = np.concatenate([keys] + [k for k, _ in got])
            states = held + [t for _, ts in got for t in ts]
            order = np.argsort(every, kind="stable")
            held, keys = [states[i] for i in order.tolist()], every[order]
        return held, keys

    def recount(self, stop: int) -> dict[str, Any]:
        """Counts as they stood when the one-process search reached key ``stop`` in this chunk."""
        parent, last = stop >> KEY_BITS, stop & POS_MASK
        generated, fired, new, level_new = self.before
        fired, new = fired[:], new[:]
        # a step check that counts (refinement) counts again from the chunk's start, up to the stop
        replay = self.step_bad if hasattr(self.step_bad, "rollback") else None
        if replay is not None:
            replay.rollback()
        done = False
        for states, gids in self.chunk_states:  # re-expanded up to the stop: cheaper than recording every step
            for s, gid in zip(states, gids.tolist()):
                if gid > parent:
                    done = True
                    break
                succ = self._successors(s)
                for ai, t in islice(succ, last + 1) if gid == parent else succ:
                    fired[ai] += 1
                    generated += 1
                    if replay is not None and t is not s:  # the loops pass every step but a stutter to it
                        replay(s, t, ai)
            if done:
                break
        won = int(np.searchsorted(self.win_keys, stop, side="right"))
        for ai, c in enumerate(np.bincount(self.win_ai[:won], minlength=len(new)).tolist()):
            new[ai] += c
        return {
            "generated": generated,
            "fired": fired,
            "new": new,
            "stored": len(self.records) - (len(self.win_keys) - won),
            "new_in_level": level_new + won,
        }

    def _successors(self, s: State) -> Iterator[tuple[int, State]]:
        """The action index and state of each successor of ``s``, in generation order."""
        for ai, act in enumerate(self.spec.actions):
            step = act.step
            for params in act.enumerate(s):
                t = step(s, *params)
                if t is not None:
                    yield ai, t

    def step_report(self) -> Any:
        """What the caller's step check counted in this worker (refinement: its ``report()``)."""
        return self.step_bad.report()  # type: ignore[union-attr]

    def info(self, gid: int) -> tuple[int, int, int] | None:
        """Parent gid, action index and fingerprint of state ``gid``, or ``None`` if another worker owns it."""
        return self.records.info(gid)

    # -- checkpoints -----------------------------------------------------------------------------
    def save(self, directory: str) -> list[str]:
        """Write this worker's part of a checkpoint (at a chunk boundary); return the file names."""
        d = Path(directory)
        name = f"worker-{self.w}"
        cols = {f"rec_{i}": c.array() for i, c in enumerate(self.records.columns())}
        runs = {f"run_{i}": np.asarray(r) for i, r in enumerate(self.seen.runs)}
        np.savez(d / f"{name}-store.npz", **cols, **runs)  # type: ignore[arg-type]  # (no key is allow_pickle)
        frontiers = (self.frontier.all_segments(), self.next.all_segments())
        counters = (self.total, self.generated, self.fired, self.new, self.level_new, self.expanded, self.cpu)
        (d / f"{name}-frontier.z").write_bytes(zlib.compress(pickle.dumps((frontiers, counters), protocol=5), 1))
        return [f"{name}-store.npz", f"{name}-frontier.z"]

    def restore(self, directory: str) -> int:
        """Take up the state :meth:`save` wrote; returns the distinct states of all workers it says there are."""
        d = Path(directory)
        name = f"worker-{self.w}"
        with np.load(d / f"{name}-store.npz") as z:
            for i, c in enumerate(self.records.columns()):
                c.extend(z[f"rec_{i}"])
            runs = sorted((k for k in z.files if k.startswith("run_")), key=lambda k: int(k[4:]))
            self.seen.runs = [z[k] for k in runs]
        (cur, nxt), counters = pickle.loads(zlib.decompress((d / f"{name}-frontier.z").read_bytes()))
        for states, gids in cur:
            self.frontier.append(states, gids)
        for states, gids in nxt:
            self.next.append(states, gids)
        self.total, self.generated, self.fired, self.new, self.level_new, self.expanded, self.cpu = counters
        self.seen.spill()
        return self.total


def least_key_each(fps: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Positions of the queries to keep, by fingerprint: per fingerprint, the one with the smallest key.

    A fingerprint is asked by several workers rarely: one unstable sort orders the queries, and
    only the tied ones are ordered by key too (a ``lexsort`` of everything cost two stable sorts).
    """
    order = np.argsort(fps)
    f = fps[order]
    tie = f[1:] != f[:-1]  # False inside a run of equal fingerprints
    if not tie.all():
        tied = np.nonzero(np.concatenate((~tie, [False])) | np.concatenate(([False], ~tie)))[0]
        sub = order[tied]  # the tied queries, in runs by fingerprint: order each run by key
        order[tied] = sub[np.lexsort((keys[sub], fps[sub]))]
    return order[np.concatenate(([True], tie))] if len(order) else order


def balance_moves(counts: list[int]) -> list[tuple[int, int, int]]:
    """``(from, to, how many)`` moves that share a chunk's new states evenly among the workers.

    None while every worker is within a small slack of its share: shipping a state (pickled,
    rebuilt without the objects it shared with its parent) costs more than a little imbalance.
    """
    n, total = len(counts), sum(counts)
    target = [total // n + (1 if w < total % n else 0) for w in range(n)]
    if max(c - t for c, t in zip(counts, target)) <= max(BALANCE_SLACK, total // BALANCE_SHARE):
        return []
    give = [max(0, c - t) for c, t in zip(counts, target)]
    need = [max(0, t - c) for c, t in zip(counts, target)]
    moves, d = [], 0
    for s in range(n):
        while give[s]:
            while not need[d]:
                d += 1
            m = min(give[s], need[d])
            moves.append((s, d, m))
            give[s] -= m
            need[d] -= m
    return moves


def _interleave(dests: list[int], counts: list[int]) -> np.ndarray:
    """``counts[i]`` copies of ``dests[i]``, spread through the sequence rather than in runs."""
    if len(dests) == 1:
        return np.full(counts[0], dests[0])
    where = np.concatenate([(np.arange(c) + 0.5) / c for c in counts])
    return np.repeat(dests, counts)[np.argsort(where, kind="stable")]


def _pack(states: list[State], away: bool) -> tuple[type | None, list]:
    """States to ship to another worker. NamedTuple states travel as plain tuples of their fields:
    pickle then runs no Python code per state (a NamedTuple pickles through its ``__getnewargs__``,
    which made shipping cost as much as a quarter of a state's expansion)."""
    if away and states:
        cls = type(states[0])
        plain = issubclass(cls, tuple) and cls is not tuple and cls.__dictoffset__ == 0  # no attributes beside
        if plain and all(type(t) is cls for t in states):
            return cls, [tuple(t) for t in states]
    return None, states


def _unpack(packed: tuple[type | None, list]) -> list[State]:
    """The states :func:`_pack` packed, equal and of the same class."""
    cls, states = packed
    if cls is None:
        return states
    new = tuple.__new__
    return [new(cls, t) for t in states]


def rebuild(spec: Spec, fingerprint: Callable[[State], int], chain: list[tuple[int, int]]) -> list[Step]:
    """Replay ``(action index, fingerprint)`` steps from the initial state, matching fingerprints."""
    state = next(s for s in spec.init_states() if fingerprint(s) == chain[0][1])
    steps = [Step(None, state)]
    for via, fp in chain[1:]:
        act = spec.actions[via]
        params, state = next((p, t) for p, t in act.successors(state) if fingerprint(t) == fp)
        steps.append(Step(Label(act.name, params), state))
    return steps
