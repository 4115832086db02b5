"""A bounded busy poll for an event loop (``"busy_poll_us"`` in cluster.json, ``KVClient(busy_poll_us=)``).

After a step of a sequential write, the next message comes within a few hundred microseconds (the next
request, an acknowledgement, the next AppendEntries, the reply). A process that blocks in epoll meanwhile
sleeps, and on this 2-vCPU guest (halt polling off: ``haltpoll.guest_halt_poll_ns=0``) its vCPU may halt,
so the message costs a wake-up; Go's scheduler (etcd) spins a little before it parks. :meth:`BusyPoll.arm`
keeps a callback scheduled on the loop for ``window_us`` instead, so the loop polls its sockets without
blocking (epoll with timeout 0, uvloop or asyncio alike). Each turn yields the CPU first, and a yield that
comes back late (another process ran) ends the poll: that vCPU is busy anyway, and polling on would only
take CPU time from the processes that have work. Off by default: a leader polling for 300 us made
sequential writes faster in most pairs in quiet minutes at 13:27 on 2026-12-04, but lost all three rounds
of the quiet A/B at 14:53; polling on every node, or in the client, was not better (docs/performance-log.md).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable

YIELD_RAN_OTHERS = 50e-6  # a sched_yield that returns this late let another process run (it takes ~1.5 us alone)


class BusyPoll:
    """Keeps ``loop`` polling for ``window_us`` after each :meth:`arm`, while ``wanted()`` holds."""

    def __init__(self, loop: asyncio.AbstractEventLoop, window_us: int, wanted: Callable[[], bool]) -> None:
        self.loop, self.window, self.wanted = loop, window_us / 1e6, wanted
        self.until = 0.0  # time.monotonic() at which the poll stops
        self.polling = False  # a turn is scheduled
        self.turns = 0  # loop iterations spent polling

    def arm(self) -> None:
        """Poll (on) until ``window_us`` from now."""
        self.until = time.monotonic() + self.window
        if not self.polling:
            self.polling = True
            self.loop.call_soon(self._turn)

    def _turn(self) -> None:
        t = time.monotonic()
        if t >= self.until or not self.wanted():
            self.polling = False
            return
        self.turns += 1
        os.sched_yield()
        if time.monotonic() - t > YIELD_RAN_OTHERS:
            self.polling = False
            return
        self.loop.call_soon(self._turn)
