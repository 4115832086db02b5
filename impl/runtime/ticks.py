"""A node's logical clock on the event loop, tickless: the loop wakes for the first tick that may act, not each tick.

The protocol cores count ticks (heartbeats, CheckQuorum and election timeouts; impl/raft/core.py). A timer
every ``tick_ms`` woke each idle node 100 times a second for ticks that mostly only counted (docs/performance.md,
"Idle nodes"). Here ticks are still due every ``tick_s`` from the start, but the loop sleeps until the first one
the core says may act (``due_in()``: a heartbeat, a held follower's entries, an election) and credits the core
every tick due by then at once; an input that comes first (a message, a client request) has the ticks due before
it credited before it is stepped (:meth:`TickClock.credit`). So the core sees the ticks a periodic timer gave it,
in the same order against its inputs, as etcd's raft is told of ticks by its server's ticker rather than reading
a clock. A deadline that moves later (a follower hears its leader) leaves the timer where it is: it fires, finds
nothing due, and is set again, about once per election timeout; cancelling it at every heartbeat would cost each
write's follower a timer operation instead.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable


class TickClock:
    """Ticks every ``tick_s`` seconds of ``loop`` time, handed to ``tick()`` when due; ``kick()`` after each wake-up."""

    def __init__(self, loop: asyncio.AbstractEventLoop, tick_s: float, tick: Callable[[], None],
                 kick: Callable[[], None]) -> None:
        self.loop, self.step, self.tick, self.kick = loop, tick_s, tick, kick
        self.next = loop.time() + tick_s  # the loop time of the next tick not yet credited
        self.wake = math.inf  # the loop time the timer is set for (inf: not set)
        self.timer: asyncio.TimerHandle | None = None
        self.wakeups = 0  # times the timer fired

    def credit(self, now: float, upto: float | None = None) -> None:
        """Tick once for each tick due by ``now``, in order, before what happens at ``now``.

        A loop running later than ``upto`` (default: the time the timer is set for) plus a tick was kept from
        running (a long fsync, no free CPU): it counts the ticks up to there and drops the rest, as a periodic
        timer's late callback did (one late tick, the next at once, then on time again), so a stall does not
        count as time heard from nobody (etcd's Go ticker drops ticks alike)."""
        step = self.step
        last = (self.wake if upto is None else upto) + step
        due, tick = self.next, self.tick
        while due <= now:
            if due > last:
                due = now + step  # (the phase starts again from here)
                break
            tick()
            due += step
        self.next = due
        self.kick()

    def arm(self, due_in: int) -> None:
        """Set the timer for the ``due_in``-th tick from now (1: the next), unless it is set for then or earlier."""
        wake = self.next + (due_in - 1) * self.step
        if wake < self.wake:
            if self.timer is not None:
                self.timer.cancel()
            self.wake, self.timer = wake, self.loop.call_at(wake, self._fire, wake)

    def _fire(self, wake: float) -> None:
        """Credit the ticks due, the one the timer was set for among them (uvloop's timers may fire a fraction of
        a millisecond early); the round that follows sets the timer again."""
        self.wake, self.timer = math.inf, None
        self.wakeups += 1
        self.credit(max(self.loop.time(), wake), wake)

    def stop(self) -> None:
        """No more ticks (shutdown): the timer is cancelled and no tick is due again, so no input credits one and no
        round sets the timer."""
        if self.timer is not None:
            self.timer.cancel()
        self.next, self.wake, self.timer = math.inf, math.inf, None
