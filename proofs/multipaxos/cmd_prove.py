"""``paxraft prove multipaxos``: the Multi-Paxos proof's obligation table, its counterexamples, its certificate."""

from __future__ import annotations

import argparse

from modelcheck.cli.common import UsageError
from proofs.cmd_prove import listed
from proofs.cti import print_ctis
from proofs.logic import PROVED, discharge, table, z3_timeout
from proofs.multipaxos.cti import extract
from proofs.multipaxos.encoding import BASE, VARIANTS, MultiPaxosEncoding

TITLE = (
    "MultiPaxos.tla (proofs/multipaxos/encoding.py's abstraction; "
    "any number of replicas, ballots, commands, slots)"
)
#: The bounds of the certificate's conformance check: two slots, so a promise covers more than one.
CONFORMANCE_BOUNDS = {"replicas": 2, "writes": 1, "reads": 1, "max_ballot": 2}


def run(args: argparse.Namespace) -> int:
    """Discharge every obligation (or list the conjuncts); print the table and any CTI; write the certificate."""
    if args.quorum_axiom or args.flexible or args.restarts or args.commit or args.complete:
        raise UsageError(
            "prove multipaxos: --quorum-axiom, --flexible, --restarts, --commit and --complete are not its options"
        )
    variant = args.variant or BASE
    if variant not in VARIANTS:
        raise UsageError(f"prove multipaxos: no encoding of variant {variant!r}; encoded: {', '.join(VARIANTS[1:])}")
    enc = MultiPaxosEncoding(variant)
    names = list(enc.invariant(enc.state("")))
    if listed(args, names, "multipaxos"):
        return 0
    outcomes = [discharge(ob, z3_timeout("--timeout", args.timeout)) for ob in enc.obligations(tuple(args.drop))]
    title = TITLE + (f", variant {variant}" if args.variant else "")
    title += f", without {', '.join(args.drop)}" if args.drop else ""
    print(table(outcomes, title))
    if args.certificate:
        _certificate(args.certificate, title, enc, [n for n in names if n not in args.drop], outcomes)
    print_ctis(outcomes, extract, args.cti_dir)
    return 0 if all(o.result == PROVED for o in outcomes) else 1


def _certificate(directory: str, title: str, enc: MultiPaxosEncoding, conjuncts: list[str], outcomes: list) -> None:
    """Write the certificate, with the abstraction's conformance check against spec/multipaxos.py."""
    from proofs import certificate
    from proofs.multipaxos.conformance import check as conformance
    from spec.registry import spec_class

    variant = None if enc.variant == BASE else enc.variant
    report = conformance(spec_class("multipaxos", variant)(**CONFORMANCE_BOUNDS), enc)  # type: ignore[arg-type]
    name = "multipaxos" + (f"[{variant}]" if variant else "")
    record = certificate.conformance_record(name, CONFORMANCE_BOUNDS, report)
    path = certificate.write(directory, "multipaxos", title, conjuncts, outcomes, record)
    print(certificate.written(path, outcomes, record))
