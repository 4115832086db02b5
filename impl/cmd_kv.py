"""Talk to a local cluster's key-value store: put, get, delete, compare-and-set."""

from __future__ import annotations

import argparse
import asyncio
import os
import select
import sys
import time
from pathlib import Path

from impl.kv.client import ClientError, KVClient
from impl.kv.machine import CAS_FAILED, NOT_FOUND, OK
from impl.kv.protocol import MAX_COMMAND_BYTES, check_command_size


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of `paxraft kv`."""
    parser.add_argument("op", choices=("put", "get", "delete", "cas"))
    parser.add_argument("key")
    parser.add_argument("value", nargs="*", help="put: VALUE; cas: EXPECTED NEW (EXPECTED '-' = absent)")
    parser.add_argument("--value-file", metavar="FILE",
                        help="put: the value, cas: NEW, read from FILE ('-': standard input), its bytes exactly "
                             "(for a value too long for the command line or not text)")
    parser.add_argument("--raw", action="store_true", help="get: print the value's bytes only, no newline after")
    parser.add_argument("--dir", required=True, type=Path, help="the cluster's folder")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="seconds to read --value-file to its end, then seconds for the cluster's answer "
                             "(default 10)")


def run(args: argparse.Namespace) -> int:
    """Print the answer; exit status 1 for not found / cas failed / no answer."""
    from impl.runtime import cluster
    from modelcheck.cli.common import UsageError, positive

    need = {"put": 1, "get": 0, "delete": 0, "cas": 2}[args.op]
    if args.value_file is not None:
        if args.op not in ("put", "cas"):
            raise UsageError(f"--value-file gives put's value or cas's NEW; kv {args.op} takes none")
        need -= 1
    if args.raw and args.op != "get":
        raise UsageError(f"--raw prints what kv get reads; kv {args.op} prints no value")
    if len(args.value) != need:
        raise UsageError(f"kv {args.op} takes {need} value argument(s) after the key"
                         f"{' besides --value-file' if args.value_file is not None else ''}, got {len(args.value)}")
    positive("--timeout", args.timeout)
    try:
        cluster.check_folder(args.dir)
    except cluster.ClusterError as exc:
        raise UsageError(str(exc)) from None
    if not (args.dir / "cluster.json").exists():
        raise UsageError(f"{args.dir}: no cluster.json (start a cluster there first)")
    try:
        desc = cluster.load(args.dir)  # private to us and usable, as every cluster command checks
    except cluster.ClusterError as exc:
        raise UsageError(str(exc)) from None
    limit = desc.get("max_command_bytes", MAX_COMMAND_BYTES)
    # the bytes given, as the OS passed them (a key that is not UTF-8 was an internal error, exit 4)
    key = os.fsencode(args.key)
    vals = [os.fsencode(v) for v in args.value]
    if args.value_file is not None:
        vals.append(_read_value(args.value_file, limit, args.timeout))
    expected = (None if args.value[0] == "-" else vals[0]) if args.op == "cas" else None
    try:
        check_command_size(key, vals[-1] if vals else b"", expected, limit)
    except ValueError as exc:
        raise UsageError(f"kv {args.op}: {exc}") from None

    async def go() -> int:
        c = KVClient.from_dir(args.dir, args.timeout)
        try:
            if args.op == "put":
                r = await c.put(key, vals[0])
            elif args.op == "get":
                r = await c.get(key)
            elif args.op == "delete":
                r = await c.delete(key)
            else:
                r = await c.cas(key, expected, vals[1])
        except ClientError as exc:
            print(f"paxraft kv: {exc}")
            return 1
        finally:
            await c.close()
        if r.status == OK:
            if args.op == "get" and r.value is not None:  # the value's bytes as stored (not decoded with loss)
                sys.stdout.flush()
                sys.stdout.buffer.write(r.value if args.raw else r.value + b"\n")
                sys.stdout.buffer.flush()
            else:
                print("ok")
            return 0
        if r.status == NOT_FOUND:
            print("not found")
        elif r.status == CAS_FAILED:
            print(f"cas failed: current value is {_shown(r.value, args.key)}")
        return 1

    return asyncio.run(go())


SHOWN_CHARS = 200  # the longest current value a failed cas prints


def _shown(value: bytes | None, key: str) -> str:
    """A failed cas's current value as one line: as it is when it is a short line of text, else its size (it was
    printed decoded with replacement characters, whole, newlines and all: 300 KiB of binary on many lines)."""
    if value is None:
        return "absent"
    if not value:
        return "empty (0 bytes)"
    try:
        text = value.decode()
    except UnicodeDecodeError:
        text = ""
    if text and text.isprintable() and len(text) <= SHOWN_CHARS:
        return text
    return f"{len(value):,} bytes, not shown (not a short line of text): kv get {key} --raw prints them"


def _read_value(name: str, limit: int, timeout: float) -> bytes:
    """The bytes of ``name`` ('-': standard input), read up to one byte past the cluster's ``limit``, so a
    device without end (/dev/zero) or a huge file is refused by its size, not read whole; within ``timeout``
    seconds (kv's --timeout): a FIFO without a writer, or a terminal or pipe that never ends, held `kv put` for
    ever (its open() alone waited for a writer)."""
    from modelcheck.cli.common import UsageError

    deadline = time.monotonic() + timeout
    try:
        fd = 0 if name == "-" else os.open(name, os.O_RDONLY | os.O_NONBLOCK)  # (a FIFO's open waits for a writer)
        try:
            if fd:
                os.set_blocking(fd, True)  # (our own open file: what poll says is ready reads without waiting)
            data = _read_within(fd, limit + 1, deadline)
        finally:
            if fd:
                os.close(fd)
    except OSError as exc:
        raise UsageError(f"--value-file {name}: {exc.strerror or exc}") from None
    if data is None:
        raise UsageError(f"--value-file {name}: still not read to its end after --timeout {timeout:g} s "
                         f"(a FIFO without a writer, or a pipe or terminal left open?)")
    if len(data) > limit:
        raise UsageError(f"--value-file {name}: longer than this cluster's max_command_bytes ({limit:,})")
    return data


def _read_within(fd: int, most: int, deadline: float) -> bytes | None:
    """Up to ``most`` bytes of ``fd`` to its end, reading only what poll says is there, so that nothing waits past
    ``deadline`` (``time.monotonic``); None when it passes first. (A regular file or a device polls ready always.)"""
    parts: list[bytes] = []
    got = 0
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while got < most:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(max(1, int(left * 1000) + 1)):
            return None
        part = os.read(fd, min(most - got, 1 << 20))
        if not part:  # the end (a FIFO: its last writer closed)
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)
