"""The write workload of ``benchmarks/kv_bench.py`` and the figures it reports, for every store measured.

One place, so that our store, etcd and PySyncObj are measured alike: ``sync_n`` sequential puts (one
at a time), then ``n`` puts from ``conc`` sessions with one put outstanding each. Rates are writes/s,
latencies milliseconds (p50, p99), CPU microseconds per write.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: A session's put of one key and value (awaited until the store acknowledges it).
Put = Callable[[bytes, bytes], Awaitable[object]]

#: The clients' event loops: uvloop (libuv, in C: what our nodes run on) or the standard library's
CLIENT_LOOPS = ("uvloop", "asyncio")


def run_clients(coro: Coroutine[Any, Any, T], loop: str = "asyncio") -> T:
    """Run the benchmark's clients (every store's, in one process) on ``loop``."""
    if loop == "uvloop":
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coro)
    return asyncio.run(coro)


def pct(xs: list[float], p: float) -> float:
    """The ``p`` quantile of latencies ``xs`` (seconds), in milliseconds."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000


def vcpu_halts() -> int:
    """How many times the machine's CPUs entered an idle state so far (Linux cpuidle; 0 where it is not exposed).
    On a virtual machine without guest halt polling each entry halts the vCPU, and a wake-up on it then costs
    a trip through the hypervisor: the sequential phase's halts per write say how many of a write's wake-ups
    could have paid that."""
    return sum(int(f.read_text()) for f in Path("/sys/devices/system/cpu").glob("cpu[0-9]*/cpuidle/state*/usage"))


def rates(lat: list[float], sync_s: float, plat: list[float], pipe_s: float) -> dict[str, float]:
    """Sequential and concurrent writes/s, p50 and p99 (ms), from each put's latency and each phase's time."""
    return {"sync_wps": len(lat) / sync_s, "sync_p50": statistics.median(lat) * 1000, "sync_p99": pct(lat, 0.99),
            "pipe_wps": len(plat) / pipe_s, "pipe_p50": statistics.median(plat) * 1000, "pipe_p99": pct(plat, 0.99)}


async def workload(
    put: Put,
    session: Callable[[], tuple[Put, Callable[[], object]]],
    cpu: Callable[[], float],
    sync_n: int,
    n: int,
    conc: int,
    size: int,
) -> dict[str, float]:
    """Run the workload: sequential puts through ``put``, then ``conc`` sessions (``session()`` gives a new
    one's put and what closes it); ``cpu()`` is the store's CPU seconds so far, for the CPU per write."""
    val = b"v" * size
    await put(b"warm", val)
    lat: list[float] = []
    scpu0, halts0 = cpu(), vcpu_halts()
    t0 = time.perf_counter()
    for k in range(sync_n):
        t = time.perf_counter()
        await put(b"s%d" % k, val)
        lat.append(time.perf_counter() - t)
    sync_s = time.perf_counter() - t0
    scpu, halts = cpu() - scpu0, vcpu_halts() - halts0
    plat: list[float] = []

    async def worker(w: int) -> None:
        sput, close = session()
        for k in range(n // conc):
            t = time.perf_counter()
            await sput(b"p%d.%d" % (w, k), val)
            plat.append(time.perf_counter() - t)
        close()

    cpu0, ccpu0 = cpu(), time.process_time()
    t0 = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(conc)))
    pipe_s = time.perf_counter() - t0
    cpu1, ccpu = cpu() - cpu0, time.process_time() - ccpu0
    return {"cpu_us": cpu1 / len(plat) * 1e6, "client_cpu_us": ccpu / len(plat) * 1e6,
            "seq_cpu_us": scpu / max(sync_n, 1) * 1e6, "seq_halts": halts / max(sync_n, 1),
            **rates(lat, sync_s, plat, pipe_s)}


if __name__ == "__main__":
    from _args import helper_module

    helper_module(__doc__, "kv_bench.py")
