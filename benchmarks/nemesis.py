"""A Jepsen-style nemesis run of the real store: concurrent clients, faults, the history checked (docs/nemesis.md).

Usage: .venv/bin/python benchmarks/nemesis.py [--store raft|multipaxos] [--nodes 3] [--seconds 30]
       [--seed 0 | --seeds 0-9] [--clients 4] [--keys 3] [--faults kill,pause,partition,power,member] [--out DIR]
       [--snapshot-every 100] [--op-timeout 0.5] [--bug KEY] [--keep]

For each seed: starts a cluster of real node processes in DIR/<store>-<nodes>-<seed>/cluster (compaction on),
runs the clients and the seed's fault schedule for --seconds, heals, reads everything back and checks the
history per key for linearizability, that every acknowledged write of a fresh key reads back, that every
node caught up, and that the spec explains every node's trace (paxraft audit). Prints one report per seed (a
failure: the seed and the shortest failing window) and leaves history.jsonl (`paxraft audit --history` reads
it), ops.jsonl, nemesis.jsonl and report.txt (audit.txt when the audit failed) beside the cluster folder,
which is removed after a run that found nothing (--keep keeps it). Exit status 0 when every seed passed, 1 when
one failed, 2 for bad arguments. --bug plants a store bug (a test hook) to see the run fail.
Not a benchmark of speed: the operation counts depend on the machine's load.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def seeds(text: str) -> list[int]:
    """``7`` or ``0-9``; ValueError otherwise."""
    lo, _, hi = text.partition("-")
    first, last = int(lo), int(hi or lo)
    if not 0 <= first <= last:
        raise ValueError(text)
    return list(range(first, last + 1))


TERMINATED: list[int] = []  # the SIGTERM received, if one was


def _as_ctrl_c(signum: int, frame: object) -> None:
    """SIGTERM ends the run as Ctrl-C does: the faults healed, the cluster stopped. Inside the event loop every task
    is cancelled (each one's clean-up runs; a KeyboardInterrupt raised in the middle of the loop left futures
    unretrieved, noise on stderr); elsewhere it is a KeyboardInterrupt. The cancelling is the loop's next callback,
    not done here: the handler runs between any two bytecodes, and a future cancelled in the middle of asyncio's
    own callback (a connect's, between its done() test and its set_exception) was an InvalidStateError traceback."""
    TERMINATED.append(signum)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # (starting or stopping the cluster, checking the history)
        raise KeyboardInterrupt from None
    loop.call_soon_threadsafe(_cancel_all, loop)  # (it also wakes the loop now, not at its next timer)


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    for task in asyncio.all_tasks(loop):
        task.cancel()


def main() -> int:
    from _args import parser

    from modelcheck.nemesis import FAULTS, KNOWN, STORES, Settings, run

    signal.signal(signal.SIGTERM, _as_ctrl_c)  # (`timeout` sends it: it left the cluster's nodes running)

    ap = parser(__doc__)
    ap.add_argument("--store", default="raft", help=f"one of {', '.join(STORES)} (default raft)")
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=30.0, help="of faults and load, per seed (default 30)")
    ap.add_argument("--seed", type=int, default=None, help="one seed (default 0)")
    ap.add_argument("--seeds", default=None, metavar="A-B", help="a range of seeds, one run each")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--keys", type=int, default=3, help="shared keys (registers) the clients put, get and cas")
    ap.add_argument("--faults", default=",".join(FAULTS),
                    help=f"comma-separated, of {', '.join(KNOWN)} (default: all but bridge, stale-leader and member;"
                         " member: Raft's membership changes; a fault named twice is drawn twice as often)")
    ap.add_argument("--snapshot-every", type=int, default=100, help="compaction: a snapshot every N entries (0: never)")
    ap.add_argument("--op-timeout", type=float, default=0.5, help="a client operation's timeout, seconds (0.5)")
    ap.add_argument("--bug", default=None, help="a planted bug of the store (a test hook), to see the run fail")
    ap.add_argument("--out", type=Path, default=Path("nemesis-runs"), help="where each run's folder goes")
    ap.add_argument("--keep", action="store_true", help="keep the cluster folder of a run that passed")
    args = ap.parse_args()
    if args.seed is not None and args.seeds is not None:
        ap.error("--seed and --seeds: give one")
    if args.seed is not None and args.seed < 0:  # (--seeds refused a negative one; --seed took it)
        ap.error(f"--seed must be at least 0, got {args.seed}")
    try:
        todo = seeds(args.seeds) if args.seeds is not None else [args.seed or 0]
    except ValueError:
        ap.error(f"--seeds must be N or A-B with 0 <= A <= B, got {args.seeds!r}")
    faults = tuple(f for f in args.faults.split(",") if f)
    failed = []
    for seed in todo:
        s = Settings(store=args.store, nodes=args.nodes, seconds=args.seconds, seed=seed, clients=args.clients,
                     keys=args.keys, faults=faults, bug=args.bug, snapshot_every=args.snapshot_every,
                     op_timeout=args.op_timeout)
        try:
            s.check()
        except ValueError as exc:
            ap.error(str(exc))
        out = args.out / f"{args.store}-{args.nodes}-{seed}"
        if (out / "cluster").exists():
            ap.error(f"{out / 'cluster'}: exists already (a nemesis run starts a new cluster)")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            ap.error(f"--out {args.out}: cannot make {out} there ({exc.strerror})")
        try:
            outcome = run(s, out, keep=args.keep)
        except RuntimeError as exc:  # (cluster.start: no leader elected; the nodes' logs say why)
            print(f"nemesis: {args.store}, seed {seed}: the cluster did not start: {exc}", flush=True)
            failed.append(seed)
            continue
        except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C or SIGTERM: the cluster was stopped on the way
            how = "terminated (SIGTERM)" if TERMINATED else "interrupted"
            print(f"nemesis: {how} in seed {seed}; the cluster is stopped, its folder kept: {out / 'cluster'}",
                  file=sys.stderr, flush=True)
            return 143 if TERMINATED else 130
        except OSError as exc:  # (the run's folder removed under it: its nodes stop by themselves)
            print(f"nemesis: {args.store}, seed {seed}: {exc.filename or 'a file of the run'}: "
                  f"{exc.strerror or exc} (was the run's folder removed under it?)", flush=True)
            failed.append(seed)
            continue
        print(outcome.report(), flush=True)
        if not outcome.ok:
            failed.append(seed)
    if len(todo) > 1:
        print(f"{len(todo) - len(failed)} of {len(todo)} seeds passed" + (f"; failed: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    from _args import run_main

    run_main(main)
