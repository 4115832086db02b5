"""``paxraft bmc paxos``: bounded model checking of a Paxos model with Z3, and its report."""

from __future__ import annotations

import argparse

from modelcheck.cli.common import UsageError, bounds_from_args, resolve
from modelcheck.engine.explain import format_trace
from modelcheck.engine.result import Step
from proofs.logic import z3_timeout
from proofs.paxos.bmc import bmc
from proofs.paxos.encoding import VARIANTS
from spec.paxos import Paxos


def run(args: argparse.Namespace) -> int:
    """Unroll depth 0, 1, ..., K of a Paxos model and report the first depth with a violation."""
    if args.variant and args.variant not in VARIANTS:
        raise UsageError(f"no Z3 encoding of variant {args.variant!r}; encoded: {', '.join(VARIANTS[1:])}")
    e, cls = resolve(args)
    if not issubclass(cls, Paxos):
        raise UsageError(f"bmc: no Z3 encoding of spec {e.name!r} (encoded: paxos)")
    spec = cls(**bounds_from_args(e, args))
    res = bmc(spec, args.depth, timeout_ms=z3_timeout("--timeout", args.timeout))  # (its SpecError: one line, exit 2)
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
