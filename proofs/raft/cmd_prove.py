"""``paxraft prove raft``: the Raft proof's obligation table, and its counterexamples printed and drawn."""

from __future__ import annotations

import argparse

from modelcheck.cli.common import UsageError
from proofs.cmd_prove import listed
from proofs.cti import print_ctis
from proofs.logic import PROVED, discharge, table
from proofs.raft.cti import extract
from proofs.raft.encoding import RaftEncoding

TITLE = "Raft (raft.tla under proofs/raft/encoding.py's abstraction; any number of servers, terms, indices, values)"
COMMIT_TITLE = (
    "Raft with votes, terms and commitment (raft.tla under proofs/raft/commit.py's abstraction; "
    "any number of servers, terms, indices, values)"
)


def run(args: argparse.Namespace) -> int:
    """Discharge every obligation (or list the conjuncts); print the table and any CTI."""
    if args.quorum_axiom or args.flexible or args.variant or args.restarts:
        raise UsageError("prove raft: --quorum-axiom, --flexible, --variant and --restarts are Paxos options")
    enc = _encoding(args.commit, getattr(args, "invariant", None))
    names = list(enc.invariant(enc.state("")))
    if listed(args, names, "raft"):
        return 0
    timeout_ms = int(args.timeout * 1000)
    outcomes = [discharge(ob, timeout_ms, one_classification=True) for ob in enc.obligations(tuple(args.drop))]
    title = COMMIT_TITLE if args.commit else TITLE
    if getattr(args, "invariant", None):
        title += f", invariant from {args.invariant} (safety: {', '.join(enc.safety(enc.state('')))})"
    title += f", without {', '.join(args.drop)}" if args.drop else ""
    print(table(outcomes, title))
    if args.certificate:
        _certificate(args.certificate, title, [n for n in names if n not in args.drop], outcomes, args.commit, enc)
    print_ctis(outcomes, extract, args.cti_dir)
    return 0 if all(o.result == PROVED for o in outcomes) else 1


def _encoding(commit: bool, invariant: str | None = None) -> RaftEncoding:
    """The coarse model, or (``--commit``) the one with raft.tla's vote check, request terms and commit rule.

    ``invariant``: the coarse model with the conjuncts of that file (``paxraft infer raft --out``).
    """
    if invariant:
        if commit:
            raise UsageError("--invariant: inferred Raft invariants are over the coarse model, not --commit")
        from proofs.infer.language import InvariantSyntaxError
        from proofs.infer.raft import InferredRaftEncoding, read_invariant_file

        try:
            return InferredRaftEncoding(read_invariant_file(invariant))
        except InvariantSyntaxError as exc:
            raise UsageError(f"--invariant {exc}") from None
    if commit:
        from proofs.raft.commit import RaftCommitEncoding

        return RaftCommitEncoding()
    return RaftEncoding()


def _certificate(
    directory: str, title: str, conjuncts: list[str], outcomes: list, commit: bool, enc: RaftEncoding
) -> None:
    """Write the certificate, with the abstraction's conformance check against spec/raft.py at small bounds."""
    from proofs import certificate
    from proofs.raft.conformance import check as conformance
    from proofs.raft.instance import RaftInstance
    from spec.raft import Raft

    bounds = {"servers": 2, "values": 1, "max_term": 2, "max_log": 1, "max_in_flight": 1}
    if commit:
        from proofs.raft.commit_instance import CommitInstance

        report = conformance(Raft(**bounds), _encoding(True), instance=CommitInstance)
    else:
        report = conformance(Raft(**bounds), enc, instance=RaftInstance)
    record = certificate.conformance_record("raft", bounds, report)
    path = certificate.write(directory, "raft", title, conjuncts, outcomes, record)
    print(f"certificate: {sum(len(o.obligation.goals) for o in outcomes)} SMT-LIB 2 queries and {path}")
