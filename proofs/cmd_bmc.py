"""Bounded model checking with Z3: the shortest violation within K steps, on a fixed finite instance."""

from __future__ import annotations

import argparse
import sys

from modelcheck.cli.common import (
    UsageError,
    add_bound_options,
    add_model_options,
    refuse_model_options,
    spec_entry,
    within,
)
from proofs.paxos.encoding import VARIANTS
from spec.registry import entries, is_user_ref, lazy, ref_where

#: Deepest unrolling: Z3 holds a copy of the state's variables per step (10**9 was taken, and unrolled on).
MAX_DEPTH = 1_000


def configure(parser: argparse.ArgumentParser) -> None:
    """Spec, depth, variant and the spec's bounds (as for 'paxraft check')."""
    encoded = [n for n, e in entries().items() if e.bmc]
    parser.add_argument("spec", help=f"spec name ({', '.join(encoded)}), or FILE.py:Class with its own encoding")
    # required, but checked in run(): a spec without an encoding is said first, not a missing --depth
    parser.add_argument("--depth", type=int, metavar="K", help="unroll at most K steps (required)")
    parser.add_argument(
        "--variant",
        help="a variant with a Z3 encoding: " + ", ".join(v for v in VARIANTS if v != "paxos") + "; raft: every one",
    )
    parser.add_argument("--timeout", type=float, default=300.0, metavar="S", help="seconds per depth (default 300)")
    add_bound_options(parser)
    add_model_options(parser)


def run(args: argparse.Namespace) -> int:
    """Hand the model to the BMC runner its spec's registry entry names."""
    from modelcheck.cli.errors import outside_finalizers
    from proofs.logic import hear_signals, z3_timeout  # (z3 loads only when a proof runs)

    hear_signals(outside_finalizers)  # (before any Z3 object is made: a Ctrl-C in one's finalizer was lost)

    refuse_model_options(args, "bmc")
    e = spec_entry(args.spec)
    if is_user_ref(args.spec) and not e.bmc and _has_encoding(args):
        if args.depth is None:
            raise UsageError("bmc needs --depth K: how many steps to unroll")
        within("--depth", args.depth, 0, MAX_DEPTH, "Z3 unrolls a copy of the state per step")
        z3_timeout("--timeout", args.timeout)
        from proofs.user.cmd_user import bmc

        return bmc(args)
    if not e.bmc:
        encoded = ", ".join(n for n, other in entries().items() if other.bmc)
        # the explicit-state bound that searches the same behaviours: a dfs depth counts states, bmc's steps
        steps, bound = ("K", "K+1") if args.depth is None else (args.depth, args.depth + 1)
        variant = f" --variant {args.variant}" if args.variant else ""
        if is_user_ref(args.spec):  # "(encoded: paxos, raft)" read as if only shipped specs could have one
            encoded = (f"in {ref_where(args.spec)}: a subclass of proofs.user.Encoding with spec = {e.name} gives it "
                       "one, docs/proofs.md")
        else:
            encoded = f"encoded: {encoded}"
        raise UsageError(f"bmc: no Z3 encoding of spec {e.name!r} ({encoded}); every behaviour of up to "
                         f"{steps} steps, searched explicitly: paxraft check {args.spec}{variant} --mode dfs "
                         f"--depth {bound} (and the bounds)")
    if args.depth is None:
        raise UsageError("bmc needs --depth K: how many steps to unroll")
    within("--depth", args.depth, 0, MAX_DEPTH, "Z3 unrolls a copy of the state per step")
    z3_timeout("--timeout", args.timeout)
    return int(lazy(e.bmc)(args))


def _has_encoding(args: argparse.Namespace) -> bool:
    """Whether the user's file declares an encoding of the class named (proofs.user.Encoding)."""
    from modelcheck.cli.common import resolve
    from proofs.user.cmd_user import named_module
    from proofs.user.encoding import Encoding

    _, cls = resolve(args)
    modules = [m for m in (sys.modules[cls.__module__], named_module(args.spec)) if m is not None]
    return any(isinstance(v, type) and issubclass(v, Encoding) and v is not Encoding
               for module in modules for v in vars(module).values())
