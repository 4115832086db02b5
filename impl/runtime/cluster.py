"""A local cluster: separate node processes on 127.0.0.1, described by ``DIR/cluster.json``.

``DIR/cluster.json`` holds the nodes' ports, the cluster secret and the settings; each node
keeps its data in ``DIR/node-<id>/`` (write-ahead log, snapshot, trace, log output, pid file).
Starting an existing cluster again reuses all of it, so a restarted node keeps its data.
The folder and ``cluster.json`` (it holds the secret) are private to their owner (0700, 0600);
a folder or file owned by another user or writable by others is refused. A pid file names the
process and its start time, so a signal never reaches a process that merely reuses the pid.
A node process holds its folder's ``lock`` (flock) while it runs: a second process for the same
node refuses to start (two would each vote, and write one log).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import impl
from impl.kv.client import KVClient
from impl.kv.protocol import MAX_COMMAND_BYTES, MAX_COMMAND_DATA, OK, REFUSED
from impl.multipaxos.rejoin import rebuilt_promise
from impl.multipaxos.rules import BUGS as MP_BUGS
from impl.raft.core import HardState, Ready
from impl.raft.rejoin import REJOINING, rebuilt_hard_state, rebuilt_marker, write_marker
from impl.raft.rules import BUGS
from impl.runtime.boot import rebuilt_boot
from impl.runtime.chunks import CHUNK_BYTES, PEER_FRAME, check_sizes
from impl.storage.files import NotRegularError, name_file, not_a_file, read_regular, sync_folder
from impl.storage.wal import WAL, WALError
from impl.storage.wal import check as wal_check
from impl.trace import last_clock_term

ROOT = Path(impl.__file__).resolve().parent.parent


PROTOCOLS = ("raft", "multipaxos")


class ClusterError(Exception):
    """The cluster folder cannot be used as it is (one line for the user)."""


_RESERVED: dict[Path, list[socket.socket]] = {}  # ports held for a new cluster's nodes until they listen
_NOT_STARTED: dict[tuple[Path, int], str] = {}  # why start() could not start a node (its folder, by id)


def check_folder(directory: Path) -> None:
    """ClusterError naming ``--dir`` when it, or a folder above it, is something other than a folder (a regular file
    given as --dir made `cluster start` say only 'File exists', the OS's words for the mkdir)."""
    for p in (directory, *directory.parents):
        if not os.path.lexists(p):
            continue
        if p.is_dir():
            return
        what = not_a_file(p) or "a file"
        if what.startswith("not a regular file"):
            what = "a FIFO, device or socket"
        raise ClusterError(f"--dir {directory}: {'' if p == directory else f'{p} is '}{what}, not a folder")


def reserve_ports(n: int) -> list[socket.socket]:
    """``n`` ports bound (not listening) with SO_REUSEPORT: no other process can take them, and the nodes,
    binding with SO_REUSEPORT too, take them over; closed once the nodes listen (no window between)."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    return socks


def check_port_alone(port: int, sockets: Iterable[Any]) -> None:
    """ClusterError when a socket other than ``sockets`` (a node's own, listening) listens on 127.0.0.1:``port``.
    A node binds with SO_REUSEPORT (it takes the port over from `cluster start`'s hold), and so did the node of
    another cluster on the same port (a copy of the folder started, a port edited): the kernel shared the
    connections between the two processes. A copy, with the same secret, took half of a running node's peers'
    and clients' frames: two logs answered as one node, voting twice in a term. Checked once both listen, so
    that of two nodes that race to a port the second refuses. (Linux's /proc/net; elsewhere nothing is checked.)"""
    own = {os.fstat(s.fileno()).st_ino for s in sockets}
    others = listening_inodes(port) - own
    if others:
        pids = socket_owners(others)
        who = f"process {', '.join(map(str, pids))}" if pids else "another process"
        raise ClusterError(f"127.0.0.1:{port}, its port in cluster.json, is in use: {who} listens on it too (a "
                           "node of another cluster folder, a copy of this one?); the node does not share it")


def listening_inodes(port: int) -> set[int]:
    """The inodes of the sockets listening on 127.0.0.1:``port`` (or any address), from Linux's /proc/net/tcp
    (elsewhere none)."""
    try:
        with open("/proc/net/tcp") as f:
            rows = f.read().splitlines()[1:]
    except OSError:
        return set()
    loopback = int.from_bytes(socket.inet_aton("127.0.0.1"), sys.byteorder)  # (the kernel prints the raw word)
    mine = (f"{loopback:08X}:{port:04X}", f"00000000:{port:04X}")  # (127.0.0.1, or any address)
    return {int(fields[9]) for row in rows if len(fields := row.split()) > 9 and fields[3] == "0A"
            and fields[1] in mine}


def socket_owners(inodes: set[int]) -> list[int]:
    """The pids (of those this user may look at) holding a socket of ``inodes``."""
    want = {f"socket:[{i}]" for i in inodes}
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in want for fd in os.listdir(f"/proc/{pid}/fd")):
                pids.append(int(pid))
        except OSError:
            continue
    return sorted(pids)


def release_ports(directory: Path) -> None:
    """Close the sockets that held a new cluster's ports."""
    for s in _RESERVED.pop(directory.resolve(), []):
        s.close()


def check_private(path: Path) -> None:
    """Refuse a folder or file that another user owns or that others may write (it holds the secret)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    if st.st_uid != os.getuid():
        raise ClusterError(f"{path}: owned by uid {st.st_uid}, not by you (uid {os.getuid()}); refusing to use it")
    if st.st_mode & 0o022:
        raise ClusterError(f"{path}: writable by others (mode {st.st_mode & 0o777:o}); refusing to use it")


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


TRACE_FORMATS = ("compact", "jsonl")


def trace_compact(c: dict[str, Any], has_jsonl: bool = False) -> bool:
    """Whether a node writes a compact trace file (``"trace_format"`` in cluster.json: ``compact``, the default,
    or ``jsonl``, which is also taken by a node whose folder already holds ``trace.jsonl`` and no ``trace.bin``
    (``has_jsonl``: written before compact files were the default; it goes on appending there, its clock
    continuing; beside a trace.bin it is a copy, `trace-json --out D/node-1/trace.jsonl`, where the node had gone
    on). A Multi-Paxos node's core formats its own lines, so its compact file holds them as JSON-lines records:
    what it gains is segments (a JSON-lines trace is one file, without bound)."""
    fmt = c.get("trace_format", "jsonl" if has_jsonl else "compact")
    if fmt not in TRACE_FORMATS:
        raise ClusterError(f'"trace_format" must be one of {", ".join(TRACE_FORMATS)}, got {fmt!r}')
    return fmt == "compact"


def trace_file_name(compact: bool) -> str:
    """A node's trace file in its folder: ``trace.bin`` (compact; ``paxraft trace-json`` prints its JSON lines)
    or ``trace.jsonl``."""
    return "trace.bin" if compact else "trace.jsonl"


def trace_files(directory: Path) -> list[Path]:
    """The nodes' trace files of a cluster folder, by node (either format)."""
    return sorted([*directory.glob("node-*/trace.bin"), *directory.glob("node-*/trace.jsonl")],
                  key=lambda p: int(p.parent.name.split("-")[1]))


def create(directory: Path, nodes: int, **settings: Any) -> dict[str, Any]:
    """Write ``cluster.json`` for a new cluster (fresh ports and secret) and each node's empty log."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_private(directory)
    socks = reserve_ports(nodes)
    _RESERVED[directory.resolve()] = socks
    desc = {"nodes": {str(i + 1): s.getsockname()[1] for i, s in enumerate(socks)}, "secret": os.urandom(32).hex(),
            "fsync": True, "trace": True, "tick_ms": 10, "election_ticks": 20, "heartbeat_ticks": 2,
            "pre_vote": True, "check_quorum": True, "snapshot_every": 20_000}
    desc.update(settings)
    # the secret is written before any node's log, which names the cluster by it: a `cluster start` stopped between
    # them (Ctrl-C, kill) left logs of a cluster no cluster.json described, and every later start was an internal
    # error (WALError, exit 4); the next start takes the secret from here and makes the logs left over its own
    desc["secret"] = _staged_secret(directory) or desc["secret"]
    save(directory, desc, CREATING)
    for i in range(1, nodes + 1):
        try:
            init_node(directory, i, desc=desc)
        except (WALError, OSError) as exc:  # (a folder copied in, damaged, not a folder)
            raise ClusterError(f"no new cluster made in {directory}: {exc}; move {directory / f'node-{i}'} aside "
                               "and start again") from None
    save(directory, desc)
    (directory / CREATING).unlink()
    return desc


CREATING = "cluster.json.new"
"""A new cluster's description until every node's empty log is made (then renamed cluster.json): its secret."""


def _staged_secret(directory: Path) -> str | None:
    """The secret of a cluster whose creation was cut short (:data:`CREATING`), if it reads back as one."""
    try:
        secret = json.loads(read_regular(directory / CREATING, DESCRIPTION_BYTES))["secret"]
        bytes.fromhex(secret)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return secret if len(secret) == 64 else None


def save(directory: Path, desc: dict[str, Any], name: str = "cluster.json") -> None:
    """Write ``cluster.json`` (private; replaced atomically, so a node reading it never sees half of it; fsync'd,
    and its folder, so that a power cut leaves the old one or the new: it holds the secret every log is named by)."""
    tmp = directory / f"{name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(desc, indent=1) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, directory / name)
    sync_folder(directory)


def identity(desc: dict[str, Any], node: int) -> tuple[bytes, int]:
    """The owner a node's log names (impl.storage.wal): the cluster's id, a hash of its secret, and the node's."""
    return hashlib.blake2b(bytes.fromhex(desc["secret"]), digest_size=8, person=b"paxraft-cluster").digest(), node


def init_node(directory: Path, node: int, hard_state: HardState | None = None,
              desc: dict[str, Any] | None = None, wal_dir: str = "wal") -> None:
    """A node's folder and empty log (a node whose log is missing later is refused: it lost its state),
    holding ``hard_state`` when given (a rebuilt node's vote floor); ``desc``: cluster.json's (read when None);
    ``wal_dir``: the log's folder in the node's (recover-node builds the new one beside the old)."""
    home = directory / f"node-{node}"
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    wal = WAL(home / wal_dir, create=True, owner=identity(desc or load(directory), node))
    wal.load()
    if hard_state is not None:
        wal.save(Ready(hard_state=hard_state))
        wal.sync()
    wal.close()


INT_SETTINGS = {"tick_ms": (1, 60_000), "election_ticks": (2, 100_000), "heartbeat_ticks": (1, 100_000),
                "snapshot_every": (0, 1 << 40), "wal_prealloc": (0, 1 << 30), "max_connections": (1, 1_000_000),
                "busy_poll_us": (0, 1_000_000), "fsync_poll_us": (0, 1_000_000), "sched_slice_us": (0, 1_000_000),
                "trace_segment_bytes": (4096, 1 << 30), "chunk_bytes": (1024, 1 << 30),
                "peer_frame_bytes": (4096, 1 << 30), "max_command_bytes": (1024, MAX_COMMAND_DATA)}
"""The integer settings of cluster.json and their ranges (snapshot_every 0: never; wal_prealloc in bytes;
trace_segment_bytes: a compact trace's segment size, at most what the audit reads of one file; chunk_bytes and
peer_frame_bytes: impl/runtime/chunks.py; max_command_bytes: impl/kv/protocol.MAX_COMMAND_BYTES)."""
BOOL_SETTINGS = ("fsync", "trace", "pre_vote", "check_quorum", "trace_marks", "sync_thread", "leader_fsync_thread",
                 "busy_poll_leader", "spread_followers", "timeline", "quorum_first", "partition_hook", "trace_compress")
SECONDS_SETTINGS = ("handshake_timeout_s", "idle_timeout_s")


ELECTION_MS_PER_MIB = 10
"""The election timeout a cluster needs per MiB of its max_command_bytes: while a node takes in, hashes, copies and
writes one command it sends no heartbeat (its loop is busy), so a command that holds it longer than the timeout sets
off an election, and the retry of the write another: a 32 MiB put with the default 200 ms took 8-42 s and up to 35
elections on 2 cores (benchmarks/large_values.py; a node spent 0.2-0.3 s on the client's frame and the proposal
alone). 16 MiB, 160 ms by this rule, was fine with 200 ms."""


def min_election_ms(max_command_bytes: int) -> int:
    """The shortest election timeout, in ms, of a cluster whose commands reach ``max_command_bytes``."""
    return -(-max_command_bytes * ELECTION_MS_PER_MIB // (1 << 20))


def check_timeout_for_commands(desc: dict[str, Any]) -> None:
    """ValueError when the election timeout is too short for the largest command the cluster takes: nothing refused
    "max_command_bytes": 64 MiB with the default 200 ms, and its puts never committed."""
    size = desc.get("max_command_bytes", MAX_COMMAND_BYTES)
    tick, ticks = desc.get("tick_ms", 10), desc.get("election_ticks", 20)
    need_ms = min_election_ms(size)
    if ticks * tick < need_ms:
        raise ValueError(f"max_command_bytes {size:,} needs an election timeout of {need_ms:,} ms or more "
                         f"({ELECTION_MS_PER_MIB} ms per MiB), not {ticks * tick:,} ms (election_ticks {ticks} x "
                         f"tick_ms {tick}): raise election_ticks to {-(-need_ms // tick)}")


def _clip(token: str, limit: int) -> str:
    """spec.userfiles.clip, loaded when an error is said: spec.userfiles loads spec.core, ~0.1 s of each node's
    start (server.py imports this module) and of each `paxraft cluster`/`kv` command."""
    from spec.userfiles import clip

    return clip(token, limit)


def check_settings(desc: dict[str, Any]) -> None:
    """ValueError naming the first setting of a cluster description out of its type or range. A node read them
    unchecked: "wal_prealloc": 10**12 ended it in a MemoryError traceback (a smaller huge one would have filled
    the disk with zeros), "election_ticks": -1 and "max_connections": "x" in tracebacks, "tick_ms": 0 ran the
    timer in a busy loop, and a port above 65535 was an internal error of `cluster start`."""
    if not desc["nodes"]:  # (`status` said "coroutine raised StopIteration", `kv` was an internal error)
        raise ValueError("nodes: names no node")
    for k, v in desc["nodes"].items():
        if int(k) < 1 or type(v) is not int or not 0 < v < 65536:
            raise ValueError(f"nodes: node {k}'s port must be an integer 1..65535, got {v!r}")
    ids = {int(k) for k in desc["nodes"]}
    for name in ("members", "removed"):  # ("removed": "x" was an internal error of `cluster start`; "members": [99]
        v = desc.get(name, [])  # left every node out of every quorum: no leader, after waiting 20 s)
        if type(v) is not list or any(type(i) is not int or i not in ids for i in v) or len(set(v)) < len(v):
            raise ValueError(f"{name} must be a list of distinct nodes of \"nodes\", got {_clip(repr(v), 60)}")
    if not ids - set(desc.get("removed", ())):  # (a leader refuses to remove its last member)
        raise ValueError("removed: every node is removed")
    if len(bytes.fromhex(desc["secret"])) < 16:
        raise ValueError("secret: must be at least 16 bytes (32 hex digits)")
    for name, (lo, hi) in INT_SETTINGS.items():
        v = desc.get(name, lo)
        if type(v) is not int or not lo <= v <= hi:
            raise ValueError(f"{name} must be an integer {lo:,}..{hi:,}, got {v!r}")
    check_sizes(desc.get("chunk_bytes", CHUNK_BYTES), desc.get("peer_frame_bytes", PEER_FRAME))
    if desc.get("heartbeat_ticks", 2) >= desc.get("election_ticks", 20):
        raise ValueError("heartbeat_ticks must be below election_ticks")
    check_timeout_for_commands(desc)
    for name in BOOL_SETTINGS:
        if type(desc.get(name, False)) is not bool:
            raise ValueError(f"{name} must be true or false, got {desc[name]!r}")
    if desc.get("uvloop") not in (None, True, False):
        raise ValueError(f"uvloop must be true or false, got {desc['uvloop']!r}")
    for name in SECONDS_SETTINGS:
        v = desc.get(name, 1.0)
        if type(v) not in (int, float) or not 0 < v < 1e9:
            raise ValueError(f"{name} must be a number of seconds above 0, got {v!r}")
    try:
        trace_compact(desc)
    except ClusterError as exc:  # (only the node read it, and failed)
        raise ValueError(str(exc)) from None
    _check_test_hooks(desc)


CRASH_POINTS = ("written", "sent", "replied", "eio", "chunk", "installed")  # (server.NodeServer.crash_point)


def _check_test_hooks(desc: dict[str, Any]) -> None:
    """ValueError for a malformed test-only hook (a planted ``bug``, a ``crash_at`` point): each ended the node in a
    traceback."""
    known = MP_BUGS if protocol_of(desc) == "multipaxos" else BUGS
    if desc.get("bug") and desc["bug"] not in known:
        raise ValueError(f"bug (a test hook) names no planted bug of {protocol_of(desc)}: "
                         f"{_clip(repr(desc['bug']), 40)}")
    crash = desc.get("crash_at")
    if crash is not None and not (type(crash) is dict and crash.get("at") in CRASH_POINTS
                                  and type(crash.get("index")) is int):
        raise ValueError(f"crash_at (a test hook) must be {{\"at\": one of {', '.join(CRASH_POINTS)}, \"index\": an "
                         f"integer}}, got {_clip(repr(crash), 60)}")


def load(directory: Path) -> dict[str, Any]:
    """``cluster.json``, after checking that it and its folder are private to us and its settings (one line)."""
    check_private(directory)
    path = directory / "cluster.json"
    check_private(path)
    try:
        desc = json.loads(_read_description(path))
        {int(k): int(v) for k, v in desc["nodes"].items()}
        bytes.fromhex(desc["secret"])
        if protocol_of(desc) not in PROTOCOLS:
            raise ValueError(f"protocol {desc['protocol']!r} is not one of {', '.join(PROTOCOLS)}")
        check_settings(desc)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:  # (nested 100,000 deep)
        raise ClusterError(f"{path}: not a usable cluster description ({_clip(str(exc), 200)})") from exc
    return desc


DESCRIPTION_BYTES = 1 << 20  # cluster.json is read up to this size (it holds ports, a secret and settings)


def _read_description(path: Path) -> str:
    """cluster.json's text: a regular file of at most DESCRIPTION_BYTES (ValueError otherwise). A FIFO there held
    every command and node that read it for ever (its open waited for a writer), and a huge file was read whole."""
    try:
        data = read_regular(path, DESCRIPTION_BYTES + 1)
    except NotRegularError as exc:
        raise ValueError(str(exc).rpartition(": ")[2]) from None
    if len(data) > DESCRIPTION_BYTES:
        raise ValueError(f"larger than {DESCRIPTION_BYTES:,} bytes")
    return data.decode()


def protocol_of(desc: dict[str, Any]) -> str:
    """A cluster description's protocol: its ``protocol``, raft when it names none."""
    return desc.get("protocol", "raft")


def load_raft(directory: Path, refusal: str) -> dict[str, Any]:
    """:func:`load`, for what only a Raft cluster does: ClusterError ``refusal`` for any other protocol."""
    desc = load(directory)
    if protocol_of(desc) != "raft":
        raise ClusterError(refusal)
    return desc


def members(desc: dict[str, Any]) -> list[int]:
    """The nodes of a cluster description that `cluster remove` has not taken out of the configuration, by id."""
    removed = desc.get("removed", ())
    return sorted(i for i in map(int, desc["nodes"]) if i not in removed)


def _listed(ids: list[int]) -> str:
    """Node ids for a message: ``1, 3 and 4``."""
    words = list(map(str, ids))
    return " and ".join(filter(None, [", ".join(words[:-1]), words[-1]])) if words else "none"


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _pid_line(pid: int) -> str:
    """A pid file's (and a lock file's) line: the pid and its start time (field 22 of /proc/PID/stat)."""
    st = _proc_stat(pid)
    return f"{pid} {st[19] if st else 0}\n"


def write_pid(path: Path, pid: int) -> None:
    """Record a node's pid with its start time (field 22 of /proc/PID/stat), so a reused pid is told apart.
    Replaced atomically: the node rewrites it once it listens, and a reader that found it empty meanwhile took
    the node for not running (`cluster recover-node` said 'did not start' at load ~15)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(_pid_line(pid))
    except OSError as exc:  # (a full disk: named, and no empty pid.N.tmp left behind)
        tmp.unlink(missing_ok=True)
        raise name_file(exc, tmp) from None
    os.replace(tmp, path)


LOCK = "lock"
"""A node folder's lock file: flock'd by the node process while it runs (released by the kernel when it exits,
kill -9 too), holding its pid and start time as the pid file does."""


LOCK_RELEASE_WAIT = 10.0  # seconds a dying holder may take to release a node folder's lock


def lock_node(home: Path) -> int:
    """Take ``home``'s lock for this process (the open descriptor; the lock lasts until it is closed or the process
    ends). ClusterError when another process holds it: two processes of one node would each answer votes from
    their own memory (a node voting twice in a term) and append to one log."""
    check_node_files(home, (LOCK,))
    fd = os.open(home / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + LOCK_RELEASE_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            holder = _pid_in(home / LOCK)
            # A holder that is no longer running is a killed process whose other threads are still closing its
            # files (its main thread already a zombie): the lock is released within moments, so wait for it.
            if holder is None and time.monotonic() < deadline:
                time.sleep(0.01)
                continue
            os.close(fd)
            raise ClusterError(f"{home}: in use by another process{f' (pid {holder})' if holder else ''}; "
                               "one node folder takes one node process") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, _pid_line(os.getpid()).encode(), 0)
    return fd


def _is_our_node(pid: int, directory: Path, node: int) -> bool:
    """Whether process ``pid`` runs this cluster's node ``node`` (its command line says so)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    want = [b"impl.runtime.server", b"--dir", str(directory).encode(), b"--id", str(node).encode()]
    return all(w in argv for w in want)


def pid_of(directory: Path, node: int) -> int | None:
    """The pid of a running node, or None (no pid file, the process is gone, or the pid now names another
    process: its start time differs). The lock file is read when the pid file names no running node: a node
    started meanwhile by hand, or by a second `cluster start` whose process then refused (it wrote the pid file)."""
    home = directory / f"node-{node}"
    return _pid_in(home / "pid", directory, node) or _pid_in(home / LOCK)


def _pid_in(f: Path, directory: Path | None = None, node: int = 0) -> int | None:
    """The running process a pid file (or lock file) names, or None (``directory``: a pid file of the old format,
    its pid alone, is trusted only when that process's command line is this node's)."""
    try:
        fields = read_regular(f, 64).split()  # (a FIFO there held every command that looked for the node)
        pid = int(fields[0])
    except (OSError, ValueError, IndexError):
        return None
    st = _proc_stat(pid)
    if st is None:
        return None
    if len(fields) > 1 and st[19] != fields[1].decode():
        return None
    if len(fields) == 1 and (directory is None or not _is_our_node(pid, directory, node)):  # (before start times)
        return None
    if st[0] == "Z":
        _reap(pid)  # killed but not yet collected: not running
        return None
    return pid


NODE_FILES = ("node.log", LOCK, "pid", "boot")


def check_node_files(home: Path, names: tuple[str, ...] = NODE_FILES) -> None:
    """ClusterError naming a file of a node's folder that is something else (a folder, a FIFO, a link to nothing):
    a FIFO as node.log held `cluster start` for ever (its open waited for a reader), one as the lock file failed the
    node with '[Errno 22] Invalid argument'."""
    for name in names:
        if what := not_a_file(home / name):
            raise ClusterError(f"{home / name}: {what}, where a node keeps its {name} file: move it out of the way")


def start_node(directory: Path, node: int) -> int:
    """Start one node process (detached); returns its pid."""
    home = directory / f"node-{node}"
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    check_node_files(home)
    with os.fdopen(os.open(home / "node.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") as out:
        p = subprocess.Popen([sys.executable, "-m", "impl.runtime.server", "--dir", str(directory), "--id", str(node)],
                             stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                             start_new_session=True)
    write_pid(home / "pid", p.pid)
    return p.pid


@contextlib.contextmanager
def editing(directory: Path) -> Iterator[None]:
    """Hold ``DIR/cluster.lock`` (flock; waits for another command holding it) while a command reads, changes and
    writes cluster.json: two `cluster add` at once each read the same highest id and gave it to their new node
    (one port lost), and two `cluster start` of a new folder each wrote their own secret and ports."""
    fd = os.open(directory / "cluster.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def start(directory: Path, nodes: int = 3, wait: float = 20.0, **settings: Any) -> dict[int, int]:
    """Start every node that is not running (creating the cluster if new); wait for a leader.

    Returns the pids of the running nodes; RuntimeError when no leader is elected (or a majority of
    the nodes refused to start)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_private(directory)
    with editing(directory):
        if not (directory / "cluster.json").exists():
            create(directory, nodes, **settings)
    desc = load(directory)
    for i in members(desc):  # (before any node starts: one refused after others had started left them running)
        if pid_of(directory, i) is None:
            check_node_files(directory / f"node-{i}")
    pids = {}
    try:
        for i in members(desc):  # (a node `cluster remove` took out stays stopped)
            _NOT_STARTED.pop((directory.resolve(), i), None)
            try:
                pids[i] = pid_of(directory, i) or start_node(directory, i)
            except OSError as exc:  # its folder cannot be written (read-only, full): down, down_reason says why; it
                # failed the command after the nodes before it had started, and left the rest unstarted
                _NOT_STARTED[(directory.resolve(), i)] = f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
        if wait:
            t0 = time.monotonic()
            leader = asyncio.run(wait_for_leader(directory, wait, need=len(pids) // 2 + 1))
            if leader is None:
                why = "; ".join(f"node {i}: {down_reason(directory, i)}" for i in members(desc)
                                if pid_of(directory, i) is None)
                raise RuntimeError(f"no leader elected within {wait} s ({why or f'see {directory}/node-*/node.log'})")
            asyncio.run(settle(directory, list(pids), wait - (time.monotonic() - t0)))
    finally:
        release_ports(directory)
    return {i: p for i in pids if (p := pid_of(directory, i))}


def down_reason(directory: Path, node: int) -> str:
    """Why a node does not answer: its process runs (stopped, or too busy), or the last 'cannot start' line of its
    node.log since it last listened, or the line it stopped itself with (a full disk: it said 'not running'), or a
    folder it cannot write (a read-only mount: 'not running'), or 'not running'. (A process found running was
    reported 'not running', and a refusal logged before the node's last start, say a second process refused, was
    given as the reason.)"""
    pid = pid_of(directory, node)
    if pid is not None:
        return f"not answering (its process, pid {pid}, is running: stopped, or too busy?)"
    home = directory / f"node-{node}"
    if home.is_dir() and not os.access(home, os.W_OK):
        where = "is on a read-only file system" if os.statvfs(home).f_flag & os.ST_RDONLY else "cannot be written"
        return f"{home} {where}: the node cannot keep its log there"
    if why := _NOT_STARTED.get((directory.resolve(), node)):
        return f"could not be started ({why})"
    try:  # (its last 64 KiB: it was read whole, and a FIFO there held `cluster start` and `status` for ever)
        lines = read_regular(directory / f"node-{node}" / "node.log", 1 << 16, tail=True).decode(
            errors="replace").splitlines()[-200:]
    except OSError:
        return "not running"
    for line in reversed(lines):
        if "cannot start:" in line:
            return line.split("cannot start:", 1)[1].strip()
        if " CRITICAL " in line and ": stopping" in line:  # (it stopped itself: a full disk, a failed fdatasync)
            return line.split(f"node {node}: ", 1)[-1].strip()
        if " listening on " in line:  # (it started after any refusal above: that is not why it is down now)
            break
    return "not running"


async def statuses(directory: Path, wait: float = 0.5) -> dict[int, dict[str, Any] | None]:
    """Each node's status, None for a node that does not answer, or whose port another folder's node answers on
    (a copy of this folder running: its nodes have the secret; this folder's refused the port, and `cluster start`
    said "cluster is up" of them, `status` showing the other's)."""
    client = KVClient.from_dir(directory)
    out: dict[int, dict[str, Any] | None] = {}
    try:
        for i in client.ports:
            try:
                st = await client.status(i, wait)
            except (TimeoutError, OSError, ConnectionError):
                st = None
            out[i] = st if st is None or st.get("pid") in (None, pid_of(directory, i)) else None
    finally:
        await client.close()
    return out


async def wait_for_leader(directory: Path, wait: float, need: int = 0) -> int | None:
    """Poll until a node reports itself leader and has committed its no-op; its id, or None on timeout
    (or as soon as fewer than ``need`` node processes are running)."""
    deadline = time.monotonic() + wait
    ids = [int(k) for k in json.loads((directory / "cluster.json").read_text())["nodes"]]
    while time.monotonic() < deadline:
        if need and sum(pid_of(directory, i) is not None for i in ids) < need:
            await asyncio.sleep(0.2)  # a node that refused exits at once; one more look before giving up
            if sum(pid_of(directory, i) is not None for i in ids) < need:
                return None
        for i, st in (await statuses(directory)).items():
            if st and st["role"] == "Leader" and st["commit"] >= 1:
                return i
        await asyncio.sleep(0.05)
    return None


async def settle(directory: Path, ids: list[int], wait: float) -> None:
    """Wait (at most ``wait`` s) until each node process answers or has exited: a majority may elect a
    leader while another node is still starting and has yet to read, and perhaps refuse, its storage;
    `cluster start` must not report that node as up."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        sts = await statuses(directory)
        if all(sts.get(i) or pid_of(directory, i) is None for i in ids):
            return
        await asyncio.sleep(0.05)


KILLED_WAIT = 60.0
"""Seconds ``stop`` waits for a SIGKILLed node to be gone (a process blocked in an fdatasync dies when it returns)."""


def stop(directory: Path, wait: float = 10.0) -> list[int]:
    """SIGTERM every running node, SIGKILL the ones still up after ``wait`` s; the ids stopped.

    Returns once each has exited, the killed ones too: a node killed in the middle of a write could
    otherwise still change its log after ``stop`` returned (`wal check` once read a log that a node
    still being killed under load went on writing, and found a damage made meanwhile gone)."""
    desc = load(directory)
    running = {int(k): p for k in desc["nodes"] if (p := pid_of(directory, int(k)))}
    for pid in running.values():
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    for i, pid in running.items():
        _ended(directory, i, pid, deadline)
    return sorted(running)


def _ended(directory: Path, node: int, pid: int, deadline: float) -> None:
    """Wait until node process ``pid`` (sent SIGTERM) has exited; SIGKILL it at ``deadline`` and wait on."""
    if not _exited(directory, node, pid, deadline):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        _exited(directory, node, pid, time.monotonic() + KILLED_WAIT)


def _exited(directory: Path, node: int, pid: int, deadline: float) -> bool:
    """Poll until node process ``pid`` has exited (True) or ``deadline`` (``time.monotonic``) passes (False)."""
    while True:
        if pid_of(directory, node) != pid or _reap(pid):  # gone (pid_of also tells a reused pid apart)
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def peer_terms(directory: Path, node: int) -> dict[int, int]:
    """The terms in the durable logs of ``node``'s peers that can be read, by peer (their folders: the cluster is
    local)."""
    out = {}
    for j in load(directory)["nodes"]:
        rep = wal_check(directory / f"node-{j}" / "wal") if int(j) != node else None
        if rep is not None and rep.ok:
            out[int(j)] = rep.term
    return out


TRACE_CATCH_UP = 2.0  # seconds a peer's trace may take to show the term its log was read with


def traced_clock(directory: Path, terms: dict[int, int]) -> int:
    """The highest clock in the traces of the peers whose terms were read (``terms``), each once its trace shows
    that term (a node writes an event's log records, then its trace line: a read can fall between; a peer whose
    trace does not within TRACE_CATCH_UP, killed there or tracing nothing, gives its last clock). A rebuilt node
    traces its Rebuild past it, so the audit's merge places the Rebuild after every peer event the read saw."""
    clock = 0
    traces = {p.parent.name: p for p in trace_files(directory)}
    for j, term in terms.items():
        path = traces.get(f"node-{j}")
        if path is None:
            continue
        deadline, c = time.monotonic() + TRACE_CATCH_UP, 0
        while True:
            try:
                c, t = last_clock_term(path)
            except (OSError, ValueError):  # (a trace being rewritten or damaged: the read's order is then a guess)
                break
            if t >= term or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        clock = max(clock, c)
    return clock


def vote_floor(directory: Path, node: int, terms: dict[int, int] | None = None) -> HardState:
    """The hard state ``node`` is rebuilt with: for Raft the highest term in its peers' durable logs (``terms``, else
    read now), voted for itself (impl.raft.rejoin); for Multi-Paxos a promise above every ballot its peers promised
    (impl.multipaxos.rejoin); ClusterError when too few can be read."""
    terms = peer_terms(directory, node) if terms is None else terms
    desc = load(directory)
    n = len(desc["nodes"])
    try:
        if protocol_of(desc) == "multipaxos":
            return HardState(rebuilt_promise(node, n, list(terms.values())), 0)
        return rebuilt_hard_state(node, n, list(terms.values()))
    except ValueError as exc:
        raise ClusterError(f"cannot rebuild node {node}: {exc} (repair or recover the others first)") from exc


def _aside(home: Path) -> Path:
    """Where recover-node moves a node's storage: ``wal.damaged-`` and the time, a number after it when that is taken
    (a second recover-node within the second, its first having failed, refused with 'wal: Directory not empty')."""
    stamp = f"wal.damaged-{time.strftime('%Y%m%d-%H%M%S')}"
    return next(p for k in range(1 << 20) if not (p := home / (f"{stamp}-{k}" if k else stamp)).exists())


def _enough_voters(directory: Path, node: int) -> None:
    """ClusterError unless a quorum of the members could still vote with ``node`` rebuilt: a rejoining node does not
    vote until a leader brought it up to date, so with a majority rejoining no leader can ever be elected (two nodes
    of three recovered at once: the third campaigned forever, their storage, intact, set aside)."""
    desc = load(directory)
    ids = members(desc)
    rejoining = [j for j in ids if j != node and os.path.lexists(directory / f"node-{j}" / REJOINING)]
    voters, quorum = len(ids) - len(rejoining) - (node in ids), len(ids) // 2 + 1
    if voters < quorum:
        raise ClusterError(f"cannot rebuild node {node}: node{'s' if len(rejoining) > 1 else ''} "
                           f"{', '.join(map(str, rejoining))} {'are' if len(rejoining) > 1 else 'is'} still rejoining, "
                           f"and with node {node} rebuilt too {voters} of the {len(ids)} nodes could vote (a leader "
                           f"needs {quorum}): recover one node at a time, once the last has caught up (cluster status)")


def recover_node(directory: Path, node: int, wait: float = 30.0) -> Path | None:
    """Rebuild a (stopped) node's storage from its peers: the old storage is moved aside, the node starts
    empty and does not vote or campaign until it has caught up. The folder the old storage went to (None: it had
    none)."""
    desc = load(directory)
    if node in desc.get("removed", ()):  # (its storage was set aside, and it waited --wait to catch up, in vain)
        raise ClusterError(f"node {node} was removed from the configuration (`cluster remove`): no leader sends it "
                           "anything to catch up with; `cluster add` adds a new node")
    if pid_of(directory, node) is not None:
        raise RuntimeError(f"node {node} is running; stop it (or kill it) before recovering its storage")
    terms = peer_terms(directory, node)
    floor = vote_floor(directory, node, terms)
    clock = traced_clock(directory, terms)
    home = directory / f"node-{node}"
    for name in (REJOINING, "boot"):  # (found only once the storage was set aside: the node was left no log)
        if what := not_a_file(home / name):
            raise ClusterError(f"{home / name}: {what}, where recover-node writes the node's {name} file: move it "
                               "out of the way first")
    home.mkdir(mode=0o700, parents=True, exist_ok=True)  # (a folder lost whole, the disk replaced, is rebuilt too)
    with editing(directory):  # (two recover-node at once each found the other's node not yet rejoining)
        _enough_voters(directory, node)
        try:
            fd = lock_node(home)  # (no node process may start on the folder while its storage is replaced)
        except ClusterError as exc:
            raise RuntimeError(f"node {node} is running ({exc}); stop it before recovering its storage") from None
        try:
            moved = _rebuild_storage(directory, node, floor, rebuilt_marker(terms, clock))
        finally:
            os.ftruncate(fd, 0)  # (its pid would name this command as the node's process)
            os.close(fd)
    start_node(directory, node)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        st = asyncio.run(statuses(directory)).get(node)
        if st is not None and not st.get("rejoining", True):
            return moved
        if pid_of(directory, node) is None:
            raise RuntimeError(f"node {node} did not start: {down_reason(directory, node)}")
        time.sleep(0.1)
    raise RuntimeError(f"node {node} has not caught up within {wait} s (is a majority of the others up?)")


REBUILDING = "wal.rebuilding"
"""The folder in a node's where `recover-node` builds its new log before putting it in place (a leftover of a
recover-node killed there is removed by the next)."""


def _rebuild_storage(directory: Path, node: int, floor: HardState, marker: str) -> Path | None:
    """Replace a node's log by an empty one holding the vote floor, with the rejoining marker (and the boot count),
    in an order that leaves, wherever a kill -9 or a power cut stops it, either the old log and no marker, or no log
    (the start refuses in one line; recover-node again finishes), or the marker with the whole new log. The new log
    was created in place after the marker: killed between its creation and the floor's fsync, the node came back
    rejoining with a log at term 0, to vote, once caught up, in a term it may have voted in before. The folder the
    old storage went to (None: there was none)."""
    home = directory / f"node-{node}"
    staged = home / REBUILDING
    if os.path.isdir(staged) and not os.path.islink(staged):
        shutil.rmtree(staged)
    elif os.path.lexists(staged):
        staged.unlink()
    init_node(directory, node, floor, wal_dir=REBUILDING)  # (synced, beside the old log, which stays in use)
    rebuilt_boot(home / "boot")
    moved = _aside(home) if os.path.lexists(home / "wal") else None
    if moved is not None:
        (home / "wal").rename(moved)  # from here until the new log is in place, the node has none: refused
    write_marker(home / REJOINING, marker)  # (replaced whole: never a half-written marker the start refuses)
    staged.rename(home / "wal")
    sync_folder(home)
    return moved


async def _change(directory: Path, op: str, node: int, wait: float) -> tuple[bool, str]:
    """Ask the leader for the change; (made, the leader's refusal or a timeout message)."""
    client = KVClient.from_dir(directory, timeout=wait)
    try:
        r = await client.change(op, node)
        if r.kind != OK:  # a retry after a leader crashed may find the change made already (and committed)
            lead = next((st for st in (await statuses(directory)).values() if st and st["role"] == "Leader"), None)
            if lead and (node in lead["members"]) == (op == "add") and lead["config_index"] <= lead["commit"]:
                return True, ""
    finally:
        await client.close()
    return r.kind == OK, (r.value or b"").decode(errors="replace")


async def _leader(directory: Path, after_term: int = 0) -> tuple[int, int] | None:
    """(id, term) of a node that reports itself leader of a term past ``after_term``, or None. The nodes are
    asked at once and the first leader to answer is taken (a paused node would delay a round of statuses)."""
    client = KVClient.from_dir(directory)

    async def ask(i: int) -> tuple[int, dict[str, Any] | None]:
        try:
            return i, await client.status(i, 0.5)
        except (TimeoutError, OSError, ConnectionError):
            return i, None

    tasks = [asyncio.ensure_future(ask(i)) for i in client.ports]
    try:
        for fut in asyncio.as_completed(tasks):
            i, st = await fut
            if st and st["role"] == "Leader" and st["term"] > after_term:
                return i, st["term"]
        return None
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await client.close()


async def _transfer(directory: Path, target: int | None, wait: float) -> tuple[int, int, int, int]:
    desc = load_raft(directory, "leadership transfer is for a Raft cluster only")
    if target is not None and target not in members(desc):
        raise ClusterError(f"--to {target} is not a node of this cluster (its nodes: {_listed(members(desc))})")
    old = await _leader(directory)
    if old is None:
        raise ClusterError("no leader to transfer from (see `paxraft cluster status`)")
    if target == old[0]:
        raise ClusterError(f"node {target} is the leader already")
    client = KVClient.from_dir(directory, timeout=wait)
    try:
        r = await client.transfer(old[0], target or 0, wait)
    except (TimeoutError, OSError, ConnectionError) as exc:
        raise RuntimeError(f"no answer from the leader, node {old[0]} ({exc or 'timed out'})") from exc
    finally:
        await client.close()
    if r.kind == REFUSED:
        why = (r.value or b"").decode(errors="replace")
        if why.startswith("abandoned"):
            raise RuntimeError(f"transfer {why}; node {old[0]} leads on")
        raise ClusterError(f"node {old[0]} refused the transfer: {why}")
    if r.kind != OK:
        raise RuntimeError(f"node {old[0]} is no longer the leader (another transfer or an election)")
    deadline = time.monotonic() + wait
    while (new := await _leader(directory, old[1])) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"node {old[0]} stepped down, but no new leader within {wait} s")
        await asyncio.sleep(0.02)
    return old[0], old[1], new[0], new[1]


def transfer(directory: Path, target: int | None = None, wait: float = 10.0) -> tuple[int, int, int, int]:
    """Hand leadership over to ``target`` (None: the leader picks the member whose log is most complete):
    the leader stops taking writes, brings the target up to date and sends it TimeoutNow, which starts an
    election at once; waits for the new leader. (old leader, its term, new leader, its term); ClusterError
    for bad input (one line: an unknown node, no leader, the target leads already, a transfer running);
    RuntimeError when the transfer was abandoned (not finished in an election timeout: the old leader takes
    writes again) or no answer came."""
    return asyncio.run(_transfer(directory, target, wait))


def add_node(directory: Path, wait: float = 60.0) -> tuple[int, int]:
    """Add a new Raft node (single-server change, docs/membership.md): it gets the next id and a port in
    cluster.json, starts with an empty log, catches up as a learner (no vote), then the leader appends the
    configuration that adds it. (its id, its pid); ClusterError when the leader refuses (one line),
    RuntimeError when no answer comes within ``wait`` s."""
    with editing(directory):  # (until the change is made: another add would take the same id)
        return _add_node(directory, wait)


def _add_node(directory: Path, wait: float) -> tuple[int, int]:
    desc = load_raft(directory, "membership changes are made in a Raft cluster only")
    desc.setdefault("members", members(desc))  # the initial configuration
    node = _left_over(directory, desc) or max(map(int, desc["nodes"])) + 1
    _stop_one(directory, node)  # (a left-over node `cluster start` started: it goes on, on a new port)
    socks = reserve_ports(1)
    _RESERVED[directory.resolve()] = socks
    pid = None
    try:
        desc["nodes"][str(node)] = socks[0].getsockname()[1]
        try:
            init_node(directory, node, desc=desc)
        except (WALError, OSError) as exc:  # (a folder copied from another node, damaged, not a folder)
            raise ClusterError(f"node {node} was not added: its folder cannot be used ({exc}); move "
                               f"{directory / f'node-{node}'} aside and add again") from None
        save(directory, desc)
        pid = start_node(directory, node)
        made, why = asyncio.run(_add_change(directory, node, wait))
    except Exception:
        release_ports(directory)
        if pid is not None:  # no leader answered (ClientError): the node started for the change is not left running
            _stop_one(directory, node)
        raise
    release_ports(directory)
    if not made:
        _stop_one(directory, node)
        raise ClusterError(f"node {node} was not added: {why}; {_roll_back_add(directory, node)}")
    return node, pid


async def _add_change(directory: Path, node: int, wait: float) -> tuple[bool, str]:
    """:func:`_change` of an add, given up once the new node's process has ended (its folder refused, a port
    taken): the command waited all of --wait for a node that would never catch up, then said only that no
    answer came."""
    change = asyncio.ensure_future(_change(directory, "add", node, wait))
    while not change.done():
        await asyncio.wait([change], timeout=0.1)
        if not change.done() and pid_of(directory, node) is None:
            change.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await change
            return False, f"it stopped before it was added ({down_reason(directory, node)})"
    return change.result()


def _left_over(directory: Path, desc: dict[str, Any]) -> int | None:
    """A node cluster.json names that the leader's latest configuration (committed or not) does not hold, nor was
    removed: an add cut short (the command killed once it had written cluster.json, or no answer in --wait, or a
    refusal kept). The next add goes on with it (its id, its folder) rather than leaving it named forever, started
    by every `cluster start`, a node of no configuration, while another id was added. None without a leader."""
    leads = [st for st in asyncio.run(statuses(directory)).values() if st and st["role"] == "Leader"]
    if not leads:
        return None
    lead = max(leads, key=lambda st: st["term"])  # (not a deposed leader that has not heard yet)
    return next((i for i in members(desc) if i not in lead["members"]), None)


def _roll_back_add(directory: Path, node: int) -> str:
    """After the leader refused to add ``node`` (stopped): take its id and port out of cluster.json (`start` kept
    starting it, a node of no configuration) when no configuration holding it can ever commit: the leader's
    latest one (committed or not) does not hold it, is committed, and so is an entry of the leader's term (an
    entry another node may hold but this leader does not can then never commit). Its folder stays: its trace
    is part of the run the audit reads, and a later add takes the same id and goes on from its storage. What
    was done, for the refusal's line."""
    sts = asyncio.run(statuses(directory))
    lead = next((st for st in sts.values() if st and st["role"] == "Leader"), None)
    if lead is None or node in lead["members"] or lead["config_index"] > lead["commit"] \
            or lead.get("commit_term") != lead["term"]:
        return (f"node {node} stays in cluster.json (stopped; `cluster start` starts it): no leader that has "
                "committed an entry of its term says it holds no configuration with it")
    desc = load(directory)
    del desc["nodes"][str(node)]
    save(directory, desc)
    return (f"cluster.json is as before (node-{node}/ is kept: its trace is part of the run the audit reads, and "
            "the next add goes on from it)")


def remove_node(directory: Path, node: int, wait: float = 30.0) -> None:
    """Remove ``node`` from the configuration (single-server change), then stop it; ClusterError when the
    leader refuses (the last member, a change pending, not a member: one line)."""
    with editing(directory):
        _remove_node(directory, node, wait)


def _remove_node(directory: Path, node: int, wait: float) -> None:
    desc = load_raft(directory, "membership changes are made in a Raft cluster only")
    if node not in members(desc):
        raise ClusterError(f"--node {node} is not a node of this cluster (its nodes: {_listed(members(desc))})")
    desc.setdefault("members", members(desc))
    save(directory, desc)
    made, why = asyncio.run(_change(directory, "remove", node, wait))
    if not made:
        raise ClusterError(f"node {node} was not removed: {why}")
    desc = load(directory)
    desc["removed"] = sorted({*desc.get("removed", ()), node})
    save(directory, desc)
    _stop_one(directory, node)


def _stop_one(directory: Path, node: int, wait: float = 10.0) -> None:
    """SIGTERM one node, SIGKILL after ``wait`` s; returns once it has exited (as :func:`stop`)."""
    pid = pid_of(directory, node)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    _ended(directory, node, pid, time.monotonic() + wait)


def _reap(pid: int) -> bool:
    """Collect a child that exited (when the caller started it), so it does not linger as a zombie."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == pid
