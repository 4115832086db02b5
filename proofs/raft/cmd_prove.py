"""``paxraft prove raft``: the Raft proof's obligation table, and its counterexamples printed and drawn."""

from __future__ import annotations

import argparse
from typing import Any

from modelcheck.cli.common import UsageError
from proofs.cmd_prove import listed
from proofs.cti import print_ctis
from proofs.logic import PROVED, discharge, table, z3_timeout
from proofs.raft.cti import extract
from proofs.raft.encoding import RaftEncoding

TITLE = "Raft (raft.tla under proofs/raft/encoding.py's abstraction; any number of servers, terms, indices, values)"
COMPLETE_TITLE = (
    "Raft's full safety (raft.tla with history under proofs/raft/complete.py's abstraction; "
    "any number of servers, terms, indices, values)"
)
COMMIT_TITLE = (
    "Raft with votes, terms and commitment (raft.tla under proofs/raft/commit.py's abstraction; "
    "any number of servers, terms, indices, values)"
)


def run(args: argparse.Namespace) -> int:
    """Discharge every obligation (or list the conjuncts); print the table and any CTI."""
    if args.quorum_axiom or args.flexible or args.variant or args.restarts:
        raise UsageError("prove raft: --quorum-axiom, --flexible, --variant and --restarts are Paxos options")
    if args.commit and args.complete:
        raise UsageError("prove raft: --commit and --complete are two models; give one")
    model = "complete" if args.complete else "commit" if args.commit else "coarse"
    enc = _encoding(model, getattr(args, "invariant", None))
    names = list(enc.invariant(enc.state("")))
    if listed(args, names, "raft"):
        return 0
    timeout_ms = z3_timeout("--timeout", args.timeout)
    outcomes = [discharge(ob, timeout_ms, one_classification=True) for ob in enc.obligations(tuple(args.drop))]
    title = {"complete": COMPLETE_TITLE, "commit": COMMIT_TITLE, "coarse": TITLE}[model]
    if getattr(args, "invariant", None):
        title += f", invariant from {args.invariant} (safety: {', '.join(enc.safety(enc.state('')))})"
    title += f", without {', '.join(args.drop)}" if args.drop else ""
    print(table(outcomes, title))
    if args.certificate:
        _certificate(args.certificate, title, [n for n in names if n not in args.drop], outcomes, model, enc)
    print_ctis(outcomes, extract, args.cti_dir)
    return 0 if all(o.result == PROVED for o in outcomes) else 1


def _encoding(model: str, invariant: str | None = None) -> RaftEncoding:
    """The coarse model, the commit model (``--commit``: raft.tla's vote check, request terms and commit rule),
    or the commit model with history (``--complete``: LeaderCompleteness and StateMachineSafety).

    ``invariant``: the coarse model with the conjuncts of that file (``paxraft infer raft --out``).
    """
    if invariant:
        if model != "coarse":
            raise UsageError(f"--invariant: inferred Raft invariants are over the coarse model, not --{model}")
        from proofs.infer.language import InvariantSyntaxError
        from proofs.infer.raft import InferredRaftEncoding, read_invariant_file

        try:
            return InferredRaftEncoding(read_invariant_file(invariant))
        except InvariantSyntaxError as exc:
            raise UsageError(f"--invariant {exc}") from None
    if model == "complete":
        from proofs.raft.complete import RaftCompleteEncoding

        return RaftCompleteEncoding()
    if model == "commit":
        from proofs.raft.commit import RaftCommitEncoding

        return RaftCommitEncoding()
    return RaftEncoding()


#: The instance the certificate's conformance check runs, per model (the complete model walks history too).
CERTIFIED_BOUNDS: dict[str, dict[str, Any]] = {
    "coarse": {"servers": 2, "values": 1, "max_term": 2, "max_log": 1, "max_in_flight": 1},
    "commit": {"servers": 2, "values": 1, "max_term": 2, "max_log": 1, "max_in_flight": 1},
    "complete": {"servers": 1, "values": 1, "max_term": 2, "max_log": 1, "max_in_flight": 1},
}


def _instance(model: str) -> type:
    """The abstraction function of each model."""
    if model == "complete":
        from proofs.raft.complete_instance import CompleteInstance

        return CompleteInstance
    if model == "commit":
        from proofs.raft.commit_instance import CommitInstance

        return CommitInstance
    from proofs.raft.instance import RaftInstance

    return RaftInstance


def _certificate(
    directory: str, title: str, conjuncts: list[str], outcomes: list, model: str, enc: RaftEncoding
) -> None:
    """Write the certificate, with the abstraction's conformance check against spec/raft.py at small bounds."""
    from proofs import certificate
    from proofs.raft.conformance import check as conformance
    from spec.raft import Raft

    bounds = CERTIFIED_BOUNDS[model]
    report = conformance(Raft(**bounds), enc, instance=_instance(model))
    record = certificate.conformance_record("raft", bounds, report)
    path = certificate.write(directory, "raft", title, conjuncts, outcomes, record)
    print(certificate.written(path, outcomes, record))
