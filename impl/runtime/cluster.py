"""A local cluster: separate node processes on 127.0.0.1, described by ``DIR/cluster.json``.

``DIR/cluster.json`` holds the nodes' ports, the cluster secret and the settings; each node
keeps its data in ``DIR/node-<id>/`` (write-ahead log, snapshot, trace, log output, pid file).
Starting an existing cluster again reuses all of it, so a restarted node keeps its data.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import impl
from impl.kv.client import KVClient

ROOT = Path(impl.__file__).resolve().parent.parent


def free_ports(n: int) -> list[int]:
    """``n`` distinct ports free on 127.0.0.1 right now."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def create(directory: Path, nodes: int, **settings: Any) -> dict[str, Any]:
    """Write ``cluster.json`` for a new cluster (fresh ports and secret)."""
    directory.mkdir(parents=True, exist_ok=True)
    desc = {"nodes": {str(i + 1): p for i, p in enumerate(free_ports(nodes))}, "secret": os.urandom(32).hex(),
            "fsync": True, "trace": True, "tick_ms": 10, "election_ticks": 20, "heartbeat_ticks": 2,
            "pre_vote": True, "check_quorum": True, "snapshot_every": 20_000}
    desc.update(settings)
    (directory / "cluster.json").write_text(json.dumps(desc, indent=1) + "\n")
    return desc


def pid_of(directory: Path, node: int) -> int | None:
    """The pid of a running node, or None."""
    f = directory / f"node-{node}" / "pid"
    try:
        pid = int(f.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    try:
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            _reap(pid)  # killed but not yet collected: not running
            return None
    except (OSError, IndexError):
        pass
    return pid


def start_node(directory: Path, node: int) -> int:
    """Start one node process (detached); returns its pid."""
    home = directory / f"node-{node}"
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with open(home / "node.log", "ab") as out:
        p = subprocess.Popen([sys.executable, "-m", "impl.runtime.server", "--dir", str(directory), "--id", str(node)],
                             stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                             start_new_session=True)
    (home / "pid").write_text(str(p.pid))
    return p.pid


def start(directory: Path, nodes: int = 3, wait: float = 20.0, **settings: Any) -> dict[int, int]:
    """Start every node that is not running (creating the cluster if new); wait for a leader."""
    if not (directory / "cluster.json").exists():
        create(directory, nodes, **settings)
    desc = json.loads((directory / "cluster.json").read_text())
    pids = {}
    for k in desc["nodes"]:
        i = int(k)
        pids[i] = pid_of(directory, i) or start_node(directory, i)
    if wait:
        leader = asyncio.run(wait_for_leader(directory, wait))
        if leader is None:
            raise RuntimeError(f"no leader elected within {wait} s (see {directory}/node-*/node.log)")
    return pids


async def statuses(directory: Path, wait: float = 0.5) -> dict[int, dict[str, Any] | None]:
    """Each node's status, None for a node that does not answer."""
    client = KVClient.from_dir(directory)
    out: dict[int, dict[str, Any] | None] = {}
    try:
        for i in client.ports:
            try:
                out[i] = await client.status(i, wait)
            except (TimeoutError, OSError, ConnectionError):
                out[i] = None
    finally:
        await client.close()
    return out


async def wait_for_leader(directory: Path, wait: float) -> int | None:
    """Poll until a node reports itself leader and has committed its no-op; its id, or None on timeout."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for i, st in (await statuses(directory)).items():
            if st and st["role"] == "Leader" and st["commit"] >= 1:
                return i
        await asyncio.sleep(0.05)
    return None


def stop(directory: Path, wait: float = 10.0) -> list[int]:
    """SIGTERM every running node, SIGKILL the ones still up after ``wait`` s; the ids stopped."""
    desc = json.loads((directory / "cluster.json").read_text())
    running = {int(k): p for k in desc["nodes"] if (p := pid_of(directory, int(k)))}
    for pid in running.values():
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    for pid in running.values():
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                break
            if _reap(pid):
                break
            time.sleep(0.02)
        else:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    return sorted(running)


def _reap(pid: int) -> bool:
    """Collect a child that exited (when the caller started it), so it does not linger as a zombie."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == pid
