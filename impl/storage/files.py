"""The small files of a cluster's folder (cluster.json, a node's pid, lock, boot, rejoining marker and node.log),
read so that nothing there can hold a command or a node: only a regular file (or a link to one) is read, opened
without waiting and read up to a bound. A FIFO put in the place of any of them held `cluster status`, `start`, `stop`
or the node itself for ever (an open() for reading waits for a writer), and each was read whole."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from impl.storage.records import write_all


class NotRegularError(OSError):
    """What is at a path is not a regular file (its message says what it is)."""


def kind(mode: int) -> str:
    """What a file that is not a regular one is, for a message."""
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file (a FIFO, a device or a socket)"


def not_a_file(path: Path) -> str | None:
    """None when nothing is at ``path``; '' for a regular file (or a link to one); else what is there."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "a symbolic link to nothing" if os.path.islink(path) else None
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    return "" if stat.S_ISREG(st.st_mode) else kind(st.st_mode)


def read_regular(path: Path, limit: int, tail: bool = False) -> bytes:
    """At most ``limit`` bytes of the regular file ``path`` (its last ones with ``tail``), without waiting:
    NotRegularError for anything else (FileNotFoundError and other OSErrors as open() raises them)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularError(f"{path}: {kind(st.st_mode)}")  # (one argument: no "[Errno 22]" before it)
        start = max(0, st.st_size - limit) if tail else 0
        return os.pread(fd, limit, start)
    finally:
        os.close(fd)


def sync_folder(path: Path) -> None:
    """fsync a folder: the names created, renamed or removed in it so far survive a power cut."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_synced(path: Path, data: bytes) -> None:
    """Replace ``path`` whole and durably: a temporary file beside it, written, synced and renamed over it (written in
    place, a kill between the open and the write left an empty file). The caller syncs the folder when the rename
    itself must survive a power cut. A failed write names the temporary file."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        write_all(fd, data)
        os.fsync(fd)
    except OSError as exc:  # (a full disk: the node's 'cannot start' line named no file)
        raise name_file(exc, tmp) from None
    finally:
        os.close(fd)
    os.replace(tmp, path)


def name_file(exc: OSError, path: str | os.PathLike[str]) -> OSError:
    """``exc`` naming ``path`` when it names no file (a write to a descriptor names none: a full disk's node said
    'writing its log or trace failed', not which file); raise what it returns."""
    if exc.filename is None:
        exc.filename = os.fspath(path)
    return exc
