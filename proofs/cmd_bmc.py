"""Bounded model checking with Z3: the shortest violation within K steps, on a fixed finite instance."""

from __future__ import annotations

import argparse

from modelcheck.cli.cmd_check import add_bound_options, bounds_from_args, resolve
from modelcheck.cli.common import UsageError
from modelcheck.engine.explain import format_trace
from modelcheck.engine.result import Step
from proofs.paxos.bmc import bmc
from proofs.paxos.encoding import VARIANTS
from proofs.raft.cmd_bmc import run_raft
from spec.paxos import Paxos


def configure(parser: argparse.ArgumentParser) -> None:
    """Spec, depth, variant and the spec's bounds (as for 'paxraft check')."""
    parser.add_argument("spec", help="spec name (paxos, raft)")
    parser.add_argument("--depth", type=int, required=True, metavar="K", help="unroll at most K steps")
    parser.add_argument(
        "--variant",
        help="a variant with a Z3 encoding: " + ", ".join(v for v in VARIANTS if v != "paxos") + "; raft: every one",
    )
    parser.add_argument("--timeout", type=float, default=300.0, metavar="S", help="seconds per depth (default 300)")
    add_bound_options(parser)


def run(args: argparse.Namespace) -> int:
    """Unroll depth 0, 1, ..., K and report the first depth with a violation."""
    if args.spec == "raft":
        return run_raft(args)
    if args.depth < 0:
        raise UsageError(f"--depth must be >= 0, got {args.depth}")
    if args.variant and args.variant not in VARIANTS:
        raise UsageError(f"no Z3 encoding of variant {args.variant!r}; encoded: {', '.join(VARIANTS[1:])}")
    e, cls = resolve(args)
    if not issubclass(cls, Paxos):
        raise UsageError(f"bmc: no Z3 encoding of spec {e.name!r} (encoded: paxos, raft)")
    spec = cls(**bounds_from_args(e, args))
    if getattr(spec, "MaxRestarts", 0):
        raise UsageError("bmc: Restart has no Z3 encoding; drop --max-restarts")
    res = bmc(spec, args.depth, timeout_ms=int(args.timeout * 1000))
    print(f"BMC: {spec.describe()}, depth 0..{args.depth}")
    if res.unknown:
        print(f"Z3 gave up at {res.unknown}; no violation up to the depth before")
        return 2
    times = " ".join(f"{t:.2f}" for t in res.seconds_per_depth)
    if res.length is None:
        print(f"No violation of Agreement within {args.depth} steps ({res.seconds:.2f}s; per depth: {times})")
        return 0
    print(
        f"Agreement is violated; shortest counterexample: {res.length} steps ({res.seconds:.2f}s; per depth: {times})"
    )
    print(format_trace(spec, [Step(label, state) for label, state in res.trace]))
    return 1
