"""Tickless nodes (impl/runtime/ticks.py): an idle node sleeps until its next deadline, and the cores see the ticks
a periodic timer gave them.

The equivalence is checked on three cores on a simulated loop and network, once with a timer every tick (the
runtime before) and once with :class:`TickClock`: elections, heartbeats, writes with ``quorum_first``'s held
follower and a killed leader give the same trace lines at the same simulated times, with a fraction of the
wake-ups. Then three real node processes, idle: their wake-ups (voluntary context switches) are counted.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import math
import random
import time
from collections.abc import Callable
from typing import Any

import pytest

from benchmarks.idle_cost import voluntary_switches
from impl.multipaxos.core import MultiPaxosNode
from impl.raft.core import LEADER, Config, RaftNode
from impl.runtime import cluster
from impl.runtime.ticks import TickClock

TICK = 0.01
DELAY = 0.0031  # one message's trip (off the ticks' times, so no input ties with a tick)


class Handle:
    def __init__(self, cb: Callable[..., None], args: tuple[Any, ...]) -> None:
        self.cb, self.args, self.cancelled = cb, args, False

    def cancel(self) -> None:
        self.cancelled = True


class FakeLoop:
    """The loop's ``time`` and ``call_at`` on a simulated clock, with inputs scheduled alike (:meth:`run`)."""

    def __init__(self) -> None:
        self.now = 0.0
        self._q: list[tuple[float, int, Handle]] = []
        self._seq = itertools.count()

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, cb: Callable[..., None], *args: Any) -> Handle:
        h = Handle(cb, args)
        heapq.heappush(self._q, (when, next(self._seq), h))
        return h

    def run(self, until: float) -> None:
        while self._q and self._q[0][0] <= until:
            when, _, h = heapq.heappop(self._q)
            if not h.cancelled:
                self.now = max(self.now, when)
                h.cb(*h.args)


def simulate(core: type, tickless: bool, seed: int = 0,
             seconds: float = 3.0) -> tuple[list[tuple[float, int, str]], int]:
    """Three cores, a write every 13.7 ms to the leader from 0.5 s to 1.5 s, the leader killed at 1.5037 s: every
    trace line with its time and node, and how many times the nodes' timers fired."""
    loop = FakeLoop()
    cfg = Config(election_ticks=20, heartbeat_ticks=2, trace=True, quorum_first=True)
    nodes = {i: core(i, (1, 2, 3), cfg, rand=random.Random(seed * 10 + i).randint) for i in (1, 2, 3)}
    dead: set[int] = set()
    lines: list[tuple[float, int, str]] = []
    fired = [0]

    def round_(i: int) -> None:
        node = nodes[i]
        while node.has_ready():
            rd = node.ready()
            lines.extend((round(loop.now, 6), i, line) for line in rd.trace)
            for m in rd.messages:
                loop.call_at(loop.now + DELAY, deliver, m)
            node.advance(rd)
        if tickless:
            clocks[i].arm(node.due_in())

    def deliver(m: Any) -> None:
        if m.src in dead or m.dst in dead:
            return
        if tickless and loop.now >= clocks[m.dst].next:
            clocks[m.dst].credit(loop.now)
        nodes[m.dst].step(m)
        round_(m.dst)

    def periodic(i: int, due: float) -> None:  # the runtime's timer before: one callback per tick
        if i in dead:
            return
        fired[0] += 1
        nodes[i].tick()
        round_(i)
        loop.call_at(due + TICK, periodic, i, due + TICK)

    def propose(k: int) -> None:
        lead = [i for i, n in nodes.items() if n.role == LEADER and i not in dead]
        if lead:
            if tickless and loop.now >= clocks[lead[0]].next:
                clocks[lead[0]].credit(loop.now)
            nodes[lead[0]].propose(b"w%d" % k)
            round_(lead[0])

    def kill() -> None:
        lead = [i for i, n in nodes.items() if n.role == LEADER]
        dead.update(lead)
        for i in lead:
            if tickless:
                clocks[i].stop()

    clocks: dict[int, TickClock] = {}

    def start(i: int) -> None:  # (the nodes start 1.1 ms apart: no two nodes' ticks at one time)
        if tickless:
            kick = lambda: loop.call_at(loop.now, round_, i)  # noqa: E731 (the server's kick: a round soon)
            clocks[i] = TickClock(loop, TICK, nodes[i].tick, kick)  # type: ignore[arg-type]
        else:
            loop.call_at(loop.now + TICK, periodic, i, loop.now + TICK)
        round_(i)  # (the server's first round, at its start)

    for i in (1, 2, 3):
        loop.call_at(i * 0.0011, start, i)
    for k in range(73):
        loop.call_at(0.5 + k * 0.0137, propose, k)
    loop.call_at(1.5037, kill)
    loop.run(seconds)
    return lines, fired[0] + sum(c.wakeups for c in clocks.values())


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("core", [RaftNode, MultiPaxosNode])
def test_tickless_cores_see_the_ticks_of_a_periodic_timer(core, seed):
    """The same trace lines (elections, heartbeats, a held follower's batches, the election after the leader's
    death) at the same times, with the timers firing a fraction as often: at the heartbeats, the election
    deadlines, the ticks when a held follower has entries waiting, and once per election timeout where a
    heartbeat moved a follower's deadline later."""
    before, ticks = simulate(core, tickless=False, seed=seed)
    after, wakeups = simulate(core, tickless=True, seed=seed)
    actions = [(i, json.loads(line)["action"]) for _, i, line in before]
    assert len({i for i, a in actions if a == "BecomeLeader"}) >= 2, actions  # elected again after the kill
    assert sum(a in ("ClientRequest", "TakeNewRequest") for _, a in actions) >= 73  # (and Raft's no-ops)
    assert after == before
    assert ticks == 748  # 3 nodes x 3 s, one killed at 1.5 s (the last ticks at 3 s: after the nodes' start)
    assert wakeups < ticks // 3, (wakeups, ticks)


def test_a_late_loop_counts_one_tick_past_its_timer_and_drops_the_rest():
    """A loop kept from running (a long fsync, no free CPU) for 0.3 s past its timer credits the tick it was set for
    and the next, as the periodic timer's late callback did, not the 30 the wall clock passed; then the ticks are
    due a tick from the late wake-up."""
    loop = FakeLoop()
    counted = []
    clock = TickClock(loop, TICK, lambda: counted.append(loop.now), lambda: None)  # type: ignore[arg-type]
    clock.arm(5)  # the 5th tick, at 0.05 s
    loop.now = 0.35  # (the loop ran late)
    clock._fire(clock.wake)
    assert len(counted) == 6 and math.isclose(clock.next, 0.36)
    clock.arm(1)
    loop.run(0.36)
    assert len(counted) == 7


def test_an_idle_cluster_sleeps_until_its_deadlines(tmp_path):
    """Three idle nodes with etcd's timing (a 100 ms heartbeat, a 1 s election timeout): each wakes for its
    heartbeats (the leader also for the answers), not for each 10 ms tick. A timer every tick woke each node
    at least 200 times in these 2 seconds (107-111 a second measured); counted as voluntary context switches,
    so a busy machine's preemptions do not count."""
    pids = cluster.start(tmp_path, 3, election_ticks=100, heartbeat_ticks=10)
    try:
        lead = asyncio.run(cluster.wait_for_leader(tmp_path, 30))
        time.sleep(0.5)
        before = {i: voluntary_switches(p) for i, p in pids.items()}
        time.sleep(2.0)
        woke = {i: voluntary_switches(p) - before[i] for i, p in pids.items()}
        assert asyncio.run(cluster.wait_for_leader(tmp_path, 30)) == lead  # (no election in the 2 s)
    finally:
        cluster.stop(tmp_path)
    # 20 heartbeats each follower, and the leader's 20 timer wake-ups and their answers: measured 11-12 and 20-22
    # a second; the brief's bound, 20 a second a node, for the followers, twice that for the leader
    assert all(n < (80 if i == lead else 40) for i, n in woke.items()), (lead, woke)
