"""Times of the Z3 proofs, conformance check and BMC quoted in README's Proofs section.

Run: .venv/bin/python benchmarks/proofs_bench.py          (Paxos, then Raft)
     .venv/bin/python benchmarks/proofs_bench.py --raft   (Raft only)
"""

from __future__ import annotations

import time

from proofs.bmc import bmc
from proofs.conformance import check
from proofs.logic import discharge, table
from proofs.paxos import ANY_TWO, PHASE1_PHASE2, PaxosEncoding
from proofs.raft import RaftEncoding
from proofs.raft_conformance import check as raft_check
from spec.paxos import Paxos
from spec.raft import Raft
from spec.registry import build


def main() -> None:
    for axiom in (ANY_TWO, PHASE1_PHASE2):
        outs = [discharge(ob) for ob in PaxosEncoding(axiom).obligations()]
        print(table(outs, f"Paxos, quorum axiom {axiom}"))
        print()
    for kw, every in (
        ({"acceptors": 2, "values": 2, "max_ballot": 1}, 5),
        ({"acceptors": 3, "values": 2, "max_ballot": 1}, 100),
    ):
        rep = check(Paxos(**kw), sample_every=every)
        print(f"conformance {kw} (Z3 successor query every {every}th state):")
        print(rep.summary())
        print()
    for acc in (2, 3):
        spec = build("paxos", "ignore-votes", acceptors=acc, values=2, max_ballot=1)
        started = time.perf_counter()
        res = bmc(spec, 12)
        print(
            f"bmc paxos --variant ignore-votes --acceptors {acc}: shortest {res.length} steps, "
            f"{time.perf_counter() - started:.1f}s wall ({res.seconds:.1f}s in Z3)"
        )

    raft()


def raft() -> None:
    """The Raft proof's table and its conformance with spec/raft.py (``--raft``: only this part)."""
    outs = [discharge(ob, one_classification=True) for ob in RaftEncoding().obligations()]
    print(table(outs, "Raft (proofs/raft.py)"))
    print()
    for kw in (
        {"servers": 2, "values": 1, "max_term": 2, "max_log": 1, "max_in_flight": 1},
        {"servers": 2, "values": 1, "max_term": 3, "max_log": 2, "max_in_flight": 1},
    ):
        print(f"raft conformance {kw}:")
        print(raft_check(Raft(**kw)).summary())
        print()


if __name__ == "__main__":
    import sys

    if "--raft" in sys.argv:
        raft()
        raise SystemExit(0)
    main()
