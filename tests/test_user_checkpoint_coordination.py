"""tlaplus/Examples' CheckpointCoordination written from scratch as a user would
(tests/user_specs/checkpoint_coordination.py; tests/user_specs/CheckpointCoordination/ holds the TLA+ and the cfgs TLC
ran): TLC's counts under its SYMMETRY NodeSymmetry, and MCCheckpointCoordinationFailure's incorrectly optimized lease
replacement breaking SafetyInvariant on TLC's trace, with TLC's counts at the stop."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import run  # the CLI run with its captured output: one helper for every CLI test

from modelcheck import VIOLATION, check
from spec.registry import load_user_spec

FILE = Path(__file__).resolve().parent / "user_specs" / "checkpoint_coordination.py"
CC = load_user_spec(f"{FILE}:CheckpointCoordination")
WRONG = load_user_spec(f"{FILE}:IncorrectlyOptimized")

# TLC 2.20 -workers 1, SYMMETRY NodeSymmetry (tests/user_specs/CheckpointCoordination):
#   MCCheckpointCoordination.cfg (3 nodes, MaxLog 3) 901,692 distinct / 23,112,567 generated / depth 29 (TLC: 9
#     minutes here; paxraft --symmetry the same three counts in 1,149 CPU s, too long for these tests);
#     MCCheckpointCoordinationSmall.cfg (MaxLog 2) 34,380 / 850,261 / 20,
#     MCCheckpointCoordinationTwoNodesLog3.cfg 3,482 / 44,354 / 23, MCCheckpointCoordinationTwoNodes.cfg (MaxLog 2)
#     486 / 5,907 / 15;
#   MCCheckpointCoordinationFailure.cfg: "Invariant SafetyInvariant is violated", 12 states, 88,152 distinct and
#     1,302,999 generated at the stop (depth 12); MCCheckpointCoordinationFailureTwoNodes.cfg: 13 states, 1,401 and
#     13,431 (depth 13).
# The actions are Next's disjuncts in the text's order, each taking its parameters in TLC's order, so the stops are
# TLC's without reordering.
TLC_TRACE_TWO_NODES = [("ElectLeader", 0), ("SendReplicatedRequest", 1), ("NodeFailure", 0), ("NodeRecovery", 0),
                       ("ProcessReplicatedRequest", 0), ("ProcessReplicatedRequest", 1), ("ElectLeader", 1),
                       ("SendReplicatedRequest", 0), ("NodeFailure", 1), ("NodeRecovery", 1),
                       ("ProcessReplicatedRequest", 0), ("ProcessReplicatedRequest", 1)]
TLC_TRACE_THREE_NODES = [("ElectLeader", 0), ("SendReplicatedRequest", 1), ("NodeFailure", 0),
                         ("ProcessReplicatedRequest", 1), ("ElectLeader", 1), ("SendReplicatedRequest", 2),
                         ("NodeFailure", 1), ("NodeRecovery", 1), ("ProcessReplicatedRequest", 1),
                         ("ProcessReplicatedRequest", 2), ("ProcessReplicatedRequest", 2)]


def test_counts_are_tlcs_under_its_symmetry() -> None:
    r = check(CC(nodes=2, max_log=2), symmetry=True)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", 486, 5_907, 15)


def test_the_incorrect_optimization_breaks_safety_where_tlc_finds_it() -> None:
    r = check(WRONG(nodes=2), symmetry=True, trust_symmetry=True)  # permute is verified by the test above
    assert (r.verdict, r.violated, len(r.trace) - 1) == (VIOLATION, "SafetyInvariant", 12)
    assert [(st.label.name, st.label.params[0]) for st in r.trace[1:]] == TLC_TRACE_TWO_NODES
    assert (r.distinct_states, r.states_generated, r.depth) == (1_401, 13_431, 13)
    # the invariant's docstring summary, two lines long, whole (only its first line was said, cut mid-sentence)
    assert WRONG(nodes=2).explain("SafetyInvariant", r.trace[-1].state) == (
        "SafetyInvariant is false (Only the node the leader's lease names may checkpoint, never the leader, never two "
        "nodes at once, never under a lease timed out; and no two logs conflict)")


@pytest.mark.slow
def test_tlcs_three_node_models() -> None:
    """MCCheckpointCoordinationFailure.cfg as TLC ran it (about 70 CPU s here) and the smaller safe model (about
    40 s)."""
    r = check(WRONG(), symmetry=True)
    assert (r.violated, len(r.trace) - 1, r.distinct_states, r.states_generated, r.depth) == (
        "SafetyInvariant", 11, 88_152, 1_302_999, 12)
    assert [(st.label.name, st.label.params[0]) for st in r.trace[1:]] == TLC_TRACE_THREE_NODES
    r = check(CC(max_log=2), symmetry=True)
    assert (r.verdict, r.distinct_states, r.states_generated, r.depth) == ("ok", 34_380, 850_261, 20)


def test_the_incorrect_optimization_as_a_catalogued_variant(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "variants", "--check", "--spec", str(FILE))
    assert code == 0 and "SafetyInvariant, 12 steps" in out and "every entry agrees" in out


def test_list_says_the_whole_summary_of_a_docstring_wrapped_onto_two_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """The class docstring's first paragraph is the summary; ``list`` printed only its first line, which stopped at
    "a lease times"."""
    code, out, _ = run(capsys, "list", str(FILE))
    assert code == 0 and out.splitlines()[0] == (
        "CheckpointCoordination: The Paxos leader hands a checkpoint lease to one follower at a time through the "
        "replicated log; a lease times out as the log moves on.")

