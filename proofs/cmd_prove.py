"""Prove a spec's safety with Z3 for every number of processes, ballots and values: a table of obligations."""

from __future__ import annotations

import argparse

from modelcheck.cli.common import UsageError, add_bound_options, bounds_from_args, output_folder
from proofs.multipaxos.encoding import VARIANTS as MULTIPAXOS_VARIANTS
from proofs.paxos.encoding import QUORUM_AXIOMS, RESTART_VARIANTS, VARIANTS
from spec.registry import entries, entry, is_user_ref, lazy

#: The variants the shipped proofs encode (a user's file names its own).
SHIPPED_VARIANTS = [v for v in VARIANTS + RESTART_VARIANTS + MULTIPAXOS_VARIANTS if v not in ("paxos", "multipaxos")]


def _proofs() -> dict[str, str]:
    """Spec name -> its proof runner (a lazy reference in its registry entry)."""
    return {name: e.proof for name, e in entries().items() if e.proof}


def configure(parser: argparse.ArgumentParser) -> None:
    """Spec, quorum axiom, variant, conjuncts to drop, where to draw CTIs, per-query timeout."""
    parser.add_argument(
        "spec", help=f"what to prove: {', '.join(_proofs())}, or FILE.py:Class with its own encoding (docs/proofs.md)"
    )
    parser.add_argument(
        "--quorum-axiom",
        choices=QUORUM_AXIOMS,
        default=None,
        help="quorum assumption: any two quorums meet (Paxos.tla, the default), every phase-1 quorum meets "
        "every phase-2 quorum (Flexible Paxos), or only phase-2 quorums meet (too weak: shows a CTI)",
    )
    parser.add_argument("--flexible", action="store_true", help="same as --quorum-axiom phase1-phase2")
    parser.add_argument(
        "--variant",
        help="prove a variant's encoding (paxos: volatile-promise and amnesia keep less across Restart, implying "
        "--restarts; multipaxos: the catalog's skip-phase1, commit-minority, gap-fill-ignores-votes, "
        "promise-omits-votes, forget-votes-on-restart; FILE.py:Class: a variant of the file with its own encoding)",
    )
    parser.add_argument(
        "--restarts",
        action="store_true",
        help="Paxos with crash-restart: Restart(a) in Next, any number of times, keeping what the spec persists",
    )
    parser.add_argument(
        "--commit",
        action="store_true",
        help="Raft: the model with raft.tla's vote check, request terms, commitIndex, matchIndex and commit rule",
    )
    parser.add_argument(
        "--complete",
        action="store_true",
        help="Raft: the commit model with history, proving LeaderCompleteness and StateMachineSafety too",
    )
    parser.add_argument(
        "--drop", action="append", default=[], metavar="CONJUNCT", help="leave an invariant conjunct out (repeatable)"
    )
    parser.add_argument("--list", action="store_true", help="list the invariant's conjuncts and exit")
    parser.add_argument(
        "--invariant",
        metavar="FILE",
        help="prove with the conjuncts in FILE (as 'paxraft infer SPEC --out' writes them) instead of the "
        "hand-written invariant (paxos, raft: its election safety, and FILE.py:Class)",
    )
    parser.add_argument("--cti-dir", metavar="DIR", help="write each counterexample as DOT (and SVG) into DIR")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S", help="seconds per query (default 60)")
    parser.add_argument(
        "--certificate",
        metavar="DIR",
        help="also write every query as an SMT-LIB 2 file and a manifest (with a conformance check) into DIR",
    )
    parser.add_argument(
        "--conformance",
        action="store_true",
        help="FILE.py:Class: check the encoding against the explicit spec on the instance its bound flags give",
    )
    add_bound_options(parser)


def listed(args: argparse.Namespace, conjuncts: list[str], spec: str) -> bool:
    """``--list``: print the invariant's conjuncts and say so (the caller is done); else check that every
    ``--drop`` names one of them (a usage error naming the first that does not)."""
    if args.list:
        print("\n".join(conjuncts))
        return True
    bad = [d for d in args.drop if d not in conjuncts]
    if bad:
        raise UsageError(f"--drop {bad[0]}: no such conjunct (see 'paxraft prove {spec} --list')")
    return False


def run(args: argparse.Namespace) -> int:
    """Run the proof the spec's registry entry names: its obligation table and any counterexample."""
    from modelcheck.cli.errors import outside_finalizers
    from proofs.logic import hear_signals, z3_timeout  # (z3 loads only when a proof runs)

    hear_signals(outside_finalizers)  # (before any Z3 object is made: a Ctrl-C in one's finalizer was lost)

    proofs = _proofs()
    z3_timeout("--timeout", args.timeout)
    for flag, path in (("--cti-dir", args.cti_dir), ("--certificate", args.certificate)):
        if path is not None:
            output_folder(path, flag)
    if is_user_ref(args.spec):
        from proofs.user.cmd_user import prove

        return prove(args)
    if args.variant and args.variant not in SHIPPED_VARIANTS:
        raise UsageError(f"--variant {args.variant}: not a variant the shipped proofs encode "
                         f"({', '.join(SHIPPED_VARIANTS)})")
    if args.conformance:
        raise UsageError("--conformance goes with a user's spec, FILE.py:Class (the shipped proofs' run in the tests)")
    if args.spec in proofs and bounds_from_args(entry(args.spec), args):
        raise UsageError("bound flags go with a user's spec and --conformance (the proof is for any number)")
    if args.spec not in proofs:
        if args.spec.endswith(".py"):  # a file without its class: the line check and bmc give, naming its classes
            entry(args.spec)
        raise UsageError(f"no proof of {args.spec!r}; proofs: {', '.join(proofs)}, or FILE.py:Class with its own "
                         "encoding (docs/proofs.md)")
    if args.invariant and args.spec not in ("paxos", "raft"):
        raise UsageError(f"--invariant: only the paxos and raft proofs and a user's FILE.py:Class read an invariant "
                         f"file, not {args.spec}")
    return int(lazy(proofs[args.spec])(args))
