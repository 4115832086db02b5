"""The key-value state machine: put, get, delete, compare-and-set, with per-client deduplication.

A command carries a client id and a sequence number; a command whose sequence number is not
above the client's last applied one is not applied again, and gets the remembered result
(so a retried write applies once). Commands and snapshots are struct-packed bytes, never pickle.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from impl.raft.membership import TAG, describe_config

PUT, DELETE, CAS, GET = 1, 2, 3, 4
OP_NAMES = {PUT: "put", DELETE: "delete", CAS: "cas", GET: "get"}
OK, NOT_FOUND, CAS_FAILED = 0, 1, 2
STATUS_NAMES = {OK: "ok", NOT_FOUND: "not found", CAS_FAILED: "cas failed"}

_CMD = CMD_HEADER = struct.Struct(">BQQHIBI")  # op, client, seq, key len, value len, has expected, expected len


class Command(NamedTuple):
    """One client command."""

    op: int
    client: int
    seq: int
    key: bytes
    value: bytes = b""
    expected: bytes | None = None  # CAS: the value required (None: the key must be absent)


class Result(NamedTuple):
    """What a command returned: a status and, for get/cas/delete, a value."""

    status: int
    value: bytes | None = None


def encode_command(c: Command) -> bytes:
    """Pack a command (its first byte is the op, then client id and sequence number)."""
    exp = c.expected if c.expected is not None else b""
    return _CMD.pack(c.op, c.client, c.seq, len(c.key), len(c.value), c.expected is not None, len(exp)) + \
        c.key + c.value + exp


def _header(data: bytes) -> tuple[int, int, int, int, int, int, int]:
    """A command's checked header: op, client, seq, key/value lengths, has-expected, expected length."""
    if len(data) < _CMD.size:
        raise ValueError(f"command of {len(data)} bytes is shorter than its header")
    op, client, seq, kl, vl, has_exp, el = _CMD.unpack_from(data, 0)
    if op not in OP_NAMES or _CMD.size + kl + vl + el != len(data):
        raise ValueError(f"malformed command (op {op}, {len(data)} bytes)")
    return op, client, seq, kl, vl, has_exp, el


def decode_command(data: bytes) -> Command:
    """Unpack a command; ValueError if malformed."""
    op, client, seq, kl, vl, has_exp, el = _header(data)
    off = _CMD.size
    key = data[off : off + kl]
    value = data[off + kl : off + kl + vl]
    exp = data[off + kl + vl :] if has_exp else None
    return Command(op, client, seq, key, value, exp)


def describe_command(data: bytes) -> str:
    """Trace value of an entry: ``noop`` or ``c<client>.<seq>``."""
    if not data:
        return "noop"
    if data[:1] == TAG:
        return describe_config(data)
    _, client, seq = struct.unpack_from(">BQQ", data, 0)
    return f"c{client}.{seq}"


def command_key(data: bytes) -> bytes:
    """What :func:`describe_command` reads of an entry's data, to name it later: a configuration entry whole,
    else its first 17 bytes (tag, client, sequence). ``describe_command(command_key(d)) == describe_command(d)``:
    a node's trace keeps this (a slice, in C) and its reader names it, instead of naming every entry on the
    write's path (impl/raft/tracing.py, ``CompactTracer(key=...)``)."""
    return data if data[:1] == TAG else data[:17]


_PUT_OK = Result(OK)


class KVMachine:
    """The replicated state: a dict of keys to values and each client's last (sequence, result)."""

    def __init__(self) -> None:
        self.data: dict[bytes, bytes] = {}
        self.sessions: dict[int, tuple[int, Result]] = {}
        self.applied = 0

    def apply(self, index: int, data: bytes) -> Result | None:
        """Apply the committed entry at ``index``; the no-op returns None."""
        self.applied = index
        if not data or data[0] == 0xC0:  # the no-op, a configuration entry (impl/raft/membership.py)
            return None
        # the header alone decides deduplication, and a put (the common command) needs no Command object
        op, client, seq, kl, vl, _, _ = _header(data)
        off = _CMD.size
        last = self.sessions.get(client)
        if last is not None and seq <= last[0]:
            return last[1]  # a retry of an applied command: same answer, applied once
        if op == PUT:
            self.data[data[off : off + kl]] = data[off + kl : off + kl + vl]
            res = _PUT_OK
        else:
            res = self.execute(decode_command(data))
        self.sessions[client] = (seq, res)
        return res

    def execute(self, cmd: Command) -> Result:
        """Run one command against the data (no deduplication)."""
        d = self.data
        if cmd.op == PUT:
            d[cmd.key] = cmd.value
            return _PUT_OK
        if cmd.op == GET:
            v = d.get(cmd.key)
            return Result(OK, v) if v is not None else Result(NOT_FOUND)
        if cmd.op == DELETE:
            v = d.pop(cmd.key, None)
            return Result(OK, v) if v is not None else Result(NOT_FOUND)
        cur = d.get(cmd.key)
        if cur != cmd.expected:
            return Result(CAS_FAILED, cur)
        d[cmd.key] = cmd.value
        return Result(OK, cur)

    def read(self, key: bytes) -> Result:
        """A local read (linearizable only after ReadIndex confirmed and this replica applied that far)."""
        v = self.data.get(key)
        return Result(OK, v) if v is not None else Result(NOT_FOUND)

    def snapshot(self) -> bytes:
        """The whole state as bytes."""
        parts = [struct.pack(">QII", self.applied, len(self.data), len(self.sessions))]
        for k, v in self.data.items():
            parts.append(struct.pack(">II", len(k), len(v)))
            parts.append(k)
            parts.append(v)
        for c, (seq, res) in self.sessions.items():
            val = res.value if res.value is not None else b""
            parts.append(struct.pack(">QQBBI", c, seq, res.status, res.value is not None, len(val)))
            parts.append(val)
        return b"".join(parts)

    def restore(self, blob: bytes) -> None:
        """Replace the state by a snapshot's; ValueError if malformed."""
        try:
            applied, nd, ns = struct.unpack_from(">QII", blob, 0)
            off = 16
            data: dict[bytes, bytes] = {}
            for _ in range(nd):
                kl, vl = struct.unpack_from(">II", blob, off)
                off += 8
                data[blob[off : off + kl]] = blob[off + kl : off + kl + vl]
                off += kl + vl
            sessions: dict[int, tuple[int, Result]] = {}
            for _ in range(ns):
                c, seq, st, hv, vl = struct.unpack_from(">QQBBI", blob, off)
                off += 22
                sessions[c] = (seq, Result(st, blob[off : off + vl] if hv else None))
                off += vl
        except struct.error as exc:
            raise ValueError(f"malformed snapshot: {exc}") from exc
        if off != len(blob):
            raise ValueError(f"malformed snapshot: {len(blob) - off} trailing bytes")
        self.data, self.sessions, self.applied = data, sessions, applied
