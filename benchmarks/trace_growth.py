"""How fast a node's compact trace grows, and what compressing its closed segments gives (docs/trace-format.md,
"Segments").

Usage: .venv/bin/python benchmarks/trace_growth.py [--idle S] [--writes N] [--segment-bytes B] [--set KEY=VALUE,...]

Starts a 3-node cluster (cluster.json's defaults, ``"trace_segment_bytes"`` B, default 1 MiB, and the nodes'
own compression of closed segments off, so that the segments are there to measure), then:

1. idle: each node's trace bytes per second over ``S`` seconds (default 20) with nothing sent, and per day;
2. load: ``N`` puts (default 4,000; 16 sessions, 100-byte values): the trace bytes per write over all three
   nodes, with the idle rate over the same seconds taken off;
3. compression: the leader's largest closed segment of each phase compressed with the standard library's zlib
   (levels 1 and 6), lzma (preset 6) and bz2 (level 9): the ratio, and CPU seconds per MiB of trace to compress
   it and to read it back (the best of 3 runs; a loaded machine inflates them, so say whether it was quiet); and
   each node's idle rate per day once its closed segments are compressed as the nodes do (the ratio of its own
   largest idle segment; the first and last segment stay as they are: at most 2 x "trace_segment_bytes" more per
   node, not growing).

What it gave (2026-12-06, docs/trace-format.md "Compressed segments"), and why the nodes use zlib level 6: on
the leader's idle segment zlib 6 compresses 19x at ~9 ms of CPU per MiB and reads back at ~1-2 ms/MiB; lzma 6
gives 40x but at ~170-360 ms/MiB (a busy leader's ~1.3 MB/s of trace would keep its child on ~45% of a core,
against ~1.3%), bz2 9 gives 25x at ~90 ms/MiB and reads back 15x slower; zlib 1 is ~3x cheaper for 3/4 of the
ratio (a third more disk).
"""

from __future__ import annotations

import asyncio
import bz2
import lzma
import os
import shutil
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from impl import tracezip  # noqa: E402
from impl.kv.client import KVClient  # noqa: E402
from impl.runtime import cluster  # noqa: E402
from impl.trace import segment_path, trace_size, trace_tail  # noqa: E402

CODECS: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
    "zlib-1": (lambda b: zlib.compress(b, 1), zlib.decompress),
    "zlib-6": (lambda b: zlib.compress(b, 6), zlib.decompress),
    "lzma-6": (lambda b: lzma.compress(b, preset=6), lzma.decompress),
    "bz2-9": (lambda b: bz2.compress(b, 9), bz2.decompress),
}


def sizes(d: Path) -> dict[int, int]:
    """Each node's whole trace size so far."""
    return {int(p.parent.name.split("-")[1]): trace_size(p) for p in cluster.trace_files(d)}


def closed_segments(d: Path, node: int) -> list[Path]:
    """The node's closed segments (every one but the last), first included."""
    first = d / f"node-{node}" / "trace.bin"
    return [segment_path(first, n) for n in range(1, trace_tail(first)[0])]


def codec_figures(data: bytes, runs: int = 3) -> dict[str, tuple[float, float, float]]:
    """Per codec: (ratio, CPU s per MiB to compress, CPU s per MiB to decompress), the best of ``runs``."""
    mib = len(data) / (1 << 20)
    out = {}
    for name, (comp, decomp) in CODECS.items():
        best_c = best_d = float("inf")
        for _ in range(runs):
            t = time.process_time()
            z = comp(data)
            best_c = min(best_c, time.process_time() - t)
            t = time.process_time()
            assert decomp(z) == data
            best_d = min(best_d, time.process_time() - t)
        out[name] = (len(data) / len(z), best_c / mib, best_d / mib)
    return out


async def load(d: Path, writes: int, sessions: int = 16, size: int = 100) -> None:
    """``writes`` puts over ``sessions`` concurrent sessions."""
    c = KVClient.from_dir(d)
    val = b"v" * size

    async def worker(w: int) -> None:
        s = c.session()
        for k in range(writes // sessions):
            await c.put(b"g%d.%d" % (w, k), val, session=s)

    await asyncio.gather(*(worker(w) for w in range(sessions)))


def main(idle: float, writes: int, segment_bytes: int, settings: dict[str, Any]) -> None:
    d = Path(tempfile.mkdtemp(prefix="trace-growth-"))
    try:
        cluster.start(d, 3, trace_segment_bytes=segment_bytes, trace_compress=False, **settings)
        leader = asyncio.run(cluster.wait_for_leader(d, 30))
        assert leader is not None, "no leader"
        time.sleep(1.0)
        print(f"load average {os.getloadavg()[0]:.2f} (2 cores shared: figures not quiet unless this is low)")
        s0, t0 = sizes(d), time.monotonic()
        time.sleep(idle)
        s1, t1 = sizes(d), time.monotonic()
        idle_segs = closed_segments(d, leader)
        idle_of = {j: closed_segments(d, j) for j in s0}
        rate = {j: (s1[j] - s0[j]) / (t1 - t0) for j in s0}
        print(f"idle, {t1 - t0:.1f} s (node {leader} leads):")
        for j, r in sorted(rate.items()):
            print(f"  node {j}{' (leader)' if j == leader else ''}: {r / 1e3:,.1f} KB/s, {r * 86400 / 1e9:.2f} GB/day")
        asyncio.run(load(d, writes))
        s2, t2 = sizes(d), time.monotonic()
        grown = sum(s2[j] - s1[j] for j in s1)
        background = sum(rate.values()) * (t2 - t1)
        print(f"load, {writes:,} writes in {t2 - t1:.1f} s: {grown / writes:,.0f} trace bytes per write over the 3 "
              f"nodes, {(grown - background) / writes:,.0f} with the idle rate taken off "
              f"(leader {(s2[leader] - s1[leader]) / writes:,.0f})")
        busy = [p for p in closed_segments(d, leader) if p not in idle_segs]
        print(f"load average {os.getloadavg()[0]:.2f}")
        for what, segs in (("idle", idle_segs), ("load", busy)):
            if not segs:
                print(f"{what}: no closed segment of the leader (a longer phase or smaller --segment-bytes)")
                continue
            seg = max(segs, key=lambda p: p.stat().st_size)
            data = seg.read_bytes()
            print(f"{what} segment {seg.name} ({len(data):,} bytes):")
            figures = codec_figures(data)
            for name, (ratio, c, dc) in figures.items():
                print(f"  {name:7} ratio {ratio:6.1f}  compress {c * 1e3:7.1f} ms CPU/MiB  "
                      f"read back {dc * 1e3:6.1f} ms CPU/MiB")
            if what == "idle":  # each node's idle segments as its child compresses them (impl/tracezip.py)
                print(f"idle, closed segments compressed (tracezip.compress of a copy of each node's idle segments, "
                      f"zlib level {tracezip.LEVEL}):")
                for j, r in sorted(rate.items()):
                    if not idle_of[j]:
                        print(f"  node {j}: no closed segment (a longer --idle or smaller --segment-bytes)")
                        continue
                    raw = packed = 0
                    for p in idle_of[j]:
                        copy = d / f"copy-{j}-{p.name}"
                        shutil.copyfile(p, copy)
                        raw += copy.stat().st_size
                        packed += tracezip.compress(copy).stat().st_size  # (the .z the child writes; copy removed)
                    print(f"  node {j}{' (leader)' if j == leader else ''}: {raw:,} -> {packed:,} bytes, ratio "
                          f"{raw / packed:.1f}: {r * 86400 * packed / raw / 1e6:,.0f} MB/day")
    finally:
        cluster.stop(d)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    from _args import parser, run_main

    ap = parser(__doc__)
    ap.add_argument("--idle", type=float, default=20.0, help="seconds of idling measured")
    ap.add_argument("--writes", type=int, default=4000, help="puts of the load phase")
    ap.add_argument("--segment-bytes", type=int, default=1 << 20, help='"trace_segment_bytes" of the run')
    ap.add_argument("--set", default="", help="more cluster.json settings, KEY=VALUE,... (integers)")
    a = ap.parse_args()
    extra = {k: int(v) for k, v in (kv.split("=", 1) for kv in a.set.split(",") if kv)}
    run_main(lambda: main(a.idle, a.writes, a.segment_bytes, extra))
