"""Times of the Z3 proofs, conformance check and BMC quoted in README's Proofs section.

Run: .venv/bin/python benchmarks/proofs_bench.py          (Paxos, then Raft)
     .venv/bin/python benchmarks/proofs_bench.py --raft   (Raft only: the coarse model, then the commit model)
     .venv/bin/python benchmarks/proofs_bench.py --raft-commit   (Raft's commit model only)
     .venv/bin/python benchmarks/proofs_bench.py --raft-complete   (LeaderCompleteness/StateMachineSafety proof only)
     .venv/bin/python benchmarks/proofs_bench.py --raft-bmc   (BMC of raft.tla only: Z3 seconds per depth)
     .venv/bin/python benchmarks/proofs_bench.py --infer [paxos|raft]   (paxraft infer: time to invariant, per stage)
     .venv/bin/python benchmarks/proofs_bench.py --infer raft --given-support EVRecorded   (a check: support by hand)
     .venv/bin/python benchmarks/proofs_bench.py --multipaxos   (Multi-Paxos: table, variants, conformance)
"""

from __future__ import annotations

import os
import time

from proofs.logic import discharge, table
from proofs.paxos.bmc import bmc
from proofs.paxos.conformance import check
from proofs.paxos.encoding import ANY_TWO, PHASE1_PHASE2, PaxosEncoding
from proofs.raft.conformance import check as raft_check
from proofs.raft.encoding import RaftEncoding
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
    print(table(outs, "Raft (proofs/raft/encoding.py)"))
    print()
    for kw in (
        {"servers": 2, "values": 1, "max_term": 2, "max_log": 1, "max_in_flight": 1},
        {"servers": 2, "values": 1, "max_term": 3, "max_log": 2, "max_in_flight": 1},
    ):
        print(f"raft conformance {kw}:")
        print(raft_check(Raft(**kw)).summary())
        print()
    raft_commit()


def raft_commit() -> None:
    """The commit model's table (``paxraft prove raft --commit``) and its conformance at two servers."""
    from proofs.raft.commit import RaftCommitEncoding
    from proofs.raft.commit_instance import CommitInstance

    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores)")
    outs = [discharge(ob, one_classification=True) for ob in RaftCommitEncoding().obligations()]
    print(table(outs, "Raft with votes, terms and commitment (proofs/raft/commit.py)"))
    print(f"process CPU seconds so far: {time.process_time():.1f}; load average after: {os.getloadavg()[0]:.1f}")
    print()
    kw = {"servers": 2, "values": 1, "max_term": 2, "max_log": 1, "max_in_flight": 1}
    print(f"raft commit-model conformance {kw}:")
    print(raft_check(Raft(**kw), RaftCommitEncoding(), instance=CommitInstance).summary())
    print()


def raft_complete() -> None:
    """``paxraft prove raft --complete``: per obligation and in total, the Z3 resource units of its queries outside
    EPR (against ``NON_EPR_RLIMIT``), and the model's conformance on one server."""
    import z3

    from proofs.logic import NON_EPR_RLIMIT, fragment
    from proofs.raft.complete import RaftCompleteEncoding
    from proofs.raft.complete_instance import CompleteInstance

    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores)")
    cpu, wall = time.process_time(), time.perf_counter()
    obs = RaftCompleteEncoding().obligations()
    outs, cpus = [], []
    for ob in obs:
        started = time.process_time()
        outs.append(discharge(ob, one_classification=True))
        cpus.append(time.process_time() - started)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(table(outs, "Raft's full safety (proofs/raft/complete.py)"))
    print("process CPU seconds per obligation (the table's seconds are the solver's wall clock):")
    for o, c in zip(outs, cpus):
        print(f"  {o.name:<44} {c:7.2f}")
    queries = sum(o.queries for o in outs)
    load = os.getloadavg()[0]
    print(f"{queries} queries; process CPU {cpu:.1f} s, wall {wall:.1f} s; load average after: {load:.1f}")
    probe = z3.Solver()
    probe.check()  # Z3's count so far (this process has run the whole proof): the baseline of the differences
    count = probe.statistics().get_key_value("rlimit count") if "rlimit count" in probe.statistics().keys() else 0  # noqa: SIM118
    worst, where, outside = 0, "", 0
    for ob in obs:  # the resource units each query outside EPR used (Z3's count is per process: differences)
        for goal, f in ob.goals.items():
            hyps = ob.hypotheses_for(goal)
            if fragment([*hyps, ("negated goal", z3.Not(f))]).epr:
                continue
            solver = z3.Solver()
            solver.add(*[h for _, h in hyps], z3.Not(f))
            solver.check()
            stats = solver.statistics()
            now = stats.get_key_value("rlimit count") if "rlimit count" in stats.keys() else count  # noqa: SIM118
            if now - count > worst:
                worst, where = now - count, f"{ob.name}: {goal}"
            count = now
            outside += 1
    print(
        f"{outside} queries outside EPR; the most Z3 resource units one used: {worst:,} ({where}; "
        f"limit {NON_EPR_RLIMIT:,})"
    )
    kw = {"servers": 1, "values": 1, "max_term": 3, "max_log": 2, "max_in_flight": 1}
    print(f"raft complete-model conformance {kw}:")
    print(raft_check(Raft(**kw), RaftCompleteEncoding(), instance=CompleteInstance).summary())
    print()


def raft_bmc() -> None:
    """``paxraft bmc raft`` on the catalog's smallest failing models, raft.tla at the same bounds, and 3 servers."""
    from modelcheck import check as explicit_check
    from proofs.raft.bmc import bmc_raft

    two = {"servers": 2, "values": 1, "max_log": 0, "max_copies": 1, "max_in_flight": 1}
    runs = [
        ("volatile-term", {**two, "max_term": 2}, 20),
        ("count-stale-votes", {**two, "max_term": 3}, 18),
        (None, {**two, "max_term": 2}, 20),
        (None, {**two, "max_term": 3}, 18),
        (None, {**two, "max_term": 2, "max_log": 1}, 16),
        (None, {**two, "servers": 3, "max_term": 2}, 10),
    ]
    for variant, kw, depth in runs:
        spec = build("raft", variant, **kw)
        started = time.perf_counter()
        ex = explicit_check(spec)
        ex_s = time.perf_counter() - started
        started = time.perf_counter()
        res = bmc_raft(spec, depth, timeout_ms=600_000)
        wall = time.perf_counter() - started
        verdict = f"{res.violated} in {res.length} steps" if res.length is not None else f"none within {depth}"
        if res.unknown:
            verdict = f"unknown ({res.unknown})"
        print(
            f"bmc raft {variant or '(raft.tla)'} {kw}: {verdict}; explicit: {ex.violated} "
            f"{ex.trace_length} ({ex.distinct_states} states, {ex_s:.1f}s); universe {res.messages} messages, "
            f"{res.instances} instances/step; {wall:.1f}s wall, {res.seconds:.1f}s in Z3, "
            f"{res.build_seconds:.1f}s building"
        )
        print("  Z3 seconds per depth: " + " ".join(f"{t:.2f}" for t in res.seconds_per_depth), flush=True)


def multipaxos() -> None:
    """``paxraft prove multipaxos``: the table, each agreement variant's failing obligation, conformance."""
    from proofs.multipaxos.conformance import check as mp_check
    from proofs.multipaxos.encoding import VARIANTS, MultiPaxosEncoding
    from spec.multipaxos import MultiPaxos
    from spec.registry import spec_class

    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores)")
    outs = [discharge(ob) for ob in MultiPaxosEncoding().obligations()]
    print(table(outs, "MultiPaxos.tla (proofs/multipaxos/encoding.py)"))
    print()
    for variant in VARIANTS[1:]:
        started = time.perf_counter()
        failed = next(o for o in map(discharge, MultiPaxosEncoding(variant).obligations()) if o.result != "proved")
        print(f"variant {variant}: {failed.name} {failed.result} ({failed.failed_goal}), "
              f"{time.perf_counter() - started:.1f}s to the first failure")
    print()
    two = {"replicas": 2, "writes": 1, "reads": 1, "max_ballot": 2}
    for kw in ({**two, "reads": 0}, two, {**two, "replicas": 3, "reads": 0}):
        print(f"multipaxos conformance {kw}:")
        print(mp_check(MultiPaxos(**kw)).summary())
        print()
    for variant in VARIANTS[1:]:
        rep = mp_check(spec_class("multipaxos", variant)(**two), max_failures=1)
        left = rep.transition_failures[0][1].name if rep.transition_failures else "(none)"
        print(f"conformance of {variant} {two} with the base model: first step outside it: {left}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def infer_bench(spec: str, given: list[str] | None = None) -> None:
    """``paxraft infer SPEC``: each stage's time, the invariant's size, and the prover re-checking it.

    ``given`` (raft): conjuncts of tests/invariants/raft_election_hand.inv that are the only candidates
    allowed to join as supports (a check of the rest of the pipeline, not a result).
    """
    from proofs.infer import paxos, raft
    from proofs.infer.pipeline import infer

    mod = {"paxos": paxos, "raft": raft}[spec]
    if given:
        hand = raft.read_invariant_file("tests/invariants/raft_election_hand.inv")
        problem = raft.problem(given_supports=[hand[name] for name in given])
    else:
        problem = mod.problem()
    print(f"paxraft infer {spec}; load average before: {os.getloadavg()[0]:.1f} (2 cores)", flush=True)
    print(f"supports given by hand (a check): {', '.join(given)}" if given else "", flush=True)
    cpu = time.process_time()
    rep = infer(problem, max_steps=1000)
    print(rep.text())
    for name, chain in rep.weakens.items():
        print(f"{name} weakens {' <- '.join(c.text() for c in chain)}")
    print(f"process CPU seconds: {time.process_time() - cpu:.1f}; load average after: {os.getloadavg()[0]:.1f}")
    if rep.conjuncts is None:
        print(f"no invariant: {rep.reason}")
        return
    enc = paxos.InferredEncoding(rep.conjuncts) if spec == "paxos" else raft.InferredRaftEncoding(rep.conjuncts)
    outs = [discharge(ob) for ob in enc.obligations()]
    print(table(outs, f"{spec} with the {len(rep.conjuncts)} inferred conjuncts"), flush=True)


if __name__ == "__main__":
    from _args import parser, run_main

    ap = parser(__doc__)
    only = ap.add_mutually_exclusive_group()
    only.add_argument("--infer", nargs="*", choices=["paxos", "raft"], metavar="paxos|raft",
                      help="paxraft infer: time to invariant, per stage (both specs when none is named)")
    ap.add_argument("--given-support", nargs="+", metavar="NAME",
                    help="with --infer raft: only these hand-written conjuncts may join as supports (a check)")
    for flag, what in (("--multipaxos", "Multi-Paxos only"), ("--raft-bmc", "BMC of raft.tla only"),
                       ("--raft-commit", "Raft's commit model only"),
                       ("--raft-complete", "the LeaderCompleteness/StateMachineSafety proof only"),
                       ("--raft", "Raft only: the coarse model, then the commit model")):
        only.add_argument(flag, action="store_true", help=what)
    args = ap.parse_args()

    def chosen() -> None:
        if args.infer is not None:
            for name in args.infer or ("paxos", "raft"):
                infer_bench(name, args.given_support if name == "raft" else None)
        elif args.multipaxos:
            multipaxos()
        elif args.raft_bmc:
            raft_bmc()
        elif args.raft_commit:
            raft_commit()
        elif args.raft_complete:
            raft_complete()
        elif args.raft:
            raft()
        else:
            main()

    run_main(chosen)
