"""How the workers of :mod:`modelcheck.engine.search` talk: in this process, forked processes, or Ray actors.

A transport runs ``Partition`` methods on every worker (``call``) and gives each worker an
``exchange(tag, out)``: ``out[d]`` goes to worker ``d`` and the result holds, per source
worker, what it sent here. Payloads are pickled once by the sender (numpy arrays travel as
flat buffers) and their bytes and messages are counted; nothing else crosses a boundary.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait
from typing import Any

from modelcheck.engine.faults import locate
from modelcheck.engine.search import Partition
from spec.core import SpecError
from spec.registry import install_user_modules

PHASES = ("ask", "decide", "ship")


class InProcess:
    """One worker, in this process: the exchanges are identities."""

    name = "in-process"

    def __init__(self, make: Callable[[int, int], Partition]) -> None:
        self.n = 1
        self.part = make(0, 1)

    def call(self, method: str, *args: Any) -> list[Any]:
        return [getattr(self.part, method)(*args)]

    def close(self) -> None:
        pass


def _counting_exchange(part: Partition, send: Callable[[int, str, bytes], None], recv: Callable[[str], tuple]) -> None:
    """Give ``part`` an exchange over ``send``/``recv`` that pickles once and counts what it sends."""
    w, n = part.w, part.n

    def exchange(tag: str, out: list[Any]) -> list[Any]:
        for d in range(n):
            if d != w:
                data = pickle.dumps(out[d], protocol=5)
                part.bytes_sent += len(data)
                part.messages_sent += 1
                send(d, tag, data)
        got: list[Any] = [None] * n
        got[w] = out[w]
        for _ in range(n - 1):
            t0 = time.perf_counter()
            src, data = recv(tag)
            part.wait += time.perf_counter() - t0
            got[src] = pickle.loads(data)
        return got

    part.exchange = exchange


def _serve(make: Callable[[int, int], Partition], w: int, n: int, queues: dict[str, list[Any]], conn: Any) -> None:
    """A forked worker: run the coordinator's calls until told to stop."""
    gc.disable()  # states are acyclic: the cyclic collector would only rescan them
    # Ctrl-C and SIGTERM sent to the process group are the coordinator's to handle (it checkpoints, asking the
    # workers to save); a handler the parent had (an application's) is not inherited: a worker that ran it went
    # on, and LocalProcesses.close, which ends workers with SIGKILL, used to send SIGTERM
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    part = make(w, n)
    _counting_exchange(part, lambda d, tag, data: queues[tag][d].put((w, data)), lambda tag: queues[tag][w].get())
    while True:
        try:
            method, args = conn.recv()
        except EOFError:  # the coordinator is gone (killed): nothing left to do
            return
        if method is None:
            conn.close()
            return
        try:
            conn.send(getattr(part, method)(*args))
        except (Exception, SystemExit, KeyboardInterrupt) as exc:  # report to the coordinator instead of leaving it
            # waiting (sys.exit() or KeyboardInterrupt in the spec's code ended the worker: 'internal error: EOFError')
            try:  # located here: tracebacks do not cross pipes
                exc.paxraft_fault = locate(exc)  # type: ignore[union-attr]
            except Exception:  # (never the end of the worker: the coordinator waited, then 'internal error: EOFError')
                exc.paxraft_fault = None  # type: ignore[union-attr]
            conn.send(exc)


def _exit_with_parent(parent: int) -> None:
    """A coordinator killed with SIGKILL cannot stop its workers: they notice and exit."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


CLOSE_GRACE = 5.0  # seconds a stopped worker gets to exit before it is terminated


class LocalProcesses:
    """``n`` forked worker processes; exchanges go through one queue per worker and phase."""

    name = "local processes"

    def __init__(self, make: Callable[[int, int], Partition], n: int) -> None:
        self.n = n
        ctx = mp.get_context("fork")
        queues = {tag: [ctx.Queue() for _ in range(n)] for tag in PHASES}
        self.conns, self.procs = [], []
        for w in range(n):
            parent_end, child_end = ctx.Pipe()
            p = ctx.Process(target=_serve, args=(make, w, n, queues, child_end), daemon=True)
            p.start()
            self.conns.append(parent_end)
            self.procs.append(p)

    def call(self, method: str, *args: Any) -> list[Any]:
        for c in self.conns:
            c.send((method, args))
        replies: dict[int, Any] = {}
        waiting = {c: w for w, c in enumerate(self.conns)}
        while waiting:  # a worker that failed leaves the others blocked on its queues: do not wait for them
            for c in wait(list(waiting)):  # type: ignore[assignment]  # (of self.conns: Connections)
                out = c.recv()
                if isinstance(out, BaseException):
                    self.close(force=True)
                    raise out
                replies[waiting.pop(c)] = out
        return [replies[w] for w in range(self.n)]

    def close(self, force: bool = False) -> None:
        for c, p in zip(self.conns, self.procs):
            if force:
                p.kill()
            else:
                try:
                    c.send((None, ()))
                except OSError:
                    p.kill()
        # An idle worker exits at once. One can be blocked for good: a Ctrl-C that lands between the
        # sends of one call leaves a worker in that call's exchange waiting on a peer that was told to stop.
        deadline = time.monotonic() + CLOSE_GRACE
        for p in self.procs:
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join()


class _Inbox:
    """Messages delivered to a Ray actor by its peers, by tag, until its exchange takes them."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.items: dict[str, list[tuple[int, bytes]]] = {}

    def put(self, tag: str, src: int, data: bytes) -> None:
        with self.cond:
            self.items.setdefault(tag, []).append((src, data))
            self.cond.notify_all()

    def get(self, tag: str) -> tuple[int, bytes]:
        with self.cond:
            self.cond.wait_for(lambda: bool(self.items.get(tag)))
            return self.items[tag].pop(0)


class RayWorker:
    """A Ray actor holding one partition; peers deliver exchange payloads to it directly."""

    def __init__(self, make: bytes, modules: list[tuple[str, str, str]], w: int, n: int) -> None:
        gc.disable()
        # A spec from a user's file names its module, which this process loads from the shipped
        # source first; the states it makes then pickle by name, as in the driver.
        install_user_modules(modules)
        self.part = pickle.loads(make)(w, n)
        self.inbox = _Inbox()
        self.peers: list[Any] = []

    def connect(self, peers: list[Any]) -> str:
        self.peers = peers
        _counting_exchange(self.part, lambda d, tag, data: self.peers[d].deliver.remote(tag, self.part.w, data),
                           self.inbox.get)
        return os.uname().nodename + f":{os.getpid()}"

    def str_hash(self) -> int:
        """This process's hash of the probe string (:data:`modelcheck.engine.checkpoint.PROBE`)."""
        from modelcheck.engine.checkpoint import PROBE

        return hash(PROBE)

    def deliver(self, tag: str, src: int, data: bytes) -> None:
        self.inbox.put(tag, src, data)

    def call(self, method: str, args: tuple) -> Any:
        return getattr(self.part, method)(*args)


def ray_init(address: str | None) -> Any:
    """Connect to the Ray cluster at ``address`` (or ``RAY_ADDRESS``), or start a local runtime once."""
    try:
        import ray
    except ImportError:
        raise SpecError("--ray needs the ray package: pip install 'ray>=2.9'") from None
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS") or None
        kwargs: dict[str, Any] = {"address": address} if address else {"include_dashboard": False}
        ray.init(logging_level="ERROR", log_to_driver=False, **kwargs)  # type: ignore[arg-type]  # (a name: ray takes it)
    return ray


class RayActors:
    """``n`` Ray actors, placed by Ray on the cluster's nodes; exchanges go actor to actor."""

    name = "ray"

    def __init__(self, make: Callable[[int, int], Partition], n: int, address: str | None,
                 modules: Sequence[tuple[str, str, str]] = ()) -> None:
        ray = ray_init(address)
        from ray import cloudpickle  # pickles the partial by reference: the modules go beside it
        self.ray, self.n = ray, n
        # SPREAD: one actor per node while there are nodes, so a cluster's machines share the work
        actor = ray.remote(num_cpus=0.5, max_concurrency=n + 2, scheduling_strategy="SPREAD")(RayWorker)
        if os.environ.get("PYTHONHASHSEED"):  # a state's fingerprint is its hash: strings must hash as here
            actor = actor.options(runtime_env={"env_vars": {"PYTHONHASHSEED": os.environ["PYTHONHASHSEED"]}})
        made = cloudpickle.dumps(make)
        self.actors = [actor.remote(made, list(modules), w, n) for w in range(n)]
        self.nodes = ray.get([a.connect.remote(self.actors) for a in self.actors])
        self.str_hashes = set(ray.get([a.str_hash.remote() for a in self.actors]))

    def call(self, method: str, *args: Any) -> list[Any]:
        return self.ray.get([a.call.remote(method, args) for a in self.actors])

    def close(self, force: bool = False) -> None:
        for a in self.actors:
            self.ray.kill(a)
