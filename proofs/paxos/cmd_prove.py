"""``paxraft prove paxos``: the Paxos proof's obligation table, and its counterexamples printed and drawn."""

from __future__ import annotations

import argparse
from pathlib import Path

from modelcheck.cli.common import UsageError
from proofs.logic import COUNTEREXAMPLE, PROVED, discharge, table
from proofs.paxos.cti import extract, render
from proofs.paxos.encoding import ANY_TWO, PHASE1_PHASE2, PaxosEncoding


def run(args: argparse.Namespace) -> int:
    """Discharge every obligation of the Paxos proof, print the table, and print (and draw) any CTI."""
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
