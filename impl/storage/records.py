"""Checksummed records, as the write-ahead log (impl/storage/wal.py) and the compact trace (impl/trace.py)
write them, and the loop that hands bytes to the OS.

A record is ``crc32(head) head payload`` with ``head = (payload length, type, crc32(payload))``: the
header's own checksum means a damaged length is detected, never trusted, so damage is told apart from a
write cut short (a record whose intact header says it runs past the end of the file)."""

from __future__ import annotations

import os
import struct
import zlib

HEAD = struct.Struct(">IBI")  # payload length, type, payload crc32; preceded by the crc32 of these 9 bytes
REC = 4 + HEAD.size
_CRC = struct.Struct(">I")
_crc = zlib.crc32
PAST_END = "runs past the end of the file"  # in :func:`problem`'s answer: a write cut short, not damage


def record(typ: int, payload: bytes) -> bytes:
    """One record: its checksummed header, then the payload."""
    head = HEAD.pack(len(payload), typ, _crc(payload))
    return _CRC.pack(_crc(head)) + head + payload


def problem(buf: bytes | memoryview, pos: int) -> str | None:
    """Why the record at ``pos`` of ``buf`` is not intact, or None. A cut-short record's answer starts
    with "incomplete" or contains :data:`PAST_END`; any other answer is damage."""
    if pos + REC > len(buf):
        return "incomplete record header"
    if _crc(buf[pos + 4 : pos + REC]) != _CRC.unpack_from(buf, pos)[0]:
        return "header checksum mismatch"
    length, _, pcrc = HEAD.unpack_from(buf, pos + 4)
    end = pos + REC + length
    if end > len(buf):
        return f"payload of {length} bytes {PAST_END}"
    if _crc(memoryview(buf)[pos + REC : end]) != pcrc:
        return "payload checksum mismatch"
    return None


def cut_short(why: str) -> bool:
    """Whether :func:`problem`'s answer is a record cut short at the end of the file (not damage)."""
    return why.startswith("incomplete") or PAST_END in why


def write_all(fd: int, data: bytes | bytearray) -> None:
    """Hand all of ``data`` to the OS (os.write may take less than it is given)."""
    n = os.write(fd, data)
    if n < len(data):  # (rare: a signal, a full disk's partial write)
        view = memoryview(data)[n:]
        while view:
            view = view[os.write(fd, view):]
