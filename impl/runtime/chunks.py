"""A message longer than a peer frame travels in chunks: a snapshot above all, whose state may exceed any frame.

The Raft paper sends InstallSnapshot in pieces with an offset and a done flag (its figure 13); etcd's core emits
the whole snapshot message and its transport streams it. Here too the core sees one InstallSnapshotRequest (and
its trace one InstallSnapshot step, the spec's): the sending node cuts the encoded message into Chunk frames,
written as its connection drains, and the receiving node writes them to a temporary file, checks the whole
message's digest, and only then steps the message into its core, which installs the snapshot as before
(``snapshot.bin`` replaced atomically, then the log's snapshot record; docs/durability.md). A chunk lost,
duplicated or out of order, a transfer replaced by a newer one (a re-send, a new connection, a restart of either
side) or of a term below the receiver's never reaches the core: nothing partial or mixed is installed, and the
leader sends its snapshot again after an election timeout (impl/raft/core.py).

A chunk is a :class:`Message` of type Chunk: ``term`` the message's, ``index`` the offset, ``log_term`` the
message's length, ``commit`` (in the last chunk) its digest, 8 bytes of BLAKE2b, ``boot``/``seq`` the sender's
incarnation and a transfer number, ``snapshot`` the piece. Each frame is authenticated like any other; the
digest guards the assembly. Since no frame is longer than a chunk or a batch of entries, a node holds its peers'
frames to ``peer_frame_bytes`` (4 MiB) instead of the 1 GiB a whole snapshot needed: an authenticated peer
declaring a larger frame is refused at once.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from impl.raft.messages import HEAD_SIZE, TAG, Message, MsgType, WireError, decode_message, encode_message
from impl.storage.records import write_all

log = logging.getLogger("paxraft.node")
CHUNK = int(MsgType.Chunk)
FRAME_OVERHEAD = 4 + TAG  # a frame's length field and authentication tag
CHUNK_OVERHEAD = HEAD_SIZE + FRAME_OVERHEAD  # a chunk frame's bytes besides its piece
CHUNK_BYTES = 1 << 20  # "chunk_bytes": the piece of a message each chunk carries
PEER_FRAME = 4 << 20  # "peer_frame_bytes": the largest frame a peer may send (a chunk, a batch of 1 MiB of entries)
WINDOW = 4  # chunks a sender lets wait in its connection's buffer; more are written as it drains
SPOOL = "chunks-from-{}.tmp"  # the receiver's temporary file per sending peer (in the node's folder)


def check_sizes(chunk: int, frame: int) -> None:
    """ValueError when chunks of ``chunk`` bytes do not fit in frames of ``frame`` bytes (cluster.json)."""
    if chunk + CHUNK_OVERHEAD > frame:
        raise ValueError(f"peer_frame_bytes ({frame:,}) must hold a chunk: chunk_bytes ({chunk:,}) plus "
                         f"{CHUNK_OVERHEAD} bytes")


SNAPSHOTS = frozenset({int(MsgType.InstallSnapshotRequest), int(MsgType.SnapshotInstall)})


def identity(m: Message, length: int) -> tuple[int, int, int, int, int]:
    """What makes two messages sent in chunks the same message sent again (the core re-sends a snapshot not
    acknowledged within an election timeout, and entries a heartbeat's answer showed no progress on; a large message
    takes longer than either): by the Log Matching property the same content."""
    return (m.type, m.term, m.index, m.log_term, length)


class Outgoing:
    """A message being sent to one peer in chunks (:meth:`PeerLink.flush` writes them as the connection drains).
    Only the last chunk carries the digest, computed as the chunks are cut: no pass over the message before the
    first chunk leaves."""

    __slots__ = ("payload", "head", "what", "size", "offset", "hash", "conn")

    def __init__(self, m: Message, payload: bytes, boot: int, xid: int, size: int) -> None:
        self.payload = memoryview(payload)
        self.head = (m.src, m.dst, m.term, len(payload), boot, xid)
        self.what = identity(m, len(payload))
        self.size, self.offset = size, 0
        self.hash = hashlib.blake2b(digest_size=8)
        self.conn: object = None  # the connection the chunks so far went on (a new one starts again at 0)

    @property
    def done(self) -> bool:
        """Whether every chunk has been written."""
        return self.offset >= self.head[3]

    def restart(self, conn: object) -> None:
        """From the first chunk again, on ``conn``."""
        self.offset, self.conn, self.hash = 0, conn, hashlib.blake2b(digest_size=8)

    def next(self) -> bytes:
        """The next chunk, encoded (to be framed)."""
        src, dst, term, total, boot, xid = self.head
        lo = self.offset
        self.offset = hi = min(total, lo + self.size)
        piece = bytes(self.payload[lo:hi])
        self.hash.update(piece)
        dg = int.from_bytes(self.hash.digest(), "big") if hi == total else 0
        return encode_message(Message(CHUNK, src, dst, term, index=lo, log_term=total, commit=dg, boot=boot, seq=xid,
                                      snapshot=piece))


def enqueue(queue: list[Outgoing], out: Outgoing) -> None:
    """Queue a message to send in chunks: not when it is on its way already; a snapshot supersedes an older one."""
    if any(o.what == out.what for o in queue):
        return
    if out.what[0] in SNAPSHOTS:
        queue[:] = [o for o in queue if o.what[0] != out.what[0]]
    queue.append(out)


class _Incoming:
    __slots__ = ("key", "term", "path", "fd", "hash", "got", "chunks")

    def __init__(self, c: Message, path: Path) -> None:
        self.key = (c.boot, c.seq, c.term, c.log_term)
        self.term, self.path = c.term, path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.hash = hashlib.blake2b(digest_size=8)
        self.got = self.chunks = 0


class Assembler:
    """The receiving side: per sending peer, the transfer in progress, written to ``DIR/node-N/chunks-from-J.tmp``.

    The file is not fsync'd: it is read back at once on this machine (the page cache serves it), and a restart
    removes it unread (a transfer cut short never resumes); the snapshot it carries is made durable by the log's
    install, as a snapshot sent whole was."""

    def __init__(self, home: Path, me: int, term: Callable[[], int]) -> None:
        self.home, self.me, self.term = home, me, term
        self.cur: dict[int, _Incoming] = {}
        self.done = 0  # messages assembled (`cluster status`'s "chunked")
        for f in home.glob(SPOOL.format("*")):  # a transfer cut short by a restart: never resumed
            f.unlink()

    def feed(self, c: Message) -> Message | None:
        """Take one chunk from peer ``c.src``; the whole message once its last chunk arrived and its digest matches.
        A chunk that does not continue the transfer in progress is dropped (one missing ends the transfer); a
        transfer of a term below this node's is ignored. WireError for a chunk that contradicts itself or a
        message whose digest does not match (the connection is closed)."""
        src, total = c.src, c.log_term
        cur = self.cur.get(src)
        key = (c.boot, c.seq, c.term, total)
        if not c.snapshot or total <= 0 or c.index + len(c.snapshot) > total:
            raise WireError(f"chunk of {len(c.snapshot)} bytes at offset {c.index} of a {total}-byte message")
        if c.term < self.term():  # a deposed leader's transfer: its message would be refused; not even assembled
            if cur is not None and cur.key == key:
                self._drop(src)
            return None
        if c.index == 0:
            self._drop(src)
            for j in [j for j, inc in self.cur.items() if inc.term < c.term]:
                self._drop(j)  # (a deposed leader's transfer cut short: its file goes)
            cur = self.cur[src] = _Incoming(c, self.home / SPOOL.format(src))
        elif cur is None or cur.key != key or c.index < cur.got:
            return None  # not the transfer in progress (cut short, replaced) or a duplicate
        elif c.index > cur.got:
            log.info("node %d: a chunk from node %d is missing (offset %d, expected %d): its transfer is dropped",
                     self.me, src, c.index, cur.got)
            self._drop(src)
            return None
        try:
            write_all(cur.fd, c.snapshot)
        except OSError as exc:
            log.warning("node %d: cannot write a chunk from node %d (%s): its transfer is dropped", self.me, src, exc)
            self._drop(src)
            return None
        cur.hash.update(c.snapshot)
        cur.got += len(c.snapshot)
        cur.chunks += 1
        if cur.got < total:
            return None
        self._drop(src, keep=True)
        try:
            if int.from_bytes(cur.hash.digest(), "big") != c.commit:
                raise WireError(f"a {total}-byte message from node {src} in {cur.chunks} chunks does not match "
                                f"its digest: refused")
            m = decode_message(cur.path.read_bytes())
        finally:
            cur.path.unlink(missing_ok=True)
        if (m.src, m.dst, m.term) != (src, c.dst, c.term):
            raise WireError(f"a message assembled from chunks names {m.src} -> {m.dst} in term {m.term}, its chunks "
                            f"{src} -> {c.dst} in term {c.term}")
        self.done += 1
        log.info("node %d: a %d-byte message from node %d arrived in %d chunks", self.me, total, src, cur.chunks)
        return m

    def _drop(self, src: int, keep: bool = False) -> None:
        """End ``src``'s transfer (its file removed unless ``keep``: the caller reads it first)."""
        inc = self.cur.pop(src, None)
        if inc is not None:
            os.close(inc.fd)
            if not keep:
                inc.path.unlink(missing_ok=True)

    def close(self) -> None:
        """Drop every transfer in progress (the node stops)."""
        for src in list(self.cur):
            self._drop(src)
