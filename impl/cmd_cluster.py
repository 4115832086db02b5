"""Start, inspect and stop a local Raft key-value cluster (separate processes on 127.0.0.1)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from impl.runtime import cluster


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of `paxraft cluster`."""
    parser.add_argument("action", choices=("start", "status", "stop"))
    parser.add_argument("--dir", required=True, type=Path, help="the cluster's folder (ports, secret, node data)")
    parser.add_argument("--nodes", type=int, default=3, help="number of nodes of a new cluster (default 3)")
    parser.add_argument("--no-fsync", action="store_true", help="new cluster: do not fsync the log (faster, unsafe)")
    parser.add_argument("--no-trace", action="store_true", help="new cluster: do not write trace files")


def run(args: argparse.Namespace) -> int:
    """Carry out the action; exit status 1 when the cluster does not come up / is not there."""
    from modelcheck.cli.common import UsageError

    d: Path = args.dir
    if args.action == "start":
        if args.nodes < 1 or args.nodes > 9:
            raise UsageError(f"--nodes must be 1..9, not {args.nodes}")
        try:
            pids = cluster.start(d, args.nodes, fsync=not args.no_fsync, trace=not args.no_trace)
        except RuntimeError as exc:
            print(f"paxraft cluster: {exc}")
            return 1
        desc = cluster.json.loads((d / "cluster.json").read_text())
        for i, pid in sorted(pids.items()):
            print(f"node {i}: pid {pid}, 127.0.0.1:{desc['nodes'][str(i)]}, data {d / f'node-{i}'}")
        print("cluster is up")
        return 0
    if not (d / "cluster.json").exists():
        raise UsageError(f"{d}: no cluster.json (start a cluster there first)")
    if args.action == "stop":
        stopped = cluster.stop(d)
        print(f"stopped nodes {', '.join(map(str, stopped))}" if stopped else "no node was running")
        return 0
    sts = asyncio.run(cluster.statuses(d))
    print(f"{'node':>4} {'pid':>7} {'role':<9} {'term':>5} {'leader':>6} {'commit':>8} {'applied':>8} {'last':>8}")
    up = 0
    for i, st in sorted(sts.items()):
        if st is None:
            print(f"{i:>4} {'-':>7} {'down':<9}")
            continue
        up += 1
        print(f"{i:>4} {st['pid']:>7} {st['role']:<9} {st['term']:>5} {st['leader'] or '-':>6} {st['commit']:>8} "
              f"{st['applied']:>8} {st['last_index']:>8}")
    return 0 if up else 1
