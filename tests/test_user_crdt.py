"""tlaplus/Examples' FiniteMonotonic/CRDT.tla written from scratch as a user would (tests/user_specs/crdt.py), its
``Monotonicity == [][Monotonic]_counter`` an action invariant: TLC's counts with and without symmetry, and MCCRDT's
reduction, which breaks Monotonicity and no state invariant (tests/user_specs/CRDT/ holds what TLC ran)."""

from __future__ import annotations

from pathlib import Path

from modelcheck import VIOLATION, check
from modelcheck.engine.coordinator import search
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "crdt.py"
CRDT = load_user_spec(f"{FILE}:CRDT")
Reduction = load_user_spec(f"{FILE}:Reduction")

# TLC 2.20 -workers 1 (tests/user_specs/CRDT): MCCRDTPlain2.cfg (Node = {n1, n2}): 100 distinct, 601 generated, depth
# 9; MCCRDTPlain2Sym.cfg (SYMMETRY Permutations(Node)): 55 / 331 / 9; MCCRDTPlain.cfg (three nodes): 25,000 / 300,001
# / 16, with symmetry 4,320 / 51,841 / 16. MCCRDTReduction.cfg (-Dtlc2.tool.impl.Tool.cdot=true): "Action property
# Monotonicity is violated", Increment(n1), Increment(n2), Gossip(n2,n1), GossipAndReduction(n1,n2); 29 distinct,
# depth 5, 307 generated: TLC counts a composed step A \cdot B twice (its middle state too), paxraft once (205; the
# complete model: TLC 2,401, paxraft 1,601, 100 distinct either way).
TRACE = [(0, 0, 0), (1, 0, 0), (1, 0, 1), (0, 1, 3)]  # (n, o, disjunct): Increment, Increment, Gossip, GossipAndRed.


def test_counts_are_tlcs_with_and_without_symmetry() -> None:
    r = check(CRDT())
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", 100, 601, 9)
    r = check(CRDT(), symmetry=True)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", 55, 331, 9)


def test_the_reduction_breaks_monotonicity_at_tlcs_step() -> None:
    for r in (check(Reduction()), search(Reduction(), workers=2)):
        assert (r.verdict, r.violated, r.distinct_states, r.states_generated, r.depth) == \
            (VIOLATION, "Monotonicity", 29, 205, 5)
        assert [st.label.params for st in r.trace[1:]] == TRACE
    assert check(Reduction(), check_invariants=False).distinct_states == 100
