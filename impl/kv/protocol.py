"""The client protocol: requests and responses of the key-value store, struct-packed inside frames.

A frame (impl/raft/messages.py: length, payload, keyed-BLAKE2b tag) carries one or more requests,
or one or more responses, back to back: each is self-delimiting. The client puts the requests of
one event-loop iteration in one frame and a node the responses of one round, so the framing and
the MAC are paid once per batch rather than once per request.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import NamedTuple

from impl.kv.machine import CMD_HEADER, OP_NAMES, Command, decode_command, encode_command
from impl.raft.messages import TAG

HELLO_PEER, HELLO_CLIENT = b"P", b"C"
STATUS = 100  # a request op asking a node for its status (answered locally, as JSON)
CONFIG = 101  # a request op asking the leader for a membership change: then ">BH" (1 add | 2 remove, node id),
#              or for a leadership transfer (3, the target or 0: the leader picks)
OK, NOT_LEADER, RETRY, REFUSED = 0, 1, 2, 3  # REFUSED: a membership change that cannot be made (value: why)
_CHANGE = struct.Struct(">BH")
CHANGE_OPS = {1: "add", 2: "remove", 3: "transfer"}
_REQ = struct.Struct(">QB")  # request id, op (STATUS, or 0 = a command follows)
_RESP = struct.Struct(">QBBHBI")  # request id, kind, status, leader, has value, value length


class Response(NamedTuple):
    """A reply: kind OK/NOT_LEADER/RETRY, the command's status and value, the leader hint."""

    req_id: int
    kind: int
    status: int = 0
    leader: int = 0
    value: bytes | None = None


#: The largest frame of a client's connection (a request): a client's hello is the same frame every time, so one
#: recorded and replayed lifted the limit of its connection to the 1 GiB a peer's frame was allowed then.
CLIENT_FRAME = 64 << 20
MAX_KEY = (1 << 16) - 1  # a key's length is two bytes of the command's header
#: The most bytes a command's key, value and expected value may hold together: a request alone in a frame.
MAX_COMMAND_DATA = CLIENT_FRAME - TAG - _REQ.size - CMD_HEADER.size
#: What a cluster takes by default ("max_command_bytes" in cluster.json, at most MAX_COMMAND_DATA): a command is
#: written by a majority before it is answered, and while a node hashes, copies and writes a much larger one its
#: peers' heartbeats wait: a 32 MiB put on a loaded 2-core machine set off an election every second or two and
#: never committed (benchmarks/large_values.py; etcd's own default limit is 1.5 MiB).
MAX_COMMAND_BYTES = 4 << 20


def command_size(key: bytes, value: bytes, expected: bytes | None = None) -> int:
    """The bytes a command carries: its key, value and expected value (what max_command_bytes limits)."""
    return len(key) + len(value) + len(expected or b"")


def check_command_size(key: bytes, value: bytes, expected: bytes | None = None,
                       limit: int = MAX_COMMAND_DATA) -> None:
    """ValueError, naming the sizes, for a command no node would take: one larger than the cluster's ``limit``
    (its max_command_bytes; by default what one request can carry: a node closes a connection whose frame is
    larger than CLIENT_FRAME, and the client would then retry it until its timeout, "no answer")."""
    if len(key) > MAX_KEY:
        raise ValueError(f"a key of {len(key):,} bytes is longer than the {MAX_KEY:,} a command can hold")
    data = command_size(key, value, expected)
    if data > limit:
        why = "this cluster's max_command_bytes" if limit < MAX_COMMAND_DATA else \
            f"one request can carry (a client's frame is {CLIENT_FRAME >> 20} MiB)"
        raise ValueError(f"a command of {data:,} bytes (key, value and expected value) is larger than the "
                         f"{limit:,} {why}")


BATCH_BYTES = 1 << 20  # requests (responses) packed into one frame up to this size; a bigger one goes alone


def batches(items: list[bytes], limit: int = BATCH_BYTES) -> Iterator[list[bytes]]:
    """Consecutive runs of ``items`` of at most ``limit`` bytes each (an item larger than that on its own):
    the contents of one frame each."""
    start, size = 0, 0
    for k, it in enumerate(items):
        if size + len(it) > limit and k > start:
            yield items[start:k]
            start, size = k, 0
        size += len(it)
    if start < len(items):
        yield items[start:] if start else items


def encode_request(req_id: int, cmd: Command | None) -> bytes:
    """A command request, or a status request when ``cmd`` is None."""
    if cmd is None:
        return _REQ.pack(req_id, STATUS)
    return _REQ.pack(req_id, 0) + encode_command(cmd)


def encode_change_request(req_id: int, op: str, node: int) -> bytes:
    """A membership change request: ``op`` is ``add`` or ``remove`` (or ``transfer``: leadership to ``node``)."""
    code = next(k for k, name in CHANGE_OPS.items() if name == op)
    return _REQ.pack(req_id, CONFIG) + _CHANGE.pack(code, node)


def decode_change(payload: bytes) -> tuple[str, int]:
    """(op, node) of a membership change request's payload (ValueError when malformed)."""
    if len(payload) != _CHANGE.size or payload[0] not in CHANGE_OPS:
        raise ValueError(f"malformed membership change request ({payload!r})")
    op, node = _CHANGE.unpack(payload)
    return CHANGE_OPS[op], node


def decode_request(buf: bytes) -> tuple[int, Command | None]:
    """(request id, command or None for a status request); ValueError if malformed."""
    if len(buf) < _REQ.size:
        raise ValueError(f"request of {len(buf)} bytes is too short")
    req_id, op = _REQ.unpack_from(buf, 0)
    if op == STATUS:
        return req_id, None
    if op != 0:
        raise ValueError(f"unknown request op {op}")
    return req_id, decode_command(buf[_REQ.size :])


def split_requests(buf: bytes) -> Iterator[tuple[int, int, bytes]]:
    """The requests of one frame as ``(request id, op, encoded command)``; op is STATUS (with no command)
    or the command's op, whose header and lengths are checked (ValueError if malformed)."""
    off, n = 0, len(buf)
    req, cmd = _REQ, CMD_HEADER
    while off < n:
        if n - off < req.size:
            raise ValueError(f"request at byte {off} of {n} is too short")
        req_id, op = req.unpack_from(buf, off)
        off += req.size
        if op == STATUS:
            yield req_id, STATUS, b""
            continue
        if op == CONFIG:
            if n - off < _CHANGE.size:
                raise ValueError(f"membership change request at byte {off} of {n} is too short")
            yield req_id, CONFIG, buf[off : off + _CHANGE.size]
            off += _CHANGE.size
            continue
        if op != 0:
            raise ValueError(f"unknown request op {op}")
        if n - off < cmd.size:
            raise ValueError(f"command at byte {off} of {n} is shorter than its header")
        cop, _, _, kl, vl, _, el = cmd.unpack_from(buf, off)
        end = off + cmd.size + kl + vl + el
        if cop not in OP_NAMES or end > n:
            raise ValueError(f"malformed command at byte {off} (op {cop}, runs to byte {end} of {n})")
        yield req_id, cop, buf[off:end]
        off = end


def encode_response(r: Response) -> bytes:
    """Pack a response."""
    v = r.value if r.value is not None else b""
    return _RESP.pack(r.req_id, r.kind, r.status, r.leader, r.value is not None, len(v)) + v


def encode_reply(req_id: int, kind: int, status: int = 0, leader: int = 0, value: bytes | None = None) -> bytes:
    """:func:`encode_response` without building the :class:`Response` first (a node's per-request path)."""
    if value is None:
        return _RESP.pack(req_id, kind, status, leader, False, 0)
    return _RESP.pack(req_id, kind, status, leader, True, len(value)) + value


def decode_response(buf: bytes) -> Response:
    """Unpack a response; ValueError if malformed."""
    rs = decode_responses(buf)
    if len(rs) != 1:
        raise ValueError("response length does not match its value")
    return rs[0]


def decode_responses(buf: bytes) -> list[Response]:
    """The responses of one frame, in order; ValueError if malformed."""
    out = []
    off, n, size, unpack = 0, len(buf), _RESP.size, _RESP.unpack_from
    while off < n:
        if n - off < size:
            raise ValueError(f"response of {n - off} bytes is too short")
        req_id, kind, status, leader, has_value, vl = unpack(buf, off)
        off += size
        if off + vl > n:
            raise ValueError("response length does not match its value")
        out.append(Response(req_id, kind, status, leader, buf[off : off + vl] if has_value else None))
        off += vl
    if not out:
        raise ValueError("empty response frame")
    return out
