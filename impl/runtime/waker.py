"""Keeps a CPU from idling while an fsync is in flight (opt-in: ``"fsync_poll_us"`` in cluster.json).

On the 2-core VM this project is measured on, a process blocked in ``fdatasync`` while no vCPU
runs noticed the completion late (3.99 ms at the median, against 0.18 ms while another process
ran; docs/performance-log.md). A thread that wakes every ``fsync_poll_us`` microseconds during the
fsync (and sleeps on an event otherwise) keeps one vCPU from halting for that long. It costs a
wake-up per period of each fsync; whether it pays off is for `benchmarks/kv_bench.py --fsync-poll`
to say on a quiet machine, so it is off by default.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Waker:
    """A thread that wakes every ``period_us`` microseconds while :meth:`during` is active."""

    def __init__(self, period_us: int) -> None:
        self.period = period_us / 1e6
        self.wakeups = 0
        self._go = threading.Event()
        self._busy = False
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="fsync-waker", daemon=True)
        self._thread.start()

    @contextmanager
    def during(self) -> Iterator[None]:
        """Wake periodically for the duration of the ``with`` block."""
        self._busy = True
        self._go.set()
        try:
            yield
        finally:
            self._busy = False
            self._go.clear()

    def _run(self) -> None:
        sleep, period = time.sleep, self.period
        while True:
            self._go.wait()
            if self._stop:
                return
            while self._busy:
                sleep(period)
                self.wakeups += 1

    def close(self) -> None:
        """Stop the thread."""
        self._stop, self._busy = True, False
        self._go.set()
        self._thread.join(1.0)
