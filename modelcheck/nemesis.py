"""A Jepsen-style nemesis run of the real store: concurrent clients, injected faults, the history checked.

:func:`run` starts a cluster of real node processes (`paxraft cluster`, Raft or Multi-Paxos, compaction on),
runs ``clients`` concurrent clients doing put, get and compare-and-set on a few shared keys (every value
written is unique, so a read names the write it saw) plus writes of fresh keys (a set: each must be there at
the end), while a nemesis follows a schedule drawn from the seed, one fault at a time:

- ``kill``: ``kill -9`` of the leader, a follower or a random node, restarted after a while;
- ``pause``: ``SIGSTOP`` of the leader or a follower for longer than the election timeout, then ``SIGCONT``;
- ``partition``: the leader, a follower or a random minority cut off from the rest. There is no iptables in
  the sandbox this was written in, so this is a test-only switch of the runtime (``"partition_hook": true``
  in cluster.json; ``NodeServer.read_cut``): each node drops every frame arriving from the peers named in
  its ``node-N/cut`` file. Client connections are not cut;
- ``power``: every node killed and each log cut back to what its last fsync covered (what a power cut
  leaves), then all restarted.

Every operation is recorded with its invocation and completion times (seconds since the run started,
``time.monotonic``) and outcome, as Jepsen does: ``ok``; ``fail``, surely not applied (a read that got no
answer, a write refused); ``info``, indeterminate (a write whose answer never came: it may apply later).
After the last fault the nemesis heals everything, waits for every node to catch up, and a last client
reads every key back. The history (``ok`` operations and ``info`` writes, in the event-pair form
``paxraft audit --history`` reads) is checked per key for linearizability, every acknowledged write of a
fresh key must read back, and every node must recover. A failure names the seed and the shortest failing
window: the earliest point at which the history is already not linearizable, and the latest start from
which the operations overlapping the window fail on their own (from any value the key could hold then).

The runner is bounded: each client operation has a timeout, each fault a hold, each wait a deadline, and
every node is resumed, healed and stopped on the way out, also on an error. Faults are executed one at a
time; the targets (which node leads) are resolved when the fault starts. docs/nemesis.md says more.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import random
import shlex
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from impl.kv.client import ClientError, KVClient
from impl.kv.machine import CAS_FAILED, NOT_FOUND, OK, Result
from impl.multipaxos.rules import BUGS as MP_BUGS
from impl.raft.rules import BUGS
from impl.runtime import cluster
from impl.runtime.server import CUT_FILE
from impl.storage.wal import synced_length
from impl.trace import decode_compact, survey_compact
from modelcheck.audit import TraceError, TraceStream, audit_events, mapping_for
from modelcheck.audit.report import text_report
from modelcheck.linearizability import UNKNOWN, Operation, check_operations, check_partition, kv_model
from modelcheck.linearizability.model import Model

FAULTS = ("kill", "pause", "partition", "power")  # the default faults (a seed's schedule draws from these)
#: (opt-in, so that the default schedules of the seeds stay the same; ``member``: Raft only)
KNOWN = (*FAULTS, "bridge", "stale-leader", "member")
CHANGES = ("add", "remove-follower", "remove-leader", "transfer", "replace")  # a ``member`` step's targets
TARGETS = {"kill": ("leader", "follower", "random"), "pause": ("leader", "follower"),
           "partition": ("leader", "follower", "random"), "power": ("all",), "bridge": ("leader", "random"),
           "stale-leader": ("leader",), "member": CHANGES}
#: the hold of each fault, as multiples of the election timeout (drawn uniformly between the two); a ``member``
#: step's is its companion fault's
HOLDS = {"kill": (1.0, 8.0), "pause": (1.5, 10.0), "partition": (2.0, 10.0), "power": (1.0, 5.0),
         "bridge": (2.0, 10.0), "stale-leader": (1.5, 5.0), "member": (2.0, 10.0)}
COMPANIONS = ("kill", "pause", "partition", "power")  # the faults a membership change runs during or just after
CHANGE_WAIT = 5.0  # seconds a membership change or transfer may take (the operator's --wait)
STALE_FOR = 3.0  # election timeouts a stale leader runs cut off after its SIGCONT (check-quorum deposes it in 2)
STORES = ("raft", "multipaxos")
MAX_STEPS = 1_000_000  # the linearizability search's budget per key (beyond it: verdict unknown)
AUDIT_LINES = 8  # lines of a failed audit's report in the run's report (audit.txt: all of it)


@dataclass(frozen=True)
class Settings:
    """One nemesis run: the store, its size, the load and the faults (a seed decides the schedule)."""

    store: str = "raft"
    nodes: int = 3
    seconds: float = 5.0
    seed: int = 0
    clients: int = 4
    keys: int = 3
    faults: tuple[str, ...] = FAULTS
    snapshot_every: int = 100  # compaction: a snapshot every this many entries
    op_timeout: float = 0.5  # a client operation's timeout (its outcome is then indeterminate, or failed for a read)
    think: float = 0.01  # the longest pause between a client's operations (uniform from 0)
    bug: str | None = None  # a planted bug of the store (impl/raft/rules.py, impl/multipaxos/rules.py): tests only
    election_ms: int = 200  # the election timeout (cluster.json's election_ticks x tick_ms)
    audit: bool = True  # audit the nodes' traces (off: a test that looks for another failure, to save its time)

    def check(self) -> None:
        """ValueError naming the first setting out of range."""
        if self.store not in STORES:
            raise ValueError(f"store must be one of {', '.join(STORES)}, got {self.store!r}")
        if not 3 <= self.nodes <= 9:
            raise ValueError(f"nodes must be 3..9, got {self.nodes}")
        if not 0 < self.seconds <= 3600:
            raise ValueError(f"seconds must be above 0 and at most 3600, got {self.seconds}")
        if not 1 <= self.clients <= 64 or not 1 <= self.keys <= 100:
            raise ValueError(f"clients must be 1..64 and keys 1..100, got {self.clients} and {self.keys}")
        for f in self.faults:
            if f not in KNOWN:
                raise ValueError(f"unknown fault {f!r} (choose from {', '.join(KNOWN)})")
        known = MP_BUGS if self.store == "multipaxos" else BUGS
        if "member" in self.faults and self.store != "raft":
            raise ValueError("fault 'member' is for the raft store only (Multi-Paxos has no membership changes)")
        if self.bug is not None and self.bug not in known:
            raise ValueError(f"bug {self.bug!r} is no planted bug of {self.store} (choose from {', '.join(known)})")
        if not 0 <= self.snapshot_every <= 1 << 40:
            raise ValueError(f"snapshot_every must be 0 (never) or more, got {self.snapshot_every}")
        if not 0.1 <= self.op_timeout <= 60 or not 0 <= self.think <= 10:
            raise ValueError(f"op_timeout must be 0.1..60 s and think 0..10 s, got {self.op_timeout} and {self.think}")


@dataclass(frozen=True)
class Step:
    """One fault of the schedule: at ``at`` seconds, ``fault`` on ``target`` for ``hold`` seconds. A ``member``
    step's target is the change (:data:`CHANGES`); it runs while ``company`` (a fault and its target, as
    ``"kill leader"``; "" none) is held, or just after it healed (``after``)."""

    at: float
    fault: str
    target: str
    hold: float
    company: str = ""
    after: bool = False


def schedule(s: Settings) -> list[Step]:
    """The seed's faults: one at a time from 0.5 s on, each followed by a quiet gap, until ``s.seconds``."""
    rng = random.Random(s.seed)
    election = s.election_ms / 1000
    steps: list[Step] = []
    t = 0.5
    while s.faults and t < s.seconds:
        fault = rng.choice(s.faults)
        lo, hi = HOLDS[fault]
        hold = round(rng.uniform(lo, hi) * election, 3)
        step = Step(round(t, 3), fault, rng.choice(TARGETS[fault]), hold)
        if fault == "member":  # (drawn only here: the schedules without it stay what they were)
            company = rng.choice([*(f for f in s.faults if f in COMPANIONS), ""])
            if company:
                step = replace(step, company=f"{company} {rng.choice(TARGETS[company])}", after=rng.random() < 0.5)
        steps.append(step)
        t += hold + rng.uniform(2, 5) * election
    return steps


@dataclass
class Record:
    """One client operation as Jepsen records it: what, when, and how it ended."""

    id: int
    client: int
    op: str  # put, get, cas
    key: str
    value: str | None = None  # put/cas: the value written
    expected: str | None = None  # cas: the value required (None: absent)
    call: float = 0.0
    ret: float | None = None
    outcome: str = "info"  # ok, fail, info
    output: Any = None  # get: the value read (None: absent); cas: True/False
    held: list | None = None  # a cas answered false: [the value the key held] (the store says), [None]: absent
    error: str = ""

    def operation(self) -> Operation | None:
        """The checker's operation: ``ok`` as answered, an ``info`` write as never returned, else None (a failed
        operation took no effect, and a read with no answer constrains nothing). A compare-and-set answered false
        is the read of the value the store said the key held (it changed nothing, and saw that value)."""
        inp: tuple = (("put", self.key, self.value) if self.op == "put" else ("get", self.key) if self.op == "get"
                      else ("cas", self.key, self.expected, self.value))
        if self.outcome == "ok" and self.op == "cas" and self.output is False and self.held is not None:
            return Operation(self.client, ("get", self.key), self.held[0], self.call, self.ret)
        if self.outcome == "ok":
            return Operation(self.client, inp, self.output, self.call, self.ret)
        if self.outcome == "info" and self.op != "get":
            return Operation(self.client, inp, UNKNOWN, self.call, None)
        return None

    def json(self) -> dict[str, Any]:
        """The record as one line of ``ops.jsonl``."""
        return {k: v for k, v in self.__dict__.items() if v is not None and v != ""}


@dataclass
class Outcome:
    """What a run found; ``ok`` when the history is linearizable, nothing acknowledged was lost and every node
    recovered."""

    settings: Settings
    out: Path
    records: list[Record]
    events: list[dict[str, Any]]
    verdict: str = "ok"  # the linearizability checker's: ok, illegal, unknown
    lost: list[str] = field(default_factory=list)  # acknowledged writes of fresh keys not read back
    unrecovered: list[str] = field(default_factory=list)  # nodes that never caught up after healing
    window: str = ""  # the shortest failing window, for an illegal history
    seconds: float = 0.0
    audit: str = ""  # the audit's report when it did not explain every node's trace ("" when it did)

    @property
    def ok(self) -> bool:
        """Nothing wrong was found."""
        return self.verdict == "ok" and not self.lost and not self.unrecovered and not self.audit

    def counts(self) -> dict[str, int]:
        """Operations by outcome."""
        out = {"ok": 0, "fail": 0, "info": 0}
        for r in self.records:
            out[r.outcome] += 1
        return out

    def report(self) -> str:
        """The run in a few lines: settings, load, faults, verdicts, and the failing window when there is one."""
        s = self.settings
        c = self.counts()
        faults = [e for e in self.events if e["phase"] == "start"]
        lines = [f"nemesis: {s.store}, {s.nodes} nodes, seed {s.seed}, {s.seconds:g} s, {s.clients} clients, "
                 f"{len(faults)} fault{'s' * (len(faults) != 1)} "
                 f"({', '.join(_fault(e) for e in faults) or 'none'})",
                 f"  operations: {len(self.records)} ({c['ok']} ok, {c['fail']} failed, {c['info']} indeterminate); "
                 f"files in {self.out}"]
        lines.append(f"  linearizability: {self.verdict}"
                     + (f"; {len(self.lost)} acknowledged writes lost: {', '.join(self.lost[:5])}" if self.lost else "")
                     + (f"; not recovered: {'; '.join(self.unrecovered)}" if self.unrecovered else ""))
        changes = [e for e in self.events if e["phase"] == "change"]
        if changes:
            made = sum(e["result"] == "done" for e in changes)
            lines.append(f"  membership: {made} of {len(changes)} changes made"
                         + "".join(f"; {e['change']}: {e['result']}" for e in changes if e["result"] != "done"))
        lines.append("  traces: " + ("not audited" if not self.settings.audit else "NOT explained:" if self.audit
                                     else "explained by the spec (paxraft audit)"))
        if self.audit:  # (its first lines, clipped: audit.txt has it whole)
            lines += [f"    {line[:300]}" for line in self.audit.splitlines()[:AUDIT_LINES]]
        if self.window:
            lines.append(self.window)
        if not self.ok:
            lines.append(f"  again: benchmarks/nemesis.py --store {s.store} --nodes {s.nodes} --seconds {s.seconds:g} "
                         f"--seed {s.seed}"
                         + (f" --faults {shlex.quote(','.join(s.faults))}" if s.faults != FAULTS else "")
                         + (f" --clients {s.clients}" if s.clients != 4 else "")
                         + (f" --keys {s.keys}" if s.keys != 3 else "") + (f" --bug {s.bug}" if s.bug else "")
                         + f"; check: paxraft audit --history {self.out / 'history.jsonl'}")
        return "\n".join(lines)


def _fault(e: dict[str, Any]) -> str:
    """A fault's start event in a few words: ``kill leader``, ``member add (during kill leader)``."""
    return f"{e['fault']} {e['target']}" + (f" ({e['detail']})" if e["fault"] == "member" else "")


# -- the history ----------------------------------------------------------------------------------


def operations(records: Sequence[Record]) -> list[Operation]:
    """The checker's operations of a run's records (:meth:`Record.operation`), less the writes never answered whose
    value no operation saw (read, or required by a compare-and-set that took effect). Such a write can only have
    taken effect unseen: placed last it explains the same, so it is not needed, and each one left in multiplies the
    search (8 clients writing one key through a stopped leader left 11, and the search gave up on an illegal
    history in 1 run of 6)."""
    ops = [op for r in records if (op := r.operation()) is not None]
    seen = {(op.input[1], op.output) for op in ops if op.input[0] == "get"}
    seen |= {(op.input[1], op.input[2]) for op in ops if op.input[0] == "cas" and op.output is True}
    return [op for op in ops if op.ret is not None or (op.input[1], op.input[-1]) in seen]


def write_history(path: Path, records: Sequence[Record]) -> None:
    """The checked operations (:func:`operations`) as invoke/return event pairs in time order (``paxraft audit
    --history`` reads it)."""
    events: list[tuple[float, int, dict[str, Any]]] = []
    for n, op in enumerate(operations(records)):
        kind, key = op.input[0], op.input[1]
        inv: dict[str, Any] = {"type": "invoke", "id": n, "client": op.client, "time": op.call, "op": kind, "key": key}
        if kind != "get":
            inv["value"] = op.input[-1]
        if kind == "cas":
            inv["expected"] = op.input[2]
        events.append((op.call, 0, inv))
        if op.ret is not None:
            ret: dict[str, Any] = {"type": "return", "id": n, "time": op.ret}
            if kind != "put":
                ret["output"] = op.output
            events.append((op.ret, 1, ret))
    with open(path, "w") as f:
        for _, _, e in sorted(events, key=lambda x: (x[0], x[1])):
            f.write(json.dumps(e) + "\n")


def _describe(r: Record) -> str:
    what = (f"put({r.key}, {r.value})" if r.op == "put" else f"get({r.key})" if r.op == "get"
            else f"cas({r.key}, {r.expected}, {r.value})")
    end = "never answered" if r.ret is None else f"{r.ret:.3f}"
    held = f" (held {r.held[0]})" if r.held is not None else ""
    shown = {"ok": "" if r.op == "put" else f" -> {r.output}{held}", "fail": " failed", "info": " indeterminate"}
    return f"[{r.call:.3f}, {end}] client {r.client}: {what}{shown[r.outcome]}"


def _cut(ops: Sequence[Operation], at: float) -> list[Operation]:
    """The history as it stood at time ``at``: operations called by then, those answered later as never answered
    (a read then says nothing and is left out)."""
    out = []
    for op in ops:
        if op.call > at:
            continue
        if op.ret is not None and op.ret > at:
            if op.input[0] == "get":
                continue
            op = replace(op, output=UNKNOWN, ret=None)
        out.append(op)
    return out


def _writes(op: Operation) -> bool:
    """Whether an operation may have changed its key (a get never does, a compare-and-set answered false neither)."""
    return op.input[0] in ("put", "delete") or (op.input[0] == "cas" and op.output is not False)


def _written(op: Operation) -> Any:
    """The value a writing operation leaves in its key (None: absent, after a delete)."""
    return op.input[2] if op.input[0] == "put" else op.input[3] if op.input[0] == "cas" else None


def _window(ops: Sequence[Operation], start: float) -> tuple[list[Operation], frozenset]:
    """The operations of a window from ``start`` on, and the values the key may hold at ``start``.

    The operations: those called from ``start`` on, as they are, and the writes called before it and answered
    after it (or never) as never answered (they may take effect within the window, or have done so before it:
    then the window can place them last, where nothing reads them); reads called before it are left out. The
    values: what such a write or any write answered before ``start`` left, except a write answered before
    another write was even called that was itself answered before ``start`` (that one took effect after it); and
    absent while no write was answered before ``start``. The state at ``start`` of any linearization is one of
    these (the last write linearized before ``start`` is one of them), so a window that fails from every one
    fails in the whole history: it needs nothing before it."""
    done = [op for op in ops if op.ret is not None and op.ret < start and _writes(op)]
    open_ = [op for op in ops if op.call < start <= op.end and _writes(op)]
    values = {_written(op) for op in done if not any(o.call > op.ret and o is not op for o in done)}  # type: ignore[operator]
    values |= {_written(op) for op in open_}
    if not done:
        values.add(None)
    inside = [replace(op, output=UNKNOWN, ret=None) for op in open_] + [op for op in ops if op.call >= start]
    return inside, frozenset(values)


def shortest_window(ops: Sequence[Operation], model: Model | None = None
                    ) -> tuple[float, float, list[Operation], frozenset, str]:
    """For one key's illegal history: (start, end, the operations of the window, the values the key could hold at
    its start, the checker's explanation of the window: which operation cannot be linearized). ``end`` is the
    earliest return at which the history cut there is already not linearizable (the answer that made it so);
    ``start`` the latest call such that the operations of [start, end] are not linearizable from any value the key
    could hold at ``start`` (:func:`_window`): a window that fails on its own. Every one of the 200 latest calls
    is tried as the start, then calls further back at doubling distances."""
    model = model or kv_model()
    name = f"key {ops[0].input[1]}"
    ends = sorted({op.ret for op in ops if op.ret is not None})
    lo, hi = 0, len(ends) - 1  # the history cut at ends[hi] is illegal (the whole one is)
    while lo < hi:
        mid = (lo + hi) // 2
        if check_partition(model, _cut(ops, ends[mid]), name, MAX_STEPS).verdict == "illegal":
            hi = mid
        else:
            lo = mid + 1
    end = ends[hi] if ends else float("inf")
    upto = _cut(ops, end)
    starts = sorted({op.call for op in upto}, reverse=True)
    # every start among the latest 200, then every 2nd, 4th, ... one back: a failure that only a long window
    # shows (a write lost long before) costs a few dozen checks, not one per operation of the key
    tried = starts[:200] + [starts[i] for i in (200 + (1 << k) for k in range(64)) if i < len(starts)]
    for start in tried:
        inside, values = _window(upto, start)
        local = replace(model, init=functools.partial(frozenset, values))
        res = check_operations(local, inside, MAX_STEPS)
        if res.verdict == "illegal":
            return start, end, inside, values, res.explain()
    return 0.0, end, upto, frozenset([None]), ""


# -- the nemesis ---------------------------------------------------------------------------------


class Nemesis:
    """Faults on a running cluster, each undone by :meth:`heal`; every signal names a pid the cluster's pid files
    give (never a name)."""

    def __init__(self, directory: Path, ids: list[int], t0: float, election: float) -> None:
        self.dir = directory
        self.election = election  # seconds
        self.ids = ids  # the members (the leader's configuration, after a membership change)
        self.size = len(ids)  # membership changes keep the members between this and one more (a replace: one fewer)
        self.t0 = t0
        self.paused: dict[int, int] = {}  # node -> pid stopped
        self.down: set[int] = set()
        self.cut: set[int] = set()  # the nodes given a cut file (a partition is on while there are any)
        self.events: list[dict[str, Any]] = []
        self.status = KVClient.from_dir(directory)

    def note(self, phase: str, fault: str, target: str, nodes: Sequence[int], detail: str = "", **more: Any) -> None:
        self.events.append({"time": round(time.monotonic() - self.t0, 6), "phase": phase, "fault": fault,
                            "target": target, "nodes": sorted(nodes), **({"detail": detail} if detail else {}),
                            **more})

    async def roles(self) -> tuple[int | None, list[int]]:
        """The node leading in the highest term (None: none answers as leader) and the nodes answering."""
        async def ask(i: int) -> tuple[int, dict[str, Any] | None]:
            try:
                return i, await self.status.status(i, 0.3)
            except (TimeoutError, OSError, ConnectionError, ValueError):
                return i, None

        answers = await asyncio.gather(*(ask(i) for i in self.ids))
        leaders = [(st["term"], i) for i, st in answers if st and st.get("role") == "Leader"]
        return (max(leaders)[1] if leaders else None), [i for i, st in answers if st]

    async def pick(self, target: str, rng: random.Random, bridge: bool = False) -> list[int]:
        """The nodes a fault's target names now (the leader may be none: then a random node)."""
        leader, _ = await self.roles()
        if target == "all":
            return list(self.ids)
        if bridge:  # every node, in the order bridge() splits them: the leader first when it is the target
            order = rng.sample(self.ids, len(self.ids))
            if target == "leader" and leader is not None:
                order.remove(leader)
                order.insert(0, leader)
            return order
        if target == "leader" and leader is not None:
            return [leader]
        if target == "follower":
            return [rng.choice([i for i in self.ids if i != leader])]
        if target == "random" and len(self.ids) > 3 and rng.random() < 0.5:  # a minority of two
            return rng.sample(self.ids, (len(self.ids) - 1) // 2)
        return [rng.choice(self.ids)]

    def _pid(self, node: int) -> int | None:
        return cluster.pid_of(self.dir, node)

    async def kill(self, node: int) -> None:
        pid = self._pid(node)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while self._pid(node) is not None and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        self.down.add(node)

    def pause(self, node: int) -> None:
        pid = self._pid(node)
        if pid is not None:
            os.kill(pid, signal.SIGSTOP)
            self.paused[node] = pid

    def resume(self) -> None:
        for pid in self.paused.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.paused.clear()

    def partition(self, side: Sequence[int]) -> None:
        """Cut ``side`` off from the other nodes (both directions), through each node's cut file and SIGUSR1."""
        rest = [i for i in self.ids if i not in side]
        for i in self.ids:
            other = rest if i in side else list(side)
            (self.dir / f"node-{i}" / CUT_FILE).write_text(json.dumps(other))
        self.cut = set(self.ids)
        self._reread()

    def bridge(self, order: Sequence[int]) -> str:
        """Jepsen's bridge: two sides that cannot reach each other, and one node between them that reaches both; each
        side with the bridge is a majority. ``order``: the first ``(n - 1) // 2`` nodes are one side, the next the
        bridge, the rest the other side. Returns the arrangement, as "1 2 | 3 | 4 5"."""
        k = (len(order) - 1) // 2
        one, mid, two = list(order[:k]), order[k], list(order[k + 1 :])
        for i in self.ids:
            cut = two if i in one else one if i in two else []
            (self.dir / f"node-{i}" / CUT_FILE).write_text(json.dumps(cut))
        self.cut = set(self.ids)
        self._reread()
        return f"{' '.join(map(str, one))} | {mid} | {' '.join(map(str, two))}"

    def unpartition(self) -> None:
        """Reconnect every node given a cut file, also one whose removal began meanwhile (it may run on, its removal
        not committed). Only those are signalled: a node an add is starting has no cut file, and a SIGUSR1 before
        its handler is installed ends it (seed 20 with membership faults: `node 4 was not added: it stopped before
        it was added`)."""
        for i in self.cut:
            (self.dir / f"node-{i}" / CUT_FILE).unlink(missing_ok=True)
        self._reread()
        self.cut = set()

    def _reread(self) -> None:
        for i in sorted(self.cut):
            if (pid := self._pid(i)) is not None and i not in self.down:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGUSR1)

    async def power_cut(self) -> None:
        """kill -9 every node, then drop what the page cache held: each log's bytes after its synced length go back
        to zeros (tests/test_impl_cluster.py's power cut)."""
        for i in self.ids:
            await self.kill(i)
        for i in self.ids:
            wal = self.dir / f"node-{i}" / "wal" / "wal.log"
            synced, size = synced_length(wal), wal.stat().st_size
            with open(wal, "r+b") as f:
                f.seek(synced)
                f.write(bytes(size - synced))

    async def restart(self) -> None:
        """Start every node that is down and wait (at most 30 s) until each answers. A member not running that the
        nemesis did not kill is one an add started, gave up on (no answer in its wait) and stopped, whose change
        committed later: an operator's `cluster start` starts it too. A node removed meanwhile stays down."""
        removed = set(cluster.load(self.dir).get("removed", ()))
        for i in sorted(self.down | set(self.ids)):
            if self._pid(i) is None and i not in removed:
                cluster.start_node(self.dir, i)
        self.down.clear()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            _, up = await self.roles()
            if all(i in up or self._pid(i) is None for i in self.ids):
                return
            await asyncio.sleep(0.05)

    async def heal(self) -> None:
        """Undo every fault: resume, reconnect, restart."""
        self.resume()
        if self.cut:
            self.unpartition()
        await self.restart()

    async def run(self, steps: list[Step], rng: random.Random) -> None:
        """Follow the schedule, each fault held, then healed: every step, also when healing took so long (restarts
        on a loaded machine) that a step starts later than its time, so that a seed's faults are always its own."""
        for step in steps:
            now = time.monotonic() - self.t0
            if step.at > now:
                await asyncio.sleep(step.at - now)
            if step.fault == "member":
                await self.member(step, rng)
                continue
            nodes = await self.inflict(step.fault, step.target, rng)
            await asyncio.sleep(step.hold)
            if step.fault == "stale-leader":  # resumed still cut off: it believes it leads until check-quorum
                self.resume()
                await asyncio.sleep(STALE_FOR * self.election)
            await self.heal()
            self.note("end", step.fault, step.target, nodes)

    async def inflict(self, fault: str, target: str, rng: random.Random, more: str = "") -> list[int]:
        """Start one fault (noted, with ``more`` as its detail); the nodes it hit."""
        nodes = await self.pick(target, rng, bridge=fault == "bridge")
        if fault == "partition" and len(nodes) * 2 > len(self.ids):
            nodes = nodes[: (len(self.ids) - 1) // 2]
        self.note("start", fault, target, nodes, self.bridge(nodes) if fault == "bridge" else more)
        if fault == "kill":
            for i in nodes:
                await self.kill(i)
        elif fault == "pause":
            for i in nodes:
                self.pause(i)
        elif fault == "partition":
            self.partition(nodes)
        elif fault == "power":
            await self.power_cut()
        elif fault == "stale-leader":  # stopped, then cut off while stopped: the others drop every
            for i in nodes:  # message to and from it at once, so nothing tells it of their new leader
                self.pause(i)
            self.partition(nodes)
        return nodes

    async def member(self, step: Step, rng: random.Random) -> None:
        """A membership change or leadership transfer (``step.target``) while the companion fault is held (it starts
        within two election timeouts of the fault and may outlast the hold: the heal does not wait for it), or just
        after it healed; alone when there is none. Noted as the companion's start ("member", detail: when and
        which), each change (phase "change": what was asked, and how it ended) and the end."""
        fault, _, target = step.company.partition(" ")
        when = ("after " if step.after else "during ") + step.company if fault else "alone"
        nodes = await self.inflict(fault, target, rng, when) if fault else []
        if not fault:
            self.note("start", "member", step.target, [], when)
        else:  # (the companion's own start is noted under "member", so a seed's faults stay one event each)
            self.events[-1].update(fault="member", target=step.target, company=step.company)
        change: asyncio.Future[None] | None = None
        if fault and not step.after:  # (soon after the fault hit: a leader cut off still believes it leads)
            delay = rng.uniform(0, min(step.hold / 2, 2 * self.election))
            await asyncio.sleep(delay)
            change = asyncio.ensure_future(self.change(step.target, rng))
            await asyncio.wait([change], timeout=step.hold - delay)
        elif fault:
            await asyncio.sleep(step.hold)
        if fault:
            await self.heal()
        await (change if change is not None else self.change(step.target, rng))
        await self.heal()  # (a node the change stopped and whose add committed after all: restarted)
        self.note("end", "member", step.target, nodes)

    async def change(self, kind: str, rng: random.Random) -> None:
        """Make one membership change as an operator does (`paxraft cluster add/remove/transfer`, each bounded by
        :data:`CHANGE_WAIT`), noting what was asked and how it ended. The members stay between the cluster's size
        and one more: an add at the top removes a follower first, a removal at the bottom adds a node first (each
        a replace); a replace removes a random member, then adds a node."""
        leader, _ = await self.roles()
        deadline = time.monotonic() + CHANGE_WAIT
        while leader is None and kind == "transfer" and time.monotonic() < deadline:  # (just after a power cut
            await asyncio.sleep(0.05)  # every node answers, none leads yet: an operator waits for one too)
            leader, _ = await self.roles()
        ids = list(self.ids)
        follower = rng.choice([i for i in ids if i != leader])
        if kind == "transfer":
            plan = [("transfer", follower)]
        elif kind == "add":
            plan = ([("remove", follower)] if len(ids) > self.size else []) + [("add", 0)]
        elif kind == "replace":
            plan = [("remove", rng.choice(ids)), ("add", 0)]
        else:
            gone = leader if kind == "remove-leader" and leader is not None else follower
            plan = ([("add", 0)] if len(ids) <= self.size else []) + [("remove", gone)]
        for op, node in plan:
            t = time.monotonic()
            try:
                if op == "add":
                    node, _ = await asyncio.to_thread(cluster.add_node, self.dir, CHANGE_WAIT)
                    result = "done"
                elif op == "remove":
                    await asyncio.to_thread(cluster.remove_node, self.dir, node, CHANGE_WAIT)
                    result = "done"
                else:
                    old, _, new, _ = await asyncio.to_thread(cluster.transfer, self.dir, node, CHANGE_WAIT)
                    result = "done" if new == node else f"node {new} leads, not {node} (from node {old})"
            except (cluster.ClusterError, RuntimeError, ClientError, OSError) as exc:
                result = f"{type(exc).__name__}: {exc}"
            await self.refresh()
            what = f"{op} node {node}" if node else f"{op} a node"
            self.note("change", "member", kind, [node] if node else [], change=what, result=result,
                      took=round(time.monotonic() - t, 3), members=list(self.ids))

    async def refresh(self) -> None:
        """The members after a change: the configuration of the node leading in the highest term (cluster.json's
        nodes not removed, without one); a status client that knows every node's port."""
        await self.status.close()
        self.status = KVClient.from_dir(self.dir)
        leader, _ = await self.roles()
        if leader is not None:
            with contextlib.suppress(TimeoutError, OSError, ConnectionError, ValueError):
                self.ids = sorted((await self.status.status(leader, 0.5))["members"])
                return
        self.ids = cluster.members(cluster.load(self.dir))

    def cleanup(self) -> None:
        """Leave no node stopped or cut off (a stopped process cannot take the SIGTERM of ``cluster.stop``)."""
        self.resume()
        with contextlib.suppress(OSError):
            self.unpartition()


# -- the clients ---------------------------------------------------------------------------------


class Clients:
    """``n`` concurrent clients, each with its own connections (first asking node ``i mod nodes``), recording every
    operation; values are unique (``c<client>.<n>``)."""

    def __init__(self, directory: Path, s: Settings, t0: float, members: Callable[[], list[int]]) -> None:
        self.dir, self.s, self.t0 = directory, s, t0
        self.members = members  # the nodes now members (membership changes move a client's own node)
        self.records: list[Record] = []
        self.stop = False
        self.fresh: dict[str, str] = {}  # a fresh key written -> its value (acknowledged or not)

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 6)

    def record(self, client: int, op: str, key: str, value: str | None = None, expected: str | None = None) -> Record:
        r = Record(len(self.records), client, op, key, value, expected, self.now())
        self.records.append(r)
        return r

    async def perform(self, kv: KVClient, r: Record, session: Any) -> None:
        """Run ``r`` through the client and record how it ended."""
        key = r.key.encode()
        try:
            if r.op == "get":
                res: Result = await kv.get(key)
            elif r.op == "put":
                res = await kv.put(key, (r.value or "").encode(), session=session)
            else:
                exp = None if r.expected is None else r.expected.encode()
                res = await kv.cas(key, exp, (r.value or "").encode(), session=session)
        except ClientError as exc:
            r.ret, r.error = self.now(), str(exc)
            # no answer: a read took no effect; a write may yet apply (its retries are in the nodes' queues).
            # A refusal (the command's size) is an answer: not applied.
            r.outcome = "fail" if r.op == "get" or "refused" in str(exc) else "info"
            if r.outcome == "info":
                r.ret = None
            return
        r.ret = self.now()
        if r.op == "get":
            r.output = None if res.status == NOT_FOUND else (res.value or b"").decode()
        elif r.op == "cas":
            assert res.status in (OK, CAS_FAILED), res
            r.output = res.status == OK
            if res.status == CAS_FAILED:
                r.held = [None if res.value is None else res.value.decode()]
        r.outcome = "ok"

    async def client(self, c: int) -> None:
        s = self.s
        rng = random.Random(s.seed * 1000 + c)
        kv = KVClient.from_dir(self.dir, timeout=s.op_timeout)
        ids = self.members()
        kv.leader = home = ids[c % len(ids)]
        session = kv.session()
        seen: dict[str, str | None] = {}
        n = 0
        try:
            while not self.stop:
                n += 1
                kind = rng.choices(("get", "put", "cas", "fresh"), (4, 3, 2, 1))[0]
                key = f"r{rng.randrange(s.keys)}"
                if kind == "get":  # asked of the client's own node first, as Jepsen binds a client to a node: a
                    ids = self.members()  # follower must refuse it (not the leader) or answer it linearizably
                    home = ids[c % len(ids)] if ids[c % len(ids)] in kv.ports else home  # (a port it knows)
                    kv.leader = home
                    r = self.record(c, "get", key)
                elif kind == "put":
                    r = self.record(c, "put", key, f"c{c}.{n}")
                elif kind == "cas":
                    r = self.record(c, "cas", key, f"c{c}.{n}", seen.get(key))
                else:
                    key = f"f{c}.{n}"
                    self.fresh[key] = f"c{c}.{n}"
                    r = self.record(c, "put", key, f"c{c}.{n}")
                await self.perform(kv, r, session)
                if r.outcome == "ok" and r.op == "get":
                    seen[key] = r.output
                elif r.outcome == "ok" and (r.op == "put" or r.output is True):
                    seen[key] = r.value
                if s.think:
                    await asyncio.sleep(rng.uniform(0, s.think))
        finally:
            await kv.close()

    async def read_back(self, client: int) -> list[str]:
        """After healing: read every key (recorded as operations of ``client``); the acknowledged writes of fresh
        keys that did not read back."""
        kv = KVClient.from_dir(self.dir, timeout=20)
        lost = []
        try:
            for key in [f"r{k}" for k in range(self.s.keys)] + list(self.fresh):
                r = self.record(client, "get", key)
                await self.perform(kv, r, None)
                if r.outcome != "ok":
                    raise ClientError(f"the read of {key} after healing got no answer: {r.error}")
            acked = {r.key: r.value for r in self.records if r.key in self.fresh and r.op == "put"
                     and r.outcome == "ok"}
            final = {r.key: r.output for r in self.records if r.client == client}
            lost = [f"{k}={v} (read {final.get(k)})" for k, v in acked.items() if final.get(k) != v]
        finally:
            await kv.close()
        return lost


# -- a run ---------------------------------------------------------------------------------------


async def _recovered(directory: Path, ids: list[int], wait: float) -> list[str]:
    """Wait until every node applied what the leader has committed; the ones that did not, with their state."""
    kv = KVClient.from_dir(directory)
    deadline = time.monotonic() + wait
    behind: list[str] = []
    try:
        while True:
            sts: dict[int, dict[str, Any] | None] = {}
            for i in ids:
                try:
                    sts[i] = await kv.status(i, 1.0)
                except (TimeoutError, OSError, ConnectionError, ValueError):
                    sts[i] = None
            leaders = [st for st in sts.values() if st and st.get("role") == "Leader"]
            commit = max((st["commit"] for st in leaders), default=None)
            behind = [f"node {i}: " + ("no answer" if st is None else f"applied {st['applied']} of {commit}")
                      for i, st in sts.items() if st is None or commit is None or st["applied"] < commit]
            if commit is None:
                behind = ["no leader"] + behind
            if not behind or time.monotonic() > deadline:
                return behind
            await asyncio.sleep(0.1)
    finally:
        await kv.close()


async def _run(directory: Path, s: Settings, out: Path) -> Outcome:
    ids = list(range(1, s.nodes + 1))
    t0 = time.monotonic()
    nemesis = Nemesis(directory, ids, t0, s.election_ms / 1000)
    clients = Clients(directory, s, t0, lambda: nemesis.ids)
    lost: list[str] = []
    unrecovered: list[str] = []
    try:
        tasks = [asyncio.ensure_future(clients.client(c)) for c in range(s.clients)]
        try:
            await nemesis.run(schedule(s), random.Random(s.seed ^ 0x5EED))
            left = s.seconds - (time.monotonic() - t0)
            if left > 0:
                await asyncio.sleep(left)
        finally:
            clients.stop = True
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), s.op_timeout + 30)
        await nemesis.heal()
        unrecovered = await _recovered(directory, nemesis.ids, 30)
        lost = await clients.read_back(s.clients)
    finally:
        nemesis.cleanup()
        await nemesis.status.close()
    for t in tasks:
        if t.done() and not t.cancelled() and t.exception() is not None:
            raise t.exception()  # type: ignore[misc]
    return Outcome(s, out, clients.records, nemesis.events, lost=lost, unrecovered=unrecovered,
                   seconds=time.monotonic() - t0)


def check(outcome: Outcome) -> Outcome:
    """Check the history per key and, for a key that is not linearizable, find its shortest failing window."""
    ops = operations(outcome.records)
    result = check_operations(kv_model(), ops, MAX_STEPS)
    outcome.verdict = result.verdict
    failing = result.failing()
    if failing:
        part = min(failing, key=lambda p: min(op.call for op in p.ops))
        start, end, inside, values, why = shortest_window(part.ops)
        key = part.ops[0].input[1]
        calls = {(op.client, op.call) for op in inside}
        rows = [r for r in outcome.records if r.key == key and (r.client, r.call) in calls]
        faults = [e for e in outcome.events if e["time"] <= end
                  and not any(x["phase"] == "end" and x["fault"] == e["fault"] and start > x["time"] >= e["time"]
                              for x in outcome.events)]
        faults = [e for e in faults if e["phase"] == "start" and e["time"] >= start - 5]
        lines = [f"  {part.name} is not linearizable (seed {outcome.settings.seed}); shortest failing window "
                 f"{start:.3f}-{end:.3f} s, {len(rows)} operation{'s' * (len(rows) != 1)}:"]
        lines += [f"    {_describe(r)}" for r in rows]
        shown = sorted("absent" if v is None else str(v) for v in values)
        lines.append(f"    the key could hold at {start:.3f}: {', '.join(shown[:8])}{' ...' if len(shown) > 8 else ''}"
                     " (the writes answered last before it, or still open)")
        lines += [f"    nemesis at {e['time']:.3f}: {e['fault']} {e['target']} (nodes {e['nodes']})" for e in faults]
        lines += ["  the checker on that window:"] + [f"  {line}" for line in why.splitlines()]
        outcome.window = "\n".join(lines)
    write_files(outcome)
    return outcome


def audit(directory: Path, spec: str) -> str:
    """The audit of every node's trace (the removed and added nodes' too: the leaders' traces receive their
    messages) against ``spec``, as `paxraft audit --spec SPEC DIR/node-*/trace.bin` makes it: "" when it explains
    every event, else its report (the same text that command prints for the folder kept)."""
    files = [str(p) for p in cluster.trace_files(directory)]
    try:
        events = TraceStream(files, decode_compact, survey_compact)
        mapping = mapping_for(spec, events, {})
        result = audit_events(mapping, events)
    except TraceError as exc:
        return f"the traces cannot be audited: {exc}"
    return "" if result.ok else text_report(mapping, result, len(files))


def write_files(outcome: Outcome) -> None:
    """history.jsonl (checkable), ops.jsonl (every operation, Jepsen's outcomes), nemesis.jsonl, report.txt."""
    out = outcome.out
    out.mkdir(parents=True, exist_ok=True)
    write_history(out / "history.jsonl", outcome.records)
    (out / "ops.jsonl").write_text("".join(json.dumps(r.json()) + "\n" for r in outcome.records))
    (out / "nemesis.jsonl").write_text("".join(json.dumps(e) + "\n" for e in outcome.events))
    (out / "report.txt").write_text(outcome.report() + "\n")
    if outcome.audit:
        (out / "audit.txt").write_text(outcome.audit + "\n")


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """SIGINT and SIGTERM ignored meanwhile (in the main thread: elsewhere there is no handler to change)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in old:
        signal.signal(sig, signal.SIG_IGN)
    try:
        yield
    finally:
        for sig, handler in old.items():
            if handler is not None:  # (None: a handler not set from Python, which Python cannot put back)
                signal.signal(sig, handler)


def run(s: Settings, out: Path, keep: bool = False) -> Outcome:
    """Start a cluster in ``out/cluster``, run the clients and the nemesis, heal, check; the files of the run go to
    ``out``. The cluster is stopped whatever happens, and its folder removed after a run that found nothing (kept
    when ``keep``, or when the run failed: its node logs and traces are the evidence)."""
    s.check()
    directory = out / "cluster"
    if directory.exists():
        raise ValueError(f"{directory}: exists already (a nemesis run starts a new cluster)")
    settings: dict[str, Any] = {"protocol": s.store, "snapshot_every": s.snapshot_every, "partition_hook": True,
                                "election_ticks": max(2, s.election_ms // 10), "tick_ms": 10}
    if s.bug:
        settings["bug"] = s.bug
    nodes = list(range(1, s.nodes + 1))
    try:
        cluster.start(directory, s.nodes, wait=30, **settings)
        outcome = asyncio.run(_run(directory, s, out))
    finally:
        with _uninterrupted():  # a second Ctrl-C while the nodes stop left them running, unseen
            with contextlib.suppress(cluster.ClusterError, OSError):  # (every node, the added ones too)
                nodes = sorted(map(int, cluster.load(directory)["nodes"]))
            for i in nodes:  # (a node stopped by the nemesis cannot take SIGTERM)
                if (pid := cluster.pid_of(directory, i)) is not None:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGCONT)
            with contextlib.suppress(cluster.ClusterError, OSError):  # (a folder removed: its nodes stop by themselves)
                cluster.stop(directory)
    if s.audit:
        outcome.audit = audit(directory, s.store)
    outcome = check(outcome)
    if outcome.ok and not keep:
        shutil.rmtree(directory, ignore_errors=True)
    return outcome
