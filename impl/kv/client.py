"""The key-value client: finds the leader, retries safely, pipelines over one connection per node.

A :class:`Session` is one client id with a sequence number; a session has one request
outstanding at a time and retries it with the same (client id, sequence number), so a write
that was applied before its reply got lost is not applied twice. Concurrency comes from
many sessions sharing the client's connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from impl.kv.machine import CAS, DELETE, GET, PUT, Command, Result
from impl.kv.protocol import (
    HELLO_CLIENT,
    MAX_COMMAND_BYTES,
    MAX_COMMAND_DATA,
    NOT_LEADER,
    OK,
    REFUSED,
    Response,
    batches,
    check_command_size,
    command_size,
    decode_responses,
    encode_change_request,
    encode_request,
)
from impl.raft.messages import FrameDecoder, WireError, frame_with_key, mac_key
from impl.raft.rules import NO_ENTRY_OF_TERM
from impl.runtime.busypoll import BusyPoll

Pending = Coroutine[Any, Any, Result]  # what put/get/delete/cas return: call()'s coroutine, not a wrapper around it


class ClientError(RuntimeError):
    """The cluster did not answer in time (no leader reachable)."""

class _Conn(asyncio.Protocol):
    """One connection to a node: the requests of a loop iteration leave in one frame (one write), replies
    are matched by request id."""

    def __init__(self, secret: bytes) -> None:
        self.key = mac_key(secret)
        self.dec = FrameDecoder(secret)
        self.waiting: dict[int, asyncio.Future[Response]] = {}
        self.transport: asyncio.Transport | None = None
        self.out: list[bytes] = []
        self.answered = 0  # requests the last data received answered (more than one: sessions run concurrently)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(frame_with_key(HELLO_CLIENT, self.key))  # type: ignore[attr-defined]

    def send(self, request: bytes) -> None:
        """Send an encoded request (its future already in ``waiting``). Used sequentially (it is the only one
        outstanding, and the last replies answered one request), it leaves at once: the next request waits for
        no turn of the loop (an epoll call and the loop's own work: ~132k -> ~110k client instructions per
        sequential write). Otherwise it is queued, and the requests of one loop iteration leave together in
        one frame (the sessions woken by one frame of replies answer in one frame, which the leader handles
        in one round and one fsync)."""
        if not self.out:
            t = self.transport
            if len(self.waiting) == 1 and self.answered <= 1 and t is not None and not t.is_closing():
                t.write(frame_with_key(request, self.key))
                return
            asyncio.get_running_loop().call_soon(self._flush)
        self.out.append(request)

    def _flush(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            key = self.key
            self.transport.write(b"".join([frame_with_key(b"".join(b), key) for b in batches(self.out)]))
        self.out.clear()

    def data_received(self, data: bytes) -> None:
        try:
            waiting = self.waiting
            answered = 0
            for payload in self.dec.feed(data):
                for r in decode_responses(payload):
                    fut = waiting.pop(r.req_id, None)
                    if fut is not None and not fut.done():
                        fut.set_result(r)
                        answered += 1
            self.answered = answered
        except (WireError, ValueError):
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.close()

    def close(self) -> None:
        for fut in self.waiting.values():
            if not fut.done():
                fut.set_exception(ConnectionError("connection closed"))
        self.waiting.clear()
        if self.transport is not None:
            self.transport.close()

    @property
    def closed(self) -> bool:
        return self.transport is None or self.transport.is_closing()


class _Deadlines:
    """Request timeouts without a timer per request: (deadline, future) pairs, swept every SWEEP_S seconds
    while any are pending (a timer per request cost a heap push, a cancel and a pop per write)."""

    SWEEP_S = 0.01

    def __init__(self) -> None:
        self.items: list[tuple[float, asyncio.Future[Response]]] = []
        self.timer: asyncio.TimerHandle | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def add(self, loop: asyncio.AbstractEventLoop, deadline: float, fut: asyncio.Future[Response]) -> None:
        if loop is not self.loop:  # a client used from a new event loop: the old loop's timer and futures are gone
            self.items, self.timer, self.loop = [], None, loop
        self.items.append((deadline, fut))
        if self.timer is None:
            self.timer = loop.call_later(self.SWEEP_S, self._sweep, loop)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        keep = []
        for item in self.items:
            fut = item[1]
            if fut.done():
                continue
            if item[0] <= now:
                fut.set_exception(TimeoutError())
            else:
                keep.append(item)
        self.items = keep
        self.timer = loop.call_later(self.SWEEP_S, self._sweep, loop) if keep else None


class Session:
    """One client id and its sequence numbers."""

    def __init__(self, client: int) -> None:
        self.client = client
        self.seq = 0

    def next(self) -> int:
        self.seq += 1
        return self.seq


def attempt_wait(cmd: Command) -> float:
    """How long one attempt of ``cmd`` waits for its answer before asking again (the next node, as the one asked
    may be down): a second, and one more per 4 MiB of the command, which a majority must receive and write before
    it is answered. A 16 MiB put asked again each second was sent to a follower that refused it (not the leader)
    and back, 32 MiB more per second through a cluster still writing the first copy."""
    return 1.0 + command_size(cmd.key, cmd.value, cmd.expected) / (4 << 20)


class KVClient:
    """Talks to a cluster given its nodes' ports and secret (or its directory)."""

    def __init__(self, ports: dict[int, int], secret: bytes, timeout: float = 10.0, busy_poll_us: int = 0) -> None:
        self.ports = dict(sorted(ports.items()))
        self.busy_poll_us = busy_poll_us  # how long the loop polls after a request left (impl/runtime/busypoll.py)
        self._poller: BusyPoll | None = None
        self.secret = secret
        self.timeout = timeout
        self.max_command = MAX_COMMAND_DATA  # the cluster's max_command_bytes (from_dir reads it; the nodes check)
        self.leader = next(iter(self.ports))
        self._conns: dict[int, _Conn] = {}
        self._deadlines = _Deadlines()
        self._ids = itertools.count(1)
        self.default = self.session()
        self.retries = 0
        self.directory: Path | None = None  # where cluster.json is, to learn servers added after we started

    def _knows(self, node: int) -> bool:
        """Whether ``node``'s port is known, re-reading cluster.json once for a server added since."""
        if node not in self.ports and self.directory is not None:
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
                nodes = json.loads((self.directory / "cluster.json").read_text())["nodes"]
                self.ports = dict(sorted({**self.ports, **{int(k): int(v) for k, v in nodes.items()}}.items()))
        return node in self.ports

    @classmethod
    def from_dir(cls, directory: str | os.PathLike[str], timeout: float = 10.0, busy_poll_us: int = 0) -> KVClient:
        """A client for the cluster described in ``DIR/cluster.json``."""
        c = json.loads((Path(directory) / "cluster.json").read_text())
        client = cls({int(k): v for k, v in c["nodes"].items()}, bytes.fromhex(c["secret"]), timeout, busy_poll_us)
        client.directory = Path(directory)
        client.max_command = c.get("max_command_bytes", MAX_COMMAND_BYTES)
        return client

    def session(self) -> Session:
        """A new session (a fresh random client id)."""
        return Session(int.from_bytes(os.urandom(8), "big") >> 1)

    async def _connect(self, node: int) -> _Conn:
        loop = asyncio.get_running_loop()
        _, c = await asyncio.wait_for(
            loop.create_connection(lambda: _Conn(self.secret), "127.0.0.1", self.ports[node]), 1.0)
        self._conns[node] = c
        return c

    async def _ask(self, node: int, cmd: Command | None, wait: float, change: tuple[str, int] | None = None
                   ) -> Response:
        c = self._conns.get(node)
        if c is None or c.closed:
            c = await self._connect(node)
        loop = asyncio.get_running_loop()
        rid, fut = self._request(loop, c, cmd, loop.time() + wait, change)
        try:
            return await fut
        finally:
            c.waiting.pop(rid, None)

    def _request(self, loop: asyncio.AbstractEventLoop, c: _Conn, cmd: Command | None,
                 deadline: float, change: tuple[str, int] | None = None) -> tuple[int, asyncio.Future[Response]]:
        """Queue a request on a connection (a membership ``change`` instead of ``cmd`` when given): its id and the
        future of its response (failed at ``deadline``)."""
        rid = next(self._ids)
        fut: asyncio.Future[Response] = loop.create_future()
        c.waiting[rid] = fut
        c.send(encode_request(rid, cmd) if change is None else encode_change_request(rid, *change))
        self._deadlines.add(loop, deadline, fut)
        if self.busy_poll_us:
            if self._poller is None or self._poller.loop is not loop:
                self._poller = BusyPoll(loop, self.busy_poll_us, lambda: any(c.waiting for c in self._conns.values()))
            self._poller.arm()  # (until every reply is in, or the window ends)
        return rid, fut

    async def call(self, cmd: Command) -> Result:
        """Send a command to the leader, following hints and retrying (same sequence number) until answered."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        deadline = now + self.timeout
        target = self.leader
        while now < deadline:
            r: Response | None = None
            try:  # _ask inlined: one coroutine frame fewer per request
                c = self._conns.get(target)
                if c is None or c.closed:
                    c = await self._connect(target)
                rid, fut = self._request(loop, c, cmd, now + min(attempt_wait(cmd), max(0.05, deadline - now)))
                try:
                    r = await fut
                finally:
                    c.waiting.pop(rid, None)
            except (TimeoutError, OSError, ConnectionError):
                pass
            if r is not None and r.kind == OK:
                self.leader = target
                return Result(r.status, r.value)
            if r is not None and r.kind == REFUSED:  # (a command larger than the cluster's max_command_bytes)
                raise ClientError(f"node {target} refused the command: {(r.value or b'').decode(errors='replace')}")
            self.retries += 1
            now = loop.time()
            target, hinted = self._redirect(target, r)
            if hinted:
                continue
            await asyncio.sleep(0.02)
            now = loop.time()
        # the next call starts where this one would have gone on: with a timeout no longer than one attempt
        # (attempt_wait), every call asked the node that last answered, and a stopped leader (SIGSTOP, a hung
        # machine) got every call of this client until it came back, whatever the others had elected meanwhile
        self.leader = target
        raise ClientError(f"no answer from the cluster within {self.timeout} s (nodes {list(self.ports)})")

    def _redirect(self, target: int, r: Response | None) -> tuple[int, bool]:
        """Whom to ask after ``target`` answered ``r`` (None: nothing): the leader it named (True: at once), else
        the next node. A hint naming a server added after this client started is followed once cluster.json
        gives its port (a client built from ports alone cannot: it asks the next node it knows)."""
        if r is not None and r.kind == NOT_LEADER and r.leader and r.leader != target and self._knows(r.leader):
            return r.leader, True
        nodes = list(self.ports)
        return nodes[(nodes.index(target) + 1) % len(nodes)], False

    def _cmd(self, op: int, key: bytes, value: bytes = b"", expected: bytes | None = None,
             session: Session | None = None) -> Command:
        check_command_size(key, value, expected, self.max_command)  # (before a sequence number is taken)
        s = session or self.default
        return Command(op, s.client, s.next() if op != GET else 0, key, value, expected)

    def put(self, key: bytes, value: bytes, session: Session | None = None) -> Pending:
        """Set ``key`` to ``value``."""
        return self.call(self._cmd(PUT, key, value, session=session))

    def get(self, key: bytes) -> Pending:
        """A linearizable read (ReadIndex on the leader)."""
        return self.call(self._cmd(GET, key))

    def delete(self, key: bytes, session: Session | None = None) -> Pending:
        """Remove ``key``; the result carries the old value."""
        return self.call(self._cmd(DELETE, key, session=session))

    def cas(self, key: bytes, expected: bytes | None, value: bytes, session: Session | None = None) -> Pending:
        """Set ``key`` to ``value`` if it currently is ``expected`` (None: absent)."""
        return self.call(self._cmd(CAS, key, value, expected, session=session))

    async def change(self, op: str, node: int) -> Response:
        """Ask the leader to ``add`` or ``remove`` ``node`` (one server at a time, docs/membership.md): the
        response, OK once the change is committed or REFUSED with the reason; hints and retries as :meth:`call`
        (a retry after a lost reply may be refused as already done). A leader that has not yet committed an
        entry of its term (just elected: it will within a round trip) is asked again until the timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        target = self.leader
        waited: Response | None = None  # the last refusal that passes by itself
        while loop.time() < deadline:
            r: Response | None = None
            with contextlib.suppress(TimeoutError, OSError, ConnectionError):  # the whole time left: a new
                r = await self._ask(target, None, deadline - loop.time(), (op, node))  # server may take a while
            if r is not None and r.kind == REFUSED and (r.value or b"").startswith(NO_ENTRY_OF_TERM.encode()):
                waited = r
                await asyncio.sleep(0.01)
                continue
            if r is not None and r.kind in (OK, REFUSED):
                self.leader = target
                return r
            target, hinted = self._redirect(target, r)
            if not hinted:
                await asyncio.sleep(0.05)
        if waited is not None:
            return waited
        raise ClientError(f"no answer from the cluster within {self.timeout} s (nodes {list(self.ports)})")

    async def transfer(self, leader: int, target: int, wait: float) -> Response:
        """Ask node ``leader`` to hand leadership to ``target`` (0: it picks): OK once it has stepped down,
        REFUSED with the reason (also when it gave the transfer up), NOT_LEADER; asked of that node only (a
        retry elsewhere would ask another leader). ConnectionError/TimeoutError when no answer comes."""
        return await self._ask(leader, None, wait, ("transfer", target))

    async def status(self, node: int, wait: float = 1.0) -> dict[str, Any]:
        """A node's status (term, role, commit index, ...), asked of that node directly."""
        r = await self._ask(node, None, wait)
        return json.loads(r.value or b"{}")

    async def close(self) -> None:
        """Close every connection."""
        for c in self._conns.values():
            c.close()
        self._conns = {}

