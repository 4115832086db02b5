"""A node's closed trace segments, compressed off its write path (docs/trace-format.md, "Compressed segments").

A closed continuation segment (``trace.000002.bin``, ...: one that ends with its NEXT record and has a successor)
is rewritten as ``trace.000002.bin.z``: the 8 bytes ``PXRTRCZ\\n``, a 16-byte head (the segment's length and crc32,
8 + 4 bytes, then the crc32 of those 12; big-endian), then the segment's bytes as one zlib stream (level 6, which
carries its own adler32). The readers (impl/trace.py, :func:`read_segment`) read either form; the first segment
(``trace.bin``, the name every command is given) and the last (the one the node appends to) are never compressed.

The work runs in a child process of the node (``python -S -m impl.tracezip FIRST``, :func:`spawn`), started when
the node closes a segment and at its start when one is left uncompressed, at nice 19: the node's event loop only
starts it. Each step is crash-safe: the ``.z`` is written as a temporary, fsync'd, read back and checked against
the segment's length and crc32, renamed into place and the folder fsync'd; only then is the segment removed (and
the folder fsync'd). A crash between leaves both files: the readers read the segment, and the
next run checks the ``.z`` against it and removes the segment (or writes the ``.z`` again).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

from impl.storage.files import sync_folder
from impl.storage.records import REC, problem, write_all
from spec.trace_format import COMPRESSED_MAGIC as ZMAGIC

# the records that link a compact trace's segments (impl/trace.py, docs/trace-format.md "Segments"): a continuation
# segment's first record, and a full segment's last; both hold LINK: node, the segment's number (the first is 1),
# where it starts in the node's whole trace (the segments' bytes end to end) and a random link, the same in both
SEGMENT, NEXT = 3, 4
LINK = struct.Struct(">IIQ8s")
LEVEL = 6  # (benchmarks/trace_growth.py: level 1 is ~3x as fast for 3/4 of the ratio; lzma, bz2: 10-35x the CPU)
_HEAD = 8 + 4  # the segment's length and crc32, then the crc32 of those 12 bytes
_CHUNK = 1 << 20
MOST = 1 << 30  # the longest segment read (spec.userfiles.MAX_FILE_BYTES, cluster.json's trace_segment_bytes)
_STEP = 1 << 16  # (the input a check step takes: zlib inflates it to at most ~64 MiB, taken 1 MiB at a time)


class CompressedSegmentError(ValueError):
    """A ``.z`` segment that does not read back as the segment it was made of: names the file and what is wrong."""


def segment_path(first: Path, number: int) -> Path:
    """Segment ``number`` of the compact trace whose first segment is ``first``: ``trace.bin`` (1), then
    ``trace.000002.bin``, ``trace.000003.bin``... beside it."""
    return first if number == 1 else first.with_name(f"{first.stem}.{number:06d}{first.suffix}")


def segment_pattern(first: Path) -> re.Pattern[str]:
    """The names of the trace's continuation segments, either form (group 1: the number)."""
    return re.compile(re.escape(first.stem) + r"\.(\d{6,})" + re.escape(first.suffix) + r"(?:\.z)?")


def segment_numbers(first: Path) -> list[int]:
    """The numbers of the continuation segments beside ``first`` (by the folder's names, either form), ascending."""
    pattern = segment_pattern(first)
    try:
        names = os.listdir(first.parent)
    except FileNotFoundError:
        return []
    return sorted({int(m.group(1)) for n in names if (m := pattern.fullmatch(n)) and int(m.group(1)) > 1})


def zipped(segment: Path) -> Path:
    """Where ``segment``'s compressed form is: beside it, ``.z`` added to its name."""
    return segment.with_name(segment.name + ".z")


def _head(length: int, crc: int) -> bytes:
    h = length.to_bytes(8, "big") + crc.to_bytes(4, "big")
    return h + zlib.crc32(h).to_bytes(4, "big")


_STREAM = len(ZMAGIC) + _HEAD + 4  # where a .z's zlib stream starts


def _bad(name: str, why: str) -> CompressedSegmentError:
    return CompressedSegmentError(f"{name}: damaged compressed segment: {why}")


def _length_crc(data: bytes, name: str, limit: int) -> tuple[int, int]:
    """The segment length and crc32 a ``.z``'s head (``data``: its first bytes) says; CompressedSegmentError when the
    head is damaged or cut short, or the length is over ``limit``."""
    if not data.startswith(ZMAGIC):
        raise _bad(name, f"it does not start with {ZMAGIC!r}")
    if len(data) < _STREAM:
        raise _bad(name, f"{len(data)} bytes, shorter than its head")
    head = data[len(ZMAGIC) : _STREAM]
    if zlib.crc32(head[:_HEAD]) != int.from_bytes(head[_HEAD:], "big"):
        raise _bad(name, "head checksum mismatch")
    length = int.from_bytes(head[:8], "big")
    if length > limit:
        raise _bad(name, f"it says it holds {length:,} bytes, more than the {limit:,} a segment is read up to")
    return length, int.from_bytes(head[8:_HEAD], "big")


def segment_start(z: Path, n: int) -> tuple[int, bytes]:
    """A ``.z`` file's segment length (as its head says) and the segment's first ``n`` bytes (fewer when it is
    shorter), inflating only those: a node's start checks each segment's head, not its records.
    CompressedSegmentError naming the file when its head is damaged or its stream does not give them."""
    with open(z, "rb") as f:
        length, _ = _length_crc(f.read(_STREAM), str(z), MOST)
        want, out, tail = min(n, length), b"", b""
        d = zlib.decompressobj()
        try:
            while len(out) < want and not d.eof:
                chunk = tail or f.read(4096)
                if not chunk:
                    raise _bad(str(z), f"the stream ends early, after {len(out):,} of {length:,} bytes (cut short)")
                out += d.decompress(chunk, want - len(out))
                tail = d.unconsumed_tail
        except zlib.error as exc:
            raise _bad(str(z), f"the stream does not decompress ({exc})") from None
    if len(out) < want:
        raise _bad(str(z), f"{len(out):,} bytes that do not match its head ({length:,} bytes, their checksum)")
    return length, out


def decompress(data: bytes, name: str, limit: int) -> bytes:
    """A ``.z`` file's bytes (``data``, of the file ``name``) as the segment they hold; CompressedSegmentError when
    they do not read back whole: a head or stream damaged or cut short, a length or checksum that does not match,
    bytes after the stream, a segment longer than ``limit``."""
    length, crc = _length_crc(data, name, limit)
    # checked first a piece at a time, keeping nothing (a bomb: a small file inflating to a gigabyte held 2 GiB,
    # zlib's blocks and their join), then inflated once into one buffer of the length the check found
    body = memoryview(data)[_STREAM:]
    d = zlib.decompressobj()
    got, check, after = 0, 0, 0  # (after: the input past the stream's end)
    try:
        for pos in range(0, len(body), _STEP):
            tail: bytes | memoryview = body[pos : pos + _STEP]
            while tail and not d.eof:
                out = d.decompress(tail, _CHUNK)
                got, check, tail = got + len(out), zlib.crc32(out, check), d.unconsumed_tail
                if got > length:
                    raise _bad(name, f"it holds more than the {length:,} bytes its head says")
            if d.eof:
                after = len(d.unused_data) + max(0, len(body) - pos - _STEP)
                break
        while not d.eof and (out := d.decompress(b"", _CHUNK)):  # (output zlib held back at the input's end)
            got, check = got + len(out), zlib.crc32(out, check)
            if got > length:
                raise _bad(name, f"it holds more than the {length:,} bytes its head says")
    except zlib.error as exc:
        raise _bad(name, f"the stream does not decompress ({exc})") from None
    if not d.eof:
        raise _bad(name, f"the stream ends early, after {got:,} of {length:,} bytes (cut short)")
    if after or d.unused_data:
        raise _bad(name, f"{after or len(d.unused_data):,} bytes after the stream")
    if got != length or check != crc:
        raise _bad(name, f"{got:,} bytes that do not match its head ({length:,} bytes, their checksum)")
    return zlib.decompress(body, bufsize=max(length, 1))


def next_link(segment: Path) -> bytes | None:
    """The link (LINK) of the intact NEXT record ``segment`` ends with, naming the segment after it; None when it
    ends otherwise (it is not closed)."""
    n = REC + LINK.size
    with open(segment, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < n:
            return None
        f.seek(size - n)
        tail = f.read(n)
    return tail[REC:] if problem(tail, 0) is None and tail[8] == NEXT else None


def compress(segment: Path) -> Path:
    """Write ``segment``'s ``.z`` (a temporary, fsync'd, read back and checked, renamed, the folder fsync'd) and
    remove the segment (the folder fsync'd again); the ``.z``'s path. OSError naming the file on a failure, with
    the temporary removed and the segment left as it was."""
    out = zipped(segment)
    tmp = out.with_name(out.name + ".tmp")
    length, crc = 0, 0
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        z = zlib.compressobj(LEVEL)
        write_all(fd, ZMAGIC + bytes(_HEAD + 4))
        with open(segment, "rb") as f:
            while chunk := f.read(_CHUNK):
                length += len(chunk)
                crc = zlib.crc32(chunk, crc)
                write_all(fd, z.compress(chunk))
        write_all(fd, z.flush())
        os.pwrite(fd, _head(length, crc), len(ZMAGIC))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    try:
        decompress(tmp.read_bytes(), str(tmp), length)  # (read back: its length and crc32 are the segment's as read)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out)
    sync_folder(out.parent)
    segment.unlink()
    sync_folder(out.parent)
    return out


def _holds(z: Path, segment: Path) -> bool | None:
    """Whether the ``.z`` beside ``segment`` (a crash between its rename and the segment's removal) holds it: True;
    False when it is damaged (a crash cannot do that: the disk) or holds a part of it only; None when it reads back
    whole as other bytes, a copy that is not this one's (the segment's bytes changed since, or either file copied
    in)."""
    data = segment.read_bytes()
    try:
        held = decompress(z.read_bytes(), str(z), MOST)
    except CompressedSegmentError:
        return False
    return True if held == data else False if data.startswith(held) else None  # (a prefix: written over, nothing
    # is lost; a .z of the segment before it was closed, copied in)


def _closed(first: Path) -> list[Path]:
    """The trace's closed continuation segments not yet compressed (never its first nor its last)."""
    segs = [segment_path(first, n) for n in segment_numbers(first)[:-1]]  # (the last is the node's, even ending
    return [p for p in segs if p.exists() and next_link(p) is not None]  # with NEXT: it makes the next one at start)


def pending(first: Path) -> bool:
    """Whether the trace whose first segment is ``first`` has a closed segment to compress (a node's start)."""
    return bool(_closed(first))


def _lock(first: Path, wait: bool) -> int | None:
    """A descriptor of ``first`` holding the trace's compression lock (closing it lets go), or None: ``first``
    missing, or (without ``wait``) the lock held by a compressing child."""
    try:
        fd = os.open(first, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def wait_idle(first: Path) -> None:
    """Return once no child compresses the trace (the node takes the lock for its child before starting it, and the
    child lets go only when it finds nothing left to do): with its node stopped, nothing is pending after."""
    fd = _lock(first, wait=True)
    if fd is not None:
        os.close(fd)


def compress_closed(first: Path, lock: int | None = None) -> list[Path]:
    """Compress every closed continuation segment of the trace whose first segment is ``first`` (a ``.z`` left
    beside its segment by a crash: checked, then the segment removed, or written again when damaged); the ``.z``
    files made. A whole ``.z`` of other bytes than its segment: both left, CompressedSegmentError once the rest
    is done.
    Under the trace's lock (``lock``: held already), one at a time, and listed again after letting go: a node that
    closes a segment while the lock is held starts no child for it (:func:`spawn`)."""
    made: list[Path] = []
    kept: set[Path] = set()  # (segments beside a whole .z of other bytes: both kept, neither is known to be wrong)
    while True:
        if lock is None:
            lock = _lock(first, wait=True)
        if lock is None:
            break
        try:
            while segs := [p for p in _closed(first) if p not in kept]:
                for seg in segs:
                    z = zipped(seg)
                    holds = _holds(z, seg) if z.exists() else False
                    if holds is None:  # (written over, it lost a copy the segment may be the damaged one of)
                        kept.add(seg)
                    elif holds:
                        seg.unlink()
                        sync_folder(seg.parent)
                    else:
                        made.append(compress(seg))
        finally:
            os.close(lock)
            lock = None
        if all(p in kept for p in _closed(first)):
            break
    if kept:
        z = zipped(min(kept))
        raise CompressedSegmentError(
            f"{z}: holds other bytes than {z.stem} beside it, which the readers read: both left as they are "
            f"(move the wrong one away){f' (and {len(kept) - 1} more such)' if len(kept) > 1 else ''}")
    return made


def spawn(first: Path) -> subprocess.Popen[bytes] | None:
    """Start ``python -m impl.tracezip first`` (:func:`main`), holding the trace's lock from its start: it
    compresses the closed segments at low priority and exits. None when a child holds the lock already (it lists
    the segments again once it lets go, so it takes the one just closed too). Its errors go to the node's standard
    error (its log)."""
    lock = _lock(first, wait=False)
    if lock is None:
        return None
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH")))))
    try:  # (-S: no site packages; it needs the standard library and impl/storage: ~10 ms to start, not ~50)
        return subprocess.Popen([sys.executable, "-S", "-m", "impl.tracezip", str(first), str(lock)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env, pass_fds=(lock,))
    finally:
        os.close(lock)  # (the child's copy holds it)


def low_priority() -> None:
    """Run this process at nice 19 (and so the lowest best-effort I/O priority): it gets the CPU the node leaves, and
    ~1.5% of a core when the node wants it all, so that it keeps up with a busy node (SCHED_IDLE, 0.3%, did not on
    a loaded machine: 4 KiB segments' children waited 50 s for their start)."""
    with contextlib.suppress(OSError):
        os.nice(19)


def main(argv: list[str]) -> int:
    """``python -m impl.tracezip FIRST [LOCK]``: compress FIRST's trace's closed segments (LOCK: the descriptor of
    the trace's lock, held, that :func:`spawn` passes); one line and exit 1 on a failure (a full disk: the
    segments stay as they are)."""
    low_priority()
    if len(argv) not in (1, 2) or not argv[-1].isdigit() and len(argv) == 2:
        print("usage: python -m impl.tracezip D/node-N/trace.bin", file=sys.stderr)
        return 2
    try:
        compress_closed(Path(argv[0]), int(argv[1]) if len(argv) == 2 else None)
    except (OSError, ValueError) as exc:
        print(f"compressing the trace's closed segments: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
