"""Raft messages, their trace (JSON) form, and the binary wire codec: struct-packed, framed, authenticated.

A frame is ``length (4 bytes, big-endian) | payload | tag``, where the tag is keyed BLAKE2b
(32 bytes, the key is the cluster secret: a MAC by construction, RFC 7693) of the payload;
the length counts payload and tag. One keyed BLAKE2b is a single C call, about 2.6x cheaper
than ``hmac.new(secret, payload, sha256)`` here (1.2 vs 3.0 us per 180-byte frame). Decoding
never evaluates anything a peer sent: it unpacks fixed-size integers and byte strings, and any
inconsistency raises :class:`WireError`.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import zlib
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any, NamedTuple

from impl.raft.log import Entry
from spec.trace_format import ALL_INT


class WireError(ValueError):
    """Bytes that are not a valid, authenticated frame or message."""


class MsgType(IntEnum):
    """Message types of the replicated logs: Raft's (names as in raft.tla plus the extensions), then
    Multi-Paxos's (impl/multipaxos/core.py: the field meanings are in its docstring). One codec for both."""

    RequestVoteRequest = 1
    RequestVoteResponse = 2
    AppendEntriesRequest = 3
    AppendEntriesResponse = 4
    PreVoteRequest = 5
    PreVoteResponse = 6
    TimeoutNow = 7
    InstallSnapshotRequest = 8
    Prepare = 9
    PrepareReply = 10
    Accept = 11
    AcceptReply = 12
    Learn = 13
    SnapshotInstall = 14
    Chunk = 15  # a piece of a message longer than a peer frame (impl/runtime/chunks.py); never reaches a core


# flag bits
SUCCESS = 1  # msuccess / mvoteGranted
HEARTBEAT = 2  # an AppendEntries(Response) that is a heartbeat
TRANSFER = 4  # a RequestVote for a leadership transfer (bypasses the leader lease)


class Message(NamedTuple):
    """One Raft message. Field meaning depends on ``type`` (see the trace table in docs/trace-format.md)."""

    type: int
    src: int
    dst: int
    term: int
    index: int = 0  # type: ignore[assignment]  # (shadows tuple.index) lastLogIndex | prevLogIndex | matchIndex | snapshot index
    log_term: int = 0  # lastLogTerm | prevLogTerm | snapshot term
    commit: int = 0  # AppendEntries: the leader's commitIndex
    flags: int = 0
    hint_index: int = 0  # rejection: conflict index
    hint_term: int = 0  # rejection: conflict term
    reject: int = 0  # rejection: the prevLogIndex that was rejected
    context: int = 0  # ReadIndex round
    entries: tuple[Entry, ...] = ()
    snapshot: bytes = b""
    boot: int = 0
    seq: int = 0
    clock: int = 0

    @property
    def success(self) -> bool:
        """msuccess / mvoteGranted."""
        return bool(self.flags & SUCCESS)


def describe_value(data: bytes) -> str:
    """The default trace value of an entry: ``noop`` for empty data, else ``x<crc32 hex>``."""
    return f"x{zlib.crc32(data):08x}" if data else "noop"


_TYPE_NAMES = {int(t): t.name for t in MsgType}  # MsgType(t).name costs an enum lookup per message


def message_json(m: Message, describe: Callable[[bytes], str] = describe_value) -> dict[str, Any]:
    """The trace form of a message: raft.tla's field names."""
    t = m.type
    d: dict[str, Any] = {"id": [m.src, m.boot, m.seq], "clock": m.clock, "type": _TYPE_NAMES[t],
                         "msource": m.src, "mdest": m.dst, "mterm": m.term}
    if t in (MsgType.RequestVoteRequest, MsgType.PreVoteRequest):
        d["mlastLogTerm"], d["mlastLogIndex"] = m.log_term, m.index
    elif t in (MsgType.RequestVoteResponse, MsgType.PreVoteResponse):
        d["mvoteGranted"] = m.success
    elif t == MsgType.AppendEntriesRequest:
        d["mprevLogIndex"], d["mprevLogTerm"] = m.index, m.log_term
        d["mentries"] = [[e.term, describe(e.data)] for e in m.entries]
        d["mcommitIndex"] = m.commit
        if m.context:
            d["mcontext"] = m.context
    elif t == MsgType.AppendEntriesResponse:
        d["msuccess"], d["mmatchIndex"] = m.success, m.index
        if not m.success:
            d["mhintIndex"], d["mhintTerm"], d["mrejectIndex"] = m.hint_index, m.hint_term, m.reject
        if m.context:
            d["mcontext"] = m.context
    elif t == MsgType.InstallSnapshotRequest:
        d["msnapshotIndex"], d["msnapshotTerm"] = m.index, m.log_term
    return d


_BOOL = ("false", "true")


def message_line(m: Sequence[Any], jdesc: Callable[[Any], str]) -> str:
    """:func:`message_json` already encoded as compact JSON (the same text the standard encoder makes of
    that dict); ``jdesc`` gives an entry's value as a JSON string literal. Tracing every step must be
    cheap: formatting the text directly costs a fraction of building the dict and encoding it. ``m`` is
    a :class:`Message` or a plain tuple of its fields in its order (a compact trace's, whose entries hold
    their trace values: impl/raft/tracing.py); fields are read by position."""
    t = m[0]
    head = (f'{{"id":[{m[1]},{m[14]},{m[15]}],"clock":{m[16]},"type":"{_TYPE_NAMES[t]}",'
            f'"msource":{m[1]},"mdest":{m[2]},"mterm":{m[3]}')
    if t == MsgType.AppendEntriesRequest:
        es = m[12]
        # (one entry, the common case of one sequential write: no list to build)
        ents = f"[{es[0][0]},{jdesc(es[0][1])}]" if len(es) == 1 else ",".join([f"[{e[0]},{jdesc(e[1])}]" for e in es])
        ctx = f',"mcontext":{m[11]}' if m[11] else ""
        return (f'{head},"mprevLogIndex":{m[4]},"mprevLogTerm":{m[5]},"mentries":[{ents}],'
                f'"mcommitIndex":{m[6]}{ctx}}}')
    if t == MsgType.AppendEntriesResponse:
        ok = m[7] & SUCCESS
        s = f'{head},"msuccess":{_BOOL[ok]},"mmatchIndex":{m[4]}'
        if not ok:
            s += f',"mhintIndex":{m[8]},"mhintTerm":{m[9]},"mrejectIndex":{m[10]}'
        return s + (f',"mcontext":{m[11]}}}' if m[11] else "}")
    if t in (MsgType.RequestVoteRequest, MsgType.PreVoteRequest):
        return f'{head},"mlastLogTerm":{m[5]},"mlastLogIndex":{m[4]}}}'
    if t in (MsgType.RequestVoteResponse, MsgType.PreVoteResponse):
        return f'{head},"mvoteGranted":{_BOOL[m[7] & SUCCESS]}}}'
    if t == MsgType.InstallSnapshotRequest:
        return f'{head},"msnapshotIndex":{m[4]},"msnapshotTerm":{m[5]}}}'
    return head + "}"




def message_record(m: Sequence[Any]) -> dict[str, Any]:
    """What JSON reads of :func:`message_line`'s text (with ``json.encoder.encode_basestring_ascii`` as
    ``jdesc``): the dict, built without the text (a compact trace read by the audit). TypeError where that text
    would not be JSON, or would read otherwise (a field of another type than the format's): the reader then
    reads the text."""
    t = m[0]
    if not (ALL_INT(map(type, m[:12])) and ALL_INT(map(type, m[14:17]))):
        raise TypeError("a message field of another type")
    d: dict[str, Any] = {"id": [m[1], m[14], m[15]], "clock": m[16], "type": _TYPE_NAMES[t], "msource": m[1],
                         "mdest": m[2], "mterm": m[3]}
    if t == MsgType.AppendEntriesRequest:
        es = m[12]
        if not all(type(e[1]) is str and type(e[0]) is int for e in es):
            raise TypeError("an entry of another type")
        d["mprevLogIndex"], d["mprevLogTerm"] = m[4], m[5]
        d["mentries"] = [[e[0], e[1]] for e in es]
        d["mcommitIndex"] = m[6]
        if m[11]:
            d["mcontext"] = m[11]
    elif t == MsgType.AppendEntriesResponse:
        ok = m[7] & SUCCESS
        d["msuccess"], d["mmatchIndex"] = (False, True)[ok], m[4]
        if not ok:
            d["mhintIndex"], d["mhintTerm"], d["mrejectIndex"] = m[8], m[9], m[10]
        if m[11]:
            d["mcontext"] = m[11]
    elif t in (MsgType.RequestVoteRequest, MsgType.PreVoteRequest):
        d["mlastLogTerm"], d["mlastLogIndex"] = m[5], m[4]
    elif t in (MsgType.RequestVoteResponse, MsgType.PreVoteResponse):
        d["mvoteGranted"] = (False, True)[m[7] & SUCCESS]
    elif t == MsgType.InstallSnapshotRequest:
        d["msnapshotIndex"], d["msnapshotTerm"] = m[4], m[5]
    return d


# -- binary codec -------------------------------------------------------------------------------
_HEAD = struct.Struct(">BBHHIQQQQQQQQQQII")  # type flags src dst boot seq clock term index log_term commit
#                                            hint_index hint_term reject context n_entries snapshot_len
_ENTRY = struct.Struct(">QI")
HEAD_SIZE = _HEAD.size  # an encoded message's bytes before its entries and snapshot
_TYPES = frozenset(int(t) for t in MsgType)
TAG = 32
#: The largest frame the decoder takes by default (a client reading its replies). A node holds its peers' frames to
#: its ``peer_frame_bytes`` (impl/runtime/chunks.py: a message longer than that, a snapshot above all, travels in
#: chunks) and its clients' to impl.kv.protocol.CLIENT_FRAME; an unauthenticated connection's first frame to
#: PRE_AUTH_FRAME.
MAX_FRAME = 1 << 30


def encode_message(m: Message) -> bytes:
    """Pack a message (without framing). Fields by position (a subscript is cheaper than a field's name), and no
    list to join for the messages without entries: 0.44 against 0.61 us for an acknowledgement."""
    es, snap = m[12], m[13]
    head = _HEAD.pack(m[0], m[7], m[1], m[2], m[14], m[15], m[16], m[3], m[4], m[5], m[6], m[8], m[9], m[10], m[11],
                      len(es), len(snap))
    if not es:
        return head + snap if snap else head
    pack = _ENTRY.pack
    parts = [head]
    for t, d in es:
        parts.append(pack(t, len(d)))
        parts.append(d)
    parts.append(snap)
    return b"".join(parts)


_IDS = struct.Struct(">2xH2xIQ")  # src, boot, seq: where _HEAD has them


def message_id(m: Sequence[Any] | bytes) -> list[int]:
    """A traced message's id ``[src, boot, seq]``: of its fields (a :class:`Message` or a tuple of them in its order)
    or of its wire encoding."""
    if type(m) is bytes:
        if len(m) < _HEAD.size:
            raise ValueError(f"a traced message of {len(m)} bytes, shorter than a message's header")
        return list(_IDS.unpack_from(m, 0))
    return [m[1], m[14], m[15]]


def decode_message(buf: bytes) -> Message:
    """Unpack a message; :class:`WireError` on anything inconsistent."""
    if len(buf) < _HEAD.size:
        raise WireError(f"message of {len(buf)} bytes is shorter than its {_HEAD.size}-byte header")
    (typ, flags, src, dst, boot, seq, clock, term, index, log_term, commit, hint_index, hint_term, reject,
     context, n, snap_len) = _HEAD.unpack_from(buf, 0)
    if typ not in _TYPES:
        raise WireError(f"unknown message type {typ}")
    off = _HEAD.size
    if type(buf) is not bytes:
        buf = bytes(buf)  # so that the entries' data are bytes slices
    entries = []
    unpack = _ENTRY.unpack_from
    size = _ENTRY.size
    new = tuple.__new__  # Entry(...) without its Python-level __new__: one C call per entry
    for _ in range(n):
        if off + size > len(buf):
            raise WireError(f"entry header at byte {off} runs past the end ({len(buf)} bytes)")
        eterm, dlen = unpack(buf, off)
        off += size
        if off + dlen > len(buf):
            raise WireError(f"entry data at byte {off} ({dlen} bytes) runs past the end")
        entries.append(new(Entry, (eterm, buf[off : off + dlen])))
        off += dlen
    if off + snap_len != len(buf):
        raise WireError(f"message length {len(buf)} does not match its contents ({off + snap_len})")
    return new(Message, (typ, src, dst, term, index, log_term, commit, flags, hint_index, hint_term, reject, context,
                         tuple(entries), bytes(buf[off:]), boot, seq, clock))


_LEN = struct.Struct(">I")


def mac_key(secret: bytes) -> bytes:
    """The BLAKE2b key for a cluster secret (BLAKE2b keys are at most 64 bytes: longer secrets are hashed)."""
    return secret if len(secret) <= 64 else hashlib.sha256(secret).digest()


_KEYED: dict[bytes, Any] = {}  # key -> a BLAKE2b state that has taken in the key block


def _keyed(key: bytes) -> Any:
    """The keyed BLAKE2b state of ``key``, to ``copy()`` per frame: a copy skips compressing the key block and
    parsing the keyword arguments again (0.79 against 1.17 us per 200-byte frame; ~6 frames per write)."""
    h = _KEYED.get(key)
    if h is None:
        if len(_KEYED) >= 64:  # (a process talks to one cluster or a few: the bound is for tests making many)
            _KEYED.clear()
        h = _KEYED[key] = hashlib.blake2b(key=key, digest_size=TAG)
    return h


def frame_tag(payload: bytes, key: bytes) -> bytes:
    """The 32-byte authentication tag of a payload."""
    h = _keyed(key).copy()
    h.update(payload)
    return h.digest()


def encode_frame(payload: bytes, secret: bytes) -> bytes:
    """Frame a payload: length, payload, keyed-BLAKE2b tag."""
    return frame_with_key(payload, mac_key(secret))


def frame_with_key(payload: bytes, key: bytes) -> bytes:
    """:func:`encode_frame` with the MAC key already derived (``mac_key(secret)``): the per-frame path."""
    h = _keyed(key).copy()
    h.update(payload)
    return _LEN.pack(len(payload) + TAG) + payload + h.digest()


class FrameDecoder:
    """Incremental frame reader: feed bytes, get authenticated payloads; raises :class:`WireError`."""

    def __init__(self, secret: bytes, max_frame: int = MAX_FRAME, first_max: int | None = None,
                 pre_auth: Callable[[bytes], int] | None = None) -> None:
        self.key = mac_key(secret)
        self.max_frame = max_frame
        # the first frame (a hello, before the other side has proved it knows the secret) may be held to a
        # smaller size, so that an unauthenticated connection cannot make us buffer a large frame; ``pre_auth``
        # (given the first payload) says how many frames are held to it in all (a peer's hello is authenticated
        # only by its answer to a challenge, the second frame: a replayed hello must not lift the limit)
        self.first_max = max_frame if first_max is None else first_max
        self.pre_auth = pre_auth
        self.small = 1  # frames held to first_max
        self.frames = 0
        self.buf = bytearray()  # an incomplete frame carried over to the next feed

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return every complete payload (in order)."""
        if self.buf:
            self.buf += data
            buf: bytes | bytearray = self.buf
        else:
            buf = data  # the common case: whole frames, sliced without copying into a buffer first
        out = []
        pos, n = 0, len(buf)
        keyed, unpack = _keyed(self.key), _LEN.unpack_from
        limit = self.max_frame if self.frames >= self.small else self.first_max
        while n - pos >= 4:
            (length,) = unpack(buf, pos)
            if length > limit or length < TAG:
                raise WireError(f"frame length {length} outside {TAG}..{limit}")
            end = pos + 4 + length
            if end > n:
                break
            payload = bytes(buf[pos + 4 : end - TAG])
            h = keyed.copy()
            h.update(payload)
            if not hmac.compare_digest(bytes(buf[end - TAG : end]), h.digest()):
                raise WireError("frame MAC does not match the cluster secret")
            out.append(payload)
            if limit != self.max_frame:  # (before authentication only)
                if self.frames + len(out) == 1 and self.pre_auth is not None:
                    self.small = self.pre_auth(payload)
                if self.frames + len(out) >= self.small:
                    limit = self.max_frame
            pos = end
        self.frames += len(out)
        if buf is self.buf:
            del self.buf[:pos]
        elif pos < n:
            self.buf = bytearray(buf[pos:])
        return out
