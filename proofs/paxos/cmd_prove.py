"""``paxraft prove paxos``: the Paxos proof's obligation table, and its counterexamples printed and drawn."""

from __future__ import annotations

import argparse

from modelcheck.cli.common import UsageError
from proofs.cmd_prove import listed
from proofs.cti import print_ctis
from proofs.logic import PROVED, discharge, table, z3_timeout
from proofs.paxos.cti import extract
from proofs.paxos.encoding import ANY_TWO, PHASE1_PHASE2, PHASE2_ONLY, RESTART_VARIANTS, VARIANTS, PaxosEncoding


def run(args: argparse.Namespace) -> int:
    """Discharge every obligation of the Paxos proof, print the table, and print (and draw) any CTI."""
    if args.commit:
        raise UsageError("--commit is a Raft option")
    if getattr(args, "complete", False):
        raise UsageError("--complete is a Raft option")
    if args.variant and args.variant not in VARIANTS + RESTART_VARIANTS:
        raise UsageError(f"prove paxos: {args.variant} is not a Paxos variant")
    if args.flexible and args.quorum_axiom not in (None, PHASE1_PHASE2):
        raise UsageError("--flexible and --quorum-axiom disagree")
    axiom = PHASE1_PHASE2 if args.flexible else args.quorum_axiom or ANY_TWO
    persists = _persists(args)
    enc = PaxosEncoding(axiom, args.variant or "paxos", persists)
    if getattr(args, "invariant", None):
        enc = _inferred(args.invariant, axiom, args.variant or "paxos", persists)
    pre = enc.state("")
    if listed(args, list(enc.invariant(pre)), "paxos"):
        return 0
    title = f"Paxos.tla, quorum axiom {axiom}" + (f", variant {args.variant}" if args.variant else "")
    if persists is not None:
        title += f", crash-restart keeping {', '.join(persists) or 'nothing'}"
    if getattr(args, "invariant", None):
        title += f", invariant from {args.invariant}"
    if args.drop:
        title += f", without {', '.join(args.drop)}"
    outcomes = []
    for ob in enc.obligations(tuple(args.drop)):
        outcomes.append(discharge(ob, z3_timeout("--timeout", args.timeout)))
    print(table(outcomes, title + " (any number of acceptors, ballots, values)"))
    if args.certificate:
        _paxos_certificate(args, enc, axiom, title, list(enc.invariant(pre)), outcomes)
    print_ctis(outcomes, extract, args.cti_dir)
    return 0 if all(o.result == PROVED for o in outcomes) else 1


def _inferred(path: str, axiom: str, variant: str, persists: tuple[str, ...] | None) -> PaxosEncoding:
    """The encoding with the invariant file's conjuncts (a missing or malformed file is a usage error)."""
    from proofs.infer.language import InvariantSyntaxError
    from proofs.infer.paxos import InferredEncoding, read_invariant_file

    try:
        conjuncts = read_invariant_file(path)
    except InvariantSyntaxError as exc:
        raise UsageError(f"--invariant {exc}") from None
    if axiom != ANY_TWO:
        raise UsageError(f"--invariant: inferred invariants are over one quorum sort (any-two), not {axiom}")
    return InferredEncoding(conjuncts, axiom, variant, persists)


def _persists(args: argparse.Namespace) -> tuple[str, ...] | None:
    """What Restart keeps: None without restarts; else the spec's (or the variant's) ``persists``, stated there."""
    from spec.paxos import Paxos
    from spec.registry import spec_class

    if args.variant in RESTART_VARIANTS:
        return tuple(spec_class("paxos", args.variant).persists)  # type: ignore[attr-defined]  # (a Paxos class)
    return tuple(Paxos.persists) if getattr(args, "restarts", False) else None


def _paxos_certificate(
    args: argparse.Namespace, enc: PaxosEncoding, axiom: str, title: str, conjuncts: list[str], outcomes: list
) -> None:
    """Write the certificate, with a conformance check of this encoding against the explicit spec at small bounds."""
    from proofs import certificate
    from proofs.paxos.conformance import check as conformance
    from spec.paxos import Paxos
    from spec.registry import spec_class

    if axiom == PHASE1_PHASE2:
        bounds = {"acceptors": 3, "values": 1, "max_ballot": 1, "q1": 3, "q2": 1}
    else:
        bounds = {"acceptors": 2, "values": 2, "max_ballot": 1}
    if enc.persists is not None:
        bounds["max_restarts"] = 1
    if axiom == PHASE2_ONLY:
        record = {"checked": False, "why": "no explicit spec has only phase-2 quorums meeting (the axiom is too weak)"}
    else:
        cls = spec_class("paxos", args.variant) if args.variant else Paxos
        report = conformance(cls(**bounds), enc, sample_every=5)  # type: ignore[arg-type]  # (a Paxos)
        record = certificate.conformance_record("paxos" + (f"[{args.variant}]" if args.variant else ""), bounds, report)
    kept = [c for c in conjuncts if c not in args.drop]
    path = certificate.write(args.certificate, "paxos", title, kept, outcomes, record)
    print(certificate.written(path, outcomes, record))
