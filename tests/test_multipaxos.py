"""MultiPaxos.tla (tlaplus/Examples MultiPaxos-SMR): TLC 2.20's counts, per-slot agreement, the catalog."""

from __future__ import annotations

import pytest

from modelcheck import OK, VIOLATION, check
from modelcheck.cli import main
from modelcheck.cli.cmd_variants import check_entry
from modelcheck.engine.refinement import check_refinement
from spec.behaviour import validate_trace
from spec.catalog import Entry, catalog
from spec.multipaxos import MultiPaxos
from spec.refinements import refinement
from spec.registry import spec_class

MULTIPAXOS = catalog("multipaxos")


@pytest.mark.parametrize(
    ("replicas", "writes", "reads", "symmetry", "distinct", "generated", "depth"),
    [
        (1, 1, 0, False, 11, 13, 6),  # TLC 2.20, MultiPaxos_MC with Replicas = {s1}, Writes = {w1}, Reads = {}
        (2, 1, 0, False, 139, 181, 14),
        (3, 1, 0, True, 2_628, 4_697, 19),  # SYMMETRY SymmetricPerms
    ],
)
def test_tlc_counts(replicas: int, writes: int, reads: int, symmetry: bool, distinct: int, generated: int,
                    depth: int) -> None:
    r = check(MultiPaxos(replicas=replicas, writes=writes, reads=reads, max_ballot=2), symmetry=symmetry)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == (OK, distinct, generated, depth)
    if replicas == 3:  # with one command the leader's commit ends the run, so no follower gets a CommitNotice
        assert [name for name, c in r.coverage.items() if not c.fired] == ["HandleCommitNotice"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("replicas", "writes", "reads", "symmetry", "distinct", "generated", "depth"),
    [
        (3, 1, 0, False, 15_709, 28_027, 19),
        # MultiPaxos_MC_small.cfg, as published: 343,796 distinct, depth 28; TLC generates 736,012 (see below)
        (3, 1, 1, True, 343_796, 735_918, 28),
    ],
)
def test_tlc_counts_larger(replicas: int, writes: int, reads: int, symmetry: bool, distinct: int, generated: int,
                           depth: int) -> None:
    r = check(MultiPaxos(replicas=replicas, writes=writes, reads=reads, max_ballot=2), symmetry=symmetry)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == (OK, distinct, generated, depth)


def test_states_generated_differ_from_tlc_only_by_the_witnesses_of_an_unused_exists() -> None:
    """TakeNewRequest's guard has ``\\E s \\in Slots: node[self].insts[s].status = "Empty"``; TLC enumerates its
    witnesses as it would an action parameter, generating the same successor once per empty slot. We generate it
    once. With Replicas = {s1, s2}, Writes = {w1}, Reads = {r1} TLC 2.20 reports 1,163 distinct states, depth 20 and
    1,905 states generated: ours plus one per extra empty slot."""
    spec = MultiPaxos(replicas=2, writes=1, reads=1, max_ballot=2)
    r = check(spec)
    assert (r.distinct_states, r.depth, r.states_generated) == (1_163, 20, 1_893)
    seen, frontier = set(spec.init_states()), list(spec.init_states())
    while frontier:
        frontier = [t for s in frontier for _, _, t in spec.successors(s) if t not in seen and not seen.add(t)]
    extra = sum(
        sum(1 for inst in s.node[rep][5] if inst[0] == 0) - 1
        for s in seen
        for rep in spec.Replicas
        if spec.TakeNewRequest(s, rep) is not None
    )
    assert r.states_generated + extra == 1_905


def test_every_slot_chooses_at_most_one_command_by_refinement() -> None:
    concrete = MultiPaxos(replicas=2, writes=1, reads=1, max_ballot=2)
    abstract, mapping = refinement(concrete, "slot-consensus")
    res = check_refinement(concrete, abstract, mapping)
    assert res.holds and res.explained and all(k.endswith("-> Choose") for k in res.explained)


def test_a_leader_skipping_phase1_breaks_slot_agreement_by_refinement() -> None:
    concrete = spec_class("multipaxos", "skip-phase1")(replicas=3, writes=2, reads=0, max_ballot=2)
    abstract, mapping = refinement(concrete, "slot-consensus")
    res = check_refinement(concrete, abstract, mapping)
    assert not res.holds and "maps to no step of slot-consensus" in (res.reason or "")


def test_refine_command(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["refine", "multipaxos", "slot-consensus", "--replicas", "2", "--writes", "1", "--reads", "0"])
    assert code == 0
    assert "multipaxos implements slot-consensus" in capsys.readouterr().out


def test_linearizability_needs_a_real_time_order() -> None:
    spec = MultiPaxos(replicas=1, writes=1, reads=1, max_ballot=2)
    (s,) = spec.init_states()
    # w1 acknowledged with the old value nil, then r1 requested and answered nil: no order explains it
    bad = s._replace(pending=(), observed=((0, 0), (1, 0, -1), (0, 1), (1, 1, -1)))
    good = s._replace(pending=(), observed=((0, 0), (1, 0, -1), (0, 1), (1, 1, 0)))
    assert not spec.Linearizability(bad) and spec.Linearizability(good)


@pytest.mark.parametrize("entry", MULTIPAXOS, ids=[e.name for e in MULTIPAXOS])
def test_each_multipaxos_entry_is_found_as_recorded(entry: Entry) -> None:
    o = check_entry(entry)
    r = o.result
    assert r is not None and r.complete
    assert (r.verdict, r.violated, r.trace_length) == (VIOLATION, entry.breaks, entry.trace_length)
    validate_trace(r.spec, r.trace)
    assert o.agrees
