"""Inspect a node's stable storage: what its write-ahead log and snapshot hold, and what is wrong with them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from impl.storage.wal import check


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of `paxraft wal`."""
    parser.add_argument("action", choices=("check",))
    parser.add_argument("node_dir", type=Path, help="a node's folder (e.g. D/node-1) or its wal/ folder")
    parser.add_argument("--json", action="store_true", help="print a JSON object (ok, last_index, commit_index, "
                                                            "term, errors, ...)")


def run(args: argparse.Namespace) -> int:
    """Exit status 0 when the storage is usable, 1 when a node must refuse it."""
    from modelcheck.cli.common import UsageError

    d: Path = args.node_dir
    if not d.is_dir():
        raise UsageError(f"{d}: not a folder")
    wal_dir = d / "wal" if (d / "wal").is_dir() else d
    if not any((wal_dir / f).exists() for f in ("wal.log", "snapshot.bin")):  # nothing of a log: the wrong folder
        raise UsageError(f"{d}: no wal.log here nor in {d / 'wal'} (not a node's folder, nor its wal/ folder)")
    rep = check(wal_dir)
    if args.json:
        print(json.dumps(rep.as_dict()))
    else:
        print(f"{wal_dir}: {'ok' if rep.ok else 'REFUSED'} (format {rep.format}); term {rep.term}, vote {rep.vote}; "
              f"snapshot up to {rep.snapshot_index}, last index {rep.last_index}, commit index {rep.commit_index}; "
              f"{rep.synced_bytes} of {rep.file_bytes} bytes synced, {rep.torn_bytes} in an unsynced tail")
        for e in rep.errors:
            print(f"error: {e}")
    return 0 if rep.ok else 1
