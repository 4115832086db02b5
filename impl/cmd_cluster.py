"""Start, inspect and stop a local key-value cluster, Raft or Multi-Paxos (separate processes on 127.0.0.1)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from impl.runtime import cluster


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of `paxraft cluster`."""
    parser.add_argument("action", choices=("start", "status", "stop", "recover-node", "add", "remove",
                                                "transfer"))
    parser.add_argument("--dir", required=True, type=Path, help="the cluster's folder (ports, secret, node data)")
    parser.add_argument("--nodes", type=int, default=3, help="number of nodes of a new cluster (default 3)")
    parser.add_argument("--node", type=int, help="recover-node: the node whose storage is set aside and rebuilt "
                                                 "from the others (it does not vote until it has caught up); "
                                                 "remove: the node to take out of the configuration and stop")
    parser.add_argument("--to", type=int, default=None,
                        help="transfer: the node to hand leadership to (default: the leader picks the member "
                             "whose log is most complete)")
    parser.add_argument("--wait", type=float, default=60.0,
                        help="add/remove: seconds to wait for the change to be committed; recover-node: for the "
                             "node to catch up; transfer: for the new leader (default 60)")
    parser.add_argument("--no-fsync", action="store_true", help="new cluster: do not fsync the log (faster, unsafe)")
    parser.add_argument("--no-trace", action="store_true", help="new cluster: do not write trace files")
    parser.add_argument("--protocol", choices=cluster.PROTOCOLS, default=None,
                        help="new cluster: the replication protocol (default raft; docs/multipaxos.md)")


def run(args: argparse.Namespace) -> int:
    """Carry out the action; exit status 1 when a node is down / the cluster does not come up."""
    from modelcheck.cli.common import UsageError

    d: Path = args.dir
    try:
        return _run(args, d)
    except cluster.ClusterError as exc:
        raise UsageError(str(exc)) from exc
    except RuntimeError as exc:  # the cluster did not come up, a node did not start, no answer in time
        print(f"paxraft cluster: {exc}")
        return 1


def _down(d: Path, ids: list[int], running: dict[int, int]) -> int:
    """Print a line per node that is not running, or runs and does not answer (a stopped process: `start` said
    "cluster is up", exit 0, with one); how many."""
    answering = asyncio.run(cluster.statuses(d, 1.0)) if running else {}
    down = [i for i in ids if i not in running or answering.get(i) is None]
    for i in down:
        print(f"node {i}: down: {cluster.down_reason(d, i)}")
    return len(down)


def _run(args: argparse.Namespace, d: Path) -> int:
    from modelcheck.cli.common import UsageError, positive

    positive("--wait", args.wait)
    cluster.check_folder(d)
    if args.action == "start":
        if args.nodes < 1 or args.nodes > 9:
            raise UsageError(f"--nodes must be 1..9, not {args.nodes}")
        if args.protocol and (d / "cluster.json").exists():
            has = cluster.protocol_of(cluster.load(d))
            if has != args.protocol:
                raise UsageError(f"{d}: an existing {has} cluster; --protocol {args.protocol} applies to a new one")
        extra = {"protocol": args.protocol} if args.protocol else {}
        pids = cluster.start(d, args.nodes, fsync=not args.no_fsync, trace=not args.no_trace, **extra)
        desc = cluster.load(d)
        for i, pid in sorted(pids.items()):
            print(f"node {i}: pid {pid}, 127.0.0.1:{desc['nodes'][str(i)]}, data {d / f'node-{i}'}")
        if _down(d, cluster.members(desc), pids):  # (a node `cluster remove` took out is not down)
            print("cluster is up, but not every node is")
            return 1
        print("cluster is up")
        return 0
    if not (d / "cluster.json").exists():
        raise UsageError(f"{d}: no cluster.json (start a cluster there first)")
    desc = cluster.load(d)
    ids = sorted(int(k) for k in desc["nodes"])
    if args.action == "recover-node":
        if args.node not in ids:
            raise UsageError(f"--node must name one of the nodes {ids}, not {args.node}")
        moved = cluster.recover_node(d, args.node, wait=args.wait)  # (returns once the node has caught up)
        print(f"node {args.node}: rebuilt from its peers and caught up, voting again; "
              f"{kept_storage(d / f'node-{args.node}', moved)}")
        return 0
    if args.action == "add":
        node, pid = cluster.add_node(d, wait=args.wait)
        print(f"node {node}: pid {pid}, 127.0.0.1:{cluster.load(d)['nodes'][str(node)]}: caught up and added "
              "to the configuration")
        return 0
    if args.action == "remove":
        if args.node is None:
            raise UsageError("remove needs --node N")
        cluster.remove_node(d, args.node, wait=args.wait)
        print(f"node {args.node}: removed from the configuration and stopped")
        return 0
    if args.action == "transfer":
        old, term, new, new_term = cluster.transfer(d, args.to, wait=args.wait)
        note = "" if args.to in (None, new) else f" (not node {args.to}: it lost the election)"
        print(f"leadership moved from node {old} (term {term}) to node {new} (term {new_term}){note}")
        return 0
    if args.action == "stop":
        stopped = cluster.stop(d)
        print(f"stopped nodes {', '.join(map(str, stopped))}" if stopped else "no node was running")
        return 0
    sts = asyncio.run(cluster.statuses(d, 5.0))  # (a busy node may take over 0.5 s: it is not down)
    print(f"{'node':>4} {'pid':>7} {'role':<9} {'term':>5} {'leader':>6} {'commit':>8} {'applied':>8} {'last':>8}")
    down = 0
    removed = set(desc.get("removed", ()))
    for i, st in sorted(sts.items()):
        if i in removed:  # (one still running, started by hand or by an older recover-node, was shown as stopped)
            print(f"{i:>4} {st['pid']:>7} {'removed':<9} still running: `cluster stop` stops it" if st else
                  f"{i:>4} {'-':>7} {'removed':<9}")
            continue
        if st is None:
            down += 1
            print(f"{i:>4} {'-':>7} {'down':<9} {cluster.down_reason(d, i)}")
            continue
        print(f"{i:>4} {st['pid']:>7} {st['role']:<9} {st['term']:>5} {st['leader'] or '-':>6} {st['commit']:>8} "
              f"{st['applied']:>8} {st['last_index']:>8}")
    lead = next((st for st in sts.values() if st and st["role"] == "Leader" and "members" in st), None)
    if lead is not None:
        print(f"configuration: {', '.join(map(str, lead['members']))} (the leader's, from index "
              f"{lead['config_index']})")
    return 1 if down else 0


def kept_storage(home: Path, moved: Path | None) -> str:
    """Where recover-node left a node's old storage. With none to move, the latest folder an earlier recover-node moved
    one to (one killed once it had set the storage aside left the node none: the next said only "it had no storage to
    keep", as if the node's log had never been)."""
    if moved is not None:
        return f"old storage kept in {moved}"
    earlier = sorted(home.glob("wal.damaged-*"), key=lambda p: p.stat().st_mtime)
    return "it had no storage to set aside" + (f" (the latest set aside: {earlier[-1]})" if earlier else "")
