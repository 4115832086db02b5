"""``paxraft bmc raft``: run the Raft BMC from the bmc command's arguments and print its report."""

from __future__ import annotations

import argparse
import sys

from modelcheck.cli.common import UsageError, bounds_from_args, resolve
from modelcheck.engine.explain import format_trace
from proofs.logic import z3_timeout
from proofs.raft.bmc import EncodingError, bmc_raft
from proofs.raft.bmc_variants import encoded, encoding_class
from spec.behaviour import ReplayError


def run_raft(args: argparse.Namespace) -> int:
    """Unroll depth 0..K of a Raft model; 1 with the shortest trace on a violation, 0 without, 2 if Z3 gave up."""
    e, cls = resolve(args)
    try:
        encoding_class(cls)  # type: ignore[arg-type]  # (the raft entries' command: a Raft class)
    except KeyError:
        raise UsageError(
            f"bmc: no Z3 encoding of raft variant {cls.variant!r}; encoded: {', '.join(encoded())}"
        ) from None
    spec = cls(**bounds_from_args(e, args))
    try:
        res = bmc_raft(spec, args.depth, timeout_ms=z3_timeout("--timeout", args.timeout))  # type: ignore[arg-type]
    except (EncodingError, ReplayError) as exc:
        print(f"paxraft bmc: the Z3 encoding disagrees with spec/raft.py: {exc}", file=sys.stderr)
        return 3
    checked = "ElectionSafety over the trace's BecomeLeader steps" if spec.history else "no ElectionSafety (no history)"
    print(f"BMC: {spec.describe()}, depth 0..{args.depth}")
    print(
        f"  encoding: history variables dropped ({checked}); {res.messages} messages in the universe, "
        f"{res.instances} action instances per step; built in {res.build_seconds:.1f}s"
    )
    times = " ".join(f"{t:.2f}" for t in res.seconds_per_depth)
    if res.unknown:
        print(f"Z3 gave up at {res.unknown}; no violation up to the depth before (per depth: {times})")
        return 2
    if res.length is None:
        print(f"No invariant violated within {args.depth} steps ({res.seconds:.2f}s in Z3; per depth: {times})")
        return 0
    print(
        f"{' and '.join(res.broken)} {'is' if len(res.broken) == 1 else 'are'} violated; "
        f"shortest counterexample: {res.length} steps "
        f"({res.seconds:.2f}s in Z3; per depth: {times}); the trace replays on spec/raft.py without history"
    )
    print(format_trace(res.spec, res.trace))
    return 1
