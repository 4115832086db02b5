"""Reading a user's files (traces, histories, quorum files): bounded, UTF-8, JSON of bounded depth.

Every reader of a file a user names goes through here, so that a directory, a device such as
``/dev/zero``, a binary file, a number of 5,000 digits or JSON nested 100,000 levels deep is
one error naming the file (and the line), never a hang, a MemoryError or a traceback. An error
quotes at most :data:`TOKEN_CHARS` characters of what it found.
"""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path
from typing import Any

from spec.core import SpecError

#: Largest file read whole: trace and history files (a long audited run is a few hundred MB).
MAX_FILE_BYTES = 1 << 30
#: Largest small text file (a quorum file).
MAX_SMALL_FILE_BYTES = 1 << 20
#: Longest piece of a file's content an error message quotes.
TOKEN_CHARS = 40


def clip(token: str, limit: int = TOKEN_CHARS) -> str:
    """``token`` as it is, cut to ``limit`` characters with the length left out said."""
    return token if len(token) <= limit else f"{token[:limit]}... ({len(token):,} characters)"


def quote(token: str, limit: int = TOKEN_CHARS) -> str:
    """``repr(token)``, cut to ``limit`` characters with the length left out said."""
    if len(token) <= limit:
        return repr(token)
    return f"{token[:limit]!r}... ({len(token):,} characters)"


def open_user_file(path: str | Path, name: str, error: type[Exception] = SpecError,
                   regular: bool = False) -> io.BufferedReader:
    """``path`` open for reading (binary), or ``error`` saying in one line why not, the file called ``name``.

    It never waits: a FIFO is opened without blocking (``open`` waited for ever for a writer that never came), then
    read as a pipe (to its writers' end, at once when it has none). With ``regular``, anything but a regular file
    is refused: a reader that reads it twice (the audit) got a pipe's bytes once, and ``/dev/zero``'s for ever."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise error(f"{name}: cannot read: no such file") from None
    except IsADirectoryError:
        raise error(f"{name}: cannot read: a directory, not a file") from None
    except (OSError, ValueError) as exc:  # (ValueError: a NUL in the name)
        raise error(f"{name}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise error(f"{name}: cannot read: a directory, not a file")
        if regular and not stat.S_ISREG(mode):
            raise error(f"{name}: cannot read: {_kind(mode)}, not a regular file (it is read twice: save it to a "
                        "file first)")
        os.set_blocking(fd, True)  # (a pipe's reads wait for its writer, as a plain open's do)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _kind(mode: int) -> str:
    """What a file that is not a regular one is, for a message."""
    for test, kind in ((stat.S_ISFIFO, "a pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a file"


def read_bytes(
    path: str | Path, what: str = "", limit: int = MAX_FILE_BYTES, error: type[Exception] = SpecError
) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them; ``error`` names ``what`` and the file otherwise."""
    name = f"{what} {path}".strip()
    too_large = f"{name}: larger than {limit:,} bytes; not a file paxraft reads"
    fh = open_user_file(path, name, error)
    try:
        with fh:
            st = os.fstat(fh.fileno())
            size = st.st_size if stat.S_ISREG(st.st_mode) else 0  # (a device or a pipe: read up to the limit)
            if size > limit:  # (refused from its size: it was read, up to the limit, first)
                raise error(too_large)
            # (a file's size, not the limit: read(limit + 1) took a buffer of the limit, 1 GiB, for every file)
            data = fh.read(size + 1 if size else limit + 1)
            if 0 < size < len(data) <= limit:  # (it grew while read)
                data += fh.read(limit + 1 - len(data))
    except OSError as exc:  # (a read that fails: EIO, or a file that vanished under us)
        raise error(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(too_large)
    return data


def decode(data: bytes, name: str, error: type[Exception] = SpecError) -> str:
    """``data`` as UTF-8 text; otherwise ``error`` naming the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(f"{name}:{line}: not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start:,})") from None


def read_text(
    path: str | Path, what: str = "", limit: int = MAX_FILE_BYTES, error: type[Exception] = SpecError
) -> str:
    """The UTF-8 text of ``path`` (bounded as :func:`read_bytes`)."""
    return decode(read_bytes(path, what, limit, error), f"{what} {path}".strip(), error)


def load_json(text: str, where: str, error: type[Exception] = SpecError) -> Any:
    """``json.loads(text)``; a syntax error, JSON nested too deep or a number too long is ``error`` at ``where``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise error(f"{where}: JSON nested too deeply (more than about 1,000 levels)") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise error(f"{where}: unreadable JSON value ({str(exc).split(';')[0]})") from None
