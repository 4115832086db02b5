"""Prove a spec's safety with Z3 for every number of processes, ballots and values: a table of obligations."""

from __future__ import annotations

import argparse
from pathlib import Path

from modelcheck.cli.common import UsageError
from proofs.logic import COUNTEREXAMPLE, PROVED, discharge, table
from proofs.paxos.cti import extract, render
from proofs.paxos.encoding import ANY_TWO, PHASE1_PHASE2, QUORUM_AXIOMS, VARIANTS, PaxosEncoding

PROOFS = ("paxos", "raft")


def configure(parser: argparse.ArgumentParser) -> None:
    """Spec, quorum axiom, variant, conjuncts to drop, where to draw CTIs, per-query timeout."""
    parser.add_argument("spec", help=f"what to prove: {', '.join(PROOFS)}")
    parser.add_argument(
        "--quorum-axiom",
        choices=QUORUM_AXIOMS,
        default=None,
        help="quorum assumption: any two quorums meet (Paxos.tla, the default), every phase-1 quorum meets "
        "every phase-2 quorum (Flexible Paxos), or only phase-2 quorums meet (too weak: shows a CTI)",
    )
    parser.add_argument("--flexible", action="store_true", help="same as --quorum-axiom phase1-phase2")
    parser.add_argument("--variant", choices=[v for v in VARIANTS if v != "paxos"], help="prove a variant's encoding")
    parser.add_argument(
        "--drop", action="append", default=[], metavar="CONJUNCT", help="leave an invariant conjunct out (repeatable)"
    )
    parser.add_argument("--list", action="store_true", help="list the invariant's conjuncts and exit")
    parser.add_argument("--cti-dir", metavar="DIR", help="write each counterexample as DOT (and SVG) into DIR")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S", help="seconds per query (default 60)")


def run(args: argparse.Namespace) -> int:
    """Discharge every obligation, print the table, and print (and draw) any counterexample."""
    if args.spec not in PROOFS:
        raise UsageError(f"no proof of {args.spec!r}; proofs: {', '.join(PROOFS)}")
    if args.spec == "raft":
        from proofs.raft.cmd_prove import run as prove_raft  # Raft's proof has its own module

        return prove_raft(args)
    if args.flexible and args.quorum_axiom not in (None, PHASE1_PHASE2):
        raise UsageError("--flexible and --quorum-axiom disagree")
    if args.timeout <= 0:
        raise UsageError(f"--timeout must be positive, got {args.timeout}")
    axiom = PHASE1_PHASE2 if args.flexible else args.quorum_axiom or ANY_TWO
    enc = PaxosEncoding(axiom, args.variant or "paxos")
    pre = enc.state("")
    if args.list:
        for name in enc.invariant(pre):
            print(name)
        return 0
    known = set(enc.invariant(pre))
    bad = [d for d in args.drop if d not in known]
    if bad:
        raise UsageError(f"--drop {bad[0]}: no such conjunct (see 'paxraft prove paxos --list')")
    title = f"Paxos.tla, quorum axiom {axiom}" + (f", variant {args.variant}" if args.variant else "")
    if args.drop:
        title += f", without {', '.join(args.drop)}"
    outcomes = []
    for ob in enc.obligations(tuple(args.drop)):
        outcomes.append(discharge(ob, int(args.timeout * 1000)))
    print(table(outcomes, title + " (any number of acceptors, ballots, values)"))
    for n, out in enumerate(o for o in outcomes if o.result == COUNTEREXAMPLE):
        cti = extract(out)
        print()
        print(cti.text())
        if args.cti_dir:
            Path(args.cti_dir).mkdir(parents=True, exist_ok=True)
            files = render(cti, Path(args.cti_dir) / f"cti{n + 1}.dot")
            print("  drawn: " + ", ".join(map(str, files)))
    return 0 if all(o.result == PROVED for o in outcomes) else 1
