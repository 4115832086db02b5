"""Talk to a local cluster's key-value store: put, get, delete, compare-and-set."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from impl.kv.client import ClientError, KVClient
from impl.kv.machine import CAS_FAILED, NOT_FOUND, OK


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of `paxraft kv`."""
    parser.add_argument("op", choices=("put", "get", "delete", "cas"))
    parser.add_argument("key")
    parser.add_argument("value", nargs="*", help="put: VALUE; cas: EXPECTED NEW (EXPECTED '-' = absent)")
    parser.add_argument("--dir", required=True, type=Path, help="the cluster's folder")
    parser.add_argument("--timeout", type=float, default=10.0)


def run(args: argparse.Namespace) -> int:
    """Print the answer; exit status 1 for not found / cas failed / no answer."""
    from impl.runtime import cluster
    from modelcheck.cli.common import UsageError, positive

    need = {"put": 1, "get": 0, "delete": 0, "cas": 2}[args.op]
    if len(args.value) != need:
        raise UsageError(f"kv {args.op} takes {need} value argument(s) after the key, got {len(args.value)}")
    positive("--timeout", args.timeout)
    if not (args.dir / "cluster.json").exists():
        raise UsageError(f"{args.dir}: no cluster.json (start a cluster there first)")
    try:
        cluster.load(args.dir)  # private to us and usable, as every cluster command checks
    except cluster.ClusterError as exc:
        raise UsageError(str(exc)) from None
    # the bytes given, as the OS passed them (a key that is not UTF-8 was an internal error, exit 4)
    key = os.fsencode(args.key)
    vals = [os.fsencode(v) for v in args.value]

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
                r = await c.cas(key, None if args.value[0] == "-" else vals[0], vals[1])
        except ClientError as exc:
            print(f"paxraft kv: {exc}")
            return 1
        finally:
            await c.close()
        if r.status == OK:
            if args.op == "get" and r.value is not None:  # the value's bytes as stored (not decoded with loss)
                sys.stdout.flush()
                sys.stdout.buffer.write(r.value + b"\n")
                sys.stdout.buffer.flush()
            else:
                print("ok")
            return 0
        if r.status == NOT_FOUND:
            print("not found")
        elif r.status == CAS_FAILED:
            cur = "absent" if r.value is None else r.value.decode(errors="replace")
            print(f"cas failed: current value is {cur}")
        return 1

    return asyncio.run(go())
