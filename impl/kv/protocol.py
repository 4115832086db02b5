"""The client protocol: requests and responses of the key-value store, struct-packed inside frames."""

from __future__ import annotations

import struct
from typing import NamedTuple

from impl.kv.machine import Command, decode_command, encode_command

HELLO_PEER, HELLO_CLIENT = b"P", b"C"
STATUS = 100  # a request op asking a node for its status (answered locally, as JSON)
OK, NOT_LEADER, RETRY = 0, 1, 2
_REQ = struct.Struct(">QB")  # request id, op (STATUS, or 0 = a command follows)
_RESP = struct.Struct(">QBBHBI")  # request id, kind, status, leader, has value, value length


class Response(NamedTuple):
    """A reply: kind OK/NOT_LEADER/RETRY, the command's status and value, the leader hint."""

    req_id: int
    kind: int
    status: int = 0
    leader: int = 0
    value: bytes | None = None


REQUEST_HEADER = _REQ.size  # a command request's encoded command starts here


def encode_request(req_id: int, cmd: Command | None) -> bytes:
    """A command request, or a status request when ``cmd`` is None."""
    if cmd is None:
        return _REQ.pack(req_id, STATUS)
    return _REQ.pack(req_id, 0) + encode_command(cmd)


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
    if len(buf) < _RESP.size:
        raise ValueError(f"response of {len(buf)} bytes is too short")
    req_id, kind, status, leader, has_value, vl = _RESP.unpack_from(buf, 0)
    if len(buf) != _RESP.size + vl:
        raise ValueError("response length does not match its value")
    return Response(req_id, kind, status, leader, bytes(buf[_RESP.size :]) if has_value else None)
