"""The connection between two nodes: one per pair, carrying both directions.

The lower id dials (:class:`PeerLink` with ``dials``), the higher id accepts; each writes its frames to
the peer on that one connection and reads the peer's from it. With a connection per direction (each node
writing only on the one it dialed) every AppendEntries and every acknowledgement drew a pure TCP ACK back,
processed inside the sender's ``write``; on one connection the answer carries the ACK.

The handshake, every frame of it authenticated with the cluster secret (impl/raft/messages.py):

1. the dialer sends ``HELLO_PEER`` + its id + a fresh nonce;
2. the acceptor answers ``HELLO_PEER`` + its own id + that nonce + a fresh nonce of its own;
3. the dialer answers ``HELLO_PEER`` + the acceptor's nonce; only then does either side send messages.

A recorded hello replayed later cannot answer step 2's fresh nonce, so it can neither take the pair's
connection over nor deliver old messages; a recorded answer cannot pass for a live acceptor either. Until step
3 the acceptor holds the connection to the pre-authentication frame size (server.PRE_AUTH_FRAME).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import struct
from typing import TYPE_CHECKING

from impl.kv.protocol import HELLO_PEER
from impl.raft.messages import FrameDecoder, Message, WireError, frame_with_key
from impl.runtime.chunks import WINDOW, Outgoing, enqueue, identity
from impl.runtime.timeline import RECV_PEER

if TYPE_CHECKING:
    from impl.runtime.server import NodeServer

log = logging.getLogger("paxraft.node")
QUEUE_LIMIT = 10_000  # frames kept per unconnected peer; beyond that the oldest are dropped (Raft retransmits)
WRITE_BUFFER_LIMIT = 64 << 20  # bytes a connected peer may fall behind before frames to it are dropped
PRE_AUTH_FRAME = 1024  # the largest frame of a connection that has not yet authenticated (a hello, a challenge)
NONCE = 16
REDIAL_DOWN = 0.1  # the longest wait between two dials of a peer that is down (redial_wait)
REDIAL_REFUSED = 1.0  # ... and of one that refuses our hello
_ID = struct.Struct(">H")


def dials(me: int, peer: int) -> bool:
    """Whether ``me`` opens the connection to ``peer`` (the lower id does)."""
    return me < peer


def redial_wait(last: float, refused: bool) -> float:
    """The wait before the next dial of a peer after waiting ``last``: doubled, up to REDIAL_REFUSED for a peer
    that closed our hello unanswered (it logs each refusal), up to REDIAL_DOWN for one nobody listens for (a failed
    connect costs neither side anything else, and a restarted peer cannot dial a lower id: it hears nothing until
    we dial; with a 1 s cap a killed follower took 0.78 s from its restart to catching up, 0.17-0.27 s with 0.1)."""
    return min(last * 2, REDIAL_REFUSED if refused else REDIAL_DOWN)


def hello(me: int, nonce: bytes) -> bytes:
    """Step 1: the dialer's hello."""
    return HELLO_PEER + _ID.pack(me) + nonce


def read_hello(payload: bytes) -> tuple[int, bytes]:
    """(the dialer's id, its nonce) of a peer hello; WireError if it is not one."""
    if len(payload) != 1 + _ID.size + NONCE:
        raise WireError(f"peer hello of {len(payload)} bytes, not {1 + _ID.size + NONCE}")
    return _ID.unpack_from(payload, 1)[0], payload[1 + _ID.size :]


def challenge(me: int, their: bytes, mine: bytes) -> bytes:
    """Step 2: the acceptor's answer, echoing the dialer's nonce, with its own."""
    return HELLO_PEER + _ID.pack(me) + their + mine


def proof(nonce: bytes) -> bytes:
    """Step 3: the dialer's answer to the acceptor's nonce."""
    return HELLO_PEER + nonce


def pre_auth_frames(first: bytes) -> int:
    """Frames of an incoming connection held to PRE_AUTH_FRAME: the hello, and a peer's answer to the challenge."""
    return 2 if first[:1] == HELLO_PEER else 1


class PeerLink(asyncio.Protocol):
    """The connection to one peer: frames collected during a round and written with one ``write`` per round
    while connected; kept (up to QUEUE_LIMIT) while (re)connecting.

    A dialing link connects (with backoff) and reads the peer's frames itself; an accepting link is given its
    connection by :meth:`adopt` once an incoming connection from the peer completed the handshake."""

    def __init__(self, node: NodeServer, peer: int, port: int) -> None:
        self.node, self.peer, self.port = node, peer, port
        self.pending: list[bytes] = []
        self.transport: asyncio.Transport | None = None
        self.dropped = 0
        self.dials = dials(node.id, peer)
        loop = asyncio.get_running_loop()
        self.lost = loop.create_future()
        self.task = loop.create_task(self._run()) if self.dials else None
        self._conn: asyncio.Transport | None = None  # a dialed connection, handshake or not
        self._dec = FrameDecoder(node.secret, max_frame=node.peer_frame, first_max=PRE_AUTH_FRAME)
        self._nonce = b""
        self.outgoing: list[Outgoing] = []  # messages longer than a frame, sent in chunks (the first in progress)
        self.transfers = 0  # messages sent in chunks (each transfer's number)
        self.written: dict[tuple[int, ...], tuple[asyncio.Transport, float]] = {}  # sent whole: on which, when

    def send(self, frame: bytes) -> None:
        """Queue a frame; :meth:`flush` writes it."""
        self.pending.append(frame)

    def send_chunked(self, m: Message, payload: bytes) -> None:
        """Send ``m`` (encoded: ``payload``, longer than a frame) in chunks, after those queued (:func:`enqueue`);
        not again on the connection that carried all of it within the last ``resend_after`` seconds.

        Heartbeats pass a message in chunks (they must: the follower's election timer hears only them), so their
        answers come back showing no progress while it travels, and the core sends the entries again as lost:
        an 8 MiB value arrived twice at each follower, a 16 MiB one up to five times, each copy another pass of
        hashing and copying for both sides, and the leaders that followers this busy deposed sent it again. What
        a live connection took whole reaches the peer (a connection closed on the way is a new one here)."""
        sent = self.written.get(identity(m, len(payload)))
        if sent is not None and sent[0] is self.transport and self.transport is not None and \
                asyncio.get_running_loop().time() - sent[1] < self.node.resend_after:
            return
        self.transfers += 1
        enqueue(self.outgoing, Outgoing(m, payload, self.node.boot, self.transfers, self.node.chunk_bytes))
        self.node.chunking.add(self)

    def flush(self) -> None:
        """Write the queued frames in one go (when connected and the peer keeps up), then the next chunks."""
        t = self.transport
        if t is None or t.is_closing():
            if len(self.pending) > QUEUE_LIMIT:  # Raft retransmits: the oldest may go
                self.dropped += len(self.pending) - QUEUE_LIMIT
                del self.pending[: len(self.pending) - QUEUE_LIMIT]
            return
        if self.pending:
            if t.get_write_buffer_size() > WRITE_BUFFER_LIMIT:  # a stalled peer must not fill our memory
                self.dropped += len(self.pending)
            else:
                t.write(b"".join(self.pending))
            self.pending.clear()
        if self.outgoing:
            self._write_chunks(t)

    def _write_chunks(self, t: asyncio.Transport) -> None:
        """Write at most WINDOW chunks, and only while fewer than WINDOW wait in the connection's buffer; on a new
        connection from the first again (what went on the old one may be lost). The rest at later rounds: the node
        runs one at each tick, and at once when this flush stopped at its WINDOW rather than at a full buffer.
        Bounded by the buffer alone, a flush to a peer that drains as fast as we write (loopback) cut, hashed and
        wrote the whole message in one turn of the loop: a 32 MiB value held the leader 0.6-1.0 s, above the
        election timeout, with no tick and so no heartbeat, and the followers elected again and again."""
        node, key, queue = self.node, self.node.key, self.outgoing
        budget = WINDOW
        while queue:
            out = queue[0]
            if out.conn is not t:
                out.restart(t)
            while not out.done and budget and t.get_write_buffer_size() < WINDOW * out.size:
                t.write(frame_with_key(out.next(), key))
                node.chunk_written()
                budget -= 1
            if not out.done:
                if not budget:
                    node.kick()
                return
            del queue[0]
            now = asyncio.get_running_loop().time()
            self.written = {k: v for k, v in self.written.items() if now - v[1] < node.resend_after}
            self.written[out.what] = (t, now)
        node.chunking.discard(self)

    # -- accepting side -----------------------------------------------------------------------------
    def adopt(self, transport: asyncio.Transport) -> None:
        """An incoming connection from the peer answered our challenge: it is the pair's connection now (one
        that came before it is closed: the peer restarted, or dialed again)."""
        old, self.transport = self.transport, transport
        if old is not None and old is not transport and not old.is_closing():
            log.info("node %d: node %d connected again; closing its previous connection", self.node.id, self.peer)
            old.close()
        self.flush()

    def released(self, transport: asyncio.Transport) -> None:
        """An incoming connection closed: no longer ours to write to (unless another replaced it)."""
        if self.transport is transport:
            self.transport = None

    # -- dialing side -------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._conn = transport  # type: ignore[assignment]
        self._dec = FrameDecoder(self.node.secret, max_frame=self.node.peer_frame, first_max=PRE_AUTH_FRAME)
        self._nonce = os.urandom(NONCE)
        transport.write(frame_with_key(hello(self.node.id, self._nonce), self.node.key))  # type: ignore[attr-defined]
        wait = self.node.handshake_timeout
        asyncio.get_running_loop().call_later(wait, self._unanswered, transport, wait)

    def _unanswered(self, transport: asyncio.BaseTransport, wait: float) -> None:
        """A listener on the peer's port that never answers our hello (not a node of this version, or stuck) must
        not hold the pair's frames forever: close, and dial again."""
        if self._conn is transport and self.transport is None and not transport.is_closing():
            log.warning("node %d: no challenge from node %d within %s s; dialing again", self.node.id, self.peer, wait)
            transport.close()

    def data_received(self, data: bytes) -> None:
        srv = self.node
        now = srv.loop.time()  # type: ignore[union-attr]
        if now >= srv.ticks.next:  # (ticks.py: the ticks due before this input first)
            srv.ticks.credit(now)
        if srv.timeline is not None and self.transport is not None:
            srv.timeline.mark(RECV_PEER)
        try:
            for payload in self._dec.feed(data):
                if self.transport is None:  # step 2: the acceptor's answer
                    want = challenge(self.peer, self._nonce, b"")
                    if len(payload) != len(want) + NONCE or not hmac.compare_digest(payload[: len(want)], want):
                        raise WireError("the answer to our hello is not the peer's challenge")
                    self._conn.write(frame_with_key(proof(payload[len(want) :]), srv.key))  # type: ignore[union-attr]
                    self.transport = self._conn
                    self.flush()
                else:
                    srv.peer_message(payload, self.peer)
            srv.kick()
        except (WireError, ValueError) as exc:
            log.warning("node %d: closing connection to node %d: %s", srv.id, self.peer, exc)
            if self._conn is not None:
                self._conn.close()
            srv.kick()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = self._conn = None
        if not self.lost.done():
            self.lost.set_result(None)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        backoff = 0.02
        while True:
            self.lost = loop.create_future()
            try:
                await loop.create_connection(lambda: self, "127.0.0.1", self.port)
            except OSError:  # nobody listens there: the peer is down
                await asyncio.sleep(backoff)
                backoff = redial_wait(backoff, refused=False)
                continue
            await self.lost
            if self._dec.frames:  # it had answered: reconnect at once
                backoff = 0.02
            else:  # closed before its challenge (refused, not yet a member there)
                await asyncio.sleep(backoff)
                backoff = redial_wait(backoff, refused=True)
