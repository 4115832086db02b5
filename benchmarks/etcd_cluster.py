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
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
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


def _threads_schedstat(pid: int, field: int) -> float | None:
    """Field ``field`` of ``/proc/PID/task/*/schedstat`` summed over the process's live threads, in seconds (0: time on
    a CPU, 1: time runnable but waiting for one); None when the process is gone."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    ns = 0
    for task in tasks:
        try:
            ns += int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[field])
        except (OSError, ValueError, IndexError):  # (a thread that ended since the listing)
            continue
    return ns / 1e9


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds used so far by these processes together (gone ones count 0). For each, the larger of two
    lower bounds of the true figure: ``/proc/PID/stat`` (every thread's time, ended ones too, but in whole
    clock ticks of 10 ms: 30 sequential writes, about 6 ms of a node's CPU, once read as 0.0 for all three
    nodes) and the nanoseconds its live threads spent on a CPU (``/proc/PID/task/*/schedstat``)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        live = _threads_schedstat(pid, 0)
        if live is None:
            continue
        total += max((int(fields[11]) + int(fields[12])) / tick, live)  # utime, stime (fields 14 and 15 of proc(5))
    return total


def run_queue_seconds(pids: list[int]) -> float:
    """Seconds these processes' live threads spent runnable but waiting for a CPU so far (the second field of
    ``/proc/PID/task/*/schedstat``): on a busy machine, the part of a write's latency that is the scheduler's."""
    return sum(_threads_schedstat(pid, 1) or 0.0 for pid in pids)


async def _workload(port: int, sync_n: int, n: int, conc: int, size: int, pids: list[int]) -> dict[str, float]:
    """The shared workload (benchmarks/kv_load.py): sequential puts on one connection, a connection a session."""
    from benchmarks import kv_load  # here: this file also runs alone (for --help), without the repo on sys.path

    c = _Conn(port)

    def session() -> tuple[Callable[[bytes, bytes], Awaitable[None]], Callable[[], None]]:
        s = _Conn(port)
        return s.put, s.close

    try:
        return await kv_load.workload(c.put, session, lambda: cpu_seconds(pids), sync_n, n, conc, size)
    finally:
        c.close()


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


@contextlib.contextmanager
def members(binary: str, ports: list[int]) -> Iterator[tuple[int, list[int]]]:
    """Three members on ``ports`` (6: client and peer port per member), each with its own data folder under a
    fresh temporary one: yields the leader's client port and the members' pids; stops them and removes it."""
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
        yield asyncio.run(_leader(client)), [p.pid for p, _ in procs]
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


def run(binary: str, sync_n: int, n: int, conc: int, size: int, ports: list[int],
        client_loop: str = "asyncio") -> dict[str, float]:
    """Start 3 members on ``ports``, run the workload (its clients on ``client_loop``), stop them."""
    from benchmarks import kv_load

    with members(binary, ports) as (leader, pids):
        r = kv_load.run_clients(_workload(leader, sync_n, n, conc, size, pids), client_loop)
        r["rss"] = max(_peak_rss(pid) for pid in pids)
        return r

if __name__ == "__main__":
    from _args import helper_module

    helper_module(__doc__, "kv_bench.py")
