"""Configuration entries: the log entries that change a Raft cluster's membership (dissertation ch. 4).

A configuration is the set of node ids that vote and count towards quorums. It is carried in the
log as an entry whose command bytes start with :data:`TAG` (no key-value command does: their first
byte is an op, 1..4), so every node learns a change where it learns everything else, and uses the
latest configuration in its log, committed or not (section 4.1). A snapshot carries the
configuration as of its last index (:func:`pack_snapshot`), so a compacted log loses none.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

TAG = b"\xc0"
_ID = struct.Struct(">H")
_LEN = struct.Struct(">I")
ADD, REMOVE = "add", "remove"


def is_config(data: bytes) -> bool:
    """Whether an entry's command bytes are a configuration."""
    return data[:1] == TAG


def encode_config(members: Iterable[int]) -> bytes:
    """The command bytes of a configuration entry."""
    return TAG + b"".join(_ID.pack(n) for n in sorted(members))


def decode_config(data: bytes) -> frozenset[int]:
    """The members of a configuration entry (ValueError when malformed)."""
    body = data[1:]
    if not is_config(data) or len(body) % 2:
        raise ValueError(f"not a configuration entry ({len(data)} bytes)")
    return frozenset(_ID.unpack_from(body, k)[0] for k in range(0, len(body), 2))


def describe_config(data: bytes) -> str:
    """The trace value of a configuration entry: ``config:1,2,4`` (docs/trace-format.md)."""
    return "config:" + ",".join(map(str, sorted(decode_config(data))))


def changed(members: frozenset[int], op: str, node: int) -> frozenset[int]:
    """The configuration one server larger (``add``) or smaller (``remove``)."""
    return members | {node} if op == ADD else members - {node}


def pack_snapshot(config: bytes, data: bytes) -> bytes:
    """An InstallSnapshot payload: the configuration entry's bytes (empty: the initial one), then the data."""
    return _LEN.pack(len(config)) + config + data


def unpack_snapshot(payload: bytes) -> tuple[bytes, bytes]:
    """(configuration bytes, state-machine data) of an InstallSnapshot payload (ValueError when malformed)."""
    if len(payload) < _LEN.size:
        raise ValueError(f"snapshot payload of {len(payload)} bytes is shorter than its header")
    n = _LEN.unpack_from(payload, 0)[0]
    if _LEN.size + n > len(payload):
        raise ValueError(f"snapshot payload names a {n}-byte configuration, but has {len(payload) - 4} bytes")
    return payload[_LEN.size:_LEN.size + n], payload[_LEN.size + n:]
