"""A node's incarnation number (its ``boot`` file): a leader takes a higher incarnation of a follower for a new one
(``RaftNode`` ``pr.boot``) and, when that one's log ends before what the old one acknowledged, replicates from what it
has (its storage was rebuilt by `cluster recover-node`)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from impl.storage.files import read_regular, replace_synced

log = logging.getLogger("paxraft.node")


def next_boot(path: Path, node: int) -> int:
    """This start's incarnation number, one above the last (0 at the first start), recorded durably first.

    It was rewritten in place without an fsync: a crash (or a power cut, ext4 leaving a zero-length file) in
    between left a file that ended every later start in a ValueError traceback. It is replaced atomically now;
    an unreadable one (written before, or damaged) gives way to the time in seconds, above every count a node
    reaches."""
    try:
        text = read_regular(path, 64).decode(errors="replace")  # (NotRegularError, a FIFO or a folder: refused)
    except FileNotFoundError:
        text = "-1"
    try:
        boot = int(text) + 1
    except ValueError:
        boot = int(time.time())
        log.warning("node %d: %s held %r, not a boot count: this boot is %d", node, path, text[:20], boot)
    _write(path, boot)
    return boot


def rebuilt_boot(path: Path) -> None:
    """Before a rebuilt node's first start (`cluster recover-node`): its next boot above every earlier one, the time
    in seconds when the file is missing or behind it. A node folder lost whole and made again started at boot 0; its
    leader, which had seen boot 1 or more acknowledge the old log, took the rebuilt node for that one, never
    lowered what it believed it held, and the node waited to catch up (without a vote) for as long as it led."""
    try:
        last = int(read_regular(path, 64))
    except (OSError, ValueError):
        last = -1
    _write(path, max(last, int(time.time())))


def _write(path: Path, boot: int) -> None:
    """Replace ``path`` with ``boot``, synced."""
    replace_synced(path, str(boot).encode())
