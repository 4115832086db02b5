"""etcd as the benchmark's yardstick: a 3-member cluster on 127.0.0.1 (Debian's ``etcd-server``, fsync on).

``run(...)`` starts three ``etcd`` processes (each with its own data folder; etcd fsyncs its WAL
on every commit unless told otherwise, and nothing here tells it), finds the leader, and runs the
workload of ``benchmarks/kv_bench.py`` against it: sequential puts, then puts from C concurrent
sessions with one put outstanding each. The client speaks etcd's v3 JSON gateway (``POST
/v3/kv/put``) over HTTP/1.1 keep-alive connections, one per session, from asyncio: a Python client
like ours, one network hop like ours (etcd's own Go benchmark tool and gRPC would spend less on the
client side). ``ensure_installed()`` installs ``etcd-server`` with apt when run as root.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

ETCD = os.environ.get("ETCD", "etcd")


def ensure_installed() -> str | None:
    """The etcd binary, installing Debian's etcd-server when root and missing; None when unavailable."""
    found = shutil.which(ETCD)
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "etcd-server"], check=False, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=600)
        found = shutil.which(ETCD)
    return found


def version(binary: str) -> str:
    """``etcd --version``'s first line."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout
    return out.splitlines()[0] if out else "etcd (unknown version)"


class _Conn:
    """One HTTP/1.1 keep-alive connection to the JSON gateway."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        data = json.dumps(body).encode()
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        payload = await self.reader.readexactly(length)
        if status != 200:
            raise RuntimeError(f"etcd answered {status}: {payload[:200]!r}")
        return json.loads(payload) if payload else {}

    async def put(self, key: bytes, value: bytes) -> None:
        await self.post("/v3/kv/put", {"key": base64.b64encode(key).decode(),
                                       "value": base64.b64encode(value).decode()})

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000


async def _leader(client_ports: list[int], wait: float = 30.0) -> int:
    """The client port of the member that is leader."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for port in client_ports:
            c = _Conn(port)
            try:
                st = await asyncio.wait_for(c.post("/v3/maintenance/status", {}), 2)
                if st.get("leader") and st["leader"] == st.get("header", {}).get("member_id"):
                    return port
            except (TimeoutError, OSError, RuntimeError, asyncio.IncompleteReadError):
                pass
            finally:
                c.close()
        await asyncio.sleep(0.2)
    raise RuntimeError("etcd elected no leader")


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes together (gone ones count 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / tick


async def _workload(port: int, sync_n: int, n: int, conc: int, size: int, pids: list[int]) -> dict[str, float]:
    val = b"v" * size
    c = _Conn(port)
    await c.put(b"warm", val)
    lat: list[float] = []
    scpu0 = cpu_seconds(pids)
    t0 = time.perf_counter()
    for k in range(sync_n):
        t = time.perf_counter()
        await c.put(b"s%d" % k, val)
        lat.append(time.perf_counter() - t)
    sync_s = time.perf_counter() - t0
    scpu = cpu_seconds(pids) - scpu0
    c.close()
    plat: list[float] = []

    async def session(w: int) -> None:
        s = _Conn(port)
        for k in range(n // conc):
            t = time.perf_counter()
            await s.put(b"p%d.%d" % (w, k), val)
            plat.append(time.perf_counter() - t)
        s.close()

    cpu0, ccpu0 = cpu_seconds(pids), time.process_time()
    t0 = time.perf_counter()
    await asyncio.gather(*(session(w) for w in range(conc)))
    pipe_s = time.perf_counter() - t0
    cpu, ccpu = cpu_seconds(pids) - cpu0, time.process_time() - ccpu0
    return {"cpu_us": cpu / len(plat) * 1e6, "client_cpu_us": ccpu / len(plat) * 1e6,
            "seq_cpu_us": scpu / max(sync_n, 1) * 1e6,
            "sync_wps": sync_n / sync_s, "sync_p50": statistics.median(lat) * 1000, "sync_p99": _pct(lat, 0.99),
            "pipe_wps": len(plat) / pipe_s, "pipe_p50": statistics.median(plat) * 1000, "pipe_p99": _pct(plat, 0.99)}


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def run(binary: str, sync_n: int, n: int, conc: int, size: int, ports: list[int]) -> dict[str, float]:
    """Start 3 members on ``ports`` (6: client and peer port per member), run the workload, stop them."""
    d = Path(tempfile.mkdtemp(prefix="etcdbench-"))
    client, peer = ports[:3], ports[3:6]
    initial = ",".join(f"m{i}=http://127.0.0.1:{peer[i]}" for i in range(3))
    procs = []
    try:
        for i in range(3):
            log = open(d / f"m{i}.log", "wb")  # noqa: SIM115 (closed with the process below)
            procs.append((subprocess.Popen(
                [binary, "--name", f"m{i}", "--data-dir", str(d / f"m{i}"),
                 "--listen-client-urls", f"http://127.0.0.1:{client[i]}",
                 "--advertise-client-urls", f"http://127.0.0.1:{client[i]}",
                 "--listen-peer-urls", f"http://127.0.0.1:{peer[i]}",
                 "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer[i]}",
                 "--initial-cluster", initial, "--initial-cluster-state", "new",
                 "--initial-cluster-token", "paxraft-bench", "--logger", "zap", "--log-level", "error"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL), log))
        leader = asyncio.run(_leader(client))
        r = asyncio.run(_workload(leader, sync_n, n, conc, size, [p.pid for p, _ in procs]))
        r["rss"] = max(_peak_rss(p.pid) for p, _ in procs)
        return r
    finally:
        for p, _ in procs:
            p.terminate()
        for p, log in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            log.close()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    from _args import helper_module

    helper_module(__doc__, "kv_bench.py")
