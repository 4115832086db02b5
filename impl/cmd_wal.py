"""Inspect a node's stable storage: what its write-ahead log and snapshot hold, and what is wrong with them."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from impl.storage.wal import RECOVER, check
from impl.trace import TraceFileError, check_trace, segment_numbers, set_aside, trace_size
from spec.core import SpecError
from spec.userfiles import MAX_SMALL_FILE_BYTES, load_json, read_text


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of `paxraft wal`."""
    parser.add_argument("action", choices=("check",))
    parser.add_argument("node_dir", type=Path, help="a node's folder (e.g. D/node-1) or its wal/ folder")
    parser.add_argument("--json", action="store_true", help="print a JSON object (ok, last_index, commit_index, "
                                                            "term, errors, ...)")


def _owner(wal_dir: Path) -> tuple[tuple[bytes, int] | None, str, str | None]:
    """The owner the log of ``D/node-N/wal`` must name, from ``D/cluster.json`` (None when there is none), the
    way out a refusal names (recover the node from its peers, Raft or Multi-Paxos), and why
    cluster.json could not be read: a cluster.json nested 100,000 deep was an internal error, and a damaged one
    (not UTF-8, a list, a directory) was passed over, so "ok" was said of a node that refuses to start."""
    from impl.runtime.cluster import identity

    home = wal_dir.parent if wal_dir.name == "wal" else wal_dir
    name, _, node = home.name.partition("-")
    path = home.parent / "cluster.json"
    if name != "node" or not (node.isascii() and node.isdigit()) or not os.path.lexists(path):
        return None, RECOVER, None
    try:
        desc = load_json(read_text(path, limit=MAX_SMALL_FILE_BYTES), str(path))
        return identity(desc, int(node)), RECOVER, None
    except SpecError as exc:  # (it names the file)
        return None, RECOVER, f"{exc}: not a usable cluster description; the log's owner was not checked"
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return None, RECOVER, f"{path}: not a usable cluster description ({exc}); the log's owner was not checked"


def run(args: argparse.Namespace) -> int:
    """Exit status 0 when the storage is usable, 1 when a node must refuse it."""
    from modelcheck.cli.common import UsageError

    d: Path = args.node_dir
    if not d.is_dir():
        raise UsageError(f"{d}: not a folder")
    wal_dir = d / "wal" if os.path.lexists(d / "wal") else d  # (a wal/ that is a file: the node's, REFUSED)
    # a node's folder (its wal/ is there) or storage whose log is missing is checked (and REFUSED); a folder holding
    # nothing of a log is the wrong folder
    node = wal_dir != d or (d.name == "wal" and d.resolve().parent.name.startswith("node-"))
    if not node and not any(os.path.lexists(wal_dir / f) for f in ("wal.log", "snapshot.bin")):
        raise UsageError(f"{d}: no wal.log here nor in {d / 'wal'} (not a node's folder, nor its wal/ folder)")
    first = (wal_dir.parent if wal_dir.name == "wal" else wal_dir) / "trace.bin"
    (owner, way_out, owner_error), size, trace_error = _owner(wal_dir), None, None
    traced = first.exists() or bool(segment_numbers(first))  # (its first segment gone: refused)
    if node and traced:  # a node's start reads its trace's segments' heads and its last one: a damaged one
        try:  # refuses it; every segment is read whole here, as the audit reads them
            check_trace(first, owner[1] if owner else None)
            size = trace_size(first)
        except (TraceFileError, OSError) as exc:
            trace_error = f"{exc} ({set_aside(first.parent)})"
    jsonl = first.with_name("trace.jsonl")  # (a Multi-Paxos node's, or one from before compact files)
    if node and not traced and jsonl.is_file():
        first, size = jsonl, jsonl.stat().st_size
    rep = check(wal_dir, owner, (first, size) if size is not None else None, way_out)  # (and the trace's size)
    for error in (owner_error, trace_error):
        if error is not None:
            rep.ok = False
            rep.errors.append(error)
    if args.json:
        print(json.dumps(rep.as_dict()))
    else:
        print(f"{wal_dir}: {'ok' if rep.ok else 'REFUSED'} (format {rep.format}); term {rep.term}, vote {rep.vote}; "
              f"snapshot up to {rep.snapshot_index}, last index {rep.last_index}, commit index {rep.commit_index}; "
              f"{rep.synced_bytes:,} of {rep.file_bytes:,} bytes synced, {rep.torn_bytes:,} in an unsynced tail")
        for e in rep.errors:
            print(f"error: {e}")
    return 0 if rep.ok else 1
